"""One canonical text per JSON document, for ``verify``: object keys sorted, no whitespace,
numbers written plainly and exactly.

JSON objects have no order, and PostgreSQL's JSONB does not keep the one it was given (it
sorts keys by length first): a nested value written as JSON text on one side and read back
from JSONB on the other holds the same keys and values in another order. DuckDB's ``json()``
minifies but keeps the order, and reads numbers as doubles where JSONB keeps them exact, so
this runs as a DuckDB function written in Python, on JSON columns only, and takes documents
nested as deep as PostgreSQL does.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable
from decimal import MAX_EMAX, MIN_EMIN, Context, Decimal, Rounded
from typing import TYPE_CHECKING, Any

import pyarrow as pa

if TYPE_CHECKING:
    # Loaded by ``register``'s callers; the migration's screens use this module without it.
    import duckdb

FUNCTION = "arrowmig_canonical_json"

SIGNED_FUNCTION = "arrowmig_canonical_json_signed"
"""``FUNCTION`` keeping a fractional zero's sign (``-0.0`` as ``-0``): for JSON arrowmig wrote
from a nested value, where ``-0.0`` is a double's own value, which jsonb (numeric) drops."""


def register(con: duckdb.DuckDBPyConnection) -> None:
    """Make ``FUNCTION(VARCHAR) -> VARCHAR`` and ``SIGNED_FUNCTION`` callable in ``con``'s SQL."""
    from duckdb import func

    for name, texts in ((FUNCTION, canonical_texts), (SIGNED_FUNCTION, signed_canonical_texts)):
        con.create_function(
            name, texts, ["varchar"], "varchar", type=func.PythonUDFType.ARROW, side_effects=False
        )


def canonical_texts(texts: pa.Array) -> pa.Array:
    """Each JSON text in canonical form (NULL stays NULL; text that is not JSON stays as it is)."""
    return _canonical_texts(texts, Decimal)


def signed_canonical_texts(texts: pa.Array) -> pa.Array:
    """``canonical_texts``, a fractional zero written with its sign (``-0.0`` as ``-0``)."""
    return _canonical_texts(texts, _signed_decimal)


def _canonical_texts(texts: pa.Array, number: Callable[[str], Decimal]) -> pa.Array:
    out: list[str | None] = []
    for text in texts.to_pylist():
        if text is None:
            out.append(None)
            continue
        try:
            out.append(canonical(parse(text, number=number)))
        except ValueError:
            out.append(text)
    return pa.array(out, pa.string())


class _NegativeZero(Decimal):
    """A ``-0.0`` read by ``signed_canonical_texts``: written ``-0`` where other zeros are ``0``."""


def _signed_decimal(text: str) -> Decimal:
    value = Decimal(text)
    return _NegativeZero(text) if value.is_zero() and value.is_signed() else value


def parse(
    text: str,
    object_hook: Callable[[Pairs], Any] | None = None,
    number: Callable[[str], Decimal] = Decimal,
) -> Any:
    """A JSON document with every number as an exact Decimal (jsonb keeps numerics exactly:
    0.1 and 0.10000000000000001 are two values; ``number`` reads those with a fraction or an
    exponent), and every object as ``object_hook`` makes it of its (key, value) pairs: by
    default a dict, or a ``Repeated`` where a key comes twice. Raises ValueError if it is not
    JSON."""
    hook = object_hook or _object
    try:
        # Integers as Python's own: exact, and several times cheaper than Decimal.
        return json.loads(text, parse_float=number, object_pairs_hook=hook)
    except RecursionError:
        # Python's parser recurses once per level and stops near 1,000; PostgreSQL takes
        # documents nested thousands deep.
        return _parse_deep(text, hook, number)


Pairs = list[tuple[str, Any]]


class Repeated:
    """An object in which a key comes more than once, as all its pairs in order. A dict
    would keep one value per key, as jsonb does (the last): the document it came from and
    the jsonb it became would then read as one."""

    __slots__ = ("pairs",)

    def __init__(self, pairs: Pairs) -> None:
        self.pairs = pairs


def _object(pairs: Pairs) -> dict[str, Any] | Repeated:
    obj = dict(pairs)
    return obj if len(obj) == len(pairs) else Repeated(pairs)


def repeated_key(text: str) -> str | None:
    """The first key that comes twice in one object of the JSON ``text``, at any depth
    (None if none does, or if the text is not JSON: the target refuses that itself)."""
    try:
        try:
            # Numbers as json.loads reads them: only the keys count here, and Decimal per
            # number cost about a third more.
            _KEY_SEEKER.decode(text)
        except RecursionError:
            _parse_deep(text, _raise_repeated)
    except _RepeatedKey as found:
        return found.key
    except ValueError:
        return None
    return None


class _RepeatedKey(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _raise_repeated(pairs: Pairs) -> None:
    """Stop at the first object with a key twice (dict() counts in C: most objects end here)."""
    if len(pairs) < 2 or len(dict(pairs)) == len(pairs):
        return
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            raise _RepeatedKey(key)
        seen.add(key)


_KEY_SEEKER = json.JSONDecoder(object_pairs_hook=_raise_repeated)


_TOKEN = re.compile(
    r"""\s*(?:([\[\]{},:])|("(?:[^"\\\x00-\x1f]|\\.)*")"""
    r"""|(-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)|(true|false|null))"""
)
_LITERALS = {"true": True, "false": False, "null": None}


def _parse_deep(
    text: str, object_hook: Callable[[Pairs], Any], number: Callable[[str], Decimal] = Decimal
) -> Any:
    """``json.loads`` without recursion: the open arrays and objects on a stack of their own
    (an object as its pairs, until it closes).

    ``expect`` is what may come next: a value, a key (or ``}``), ``:``, or ``,`` / a close."""
    open_: list[list[Any] | _OpenObject] = []
    keys: list[str] = []  # per open object, the key whose value comes next
    expect, pos, root = "value", 0, _NOTHING
    value: Any
    while (match := _TOKEN.match(text, pos)) is not None:
        pos = match.end()
        punct, string, numeral, literal = match.groups()
        where = f"not JSON at character {match.start()}"
        if expect == "colon":
            if punct != ":":
                raise ValueError(where)
            expect = "value"
            continue
        if expect == "after" and punct == "," and open_:
            expect = "key" if isinstance(open_[-1], _OpenObject) else "value"
            continue
        closing = (expect == "after" and bool(open_)) or (
            # an empty array or object
            (expect, punct) in (("value", "]"), ("key", "}")) and not _filled(open_)
        )
        if punct in ("]", "}") and closing and isinstance(open_[-1], _OpenObject) == (punct == "}"):
            value = open_.pop()
            if isinstance(value, _OpenObject):
                value = object_hook(list(value))
        elif expect == "key" and string is not None:
            keys.append(json.loads(string))
            expect = "colon"
            continue
        elif expect != "value":
            raise ValueError(where)
        elif punct in ("[", "{"):
            open_.append([] if punct == "[" else _OpenObject())
            expect = "key" if punct == "{" else "value"
            continue
        elif string is not None:
            value = json.loads(string)
        elif numeral is not None:
            # A fraction or an exponent read by ``number``, as json.loads's parse_float.
            fraction = any(c in numeral for c in ".eE")
            value = number(numeral) if fraction else Decimal(numeral)
        elif literal is not None:
            value = _LITERALS[literal]
        else:
            raise ValueError(where)
        if not open_:
            if root is not _NOTHING:
                raise ValueError(where)
            root = value
        elif isinstance(open_[-1], _OpenObject):
            open_[-1].append((keys.pop(), value))
        else:
            open_[-1].append(value)
        expect = "after"
    if text[pos:].strip() or open_ or root is _NOTHING:
        raise ValueError(f"not JSON at character {pos}")
    return root


_NOTHING = object()


class _OpenObject(list[tuple[str, Any]]):
    """The pairs of an object ``_parse_deep`` has not closed yet."""


def _filled(open_: list[list[Any] | _OpenObject]) -> bool:
    return not open_ or bool(open_[-1])


class _Raw(str):
    """Canonical text already written (a bracket, a comma, a key), as opposed to a value."""


def canonical(value: Any) -> str:
    """The canonical text of a parsed document: recursively, which is about twice as fast,
    and without recursion for a document nested deeper than Python recurses (see ``parse``)."""
    try:
        return _canonical_nested(value)
    except RecursionError:
        return _canonical_flat(value)


def _canonical_nested(value: Any) -> str:
    # The common kinds first, each written as json.dumps writes it, without its set-up.
    if isinstance(value, str):
        return _quoted(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, dict):
        members = (_quoted(k) + ":" + _canonical_nested(value[k]) for k in sorted(value))
        return "{" + ",".join(members) + "}"
    if isinstance(value, Repeated):
        pairs = _sorted_pairs(value.pairs)
        return "{" + ",".join(_quoted(k) + ":" + _canonical_nested(v) for k, v in pairs) + "}"
    if isinstance(value, list):
        return "[" + ",".join(map(_canonical_nested, value)) + "]"
    if isinstance(value, Decimal):
        return _plain(value)
    return json.dumps(value)


_quoted = json.encoder.encode_basestring_ascii
"""A string as ``json.dumps`` writes it (ASCII, escaped)."""


def _canonical_flat(value: Any) -> str:
    """``canonical`` built on a stack of its own."""
    out: list[str] = []
    todo: list[Any] = [value]
    while todo:
        item = todo.pop()
        if isinstance(item, _Raw):
            out.append(item)
        elif isinstance(item, dict | Repeated):
            parts: list[Any] = [_Raw("{")]
            pairs = item.items() if isinstance(item, dict) else item.pairs
            for i, (k, v) in enumerate(_sorted_pairs(pairs)):
                parts.extend(([_Raw(",")] if i else []) + [_Raw(json.dumps(k) + ":"), v])
            todo.extend(reversed([*parts, _Raw("}")]))
        elif isinstance(item, list):
            parts = [_Raw("[")]
            for i, v in enumerate(item):
                parts.extend([_Raw(","), v] if i else [v])
            todo.extend(reversed([*parts, _Raw("]")]))
        elif isinstance(item, Decimal):
            # 1e2, 100 and 100.0 are one number; JSONB and JSON text may write it differently.
            out.append(_plain(item))
        else:
            out.append(json.dumps(item))
    return "".join(out)


def _sorted_pairs(pairs: Iterable[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """An object's pairs by key; pairs of one key stay in their order (the sort is stable),
    so that {"a":1,"a":2} and {"a":2,"a":1}, which SQLite reads apart, stay apart."""
    return sorted(pairs, key=lambda kv: kv[0])


def _plain(number: Decimal) -> str:
    """Every digit of ``number``, without an exponent or trailing zeros: normalize() in the
    default context rounds to 28 digits, and PostgreSQL's numerics have thousands. A zero
    has no sign: jsonb stores -0.0 as 0.0 (numeric has no negative zero), and -0, parsed as
    Python's int, was 0 already; but a ``_NegativeZero`` is ``-0``."""
    if number.is_zero():
        return "-0" if isinstance(number, _NegativeZero) else "0"
    try:
        return format(number.normalize(_UP_TO_28), "f")
    except Rounded:  # more digits than the usual context keeps: one made to keep them all
        return format(number.normalize(_exact(len(number.as_tuple().digits))), "f")


_UP_TO_28 = Context(prec=28, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[Rounded])


@functools.cache
def _exact(digits: int) -> Context:
    """A context that keeps ``digits`` digits (made once per length: making one per number
    cost more than the rest of the work)."""
    return Context(prec=digits, Emax=MAX_EMAX, Emin=MIN_EMIN)

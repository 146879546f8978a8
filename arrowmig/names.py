"""How names are written in option lists (--tables, --exclude, --source-schema) and as
``schema.table``: a name holding a comma, a dot or a quote is written in double quotes, and
what arrowmig prints can be given back as it is."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Sequence

from arrowmig.argument_words import arg, given
from arrowmig.errors import UsageError

_QUOTED = r'"(?:[^"]|"")*"'
_ITEM = re.compile(rf'\s*((?:{_QUOTED}|[^,"])*)\s*(?:,|$)')
_PART = re.compile(rf'({_QUOTED}|[^."]+)(\.|$)')


def split_list(value: str | None, *, keep_empty: bool = False) -> tuple[str, ...]:
    """``a, b,c`` as names. A name holding a comma is written in double quotes, as CSV does
    (``"a,b",c``; a quote inside it doubled), and is taken exactly, spaces included. A
    ``schema.table`` whose parts hold dots quotes them (``"a.b"."c.d"``): such an item is
    kept as written, for ``name_parts`` to read. ``keep_empty`` keeps an empty item
    (``a,,b``) as ``""``, for the caller to refuse."""
    if not value:
        return ()
    names, at = [], 0
    while at < len(value):
        found = _ITEM.match(value, at)
        if found is None or found.end() == at:
            raise UsageError(
                f"cannot read the list {value!r}: a quoted name is not closed",
                hint="write a name holding a comma in double quotes: " + given("tables", '"a,b",c'),
            )
        item = found.group(1).strip()
        if not item and keep_empty:
            names.append("")
        elif item:
            parts = name_parts(item)
            # One quoted name: the name itself, unless a dot in it would read as schema.table,
            # or a quote in it as a quoted name (the plan reads the list's names once more).
            plain = len(parts) == 1 and not any(c in parts[0] for c in '."')
            names.append(parts[0] if plain else item)
        at = found.end()
    if keep_empty and value.rstrip().endswith(","):
        names.append("")
    return tuple(names)


def named_tables(
    value: str | Sequence[str] | None, option: str | None = None
) -> tuple[str, ...] | None:
    """Tables named from Python or the command line: None is every table; a lone name
    ("bets") is one table, not a sequence of one-letter names. A list that names no table
    (``--tables "$EMPTY"``, ``tables=[]``) is refused: read as "every table", a script whose
    list came out empty would replace or truncate them all."""
    if value is None:
        return None
    option = option or arg("tables")
    names = table_names(value, option)
    if not any(names):
        raise UsageError(
            f"{option} names no table",
            hint=f"name at least one table, or leave {option} out to take every table",
        )
    return names


def table_names(value: object, option: str) -> tuple[str, ...]:
    """Table names given from Python: a lone name ("bets") is one table, not a sequence of
    one-letter names; anything but text is refused naming ``option``."""
    given = (value,) if isinstance(value, str) else tuple(_iterable(value, option))
    names = tuple(n for n in given if isinstance(n, str))
    if len(names) != len(given):
        raise UsageError(f"{option} takes table names (text), not {value!r}")
    return names


def excluded_tables(value: object, option: str | None = None) -> tuple[str, ...]:
    """Tables left out, given from Python: None leaves none out (as ``tables=None`` takes
    every table)."""
    return () if value is None else table_names(value, option or arg("exclude"))


def several_in_one(name: str, known: Iterable[str]) -> str | None:
    """The hint for a name given from Python as one string that is a comma list of tables
    there ("a,b"): in Python a string is one name (a name may hold a comma), a list several."""
    parts = [part.strip() for part in name.split(",")]
    have = set(known)
    if len(parts) > 1 and all(part in have for part in parts):
        return f"{name!r} is one name; to name several tables give a list: tables={parts!r}"
    return None


def _iterable(value: object, option: str) -> Iterable[object]:
    if not isinstance(value, Iterable):
        raise UsageError(f"{option} takes a table name or a list of them, not {value!r}")
    return value


def split_names(value: str) -> list[str]:
    """A list of single names (``--source-schema``): ``a,"b,c","d.e"`` is ``a``, ``b,c`` and
    ``d.e``; dots are part of a name here."""
    names = []
    for item in split_list(value, keep_empty=True):
        parts = name_parts(item) if item else [""]
        names.append(parts[0] if len(parts) == 1 else item)
    return names


def one_schema(value: str | None) -> str | None:
    """The schema ``--source-schema`` names when it names one: unquoted (``"s,1"`` is the
    schema ``s,1``)."""
    if value is None:
        return None
    names = split_names(value)
    return names[0] if len(names) == 1 else value


def name_parts(item: str) -> list[str]:
    """The dot-separated parts of a name as written: ``"a.b"."c.d"`` is ``a.b`` and ``c.d``.
    An item without quotes is one part, taken as it is (its dots are read by the caller)."""
    if '"' not in item:
        return [item]
    parts, at = [], 0
    while at < len(item):
        found = _PART.match(item, at)
        if found is None:
            # Most often a name that holds a quote itself, written bare: show it as it reads.
            raise UsageError(
                f"cannot read the name {item!r}",
                hint="a name holding a double quote goes in double quotes, each quote in it "
                f"doubled: {written(item)} (in a shell: {shlex.quote(written(item))}); a "
                'schema.table whose parts hold a dot is written "a.b"."c.d"',
            )
        part = found.group(1)
        parts.append(part[1:-1].replace('""', '"') if part.startswith('"') else part)
        at = found.end()
    return parts


DIALECT_NAMES = {"postgresql": "PostgreSQL", "duckdb": "DuckDB", "sqlite": "SQLite"}
"""Each database as people write its name."""


def written(name: str, *, dots: bool = False) -> str:
    """A name as an option list takes it: in double quotes when it holds a comma or a quote
    (or, with ``dots``, a dot: a part of ``schema.table``), or begins or ends with a space."""
    special = ',"' + ("." if dots else "")
    if any(c in name for c in special) or name != name.strip():
        return '"' + name.replace('"', '""') + '"'
    return name


def written_list(names: list[str]) -> str:
    """Names as one option list (``--source-schema``, ``--exclude``), each read back exactly."""
    return ",".join(written(n) for n in names)


def shown(schema: str, table: str) -> str:
    """``schema.table`` as a run of several schemas names it, parts holding a dot, comma or
    quote in double quotes: two tables never print alike, and --tables takes it back."""
    return f"{written(schema, dots=True)}.{written(table, dots=True)}"


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def folded(name: str) -> str:
    """``name`` as SQLite and DuckDB compare names: only A-Z fold to a-z. Both keep ``"ä"``
    and ``"Ä"``, ``"ß"`` and ``"ẞ"``, the Kelvin sign and ``k`` apart (seen with SQLite 3.40
    and 3.53, DuckDB 2.0.1), where Python's lower() and casefold() would make them one name."""
    return name.translate(_ASCII_LOWER)


def same_but_case(name: str, candidates: Iterable[str]) -> str | None:
    """The one of ``candidates`` equal to ``name`` but for the case of A-Z (``znote`` for
    ``ZNOTE``: a target that folds names, or one written with ``--target-names lower``);
    None when there is none, or more than one."""
    same = [c for c in candidates if folded(c) == folded(name)]
    return same[0] if len(same) == 1 else None

"""What a SQLite column's type affinity does to the values arrowmig writes into it.

A table that is not STRICT converts each value to its column's affinity as it stores it: text
that spells a number goes into an INTEGER, REAL or NUMERIC column as that number ('0012' as
12, '1.50' as 1.5, '1e3' as 1000), a decimal of more digits than a double holds as a rounded
REAL, an integer into a REAL column as a double. The rules have corners (a real literal that is
a whole number becomes an INTEGER by way of a double: '9007199254740993.0' as
9007199254740992; text is read up to its first NUL), so SQLite itself is asked: the values are
stored into an in-memory table of the same affinity, by the library the writer uses, and what
it holds is read back.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterator
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from arrowmig.endpoints.sqlite_profile import DOUBLE_DECIMAL_DIGITS, affinity

_NUMBER_TEXT = r"^[\s\v]*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?[\s\v]*(\x00|$)"
"""Text SQLite's affinity may read as a number: its numeric literal between spaces, and
anything after a NUL (SQLite reads the text up to it). Only these texts are asked about."""

_EXACT_DOUBLES = 2**53
"""Integers of this size and beyond are not all doubles: a REAL column may round them."""

_HELD_AS = {"text": ("real", "integer"), "integer": ("real",), "real": ("text",)}
"""The storage classes an affinity may turn a value sent as text, an integer or a double into."""

_DECLARED = {"integer": "INTEGER", "real": "REAL", "numeric": "NUMERIC", "text": "TEXT"}
"""A declared type of each affinity: the affinity alone decides what SQLite stores."""


@dataclass(frozen=True)
class Changed:
    """A value the column would hold otherwise than it was written."""

    row: int
    stored: str
    """What the column would hold, in words: ``the INTEGER 12``, ``the REAL 1.5``."""


def changed_by_affinity(declared: str, sent: pa.Array, numbers: bool) -> list[Changed]:
    """The values of ``sent`` (as the SQLite writer sends them) that a column declared
    ``declared`` would hold as another value, or another kind of value.

    ``numbers``: text that carries numbers (a decimal, an unbounded numeric): a REAL or INTEGER
    of the same number is no change ('1.50' as 1.5), one of other digits is. Other text must
    stay text, or become the number it is the text of ('12' as 12, not '0012' nor '1e3').
    """
    if not may_change(declared, sent.type):
        return []
    kind = affinity(declared)
    numbers = numbers and pa.types.is_string(sent.type)
    rows = _worth_asking(sent, numbers)
    if rows is not None and len(rows) == 0:
        return []
    asked = sent if rows is None else sent.take(rows)
    changed = []
    for at, storage, text, real in _in_doubt(kind, asked, numbers):
        value = asked[at].as_py()
        if not _kept(value, storage, text, real, numbers):
            shown = (
                repr(real) if storage == "real" else text if storage == "integer" else repr(text)
            )
            row = at if rows is None else rows[at].as_py()
            changed.append(Changed(row, f"the {storage.upper()} {shown}"))
    return changed


def may_change(declared: str, sent_as: pa.DataType) -> bool:
    """Whether a column declared ``declared`` may hold a value the writer sends as
    ``sent_as`` otherwise: text in a column of INTEGER, REAL or NUMERIC affinity, an integer
    in a REAL one, a double in a TEXT one. An integer into INTEGER or NUMERIC, a double into
    those (which make an INTEGER of it only where that is the same number) and a blob
    anywhere stay as they are."""
    kind = affinity(declared)
    if pa.types.is_string(sent_as):
        return kind in ("integer", "real", "numeric")
    if pa.types.is_int64(sent_as):
        return kind == "real"
    return bool(pa.types.is_float64(sent_as) and kind == "text")


def _worth_asking(sent: pa.Array, numbers: bool) -> pa.Array | None:
    """Of the values ``may_change`` names, the rows whose value the affinity may convert (None:
    every row): every number, other text that looks like a number, integers past 2**53 (into
    REAL), every double (into TEXT, as its text)."""
    t = sent.type
    if numbers:
        return None if sent.null_count < len(sent) else pa.array([], pa.int64())
    if pa.types.is_string(t):
        hits = pc.match_substring_regex(sent, _NUMBER_TEXT)
    elif pa.types.is_int64(t):
        hits = pc.greater_equal(
            pc.abs(pc.cast(sent, pa.float64(), safe=False)), float(_EXACT_DOUBLES)
        )
    else:
        hits = pc.is_valid(sent)
    return pc.indices_nonzero(pc.fill_null(hits, False)).cast(pa.int64())


def _in_doubt(
    kind: str, values: pa.Array, numbers: bool
) -> Iterator[tuple[int, str, str, float | None]]:
    """The values the column would hold in another storage class than they were sent in,
    and not surely as the same value: per value its index, that class, SQLite's text of it,
    and the REAL held (exact, where it is one).

    Surely the same, and settled without Python: text held as a number SQLite prints back as
    that text (found by SQLite, in the scan that finds the converted values); with
    ``numbers``, a plain decimal of at most 15 significant digits held as its nearest double
    (parsed by Arrow, correctly rounded), or as an integer below 10**15 that is that double;
    a double held as a text that reads back as it."""
    import adbc_driver_sqlite.dbapi as sqlite_dbapi

    sent_as = {pa.int64(): "integer", pa.float64(): "real"}.get(values.type, "text")
    converted = f"typeof(v) NOT IN ('null', '{sent_as}')"
    columns = {"v": values}
    if sent_as == "text" and not numbers:
        # Text must come back as it was sent: `sent` has no declared type, so no affinity,
        # and holds each text as it came.
        columns["sent"] = values
        converted += " AND CAST(v AS TEXT) IS NOT sent"
    # Rows go in in order: a row's rowid is its index plus one.
    with sqlite_dbapi.connect(":memory:") as con, con.cursor() as cur:
        cur.execute(f"CREATE TABLE probe (v {_DECLARED[kind]}, sent)")
        cur.adbc_ingest("probe", pa.table(columns), mode="append")
        classes = _HELD_AS[sent_as]
        if "sent" in columns:  # text that does not come back is rare: one scan says so
            cur.execute(f"SELECT DISTINCT typeof(v) FROM probe WHERE {converted}")
            classes = tuple(c for (c,) in cur.fetchall())
        # Each class apart, so that Arrow reads a column of one type: a REAL exactly as its
        # double, an INTEGER as its integer, a TEXT as it is.
        held = {}
        for storage in classes:
            cur.execute(
                f"SELECT rowid - 1, v FROM probe WHERE {converted} AND typeof(v) = '{storage}'"
            )
            held[storage] = cur.fetch_arrow_table()
    for storage, table in held.items():
        at, value = table.column(0), table.column(1)
        if storage == "real":
            value = pc.cast(value, pa.float64())
        elif storage == "integer":
            value = pc.cast(value, pa.int64())
        doubt = pc.invert(_surely_kept(storage, values.take(at), value, numbers))
        for row, held_value in zip(
            pc.filter(at, doubt).to_pylist(), pc.filter(value, doubt).to_pylist(), strict=True
        ):
            real = held_value if storage == "real" else None
            yield row, storage, str(held_value), real


def _surely_kept(storage: str, sent: pa.Array, held: pa.Array, numbers: bool) -> pa.Array:
    """Where ``held`` (values of one storage class) is surely the value sent, without
    Python: a number of a short plain decimal held as its nearest double or as that double's
    integer below 10**15; a double held as a text that reads back as it."""
    if len(held) == 0 or not (numbers or pa.types.is_float64(sent.type)):
        return pa.array([False] * len(held), pa.bool_())
    if storage == "text":
        return pc.fill_null(pc.equal(_nearest_double(held), sent), False)
    near = _nearest_double(sent)
    if storage == "integer":  # below 10**15 every integer is its double
        small = pc.less(pc.abs(held), 10**15)
        held = pc.if_else(small, held, pa.scalar(None, held.type))
    number = pc.cast(held, pa.float64())
    return pc.fill_null(pc.and_(_short_decimal(sent), pc.equal(near, number)), False)


def _nearest_double(text: pa.Array) -> pa.Array:
    """Number texts as their nearest doubles; null where Arrow reads no number."""
    try:
        return pc.cast(text, pa.float64())
    except pa.ArrowInvalid:  # 'NaN' of a numeric, say: only the plain numbers, then
        plain = pc.match_substring_regex(text, r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)$")
        return pc.cast(pc.if_else(plain, text, pa.scalar(None, text.type)), pa.float64())


def _short_decimal(text: pa.Array) -> pa.Array:
    """Texts without an exponent of at most 15 characters, or 16 with a point: a decimal
    among them has at most 15 significant digits and lies between 1e-14 and 1e16, among the
    normal doubles, so it is the shortest text of its nearest double, and no other such text
    has that double. (Counted in characters, not digits, which costs one kernel: a longer
    price, rare, is settled in Python.)"""
    no_exponent = pc.equal(pc.find_substring(text, "e", ignore_case=True), -1)
    length = pc.utf8_length(text)
    pointed = pc.not_equal(pc.find_substring(text, "."), -1)
    fits = pc.or_(
        pc.less_equal(length, DOUBLE_DECIMAL_DIGITS),
        pc.and_(pc.equal(length, DOUBLE_DECIMAL_DIGITS + 1), pointed),
    )
    return pc.and_(no_exponent, fits)


def _kept(sent: object, storage: str, text: str, real: float | None, numbers: bool) -> bool:
    """Whether the value held is the value sent, exactly: an integer as the same number; a
    double as a text that reads back as it; a number as one whose digits the REAL's shortest
    text gives back ('1.50' as 1.5, not '1.23456789012345678' as 1.2345678901234568), or
    as the same integer. Other text, held as a number it is not the text of, is not."""
    if isinstance(sent, int):
        return real == sent
    if isinstance(sent, float):
        try:
            return float(text) == sent
        except ValueError:
            return False
    if not numbers or not isinstance(sent, str):
        return False
    held = repr(real) if storage == "real" else text
    try:
        return decimal.Decimal(sent.split("\x00")[0].strip()) == decimal.Decimal(held)
    except decimal.InvalidOperation:
        return False

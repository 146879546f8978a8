"""SQLite profiling asks for as few aggregates as the type decisions need (one scan proving
each column's expected storage class, a second only for the columns that surprise it) and
decides exactly what profiling every aggregate of every column decides. Pinned here on the
mixed cases, on files whose values break SQLite's affinity rules, and as a property.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import adbc_driver_sqlite.dbapi as adbc_sqlite
import pyarrow as pa
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from arrowmig.argument_words import cast_of_column
from arrowmig.endpoints import open_endpoint
from arrowmig.endpoints import sqlite as sqlite_endpoint
from arrowmig.endpoints.sqlite_profile import (
    ColumnProfile,
    _date_formats,
    expected_class,
    parse_profile,
    profile_sql,
    profile_table,
)
from arrowmig.endpoints.sqlite_types import choose
from arrowmig.model import Column
from arrowmig.schema import quote_ident
from tests.test_corpus_hypothesis import DECLARED as CORPUS_DECLARED
from tests.test_corpus_hypothesis import build, columns
from tests.test_corpus_hypothesis import values as corpus_values

PART_ROWS = sqlite_endpoint.PROFILE_PART_ROWS


class _Recorder:
    """Runs SELECTs on one ADBC connection (the driver describe uses) and keeps them."""

    def __init__(self, path: Path) -> None:
        self.conn = adbc_sqlite.connect(str(path))
        self.cursor = self.conn.cursor()
        self.statements: list[str] = []
        self.widths: list[int] = []

    def __call__(self, sql: str) -> list[tuple[Any, ...]]:
        self.statements.append(sql)
        self.cursor.execute(sql)
        rows: list[tuple[Any, ...]] = self.cursor.fetchall()
        self.widths.append(len(rows[0]) if rows else 0)
        return rows

    def close(self) -> None:
        self.cursor.close()
        self.conn.close()


def _info(query: _Recorder, table: str) -> list[tuple[Any, ...]]:
    return query(f'SELECT name, type, "notnull" FROM pragma_table_info({_lit(table)})')


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _decide(
    path: Path, table: str
) -> tuple[list[Column], list[Column], list[ColumnProfile], list[ColumnProfile], _Recorder]:
    """(cheap decisions, reference decisions, cheap profiles, reference profiles, statements)."""
    ref_query, query = _Recorder(path), _Recorder(path)
    try:
        info = _info(ref_query, table)
        names, declared = [r[0] for r in info], [r[1] or "" for r in info]
        (row,) = ref_query(profile_sql(quote_ident(table), names, declared))
        ref_total, ref = parse_profile(row, names, declared)
        total, cheap = profile_table(query, quote_ident(table), names, declared)
    finally:
        ref_query.close()
        query.close()
    assert total == ref_total
    decided = [choose(r[0], r[1] or "", p, bool(r[2])) for r, p in zip(info, cheap, strict=True)]
    reference = [choose(r[0], r[1] or "", p, bool(r[2])) for r, p in zip(info, ref, strict=True)]
    return decided, reference, cheap, ref, query


def _db(path: Path, script: str, rows: dict[str, list[tuple[Any, ...]]] | None = None) -> Path:
    con = sqlite3.connect(path)
    con.executescript(script)
    for table, values in (rows or {}).items():
        marks = ", ".join("?" * len(values[0]))
        con.executemany(f"INSERT INTO {quote_ident(table)} VALUES ({marks})", values)
    con.commit()
    con.close()
    return path


def _column(
    path: Path, declared: str, values: list[Any], first: Any = None, stored: str | None = None
) -> Column:
    """The decision for one column of ``values``, checked against the reference and describe.

    ``stored``: the declared type the rows are written under (its affinity decides their
    storage classes) before the schema is edited to say ``declared``, as files from other tools
    can have: SQLite itself turns decimal text in a DECIMAL column into reals.
    """
    rows = [(first,)] if first is not None else []
    rows += [(v,) for v in values]
    _db(path, f"CREATE TABLE m (c {declared if stored is None else stored})", {"m": rows})
    if stored is not None:
        con = sqlite3.connect(path)
        con.execute("PRAGMA writable_schema=ON")
        con.execute(
            "UPDATE sqlite_schema SET sql=? WHERE name='m'", (f"CREATE TABLE m (c {declared})",)
        )
        con.commit()
        con.close()
    decided, reference, cheap, ref, _ = _decide(path, "m")
    assert decided == reference
    assert cheap[0].classes == ref[0].classes and cheap[0].nulls == ref[0].nulls
    with open_endpoint(str(path)) as ep:
        described = ep.describe("m").columns
    # The endpoint takes the same path, and names the column in a note's --cast.
    named = [replace(c, notes=tuple(cast_of_column(n, "m", "c") for n in c.notes)) for c in decided]
    assert list(described) == named
    return described[0]


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "p.db"


# -- the mixed cases ----------------------------------------------------------------------------


def test_integers_beyond_2_53_mixed_with_reals_are_numeric(db: Path) -> None:
    c = _column(db, "INTEGER", [1, 2**60, 0.5])
    assert c.arrow_type == pa.string() and c.target_type == "numeric"
    assert c.observed == ("integer", "real") and "beyond 2^53" in c.notes[0]


def test_integers_within_2_53_mixed_with_reals_are_doubles(db: Path) -> None:
    c = _column(db, "INTEGER", [1, -(2**53), 0.5])
    assert c.arrow_type == pa.float64() and c.observed == ("integer", "real")
    assert "every integer is exact" in c.notes[0]


def test_integer_text_and_real_are_text(db: Path) -> None:
    c = _column(db, "INTEGER", [1, 0.5, "N/A"])
    assert c.arrow_type == pa.string() and c.observed == ("integer", "real", "text")
    assert c.notes == ("mixed storage classes integer/real/text: stored as text",)


def test_integer_and_text_without_real_name_exactly_those(db: Path) -> None:
    # min/max of typeof() would see integer..text and could not say whether reals lie between.
    c = _column(db, "INTEGER", [1, "N/A", 3])
    assert c.arrow_type == pa.string() and c.observed == ("integer", "text")


def test_blob_and_text_are_bytes(db: Path) -> None:
    c = _column(db, "TEXT", ["a", b"\x00\x01", None])
    assert c.arrow_type == pa.binary() and c.observed == ("text", "blob")
    assert "text/blob" in c.notes[0]


@pytest.mark.parametrize(
    ("declared", "arrow_type"),
    [("INTEGER", pa.int64()), ("TEXT", pa.string()), ("", pa.string()), ("REAL", pa.float64())],
)
def test_null_only_columns_keep_their_declared_type(
    db: Path, declared: str, arrow_type: pa.DataType
) -> None:
    c = _column(db, declared, [None, None])
    assert c.arrow_type == arrow_type and c.observed == () and c.notes == ()


@pytest.mark.parametrize(
    ("values", "arrow_type", "observed", "note"),
    [
        ([0, 1, 1, None], pa.bool_(), ("integer",), None),
        ([0, 1, 2], pa.int64(), ("integer",), "other than 0/1"),
        ([-1, 0], pa.int64(), ("integer",), "other than 0/1"),
        # Rails 5 writes 1/0 where Rails 4 wrote 't'/'f': the cast that converts both is named.
        ([0, 1, "yes", " F "], pa.string(), ("integer", "text"), "=boolean converts 't'"),
        ([0, 2, "yes"], pa.string(), ("integer", "text"), "mixed storage classes"),
        # A word the cast does not read among them: the cast still named, the word counted.
        ([0, 1, "maybe"], pa.string(), ("integer", "text"), "1 of 1 texts are none of them"),
        (["t", "f", "maybe"], pa.string(), ("text",), "1 of 3 texts are none of them"),
    ],
)
def test_booleans(
    db: Path,
    values: list[Any],
    arrow_type: pa.DataType,
    observed: tuple[str, ...],
    note: str | None,
) -> None:
    c = _column(db, "BOOLEAN", values)
    assert c.arrow_type == arrow_type and c.observed == observed
    assert (note in c.notes[0]) if note else c.notes == ()


@pytest.mark.parametrize(
    ("declared", "values", "arrow_type", "note"),
    [
        ("DATE", ["2024-02-29", "1999-12-31", None], pa.date32(), None),
        ("DATE", ["2024-02-29", "2023-02-29"], pa.string(), "1 of 2 values"),
        ("DATETIME", ["2024-01-31 10:00:00", "2024-01-31 10:00:00.5"], pa.timestamp("us"), None),
        ("TIMESTAMP", ["2024-01-02T03:04:05.000001"], pa.timestamp("us"), None),
        # datetime()'s space and isoformat()'s T, written into one column by two apps.
        ("DATETIME", ["2024-01-31 10:00:00", "2024-01-31T10:00:00.5"], pa.timestamp("us"), None),
        ("DATETIME", ["2024-01-31 10:00:00", "2024-01-31T10:00"], pa.string(), "1 of 2"),
        ("DATETIME", ["2024-01-31"], pa.date32(), "every value is YYYY-MM-DD: DATE"),
        ("DATETIME", [17, 18], pa.int64(), "=epoch_ms reads milliseconds"),
        ("TIME", ["09:30:00", "17:45:30.5", "23:59:59.999999", None], pa.time64("us"), None),
        # SQLAlchemy and pandas write zoned times with their offset: instants.
        (
            "DATETIME",
            ["2024-01-02 03:04:05+02:00", "2024-06-30T23:59:59.5Z", "2024-01-02 00:00:00-05:30"],
            pa.timestamp("us", tz="UTC"),
            "and a UTC offset",
        ),
        ("DATETIME", ["2024-01-02 03:04:05+02:00", "2024-01-02 03:04:05"], pa.string(), "1 of 2"),
        ("DATETIME", ["2024-01-02 03:04:05+24:00"], pa.string(), "do not share"),
        ("DATETIME", ["2024-01-02 03:04:05+02"], pa.string(), "do not share"),
        ("DATETIME", ["2024-02-30 03:04:05Z"], pa.string(), "do not share"),
        ("TIME", ["09:30:00", "09:30"], pa.string(), "1 of 2 values are not a time of day"),
        ("TIME", ["24:00:00", "00:00:00"], pa.time64("us"), None),  # the end of the day
        ("TIME", ["24:00:01"], pa.string(), "not a time of day"),
        ("TIME", ["2000-01-01 09:30:00"], pa.string(), "not a time of day"),  # Rails' times
        ("DATE", ["2024-01-31", 17], pa.string(), "integers in a date/time column"),
        ("DATE", [1.5], pa.float64(), "holds reals"),
        ("DATETIME", [1700000000.5], pa.float64(), "=epoch_s reads seconds since 1970"),
    ],
)
def test_dates(
    db: Path, declared: str, values: list[Any], arrow_type: pa.DataType, note: str | None
) -> None:
    c = _column(db, declared, values)
    assert c.arrow_type == arrow_type
    assert (note in c.notes[0]) if note else c.notes == ()


@pytest.mark.parametrize(
    ("declared", "stored", "values", "arrow_type", "target_type", "note"),
    [
        ("DECIMAL(10,2)", None, [100, 7, None], pa.decimal128(10, 2), None, None),
        # SQLite's affinity stored these as reals; each one's round-trip text fits (10,2).
        ("DECIMAL(10,2)", None, ["12.34", 0.1], pa.decimal128(10, 2), None, None),
        ("DECIMAL(10,2)", None, [0.99], pa.decimal128(10, 2), None, None),
        ("DECIMAL(10,2)", None, [1.25, 7, -99999999.99], pa.decimal128(10, 2), None, None),
        ("DECIMAL(10,2)", None, [0.1 + 0.2], pa.float64(), None, "cannot hold exactly"),
        ("DECIMAL(10,2)", None, [0.99, 1.255], pa.float64(), None, "=numeric(10,2)' rounds"),
        ("DECIMAL(10,2)", None, [7, 1.255], pa.float64(), None, "cannot hold exactly"),
        ("DECIMAL(10,2)", None, [0.5, 123456789.5], pa.float64(), None, "cannot hold exactly"),
        ("DECIMAL(30,2)", None, [0.5, 1e20], pa.decimal128(30, 2), None, None),
        ("DECIMAL(30,2)", None, [0.5, 1e29], pa.float64(), None, "cannot hold exactly"),
        # Bare NUMERIC (Django's decimal): doubles, each kept by PostgreSQL's numeric exactly.
        ("NUMERIC", None, [0.5, 7, 0.1 + 0.2], pa.float64(), "numeric", None),
        ("DECIMAL", None, [2**60, 0.5], pa.string(), "numeric", "beyond 2^53"),
        ("DECIMAL(10,2)", None, [2**60, 0.5], pa.string(), "numeric", "beyond 2^53"),
        ("DECIMAL(10,2)", None, [-(2**63), 0.5], pa.string(), "numeric", "beyond 2^53"),
        ("NUMERIC", None, [-(2**63), 0.5], pa.string(), "numeric", "beyond 2^53"),
        ("NUMERIC", None, [2**53, 0.5], pa.float64(), "numeric", None),
        ("DECIMAL(4,2)", None, [99, -99, 99.99], pa.decimal128(4, 2), None, None),
        ("DECIMAL(4,2)", None, [100, 0.5], pa.float64(), None, "cannot hold exactly"),
        ("DECIMAL(6,2)", None, [10**7], pa.int64(), None, "8 digits"),
        ("DECIMAL(50,5)", None, [1, 2], pa.string(), "numeric(50,5)", None),
        ("NUMERIC", None, [1, 2], pa.int64(), None, None),
        ("DECIMAL(10,2)", "", ["12.34", 5, "-0.5"], pa.decimal128(10, 2), None, None),
        ("DECIMAL(10,2)", "TEXT", ["12.34", "1.10"], pa.decimal128(10, 2), None, None),
        ("DECIMAL(30,2)", "TEXT", ["123456789012345678.25"], pa.decimal128(30, 2), None, None),
        ("DECIMAL(10,2)", "TEXT", ["123456789.5"], pa.string(), "numeric", "do not fit"),
        ("DECIMAL(10,2)", "TEXT", ["12.345"], pa.string(), "numeric", "do not fit"),
        ("NUMERIC", "TEXT", ["1.10", "12.3456789012345678901"], pa.string(), "numeric", "exact"),
        ("DECIMAL(10,2)", "TEXT", ["12.34", "N/A"], pa.string(), None, None),
    ],
)
def test_decimals(
    db: Path,
    declared: str,
    stored: str | None,
    values: list[Any],
    arrow_type: pa.DataType,
    target_type: str | None,
    note: str | None,
) -> None:
    c = _column(db, declared, values, stored=stored)
    assert c.arrow_type == arrow_type and c.target_type == target_type
    if note:
        assert note in c.notes[0]


def test_varchar_limit_needs_the_longest_text(db: Path) -> None:
    assert _column(db, "VARCHAR(2)", ["ab", "c"]).target_type == "varchar(2)"


def test_varchar_too_long_is_text(tmp_path: Path) -> None:
    c = _column(tmp_path / "v.db", "VARCHAR(2)", ["ab", "abc"])
    assert c.target_type is None and "up to 3 characters" in c.notes[0]


def test_untyped_column_whose_first_row_misleads(tmp_path: Path) -> None:
    # The first row's class is only a guess for untyped columns: later classes still count.
    c = _column(tmp_path / "a.db", "", [2, 3], first=1.5)
    assert c.arrow_type == pa.float64() and c.observed == ("integer", "real")
    c = _column(tmp_path / "b.db", "", ["x", b"\x00"], first=1)
    assert c.arrow_type == pa.binary() and c.observed == ("integer", "text", "blob")


# -- values that SQLite's affinity rules would not allow --------------------------------------


def test_view_column_holding_what_its_type_does_not_say(db: Path) -> None:
    # A view applies no affinity: the compound's column holds text and an integer, whatever
    # type SQLite reports for it (TEXT in 3.40, BLOB in 3.53).
    _db(db, "CREATE TABLE t (s TEXT); INSERT INTO t VALUES ('a');")
    con = sqlite3.connect(db)
    con.execute("CREATE VIEW v AS SELECT s FROM t UNION ALL SELECT 7")
    con.close()
    decided, reference, _, _, _ = _decide(db, "v")
    assert decided == reference
    assert decided[0].observed == ("integer", "text") and decided[0].arrow_type == pa.string()


def test_edited_schema_text_column_holding_reals(db: Path) -> None:
    # A declared type changed after the rows were written: the stored classes stay.
    _db(db, "CREATE TABLE w (r REAL, n INTEGER); INSERT INTO w VALUES (1.5, 2), (2.5, NULL);")
    con = sqlite3.connect(db)
    con.execute("PRAGMA writable_schema=ON")
    con.execute("UPDATE sqlite_schema SET sql='CREATE TABLE w (r TEXT, n REAL)' WHERE name='w'")
    con.commit()
    con.close()
    decided, reference, _, _, _ = _decide(db, "w")
    assert decided == reference
    # TEXT affinity keeps the stored reals; REAL affinity turns stored integers into reals
    # as they are read (typeof() says real), so a REAL column never yields an integer.
    assert decided[0].observed == ("real",) and decided[0].arrow_type == pa.float64()
    assert decided[1].observed == ("real",) and decided[1].arrow_type == pa.float64()


# -- what it costs (counted, never timed) ----------------------------------------------------


def test_clean_table_takes_one_scan_of_one_aggregate_per_column(db: Path) -> None:
    _db(
        db,
        "CREATE TABLE b (id INTEGER, stake REAL, status TEXT, raw BLOB, ok BOOLEAN)",
        {"b": [(1, 1.5, "won", b"x", 1), (2, None, "lost", None, 0)]},
    )
    decided, reference, cheap, _, query = _decide(db, "b")
    assert decided == reference
    assert len(query.statements) == 1
    # count(*), then one aggregate per column; BOOLEAN adds min and max of the integers.
    assert query.widths == [1 + 5 + 2]
    classes = [p.classes for p in cheap]
    assert classes == [("integer",), ("real",), ("text",), ("blob",), ("integer",)]
    assert cheap[1].nulls == 1 and cheap[3].nulls == 1


def test_decimal_columns_mixing_integers_and_reals_take_one_scan_of_two_aggregates(
    db: Path,
) -> None:
    # NUMERIC affinity stores a whole real (3.0) as an integer, so a DECIMAL(p,s) column of
    # prices mixes both classes: one scan proves both fit, without the second scan that a
    # guessed single class (the first row's) would cost every such column.
    _db(
        db,
        "CREATE TABLE p (id INTEGER PRIMARY KEY, price DECIMAL(10,2), bare NUMERIC)",
        {"p": [(1, 0.5, None), (2, 3.0, 2.5), (3, None, 7), (4, 12.25, 0.1 + 0.2)]},
    )
    decided, reference, cheap, _, query = _decide(db, "p")
    assert decided == reference
    assert cheap[1].integers == 1 and cheap[1].reals == 2 and cheap[1].nulls == 1
    assert len(query.statements) == 2  # the first row's classes, then one scan
    assert query.widths[1] == 1 + 1 + 2 + 2
    assert decided[1].arrow_type == pa.decimal128(10, 2)
    assert decided[2].arrow_type == pa.float64() and decided[2].target_type == "numeric"


def test_only_the_surprising_column_gets_a_second_scan(db: Path) -> None:
    _db(
        db,
        "CREATE TABLE b (id INTEGER, n INTEGER, s TEXT)",
        {"b": [(1, 1, "a"), (2, "N/A", "b")]},
    )
    decided, reference, _, _, query = _decide(db, "b")
    assert decided == reference
    assert len(query.statements) == 2
    assert '"n"' in query.statements[1] and '"id"' not in query.statements[1]
    assert query.widths[1] == 1 + 8  # count(*) and every aggregate of one INTEGER column


def test_untyped_columns_are_guessed_from_the_first_row(db: Path) -> None:
    _db(db, "CREATE TABLE u (a, b, d DECIMAL(10,2))", {"u": [(1, None, 1.5), (2, "x", 2.5)]})
    decided, reference, _, _, query = _decide(db, "u")
    assert decided == reference
    assert query.statements[0].endswith("LIMIT 1")
    # a: integer guessed (1 aggregate); b: NULL first, so every aggregate (8); d: DECIMAL,
    # so integers and reals, each proven to fit (10,2) (2).
    assert query.widths[1:] == [1 + 1 + 8 + 2]
    assert decided[2].arrow_type == pa.decimal128(10, 2)


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        ("INTEGER", "integer"),
        ("BIGINT", "integer"),
        ("REAL", "real"),
        ("DOUBLE PRECISION", "real"),
        ("TEXT", "text"),
        ("VARCHAR(5)", "text"),
        ("BLOB", "blob"),
        ("BOOLEAN", "integer"),
        ("DATE", "text"),
        ("DATETIME", "text"),
        ("", None),
        ("NUMERIC", None),
        ("DECIMAL(10,2)", None),
    ],
)
def test_expected_class_of_declared_types(declared: str, expected: str | None) -> None:
    assert expected_class(declared) == expected


# -- the property -----------------------------------------------------------------------------


DECLARED = [*CORPUS_DECLARED, "BOOL", "TIMESTAMP", "DECIMAL(50,5)", "NUMERIC(5)", "DOUBLE", "JSON"]
DATE_OR_DECIMAL_TEXT = st.sampled_from(
    [
        *("2024-02-29", "2023-02-29", "2024-01-02T03:04:05", "2024-01-02 03:04:05.1234567"),
        *("0.5", "-12.50", "+7", "1.2.3", "007.10", "123456789012345678901234.5", " 1", ""),
    ]
)
# (type the rows are written under, type the schema says afterwards, values): the second
# differs when a file's schema was edited, so any class can meet any declared type.
edited_columns = st.lists(
    st.tuples(
        st.sampled_from(["TEXT", "", "INTEGER", "REAL"]) | st.none(),
        st.sampled_from(DECLARED),
        st.lists(corpus_values | DATE_OR_DECIMAL_TEXT, min_size=1, max_size=30),
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=150, deadline=None)
@given(columns)
def test_same_decisions_as_every_aggregate(cols: list[tuple[str, list[Any]]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "s.db")
        build(path, cols)
        decided, reference, cheap, ref, _ = _decide(path, "t")
    _same(decided, reference, cheap, ref)


@settings(max_examples=150, deadline=None)
@given(edited_columns)
def test_same_decisions_when_the_schema_was_edited(
    cols: list[tuple[str | None, str, list[Any]]],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "s.db")
        build(path, [(decl if stored is None else stored, vals) for stored, decl, vals in cols])
        con = sqlite3.connect(path)
        defs = ", ".join(f'"c{i}" {decl}' for i, (_, decl, _) in enumerate(cols))
        con.execute("PRAGMA writable_schema=ON")
        con.execute(
            "UPDATE sqlite_schema SET sql=? WHERE name='t'",
            (f"CREATE TABLE t (id INTEGER PRIMARY KEY, {defs})",),
        )
        con.commit()
        con.close()
        decided, reference, cheap, ref, _ = _decide(path, "t")
    _same(decided, reference, cheap, ref)


def _same(
    decided: list[Column],
    reference: list[Column],
    cheap: list[ColumnProfile],
    ref: list[ColumnProfile],
) -> None:
    assert decided == reference
    for mine, theirs in zip(cheap, ref, strict=True):
        assert (mine.integers, mine.reals, mine.texts, mine.blobs, mine.nulls) == (
            theirs.integers,
            theirs.reals,
            theirs.texts,
            theirs.blobs,
            theirs.nulls,
        )


# -- scans in parts, and the date/time formats ------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(edited_columns, st.integers(min_value=2, max_value=4))
def test_profile_in_parts_decides_as_one_scan(
    cols: list[tuple[str | None, str, list[Any]]], workers: int
) -> None:
    # Rowid ranges scanned at once on several connections: counts add, ranges and lengths
    # compare, and a surprise in any part sends its column to the second scan.
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "s.db")
        build(path, [(decl if stored is None else stored, vals) for stored, decl, vals in cols])
        with open_endpoint(str(path)) as ep:
            whole = ep.describe("t")
            parted_scans: list[int] = []
            original = ep._query_apart

            def counted(sql: str) -> list[tuple[Any, ...]]:
                parted_scans.append(1)
                return original(sql)

            ep._query_apart = counted  # type: ignore[method-assign]
            sqlite_endpoint.PROFILE_PART_ROWS = 1
            try:
                parted = ep.describe("t", workers=workers)
            finally:
                sqlite_endpoint.PROFILE_PART_ROWS = PART_ROWS
    assert parted == whole
    rows = max(len(vals) for _, _, vals in cols)
    assert bool(parted_scans) == (rows >= 2)  # rowids 1..rows: two parts or more from 2 rows


DIGITS = st.text("0123456789", min_size=2, max_size=2)
DATE_SHAPED = st.builds(
    lambda y, m, d, sep, hms, frac: f"{y}-{m}-{d}" + ("" if sep is None else sep + hms + frac),
    st.sampled_from(
        [
            *("0000", "0001", "1900", "1999", "2023", "2024", "2100", "9999", "-001", "-0001"),
            *("-0043", "-0004", "-00043", "-0000", "12345", "012345", "-2000", "1234567"),
            *("5881579", "5881580", "-5877640", "-5877641", "294247", "-290308", "294248"),
        ]
    ),
    DIGITS,
    DIGITS,
    st.sampled_from([" ", "T", None]),
    st.builds(lambda h, m, s: f"{h}:{m}:{s}", DIGITS, DIGITS, DIGITS),
    st.sampled_from(
        [
            *("", ".5", ".123456", ".1234567", ".123456789", ".1234567890", ".", ".x"),
            *("Z", "+01:00", ".5Z", ".123456-05:30", "+23:59"),
            *("+24:00", "-12:60", "+01", "+0100", "Z+01:00", "ZZ"),
        ]
    ),
)
_SHAPES = {
    "date_texts": re.compile(r"(-?[0-9]{4,})-([0-9]{2})-([0-9]{2})"),
    "ts_texts": re.compile(
        r"(-?[0-9]{4,})-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?"
    ),
    "ts_zone_texts": re.compile(
        r"(-?[0-9]{4,})-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?"
        r"(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"
    ),
}


def _is_format(text: str, field: str) -> bool:
    """Python's judgement: exactly the format, and a real date and time of day; ±infinity
    (arrowmig's text of it) is a value of every format."""
    if text in ("infinity", "-infinity"):
        return True
    shape = _SHAPES[field].fullmatch(text)
    if not shape:
        return False
    if field == "date_texts":
        return _is_date(*shape.groups())
    year_text = shape.group(1)
    year = int(year_text)
    if year_text != ("-" if year < 0 else "") + f"{abs(year):04d}":
        return False
    if not -290_308 <= year <= 294_247:
        return False
    # A year has the calendar of the year of 2000-2399 it is a multiple of 400 years from,
    # which Python's datetime can hold (year 0000, 1 BC, that of 2000).
    text = str(2000 + year % 400) + text[len(year_text) :]
    try:
        dt.datetime.strptime(text[:19].replace("T", " "), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return False
    return True


def _is_date(year_text: str, month_text: str, day_text: str) -> bool:
    """A real proleptic Gregorian date of a year as arrowmig writes it into SQLite
    (astronomical, four digits at least, no other leading zeros), in the years date32 holds."""
    year, month, day = int(year_text), int(month_text), int(day_text)
    if year_text != ("-" if year < 0 else "") + f"{abs(year):04d}":
        return False
    if not (-5_877_641, 6, 25) <= (year, month, day) <= (5_881_580, 7, 10) or not 1 <= month <= 12:
        return False
    days = [31, 29 if calendar.isleap(year) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return 1 <= day <= days[month - 1]


@settings(max_examples=500, deadline=None)
@given(DATE_SHAPED | st.text("0123456789-: T.xZ+", max_size=30))
# Years arrowmig writes into SQLite for PostgreSQL's and DuckDB's dates (44 BC, 1 BC, ...),
# and their near misses.
@example("-0043-03-15")
@example("-0001-02-29")
@example("-0004-02-29")
@example("0000-02-29")
@example("12345-01-01")
@example("5881580-01-01")
@example("0000-01-01 10:00:00")
@example("-0043-03-15 10:00:00")
@example("infinity")
@example("-infinity")
@example("5881580-07-10")
@example("5881580-07-11")
@example("-5877641-06-25")
@example("-5877641-06-24")
@example("294247-01-10 04:00:54.775806")
@example("-290308-12-22 00:00:00+00:00")
@example("02024-01-01 00:00:00")
@example("2024-01-01 10:00:00.123456789")
def test_date_formats_are_real_dates_and_times(text: str) -> None:
    # The format tests lean on date()/datetime() without a modifier, which give back only a
    # canonical, real date and time unchanged; Python's calendar is the independent judge.
    # In a DATE column (NUMERIC affinity) too, where SQLite compares a text with a text
    # literal as a number: '-0043-03-15' >= '0001' held there.
    tests = _date_formats("v")
    with adbc_sqlite.connect() as conn, conn.cursor() as cursor:  # the SQLite arrowmig reads with
        cursor.execute("CREATE TABLE d (v DATE)")
        cursor.execute("INSERT INTO d VALUES (?)", (text,))
        for source in ("(SELECT ? AS v)", "d WHERE typeof(v) = 'text' AND ? IS NOT NULL"):
            cursor.execute(
                f"SELECT {', '.join(f'coalesce({t}, 0)' for t in tests.values())} FROM {source}",
                (text,),
            )
            matched = cursor.fetchone()
            if matched is None:
                continue  # a number in the DATE column: only texts are tested for formats
            for field, got in zip(tests, matched, strict=True):
                assert bool(got) == _is_format(text, field), (field, text, source)


def test_clean_date_column_takes_one_aggregate(db: Path) -> None:
    # A sample names the format; one aggregate proves every text has it (instead of a class
    # count and three format counts). A value of another format costs the second scan.
    _db(
        db,
        "CREATE TABLE d (at TIMESTAMP, day DATE)",
        {"d": [("2024-01-31 10:00:00.25", "2024-02-29"), (None, "2023-12-31")]},
    )
    decided, reference, cheap, _, query = _decide(db, "d")
    assert decided == reference
    assert query.widths == [2, 1 + 2]  # the samples, then count(*) and one per column
    assert decided[0].arrow_type == pa.timestamp("us") and decided[1].arrow_type == pa.date32()
    assert cheap[0].ts_texts == 1 and cheap[1].date_texts == 2


@pytest.mark.parametrize(("columns", "parts"), [(300, 1), (10, 0)])
def test_wide_table_is_profiled_in_parts_at_fewer_rows(db: Path, columns: int, parts: int) -> None:
    # The scan costs per value: 20,000 rows of 300 columns take as long as 300,000 rows of 20,
    # so they are split across the workers too; 20,000 rows of 10 columns are not.
    names = [f"c{i}" for i in range(columns)]
    con = sqlite3.connect(db)
    con.execute(f"CREATE TABLE w (id INTEGER PRIMARY KEY, {', '.join(names)})")
    con.execute(
        f"INSERT INTO w WITH RECURSIVE g(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM g "
        f"WHERE v < 20000) SELECT v, {', '.join(['v'] * columns)} FROM g"
    )
    con.commit()
    con.close()
    with open_endpoint(str(db)) as ep:
        apart: list[str] = []
        original = ep._query_apart

        def counted(sql: str) -> list[tuple[Any, ...]]:
            apart.append(sql)
            return original(sql)

        ep._query_apart = counted  # type: ignore[method-assign]
        described = ep.describe("w", workers=2)
    assert len(apart) == parts
    assert described.row_count == 20000
    assert all(c.arrow_type == pa.int64() for c in described.columns)

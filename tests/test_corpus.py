"""A corpus of awkward SQLite tables, migrated to PostgreSQL and DuckDB, then compared value
by value by code that shares nothing with arrowmig's conversions (stdlib sqlite3 on one side,
psycopg / duckdb on the other). Every source row must be in the target, equal, or rejected.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
import sqlite3
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest

from arrowmig import migrate
from arrowmig.config import BatchConfig, MigrationConfig

BATCH = 64  # small batches, so storage classes change after the first one
HOSTILE_TABLE = 'we"ird tåble; DROP'
HOSTILE_COLUMNS = ["select", "Mixed Case", 'quo"te', "ünï cödé"]


def build_corpus(path: Path) -> None:
    con = sqlite3.connect(path)
    x = con.execute
    # Mixed storage classes after the first batch; a late 'N/A' in an INTEGER column.
    x("CREATE TABLE mixed (id INTEGER PRIMARY KEY, n INTEGER, anything, r REAL)")
    for i in range(1, 301):
        n: Any = i
        anything: Any = i
        if i > 200:
            n = "N/A" if i == 250 else i * 7
            anything = [1.5, "text", b"\x00\x01", None, -2.25][i % 5]
        x("INSERT INTO mixed VALUES (?, ?, ?, ?)", (i, n, anything, i / 3))
    # NULL-only prefix longer than a batch.
    x("CREATE TABLE nullprefix (id INTEGER PRIMARY KEY, a INTEGER, b TEXT, c BLOB, d REAL)")
    for i in range(1, 201):
        late = i > 150
        x(
            "INSERT INTO nullprefix VALUES (?, ?, ?, ?, ?)",
            (
                i,
                i if late else None,
                f"t{i}" if late else None,
                b"b" if late else None,
                0.5 if late else None,
            ),
        )
    # int64 extremes, floats that other tools mangle.
    x("CREATE TABLE extremes (id INTEGER PRIMARY KEY, i INTEGER, f REAL)")
    ints = [-(2**63), 2**63 - 1, 0, -1, 2**53 + 1]
    floats = [math.inf, -math.inf, -0.0, 1e308, 5e-324, 0.1, 1 / 3, -1e-300]
    for k in range(max(len(ints), len(floats))):
        x(
            "INSERT INTO extremes VALUES (?, ?, ?)",
            (k + 1, ints[k % len(ints)], floats[k % len(floats)]),
        )
    # Text PostgreSQL cannot store (NUL), text that is not UTF-8, 1 MB text, empty blobs.
    x("CREATE TABLE texts (id INTEGER PRIMARY KEY, t TEXT, b BLOB)")
    x("INSERT INTO texts VALUES (1, 'plain', x'')")
    x("INSERT INTO texts VALUES (2, 'nul' || char(0) || 'inside', x'00ff')")
    x("INSERT INTO texts VALUES (3, CAST(x'c328ff' AS TEXT), NULL)")
    x("INSERT INTO texts VALUES (4, ?, randomblob(100))", ("é" * 500_000,))
    x("INSERT INTO texts VALUES (5, '', x'')")
    # Dates: one clean format per column, and one column of mixed formats.
    x(
        "CREATE TABLE dates (id INTEGER PRIMARY KEY, d DATE, ts DATETIME, tt TIMESTAMP, "
        "mixed DATETIME, epoch DATETIME)"
    )
    rows = [
        (
            "2024-02-29",
            "2024-01-02 03:04:05",
            "2024-01-02T03:04:05.123456",
            "2024-01-02",
            1700000000,
        ),
        ("0001-01-01", "1999-12-31 23:59:59.5", "2038-01-19T03:14:08", "02/01/2024", 0),
        (
            "9999-12-31",
            "2000-01-01 00:00:00",
            "1970-01-01T00:00:00.000001",
            "2024-01-02T10:00:00Z",
            None,
        ),
    ]
    for k, row in enumerate(rows, 1):
        x("INSERT INTO dates VALUES (?, ?, ?, ?, ?, ?)", (k, *row))
    # Declared types that SQLite never enforced.
    x(
        "CREATE TABLE declared (id INTEGER PRIMARY KEY, price DECIMAL(10,2), qty NUMERIC(12,3), "
        "flag BOOLEAN, flag2 BOOLEAN, code VARCHAR(3), name VARCHAR(4), huge INTEGER, "
        "sum DECIMAL(10,2))"
    )
    decl = [
        (19.99, 5, 1, 0, "abc", "toolong", 2**60, 0.1 + 0.2),
        (0.1, -7, 0, 2, "x", "ok", 1.5, 1.5),
        (None, 123456789, None, 1, None, None, -(2**62), None),
    ]
    for k, row in enumerate(decl, 1):
        x("INSERT INTO declared VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (k, *row))
    # Hostile identifiers.
    cols = ", ".join('"' + c.replace('"', '""') + '" TEXT' for c in HOSTILE_COLUMNS)
    tname = '"' + HOSTILE_TABLE.replace('"', '""') + '"'
    x(f"CREATE TABLE {tname} (id INTEGER PRIMARY KEY, {cols})")
    x(f"INSERT INTO {tname} VALUES (1, 'a', 'b', 'c', 'd'), (2, NULL, '''', '\"', 'ü')")
    # WITHOUT ROWID, and a table without a key holding duplicate rows.
    x("CREATE TABLE wr (k TEXT PRIMARY KEY, v INTEGER) WITHOUT ROWID")
    x("INSERT INTO wr VALUES ('b', 2), ('a', 1), ('c', NULL)")
    x("CREATE TABLE dups (a INTEGER, b TEXT)")
    x("INSERT INTO dups VALUES (1, 'x'), (1, 'x'), (2, NULL), (2, NULL), (2, NULL)")
    con.commit()
    con.close()


# -- the independent comparison ---------------------------------------------------------------


def source_rows(path: Path, table: str) -> tuple[list[str], list[list[tuple[Any, str]]]]:
    """Every row as (value, storage class) pairs; text arrives as raw bytes."""
    con = sqlite3.connect(path)
    q = _quote(table)
    names = [r[1] for r in con.execute(f"PRAGMA table_info({q})")]
    con.text_factory = bytes
    exprs = ", ".join(f"{_quote(n)}, typeof({_quote(n)})" for n in names)
    rows = [
        [
            (r[2 * i], r[2 * i + 1].decode() if isinstance(r[2 * i + 1], bytes) else r[2 * i + 1])
            for i in range(len(names))
        ]
        for r in con.execute(f"SELECT {exprs} FROM {q}")
    ]
    con.close()
    return names, rows


def _float_equal(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def matches(value: Any, cls: str, dst: Any) -> bool:
    """Whether the target value ``dst`` is the source value, by the type mapping's rules."""
    if cls == "null" or dst is None:
        return cls == "null" and dst is None
    if isinstance(dst, memoryview):
        dst = bytes(dst)
    if cls == "integer":
        if isinstance(dst, bool):
            return value in (0, 1) and dst == bool(value)
        if isinstance(dst, int | decimal.Decimal):
            return bool(dst == value)
        if isinstance(dst, float):
            return abs(value) <= 2**53 and float(value) == dst
        if isinstance(dst, str):
            return dst == str(value)
        if isinstance(dst, bytes):
            return dst == str(value).encode()
        return False
    if cls == "real":
        if isinstance(dst, float):
            return _float_equal(value, dst)
        if isinstance(dst, decimal.Decimal):
            return float(dst) == value  # (NUMERIC has no -0: it reads back as 0)
        if isinstance(dst, str):
            return _float_equal(float(dst), value)
        if isinstance(dst, bytes):
            return _float_equal(float(dst.decode()), value)
        return False
    if cls == "text":
        if isinstance(dst, bytes):
            return dst == value
        text = value.decode("utf-8")
        if isinstance(dst, str):
            return dst == text
        if isinstance(dst, dt.datetime):
            return dst == dt.datetime.fromisoformat(text)
        if isinstance(dst, dt.date):
            return dst == dt.date.fromisoformat(text)
        if isinstance(dst, decimal.Decimal):
            return dst == decimal.Decimal(text)
        return False
    if cls == "blob":
        return isinstance(dst, bytes) and dst == value
    return False


def rejected_keys(reject_dir: Path, table: str) -> list[Any]:
    keys = []
    for path in reject_dir.glob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if record["table"] == table:
                assert record["problems"], record
                keys.append(record["key"])
    return keys


def check_table(
    db: Path, table: str, fetch: Callable[[str, list[str]], list[tuple[Any, ...]]], reject_dir: Path
) -> tuple[int, int]:
    """Every source row is in the target, equal, or in the rejects; nothing else is there."""
    names, src = source_rows(db, table)
    dst = fetch(table, names)
    rejected = rejected_keys(reject_dir, table)
    if "id" in names or table == "wr":
        key_col = names.index("id" if "id" in names else "k")
        by_key = {row[key_col]: row for row in dst}
        assert len(by_key) == len(dst)
        rejected_ids = {next(iter(k.values())) for k in rejected}
        for row in src:
            key = row[key_col][0]
            key = key.decode() if isinstance(key, bytes) else key
            if key in rejected_ids:
                assert key not in by_key, f"{table}: row {key} both rejected and loaded"
                continue
            assert key in by_key, f"{table}: row {key} lost"
            for name, (value, cls), got in zip(names, row, by_key[key], strict=True):
                assert matches(value, cls, got), (
                    f"{table}.{name} row {key}: {value!r} ({cls}) -> {got!r}"
                )
        assert len(src) == len(dst) + len(rejected_ids)
        return len(dst), len(rejected_ids)
    # No key: compare as multisets of rows, each value matched by its rules.
    assert not rejected
    remaining = list(dst)
    for row in src:
        hit = next(
            (
                i
                for i, got in enumerate(remaining)
                if all(matches(v, c, g) for (v, c), g in zip(row, got, strict=True))
            ),
            None,
        )
        assert hit is not None, f"{table}: row {row} lost"
        remaining.pop(hit)
    assert not remaining
    return len(dst), 0


TABLES = [
    "mixed",
    "nullprefix",
    "extremes",
    "texts",
    "dates",
    "declared",
    HOSTILE_TABLE,
    "wr",
    "dups",
]


def _config(reject_dir: Path, on_error: str = "reject") -> MigrationConfig:
    return MigrationConfig(
        batch=BatchConfig(batch_rows=BATCH),
        on_error=on_error,
        reject_dir=str(reject_dir) if on_error == "reject" else None,
        parallel=2,
    )


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    db = tmp_path / "corpus.db"
    build_corpus(db)
    return db


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@pytest.mark.postgres
def test_corpus_to_postgres(corpus: Path, tmp_path: Path, pg_url: str) -> None:
    import psycopg

    rejects = tmp_path / "rejects"
    report = migrate(str(corpus), pg_url, config=_config(rejects))
    assert not report.failed, [t.error for t in report.tables]
    by_name = {t.name: t for t in report.tables}
    assert by_name["texts"].rejected == 2  # the NUL text and the invalid UTF-8 text
    assert report.rejected == 2
    assert not report.ok

    with psycopg.connect(pg_url) as con:

        def fetch(table: str, names: list[str]) -> list[tuple[Any, ...]]:
            cols = ", ".join(_quote(n) for n in names)
            return list(con.execute(f"SELECT {cols} FROM {_quote(table)}").fetchall())

        for table in TABLES:
            check_table(corpus, table, fetch, rejects)
        types = dict(
            con.execute(
                "SELECT column_name, format_type(atttypid, atttypmod) FROM information_schema.columns c "
                "JOIN pg_attribute a ON a.attrelid = 'declared'::regclass AND a.attname = c.column_name "
                "WHERE c.table_name = 'declared'"
            ).fetchall()
        )
        # Reals that are each a decimal of two places keep the declared type; 0.1 + 0.2 is not.
        assert types["price"] == "numeric(10,2)"
        assert types["sum"] == "double precision"
        assert types["qty"] == "numeric(12,3)"
        assert types["flag"] == "boolean"
        assert types["flag2"] == "bigint"
        assert types["code"] == "character varying(3)"
        assert types["name"] == "text"
        assert types["huge"] == "numeric"
        dtypes = dict(
            con.execute(
                "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                "WHERE attrelid = 'dates'::regclass AND attnum > 0"
            ).fetchall()
        )
        assert dtypes == {
            "id": "bigint",
            "d": "date",
            "ts": "timestamp without time zone",
            "tt": "timestamp without time zone",
            "mixed": "text",
            "epoch": "bigint",
        }
        # (SQLite itself stores a whole REAL such as -0.0 as the integer 0 on disk.)
        assert con.execute("SELECT f::text FROM extremes ORDER BY id").fetchall()[:2] == [
            ("Infinity",),
            ("-Infinity",),
        ]


def test_corpus_to_duckdb(corpus: Path, tmp_path: Path) -> None:
    rejects = tmp_path / "rejects"
    target = tmp_path / "out.duckdb"
    report = migrate(str(corpus), str(target), config=_config(rejects))
    assert not report.failed, [t.error for t in report.tables]
    assert {t.name: t.rejected for t in report.tables}["texts"] == 1  # invalid UTF-8 only
    con = duckdb.connect(str(target), read_only=True)
    try:

        def fetch(table: str, names: list[str]) -> list[tuple[Any, ...]]:
            cols = ", ".join(_quote(n) for n in names)
            return list(con.execute(f"SELECT {cols} FROM {_quote(table)}").fetchall())

        for table in TABLES:
            check_table(corpus, table, fetch, rejects)
    finally:
        con.close()


@pytest.mark.postgres
def test_default_fail_stops_only_that_table(corpus: Path, tmp_path: Path, pg_url: str) -> None:
    report = migrate(str(corpus), pg_url, config=_config(tmp_path / "r", on_error="fail"))
    by_name = {t.name: t for t in report.tables}
    failed = [t.name for t in report.failed]
    assert failed == ["texts"]
    error = by_name["texts"].error or ""
    assert "column 't'" in error and "id 2" in error and "on_error='reject'" in error
    assert "\n" not in error
    assert all(by_name[t].status == "done" for t in TABLES if t != "texts")
    import psycopg

    with psycopg.connect(pg_url) as con:
        # The bad value was in the first (only) batch of texts: nothing of it committed, so
        # the table this run created is not left behind empty (the fix is run as it was).
        assert con.execute("SELECT to_regclass('texts')").fetchone() == (None,)


def test_duplicates_survive(corpus: Path, tmp_path: Path) -> None:
    target = tmp_path / "d.duckdb"
    migrate(str(corpus), str(target), tables=["dups"], config=_config(tmp_path / "r"))
    con = duckdb.connect(str(target), read_only=True)
    try:
        got = Counter(con.execute("SELECT a, b FROM dups").fetchall())
    finally:
        con.close()
    assert got == Counter({(1, "x"): 2, (2, None): 3})

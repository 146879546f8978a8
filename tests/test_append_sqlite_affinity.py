"""Appending into an existing SQLite table that is not STRICT (the schema Django made): each
column's affinity converts what arrowmig writes as it stores it ('0012' into an INTEGER column
as 12, a 30-digit decimal into a DECIMAL column as a rounded REAL). A value it would change in
value or in kind is its row's problem, named before anything is written; one it keeps, or
turns into the same number ('1.50' of a numeric as 1.5), goes in.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import arrowmig
from arrowmig.endpoints.sqlite_affinity import changed_by_affinity
from tests.dbutil import pg_exec

DJANGO_SCHEMA = (
    "CREATE TABLE t (id integer NOT NULL PRIMARY KEY, price decimal NOT NULL,"
    " amount decimal(30,10), code integer, qty numeric)"
)


def _django_target(path: Path) -> str:
    with sqlite3.connect(path) as con:
        con.execute(DJANGO_SCHEMA)
    con.close()
    return str(path)


def _held(path: str) -> list[tuple[object, ...]]:
    """Each row's values and their storage classes, as SQLite holds them."""
    with sqlite3.connect(path) as con:
        rows = con.execute(
            "SELECT id, price, typeof(price), amount, typeof(amount), code, typeof(code),"
            " qty, typeof(qty) FROM t ORDER BY id"
        ).fetchall()
    con.close()
    return rows


@pytest.mark.postgres
def test_values_the_affinity_would_change_are_their_rows_problems(
    tmp_path: Path, pg_url: str
) -> None:
    pg_exec(
        pg_url,
        "CREATE TABLE t (id int PRIMARY KEY, price numeric, amount numeric(30,10), code text,"
        " qty text)",
        "INSERT INTO t VALUES"
        " (1, 1.23456789012345678901234567890, 1.5, '12', '1.5'),"
        " (2, 0.1, 12345678901234567890.1234567890, '12', '1.5'),"
        " (3, 0.1, 1.5, '0012', '1.5'),"
        " (4, 0.1, 1.5, '12', '1e3'),"
        " (5, 0.1, 1.5, ' 42', '1.50'),"
        " (6, 0.1, 9007199254740993.00, '12', 'abc'),"
        " (7, 19.99, 1.5000000000, '-7', '0.1'),"
        " (8, 100, 0, 'N/A', NULL)",
    )
    target = _django_target(tmp_path / "app.db")
    append = arrowmig.MigrationConfig(mode="append")
    failed = arrowmig.migrate(pg_url, target, config=append)
    error = failed.tables[0].error or ""
    assert error.startswith(
        "table 't', column 'price', id 1: the target column's NUMERIC affinity would store the "
        "number as the REAL 1.2345678901234567: '1.23456789012345678901234567890'; also "
    )
    # Every column of the batch that holds such a value, each at its first row, in one run.
    assert (
        "; column 'code', id 3: the target column's INTEGER affinity would store the text" in error
    )
    assert "column 'amount', id 2: " in error and "column 'qty', id 4: " in error
    # Each way on of each kind of problem (a number stored otherwise, text stored otherwise)
    # said once, setting the rows aside last, once.
    assert error.endswith(
        "; declare the target column TEXT, use mode='replace' (the column it creates keeps "
        "every digit); declare the target column TEXT (it keeps text as written), or set such "
        "rows aside with on_error='reject'"
    )
    assert _held(target) == []
    rejects = tmp_path / "rejects"
    config = arrowmig.MigrationConfig(mode="append", on_error="reject", reject_dir=str(rejects))
    report = arrowmig.migrate(pg_url, target, config=config)
    assert report.rejected == 6
    # 1.5 of a numeric(30,10) is the REAL 1.5, 19.99 the REAL 19.99, 100 the INTEGER 100: the
    # same numbers. Text stays text, or becomes the number it is the text of ('12', '0.1').
    assert _held(target) == [
        (7, 19.99, "real", 1.5, "real", -7, "integer", 0.1, "real"),
        (8, 100, "integer", 0, "integer", "N/A", "text", None, "null"),
    ]
    reasons = {
        (line["key"]["id"], p["column"]): p["reason"]
        for line in map(json.loads, (rejects / "t.jsonl").read_text().splitlines())
        for p in line["problems"]
    }
    assert reasons == {
        (1, "price"): "the target column's NUMERIC affinity would store the number as the REAL "
        "1.2345678901234567",
        (2, "amount"): "the target column's NUMERIC affinity would store the number as the REAL "
        "1.2345678901234567e+19",
        (3, "code"): "the target column's INTEGER affinity would store the text as the INTEGER 12",
        (4, "qty"): "the target column's NUMERIC affinity would store the text as the INTEGER 1000",
        (5, "code"): "the target column's INTEGER affinity would store the text as the INTEGER 42",
        (5, "qty"): "the target column's NUMERIC affinity would store the text as the REAL 1.5",
        (6, "amount"): "the target column's NUMERIC affinity would store the number as the "
        "INTEGER 9007199254740992",
    }


def test_duckdb_numbers_and_text_into_a_loose_sqlite_table(tmp_path: Path) -> None:
    """A BIGINT past 2**53 into a REAL column is a rounded double; a DOUBLE into a TEXT column
    is its text, which reads back as the same double; a wide DECIMAL keeps only 17 digits."""
    source = str(tmp_path / "s.duckdb")
    with duckdb.connect(source) as con:
        con.execute(
            "CREATE TABLE m (id INTEGER PRIMARY KEY, big BIGINT, ratio DOUBLE, d DECIMAL(38,20),"
            " code VARCHAR)"
        )
        con.execute(
            "INSERT INTO m VALUES (1, 9007199254740993, 0.5, 1.25, '5'),"
            " (2, 5, 0.5, 123456789012345678.12345678901234567890, '5'),"
            " (3, 5, 0.5, 1.25, '05'), (4, 9007199254740992, 0.1::DOUBLE + 0.2, 1.25, '5')"
        )
    target = tmp_path / "t.db"
    with sqlite3.connect(target) as lite:
        lite.execute(
            "CREATE TABLE m (id INTEGER PRIMARY KEY, big REAL, ratio VARCHAR(40), d NUMERIC,"
            " code INT)"
        )
    lite.close()
    rejects = tmp_path / "rejects"
    config = arrowmig.MigrationConfig(mode="append", on_error="reject", reject_dir=str(rejects))
    report = arrowmig.migrate(source, str(target), config=config)
    assert report.rejected == 3, [t.error for t in report.tables]
    rejected = (rejects / "m.jsonl").read_text()
    assert "REAL affinity would store the number as the REAL 9007199254740992.0" in rejected
    assert "NUMERIC affinity would store the number as the INTEGER 123456789012345680" in rejected
    assert "INTEGER affinity would store the text as the INTEGER 5" in rejected
    with sqlite3.connect(target) as lite:
        held = lite.execute("SELECT id, big, typeof(big), ratio, d, typeof(d), code FROM m")
        [(key, big, big_class, ratio, d, d_class, code)] = held.fetchall()
    lite.close()
    assert (key, big, big_class, d, d_class, code) == (4, 2.0**53, "real", 1.25, "real", 5)
    assert float(ratio) == 0.1 + 0.2


def test_sqlite_itself_says_what_each_affinity_holds() -> None:
    text = pa.array(["12", "0012", "1.5", "1.50", "12\x00x", "-0", "2024-01-02", "x", None, "0.1"])
    changed = {c.row: c.stored for c in changed_by_affinity("INT", text, numbers=False)}
    assert changed == {
        1: "the INTEGER 12",
        3: "the REAL 1.5",
        4: "the INTEGER 12",  # SQLite reads text up to its first NUL
        5: "the INTEGER 0",
    }
    assert changed_by_affinity("TEXT", text, numbers=False) == []
    assert changed_by_affinity("BLOB", text, numbers=False) == []
    tiny, huge = "0." + "0" * 400 + "1", "1" + "0" * 400  # an unbounded numeric holds both
    numbers = pa.array(
        ["1.50", "9007199254740993.00", "1.00", "0.30000000000000004", "NaN", tiny, huge, "-0.00"]
    )
    changed = {c.row: c.stored for c in changed_by_affinity("DECIMAL(10,2)", numbers, True)}
    # A real literal that is a whole number becomes an INTEGER by way of a double.
    assert changed == {
        1: "the INTEGER 9007199254740992",
        5: "the INTEGER 0",
        6: "the REAL inf",
    }
    wide = pa.array([2**53, 2**53 + 1, -(2**63), 2**63 - 1], pa.int64())
    changed = {c.row: c.stored for c in changed_by_affinity("DOUBLE", wide, False)}
    assert changed == {1: "the REAL 9007199254740992.0", 3: "the REAL 9.223372036854776e+18"}
    assert changed_by_affinity("NUMERIC", wide, False) == []
    doubles = pa.array([0.1 + 0.2, 1 / 3, 1e300, float("inf"), 5e-324])
    assert changed_by_affinity("VARCHAR(10)", doubles, False) == []


def _held_back(affinity: str, texts: list[str]) -> list[object]:
    """Each text as a column of ``affinity`` holds it (a REAL as its exact double), asked of
    a table of the writer's own SQLite, one storage class at a time."""
    import adbc_driver_sqlite.dbapi as sqlite_dbapi

    with sqlite_dbapi.connect(":memory:") as con, con.cursor() as cur:
        cur.execute(f"CREATE TABLE p (v {affinity})")
        cur.adbc_ingest("p", pa.table({"v": pa.array(texts, pa.string())}), mode="append")
        held = []
        for storage in ("real", "integer"):
            cur.execute(f"SELECT rowid - 1, v FROM p WHERE typeof(v) = '{storage}'")
            held += cur.fetchall()
    back: list[object] = list(texts)
    for at, value in held:
        back[at] = value
    return back


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.decimals(allow_nan=False, allow_infinity=False, places=None).map(
            lambda d: format(d, "f")
        ),
        min_size=1,
        max_size=200,
    ),
    st.sampled_from(["NUMERIC", "INTEGER", "REAL"]),
)
def test_a_number_is_changed_exactly_where_its_digits_do_not_come_back(
    texts: list[str], affinity: str
) -> None:
    from decimal import Decimal

    back = _held_back(affinity, texts)
    expected = {
        at
        for at, (text, held) in enumerate(zip(texts, back, strict=True))
        if not isinstance(held, str)
        and Decimal(repr(held) if isinstance(held, float) else str(held)) != Decimal(text)
    }
    changed = changed_by_affinity(affinity, pa.array(texts, pa.string()), numbers=True)
    assert {c.row for c in changed} == expected

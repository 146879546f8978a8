"""``--mode truncate`` into an existing table whose columns would store a value otherwise than
it is written (a SQLite column's affinity, a PostgreSQL or DuckDB column's fewer fractional
digits). The write path refuses such a value batch by batch, but a truncate had emptied the
table before the first batch: the run failed with the old rows gone. The value is now looked
for before anything is emptied, by the same screening, and named with the same message.
"""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

import arrowmig
from arrowmig.errors import SchemaError
from arrowmig.migrate import explain
from tests.dbutil import pg_exec, pg_rows, sqlite_rows

EMPTIED = "; nothing has been emptied or written"
SMALL_BATCHES = arrowmig.BatchConfig(batch_rows=500)
"""The bad value in the sixth batch: the write path would have emptied the table and written
five batches before it met it."""


def _refused_then_written(
    source: str,
    target: str,
    expected: str,
    spare: str,
    schemas: arrowmig.MigrationConfig | None = None,
    append_checked_first: bool = False,
) -> None:
    """--mode truncate into ``target`` is refused with ``expected`` before emptying it, the
    plan says the same, and an append into ``spare`` (the write path) fails with it too.
    ``schemas``: the source and target schema, if any (the spare's schema is ``spare``).
    ``append_checked_first``: the append's own pre-check refuses it, in the same words,
    before a row is written (a number into another number type)."""
    base = schemas or arrowmig.MigrationConfig()
    truncate = replace(base, mode="truncate", batch=SMALL_BATCHES)
    with pytest.raises(SchemaError) as refused:
        arrowmig.migrate(source, target, config=truncate)
    assert refused.value.message == expected + EMPTIED
    with pytest.raises(SchemaError) as planned:
        explain(source, target, config=truncate)
    assert planned.value.message == expected + EMPTIED
    spare_schema = "spare" if schemas else None
    append = replace(truncate, mode="append", target_schema=spare_schema)
    if append_checked_first:
        with pytest.raises(SchemaError) as appended:
            arrowmig.migrate(source, spare, config=append)
        assert appended.value.message == f"{expected}; nothing written"
        assert appended.value.hint == refused.value.hint
        return
    written = arrowmig.migrate(source, spare, config=append)
    assert written.tables[0].error == f"{expected}; {refused.value.hint}"


def _sqlite_with_one_bad(folder: Path, column: str, good: str, bad: str) -> str:
    """A SQLite file whose table t holds 3,000 rows of ``column`` (its declaration), each
    ``good`` but row 2600's, ``bad``: past the first five batches of SMALL_BATCHES."""
    source = str(folder / "s.db")
    with sqlite3.connect(source) as con:
        con.execute(f"CREATE TABLE t (id INTEGER PRIMARY KEY, {column})")
        con.executemany("INSERT INTO t VALUES (?, ?)", [(i, good) for i in range(1, 3001)])
        con.execute(f"UPDATE t SET {column.split()[0]} = ? WHERE id = 2600", (bad,))
    con.close()
    return source


def test_a_value_the_sqlite_affinity_would_change_is_refused_before_emptying(
    tmp_path: Path,
) -> None:
    source = str(tmp_path / "s.db")
    with sqlite3.connect(source) as con:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, code TEXT, note TEXT)")
        con.executemany(
            "INSERT INTO t VALUES (?, ?, ?)", [(i, str(i), f"n{i}") for i in range(1, 3001)]
        )
        con.execute("UPDATE t SET code = '0012' WHERE id = 2600")
    con.close()
    target = str(tmp_path / "app.db")  # as Django makes it: not STRICT
    with sqlite3.connect(target) as con:
        con.execute("CREATE TABLE t (id integer NOT NULL PRIMARY KEY, code integer, note text)")
        con.execute("INSERT INTO t VALUES (9001, 9001, 'old')")
    con.close()
    spare = str(tmp_path / "spare.db")
    shutil.copy(target, spare)
    _refused_then_written(
        source,
        target,
        "table 't', column 'code', id 2600: the target column's INTEGER affinity would store "
        "the text as the INTEGER 12: '0012'",
        spare,
    )
    assert sqlite_rows(target, "t") == [(9001, 9001, "old")]


@pytest.mark.postgres
def test_a_value_a_postgres_timestamp_0_would_round_is_refused_before_emptying(
    pg_url: str,
) -> None:
    pg_exec(
        pg_url,
        "CREATE SCHEMA src",
        "CREATE TABLE src.t (id int PRIMARY KEY, at timestamp, note text)",
        "INSERT INTO src.t SELECT g, '2024-01-01'::timestamp + g * interval '1 second', 'n'"
        " FROM generate_series(1, 3000) g",
        "UPDATE src.t SET at = '2024-01-01 10:00:00.7' WHERE id = 2600",
        "CREATE TABLE public.t (id int PRIMARY KEY, at timestamp(0), note text)",
        "INSERT INTO public.t VALUES (9001, '2000-01-01', 'old')",
        "CREATE SCHEMA spare",
        "CREATE TABLE spare.t (id int PRIMARY KEY, at timestamp(0), note text)",
    )
    _refused_then_written(
        pg_url,
        pg_url,
        "table 't', column 'at', id 2600: the target column's type (timestamp(0) without time "
        "zone) would round or cut the value: '2024-01-01 10:00:00.700000'",
        pg_url,
        arrowmig.MigrationConfig(source_schema="src", target_schema="public"),
    )
    assert [r[:1] + r[2:] for r in pg_rows(pg_url, "t", "id")] == [(9001, "old")]


def test_a_value_a_duckdb_timestamp_s_would_round_is_refused_before_emptying(
    tmp_path: Path,
) -> None:
    source, target = str(tmp_path / "s.duckdb"), str(tmp_path / "t.duckdb")
    duckdb.connect(source).execute(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, ts TIMESTAMP);"
        "INSERT INTO t SELECT i, TIMESTAMP '2024-01-01' + to_seconds(i) FROM range(1, 3001) r(i);"
        "UPDATE t SET ts = TIMESTAMP '2024-01-01 10:00:00.25' WHERE id = 2600"
    ).close()
    duckdb.connect(target).execute(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, ts TIMESTAMP_S);"
        "INSERT INTO t VALUES (9001, TIMESTAMP '2000-01-01')"
    ).close()
    spare = str(tmp_path / "spare.duckdb")
    shutil.copy(target, spare)
    _refused_then_written(
        source,
        target,
        "table 't', column 'ts', id 2600: the target column's type (TIMESTAMP_S) would round "
        "or cut the value: '2024-01-01 10:00:00.250000'",
        spare,
    )
    with duckdb.connect(target) as con:
        assert con.execute("SELECT id FROM t").fetchall() == [(9001,)]


@pytest.mark.postgres
def test_a_duckdb_date_past_postgres_range_is_refused_before_emptying(
    tmp_path: Path, pg_url: str
) -> None:
    source = str(tmp_path / "s.duckdb")
    duckdb.connect(source).execute(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, d DATE, ts TIMESTAMP);"
        "INSERT INTO t SELECT i, DATE '2024-01-01', TIMESTAMP '2024-01-01' FROM range(1, 3001) r(i);"
        "UPDATE t SET d = DATE '5874898-01-01' WHERE id = 2600;"
        "UPDATE t SET ts = TIMESTAMP '-5000-01-01 00:00:00' WHERE id = 2700"
    ).close()
    old = "(id int PRIMARY KEY, d date, ts timestamp)"
    pg_exec(
        pg_url,
        f"CREATE TABLE public.t {old}",
        "INSERT INTO public.t VALUES (9001, '2000-01-01', '2000-01-01')",
        f"CREATE SCHEMA spare; CREATE TABLE spare.t {old}",
    )
    _refused_then_written(
        source,
        pg_url,
        "table 't', column 'd', id 2600: outside PostgreSQL's dates (4714-11-24 BC to "
        "5874897-12-31 AD): '5874898-01-01'; also column 'ts', id 2700: before 4714-11-24 BC, "
        "PostgreSQL's earliest timestamp: '-5000-01-01 00:00:00.000000'",
        pg_url,
        arrowmig.MigrationConfig(target_schema="public"),
    )
    assert [r[0] for r in pg_rows(pg_url, "t", "id")] == [9001]
    with duckdb.connect(source) as con:
        con.execute("UPDATE t SET d = DATE '2024-01-01' WHERE id = 2600")
    with pytest.raises(SchemaError, match=r"column 'ts', id 2700: before 4714-11-24 BC.*emptied"):
        arrowmig.migrate(source, pg_url, config=arrowmig.MigrationConfig(mode="truncate"))
    assert [r[0] for r in pg_rows(pg_url, "t", "id")] == [9001]


@pytest.mark.postgres
def test_text_a_postgres_char_would_cut_is_refused_before_emptying(
    tmp_path: Path, pg_url: str
) -> None:
    source = _sqlite_with_one_bad(tmp_path, "c TEXT", "x", "ab")
    pg_exec(
        pg_url,
        'CREATE TABLE public.t (id int PRIMARY KEY, c "char")',
        "INSERT INTO public.t VALUES (9001, 'o')",
        'CREATE SCHEMA spare; CREATE TABLE spare.t (id int PRIMARY KEY, c "char")',
    )
    _refused_then_written(
        source,
        pg_url,
        "table 't', column 'c', id 2600: not a single byte, which the target column's \"char\" "
        "keeps only the first byte of: 'ab'",
        pg_url,
        arrowmig.MigrationConfig(target_schema="public"),
    )
    assert pg_rows(pg_url, "t", "id") == [(9001, "o")]


@pytest.mark.postgres
def test_a_value_a_postgres_numeric_would_round_is_refused_before_emptying(
    tmp_path: Path, pg_url: str
) -> None:
    # Django's bare decimal holds 0.1 + 0.2, which the numeric(12,2) column Django made in
    # PostgreSQL would round: the table was emptied, then the load failed on it.
    source = str(tmp_path / "s.db")
    with sqlite3.connect(source) as con:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, price decimal, note TEXT)")
        con.executemany(
            "INSERT INTO t VALUES (?, ?, ?)", [(i, i / 4, f"n{i}") for i in range(1, 3001)]
        )
        con.execute("UPDATE t SET price = 0.1 + 0.2 WHERE id = 2600")
    con.close()
    pg_exec(
        pg_url,
        "CREATE TABLE public.t (id bigint PRIMARY KEY, price numeric(12,2), note text)",
        "INSERT INTO public.t VALUES (9001, 1.50, 'old')",
        "CREATE SCHEMA spare",
        "CREATE TABLE spare.t (id bigint PRIMARY KEY, price numeric(12,2), note text)",
    )
    _refused_then_written(
        source,
        pg_url,
        "table 't', column 'price', id 2600: value does not fit the target column's type "
        "(numeric(12,2)) exactly: 0.30000000000000004",
        pg_url,
        arrowmig.MigrationConfig(target_schema="public"),
        append_checked_first=True,
    )
    assert pg_rows(pg_url, "t", "id") == [(9001, Decimal("1.50"), "old")]


@pytest.mark.postgres
def test_a_json_key_twice_bound_for_jsonb_is_refused_before_emptying(
    tmp_path: Path, pg_url: str
) -> None:
    source = _sqlite_with_one_bad(tmp_path, "doc JSON", '{"a":1}', '{"a":1,"a":2}')
    pg_exec(
        pg_url,
        "CREATE TABLE public.t (id int PRIMARY KEY, doc jsonb)",
        """INSERT INTO public.t VALUES (9001, '{"old":1}')""",
        "CREATE SCHEMA spare",
        "CREATE TABLE spare.t (id int PRIMARY KEY, doc jsonb)",
    )
    _refused_then_written(
        source,
        pg_url,
        "table 't', column 'doc', id 2600: the JSON repeats the key 'a' in one object, and "
        """jsonb would keep only its last value: '{"a":1,"a":2}'""",
        pg_url,
        arrowmig.MigrationConfig(target_schema="public"),
    )
    assert pg_rows(pg_url, "t", "id") == [(9001, {"old": 1})]

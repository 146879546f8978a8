"""Values appended into existing columns whose type takes them but changes them: a PostgreSQL
name cut a text to 63 bytes, money rounded 1.005 to $1.01, a time (PostgreSQL's or DuckDB's
TIME) dropped the offset of '12:34:56+02', each with exit 0 and no word. Each is now a bad
value of its row: it fails the table, --on-error reject sets it aside, and --mode truncate
refuses before emptying; a value that fits arrives as it is."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest

import arrowmig
from arrowmig.errors import SchemaError
from tests.dbutil import duckdb_exec, duckdb_rows, pg_exec, pg_rows, sqlite_table

pytestmark = pytest.mark.postgres

LONG_NAME = "n" * 64
"""One byte more than a name holds."""
NAME_63 = "é" * 31 + "x"
"""63 bytes in 32 characters: a name holds it whole."""


def _source(path: Path, rows: list[tuple[object, ...]]) -> str:
    return sqlite_table(path, "CREATE TABLE r1 (id INTEGER PRIMARY KEY, v)", rows)


def _rejected(folder: Path) -> list[dict[str, object]]:
    lines = (folder / "r1.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def _reject_config(tmp_path: Path) -> arrowmig.MigrationConfig:
    return arrowmig.MigrationConfig(
        mode="append", on_error="reject", reject_dir=str(tmp_path / "rj")
    )


def _money(url: str) -> list[tuple[int, Decimal]]:
    with psycopg.connect(url) as con:
        sql = "SELECT id, v::numeric FROM r1 ORDER BY id"
        return list(con.execute(sql).fetchall())


def test_text_longer_than_a_name_is_set_aside_and_one_that_fits_arrives(
    tmp_path: Path, pg_url: str
) -> None:
    pg_exec(pg_url, "CREATE TABLE r1 (id int PRIMARY KEY, v name)")
    source = _source(tmp_path / "s.db", [(1, LONG_NAME), (2, NAME_63), (3, "short")])
    report = arrowmig.migrate(source, pg_url, config=_reject_config(tmp_path))
    assert report.rejected == 1
    assert pg_rows(pg_url, "r1", "id") == [(2, NAME_63), (3, "short")]
    [rejected] = _rejected(tmp_path / "rj")
    assert rejected["key"] == {"id": 1}
    assert rejected["problems"] == [
        {"column": "v", "reason": "text longer than the target column's name holds (63 bytes)"}
    ]


def test_text_longer_than_a_name_fails_the_table_naming_its_row(
    tmp_path: Path, pg_url: str
) -> None:
    pg_exec(pg_url, "CREATE TABLE r1 (id int PRIMARY KEY, v name)")
    source = _source(tmp_path / "s.db", [(1, "short"), (2, LONG_NAME)])
    report = arrowmig.migrate(source, pg_url, config=arrowmig.MigrationConfig(mode="append"))
    error = report.tables[0].error
    assert error is not None
    assert error.startswith(
        "table 'r1', column 'v', id 2: text longer than the target column's name holds "
        "(63 bytes): 'nnnn"
    )
    assert pg_rows(pg_url, "r1") == []


def test_a_postgres_name_goes_into_a_name_unscreened(pg_url: str) -> None:
    longest = "z" * 63
    pg_exec(
        pg_url,
        "CREATE SCHEMA src; CREATE TABLE src.r1 (id int PRIMARY KEY, v name)",
        f"INSERT INTO src.r1 VALUES (1, '{longest}')",
        "CREATE TABLE public.r1 (id int PRIMARY KEY, v name)",
    )
    config = arrowmig.MigrationConfig(mode="append", source_schema="src", target_schema="public")
    assert arrowmig.migrate(pg_url, pg_url, config=config).ok
    assert pg_rows(pg_url, "r1") == [(1, longest)]


@pytest.mark.parametrize("amount", [1.005, "1.005", "0.001"], ids=["real", "text", "tiny"])
def test_an_amount_money_would_round_is_set_aside(
    tmp_path: Path, pg_url: str, amount: object
) -> None:
    pg_exec(pg_url, "CREATE TABLE r1 (id int PRIMARY KEY, v money)")
    fits = [(2, 1.25), (3, "2.500"), (4, 7), (5, "-3.10")]
    source = _source(tmp_path / "s.db", [(1, amount), *fits])
    report = arrowmig.migrate(source, pg_url, config=_reject_config(tmp_path))
    assert report.rejected == 1
    assert _money(pg_url) == [
        (2, Decimal("1.25")),
        (3, Decimal("2.50")),
        (4, Decimal("7.00")),
        (5, Decimal("-3.10")),
    ]
    [rejected] = _rejected(tmp_path / "rj")
    assert rejected["problems"] == [
        {
            "column": "v",
            "reason": "an amount with more decimals than the target column's money keeps "
            "(2), which it would round",
        }
    ]


def test_a_postgres_numeric_with_a_third_place_fails_its_money_column(pg_url: str) -> None:
    pg_exec(
        pg_url,
        "CREATE SCHEMA src; CREATE TABLE src.r1 (id int PRIMARY KEY, v numeric(10,3))",
        "INSERT INTO src.r1 VALUES (1, 1.250), (2, 1.005)",
        "CREATE TABLE public.r1 (id int PRIMARY KEY, v money)",
    )
    config = arrowmig.MigrationConfig(mode="append", source_schema="src", target_schema="public")
    error = arrowmig.migrate(pg_url, pg_url, config=config).tables[0].error
    assert error is not None
    assert error.startswith(
        "table 'r1', column 'v', id 2: an amount with more decimals than the target column's "
        "money keeps (2), which it would round: '1.005'"
    )
    assert _money(pg_url) == []


TIMES = [
    (1, "12:34:56"),
    (2, "12:34:56.123456"),
    (3, "12:34:56+02"),
    (4, "12:34:56.5-08:00"),
    (5, "12:34:56Z"),  # UTC's: the clock reading is kept
    (6, "12:34:56 PST"),
]
ZONE_REASON = "exactly: it holds a UTC offset or time zone, which the time would drop"


@pytest.mark.parametrize("kind", ["postgresql", "duckdb"])
def test_a_time_with_an_offset_is_set_aside(tmp_path: Path, pg_url: str, kind: str) -> None:
    create = "CREATE TABLE r1 (id int PRIMARY KEY, v time)"
    if kind == "postgresql":
        target, declared = pg_url, "time without time zone"
        pg_exec(pg_url, create)
    else:
        target, declared = duckdb_exec(tmp_path / "t.duckdb", create), "TIME"
    source = _source(tmp_path / "s.db", TIMES)
    report = arrowmig.migrate(source, target, config=_reject_config(tmp_path))
    assert report.rejected == 3
    stored = (
        pg_rows(pg_url, "r1", "id") if kind == "postgresql" else duckdb_rows(target, "r1", "id")
    )
    assert stored == [
        (1, dt.time(12, 34, 56)),
        (2, dt.time(12, 34, 56, 123456)),
        (5, dt.time(12, 34, 56)),
    ]
    rejected = _rejected(tmp_path / "rj")
    assert [r["key"] for r in rejected] == [{"id": 3}, {"id": 4}, {"id": 6}]
    reason = f"value does not convert to the target column's {declared} {ZONE_REASON}"
    assert rejected[0]["problems"] == [{"column": "v", "reason": reason}]


def test_a_postgres_timetz_keeps_the_offset_it_is_given(tmp_path: Path, pg_url: str) -> None:
    pg_exec(pg_url, "CREATE TABLE r1 (id int PRIMARY KEY, v timetz)")
    source = _source(tmp_path / "s.db", [(1, "12:34:56+02")])
    assert arrowmig.migrate(source, pg_url, config=arrowmig.MigrationConfig(mode="append")).ok
    with psycopg.connect(pg_url) as con:
        assert con.execute("SELECT v::text FROM r1").fetchall() == [("12:34:56+02",)]


@pytest.mark.parametrize(
    ("declared", "value", "named"),
    [
        ("name", LONG_NAME, "text longer than the target column's name holds (63 bytes)"),
        ("money", "1.005", "an amount with more decimals than the target column's money keeps"),
        ("time", "12:34:56+02", "it holds a UTC offset or time zone"),
    ],
    ids=["name", "money", "time"],
)
def test_truncate_refuses_before_emptying(
    tmp_path: Path, pg_url: str, declared: str, value: str, named: str
) -> None:
    pg_exec(
        pg_url,
        f"CREATE TABLE r1 (id int PRIMARY KEY, v {declared})",
        "INSERT INTO r1 (id) VALUES (9)",
    )
    source = _source(tmp_path / "s.db", [(1, value)])
    with pytest.raises(SchemaError) as refused:
        arrowmig.migrate(source, pg_url, config=arrowmig.MigrationConfig(mode="truncate"))
    assert refused.value.message.startswith("table 'r1', column 'v', id 1: ")
    assert named in refused.value.message
    assert refused.value.message.endswith("; nothing has been emptied or written")
    assert pg_rows(pg_url, "r1") == [(9, None)]

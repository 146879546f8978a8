"""Appending into PostgreSQL columns that hold less than the values: ``timestamp(0)``,
``time(0)``, ``interval day``, ``varchar(3)[]``, ``numeric(6,2)[]``. PostgreSQL rounds or cuts
such a value without a word where it converts it (10:00:00.7 became 10:00:01, 'abcde' became
'abc'); each is refused as its row's problem instead, or set aside with --on-error reject.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import psycopg
import pyarrow as pa
import pytest

import arrowmig
from arrowmig.endpoints.pg_precision import changed_by_column
from arrowmig.schema import unbounded_pg_type
from tests.dbutil import pg_exec, pg_rows

SOURCE = """
CREATE SCHEMA src;
CREATE TABLE src.t (id int PRIMARY KEY, at timestamp, clock time, span interval,
                    words varchar(5)[], prices numeric[], moments timestamp[]);
INSERT INTO src.t VALUES
  (1, '2024-01-01 10:00:00', '10:00:00', '1 day', '{abc}', '{1.25,2}', '{2024-01-01 10:00:00}'),
  (2, '2024-01-01 10:00:00.7', '10:00:00', '1 day', '{abc}', '{1.25}', NULL),
  (3, '2024-01-01 10:00:00', '10:00:00.6', '1 day', '{abc}', '{1.25}', NULL),
  (4, '2024-01-01 10:00:00', '10:00:00', '1 day 05:00', '{abc}', '{1.25}', NULL),
  (5, '2024-01-01 10:00:00', '10:00:00', '1 day', '{abc,abcde}', '{1.25}', NULL),
  (6, '2024-01-01 10:00:00', '10:00:00', '1 day', '{abc}', '{1.25,1.234}', NULL),
  (7, '2024-01-01 10:00:00', '10:00:00', '1 day', '{abc}', '{1.25}', '{2024-01-01 10:00:00.5}'),
  (8, 'infinity', NULL, NULL, NULL, NULL, NULL);
CREATE TABLE public.t (id int PRIMARY KEY, at timestamp(0), clock time(0), span interval day,
                       words varchar(3)[], prices numeric(6,2)[], moments timestamp(0)[]);
"""


@pytest.mark.postgres
def test_only_the_rows_the_columns_would_round_or_cut_are_set_aside(
    tmp_path: Path, pg_url: str
) -> None:
    pg_exec(pg_url, SOURCE)
    config = arrowmig.MigrationConfig(
        mode="append",
        on_error="reject",
        reject_dir=str(tmp_path / "rejects"),
        source_schema="src",
        target_schema="public",
    )
    report = arrowmig.migrate(pg_url, pg_url, config=config)
    assert report.rejected == 6
    with psycopg.connect(pg_url) as con:
        kept = con.execute("SELECT id, at::text FROM t ORDER BY id").fetchall()
        first = con.execute("SELECT * FROM t WHERE id = 1").fetchone()
    assert kept == [(1, "2024-01-01 10:00:00"), (8, "infinity")]
    assert first is not None and first[1:] == (
        dt.datetime(2024, 1, 1, 10),
        dt.time(10),
        dt.timedelta(days=1),
        ["abc"],
        [Decimal("1.25"), Decimal("2.00")],
        [dt.datetime(2024, 1, 1, 10)],
    )
    rejected = (tmp_path / "rejects" / "t.jsonl").read_text()
    for column in ("at", "clock", "span", "words", "prices", "moments"):
        assert f'"{column}' in rejected


@pytest.mark.postgres
def test_without_reject_the_run_fails_naming_the_column_and_value(pg_url: str) -> None:
    pg_exec(pg_url, SOURCE, "DELETE FROM src.t WHERE id <> 6")
    config = arrowmig.MigrationConfig(mode="append", source_schema="src", target_schema="public")
    report = arrowmig.migrate(pg_url, pg_url, config=config)
    assert report.failed
    message = report.tables[0].error or ""
    assert "column prices" in message and "1.234" in message
    assert pg_rows(pg_url, "t") == []


def test_a_timestamp_of_whole_seconds_fits_timestamp_0_and_a_fraction_does_not() -> None:
    at = pa.array([0, 1_000_000, 1_700_000, None], pa.timestamp("us"))
    hits = changed_by_column("timestamp(0) without time zone", at)
    assert hits is not None and hits.to_pylist() == [False, False, True, False]
    assert changed_by_column("timestamp(6) without time zone", at) is None
    assert changed_by_column("timestamp without time zone", at) is None


def test_interval_fields_cut_what_is_below_them() -> None:
    mdn = pa.MonthDayNano
    spans = pa.array(
        [mdn([14, 0, 0]), mdn([12, 0, 0]), mdn([0, 1, 0]), mdn([0, 1, 3_600 * 10**9]), None],
        pa.month_day_nano_interval(),
    )
    as_list = {
        "interval year": [True, False, True, True, False],
        "interval day": [False, False, False, True, False],
        "interval day to hour": [False, False, False, False, False],
    }
    for declared, expected in as_list.items():
        hits = changed_by_column(declared, spans)
        assert hits is not None and hits.to_pylist() == expected, declared


def test_the_unbounded_type_holds_what_the_bounded_one_would_change() -> None:
    assert unbounded_pg_type("numeric(6,2)[]") == "numeric[]"
    assert unbounded_pg_type("character varying(3)[]") == "character varying[]"
    assert unbounded_pg_type("bit(3)[]") == "bit varying[]"
    assert unbounded_pg_type("character(2)") == "bpchar"
    assert unbounded_pg_type("timestamp(0) without time zone[]") == "timestamp without time zone[]"
    assert unbounded_pg_type("interval year to month") == "interval"
    assert unbounded_pg_type("numeric[]") is None
    assert unbounded_pg_type("jsonb") is None

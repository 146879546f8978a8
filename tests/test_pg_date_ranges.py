"""DuckDB dates and timestamps before PostgreSQL's first (4714-11-24 BC) or, for dates, after
its last (5874897 AD), into PostgreSQL. Near DuckDB's own limits the driver's binary COPY
overflowed: the whole table failed with the empty "Error occurred writing COPY data:", and
--on-error reject could not set the row aside.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import psycopg
import pytest

from arrowmig import migrate
from arrowmig.config import MigrationConfig

FAR = {
    5000: ("TIMESTAMP '-290308-12-22 00:00:00'", "NULL"),  # within 30 years of DuckDB's first
    5001: ("TIMESTAMP '-290000-01-01 00:00:00'", "NULL"),  # the server refused it
    5002: ("NULL", "DATE '-5877641-06-25'"),  # DuckDB's first date
    5003: ("NULL", "DATE '5877641-06-25'"),  # past PostgreSQL's last
}


def _source(path: Path) -> str:
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE far (id INTEGER PRIMARY KEY, ts TIMESTAMP, d DATE)")
    con.execute(
        "INSERT INTO far SELECT i, TIMESTAMP '2024-01-01' + to_seconds(i), DATE '2024-01-01'"
        " FROM range(1000) t(i)"
    )
    con.execute(
        "INSERT INTO far VALUES (1000, '-infinity', '-infinity'),"
        " (1001, TIMESTAMP '-4713-11-24 00:00:00', DATE '-4713-11-24'),"
        " (1002, NULL, DATE '5874897-12-31')"
    )
    for key, (ts, d) in FAR.items():
        con.execute(f"INSERT INTO far VALUES ({key}, {ts}, {d})")
    con.close()
    return str(path)


@pytest.mark.postgres
def test_a_value_before_postgresqls_first_is_named_or_set_aside(
    tmp_path: Path, pg_url: str
) -> None:
    source = _source(tmp_path / "s.duckdb")
    failed = migrate(source, pg_url)
    error = failed.tables[0].error or ""
    assert error.startswith("table 'far', column 'ts', id 5000: before 4714-11-24 BC"), error
    assert "-290308-12-22" in error and "on_error='reject'" in error
    rejects = tmp_path / "rj"
    report = migrate(
        source, pg_url, config=MigrationConfig(on_error="reject", reject_dir=str(rejects))
    )
    assert report.tables[0].rows == 1003 and report.tables[0].rejected == len(FAR)
    set_aside = [json.loads(line) for line in (rejects / "far.jsonl").read_text().splitlines()]
    assert sorted(r["key"]["id"] for r in set_aside) == sorted(FAR)
    by_key = {r["key"]["id"]: r["problems"][0] for r in set_aside}
    assert by_key[5002]["column"] == "d" and "PostgreSQL's dates" in by_key[5002]["reason"]
    with psycopg.connect(pg_url) as con:
        edges = con.execute("SELECT ts::text, d::text FROM far WHERE id >= 1000 ORDER BY id")
        assert edges.fetchall() == [
            ("-infinity", "-infinity"),
            ("4714-11-24 00:00:00 BC", "4714-11-24 BC"),
            (None, "5874897-12-31"),
        ]

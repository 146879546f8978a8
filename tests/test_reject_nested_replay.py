"""A rejected row's LIST, STRUCT and MAP values are written into the reject file as the JSON
their column gets (``{"k":1,"z":null}``, every digit kept), and ``replay-rejects`` loads them
back as that same value: into PostgreSQL's jsonb, SQLite's TEXT and DuckDB's own nested types.
The row's other values (decimals, bytes, zoned timestamps, intervals, UUIDs, huge integers)
come back exactly too.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import duckdb
import pytest

import arrowmig
from arrowmig.rejects import reject_files, replay_rejects
from tests.dbutil import pg_exec

NESTED_COLUMNS = (
    "m MAP(VARCHAR, INTEGER), n STRUCT(b MAP(VARCHAR, DOUBLE), d DECIMAL(38,10)), "
    "l BLOB[], s STRUCT(t TIMESTAMPTZ, i INTERVAL, u UUID)"
)
NESTED_VALUES = (
    "MAP {'k': 1, 'z': NULL}, {'b': MAP {'pi': 3.5}, 'd': 1234567890123456789012345678.0123456789}, "
    "['\\x00\\xFF'::BLOB, NULL], {'t': TIMESTAMPTZ '2024-03-01 12:34:56.123456+02', "
    "'i': INTERVAL '14 months 3 days 4 hours 0.5 seconds', "
    "'u': UUID '12345678-1234-5678-1234-567812345678'}"
)


def _source(path: Path, bad: str, extra: str = "", extra_values: str = "") -> str:
    """Two rows of the same nested values: the first goes in, the second holds ``bad``."""
    with duckdb.connect(str(path)) as con:
        con.execute("SET TimeZone = 'UTC'")
        con.execute(f"CREATE TABLE t (id INTEGER PRIMARY KEY, v {bad} {extra}, {NESTED_COLUMNS})")
        con.execute(f"INSERT INTO t VALUES (1, ?{extra_values}, {NESTED_VALUES})", [_GOOD[bad]])
        con.execute(f"INSERT INTO t VALUES (2, ?{extra_values}, {NESTED_VALUES})", [_BAD[bad]])
    return str(path)


_GOOD = {"VARCHAR": "ok", "DOUBLE": 1.5, "INTEGER": 7}
_BAD = {"VARCHAR": "a\x00b", "DOUBLE": float("nan"), "INTEGER": 70000}


def _rejected(source: str, target: str, folder: Path, mode: str = "create") -> dict[str, object]:
    config = arrowmig.MigrationConfig(on_error="reject", reject_dir=str(folder), mode=mode)
    report = arrowmig.migrate(source, target, config=config)
    assert report.tables[0].rejected == 1
    (path,) = reject_files(folder)
    line = path.read_text(encoding="utf-8")
    assert '{"k":1,"z":null}' in line  # the JSON the column gets, not Python's tuples
    record: dict[str, object] = json.loads(line)
    return record


@pytest.mark.postgres
def test_nested_values_replay_into_postgresql_jsonb_as_moved_normally(
    pg_url: str, tmp_path: Path
) -> None:
    source = _source(tmp_path / "s.duckdb", "VARCHAR")
    _rejected(source, pg_url, tmp_path / "rej")
    pg_exec(pg_url, "ALTER TABLE t ALTER COLUMN v TYPE bytea USING convert_to(v, 'UTF8')")
    assert replay_rejects(tmp_path / "rej", pg_url) == {"t": 1}
    import psycopg

    with psycopg.connect(pg_url) as con:
        rows = con.execute(
            "SELECT m::text, n::text, l::text, s::text FROM t ORDER BY id"
        ).fetchall()
    assert rows[1] == rows[0]
    assert '"d": 1234567890123456789012345678.0123456789' in rows[1][1]
    assert '"z": null' in rows[1][0]


def test_nested_values_and_timestamps_replay_into_sqlite_text_as_moved_normally(
    tmp_path: Path,
) -> None:
    extra = ", ts TIMESTAMP, tz TIMESTAMPTZ"
    values = ", TIMESTAMP '0001-01-01 00:00:00', TIMESTAMPTZ '2024-03-01 12:34:56+02'"
    source = _source(tmp_path / "s.duckdb", "DOUBLE", extra, values)
    target = tmp_path / "t.db"
    _rejected(source, str(target), tmp_path / "rej")
    # The NaN SQLite cannot store is fixed in the reject file, as its hint says.
    (path,) = reject_files(tmp_path / "rej")
    path.write_text(path.read_text().replace('{"float": "nan"}', "2.5"), encoding="utf-8")
    assert replay_rejects(tmp_path / "rej", str(target)) == {"t": 1}
    with sqlite3.connect(target) as con:
        rows = con.execute("SELECT v, ts, tz, m, n, l, s FROM t ORDER BY id").fetchall()
    assert rows[1] == (2.5, *rows[0][1:])  # timestamps in the text SQLite keeps them as


def test_rejected_row_replays_into_duckdb_exactly(tmp_path: Path) -> None:
    """Into a DuckDB table of native MAP, STRUCT and LIST columns, with the row's other values
    of every kind: verify matches the source afterwards."""
    extra = (
        ", d DECIMAL(38,10), b BLOB, tz TIMESTAMPTZ, ns TIMESTAMP_NS, iv INTERVAL, u UUID, "
        "h HUGEINT, f DOUBLE"
    )
    values = (
        ", 1234567890123456789012345678.0123456789, '\\x00\\xFF'::BLOB, "
        "TIMESTAMPTZ '2024-03-01 12:34:56.123456+02', TIMESTAMP_NS '2024-01-01 00:00:00.123456789', "
        "INTERVAL '14 months 3 days 4 hours 0.5 seconds', "
        "UUID '12345678-1234-5678-1234-567812345678', "
        "-170141183460469231731687303715884105728, 0.1"
    )
    source = _source(tmp_path / "s.duckdb", "INTEGER", extra, values)
    target = tmp_path / "t.duckdb"
    with duckdb.connect(str(source)) as con:  # the target's table: v too narrow for 70000
        ddl = con.execute("SELECT sql FROM duckdb_tables() WHERE table_name = 't'").fetchone()
    with duckdb.connect(str(target)) as con:
        assert ddl is not None
        con.execute(ddl[0].replace("v INTEGER", "v SMALLINT"))
    _rejected(source, str(target), tmp_path / "rej", mode="append")
    with duckdb.connect(str(target)) as con:
        con.execute("ALTER TABLE t ALTER v TYPE INTEGER")
    assert replay_rejects(tmp_path / "rej", str(target)) == {"t": 1}
    assert arrowmig.verify(source, str(target), level="diff").ok
    with duckdb.connect(str(source)) as src, duckdb.connect(str(target)) as dst:
        query = "SELECT * FROM t ORDER BY id"
        assert dst.execute(query).fetchall() == src.execute(query).fetchall()

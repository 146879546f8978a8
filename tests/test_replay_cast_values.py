"""replay-rejects of rows a run set aside for one column while its casts converted others:
the reject file keeps the values as the run read them. A SQLite BLOB cast to uuid (Room and
Django keep UUIDs so) was refused as 'bytes that are not UTF-8 text', advising to make the
column bytea; Firefox's epoch microseconds cast with epoch_us as 'not a timestamp', Django's
DurationField microseconds cast to interval as 'not an interval', and a boolean word 't' cast
to boolean did not convert."""

from __future__ import annotations

import datetime
import sqlite3
import uuid
from contextlib import closing
from pathlib import Path

import duckdb
import pytest

from arrowmig import migrate
from arrowmig.config import MigrationConfig
from arrowmig.rejects import replay_rejects
from arrowmig.verifier import verify
from tests.dbutil import pg_exec, pg_rows, sqlite_table

ROWS = [
    (1, 12.5, uuid.UUID(int=1).bytes),
    (2, 0.1 + 0.2, uuid.UUID(int=2**128 - 1).bytes),  # no numeric(10,2): set aside
]


def _load_and_replay(source: str, target: str, widen: str, tmp_path: Path) -> None:
    config = MigrationConfig(
        mode="truncate",
        on_error="reject",
        reject_dir=str(tmp_path / "rejects"),
        casts=(("accounts", "avatar", "uuid"),),
    )
    (table,) = migrate(source, target, config=config).tables
    assert (table.rows, table.rejected) == (1, 1)
    if target.startswith("postgresql"):
        pg_exec(target, widen)
    else:
        with duckdb.connect(target) as con:
            con.execute(widen)
    assert replay_rejects(tmp_path / "rejects", target) == {"accounts": 1}
    assert verify(source, target).ok


def _source(tmp_path: Path) -> str:
    return sqlite_table(
        tmp_path / "db.sqlite3",
        "CREATE TABLE accounts (id integer PRIMARY KEY, balance decimal NOT NULL, avatar BLOB)",
        ROWS,
    )


@pytest.mark.postgres
def test_a_uuid_blob_set_aside_replays_into_postgresql(tmp_path: Path, pg_url: str) -> None:
    pg_exec(
        pg_url, "CREATE TABLE accounts (id int PRIMARY KEY, balance numeric(10,2), avatar uuid)"
    )
    widen = "ALTER TABLE accounts ALTER balance TYPE numeric"
    _load_and_replay(_source(tmp_path), pg_url, widen, tmp_path)


def test_a_uuid_blob_set_aside_replays_into_duckdb(tmp_path: Path) -> None:
    target = str(tmp_path / "t.duckdb")
    with duckdb.connect(target) as con:
        con.execute(
            "CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance DECIMAL(10,2), avatar UUID)"
        )
    widen = "ALTER TABLE accounts ALTER balance TYPE DOUBLE"
    _load_and_replay(_source(tmp_path), target, widen, tmp_path)


EVENTS = [(1, 1700000000000000, "t", 90061000001, "5"), (2, 1700000001000000, "f", 1500000, "x")]
EVENT_CASTS = (
    ("v", "at", "epoch_us"),
    ("v", "flag", "boolean"),
    ("v", "dur", "interval"),  # Django's DurationField: microseconds
    ("v", "n", "integer"),
)


def _events(tmp_path: Path) -> str:
    return sqlite_table(
        tmp_path / "places.sqlite",
        "CREATE TABLE v (id INTEGER PRIMARY KEY, at INTEGER, flag TEXT, dur INTEGER, n TEXT)",
        EVENTS,
    )


def _reject_the_text(source: str, target: str, tmp_path: Path, mode: str) -> None:
    config = MigrationConfig(
        mode=mode, on_error="reject", reject_dir=str(tmp_path / "rejects"), casts=EVENT_CASTS
    )
    (table,) = migrate(source, target, config=config).tables
    assert (table.rows, table.rejected) == (1, 1)


@pytest.mark.postgres
def test_epoch_and_boolean_casts_are_converted_again_into_postgresql(
    tmp_path: Path, pg_url: str
) -> None:
    source = _events(tmp_path)
    pg_exec(
        pg_url,
        "CREATE TABLE v (id int PRIMARY KEY, at timestamptz, flag boolean, dur interval, n int)",
    )
    _reject_the_text(source, pg_url, tmp_path, "truncate")
    pg_exec(pg_url, "ALTER TABLE v ALTER n TYPE text")
    assert replay_rejects(tmp_path / "rejects", pg_url) == {"v": 1}
    assert verify(source, pg_url).ok
    at = datetime.datetime(2023, 11, 14, 22, 13, 20, tzinfo=datetime.UTC)
    assert pg_rows(pg_url, "v", order="id") == [
        (1, at, True, datetime.timedelta(days=1, seconds=3661, microseconds=1), "5"),
        (2, at + datetime.timedelta(seconds=1), False, datetime.timedelta(seconds=1.5), "x"),
    ]


def test_an_epoch_cast_is_replayed_into_sqlite_as_the_run_wrote_it(tmp_path: Path) -> None:
    source, target = _events(tmp_path), tmp_path / "copy.db"
    _reject_the_text(source, str(target), tmp_path, "create")
    (rejects,) = (tmp_path / "rejects").rglob("v.jsonl")
    rejects.write_text(rejects.read_text().replace('1500000, "x"]', '1500000, "9"]'))
    assert replay_rejects(tmp_path / "rejects", str(target)) == {"v": 1}
    with closing(sqlite3.connect(target)) as con:
        stored = con.execute("SELECT id, at, flag, dur FROM v ORDER BY id").fetchall()
    assert stored == [
        (1, "2023-11-14 22:13:20+00:00", 1, "90061.000001 seconds"),
        (2, "2023-11-14 22:13:21+00:00", 0, "1.5 seconds"),
    ]

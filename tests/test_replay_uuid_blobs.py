"""replay-rejects of rows a run set aside while its ``--cast T.C=uuid`` wrote a SQLite BLOB
as its UUID (Room and Django keep UUIDs so): the reject file keeps the source's 16 bytes, and
the replay into the uuid column refused them as 'bytes that are not UTF-8 text', advising to
make the column bytea."""

from __future__ import annotations

import uuid
from pathlib import Path

import duckdb
import pytest

from arrowmig import migrate
from arrowmig.config import MigrationConfig
from arrowmig.rejects import replay_rejects
from arrowmig.verifier import verify
from tests.dbutil import pg_exec, sqlite_table

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

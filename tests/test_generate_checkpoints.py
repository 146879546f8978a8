"""A generated dataset holds only its tables: a complete ``generate`` removes its checkpoint
rows, and ``_arrowmig_checkpoints`` with them, which other tools copied as a table of data
(and ``arrowmig status`` of each copy listed the generate run). Other runs' rows stay."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from arrowmig import generate, migrate
from arrowmig.checkpoint import RUN_ROW, CheckpointStore
from arrowmig.endpoints import open_endpoint
from tests.dbutil import target_of

SMALL = {"large_players": 50}


def _run_rows(target: str) -> tuple[bool, list[str]]:
    """Whether the target holds the checkpoint table, and the ids of the runs in it."""
    with open_endpoint(target) as dst:
        store = CheckpointStore(dst)
        return store.exists(), [r.run_id for r in store.rows() if r.table_name == RUN_ROW]


@pytest.mark.parametrize("target_kind", ["sqlite", "duckdb", "postgres"])
def test_a_complete_generate_leaves_no_checkpoint_table(
    tmp_path: Path, target_kind: str, request: pytest.FixtureRequest
) -> None:
    target = target_of(target_kind, tmp_path, request)
    report = generate(target, tables="large_players", rows=SMALL)
    assert report.ok
    assert _run_rows(target) == (False, [])


def test_a_generate_keeps_the_checkpoints_of_other_runs(tmp_path: Path) -> None:
    source = tmp_path / "s.db"
    with sqlite3.connect(source) as con:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    con.close()
    target = str(tmp_path / "t.db")
    migrated = migrate(str(source), target)
    assert migrated.ok
    assert generate(target, tables="large_players", rows=SMALL).ok
    assert _run_rows(target) == (True, [migrated.run_id])

"""An ``--mode append`` whose rows repeat a key the target holds: the driver's words, then
which key and the ways on (README: "one line saying what is wrong and what to do")."""

from __future__ import annotations

from pathlib import Path

import pytest

from arrowmig.cli import main
from tests.dbutil import sqlite_table, target_of


@pytest.fixture
def source(tmp_path: Path) -> str:
    rows = [(i, f"p{i}") for i in range(1, 51)]
    return sqlite_table(
        tmp_path / "s.db", "CREATE TABLE players (id INTEGER PRIMARY KEY, name TEXT)", rows
    )


@pytest.mark.parametrize(
    ("target_kind", "key"),
    [
        ("postgres", "key (id)=(1) is in the target table already"),
        ("duckdb", 'key "id: 1" is in the target table already'),
        ("sqlite", "a value of key players.id is in the target table already"),
    ],
)
def test_a_repeated_key_says_which_and_what_to_do(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    source: str,
    capsys: pytest.CaptureFixture[str],
    target_kind: str,
    key: str,
) -> None:
    """The run ended with the raw driver text (PGRES_FATAL_ERROR ... duplicate key) alone."""
    target = target_of(target_kind, tmp_path, request)
    assert main(["migrate", source, target, "--progress", "none"]) == 0
    capsys.readouterr()
    assert main(["migrate", source, target, "--mode", "append", "--progress", "none"]) == 1
    failed = [line for line in capsys.readouterr().err.splitlines() if "FAILED" in line]
    assert len(failed) == 1, failed
    assert key in failed[0]
    assert "--mode replace or truncate" in failed[0]
    assert "remove the duplicates" in failed[0]

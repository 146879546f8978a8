"""A real ``arrowmig migrate`` stopped after a table's rows are in, as its primary key,
indexes and key sequence are built: the table is reported not finished (what is left named),
its checkpoint is not "loaded", and ``--resume`` builds what is left.

Each build is held in place by an event trigger (``checks_held``) that makes the statement
wait for an advisory lock the test holds, so the process is caught in the middle of it
whatever the machine's speed.
"""

from __future__ import annotations

import json
import signal
import sqlite3
from pathlib import Path

import psycopg
import pytest

from arrowmig.status import runs_of
from tests.test_stopped_late import (
    _migrate,
    checks_held,
    let_go,
    sigint_while_held,
    wait_for_a_held_check,
)

ADDING_THE_KEY = "%ADD PRIMARY KEY%"
"""The statement that builds the table's primary key, its first build."""


def _source(path: Path, rows: int) -> Path:
    con = sqlite3.connect(path)
    con.executescript(
        f"""
        CREATE TABLE bets (id INTEGER PRIMARY KEY, player INTEGER, stake TEXT);
        CREATE INDEX ix_bets_player ON bets (player);
        WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {rows})
        INSERT INTO bets SELECT i, i % 97, 'x' FROM s;
        """
    )
    con.commit()
    con.close()
    return path


def _target_state(pg_url: str) -> tuple[list[str], int]:
    """The indexes of ``bets`` (its primary key's too), and the id an insert that leaves it
    out gets."""
    with psycopg.connect(pg_url) as con:
        indexes = [
            str(r[0])
            for r in con.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'bets' ORDER BY 1"
            )
        ]
        row = con.execute("INSERT INTO bets (player) VALUES (1) RETURNING id").fetchone()
        con.rollback()
    assert row is not None
    return indexes, int(row[0])


# 500 rows: the table is finished and recorded in one transaction (``together``); 100,001:
# each build on its own.
@pytest.mark.parametrize("rows", [500, 100_001])
def test_sigint_as_the_keys_are_built_leaves_them_to_resume(
    tmp_path: Path, pg_url: str, rows: int
) -> None:
    # The cancelled build was noted "not built", the table recorded loaded: --resume said
    # done, exit 0, and the table stayed without its key and indexes, its sequence at 1.
    source = _source(tmp_path / "bets.db", rows)
    out, _ = sigint_while_held(source, pg_url, ADDING_THE_KEY)
    (table,) = json.loads(out)["tables"]
    assert table["status"] == "interrupted"
    left = next(n for n in table["notes"] if n.startswith("not finished"))
    if rows > 100_000:  # built one by one: the one cut short and those after it are named
        assert left.endswith(
            "left for --resume: primary key (id), index ix_bets_player, "
            "key sequences moved past the loaded keys, statistics (ANALYZE)"
        ), left
    # Not "restarted past the largest loaded key": it was not.
    assert (
        "id: auto-assigned key's sequence not restarted past the loaded keys: the run was "
        "stopped before the table was finished (--resume does it)" in table["notes"]
    )
    (run,) = runs_of(pg_url)
    assert run["state"] == "interrupted"
    assert _target_state(pg_url) == ([], 1)  # nothing built, nothing moved
    assert f"continue it with {run['resume']};" in _refused_afresh(source, pg_url)

    resumed = _migrate(source, pg_url, "--resume", "--json")
    out, err = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, err
    (table,) = json.loads(out)["tables"]
    assert table["status"] == "done"
    assert "primary key (id)" in table["built"], table
    assert _target_state(pg_url) == (["bets_pkey", "ix_bets_player"], rows + 1)
    # The run is complete: --resume has nothing to continue, and is not offered.
    refused = _refused_afresh(source, pg_url)
    assert refused.endswith("; use --mode replace, append or truncate, or drop it first")
    assert "--resume" not in refused


def _refused_afresh(source: Path, pg_url: str) -> str:
    """The error of the same command run again without --resume (create mode: the table is
    there)."""
    again = _migrate(source, pg_url)
    _, err = again.communicate(timeout=60)
    assert again.returncode == 2, err
    return err.strip()


RESTORING = "%NOT VALID%"
"""Putting back another table's foreign key into a replaced table: after it is put in place."""


def test_killed_after_a_staged_table_is_put_in_place_resumes_its_finishing(
    tmp_path: Path, pg_url: str
) -> None:
    # A staged table (--mode replace) put in place, then stopped before it was recorded
    # loaded: --resume looked for its staging table, gone, and refused to go on.
    source = _source(tmp_path / "bets.db", 200_000)
    first = _migrate(source, pg_url)
    _, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("CREATE TABLE slips (bet_id int REFERENCES bets (id))")
        con.execute("INSERT INTO slips VALUES (1)")
    with checks_held(pg_url, RESTORING) as holder:
        proc = _migrate(source, pg_url, "--mode", "replace")
        wait_for_a_held_check(holder, proc, RESTORING)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
        let_go(holder)
    resumed = _migrate(source, pg_url, "--mode", "replace", "--resume", "--json")
    out, err = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, err
    (table,) = json.loads(out)["tables"]
    assert table["status"] == "done"
    assert any(n.startswith("put in place by the interrupted run") for n in table["notes"])
    assert _target_state(pg_url) == (["bets_pkey", "ix_bets_player"], 200_001)
    with psycopg.connect(pg_url) as con:
        analyzed = con.execute(
            "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'bets'"
        ).fetchone()
    assert analyzed == (True,)

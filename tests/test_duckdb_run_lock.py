"""Two runs into one DuckDB file: DuckDB lets one process at a time have a file it writes, and
a run keeps it from its first connection to its end, so the second is refused at its start
and the first always finishes."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

import arrowmig
from tests.run_events import signal_at_event

MIGRATE = (sys.executable, "-m", "arrowmig", "migrate")


def _two_tables(path: Path) -> str:
    con = sqlite3.connect(path)
    for name in ("players", "matches"):
        con.execute(f"CREATE TABLE {name} (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT)")
        con.executemany(f"INSERT INTO {name} (v) VALUES (?)", [(f"v{i}",) for i in range(500)])
    con.commit()
    con.close()
    return str(path)


@pytest.mark.parametrize("event", ["planned", "table_done"])
def test_a_second_run_into_the_file_is_refused_at_its_start_and_the_first_finishes(
    tmp_path: Path, event: str
) -> None:
    """The run closed the file between its planning, loading and finishing: a second run
    started then had the file, and the first failed midway ("Could not set lock"), or was
    refused, or both failed. The first is stopped (SIGSTOP) there, by its events: after its
    planning (``planned``, before any table loads) and after its table's finishing
    (``table_done``; its ``summary`` comes once it has closed the file, which its closing
    checkpoint, told in it, needs)."""
    source = _two_tables(tmp_path / "s.db")
    target = str(tmp_path / "t.duckdb")
    first = subprocess.Popen(
        [
            *MIGRATE,
            source,
            target,
            "--tables",
            "players",
            "--mode",
            "replace",
            "--progress",
            "json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        signal_at_event(first, lambda e: e["event"] == event, signal.SIGSTOP)
        second = subprocess.run(
            [*MIGRATE, source, target, "--tables", "matches", "--mode", "replace"],
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        os.kill(first.pid, signal.SIGCONT)
    _, first_err = first.communicate(timeout=120)
    assert (second.returncode, second.stderr) == (
        2,
        f"arrowmig: error: DuckDB file {target!r} is in use by another process (pid "
        f"{first.pid}): DuckDB lets one process at a time have a file it writes; wait for that "
        "process to end, or stop it (a stopped arrowmig run goes on with --resume)\n",
    )
    assert first.returncode == 0, first_err
    with duckdb.connect(target, read_only=True) as con:
        tables = con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()
        assert tables == [("_arrowmig_checkpoints",), ("players",)]  # nothing of the second
        assert con.execute("SELECT count(*), max(id) FROM players").fetchall() == [(500, 500)]
    # Once the first has ended, the second goes in.
    assert subprocess.run([*MIGRATE, source, target, "--tables", "matches"]).returncode == 0


def test_the_file_is_let_go_when_the_run_ends(tmp_path: Path) -> None:
    # Held past the run (the process's connection never closed), a program would find its
    # own file locked by the run that made it.
    source = _two_tables(tmp_path / "s.db")
    target = str(tmp_path / "t.duckdb")
    assert arrowmig.migrate(source, target, tables=["players"]).ok
    assert arrowmig.migrate(source, target, tables=["matches"]).ok
    probe = "import duckdb, sys; duckdb.connect(sys.argv[1]).close()"
    assert subprocess.run([sys.executable, "-c", probe, target]).returncode == 0


def test_a_replaced_table_that_failed_does_not_say_its_key_sequence_was_created(
    tmp_path: Path,
) -> None:
    # Its report said "auto-assigned key kept (sequence 't_id_seq' as its default), started
    # past the largest loaded key" of a table never created, with no such sequence.
    source = tmp_path / "s.db"
    con = sqlite3.connect(source)
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT)")
    con.executemany("INSERT INTO t VALUES (?, ?)", [(i, "x") for i in range(1, 20)])
    con.execute("INSERT INTO t VALUES (20, CAST(X'FFFE' AS TEXT))")  # not UTF-8: fails t
    con.commit()
    con.close()
    target = str(tmp_path / "t.duckdb")
    config = arrowmig.MigrationConfig(mode="replace", batch=arrowmig.BatchConfig(batch_rows=5))
    failed = arrowmig.migrate(str(source), target, config=config).tables[0]
    assert failed.status == "failed"
    assert [n for n in failed.notes if n.startswith("id: ")] == [
        "id: auto-assigned key's sequence not created past the loaded keys: the table "
        "failed before it was finished"
    ]
    with duckdb.connect(target, read_only=True) as con:  # as the note says
        assert con.execute("SELECT count(*) FROM duckdb_sequences()").fetchall() == [(0,)]
        assert con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 't'"
        ).fetchall() == [(0,)]

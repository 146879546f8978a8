"""A SQLite file another process keeps locked: the run says, while it waits, which file it waits
for and which process holds it (from /proc/locks), as it does for a PostgreSQL lock."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest

import arrowmig
from arrowmig.events import Event

pytestmark = pytest.mark.skipif(
    not Path("/proc/locks").exists(), reason="the holder is read from Linux's /proc/locks"
)

_HOLD = """
import select, sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute(sys.argv[2])
con.execute("INSERT INTO t (v) VALUES ('held')")
print("held", flush=True)
select.select([sys.stdin], [], [], 30)  # until the test lets go (or gives up on the run)
con.execute("COMMIT")
"""
"""Another process holding ``argv[2]``'s lock on the file ``argv[1]`` until its stdin closes."""


def _file(path: Path, journal_mode: str = "delete") -> None:
    with closing(sqlite3.connect(path)) as con:
        con.execute(f"PRAGMA journal_mode={journal_mode}")
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        con.executemany("INSERT INTO t (v) VALUES (?)", [(f"row {i}",) for i in range(100)])
        con.commit()


@contextmanager
def _held(path: Path, begin: str) -> Iterator[subprocess.Popen[str]]:
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(path), begin],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        yield holder
    finally:
        if holder.stdin is not None:
            holder.stdin.close()
        holder.wait(timeout=60)
        if holder.stdout is not None:
            holder.stdout.close()


def test_a_locked_sqlite_source_is_said_while_the_run_waits(tmp_path: Path) -> None:
    # A source in an open write transaction of another process: nothing at all was printed
    # for 60 s (planning waits too), --progress plain included, then exit 2.
    source = tmp_path / "src.db"
    _file(source)
    with _held(source, "BEGIN EXCLUSIVE") as holder:
        run = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "arrowmig",
                "migrate",
                str(source),
                str(tmp_path / "o.db"),
                "--progress",
                "json",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert run.stdout is not None
        first = json.loads(run.stdout.readline())  # the wait is said before anything else
        assert holder.stdin is not None
        holder.stdin.close()  # the lock goes: the run goes on
        out, err = run.communicate(timeout=120)
    assert run.returncode == 0, err
    assert first["event"] == "waiting" and first["table"] == "src.db"
    assert first["message"] == (
        f"waiting for a lock on SQLite file {str(source)!r} held by another process "
        f"(pid {holder.pid}): the run's reads wait for it, up to 60 s per statement"
    )
    assert json.loads(out.splitlines()[-1])["report"]["rows"] == 101


@pytest.mark.parametrize(
    ("journal_mode", "begin"), [("delete", "BEGIN EXCLUSIVE"), ("wal", "BEGIN IMMEDIATE")]
)
def test_a_locked_sqlite_target_is_said_while_the_run_waits(
    tmp_path: Path, journal_mode: str, begin: str
) -> None:
    source, target = tmp_path / "src.db", tmp_path / "dst.db"
    _file(source)
    _file(target, journal_mode)
    waits: list[Event] = []
    with _held(target, begin) as holder:

        def on_event(event: Event) -> None:
            if event.event == "waiting" and not waits:
                waits.append(event)
                assert holder.stdin is not None
                holder.stdin.close()

        config = arrowmig.MigrationConfig(mode="replace")
        report = arrowmig.migrate(str(source), str(target), config=config, progress=on_event)
    assert report.ok and report.rows == 100
    (waiting,) = waits
    assert waiting.table == "dst.db"
    assert waiting.message == (
        f"waiting for a lock on SQLite file {str(target)!r} held by another process "
        f"(pid {holder.pid}): the run's writes wait for it, up to 60 s per statement"
    )

"""A DuckDB target whose checkpoint fails as the run closes it (a full disk): DuckDB's close
said nothing of it, and the run said done (exit 0) of rows in the file's write-ahead log only.
Now the run says so, with the tables and the way on, and exits 1; the rows are all there.

No small file system needed: a limit on the size of the files the run's process writes
(``RLIMIT_FSIZE``) leaves room for the log of a small table but not for the 256 KiB block a
checkpoint writes into the file, which DuckDB meets as it meets a full disk ("Could not write
file ...: File too large"; Python ignores SIGXFSZ, so the write fails instead of the process).
"""

from __future__ import annotations

import json
import os
import resource
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

ROWS = 1_000
FILE_LIMIT_BYTES = 100_000
"""Room for the file's header (12 KiB) and a log of ``ROWS`` rows (some 32 KB), not for a block."""


def _source(path: Path) -> Path:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
    con.executemany("INSERT INTO t VALUES (?, ?)", ((i, f"n{i}") for i in range(ROWS)))
    con.commit()
    con.close()
    return path


def _limit_files() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_LIMIT_BYTES, FILE_LIMIT_BYTES))


def _run(
    folder: Path, *args: str, before: Callable[[], None] | None = _limit_files
) -> tuple[int, str]:
    """``arrowmig *args`` in its own process, in ``folder``, its files limited in size: exit
    code, stdout."""
    run = subprocess.run(
        [sys.executable, "-m", "arrowmig", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
        preexec_fn=before,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    return run.returncode, run.stdout


def _count(path: Path) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        ((rows,),) = con.execute("SELECT count(*) FROM t").fetchall()
    finally:
        con.close()
    return int(rows)


def test_a_failed_closing_checkpoint_is_no_done_and_the_log_keeps_the_rows(tmp_path: Path) -> None:
    _source(tmp_path / "src.db")
    code, out = _run(tmp_path, "migrate", "src.db", "out.duckdb", "--json", "--progress", "none")
    report = json.loads(out)
    assert (code, report["exit_code"], report["ok"]) == (1, 1, False)
    assert [t["status"] for t in report["tables"]] == ["done"]  # the rows are all committed
    said = report["unwritten"]
    assert said.startswith("DuckDB could not write its log into 'out.duckdb' as it closed it (")
    assert "File too large" in said
    assert "the rows of t committed since its last checkpoint are in 'out.duckdb.wal' only" in said
    assert said.endswith(
        "open the file once (arrowmig status out.duckdb does), which writes them into it"
    )

    # Durable: DuckDB replays the log into any connection that opens the file.
    assert (tmp_path / "out.duckdb.wal").exists()
    assert _count(tmp_path / "out.duckdb") == ROWS
    # And the way on the report gives writes them into the file.
    assert _run(tmp_path, "status", "out.duckdb", before=None)[0] == 0
    assert not (tmp_path / "out.duckdb.wal").exists()
    assert _count(tmp_path / "out.duckdb") == ROWS


def test_the_summary_event_and_the_text_report_say_it_too(tmp_path: Path) -> None:
    # The summary event is sent once the file is closed: it said exit_code 0 before.
    _source(tmp_path / "src.db")
    code, out = _run(tmp_path, "migrate", "src.db", "out.duckdb", "--progress", "json")
    summary = json.loads(out.splitlines()[-1])
    assert summary["event"] == "summary"
    assert (code, summary["report"]["exit_code"]) == (1, 1)
    assert "'out.duckdb.wal' only" in summary["report"]["unwritten"]


def test_a_closing_checkpoint_with_room_says_nothing(tmp_path: Path) -> None:
    _source(tmp_path / "src.db")
    code, out = _run(
        tmp_path, "migrate", "src.db", "out.duckdb", "--json", "--progress", "none", before=None
    )
    report = json.loads(out)
    assert (code, report["exit_code"], report["unwritten"]) == (0, 0, None)
    assert not (tmp_path / "out.duckdb.wal").exists()


def test_generate_into_a_file_it_cannot_checkpoint_says_so(tmp_path: Path) -> None:
    # generate runs without migrate's hold on the file: the file closes as its load ends.
    code, out = _run(
        tmp_path,
        *("generate", "g.duckdb", "--tables", "large_players", "--rows", "large_players=500"),
        *("--json", "--progress", "none"),
    )
    report = json.loads(out)
    assert (code, report["exit_code"]) == (1, 1)
    assert "the rows of large_players committed since its last checkpoint" in report["unwritten"]


MIGRATE_JSON = ("migrate", "src.db", "out.duckdb", "--json", "--progress", "none")

_STOPPED_AS_IT_CLOSES = """
import os, signal, sys
from arrowmig.endpoints.duckdb import _SharedDatabase
checkpoint = _SharedDatabase._checkpoint
def stopped_then_checkpoint(self):
    os.kill(os.getpid(), signal.{signal})
    return checkpoint(self)
_SharedDatabase._checkpoint = stopped_then_checkpoint
from arrowmig.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("signal", ["SIGINT", "SIGTERM"])
def test_a_stop_as_a_finished_run_closes_its_file_keeps_the_report(
    tmp_path: Path, signal: str
) -> None:
    # Ctrl-C during the closing checkpoint gave exit 130, no report, and "to continue ...
    # --resume" of a run that status called complete.
    _source(tmp_path / "src.db")
    run = subprocess.run(
        [sys.executable, "-c", _STOPPED_AS_IT_CLOSES.format(signal=signal), *MIGRATE_JSON],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    report = json.loads(run.stdout)
    assert (run.returncode, report["exit_code"]) == (0, 0), run.stderr
    assert [t["status"] for t in report["tables"]] == ["done"]
    assert (
        f"{signal} came as arrowmig closed 'out.duckdb', after the run had finished: every row "
        "is written into the file"
    ) in report["notes"]
    assert "--resume" not in run.stderr
    assert _count(tmp_path / "out.duckdb") == ROWS

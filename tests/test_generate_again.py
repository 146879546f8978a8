"""An interrupted ``arrowmig generate``: ``status`` offers the generate command that does it
again (generate has no --resume; it offered a ``migrate scale=... --resume`` that cannot
run), and once that command completes, the interrupted run is superseded, not offered."""

from __future__ import annotations

import shlex
import signal
import subprocess
import sys
from pathlib import Path

from tests.dbutil import sqlite_rows
from tests.test_resume import arrowmig, kill_after
from tests.test_superseded_runs import run, status_runs


def test_status_offers_generate_again_and_forgets_it_once_done(tmp_path: Path) -> None:
    target = str(tmp_path / "gen.db")
    given = ("--tables", "large_players", "--rows", "large_players=30000", "--no-keys")
    proc = arrowmig("generate", target, *given, "--batch-rows", "100", "--progress", "none")
    kill_after(proc, target, 2000)
    assert proc.returncode == -signal.SIGKILL, "the run ended before it could be interrupted"
    (interrupted,) = status_runs(target)
    assert interrupted["state"] == "interrupted"
    again = (
        f"arrowmig generate {target} --scale small --seed 42 --tables large_players "
        "--rows large_players=30000 --no-keys --mode replace"
    )
    assert interrupted["resume"] == again
    shown = run("status", target)
    assert f"{interrupted['run_id']} to start again: {again}" in shown.stderr
    # The command offered runs, and its data is the same as an uninterrupted generate's.
    done = subprocess.run(
        [sys.executable, "-m", "arrowmig", *shlex.split(again)[1:], "--progress", "none"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    fresh = str(tmp_path / "fresh.db")
    assert run("generate", fresh, *given, "--progress", "none").returncode == 0
    assert sqlite_rows(target, "large_players", "id") == sqlite_rows(fresh, "large_players", "id")
    runs = {r["run_id"]: r for r in status_runs(target)}
    assert runs[interrupted["run_id"]]["state"] == "superseded"
    assert runs[interrupted["run_id"]]["resume"] is None
    # The complete generate leaves no row of its own (its dataset holds only its tables).
    assert list(runs) == [interrupted["run_id"]]

"""A resumed run's rejected rows go where the interrupted run put its own: one folder holds
all of the run's, its default folder included; a resume told another folder is refused,
naming the folder that holds the rows already rejected."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_resume import kill_after

ROWS = 40_000
BAD_EVERY = 1_000
"""Every 1,000th row holds a NUL byte, which PostgreSQL text cannot store: it is rejected."""


def build_source(path: Path) -> str:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, t TEXT)")
    con.executemany(
        "INSERT INTO events VALUES (?, ?)",
        [(i, f"bad\x00{i}" if i % BAD_EVERY == 0 else f"row {i}") for i in range(1, ROWS + 1)],
    )
    con.commit()
    con.close()
    return str(path)


def arrowmig_in(folder: Path, *args: str) -> subprocess.Popen[bytes]:
    """``arrowmig migrate`` run from ``folder``: the default reject folder is made there."""
    return subprocess.Popen(
        [sys.executable, "-m", "arrowmig", "migrate", *args],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def rejected_ids(folder: Path) -> list[int]:
    """The keys of every rejected row in every reject file under ``folder``."""
    return sorted(
        json.loads(line)["row"][0]
        for path in folder.rglob("*.jsonl")
        for line in path.read_text().splitlines()
    )


@pytest.mark.postgres
@pytest.mark.parametrize("given", [True, False], ids=["reject-dir", "default-folder"])
def test_a_resume_rejects_into_the_interrupted_runs_folder(
    pg_url: str, tmp_path: Path, given: bool
) -> None:
    source = build_source(tmp_path / "source.db")
    work = tmp_path / "work"
    work.mkdir()
    first = work / "rejected rows" if given else None
    told = ["--tables", "events", "--on-error", "reject", "--progress", "none"]
    folder = ["--reject-dir", str(first)] if first else []
    proc = arrowmig_in(work, source, pg_url, "--batch-rows", "100", *told, *folder)
    kill_after(proc, pg_url, 2 * BAD_EVERY)
    assert proc.returncode == -signal.SIGKILL, "the run ended before it could be interrupted"
    if first is None:
        (first,) = (work / "arrowmig-rejects").iterdir()
    assert rejected_ids(first), "the interrupted run rejected no row"

    other = tmp_path / "elsewhere"
    refused = arrowmig_in(work, source, pg_url, *told, "--reject-dir", str(other), "--resume")
    _, err = refused.communicate(timeout=120)
    assert refused.returncode == 2, err.decode()
    assert err.count(b"\n") == 1, err.decode()
    assert f"put its rejected rows in {str(first)!r}".encode() in err, err.decode()
    assert not other.exists()

    resumed = arrowmig_in(work, source, pg_url, *told, "--resume")
    _, err = resumed.communicate(timeout=120)
    assert resumed.returncode == 1, err.decode()  # finished, with rejected rows
    assert f"rejected rows go to {first}, with those of the interrupted run".encode() in err
    # One folder, each rejected row once: none in a folder of the resume's own.
    assert rejected_ids(work) == list(range(BAD_EVERY, ROWS + 1, BAD_EVERY))
    assert [p for p in work.rglob("*.jsonl")] == [first / "events.jsonl"]


@pytest.mark.postgres
def test_a_resumed_run_counts_the_rows_the_interrupted_run_set_aside(
    pg_url: str, tmp_path: Path
) -> None:
    """The resumed report counts every row of the table's reject file: those the interrupted
    run wrote (its rows already in the file are not written again, nor were counted) and its
    own, saying how many were the interrupted run's, as with the rows committed."""
    source = build_source(tmp_path / "source.db")
    folder = tmp_path / "rejected rows"
    told = ["--tables", "events", "--on-error", "reject", "--reject-dir", str(folder)]
    proc = arrowmig_in(tmp_path, source, pg_url, "--batch-rows", "100", *told)
    kill_after(proc, pg_url, 2 * BAD_EVERY)
    assert proc.returncode == -signal.SIGKILL, "the run ended before it could be interrupted"
    before = len(rejected_ids(folder))
    assert before, "the interrupted run rejected no row"

    again = [*told, "--resume", "--json", "--progress", "none"]
    resumed = subprocess.run(
        [sys.executable, "-m", "arrowmig", "migrate", source, pg_url, *again],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert resumed.returncode == 1, resumed.stderr  # finished, with rejected rows
    report = json.loads(resumed.stdout)
    (events,) = report["tables"]
    in_file = len(rejected_ids(folder))
    assert in_file == ROWS // BAD_EVERY
    assert (events["rejected"], events["rejected_before"]) == (in_file, before)
    assert (report["rejected"], report["rejected_before"]) == (in_file, before)
    said = f"{in_file:,} rows rejected ({before:,} of them set aside by the interrupted run)"
    assert said in resumed.stderr

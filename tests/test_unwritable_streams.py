"""A stream that takes no writes: stderr on a full disk or open read-only is dropped (the exit
code, the --json document and the --log-file stay the work's), and stdout that cannot be
written is exit 2 with a hint that fits why.

Subprocess runs through a shell, as the redirections are the point (``2>/dev/full``: ENOSPC;
``2</dev/null``: an fd open read-only, EBADF, as a wrapper script run with ``2>&-`` leaves)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")

UNWRITABLE_STDERR = {"full disk": "2>/dev/full", "read-only fd": "2</dev/null"}


def _arrowmig(redirect: str, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """``arrowmig ARGS REDIRECT`` through sh; what sh does not redirect is captured."""
    command = [sys.executable, "-m", "arrowmig", *map(str, args)]
    return subprocess.run(
        ["sh", "-c", f'exec "$@" {redirect}', "sh", *command],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "s.db"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        con.executemany("INSERT INTO t VALUES (?, ?)", [(1, "a"), (2, "b")])
    return path


@pytest.mark.parametrize("redirect", UNWRITABLE_STDERR.values(), ids=UNWRITABLE_STDERR.keys())
def test_unwritable_stderr_leaves_the_work_its_exit_code_and_json(
    source: Path, tmp_path: Path, redirect: str
) -> None:
    """Each verb exited 1 with an empty stdout: 'unexpected OSError' from the first line of
    progress, and to a script a matching verify's 1 says the data differs."""
    target, log = tmp_path / "t.db", tmp_path / "run.log"
    run = _arrowmig(
        redirect, "migrate", source, target, "--json", "--progress", "plain", "--log-file", log
    )
    assert (run.returncode, json.loads(run.stdout)["exit_code"]) == (0, 0), run.stdout
    with sqlite3.connect(target) as con:
        assert con.execute("SELECT count(*) FROM t").fetchone() == (2,)
    assert log.read_text().rstrip().endswith("exit code 0")

    same = _arrowmig(redirect, "verify", source, target, "--json")
    assert (same.returncode, json.loads(same.stdout)["ok"]) == (0, True)
    assert _arrowmig(redirect, "status", target).returncode == 0

    with sqlite3.connect(target) as con:
        con.execute("UPDATE t SET v = 'changed' WHERE id = 1")
    differs = _arrowmig(redirect, "verify", source, target, "--json")
    assert (differs.returncode, json.loads(differs.stdout)["exit_code"]) == (1, 1)

    bad_url = _arrowmig(redirect, "migrate", "nosuch://x", tmp_path / "u.db", "--json")
    assert (bad_url.returncode, json.loads(bad_url.stdout)["exit_code"]) == (2, 2)


@pytest.mark.parametrize("progress", [[], ["--progress", "json"]])
def test_stdout_not_open_for_writing_is_not_told_to_free_space(
    source: Path, tmp_path: Path, progress: list[str]
) -> None:
    """``1</dev/null`` (EBADF) got the hint 'free space where stdout goes', which fits a full
    disk only."""
    command = ["migrate", source, tmp_path / "t.db", "--json", *progress]
    done = _arrowmig("1</dev/null", *command)
    what = "the progress events" if progress else "the report"
    assert (done.returncode, done.stderr.strip().splitlines()[-1]) == (
        2,
        f"arrowmig: error: cannot write {what} to stdout: Bad file descriptor; "
        "stdout is not open for writing; send it to a file or a pipe",
    )

"""The same command again after an interrupted run: without --resume, an append is refused
(it would append the committed rows a second time, and used to overwrite the interrupted
run's record so that not even --resume could finish the load), the other modes start over;
a --resume that matches another run names the unfinished one; a resume's summary counts only
the rows the target holds.
"""

from __future__ import annotations

import re
import shlex
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from tests.dbutil import rows_of, target_of
from tests.test_resume import ARROWMIG_MIGRATE, arrowmig, build_source


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> str:
    return build_source(tmp_path_factory.mktemp("rerun") / "source.db")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*args], capture_output=True, text=True, timeout=120)


def killed(source: str, target: str, *options: str) -> None:
    """A run of ``events`` SIGKILLed once its streams committed 2,000 rows (batches of 100
    keep it going long enough: checked)."""
    proc = arrowmig(
        "migrate", source, target, "--tables", "events", "--batch-rows", "100", *options
    )
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline and streams_committed(target) < 2000:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL, "the run ended before it could be interrupted"


def streams_committed(target: str) -> int:
    """The rows the checkpoint table's streams count (not a completed run's own row)."""
    sql = "SELECT coalesce(sum(rows_done), 0) FROM _arrowmig_checkpoints WHERE stream_name <> '*'"
    try:
        if target.startswith("postgresql"):
            with psycopg.connect(target) as con:
                found = con.execute(sql).fetchone()
        else:
            con3 = sqlite3.connect(f"file:{target}?mode=ro", uri=True, timeout=0.2)
            try:
                found = con3.execute(sql).fetchone()
            finally:
                con3.close()
    except (sqlite3.Error, psycopg.Error):
        return 0  # not there yet
    return int(found[0]) if found else 0


def count(target: str) -> int:
    return len(rows_of(target, "events"))


def execute(target: str, sql: str) -> None:
    if target.startswith("postgresql"):
        with psycopg.connect(target, autocommit=True) as con:
            con.execute(sql)  # type: ignore[arg-type]
    else:
        with sqlite3.connect(target) as con:
            con.execute(sql)
        con.close()


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_an_interrupted_append_run_again_without_resume_is_refused_and_can_be_continued(
    source: str, tmp_path: Path, kind: str, request: pytest.FixtureRequest
) -> None:
    target = target_of(kind, tmp_path, request)
    # The application's table, keyed, empty: the interrupted append's rows are all it holds.
    assert run(*ARROWMIG_MIGRATE, source, target, "--tables", "events").returncode == 0
    execute(target, "DELETE FROM events")
    execute(target, "DELETE FROM _arrowmig_checkpoints")
    killed(source, target, "--mode", "append")
    held = count(target)
    assert held >= 2000
    again = run(*ARROWMIG_MIGRATE, source, target, "--tables", "events", "--mode", "append")
    assert again.returncode == 2, again.stderr
    error = again.stderr
    assert error.count("\n") == 1, error  # one line, no traceback
    assert "of this same command, was interrupted after committing" in error
    assert "without --resume this run would append them a second time" in error
    assert count(target) == held  # nothing written
    # The command it names continues the interrupted run (its record was kept) to the source.
    command = re.search(r"continue it with (arrowmig migrate .*? --resume);", error)
    assert command is not None, error
    words = shlex.split(command[1])
    assert words[words.index("--mode") + 1] == "append"
    resumed = run(sys.executable, "-m", *words[:-1], "--resume", "--progress", "none")
    assert resumed.returncode == 0, resumed.stderr
    assert sorted(rows_of(target, "events", "id")) == sorted(rows_of(source, "events", "id"))


def test_an_append_started_afresh_on_purpose_after_deleting_its_rows_and_record(
    source: str, tmp_path: Path
) -> None:
    """The refusal's other way on, as it words it: delete the rows and the record."""
    target = str(tmp_path / "t.db")
    assert run(*ARROWMIG_MIGRATE, source, target, "--tables", "events").returncode == 0
    execute(target, "DELETE FROM events")
    execute(target, "DELETE FROM _arrowmig_checkpoints")
    killed(source, target, "--mode", "append")
    append = (*ARROWMIG_MIGRATE, source, target, "--tables", "events", "--mode", "append")
    refused = run(*append)
    assert refused.returncode == 2, refused.stderr
    delete = re.search(r"\((DELETE FROM .*?)\)", refused.stderr)
    assert delete is not None, refused.stderr
    execute(target, "DELETE FROM events")
    execute(target, delete[1])
    fresh = run(*append, "--progress", "none")
    assert fresh.returncode == 0, fresh.stderr
    assert sorted(rows_of(target, "events", "id")) == sorted(rows_of(source, "events", "id"))


def test_an_append_of_other_options_after_an_interrupted_append_says_its_rows_are_still_there(
    source: str, tmp_path: Path
) -> None:
    """Another command (here --no-analyze) is not refused as the same one is: it supersedes the
    interrupted append and appends every row, and its report says the rows the interrupted
    run appended are still there, beside its own."""
    target = str(tmp_path / "t.db")
    assert run(*ARROWMIG_MIGRATE, source, target, "--tables", "events").returncode == 0
    # The application's table, keyless: a row appended twice is there twice.
    execute(target, "CREATE TABLE keyless AS SELECT * FROM events WHERE 0")
    execute(target, "DROP TABLE events")
    execute(target, "ALTER TABLE keyless RENAME TO events")
    execute(target, "DELETE FROM _arrowmig_checkpoints")
    killed(source, target, "--mode", "append")
    held = count(target)
    other = run(
        *ARROWMIG_MIGRATE, source, target, "--tables", "events", "--mode", "append", "--no-analyze"
    )
    assert other.returncode == 0, other.stderr
    assert count(target) == held + len(rows_of(source, "events"))
    assert re.search(
        rf"run \w+, not complete, loaded these tables too: it is superseded by this one .*; "
        rf"the {held:,} rows it appended are still in them, beside this run's",
        other.stderr,
    ), other.stderr


@pytest.mark.parametrize("mode", ["truncate", "replace"])
def test_an_interrupted_truncate_or_replace_run_again_without_resume_starts_over(
    source: str, tmp_path: Path, mode: str
) -> None:
    target = str(tmp_path / "t.db")
    assert run(*ARROWMIG_MIGRATE, source, target, "--tables", "events").returncode == 0
    killed(source, target, "--mode", mode)
    again = run(*ARROWMIG_MIGRATE, source, target, "--tables", "events", "--mode", mode)
    assert again.returncode == 0, again.stderr
    assert "loads its tables again from the start (--resume would have gone on" in again.stderr
    assert sorted(rows_of(target, "events", "id")) == sorted(rows_of(source, "events", "id"))


def test_a_resume_that_matches_a_completed_run_names_the_interrupted_one(
    source: str, tmp_path: Path
) -> None:
    """It matched the completed create run and said 'nothing to resume', exit 0, the
    interrupted replace run unnamed."""
    target = str(tmp_path / "t.db")
    assert run(*ARROWMIG_MIGRATE, source, target, "--tables", "events").returncode == 0
    killed(source, target, "--mode", "replace")
    resumed = run(*ARROWMIG_MIGRATE, source, target, "--tables", "events", "--resume")
    assert resumed.returncode == 2, resumed.stderr
    error = resumed.stderr
    assert error.count("\n") == 1 and "nothing to resume" not in error, error
    assert "cannot resume: the interrupted run " in error
    assert "ran in --mode 'replace', this run 'create'" in error
    command = re.search(r"continue it with (arrowmig migrate .*? --resume)", error)
    assert command is not None, error
    words = shlex.split(command[1])
    continued = run(sys.executable, "-m", *words, "--progress", "none")
    assert continued.returncode == 0, continued.stderr
    assert sorted(rows_of(target, "events", "id")) == sorted(rows_of(source, "events", "id"))


@pytest.mark.postgres
def test_a_resume_whose_table_fails_again_counts_none_of_its_rows_as_the_targets(
    source: str, pg_url: str
) -> None:
    """A replace resumed after its rows were committed into its staging table, failing again
    at the swap: the summary said '0 rows (2,000 of them committed by the interrupted run)'."""
    assert run(*ARROWMIG_MIGRATE, source, pg_url, "--tables", "events").returncode == 0
    killed(source, pg_url, "--mode", "replace")
    with psycopg.connect(pg_url) as holder:
        holder.execute("LOCK TABLE events IN ACCESS EXCLUSIVE MODE")  # the swap waits, fails
        resumed = run(
            *ARROWMIG_MIGRATE,
            source,
            pg_url,
            "--tables",
            "events",
            "--mode",
            "replace",
            "--batch-timeout",
            "2",
            "--retries",
            "0",
            "--progress",
            "none",
            "--resume",
        )
    assert resumed.returncode == 1, resumed.stderr
    summary = resumed.stderr.splitlines()[-1]
    assert summary.startswith("FINISHED WITH FAILURES: 0 rows, "), summary
    assert "of them committed by the interrupted run" not in summary
    assert "resumed after" in resumed.stderr  # it did go on after the committed rows

"""Exactly once, whatever happens: SIGKILL the real `arrowmig migrate` process at chosen
points, then `--resume`, and an independent comparison must find every source row once.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.dbutil import pg_rows, q, rows_of, sqlite_rows, target_of
from tests.run_events import signal_at_event

ROWS = 40_000
ARROWMIG_MIGRATE = (sys.executable, "-m", "arrowmig", "migrate")
SMALL_EVENTS = ("--tables", "events", "--batch-rows", "100", "--progress", "none")


def build_source(path: Path) -> str:
    con = sqlite3.connect(path)
    con.executescript(
        """
        CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT, amount REAL, note);
        CREATE TABLE logs (line TEXT, level INTEGER);                       -- rowid only
        CREATE TABLE tags (tag TEXT PRIMARY KEY, weight REAL) WITHOUT ROWID; -- no usable key
        """
    )
    con.executemany(
        "INSERT INTO events VALUES (?, ?, ?, ?)",
        [(i * 2, f"k{i % 7}", i / 8, None if i % 5 else f"n{i}") for i in range(1, ROWS + 1)],
    )
    con.executemany(
        "INSERT INTO logs VALUES (?, ?)", [(f"line {i}", i % 4) for i in range(ROWS // 2)]
    )
    con.executemany("INSERT INTO tags VALUES (?, ?)", [(f"t{i:05d}", i * 0.5) for i in range(5000)])
    con.commit()
    con.close()
    return str(path)


def arrowmig(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "arrowmig", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def committed_rows(target: str) -> int:
    """Rows the checkpoint table says are committed (0 while it does not exist yet)."""
    try:
        if target.startswith("postgresql"):
            with psycopg.connect(target) as con:
                row = con.execute(
                    "SELECT coalesce(sum(rows_done), 0) FROM _arrowmig_checkpoints"
                ).fetchone()
        else:
            con3 = sqlite3.connect(f"file:{target}?mode=ro", uri=True, timeout=0.2)
            try:
                row = con3.execute(
                    "SELECT coalesce(sum(rows_done), 0) FROM _arrowmig_checkpoints"
                ).fetchone()
            finally:
                con3.close()
    except (sqlite3.Error, psycopg.Error):
        return 0
    return int(row[0]) if row else 0


def kill_after(
    proc: subprocess.Popen[bytes], target: str, rows: int, timeout_s: float = 60
) -> None:
    deadline = time.monotonic() + timeout_s
    while proc.poll() is None and time.monotonic() < deadline:
        if committed_rows(target) >= rows:
            break
        time.sleep(0.02)
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.communicate()


def target_rows(target: str, table: str, order: str) -> list[tuple[object, ...]]:
    if target.startswith("postgresql"):
        return pg_rows(target, table, order)
    return sqlite_rows(target, table, order)


def assert_exactly_the_source(source: str, target: str) -> None:
    for table, order in (("events", "id"), ("logs", "line"), ("tags", "tag")):
        want = sorted(target_rows(source, table, order), key=repr)
        got = sorted(target_rows(target, table, order), key=repr)
        assert len(got) == len(want), f"{table}: {len(got)} rows, source has {len(want)}"
        assert got == want, table


def run_then_kill_then_resume(source: str, target: str, kill_at_rows: int, mode: str) -> None:
    common = [
        "migrate",
        source,
        target,
        "--batch-rows",
        "997",
        "--parallel",
        "2",
        "--split-rows",
        "15000",
        "--mode",
        mode,
        "--progress",
        "none",
    ]
    kill_after(arrowmig(*common), target, kill_at_rows)
    resumed = arrowmig(*common, "--resume")
    _, err = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, err.decode()
    assert_exactly_the_source(source, target)
    # A second --resume after a completed run is a no-op that says so.
    again = arrowmig(*common, "--resume")
    _, err = again.communicate(timeout=60)
    assert again.returncode == 0 and b"nothing to resume" in err


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> str:
    return build_source(tmp_path_factory.mktemp("resume") / "source.db")


@settings(
    max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kill_at=st.integers(min_value=0, max_value=ROWS + ROWS // 2),
    mode=st.sampled_from(["create", "replace"]),
)
def test_kill_then_resume_into_sqlite(source: str, tmp_path: Path, kill_at: int, mode: str) -> None:
    target = tmp_path / f"target-{kill_at}-{mode}.db"
    target.unlink(missing_ok=True)
    run_then_kill_then_resume(source, str(target), kill_at, mode)


@pytest.mark.postgres
@settings(
    max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(kill_at=st.integers(min_value=0, max_value=ROWS + ROWS // 2))
def test_kill_then_resume_into_postgres(source: str, pg_url: str, kill_at: int) -> None:
    with psycopg.connect(pg_url, autocommit=True) as con:
        for table in ("events", "logs", "tags", "_arrowmig_checkpoints"):
            con.execute(f"DROP TABLE IF EXISTS {q(table)} CASCADE")
    run_then_kill_then_resume(source, pg_url, kill_at, "create")


@pytest.mark.postgres
@settings(
    max_examples=2, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(kill_at=st.integers(min_value=0, max_value=ROWS + ROWS // 2))
def test_kill_then_resume_postgres_to_postgres(
    source: str, pg_url: str, second_pg: str, kill_at: int
) -> None:
    # Same types on both sides: the rows pass as binary COPY, undecoded (direct_copy).
    with psycopg.connect(pg_url, autocommit=True) as con:
        loaded = con.execute("SELECT to_regclass('events') IS NOT NULL").fetchone()
    if not (loaded and loaded[0]):
        load = arrowmig("migrate", source, pg_url, "--progress", "none")
        _, err = load.communicate(timeout=120)
        assert load.returncode == 0, err.decode()
    with psycopg.connect(second_pg, autocommit=True) as con:
        for table in ("events", "logs", "tags", "_arrowmig_checkpoints"):
            con.execute(f"DROP TABLE IF EXISTS {q(table)} CASCADE")
    run_then_kill_then_resume(pg_url, second_pg, kill_at, "create")


def test_resume_with_other_options_is_refused(source: str, tmp_path: Path) -> None:
    target = str(tmp_path / "t.db")
    kill_half_way(source, target)
    other = arrowmig(
        "migrate", source, target, "--tables", "events", "--mode", "append", "--resume"
    )
    _, err = other.communicate(timeout=60)
    assert other.returncode == 2, err.decode()
    assert b"ran in --mode 'create', this run 'append'" in err
    assert err[-1:] == b"\n" and err.count(b"\n") == 1


def test_resume_after_a_finished_run_with_other_options_names_the_difference(
    source: str, tmp_path: Path
) -> None:
    """After a finished run, --resume with another --on-error got 'table exists; use ...
    --resume to continue an interrupted run', the very flag it was given."""
    target = str(tmp_path / "t.db")
    done = arrowmig("migrate", source, target, "--tables", "events", "--progress", "none")
    _, err = done.communicate(timeout=120)
    assert done.returncode == 0, err.decode()
    other = arrowmig(
        "migrate", source, target, "--tables", "events", "--on-error", "reject", "--resume"
    )
    _, err = other.communicate(timeout=60)
    assert other.returncode == 2, err.decode()
    text = err.decode()
    assert text.startswith("arrowmig: error: cannot resume: the run ") and text.count("\n") == 1
    assert (
        "that loaded 'events' finished, and ran with --on-error 'fail', this run 'reject'" in text
    )
    assert text.endswith("use --mode replace, append or truncate without --resume\n")


def kill_half_way(source: str, target: str) -> None:
    """Start a run of ``events`` alone and SIGKILL it after 2,000 rows (small batches keep it
    going long enough; checked)."""
    proc = arrowmig(
        "migrate", source, target, "--batch-rows", "100", "--tables", "events", "--progress", "none"
    )
    kill_after(proc, target, 2000)
    assert proc.returncode == -signal.SIGKILL, "the run ended before it could be interrupted"


def refused_resume(source: str, target: str) -> str:
    resumed = arrowmig(
        "migrate", source, target, "--batch-rows", "100", "--tables", "events", "--resume"
    )
    _, err = resumed.communicate(timeout=60)
    assert resumed.returncode == 2, err.decode()
    assert err.count(b"\n") == 1, err.decode()  # one line, no traceback
    return err.decode()


@pytest.mark.postgres
def test_resume_into_a_column_changed_since_is_refused(source: str, pg_url: str) -> None:
    # Binary COPY would take float8 bytes into an int8 column as garbage, silently.
    kill_half_way(source, pg_url)
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("ALTER TABLE events ALTER COLUMN amount TYPE bigint")
        before = con.execute("SELECT count(*), sum(amount) FROM events").fetchone()
    err = refused_resume(source, pg_url)
    assert "cannot resume 'events'" in err
    assert "column 'amount' is now bigint, the run was writing double precision" in err
    with psycopg.connect(pg_url) as con:
        assert con.execute("SELECT count(*), sum(amount) FROM events").fetchone() == before


def test_resume_after_the_sources_columns_changed_names_the_change_and_a_way_on(
    source: str, tmp_path: Path
) -> None:
    # The application added a column meanwhile. The refusal named neither table nor column,
    # and said to "run again as the interrupted run did": no one can undo the application's
    # change.
    changed = str(tmp_path / "source.db")
    shutil.copy(source, changed)
    target = str(tmp_path / "t.db")
    kill_half_way(changed, target)
    con = sqlite3.connect(changed)
    con.execute("ALTER TABLE events ADD COLUMN memo TEXT DEFAULT 'm'")
    con.commit()
    con.close()
    err = refused_resume(changed, target)
    assert "read 'events' of the source as it was then; column 'memo' was added since" in err
    assert err.rstrip().endswith("without --resume and with --mode replace"), err
    # The way it gives goes on.
    again = arrowmig(
        "migrate", changed, target, "--tables", "events", "--mode", "replace", "--progress", "none"
    )
    _, out = again.communicate(timeout=120)
    assert again.returncode == 0, out.decode()
    assert sqlite_rows(target, "events", "id") == sqlite_rows(changed, "events", "id")


def test_resume_after_the_table_was_dropped_is_refused(source: str, tmp_path: Path) -> None:
    target = str(tmp_path / "t.db")
    kill_half_way(source, target)
    con = sqlite3.connect(target)
    con.execute("DROP TABLE events")
    con.commit()
    con.close()
    err = refused_resume(source, target)
    assert "is no longer in" in err and "without --resume" in err


def test_sigterm_keeps_committed_batches_and_exits_143(source: str, tmp_path: Path) -> None:
    target = str(tmp_path / "t.db")
    proc = arrowmig(
        "migrate", source, target, "--batch-rows", "200", "--tables", "events", "--progress", "none"
    )
    deadline = time.monotonic() + 60
    while committed_rows(target) < 2000 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err.decode()
    kept = len(sqlite_rows(target, "events"))
    assert kept >= 2000 and kept == committed_rows(target)
    assert b"INTERRUPTED" in err


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_a_keyless_table_the_interrupted_run_finished_counts_its_rows(
    source: str, tmp_path: Path, kind: str, request: pytest.FixtureRequest
) -> None:
    # ``tags`` has no usable key: it loads into a staging table and keeps no stream rows.
    # Put in place before the kill, it counted 0 rows in ``status`` and in the resumed run's
    # report (and in the completed run's total for good), though the target held them all.
    from arrowmig.status import runs_of

    target = target_of(kind, tmp_path, request)
    args = (*ARROWMIG_MIGRATE, source, target, "--tables", "events,tags", "--batch-rows", "100")
    first = subprocess.Popen(
        [*args, "--parallel", "2", "--progress", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    tags_done = {"event": "table_done", "table": "tags"}
    signal_at_event(first, lambda e: tags_done.items() <= e.items(), signal.SIGKILL)
    first.communicate()
    assert first.returncode == -signal.SIGKILL, "the run ended before it could be interrupted"
    (run,) = runs_of(target)
    tables = {t["name"]: (t["state"], t["rows_done"]) for t in run["tables"]}
    assert tables["tags"] == ("loaded", 5000)
    events_before = tables["events"][1]
    assert tables["events"][0] == "prepared" and events_before < ROWS
    assert run["rows_done"] == 5000 + events_before

    resumed = subprocess.run(
        [*args, "--resume", "--json", "--progress", "none"], capture_output=True, text=True
    )
    assert resumed.returncode == 0, resumed.stderr
    report = json.loads(resumed.stdout)
    by_name = {t["name"]: t for t in report["tables"]}
    assert (by_name["tags"]["rows"], by_name["tags"]["rows_before"]) == (5000, 5000)
    assert report["rows"] == ROWS + 5000 == len(rows_of(target, "events")) + 5000
    assert report["rows_before"] == 5000 + events_before
    assert "put in place by the interrupted run, with its 5,000 rows" in by_name["tags"]["notes"]
    (done,) = runs_of(target)
    assert (done["state"], done["rows_done"]) == ("complete", ROWS + 5000)


def test_a_resumed_replace_repeats_what_the_interrupted_run_said_of_a_table_it_swapped(
    source: str, tmp_path: Path
) -> None:
    # The run killed after it swapped ``tags`` in never gave its report; the resumed run's
    # planned the table again against the new one, and no longer said that the replaced
    # table's column the source lacks had gone with it.
    from tests.run_events import killed_at_event

    target = str(tmp_path / "t.db")
    args = [*ARROWMIG_MIGRATE, source, target, "--tables", "events,tags", "--batch-rows", "100"]
    subprocess.run([*args, "--progress", "none"], check=True, capture_output=True)
    with sqlite3.connect(target) as con:
        con.execute("ALTER TABLE tags ADD COLUMN old_col TEXT")
    replace = [*args, "--mode", "replace", "--parallel", "2"]
    killed_at_event(replace, lambda e: e["event"] == "table_done" and e["table"] == "tags")

    resumed = subprocess.run(
        [*replace, "--resume", "--json", "--progress", "none"], capture_output=True, text=True
    )
    assert resumed.returncode == 0, resumed.stderr
    tags = {t["name"]: t for t in json.loads(resumed.stdout)["tables"]}["tags"]
    assert "put in place by the interrupted run, with its 5,000 rows" in tags["notes"]
    gone = "the replaced table's columns the source lacks go with it: old_col"
    assert tags["notes"].count(gone) == 1, tags["notes"]


if os.environ.get("ARROWMIG_SKIP_SLOW"):
    pytest.skip("ARROWMIG_SKIP_SLOW set", allow_module_level=True)


def test_a_run_stopped_while_it_marks_itself_complete_resumes_to_nothing(
    source: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The last step clears the run's checkpoint rows and marks the run complete. Stopped
    # after the clearing and before the mark, a resume found a running run with no table
    # prepared, and refused every table as existing (hypothesis found it with a kill).
    from arrowmig import Interrupted, MigrationConfig, migrate
    from arrowmig.checkpoint import CheckpointStore

    clear = CheckpointStore.forget_run

    def clear_then_stop(self: CheckpointStore, run_id: str, *, keep_run_row: bool = False) -> None:
        clear(self, run_id, keep_run_row=keep_run_row)
        if keep_run_row:
            raise KeyboardInterrupt  # the process stops here

    target = str(tmp_path / "t.db")
    monkeypatch.setattr(CheckpointStore, "forget_run", clear_then_stop)
    # The signal is reported as any other (exit code 130); the run stays marked complete.
    with pytest.raises(Interrupted) as stopped:
        migrate(source, target, tables=["events"])
    assert stopped.value.report is not None
    assert stopped.value.report.interrupted == "SIGINT"
    monkeypatch.setattr(CheckpointStore, "forget_run", clear)
    resumed = migrate(source, target, tables=["events"], config=MigrationConfig(resume=True))
    assert resumed.ok and any("nothing to resume" in n for n in resumed.notes)
    assert len(sqlite_rows(target, "events")) == ROWS


def test_resume_knows_the_source_file_however_its_path_is_spelled(
    source: str, tmp_path: Path
) -> None:
    # A cron job resumes with an absolute path, or from another folder: the same file is the
    # same run. Another file of the same name (same columns, other rows) is not: its rows
    # after the committed key would have been mixed in, with exit code 0.
    here = tmp_path / "here"
    here.mkdir()
    (here / "src.db").write_bytes(Path(source).read_bytes())
    target = tmp_path / "t.db"

    def run(cwd: Path, src: str, *more: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [*ARROWMIG_MIGRATE, src, str(target), *SMALL_EVENTS, *more],
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        )

    kill_after(run(here, "src.db"), str(target), 2000)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "src.db").write_bytes(Path(source).read_bytes())
    other = run(elsewhere, "src.db", "--resume")
    _, err = other.communicate(timeout=60)
    assert other.returncode == 2, err.decode()
    assert f"read '{here / 'src.db'}', this run '{elsewhere / 'src.db'}'".encode() in err
    assert b"--mode replace" not in err
    resumed = run(tmp_path, f"sqlite:///{here / 'src.db'}", "--resume")
    _, err = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, err.decode()
    assert b"resumed after" in err
    assert sqlite_rows(str(target), "events", "id") == sqlite_rows(source, "events", "id")


def test_resuming_a_completed_run_says_so_and_measures_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # It said "finished by the interrupted run" (there was none) and "peak RSS 0 B".
    from arrowmig.cli import main

    source, target = tmp_path / "s.db", str(tmp_path / "t.duckdb")
    con = sqlite3.connect(source)
    con.execute("CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT)")
    con.execute("INSERT INTO a VALUES (1, 'x'), (2, 'y')")
    con.commit()
    con.close()
    assert main(["migrate", str(source), target, "--progress", "none"]) == 0
    capsys.readouterr()
    assert main(["migrate", str(source), target, "--resume", "--progress", "none"]) == 0
    err = capsys.readouterr().err
    assert "already completed: nothing to resume" in err
    assert "finished by the earlier run, nothing left to move: a" in err
    assert "interrupted" not in err and "peak RSS" not in err


@pytest.mark.postgres
def test_a_run_told_not_to_build_keys_is_continued_without_them(source: str, pg_url: str) -> None:
    # status's command to continue a --no-keys run left the flag out, and a --resume without
    # it was taken: it built the primary key the interrupted run was told not to build.
    from arrowmig.status import runs_of

    told = ("--tables", "events", "--no-keys", "--no-analyze", "--progress", "none")
    proc = arrowmig("migrate", source, pg_url, "--batch-rows", "100", *told)
    kill_after(proc, pg_url, 2000)
    assert proc.returncode == -signal.SIGKILL, "the run ended before it could be interrupted"
    (run,) = runs_of(pg_url)
    assert run["resume"].endswith(" --tables events --no-keys --no-analyze --resume")
    without = arrowmig("migrate", source, pg_url, "--tables", "events", "--no-analyze", "--resume")
    _, err = without.communicate(timeout=60)
    assert without.returncode == 2, err.decode()
    assert err.count(b"\n") == 1, err.decode()
    assert b"ran with --no-keys, this run without it" in err
    continued = arrowmig(*run["resume"].split()[1:], "--progress", "none")
    _, err = continued.communicate(timeout=120)
    assert continued.returncode == 0, err.decode()
    assert len(pg_rows(pg_url, "events", "id")) == ROWS
    with psycopg.connect(pg_url) as con:
        built = con.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'events'::regclass "
            "UNION ALL SELECT indexname FROM pg_indexes WHERE tablename = 'events'"
        ).fetchall()
    assert built == []


def test_status_continues_a_run_into_its_reject_folder(source: str, tmp_path: Path) -> None:
    # status's command to continue a run left --reject-dir out: the resumed run put its
    # rejected rows in the default folder, apart from those the interrupted run set aside.
    from arrowmig.status import runs_of

    target, rejects = str(tmp_path / "t.db"), tmp_path / "rejected rows"
    told = ("--tables", "events", "--on-error", "reject", "--reject-dir", str(rejects))
    proc = arrowmig("migrate", source, target, "--batch-rows", "100", *told)
    kill_after(proc, target, 2000)
    assert proc.returncode == -signal.SIGKILL, "the run ended before it could be interrupted"
    (run,) = runs_of(target)
    command = shlex.split(run["resume"])
    assert command[-5:] == ["--on-error", "reject", "--reject-dir", str(rejects), "--resume"]
    continued = arrowmig(*command[1:], "--progress", "none")
    _, err = continued.communicate(timeout=120)
    assert continued.returncode == 0, err.decode()
    assert sqlite_rows(target, "events", "id") == sqlite_rows(source, "events", "id")


def test_flags_that_change_the_result_are_part_of_the_run_id() -> None:
    from arrowmig.checkpoint import fingerprint
    from arrowmig.config import MigrationConfig

    def run_id(**options: object) -> str:
        return fingerprint("s.db", [], MigrationConfig(**options))[0]  # type: ignore[arg-type]

    plain, basis = fingerprint("s.db", [], MigrationConfig())
    # Left out at their defaults: a run interrupted by an earlier arrowmig keeps its id.
    assert "flags" not in basis
    assert len({plain, run_id(foreign_keys=False), run_id(profile=False)}) == 3
    assert run_id(mode="replace", keep_backup=True) != run_id(mode="replace")
    # --no-keys builds no foreign keys either: with or without --no-foreign-keys, one run.
    assert run_id(keys=False) == run_id(keys=False, foreign_keys=False)

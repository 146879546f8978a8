"""SIGINT and SIGTERM sent to a real ``arrowmig migrate`` process in the middle of a run:
committed batches stay in the target, the partial report is right, the exit code is 130/143.

The run is made slow enough to be caught in the middle by small batches (200 rows) of a
300,000-row SQLite table; each test waits until rows are committed before signalling.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

import duckdb
import pytest

from arrowmig.loading import staging_name
from tests.dbutil import duckdb_rows

ROWS = 300_000
ARROWMIG = (sys.executable, "-m", "arrowmig")


@pytest.fixture(scope="module")
def big_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("signals") / "big.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, b TEXT, c REAL)")
    con.execute(
        "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ?) "
        "INSERT INTO t SELECT i, i * 7, 'row ' || i, i * 0.5 FROM s",
        (ROWS,),
    )
    con.commit()
    con.close()
    return path


def _start(source: Path, target: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*ARROWMIG, "migrate", str(source), str(target), "--batch-rows", "200", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(stream: IO[str], pattern: str, deadline_s: float = 60.0) -> re.Match[str]:
    """Read lines until one matches (the process is running and has committed rows)."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        line = stream.readline()
        if not line:
            break
        match = re.search(pattern, line)
        if match:
            return match
    raise AssertionError(f"no line matching {pattern!r}")


def _wait_for_rows(proc: subprocess.Popen[str], rows: int) -> None:
    """Read the plain progress lines until table t has ``rows`` committed."""
    assert proc.stderr is not None
    while int(_wait_for(proc.stderr, r"running t: ([\d,]+)/").group(1).replace(",", "")) < rows:
        pass


def _finish(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=60)
    return proc.returncode, out, err


def _sqlite_count(path: Path) -> int:
    with sqlite3.connect(path) as con:
        return int(con.execute("SELECT count(*) FROM t").fetchone()[0])


def test_sigint_keeps_committed_batches_and_reports_them(big_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "out.duckdb"
    proc = _start(big_db, target, "--progress", "json", "--progress-interval", "0.2")
    assert proc.stdout is not None
    while True:
        event = json.loads(_wait_for(proc.stdout, r"^\{.*\}$").group(0))
        if event["event"] == "progress" and event["rows"] >= 20_000:
            break
    proc.send_signal(signal.SIGINT)
    code, out, err = _finish(proc)
    assert code == 130, err
    assert "Traceback" not in err
    summary = json.loads(out.splitlines()[-1])
    assert summary["event"] == "summary"
    report = summary["report"]
    assert report["interrupted"] == "SIGINT" and report["ok"] is False
    (table,) = report["tables"]
    assert table["status"] == "interrupted"
    committed = len(duckdb_rows(target, "t"))
    assert event["rows"] <= committed == table["rows"] == summary["rows"] < ROWS


def test_a_stopped_table_without_a_key_is_said_to_load_again_from_the_start(
    tmp_path: Path,
) -> None:
    # Said "committed rows are kept" before, while --resume loaded the table again from 0.
    source = tmp_path / "nokey.duckdb"
    con = duckdb.connect(str(source))
    con.execute(f"CREATE TABLE t AS SELECT range AS id, 'row ' || range AS b FROM range({ROWS})")
    con.close()
    target = tmp_path / "out.db"
    proc = _start(source, target, "--progress", "plain", "--progress-interval", "0.2")
    _wait_for_rows(proc, 2_000)
    proc.send_signal(signal.SIGTERM)
    code, _, err = _finish(proc)
    assert code == 143, err
    assert err.rstrip().endswith(
        "run the same command again with --resume (committed rows are kept, except those of "
        "'t': with no key to go on after, it loads again from the start); staging table kept "
        f"for it: t -> {staging_name('t')} (arrowmig status --clean drops it once the run can "
        "no longer be resumed)"
    )


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_to_a_sqlite_target_prints_a_partial_report(
    big_db: Path, tmp_path: Path, sig: signal.Signals
) -> None:
    target = tmp_path / "out.db"
    proc = _start(big_db, target, "--progress", "plain", "--progress-interval", "0.2")
    _wait_for_rows(proc, 20_000)
    proc.send_signal(sig)
    code, out, err = _finish(proc)
    assert code == {signal.SIGTERM: 143, signal.SIGINT: 130}[sig], err
    assert "Traceback" not in err and out == ""
    committed = _sqlite_count(target)
    assert 20_000 <= committed < ROWS
    total = re.search(r"INTERRUPTED: ([\d,]+) rows", err)
    assert total is not None, err
    assert int(total.group(1).replace(",", "")) == committed
    row = re.search(r"^t\s+([\d,]+)\s.*\binterrupted$", err, re.MULTILINE)
    assert row is not None and int(row.group(1).replace(",", "")) == committed
    # The way on is said where the run stopped.
    assert err.rstrip().endswith(
        "run the same command again with --resume (committed rows are kept)"
    )


def _run_state(target: Path) -> str | None:
    """The run's state as the SQLite target records it (None until it is recorded)."""
    with contextlib.closing(sqlite3.connect(target, timeout=5)) as con:
        try:
            found = con.execute(
                "SELECT state FROM _arrowmig_checkpoints WHERE table_name = '*'"
            ).fetchone()
        except sqlite3.OperationalError:  # not created yet
            return None
    return None if found is None else str(found[0])


VERIFIED_ROWS = 1_000_000


@pytest.fixture(scope="module")
def slow_to_verify(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A table whose checksum takes seconds: a signal sent once the run is complete lands in
    the verify, not in what the run does after marking itself complete (a few milliseconds)."""
    path = tmp_path_factory.mktemp("verify") / "wide.db"
    with contextlib.closing(sqlite3.connect(path)) as con:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, b TEXT, c REAL)")
        con.execute(
            "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ?) "
            "INSERT INTO t SELECT i, i * 7, 'row ' || i, i * 0.5 FROM s",
            (VERIFIED_ROWS,),
        )
        con.commit()
    return path


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_during_verify_of_a_finished_load_keeps_the_report(
    slow_to_verify: Path, tmp_path: Path, sig: signal.Signals
) -> None:
    # The report was lost (stderr, --json and the log file), and the one line said to
    # --resume "committed rows are kept", which then said there was nothing to resume.
    target, log = tmp_path / "out.db", tmp_path / "run.log"
    proc = _start(slow_to_verify, target, "--verify", "--json", "--log-file", str(log))
    end = time.monotonic() + 60
    while _run_state(target) != "complete" and time.monotonic() < end:
        time.sleep(0.005)
    time.sleep(0.3)  # past putting back the file's journal mode, into the verify
    assert proc.poll() is None, "the verify ended before the signal: make the table bigger"
    proc.send_signal(sig)
    code, out, err = _finish(proc)
    name = signal.Signals(sig).name
    assert code == {"SIGTERM": 143, "SIGINT": 130}[name], err
    assert "Traceback" not in err and "--resume (committed" not in err
    report = json.loads(out)
    assert report["exit_code"] == code and report["verify_interrupted"] == name
    assert report["interrupted"] is None and report["rows"] == VERIFIED_ROWS
    assert report["verify"]["not_verified"] == {
        "t": f"verify stopped by {name}: run `arrowmig verify` to check the copy"
    }
    assert f"VERIFY STOPPED BY {name} (the load had ended): 1,000,000 rows" in err
    assert "run `arrowmig verify` with the same source and target" in err
    assert _sqlite_count(target) == VERIFIED_ROWS
    logged = log.read_text()
    assert '"verify_interrupted": "' + name in logged and f"exit code {code}" in logged


def test_sigterm_before_the_streams_start_exits_143_without_a_traceback(
    big_db: Path, tmp_path: Path
) -> None:
    """A signal while the plan is made (the source is being profiled) stops the run too."""
    log = tmp_path / "run.log"
    proc = _start(big_db, tmp_path / "out.db", "--progress", "plain", "--log-file", str(log))
    end = time.monotonic() + 60
    while not (log.exists() and "config" in log.read_text()) and time.monotonic() < end:
        time.sleep(0.01)
    proc.send_signal(signal.SIGTERM)
    code, _out, err = _finish(proc)
    assert code == 143, err
    assert "Traceback" not in err
    assert "SIGTERM" in err or "INTERRUPTED" in err
    assert "SIGTERM" in log.read_text()


def _to_profile(path: Path, rows: int) -> Path:
    """Columns whose types only a scan of every value settles (dates, decimals, untyped):
    profiling them takes a while, in a statement of the main thread."""
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, at DATETIME, amount DECIMAL(12,2), v)")
    con.execute(
        "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ?) "
        "INSERT INTO t SELECT i, datetime(1600000000 + i, 'unixepoch'), i * 0.25, 'x' || i FROM s",
        (rows,),
    )
    con.commit()
    con.close()
    return path


@pytest.fixture(scope="module")
def slow_to_profile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _to_profile(tmp_path_factory.mktemp("signals") / "profile.db", 6_000_000)


@pytest.fixture(scope="module")
def profiled_then_loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Small enough to load in a few seconds on a loaded host (6M rows took over a minute),
    profiled still for hundreds of times as long as a signal takes to be sent."""
    return _to_profile(tmp_path_factory.mktemp("signals") / "loaded.db", 300_000)


def _interrupt_once_open(
    proc: subprocess.Popen[str],
    path: Path,
    settle_s: float = 0.2,
    sig: signal.Signals = signal.SIGINT,
) -> None:
    """``sig`` once the process has ``path`` open (it is reading it, past its imports), and
    ``settle_s`` later."""
    end = time.monotonic() + 60
    fds = Path(f"/proc/{proc.pid}/fd")
    while time.monotonic() < end and proc.poll() is None:
        try:
            if any(str(path) in str(fd.readlink()) for fd in fds.iterdir()):
                break
        except OSError:
            pass  # an fd closed while listed
        time.sleep(0.01)
    time.sleep(settle_s)
    assert proc.poll() is None, "the plan was made before the signal: make the source slower"
    proc.send_signal(sig)


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="needs /proc")
def test_ctrl_c_while_plan_profiles_is_an_interrupt_not_a_profiling_error(
    slow_to_profile: Path, tmp_path: Path
) -> None:
    # SQLite's driver cannot cancel a statement: the cancel that Ctrl-C asks for answered
    # NOT_IMPLEMENTED, which showed as "error: profiling 't': NOT_IMPLEMENTED", exit 1.
    proc = subprocess.Popen(
        [*ARROWMIG, "plan", str(slow_to_profile), str(tmp_path / "out.duckdb")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _interrupt_once_open(proc, slow_to_profile)
    code, _out, err = _finish(proc)
    assert code == 130, err
    assert err.strip() == "arrowmig: error: interrupted"


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="needs /proc")
def test_ctrl_c_while_migrate_plans_says_nothing_was_written(
    profiled_then_loaded: Path, tmp_path: Path
) -> None:
    source = profiled_then_loaded
    target = tmp_path / "out.duckdb"
    proc = _start(source, target, "--progress", "plain")
    # The run opens the source file first to plan: from then until it records itself, a
    # signal leaves nothing written.
    _interrupt_once_open(proc, source, settle_s=0)
    code, _out, err = _finish(proc)
    assert code == 130, err
    assert "Traceback" not in err and "--resume" not in err
    assert err.strip().endswith(
        "interrupted by SIGINT while planning, before this run wrote anything; "
        "run the same command again to start it"
    )
    # And so it does: the same command, run again, is not refused.
    again = _start(source, target, "--progress", "none", "--batch-rows", "100000")
    code, _out, err = _finish(again)
    assert code == 0, err
    assert len(duckdb_rows(target, "t")) == 300_000


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="needs /proc")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize("output", [("--json",), ("--progress", "json")])
def test_a_signal_while_migrate_plans_still_answers_json_on_stdout(
    profiled_then_loaded: Path, tmp_path: Path, sig: signal.Signals, output: tuple[str, ...]
) -> None:
    # stdout was empty: `migrate --json | jq .exit_code` read nothing, though an early error
    # gives its document and the README says it always reads a number.
    source, target = profiled_then_loaded, tmp_path / "out.duckdb"
    proc = _start(source, target, *output)
    # Once the target is open too, the plan profiles the source (a signal while DuckDB opens
    # is another matter).
    _interrupt_once_open(proc, target, settle_s=0.2, sig=sig)
    code, out, err = _finish(proc)
    expected = 130 if sig == signal.SIGINT else 143
    assert code == expected, err
    stopped = err.strip().splitlines()[-1].removeprefix("arrowmig: ")
    before_a_report = stopped.startswith(f"interrupted by {sig.name}")
    # Whenever the stop lands, stdout answers: the stop's own document while planning (no
    # report exists yet), else the report of what was done before it.
    if output == ("--json",):
        answer = json.loads(out)  # one document, whichever
        assert answer["exit_code"] == expected and answer["ok"] is False
        if before_a_report:
            assert answer["error"] == stopped
    else:
        answer = json.loads(out.splitlines()[-1])
        assert answer["event"] == "summary"
        if answer["report"] is None:
            assert before_a_report, err
        else:
            assert answer["report"]["exit_code"] == expected


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="needs /proc")
def test_a_signal_while_a_json_job_plans_still_answers_json_on_stdout(
    profiled_then_loaded: Path, tmp_path: Path
) -> None:
    # The job file asks for JSON, not the command line: its stop is answered alike.
    job = tmp_path / "job.toml"
    job.write_text(
        f"source = {str(profiled_then_loaded)!r}\ntarget = {str(tmp_path / 'out.duckdb')!r}\n"
        "json = true\n"
    )
    proc = subprocess.Popen(
        [*ARROWMIG, "run", str(job)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    _interrupt_once_open(proc, tmp_path / "out.duckdb")
    code, out, err = _finish(proc)
    assert code == 130, err
    assert json.loads(out)["exit_code"] == 130


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_to_verify_removes_its_temporary_files(
    big_db: Path, tmp_path: Path, sig: signal.Signals
) -> None:
    # SIGTERM (cron, systemd, timeout) killed verify on the spot, leaving
    # arrowmig-verify-*/diff.duckdb behind; a signal while both sides wrote into it left it too.
    import arrowmig

    copy = tmp_path / "copy.duckdb"
    assert arrowmig.migrate(str(big_db), str(copy)).ok
    temp = tmp_path / "tmp"
    temp.mkdir()
    proc = subprocess.Popen(
        [*ARROWMIG, "verify", str(big_db), str(copy), "--level", "diff"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": str(temp)},
    )
    end = time.monotonic() + 60
    while not list(temp.glob("arrowmig-verify-*/diff.duckdb")) and time.monotonic() < end:
        time.sleep(0.01)
    assert proc.poll() is None, "verify ended before the signal: make the table bigger"
    proc.send_signal(sig)
    code, out, err = _finish(proc)
    name = signal.Signals(sig).name
    assert (code, err.strip()) in (
        (143, "arrowmig: error: interrupted by SIGTERM"),
        (130, "arrowmig: error: interrupted"),
    ) and code == {"SIGTERM": 143, "SIGINT": 130}[name], err
    assert out == ""
    assert list(temp.iterdir()) == []


def _status(target: str) -> dict[str, object]:
    done = subprocess.run(
        [*ARROWMIG, "status", target, "--json"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    (run,) = json.loads(done.stdout)["runs"]
    assert isinstance(run, dict)
    return run


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_status_tells_a_live_run_from_a_dead_one_and_how_to_resume_it(
    big_db: Path, tmp_path: Path, kind: str, request: pytest.FixtureRequest
) -> None:
    # Both showed "running", hours after a kill -9; and nothing said how to resume.
    target = str(tmp_path / "out.db") if kind == "sqlite" else request.getfixturevalue("pg_url")
    plain = ("--progress", "plain", "--progress-interval", "0.2")
    proc = subprocess.Popen(
        # Small batches: a SQLite target copies by SQLite itself, and 200-row spans ended the
        # run between the two looks of a quiet host.
        [*ARROWMIG, "migrate", str(big_db), target, "--batch-rows", "20", *plain],
        stderr=subprocess.PIPE,
        text=True,
    )
    _wait_for_rows(proc, 2_000)
    live = _status(target)
    assert (live["state"], live["pid"], live["resume"]) == ("running", proc.pid, None)
    proc.kill()
    proc.communicate()
    dead = _status(target)
    assert (dead["state"], dead["pid"]) == ("interrupted", None)
    command = str(dead["resume"])
    assert command == f"arrowmig migrate {big_db} {target} --tables t --resume"
    # What it says works: the run goes on and completes.
    resumed = subprocess.run(
        [*ARROWMIG, *command.split()[1:], "--progress", "none"], capture_output=True, text=True
    )
    assert resumed.returncode == 0, resumed.stderr
    assert "resumed after" in resumed.stderr
    assert _status(target)["state"] == "complete"


def test_an_interrupted_generate_says_how_to_start_again(tmp_path: Path) -> None:
    target = tmp_path / "gen.duckdb"
    proc = subprocess.Popen(
        [*ARROWMIG, "generate", str(target), "--progress", "plain", "--progress-interval", "0.2"],
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    _wait_for(proc.stderr, r"running large_\w+: [1-9]")
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "--resume" not in err
    assert err.rstrip().endswith(
        "to start again, run the same command with --mode replace (the same rows again)"
    )


def test_a_resumed_run_reports_its_own_rate_not_the_whole_table_over_its_own_time(
    big_db: Path, tmp_path: Path
) -> None:
    # rows is the whole table (the interrupted run's rows too), bytes and seconds this run's:
    # rows/s was overstated (2,000,000 rows "in" 32 MiB).
    target = tmp_path / "out.db"
    proc = _start(big_db, target, "--progress", "plain", "--progress-interval", "0.2")
    _wait_for_rows(proc, 20_000)
    proc.send_signal(signal.SIGINT)
    assert _finish(proc)[0] == 130
    before = _sqlite_count(target)
    resumed = _start(big_db, target, "--resume", "--progress", "none", "--json")
    code, out, err = _finish(resumed)
    assert code == 0, err
    report = json.loads(out)
    (table,) = report["tables"]
    assert (report["rows"], report["rows_before"], table["rows_before"]) == (ROWS, before, before)
    assert table["rows_per_s"] == pytest.approx((ROWS - before) / table["seconds"], rel=0.01)
    assert f"{ROWS:,} rows ({before:,} of them committed by the interrupted run)" in err


def test_sigterm_while_duckdb_queries_in_the_main_thread_is_a_stop_not_an_error() -> None:
    # DuckDB runs the Python signal handler itself during its query, drops the StopRequested
    # it raised, and raises RuntimeError("Query interrupted"): verify reported that as a table
    # error (exit 2) instead of "interrupted by SIGTERM" (exit 143).
    import threading

    import duckdb

    from arrowmig.cli.signals import sigterm_stops
    from arrowmig.errors import StopRequested

    con = duckdb.connect()
    # DuckDB looks for a signal between its tasks and at the latest when the query ends
    # (about 1 s here): either way the query ends in "Query interrupted", never in a result.
    timer = threading.Timer(0.05, os.kill, (os.getpid(), signal.SIGTERM))
    timer.start()
    try:
        with pytest.raises(StopRequested) as stopped, sigterm_stops():
            con.execute("SELECT count(*) FROM range(400000000) t(i) WHERE i % 7 = 3").fetchall()
    finally:
        timer.cancel()
        con.close()
    assert stopped.value.signal_name == "SIGTERM"


class _Closable:
    def close(self) -> None:
        pass


def test_a_signal_during_the_streams_returns_only_after_every_worker_has_ended() -> None:
    # A signal that interrupted the main thread's wait let it print the report while a
    # worker still wrote (a join interrupted by a signal takes the thread for ended), and a
    # stream not yet begun still started.
    import _thread
    import threading

    from arrowmig.scheduler import Scheduler

    began: list[int] = []
    ended: list[int] = []
    release = threading.Event()

    def work(stream: int, _conns: object) -> int:
        began.append(stream)
        _thread.interrupt_main()  # Ctrl-C while the stream runs
        release.wait(0.5)  # still writing for a while after it
        ended.append(stream)
        return 0

    scheduler = Scheduler(1, _Closable, _Closable)  # type: ignore[arg-type]
    with pytest.raises(KeyboardInterrupt):
        scheduler.run([1, 2, 3], work, lambda _outcome, _conns: None)
    assert scheduler.stop.is_set()
    assert (began, ended) == ([1], [1])  # waited for; the others never begun


def test_a_workers_connections_are_closed_only_after_its_stream_stopped() -> None:
    # A DuckDB target died of a segfault (exit -11, nothing said) when SIGTERM came as the
    # first batches were written: a connection closed from the main thread while its worker
    # still wrote on it. The streams end first; only then are their connections closed.
    import _thread

    from arrowmig.scheduler import Scheduler

    events: list[str] = []

    class Recorded(_Closable):
        def close(self) -> None:
            events.append("closed")

        def stop(self) -> None:  # asked again and again until the worker ends
            if "stopped" not in events:
                events.append("stopped")

    def work(_stream: int, conns: Any) -> int:
        assert conns.source and conns.target  # opened on the worker, as a stream opens them
        _thread.interrupt_main()  # SIGTERM as the batch is written
        time.sleep(0.5)  # the write still going on
        events.append("written")
        return 0

    scheduler = Scheduler(2, Recorded, Recorded)  # type: ignore[arg-type]
    with pytest.raises(KeyboardInterrupt):
        scheduler.run([1], work, lambda _outcome, _conns: None)
    # The target's statement is cancelled while the worker still writes (a batch waiting for
    # a lock would otherwise keep the stop waiting); the connections are closed after it.
    assert events == ["stopped", "written", "closed", "closed"]


def test_ctrl_c_pressed_three_times_still_gives_the_report(big_db: Path, pg_url: str) -> None:
    # People press Ctrl-C repeatedly: the second one, raised while the stopped run recorded
    # itself, lost the report (--json printed only {"ok": false, ...}) with rows committed.
    proc = subprocess.Popen(
        [
            *ARROWMIG,
            "migrate",
            str(big_db),
            pg_url,
            "--batch-rows",
            "200",
            "--json",
            "--progress",
            "plain",
            "--progress-interval",
            "0.2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _wait_for_rows(proc, 20_000)
    for _ in range(3):
        proc.send_signal(signal.SIGINT)
        time.sleep(0.05)
    code, out, err = _finish(proc)
    assert code == 130, err
    assert "Traceback" not in err
    report = json.loads(out)
    assert report["interrupted"] == "SIGINT"
    (table,) = report["tables"]
    assert table["status"] == "interrupted" and 20_000 <= table["rows"] < ROWS
    assert "INTERRUPTED:" in err
    assert err.rstrip().endswith(
        "run the same command again with --resume (committed rows are kept)"
    )


def _signalled(signum: int) -> None:
    """Send ``signum`` to this process; its handler has run when this returns."""
    os.kill(os.getpid(), signum)
    time.sleep(0.01)  # a handler runs between two bytecodes of the main thread


def test_the_stop_pressed_again_is_left_to_wind_down(
    capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from arrowmig import stop_grace
    from arrowmig.cli.signals import sigterm_stops
    from arrowmig.errors import StopRequested

    monkeypatch.setattr(stop_grace, "GRACE_S", 3600.0)  # a stalled machine is still "again"

    with sigterm_stops():
        with pytest.raises(KeyboardInterrupt):
            _signalled(signal.SIGINT)
        # What the stop does next (the run's record, the report) is not cut short.
        try:
            _signalled(signal.SIGINT)
            _signalled(signal.SIGTERM)
        except (KeyboardInterrupt, StopRequested) as again:
            pytest.fail(f"the stop pressed again raised {again!r} in its wind-down")
    # Said of any command's stop: a run's stop as it plans, verify's and status's have no
    # report to follow, which it said.
    assert capfd.readouterr().err == (
        "arrowmig: stopping already, winding down (a Ctrl-C 5 s or more after the first gives "
        "up the rest of it, and any report)\n"
    )


def test_a_wind_down_that_takes_too_long_can_still_be_left(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from arrowmig import stop_grace
    from arrowmig.cli.signals import sigterm_stops

    with sigterm_stops():
        with pytest.raises(KeyboardInterrupt):
            _signalled(signal.SIGINT)
        monkeypatch.setattr(stop_grace, "GRACE_S", 0.0)  # as if the wind-down took that long
        with pytest.raises(KeyboardInterrupt):
            _signalled(signal.SIGINT)


def test_ctrl_c_stops_verify_within_a_table_not_after_it(tmp_path: Path) -> None:
    # verify waited for the source's checksum, then the target's, before it let a Ctrl-C
    # stop it: a table of 1.5M rows kept it going for a minute more (two against PostgreSQL).
    source, copy = tmp_path / "s.duckdb", tmp_path / "t.duckdb"
    with duckdb.connect(str(source)) as con:
        con.execute(
            "CREATE TABLE t AS SELECT i AS id, i::HUGEINT * 100000000000000000000 AS h,"
            " (i / 7.0)::DECIMAL(38,10) AS d, 'row ' || i AS s, [i, i + 1] AS l"
            " FROM range(1500000) r(i)"
        )
        con.execute(f"ATTACH '{copy}' AS c; COPY FROM DATABASE s TO c")
    proc = subprocess.Popen(
        [*ARROWMIG, "verify", str(source), str(copy)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(3)  # well into the table's checksums
    assert proc.poll() is None, "verify ended before the signal: make the table bigger"
    signalled = time.monotonic()
    proc.send_signal(signal.SIGINT)
    code, _, err = _finish(proc)
    assert (code, err.strip()) == (130, "arrowmig: error: interrupted")
    assert time.monotonic() - signalled < 3.0

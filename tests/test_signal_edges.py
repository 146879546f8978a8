"""SIGINT and SIGTERM sent to a real ``arrowmig`` process at the edges of its work: while the
command still loads its modules, once its report is final, and to ``bench`` while it waits for
a measurement's child. The exit status is always the one stdout's JSON and stderr's line say.

No timing: each signal is sent at a moment the process is seen to be in (a library mapped
while it loads, its report said on stderr while stdout, not read, holds back its end).
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import psycopg
import pytest

from tests.dbutil import pg_exec, pg_rows, sqlite_rows, waiting_pid

COMMAND = str(Path(sys.executable).parent / "arrowmig")
EXIT = {signal.SIGINT: 130, signal.SIGTERM: 143}

pytestmark = pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs /proc")


def _tables(path: Path, count: int, rows: int = 3) -> Path:
    con = sqlite3.connect(path)
    for i in range(count):
        con.execute(f"CREATE TABLE t{i:02d} (id INTEGER PRIMARY KEY, v TEXT)")
        con.executemany(f"INSERT INTO t{i:02d} VALUES (?, ?)", [(r, f"v{r}") for r in range(rows)])
    con.commit()
    con.close()
    return path


def _start(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([COMMAND, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _finish(proc: subprocess.Popen[bytes]) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out.decode(), err.decode()


def _until(ready: object, proc: subprocess.Popen[bytes], what: str) -> None:
    end = time.monotonic() + 60
    while time.monotonic() < end and proc.poll() is None:
        if callable(ready) and ready():
            return
        time.sleep(0.001)
    raise AssertionError(f"never {what} (exit {proc.poll()})")


def _loading_pyarrow(pid: int) -> bool:
    """pyarrow's library is mapped: the command is loading its modules (a second to go)."""
    try:
        return "libarrow" in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


# -- while the command loads --------------------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
@pytest.mark.parametrize("output", [("--json",), ("--progress", "json"), ()])
def test_a_signal_while_the_command_loads_still_answers(
    tmp_path: Path, sig: signal.Signals, output: tuple[str, ...]
) -> None:
    # SIGTERM killed the loading command outright: nothing on stdout for `| jq .exit_code`,
    # no line on stderr; Ctrl-C said its line but gave --json no document.
    source, target = _tables(tmp_path / "s.db", 1), tmp_path / "t.duckdb"
    proc = _start("migrate", str(source), str(target), *output)
    _until(lambda: _loading_pyarrow(proc.pid), proc, "loaded pyarrow")
    proc.send_signal(sig)
    code, out, err = _finish(proc)
    stopped = f"interrupted by {sig.name} while starting, before anything was written"
    assert (code, err) == (EXIT[sig], f"arrowmig: error: {stopped}\n")
    expected = {"ok": False, "exit_code": EXIT[sig], "error": stopped}
    if output == ("--json",):
        assert json.loads(out) == expected
    elif output:
        (summary,) = map(json.loads, out.splitlines())
        assert summary["event"] == "summary" and summary["report"] is None
        assert summary.items() >= expected.items() and {"ts", "rows", "table"} <= set(summary)
    else:
        assert out == ""
    assert not target.exists()


# -- once the report is final -------------------------------------------------------------


def _small_pipe(stream: IO[bytes] | None) -> None:
    """Stdout's pipe as small as Linux makes one (a page): a report longer than that, not
    read, holds the command in its last write, with everything else done."""
    assert stream is not None
    fcntl.fcntl(stream.fileno(), fcntl.F_SETPIPE_SZ, 4096)


def _read_until(stream: IO[bytes] | None, marker: bytes) -> bytes:
    assert stream is not None
    seen = b""
    while marker not in seen:
        chunk = os.read(stream.fileno(), 256)
        if not chunk:
            raise AssertionError(f"no {marker!r} in {seen[-500:]!r}")
        seen += chunk
    return seen


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_once_the_report_is_said_leaves_the_runs_exit_code(
    tmp_path: Path, sig: signal.Signals
) -> None:
    # The document said exit_code 0, the process exited 143 (its end of the JSON cut off
    # when the signal came while stdout's reader was slow): the run was complete.
    source, target = _tables(tmp_path / "s.db", 20), tmp_path / "t.db"
    proc = _start("migrate", str(source), str(target), "--json", "--progress", "none")
    _small_pipe(proc.stdout)
    # The text report, on stderr, ends with its "done:" line; then comes the document,
    # longer than the pipe, which is not read yet.
    said = _read_until(proc.stderr, b"\ndone: ")
    proc.send_signal(sig)
    code, out, err = _finish(proc)
    report = json.loads(out)
    assert (code, report["exit_code"], report["ok"]) == (0, 0, True), said.decode() + err
    assert len(out) > 4096 and len(report["tables"]) == 20
    assert all(len(sqlite_rows(target, f"t{i:02d}")) == 3 for i in range(20))


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_as_the_summary_event_is_written_leaves_the_runs_exit_code(
    tmp_path: Path, sig: signal.Signals
) -> None:
    # The summary line is the run's report; the run still closes its target after it. A stop
    # there made the command exit 143 under a summary that said 0, or cut the line short.
    source, target = _tables(tmp_path / "s.db", 40), tmp_path / "t.duckdb"
    proc = _start("migrate", str(source), str(target), "--progress", "json")
    _small_pipe(proc.stdout)
    before = _read_until(proc.stdout, b'{"event": "summary"')
    proc.send_signal(sig)
    code, out, err = _finish(proc)
    summary = json.loads((before + out.encode()).splitlines()[-1])
    assert len(out) > 4096, "the summary line was not held back by the pipe: make it longer"
    assert (code, summary["exit_code"], summary["report"]["ok"]) == (0, 0, True), err


def test_a_signal_once_the_command_has_ended_leaves_its_exit_status(tmp_path: Path) -> None:
    # The console script's own steps (arrowmig.cli.run), then a signal as the process ends:
    # the loading handler, put back, answered again ("while starting", exit 143) under the
    # plan; and once Python's finalization has put SIG_DFL back, the signal killed it.
    source = _tables(tmp_path / "s.db", 1)
    argv = ["arrowmig", "plan", str(source), str(tmp_path / "t.duckdb"), "--json"]
    script = (
        f"import os, signal, sys; sys.argv = {argv!r}\n"
        "from arrowmig.cli import main\n"
        "code = main()\n"
        "os.kill(os.getpid(), signal.SIGTERM)\n"
        "os.kill(os.getpid(), signal.SIGINT)\n"
        "sys.exit(code)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert [t["name"] for t in json.loads(proc.stdout)["tables"]] == ["t00"]
    assert proc.stderr == ""


# -- a signal ignored as the command starts ---------------------------------------------------


def _started_with_sigint_ignored(*args: str) -> subprocess.Popen[bytes]:
    """The command started as a script's `arrowmig ... &` is: with SIGINT ignored, so that
    the terminal's Ctrl-C leaves it running."""
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)  # inherited by the child
    try:
        return _start(*args)
    finally:
        signal.signal(signal.SIGINT, before)


@pytest.mark.postgres
def test_sigint_ignored_as_the_command_starts_stays_ignored_for_the_whole_run(
    tmp_path: Path, pg_url: str
) -> None:
    # Ignored while the command loaded, SIGINT stopped the run once the command's own handler
    # was in place: the same `kill -INT` was lost in the first second and ended the run
    # (exit 130) later.
    source = _tables(tmp_path / "s.db", 1)
    pg_exec(pg_url, "CREATE TABLE t00 (id bigint PRIMARY KEY, v text)")
    with psycopg.connect(pg_url) as con:
        con.execute("LOCK TABLE t00 IN SHARE MODE")  # holds up its first batch
        proc = _started_with_sigint_ignored(
            "migrate", str(source), pg_url, "--mode", "append", "--json"
        )
        _until(lambda: _loading_pyarrow(proc.pid), proc, "loaded pyarrow")
        proc.send_signal(signal.SIGINT)
        waiting_pid(pg_url, "relation = 't00'::regclass", proc)
        proc.send_signal(signal.SIGINT)
    code, out, err = _finish(proc)
    assert (code, json.loads(out)["exit_code"]) == (0, 0), err
    assert pg_rows(pg_url, "t00", "id") == [(0, "v0"), (1, "v1"), (2, "v2")]


# -- bench ------------------------------------------------------------------------------------


def _measurements(pid: int) -> list[int]:
    """The children of ``pid`` that are bench measurements (``python -m arrowmig.ceilings``...)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            argv = (stat.parent / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if parent == pid and any(arg.startswith(b"arrowmig.") for arg in argv):
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_sigterm_to_bench_says_so_and_ends_the_run_it_waits_for(tmp_path: Path) -> None:
    # bench put its own SIGTERM handler over the command's: SystemExit(143), no line, and
    # --json no document.
    source = _tables(tmp_path / "s.db", 2, rows=200)
    out = tmp_path / "out"
    proc = _start(
        "bench", "--source", f"sqlite:///{source}", "--target", "sqlite", "--repeat", "1",
        "--batch-rows", "100", "--parallel", "1", "--no-stages", "--json", "--out", str(out),
    )  # fmt: skip
    children: list[int] = []
    _until(lambda: bool(children.extend(_measurements(proc.pid)) or children), proc, "measured")
    proc.send_signal(signal.SIGTERM)
    code, stdout, err = _finish(proc)
    assert code == 143, err
    assert err.splitlines()[-1] == "arrowmig: error: interrupted by SIGTERM"
    assert json.loads(stdout) == {"ok": False, "exit_code": 143, "error": "interrupted by SIGTERM"}
    assert not any(map(_alive, children))
    assert not (out / "bench.json").exists()

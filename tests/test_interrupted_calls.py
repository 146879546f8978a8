"""Ctrl-C during ``arrowmig.migrate``, ``verify`` or ``generate`` called from a program: the
call raises ``arrowmig.Interrupted``, a KeyboardInterrupt, once it has cleaned up, so that
the program stops as it does for Ctrl-C anywhere (README "From Python"). The command line,
which prints the stopped run's report, keeps its exit codes (tests/test_signals.py)."""

from __future__ import annotations

import importlib
import inspect
import os
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from types import FrameType

import pytest

import arrowmig
from arrowmig import BatchConfig, Event, MigrationConfig
from arrowmig.duckdb_connection import connect_duckdb
from arrowmig.errors import StopRequested
from tests.dbutil import rows_of, sqlite_table

ROWS = 20_000
CONFIG = MigrationConfig(batch=BatchConfig(batch_rows=1_000), parallel=1)


def _source(folder: Path) -> str:
    rows = [(i, f"v{i}") for i in range(1, ROWS + 1)]
    return sqlite_table(folder / "s.db", "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)", rows)


def _ctrl_c_at(kind: str) -> tuple[list[Event], arrowmig.ProgressSink]:
    """A progress callback that presses Ctrl-C (SIGINT to this process) at the first ``kind``
    event; the events it saw."""
    seen: list[Event] = []

    def on_event(event: Event) -> None:
        seen.append(event)
        if event.event == kind and sum(e.event == kind for e in seen) == 1:
            os.kill(os.getpid(), signal.SIGINT)

    return seen, on_event  # type: ignore[return-value]


def test_ctrl_c_mid_run_stops_a_loop_of_migrate_calls(tmp_path: Path) -> None:
    source = _source(tmp_path)
    _, on_event = _ctrl_c_at("progress")
    started: list[str] = []
    with pytest.raises(KeyboardInterrupt) as stopped:
        for name in ("a.duckdb", "b.duckdb"):
            started.append(name)
            arrowmig.migrate(source, str(tmp_path / name), config=CONFIG, progress=on_event)
    assert started == ["a.duckdb"]  # the loop's next call did not run
    assert isinstance(stopped.value, arrowmig.Interrupted)
    report = stopped.value.report
    assert report is not None and report.interrupted == "SIGINT"
    assert not stopped.value.nothing_written
    assert str(report).endswith("interrupted by SIGINT)")
    committed = len(rows_of(str(tmp_path / "a.duckdb"), "t"))
    assert report.rows == committed  # what the report says is in, is
    resumed = arrowmig.migrate(
        source, str(tmp_path / "a.duckdb"), config=replace(CONFIG, resume=True)
    )
    assert resumed.ok and len(rows_of(str(tmp_path / "a.duckdb"), "t")) == ROWS


def test_ctrl_c_while_planning_raises_interrupted_not_the_engine_s_stop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _source(tmp_path)

    def ctrl_c(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt  # as Ctrl-C lands while the plan is drawn

    # arrowmig.migrate is the function: the module is in sys.modules.
    monkeypatch.setattr(importlib.import_module("arrowmig.migrate"), "build_plan", ctrl_c)
    with pytest.raises(KeyboardInterrupt) as stopped:
        arrowmig.migrate(source, str(tmp_path / "t.duckdb"))
    assert type(stopped.value) is arrowmig.Interrupted
    assert not isinstance(stopped.value, StopRequested)
    assert stopped.value.nothing_written and stopped.value.report is None
    assert str(stopped.value) == "interrupted by SIGINT before anything was written"


def test_ctrl_c_stops_verify_and_generate_alike(tmp_path: Path) -> None:
    source = _source(tmp_path)
    target = str(tmp_path / "t.duckdb")
    assert arrowmig.migrate(source, target).ok
    _, on_event = _ctrl_c_at("start")
    with pytest.raises(KeyboardInterrupt) as stopped:
        arrowmig.verify(source, target, progress=on_event)
    assert isinstance(stopped.value, arrowmig.Interrupted)
    assert stopped.value.signal_name == "SIGINT" and stopped.value.report is None

    _, on_event = _ctrl_c_at("progress")
    with pytest.raises(KeyboardInterrupt) as stopped:
        arrowmig.generate(
            str(tmp_path / "g.duckdb"),
            tables=["large_players"],
            rows={"large_players": ROWS},
            config=CONFIG,
            progress=on_event,
        )
    assert isinstance(stopped.value, arrowmig.Interrupted)
    report = stopped.value.report
    assert report is not None and report.interrupted == "SIGINT"


def _ctrl_c_as_duckdb_opens(path: str) -> Callable[[FrameType, str, object], object]:
    """A trace function that presses Ctrl-C once DuckDB has opened the file ``path``, made it
    when it was new, and the connection is not yet the run's: as its first statement runs."""
    lines, first = inspect.getsourcelines(connect_duckdb)
    statement = first + next(i for i, ln in enumerate(lines) if "enable_progress_bar" in ln)

    def trace(frame: FrameType, event: str, _arg: object) -> object:
        if event == "call":
            opening = frame.f_code is connect_duckdb.__code__ and frame.f_locals["path"] == path
            return trace if opening else None
        if event == "line" and frame.f_lineno == statement:
            sys.settrace(None)
            os.kill(os.getpid(), signal.SIGINT)
        return trace

    return trace


def test_ctrl_c_as_a_new_duckdb_target_opens_leaves_no_file(tmp_path: Path) -> None:
    # The interrupt said "before anything was written", and left the new file behind, empty.
    source, target = _source(tmp_path), str(tmp_path / "t.duckdb")
    sys.settrace(_ctrl_c_as_duckdb_opens(target))
    try:
        with pytest.raises(KeyboardInterrupt) as stopped:
            arrowmig.migrate(source, target)
    finally:
        sys.settrace(None)
    assert isinstance(stopped.value, arrowmig.Interrupted) and stopped.value.nothing_written
    assert not Path(target).exists()
    # Nothing of it is left open either: the next call makes the file and fills it.
    assert arrowmig.migrate(source, target).ok
    assert len(rows_of(target, "t")) == ROWS


def _signal_set_up() -> tuple[object, int, set[str]]:
    """What a call could leave changed in the process: ADBC's Ctrl-C handling, the signal
    wakeup fd, the threads."""
    import adbc_driver_manager.dbapi as dbapi

    wakeup_fd = signal.set_wakeup_fd(-1)
    signal.set_wakeup_fd(wakeup_fd)
    return dbapi._blocking_call, wakeup_fd, {t.name for t in threading.enumerate()}


def test_a_call_leaves_the_process_s_signal_set_up_as_it_found_it(tmp_path: Path) -> None:
    """migrate() left its wakeup fd, its watcher thread and its stand-in for ADBC's Ctrl-C
    handling in the program: the program's own ADBC statements then raised KeyboardInterrupt
    for a Ctrl-C, where ADBC cancels them (OperationalError), and trio warns of the fd."""
    source = _source(tmp_path)  # read through ADBC on the main thread (the plan's statements)
    before = _signal_set_up()
    assert "arrowmig-ctrl-c" not in before[2]
    arrowmig.migrate(source, str(tmp_path / "t.duckdb"))
    assert _signal_set_up() == before
    # Ctrl-C still stops the next call, with what it needs set up again for the call.
    _, on_event = _ctrl_c_at("progress")
    with pytest.raises(KeyboardInterrupt) as stopped:
        arrowmig.migrate(source, str(tmp_path / "u.duckdb"), config=CONFIG, progress=on_event)
    assert isinstance(stopped.value, arrowmig.Interrupted)
    assert _signal_set_up() == before

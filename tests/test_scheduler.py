"""Scheduler logic with the in-memory endpoint double: order (largest stream first), key-range
splitting, failure isolation, retries, the memory budget, and a state machine checking that
the rows metered are always the rows written. The target of the end-to-end cases is a real
SQLite file; the double only replaces the source (and, in pipeline cases, the target).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from arrowmig.balance import fit_to_workers, last_worker_done
from arrowmig.cli.migrate import exit_code
from arrowmig.config import BatchConfig, MigrationConfig
from arrowmig.errors import TransferError, TransientError
from arrowmig.migrate import transfer
from arrowmig.model import Column, KeyRange, Table
from arrowmig.pipeline import StreamSettings, copy_stream
from arrowmig.plan import Stream, TablePlan, plan_streams
from arrowmig.scheduler import MemoryBudget, Scheduler, StreamOutcome, WorkerConnections
from arrowmig.schemas import SeveralPlans
from tests.memory_endpoint import Faults, MemoryStore, copy_whole_table, make_table

FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _run(
    store: MemoryStore, target: Path, *, parallel: int = 1, split_rows: int = 1000, **kw: Any
) -> Any:
    config = MigrationConfig(
        mode="replace",
        parallel=parallel,
        split_rows=split_rows,
        batch=BatchConfig(batch_rows=kw.pop("batch_rows", 50)),
        **kw,
    )
    events: list[Any] = []
    report = transfer(store.open, str(target), config=config, progress=events.append)
    return report, events


# -- order ------------------------------------------------------------------------------------


def test_streams_run_largest_first(tmp_path: Path) -> None:
    # "mid" (350 rows) is smaller than "big" (900) but larger than each of big's 3 streams.
    store = MemoryStore({"small": make_table(30), "big": make_table(900), "mid": make_table(350)})
    report, _ = _run(store, tmp_path / "t.db", parallel=1, split_rows=400)
    assert report.ok, report.to_dict()
    assert [(name, r or KeyRange()) for name, r, _ in store.reads] == [
        ("mid", KeyRange()),
        ("big", KeyRange(None, 300)),
        ("big", KeyRange(300, 600)),
        ("big", KeyRange(600, None)),
        ("small", KeyRange()),
    ]
    assert {t.name: (t.rows, t.streams) for t in report.tables} == {
        "big": (900, 3),
        "mid": (350, 1),
        "small": (30, 1),
    }


def test_parallel_workers_start_with_the_largest_streams(tmp_path: Path) -> None:
    store = MemoryStore({f"t{n}": make_table(n * 100) for n in range(1, 7)})
    for name in store.source:
        store.faults[name] = Faults(read_delay_s=0.002)
    report, _ = _run(store, tmp_path / "t.duckdb", parallel=2)
    assert report.ok, [(t.name, t.status, t.error) for t in report.tables]
    first_two = {name for name, _, _ in store.reads[:2]}
    assert first_two == {"t6", "t5"}
    assert len({thread for _, _, thread in store.reads}) == 2


# -- splitting --------------------------------------------------------------------------------


def _plan(rows: int | None, split_key: str | None = "id") -> TablePlan:
    table = Table("t", (Column("id", pa.int64()),), row_count=rows, split_key=split_key)
    return TablePlan(source=table, target=table, action="create")


@FAST
@given(
    rows=st.integers(1, 5000),
    lo=st.integers(-1000, 1000),
    spread=st.integers(0, 20_000),
    split_rows=st.integers(1, 3000),
)
def test_plan_streams_cover_the_key_space_once(
    rows: int, lo: int, spread: int, split_rows: int
) -> None:
    hi = lo + spread
    count = -(-rows // split_rows)
    streams = plan_streams(_plan(rows), (lo, hi), count)
    if rows <= split_rows:
        assert len(streams) == 1 and streams[0].key_range is None
        return
    assert len(streams) == min(count, hi - lo + 1)
    ranges = [s.key_range for s in streams]
    assert all(r is not None for r in ranges)
    assert ranges[0].after is None and ranges[-1].upto is None  # type: ignore[union-attr]
    for a, b in itertools.pairwise(ranges):
        assert a is not None and b is not None
        assert a.upto == b.after  # contiguous, no gap and no overlap
    inner = [lo - 1] + [r.upto for r in ranges[:-1]] + [hi]  # type: ignore[union-attr]
    assert inner == sorted(inner) and len(set(inner)) == len(inner)  # no empty range
    assert [s.index for s in streams] == list(range(len(streams)))
    assert {s.count for s in streams} == {len(streams)}
    assert streams[0].name == ("t" if len(streams) == 1 else f"t[1/{len(streams)}]")


def test_plan_streams_keeps_tables_without_key_or_count_whole() -> None:
    assert len(plan_streams(_plan(10_000, split_key=None), (1, 10_000), 100)) == 1
    assert len(plan_streams(_plan(None), (1, 10_000), 100)) == 1
    assert len(plan_streams(_plan(10_000), None, 100)) == 1


@FAST
@given(
    rows=st.integers(0, 400),
    step=st.integers(1, 7),
    split_rows=st.integers(1, 150),
    batch_rows=st.integers(1, 80),
)
def test_split_streams_read_every_row_exactly_once(
    tmp_path_factory: pytest.TempPathFactory, rows: int, step: int, split_rows: int, batch_rows: int
) -> None:
    store = MemoryStore({"t": make_table(rows, start=-50, step=step)})
    target = tmp_path_factory.mktemp("split") / "t.db"
    report, _ = _run(store, target, parallel=2, split_rows=split_rows, batch_rows=batch_rows)
    assert report.ok, report.to_dict()
    assert report.tables[0].rows == rows
    import sqlite3

    with sqlite3.connect(target) as con:
        got = [r[0] for r in con.execute("SELECT id FROM t ORDER BY id")]
    assert got == make_table(rows, start=-50, step=step).column("id").to_pylist()


# -- streams fitted to the workers --------------------------------------------------------------


@pytest.mark.parametrize(
    ("tables", "workers", "counts"),
    [
        # 3 streams on 2 workers: the last one ran alone for a third of the table.
        ([(150_000, 3)], 2, [4]),
        ([(150_000, 3)], 1, [3]),
        ([(150_000, 3)], 3, [3]),
        ([(1_000, 7)], 3, [9]),
        ([(5_000_000, 5)], 4, [8]),
        # phase3 (arrowmig generate): the others fill the second worker already.
        (
            [(2_000_000, 2), (500_000, 1), (399_920, 1), (50_000, 1), (10_000, 1)],
            2,
            [2, 1, 1, 1, 1],
        ),
        (
            [(2_000_000, 2), (500_000, 1), (399_920, 1), (50_000, 1), (10_000, 1)],
            3,
            [2, 1, 1, 1, 1],
        ),
        # A table of one stream's rows ends with the third stream: 4 would end later.
        ([(2_500_000, 3), (1_000_000, 1)], 2, [3, 1]),
        ([(2_500_000, 3), (2_500_000, 3)], 2, [3, 3]),  # six streams, three each
        ([(900_000, 1)], 2, [1]),  # below --split-rows: whole, as the option says
        ([(3, 3)], 2, [3]),  # never more streams than rows
    ],
)
def test_a_split_tables_streams_fit_the_workers(
    tables: list[tuple[int, int]], workers: int, counts: list[int]
) -> None:
    assert fit_to_workers(tables, workers) == counts


@FAST
@given(
    tables=st.lists(
        st.integers(1, 5_000_000).flatmap(lambda rows: st.tuples(st.just(rows), st.integers(1, 8))),
        min_size=1,
        max_size=8,
    ),
    workers=st.integers(1, 6),
)
def test_fitted_streams_never_end_the_run_later(
    tables: list[tuple[int, int]], workers: int
) -> None:
    tables = sorted(tables, reverse=True)  # the plan's order: largest first
    counts = fit_to_workers(tables, workers)
    for (rows, fewest), count in zip(tables, counts, strict=True):
        assert count == fewest if fewest < 2 or workers < 2 else fewest <= count < fewest + workers
        assert count <= max(fewest, rows)
    fewest = [n for _, n in tables]
    assert last_worker_done(tables, counts, workers) <= last_worker_done(tables, fewest, workers)


def test_both_workers_read_the_last_quarter_of_a_table_split_for_them(tmp_path: Path) -> None:
    """900 rows at --split-rows 400 were 3 streams: on 2 workers the third ran alone."""
    store = MemoryStore({"big": make_table(900)})
    store.faults["big"] = Faults(read_delay_s=0.002)
    report, events = _run(store, tmp_path / "t.db", parallel=2, split_rows=400)
    assert report.ok, report.to_dict()
    assert report.tables[0].streams == 4
    assert sorted(((r or KeyRange()).after or 0) for _, r, _ in store.reads) == [0, 225, 450, 675]
    assert len({thread for _, _, thread in store.reads}) == 2
    streams = {e.stream for e in events if e.event == "progress"}
    assert streams == {f"big[{i}/4]" for i in range(1, 5)}


def test_the_plan_shows_the_streams_the_run_reads(tmp_path: Path) -> None:
    import sqlite3

    from arrowmig.migrate import explain, migrate

    source = tmp_path / "s.db"
    with sqlite3.connect(source) as con:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        con.executemany("INSERT INTO t VALUES (?, ?)", [(i, f"v{i}") for i in range(1, 901)])
    con.close()
    target = str(tmp_path / "t.duckdb")
    config = MigrationConfig(split_rows=400, parallel=2)
    planned = explain(str(source), target, config=config)
    assert not isinstance(planned, SeveralPlans)
    shown = planned.to_dict()["tables"][0]
    assert [s["range"] for s in shown["streams"]] == [
        "(-inf, 225]",
        "(225, 450]",
        "(450, 675]",
        "(675, +inf]",
    ]
    assert (
        "read in 4 streams rather than 3, so that the 2 workers (--parallel) finish together"
        in (shown["notes"])
    )
    report = migrate(str(source), target, config=config)
    assert report.ok and report.tables[0].streams == 4 and report.rows == 900
    one = explain(str(source), str(tmp_path / "u.duckdb"), config=replace(config, parallel=1))
    assert not isinstance(one, SeveralPlans)
    assert len(one.tables[0].streams) == 3
    assert not any("streams rather than" in n for n in one.tables[0].notes)


# -- failure isolation -------------------------------------------------------------------------


def test_a_failing_stream_fails_its_table_only(tmp_path: Path) -> None:
    store = MemoryStore(
        {"good": make_table(300), "bad": make_table(200), "also_good": make_table(120)}
    )
    store.faults["bad"] = Faults(read_fatal_at=2)
    report, events = _run(store, tmp_path / "t.duckdb", parallel=2)
    status = {t.name: (t.status, t.rows) for t in report.tables}
    # --mode replace loads through staging tables: bad's 100 committed rows never reached it.
    assert status == {"good": ("done", 300), "also_good": ("done", 120), "bad": ("failed", 0)}
    bad = next(t for t in report.tables if t.name == "bad")
    assert any("the 100 rows it loaded went into its staging table" in n for n in bad.notes)
    assert bad.error is not None and "injected failure" in bad.error
    assert report.failed == [bad] and not report.ok and report.interrupted is None
    assert exit_code(report) == 1
    errors = [e for e in events if e.event == "error"]
    assert [(e.table, e.stream) for e in errors] == [("bad", "bad")]
    assert {e.table for e in events if e.event == "table_done"} == {"good", "also_good"}


def test_one_failing_stream_of_a_split_table_fails_that_table(tmp_path: Path) -> None:
    store = MemoryStore({"split": make_table(600), "other": make_table(90)})
    store.faults["split"] = Faults(read_fatal_at=1)  # every stream of "split" breaks
    report, _ = _run(store, tmp_path / "t.duckdb", parallel=2, split_rows=200)
    status = {t.name: t.status for t in report.tables}
    assert status == {"split": "failed", "other": "done"}
    assert exit_code(report) == 1


def test_cli_exit_code_1_when_one_table_fails_and_the_others_finish(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Real databases: a value that cannot take its --cast type fails its table only."""
    import json
    import sqlite3

    from arrowmig.cli import main
    from tests.dbutil import duckdb_rows

    source = tmp_path / "src.db"
    with sqlite3.connect(source) as con:
        for name in ("bad", "good", "other"):
            con.execute(f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, v TEXT)")
            con.executemany(
                f"INSERT INTO {name} VALUES (?, ?)",
                [(i, "N/A" if name == "bad" and i == 1500 else str(i)) for i in range(1, 2001)],
            )
    target = tmp_path / "out.duckdb"
    args = ["migrate", str(source), str(target), "--cast", "bad.v=integer", "--cast"]
    args += ["good.v=integer", "--batch-rows", "500", "--parallel", "2", "--progress", "json"]
    code = main(args)
    out, _err = capsys.readouterr()
    assert code == 1
    events = [json.loads(line) for line in out.splitlines()]
    report = events[-1]["report"]
    status = {t["name"]: (t["status"], t["rows"]) for t in report["tables"]}
    # 'bad' keeps the batches of 500 rows before the one holding id 1500.
    assert status == {"bad": ("failed", 1000), "good": ("done", 2000), "other": ("done", 2000)}
    assert report["failed"] == ["bad"] and report["ok"] is False
    (error,) = [e for e in events if e["event"] == "error"]
    assert error["table"] == "bad" and "id 1500" in error["message"]
    assert len(duckdb_rows(target, "good")) == len(duckdb_rows(target, "other")) == 2000


def test_sqlite_target_writes_after_a_read_while_another_worker_commits(tmp_path: Path) -> None:
    """What loading.finish does (table_exists, then put in place) while another worker of the
    same run commits a batch into the same SQLite file: made deterministic here."""
    from arrowmig.endpoints import open_endpoint

    path = str(tmp_path / "t.db")
    t = Table("t", (Column("id", pa.int64()),))
    u = Table("u", (Column("id", pa.int64()),))
    batch = pa.record_batch([pa.array([1, 2, 3], pa.int64())], names=["id"])
    with open_endpoint(path, create=True) as a, open_endpoint(path, create=True) as b:
        a.create_table(t)
        b.create_table(u)
        a.write_batch(t, batch)
        assert a.table_exists("t")  # a read on a
        b.write_batch(u, batch)  # another connection commits
        a.run_in_transaction(['CREATE INDEX "t_id" ON "t" ("id")'], "indexing", "t")
    import sqlite3

    with sqlite3.connect(path) as con:
        assert con.execute("SELECT count(*) FROM pragma_index_list('t')").fetchone() == (1,)


class FlakyTarget:
    """A real target endpoint whose first writes of some batches lose their "connection"."""

    def __init__(self, real: Any, transient: dict[int, int], calls: list[int]) -> None:
        self._real = real
        self._transient = transient
        self._calls = calls  # shared by every connection: successful writes so far

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def __enter__(self) -> FlakyTarget:
        return self

    def __exit__(self, *exc: object) -> None:
        self._real.close()

    def write_batch(self, table: Table, batch: Any, **kw: Any) -> None:
        number = len(self._calls)
        if self._transient.get(number, 0) > 0:
            self._transient[number] -= 1
            raise TransientError(f"writing {table.name!r}: injected connection loss")
        self._real.write_batch(table, batch, **kw)
        self._calls.append(number)


def test_transient_write_errors_are_retried_and_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib

    import arrowmig.pipeline

    engine = importlib.import_module("arrowmig.migrate")  # the package exports a function
    real_open = engine.open_target
    transient, calls = {0: 1, 2: 2}, []
    monkeypatch.setattr(
        engine,
        "open_target",
        lambda target, config: FlakyTarget(real_open(target, config), transient, calls),
    )
    # The wait before a retry is random up to 0.5 * 2**attempt seconds: none here.
    monkeypatch.setattr(arrowmig.pipeline.random, "uniform", lambda a, b: 0.0)
    store = MemoryStore({"t": make_table(200)})
    report, events = _run(store, tmp_path / "t.db", parallel=1, retries=3)
    assert report.ok, [(t.name, t.status, t.error) for t in report.tables]
    assert report.tables[0].rows == 200
    assert report.tables[0].retries == 3
    assert report.to_dict()["tables"][0]["retries"] == 3
    retries = [e for e in events if e.event == "retry"]
    assert len(retries) == 3
    assert all("injected connection loss" in (e.message or "") for e in retries)
    import sqlite3

    with sqlite3.connect(tmp_path / "t.db") as con:
        assert con.execute("SELECT count(*), count(DISTINCT id) FROM t").fetchone() == (200, 200)


# -- memory budget -----------------------------------------------------------------------------


def _acquire_in_thread(budget: MemoryBudget, n: int, stop: threading.Event) -> threading.Event:
    got = threading.Event()

    def run() -> None:
        if budget.acquire(n, stop):
            got.set()

    threading.Thread(target=run, daemon=True).start()
    return got


def test_budget_blocks_readers_until_room_is_released() -> None:
    budget, stop = MemoryBudget(100), threading.Event()
    assert budget.acquire(60, stop)
    got = _acquire_in_thread(budget, 60, stop)
    assert not got.wait(0.3)  # 60 + 60 > 100: the reader waits
    budget.release(60)
    assert got.wait(2)
    assert budget.in_flight == 60 and budget.peak == 60


def test_an_oversized_batch_passes_alone_and_blocks_the_rest() -> None:
    budget, stop = MemoryBudget(100), threading.Event()
    assert budget.acquire(500, stop)  # nothing in flight: it may pass
    got = _acquire_in_thread(budget, 1, stop)
    assert not got.wait(0.3)
    budget.release(500)
    assert got.wait(2)
    assert budget.peak == 500


def test_a_waiting_reader_gives_up_when_the_run_stops() -> None:
    budget, stop = MemoryBudget(100), threading.Event()
    budget.acquire(100, stop)
    result: list[bool] = []
    thread = threading.Thread(target=lambda: result.append(budget.acquire(1, stop)))
    thread.start()
    time.sleep(0.15)
    stop.set()
    thread.join(2)
    assert result == [False] and budget.in_flight == 100


@FAST
@given(
    limit=st.integers(10, 1000),
    sizes=st.lists(st.integers(1, 1500), min_size=1, max_size=40),
    threads=st.integers(1, 5),
)
def test_in_flight_bytes_never_exceed_the_budget(
    limit: int, sizes: list[int], threads: int
) -> None:
    budget, stop = MemoryBudget(limit), threading.Event()
    violations: list[tuple[int, int]] = []
    holders: list[int] = []
    lock = threading.Lock()

    def worker(mine: list[int]) -> None:
        for n in mine:
            assert budget.acquire(n, stop)
            with lock:
                holders.append(n)
                total = sum(holders)
                # Over the limit only as a single oversized batch with nothing else in flight.
                if total > limit and len(holders) > 1:
                    violations.append((total, len(holders)))
            time.sleep(0.0005)
            with lock:
                holders.remove(n)
            budget.release(n)

    pool = [threading.Thread(target=worker, args=(sizes[i::threads],)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(30)
    assert not violations
    assert budget.in_flight == 0
    assert budget.peak <= max(limit, max(sizes))


def test_pipeline_readers_wait_for_the_budget(tmp_path: Path) -> None:
    """Three streams with slow writes: without the budget 9 batches would be in flight."""
    store = MemoryStore({f"t{i}": make_table(400) for i in range(3)})
    for name in store.source:
        store.faults[name] = Faults(write_delay_s=0.01)
    endpoint = store.open()
    batch_bytes = next(
        iter(endpoint.read(endpoint.describe("t0"), batch_rows=40, with_key=True))
    ).nbytes
    budget = MemoryBudget(3 * batch_bytes)
    done = _copy_all(store, ["t0", "t1", "t2"], parallel=3, batch_rows=40, budget=budget)
    assert all(o.error is None for o in done)
    assert batch_bytes <= budget.peak <= budget.limit
    assert budget.in_flight == 0
    assert [store.written_rows(f"t{i}") for i in range(3)] == [400, 400, 400]


# -- the state machine: fail, retry, finish; metered == written ---------------------------------


RETRIES = 2


def _copy_all(
    store: MemoryStore,
    names: list[str],
    *,
    parallel: int,
    batch_rows: int,
    budget: MemoryBudget | None = None,
    metered: dict[str, int] | None = None,
    retried: dict[str, int] | None = None,
) -> list[StreamOutcome]:
    """Run one stream per table on the scheduler through the real pipeline."""
    metered = metered if metered is not None else defaultdict(int)
    retried = retried if retried is not None else defaultdict(int)
    budget = budget or MemoryBudget(64 * 1024 * 1024)
    stream_settings = StreamSettings(
        batch_rows=batch_rows, batch_bytes=1 << 30, retries=RETRIES, retry_max_wait_s=0.0
    )
    scheduler = Scheduler(parallel, store.open, store.open)
    lock = threading.Lock()
    with store.open() as endpoint:
        tables = {name: endpoint.describe(name) for name in names}
    for name in names:
        store.target.setdefault(name, [])

    def work(stream: Stream, conns: WorkerConnections) -> int:
        def on_batch(rows: int, _bytes: int) -> None:
            with lock:
                metered[stream.table] += rows

        def on_retry(_message: str) -> None:
            with lock:
                retried[stream.table] += 1

        table = tables[stream.table]
        return copy_stream(
            stream,
            table,
            table,
            conns,
            stream_settings,
            budget,
            scheduler.stop,
            on_batch,
            on_retry,
        )

    streams = [Stream(n, None, 0, 1, tables[n].row_count) for n in names]
    return scheduler.run(streams, work, lambda _o, _c: None)


@dataclass
class Spec:
    rows: int
    batch_rows: int
    faults: Faults

    @property
    def batches(self) -> int:
        return -(-self.rows // self.batch_rows)

    def failure(self) -> tuple[int, str] | None:
        """(batch, cause) the stream must stop at, or None when it must finish.

        A read failure comes before the write of its batch; a write retried past RETRIES
        gives up before a fatal write error of the same batch could happen.
        """
        causes: list[tuple[int, int, str]] = []
        if self.faults.read_fatal_at is not None:
            causes.append((self.faults.read_fatal_at, 0, "read"))
        causes += [
            (k, 1, "transient") for k, n in self.faults.write_transient.items() if n > RETRIES
        ]
        if self.faults.write_fatal_at is not None:
            causes.append((self.faults.write_fatal_at, 2, "write"))
        due = sorted(c for c in causes if c[0] < self.batches)
        return (due[0][0], due[0][2]) if due else None

    def write_retries(self) -> int:
        """Retries of transient write errors up to where the stream stops."""
        failure = self.failure()
        total = 0
        for k, n in self.faults.write_transient.items():
            if k >= self.batches or (failure is not None and k > failure[0]):
                continue
            if failure is not None and k == failure[0] and failure[1] == "read":
                continue  # the batch was never read, so never written
            total += min(n, RETRIES)
        return total


class StreamsMachine(RuleBasedStateMachine):
    """Streams are added with faults, run in groups on 1-3 workers, and always account."""

    def __init__(self) -> None:
        super().__init__()
        self.store = MemoryStore()
        self.pending: dict[str, Spec] = {}
        self.specs: dict[str, Spec] = {}
        self.metered: dict[str, int] = defaultdict(int)
        self.retried: dict[str, int] = defaultdict(int)
        self.next_id = 0

    @rule(
        rows=st.integers(0, 150),
        batch_rows=st.sampled_from([7, 25, 60]),
        write_transient=st.dictionaries(st.integers(0, 6), st.integers(1, 3), max_size=3),
        write_fatal_at=st.none() | st.integers(0, 6),
        read_fault=st.none()
        | st.tuples(st.sampled_from(["transient", "fatal"]), st.integers(0, 6)),
    )
    def add_stream(
        self,
        rows: int,
        batch_rows: int,
        write_transient: dict[int, int],
        write_fatal_at: int | None,
        read_fault: tuple[str, int] | None,
    ) -> None:
        name = f"t{self.next_id}"
        self.next_id += 1
        faults = Faults(write_transient=write_transient, write_fatal_at=write_fatal_at)
        if read_fault is not None and read_fault[0] == "fatal":
            faults.read_fatal_at = read_fault[1]
        elif read_fault is not None:
            faults.read_transient_at = {read_fault[1]: 1}
        self.store.source[name] = make_table(rows, start=self.next_id * 1000)
        self.store.faults[name] = faults
        self.pending[name] = Spec(rows, batch_rows, faults)

    @precondition(lambda self: bool(self.pending))
    @rule(parallel=st.integers(1, 3))
    def run_pending(self, parallel: int) -> None:
        # One batch size per group (a StreamSettings is per run); group by it.
        groups: dict[int, list[str]] = defaultdict(list)
        for name, spec in self.pending.items():
            groups[spec.batch_rows].append(name)
        for batch_rows, names in groups.items():
            outcomes = _copy_all(
                self.store,
                names,
                parallel=parallel,
                batch_rows=batch_rows,
                metered=self.metered,
                retried=self.retried,
            )
            assert sorted(o.stream.table for o in outcomes) == sorted(names)
            for outcome in outcomes:
                name = outcome.stream.table
                spec = self.pending[name]
                failure = spec.failure()
                written = self.store.written_rows(name)
                if failure is None:
                    # Isolation: other streams failing never stops this one.
                    assert outcome.error is None, outcome.error
                    assert outcome.rows == written == spec.rows
                else:
                    batch, cause = failure
                    assert isinstance(outcome.error, TransferError), outcome.error
                    assert isinstance(outcome.error, TransientError) == (cause == "transient")
                    assert written == batch * batch_rows
        self.specs.update(self.pending)
        self.pending.clear()
        assert self.store.opened == self.store.closed  # every connection closed

    @invariant()
    def metered_rows_are_written_rows(self) -> None:
        for name in self.specs:
            assert self.metered[name] == self.store.written_rows(name)
            ids = self.store.written_ids(name)
            assert ids == sorted(set(ids))  # never a row twice, always in key order

    @invariant()
    def transient_faults_were_retried(self) -> None:
        for name, spec in self.specs.items():
            reads = 1 if spec.faults.read_transient_at else 0  # at most one read retry
            assert spec.write_retries() <= self.retried[name] <= spec.write_retries() + reads


StreamsMachine.TestCase.settings = settings(
    max_examples=30,
    stateful_step_count=6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestStreams = StreamsMachine.TestCase


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.integers(0, 60),
    batch_rows=st.integers(1, 9),
    gather=st.integers(1, 12),
    broken_read=st.integers(0, 8),
)
def test_gathered_writes_are_whole_groups_and_resume_after_the_last_written_row(
    rows: int, batch_rows: int, gather: int, broken_read: int
) -> None:
    # Into DuckDB, batches are gathered into whole row groups before a write. Each write
    # must carry the checkpoint of its own last row (a remainder kept back is not done); a
    # read that breaks mid-gather writes what it gathered, then continues after it: every row
    # arrives once, in order.
    store = MemoryStore({"t": make_table(rows)})
    store.faults["t"] = Faults(read_transient_at={broken_read: 1})
    checkpoints: list[tuple[int, int | None]] = []

    def checkpoint(done: int, last_key: int | None) -> tuple[str, tuple[Any, ...]]:
        checkpoints.append((done, last_key))
        return ("checkpoint", (done, last_key))

    stream_settings = StreamSettings(
        batch_rows=batch_rows, batch_bytes=1 << 30, retry_max_wait_s=0.0, gather_rows=gather
    )
    written = copy_whole_table(store, "t", stream_settings, checkpoint)
    writes = [b.num_rows for b in store.target.get("t", [])]
    assert written == rows == sum(writes)
    # Part groups: the last write, and what was gathered when the read broke.
    assert len([n for n in writes[:-1] if n % gather]) <= 1
    landed = [i for b in store.target.get("t", []) for i in b.column("id").to_pylist()]
    assert landed == list(range(1, rows + 1))
    ends = list(itertools.accumulate(writes))
    assert checkpoints == [(end, end) for end in ends]


def test_workers_take_the_connections_opened_already_and_every_one_is_closed() -> None:
    """Connections opened to prepare the tables are the workers' first (each one to
    PostgreSQL costs the driver three reads of pg_type); those no worker took are closed
    with the rest."""
    store = MemoryStore()
    spares = [(store.open(), store.open()), (store.open(), store.open())]
    taken = list(spares)
    scheduler = Scheduler(1, store.open, store.open, spares)
    used: list[tuple[object, object]] = []

    def work(_stream: object, conns: WorkerConnections) -> int:
        used.append((conns.source, conns.target))
        return 0

    scheduler.run(["a", "b"], work, lambda _outcome, _conns: None)
    assert used == [taken[1], taken[1]]  # one worker, one pair, for both streams
    assert store.opened == 4 and store.closed == 4

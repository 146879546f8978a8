"""Counting what moved: rows and bytes per stream and table, smoothed rates, ETA, and the
process's resident memory. Knows nothing of rendering; it produces numbers for events.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import psutil

Clock = Callable[[], float]


class RateEstimator:
    """An exponentially weighted rate (units per second) that ignores start-up noise."""

    def __init__(self, *, half_life_s: float = 5.0, clock: Clock = time.monotonic) -> None:
        self._half_life = half_life_s
        self._clock = clock
        self._rate: float | None = None
        self._last_t: float | None = None
        self._pending = 0.0

    def start(self) -> None:
        """Start measuring now, so that the first ``add`` already gives a rate (a rate
        measured from the first batch only would need a second one to exist)."""
        if self._last_t is None:
            self._last_t = self._clock()

    def add(self, amount: float) -> None:
        now = self._clock()
        if self._last_t is None:
            self._last_t = now
            self._pending = amount
            return
        self._pending += amount
        dt = now - self._last_t
        if dt <= 0.05:
            return  # too short to measure; keep accumulating
        instant = self._pending / dt
        weight = 1.0 - 0.5 ** (dt / self._half_life)
        self._rate = instant if self._rate is None else self._rate + weight * (instant - self._rate)
        self._last_t = now
        self._pending = 0.0

    @property
    def rate(self) -> float | None:
        """The smoothed rate; before its first full measurement, the average since start."""
        if self._rate is not None or self._last_t is None or not self._pending:
            return self._rate
        elapsed = self._clock() - self._last_t
        return self._pending / elapsed if elapsed > 0 else None


FINISH_PRIOR = 0.2
"""Building one key or index over a table's rows is first taken to cost a fifth of what
streaming those rows cost a worker (phase3 into PostgreSQL measured 0.15-0.25); tables
finished in the run replace the guess with a measurement."""
FINISH_PRIOR_WEIGHT = 1_000_000
"""The guess counts as this many key-rows measured: a small table, whose finish is mostly
fixed costs, barely moves it; a big one decides."""


@dataclass
class TableMeter:
    """Rows and bytes written (committed) for one table, across its streams."""

    name: str
    total_rows: int | None
    clock: Clock = time.monotonic
    rows: int = 0
    bytes: int = 0
    batches: int = 0
    retries: int = 0
    started: float | None = None
    finished: float | None = None
    rate: RateEstimator = field(init=False)

    def __post_init__(self) -> None:
        self.rate = RateEstimator(clock=self.clock)

    def start(self) -> None:
        if self.started is None:
            self.started = self.clock()
            self.rate.start()

    def add(self, rows: int, n_bytes: int) -> None:
        self.start()
        self.rows += rows
        self.bytes += n_bytes
        self.batches += 1
        self.rate.add(rows)
        if self.total_rows is not None and self.rows > self.total_rows:
            self.total_rows = self.rows  # the estimate was low: learn from the run

    def finish(self) -> None:
        self.finished = self.clock()

    @property
    def seconds(self) -> float:
        if self.started is None:
            return 0.0
        end = self.finished if self.finished is not None else self.clock()
        return end - self.started


class RunMeter:
    """All tables of a run, plus the process's memory: thread-safe."""

    def __init__(self, clock: Clock = time.monotonic, *, workers: int = 1) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self.tables: dict[str, TableMeter] = {}
        self.workers = max(1, workers)
        """Streams (and table finishes) that run at once: the ETA shares the work among them."""
        self._started: float | None = None
        self._keys: dict[str, int] = {}
        self._finishing: dict[str, float] = {}
        self._finished: dict[str, float | None] = {}
        """Seconds each ended table spent in its builds (None: it ended without them)."""
        self._foreign_keys: dict[str, int] = {}
        """Foreign keys to add to each table once every table is loaded."""
        self._fk_phase: tuple[float, int, int] | None = None
        """While they are added: when the phase began, its steps (each key is added, then
        checked), steps done."""
        self.rows = 0
        self.bytes = 0
        self.total_rows: int | None = 0
        self._process = psutil.Process()
        self.baseline_rss = self.rss()
        self.peak_rss = self.baseline_rss
        self._sampler: threading.Thread | None = None
        self._stop = threading.Event()

    def rss(self) -> int:
        return int(self._process.memory_info().rss)

    def set_baseline(self) -> None:
        """Take the RSS now (imports loaded, connections open, nothing in flight) as baseline."""
        self.baseline_rss = self.rss()
        self.peak_rss = max(self.peak_rss, self.baseline_rss)

    def sample(self) -> int:
        rss = self.rss()
        if rss > self.peak_rss:
            self.peak_rss = rss
        return rss

    def start_sampling(self, every_s: float = 0.05) -> None:
        """Sample RSS in the background from now on; the ETA counts the run from now too."""
        self._started = self._clock()

        def loop() -> None:
            while not self._stop.wait(every_s):
                self.sample()

        self._sampler = threading.Thread(target=loop, name="arrowmig-rss", daemon=True)
        self._sampler.start()

    def stop_sampling(self) -> None:
        self._stop.set()
        if self._sampler is not None:
            self._sampler.join()
        self.sample()

    def table(
        self, name: str, total_rows: int | None, keys: int = 0, foreign_keys: int = 0
    ) -> TableMeter:
        """Meter a table of ``total_rows`` (None: unknown) that ends with ``keys`` key and
        index builds, and gets ``foreign_keys`` once every table is loaded."""
        with self._lock:
            meter = TableMeter(name, total_rows, clock=self._clock)
            self.tables[name] = meter
            self._keys[name] = keys
            self._foreign_keys[name] = foreign_keys
            if total_rows is None:
                self.total_rows = None
            elif self.total_rows is not None:
                self.total_rows += total_rows
            return meter

    def add(self, table: str, rows: int, n_bytes: int) -> TableMeter:
        with self._lock:
            meter = self.tables[table]
            meter.add(rows, n_bytes)
            self.rows += rows
            self.bytes += n_bytes
            return meter

    def restart(self, name: str) -> None:
        """The table is loaded again from the start: what it wrote no longer counts."""
        with self._lock:
            meter = self.tables[name]
            self.rows -= meter.rows
            self.bytes -= meter.bytes
            meter.rows = meter.bytes = meter.batches = 0
            meter.rate = RateEstimator(clock=self._clock)
            meter.rate.start()

    def finishing(self, name: str) -> None:
        """The table's rows are in; its keys and indexes are being built from now."""
        with self._lock:
            self._finishing[name] = self._clock()

    def finished(self, name: str) -> None:
        """The table has ended: done, failed or interrupted. Nothing of it is left to wait for."""
        with self._lock:
            began = self._finishing.pop(name, None)
            if began is not None or name not in self._finished:
                self._finished[name] = None if began is None else self._clock() - began

    def foreign_keys_begin(self, count: int) -> None:
        """Every table has ended; ``count`` foreign keys are being added from now."""
        with self._lock:
            self._fk_phase = (self._clock(), 2 * count, 0)

    def foreign_key_step(self) -> None:
        """A foreign key has been added (NOT VALID), or its rows checked."""
        with self._lock:
            assert self._fk_phase is not None
            began, steps, done = self._fk_phase
            self._fk_phase = (began, steps, done + 1)

    @property
    def eta_s(self) -> float | None:
        """Seconds until the run ends: the rows still to stream, the key and index builds
        still to do and the foreign keys to add at the end, in worker-seconds learned from
        this run, shared among the workers, and never less than the longest single table
        still to finish.

        A smoothed rows/s alone misjudges a run whose tables end in index builds: the builds
        hold workers (rows/s drops late in the run) and continue after the last row.
        """
        with self._lock:
            if self._fk_phase is not None:
                began, steps, done = self._fk_phase
                if done:  # the foreign keys added so far say what the rest will take
                    return (self._clock() - began) / done * (steps - done)
            if self._started is None or self.total_rows is None or self.rows <= 0:
                return None
            now = self._clock()
            finishing_spent = sum(t for t in self._finished.values() if t) + sum(
                now - t for t in self._finishing.values()
            )
            streaming_spent = max(1e-9, (now - self._started) * self.workers - finishing_spent)
            per_row = streaming_spent / self.rows  # worker-seconds to stream one row
            per_key_row = self._per_key_row(per_row)
            work, longest = 0.0, 0.0
            for name, meter in self.tables.items():
                # Checking a foreign key reads its table's rows once, as building an index
                # does; all of them wait for the last table.
                fk_rows = max(meter.total_rows or 0, meter.rows)
                if self._fk_phase is None or not self._fk_phase[2]:
                    fk_build = self._foreign_keys[name] * fk_rows * per_key_row
                    work += fk_build
                    longest = max(longest, fk_build)
                if name in self._finished:
                    continue
                left_rows = max(0, (meter.total_rows or 0) - meter.rows)
                build = self._keys[name] * max(meter.total_rows or 0, meter.rows) * per_key_row
                if name in self._finishing:
                    build = max(0.0, build - (now - self._finishing[name]))
                work += left_rows * per_row + build
                longest = max(longest, build)
            return max(work / self.workers, longest)

    def _per_key_row(self, per_row: float) -> float:
        """Worker-seconds to build one key or index per row: ``FINISH_PRIOR`` of the streaming
        cost, corrected by the tables finished in this run (weighted by their size)."""
        built = {n: t for n, t in self._finished.items() if t is not None and self._keys[n]}
        key_rows = sum(self._keys[n] * self.tables[n].rows for n in built)
        seconds = sum(built.values())
        return (seconds + FINISH_PRIOR * per_row * FINISH_PRIOR_WEIGHT) / (
            key_rows + FINISH_PRIOR_WEIGHT
        )

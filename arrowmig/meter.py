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


FINISH_PRIOR = 0.1
"""One unit of finishing work (one row through a key over numbers or times) is first taken to
cost a tenth of streaming one narrow row (``NARROW_ROW_BYTES``); tables finished in the run
replace the guess with a measurement. Phase3 into PostgreSQL on the shared 2-core host (load
7-13): streaming cost 9-15 us a row a worker, its five tables' finishes 0.6-1.1 us a unit."""
FINISH_PRIOR_UNITS = 1_000_000
"""The guess counts as this many units measured: a small table, whose finish is mostly fixed
costs, barely moves it; a big one decides."""
NARROW_ROW_BYTES = 200
"""A build's cost grows with rows, not with how wide they are: the yardstick, streaming a narrow
row, costs at most what streaming this many bytes costs (phase3's rows of 100 bytes cost 150 ns
a byte, rows of 2.5 KB of text 80)."""
READ_BYTES = 2000
"""A build reads every row, up to this much of it: longer values are stored apart (PostgreSQL's
TOAST, SQLite's overflow pages, DuckDB's columns). Reading it costs about one unit more (a key
over 150,000 rows of 740 bytes took 1.2 us a row, against 0.6-1.0 over rows of 60 bytes)."""
ANALYZE_SAMPLE_ROWS = 30_000
"""PostgreSQL's ANALYZE reads a sample of 300 x default_statistics_target (100) rows and sorts
each column's values (300 columns of 30,000 rows took 9.8-10 s)."""
WARMUP = 4
"""No ETA until the run has streamed this many times as long as its first batch took to commit:
before that, the time to open connections and fill the pipeline weighs on too few rows (one
batch of 397 wide rows after 0.28 s said 334 s of a 41 s run; 1.3 s in, 47 s)."""


@dataclass(frozen=True)
class FinishWork:
    """What finishing a table does once its rows are in, in the terms its time grows with."""

    keys: tuple[float, ...] = ()
    """Each key or index built, by weight: 1 for a key over numbers or times, more for one with
    text or decimal columns (``loading.key_weight``); each reads every row once."""
    copies: int = 0
    """Staged rows copied into an existing table (whole rows: this grows with bytes)."""
    analyzed: float = 0.0
    """The columns whose statistics ANALYZE gathers afterwards, each by weight as a key over it
    (0: none gathered)."""

    def units(self, rows: int, row_bytes: float) -> float:
        """The work for ``rows`` rows of ``row_bytes`` bytes each, in units (see FINISH_PRIOR)."""
        read = min(row_bytes, READ_BYTES) / READ_BYTES
        per_row = sum(weight + read for weight in self.keys)
        per_row += self.copies * max(1.0, row_bytes / NARROW_ROW_BYTES)
        sampled = min(rows, ANALYZE_SAMPLE_ROWS) * (self.analyzed + read) if self.analyzed else 0
        return rows * per_row + sampled


@dataclass
class TableMeter:
    """Rows and bytes written (committed) for one table, across its streams."""

    name: str
    total_rows: int | None
    clock: Clock = time.monotonic
    rows: int = 0
    bytes: int = 0
    rejected: int = 0
    """Rows set aside (--on-error reject) so far: read and dealt with, as committed rows are."""
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
    def row_bytes(self) -> float:
        """Bytes a row so far (0 before the first)."""
        return self.bytes / self.rows if self.rows else 0.0

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
        self._first_commit: float | None = None
        self._finish_work: dict[str, FinishWork] = {}
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
        self.rejected = 0
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
        self,
        name: str,
        total_rows: int | None,
        finish: FinishWork = FinishWork(),
        foreign_keys: int = 0,
    ) -> TableMeter:
        """Meter a table of ``total_rows`` (None: unknown) that ends with ``finish`` (its key
        and index builds), and gets ``foreign_keys`` once every table is loaded."""
        with self._lock:
            meter = TableMeter(name, total_rows, clock=self._clock)
            self.tables[name] = meter
            self._finish_work[name] = finish
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
            if self._first_commit is None:
                self._first_commit = self._clock()
            self.rows += rows
            self.bytes += n_bytes
            return meter

    def set_rejected(self, table: str, rejected: int) -> None:
        """The table's rows set aside so far (--on-error reject). The ETA counts them as
        dealt with: a run that rejected 9 rows in 10 said 21 minutes left 11 s into a 12 s
        run, as if the rejected rows were still to come at the pace of the loaded ones."""
        with self._lock:
            meter = self.tables[table]
            self.rejected += rejected - meter.rejected
            meter.rejected = rejected

    def recount(self, table: str, rows: int) -> None:
        """Rows counted as committed that the target lost (negative: a server crash), or
        committed though their answer was lost (positive); their bytes in proportion."""
        with self._lock:
            meter = self.tables[table]
            n_bytes = round(meter.bytes * rows / meter.rows) if meter.rows else 0
            meter.rows += rows
            meter.bytes += n_bytes
            self.rows += rows
            self.bytes += n_bytes

    def restart(self, name: str) -> None:
        """The table is loaded again from the start: what it wrote no longer counts."""
        with self._lock:
            meter = self.tables[name]
            self.rows -= meter.rows
            self.bytes -= meter.bytes
            self.rejected -= meter.rejected
            meter.rows = meter.bytes = meter.batches = meter.rejected = 0
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
        still to finish. None until enough of the run was seen (``WARMUP``).

        A smoothed rows/s alone misjudges a run whose tables end in index builds: the builds
        hold workers (rows/s drops late in the run) and continue after the last row.
        """
        with self._lock:
            if self._fk_phase is not None:
                began, steps, done = self._fk_phase
                if done:  # the foreign keys added so far say what the rest will take
                    return (self._clock() - began) / done * (steps - done)
            dealt_with = self.rows + self.rejected
            if self._started is None or self.total_rows is None or dealt_with <= 0:
                return None
            assert self._first_commit is not None  # rows were committed
            now = self._clock()
            if now - self._started < WARMUP * (self._first_commit - self._started):
                return None
            finishing_spent = sum(t for t in self._finished.values() if t) + sum(
                now - t for t in self._finishing.values()
            )
            streaming_spent = max(1e-9, (now - self._started) * self.workers - finishing_spent)
            per_row = streaming_spent / dealt_with  # worker-seconds to stream one row
            per_unit = self._per_unit(streaming_spent)
            work, longest = 0.0, 0.0
            for name, meter in self.tables.items():
                rows = max(meter.total_rows or 0, meter.rows + meter.rejected)
                # Checking a foreign key reads its table's rows once, as building an index
                # does; all of them wait for the last table.
                if self._fk_phase is None or not self._fk_phase[2]:
                    fk_build = self._foreign_keys[name] * rows * per_unit
                    work += fk_build
                    longest = max(longest, fk_build)
                if name in self._finished:
                    continue
                finish = self._finish_work[name]
                if name in self._finishing:  # every row is in: the estimate no longer counts
                    left_rows = 0
                    build = finish.units(meter.rows, meter.row_bytes) * per_unit
                    build = max(0.0, build - (now - self._finishing[name]))
                else:
                    left_rows = max(0, rows - meter.rows - meter.rejected)
                    build = finish.units(rows, meter.row_bytes) * per_unit
                work += left_rows * per_row + build
                longest = max(longest, build)
            return max(work / self.workers, longest)

    def _per_unit(self, streaming_spent: float) -> float:
        """Worker-seconds for one unit of finishing work (``FinishWork.units``): FINISH_PRIOR of
        streaming a narrow row, corrected by the tables finished in this run (weighted by
        their work)."""
        narrow_rows = max(self.rows, self.bytes / NARROW_ROW_BYTES, 1.0)
        prior = FINISH_PRIOR * streaming_spent / narrow_rows
        units, seconds = 0.0, 0.0
        for name, spent in self._finished.items():
            meter = self.tables[name]
            done = self._finish_work[name].units(meter.rows, meter.row_bytes)
            if spent is not None and done:
                units += done
                seconds += spent
        return (seconds + prior * FINISH_PRIOR_UNITS) / (units + FINISH_PRIOR_UNITS)

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


def eta_seconds(done: int, total: int | None, rate: float | None) -> float | None:
    """Remaining time at the smoothed rate, or None when it cannot be known yet."""
    if total is None or rate is None or rate <= 0:
        return None
    return max(0.0, (total - done) / rate)


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

    @property
    def eta_s(self) -> float | None:
        return eta_seconds(self.rows, self.total_rows, self.rate.rate)


class RunMeter:
    """All tables of a run, plus the process's memory: thread-safe."""

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self.tables: dict[str, TableMeter] = {}
        self.rate = RateEstimator(clock=clock)
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
        """Sample RSS in the background from now on; the run's rate counts from now too."""
        self.rate.start()

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

    def table(self, name: str, total_rows: int | None) -> TableMeter:
        with self._lock:
            meter = TableMeter(name, total_rows, clock=self._clock)
            self.tables[name] = meter
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
            self.rate.add(rows)
            return meter

    @property
    def eta_s(self) -> float | None:
        total = self.total_rows
        if total is not None:
            total = max(total, self.rows)
        return eta_seconds(self.rows, total, self.rate.rate)

"""Rates, ETA and counts of the meter, on a fake clock (no sleeping, no timing)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arrowmig.meter import FINISH_PRIOR_WEIGHT, RateEstimator, RunMeter, TableMeter


class FakeClock:
    def __init__(self, t: float = 100.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


def test_no_rate_before_anything_was_measured() -> None:
    clock = FakeClock()
    rate = RateEstimator(clock=clock)
    assert rate.rate is None
    rate.add(1000)  # a first sample without a start has nothing to measure against
    assert rate.rate is None
    clock.advance(1.0)
    rate.add(500)
    assert rate.rate == pytest.approx(1500.0)  # what arrived since the first sample, per second


def test_a_started_estimator_rates_the_first_batch() -> None:
    clock = FakeClock()
    rate = RateEstimator(clock=clock)
    rate.start()
    clock.advance(2.0)
    rate.add(10_000)
    assert rate.rate == pytest.approx(5000.0)
    rate.start()  # starting again changes nothing
    clock.advance(1.0)
    rate.add(5000)
    assert rate.rate == pytest.approx(5000.0)


def test_bursts_shorter_than_50ms_are_pooled() -> None:
    clock = FakeClock()
    rate = RateEstimator(clock=clock)
    rate.start()
    for _ in range(10):
        clock.advance(0.01)
        rate.add(100)  # 10 ms apart: none long enough alone, all count together
    assert rate.rate == pytest.approx(1000 / 0.1)


def test_before_a_full_measurement_the_rate_is_the_average_so_far() -> None:
    clock = FakeClock()
    rate = RateEstimator(clock=clock)
    rate.start()
    clock.advance(0.02)
    rate.add(200)  # too soon to measure: pooled, but shown as the average since start
    assert rate.rate == pytest.approx(10_000.0)
    clock.advance(0.02)
    assert rate.rate == pytest.approx(5000.0)
    clock.advance(0.06)
    rate.add(800)  # now a full measurement: 1000 rows in 0.1 s
    assert rate.rate == pytest.approx(10_000.0)
    clock.advance(100.0)
    assert rate.rate == pytest.approx(10_000.0)  # a measured rate does not decay while idle


def test_the_rate_follows_a_change_with_its_half_life() -> None:
    clock = FakeClock()
    rate = RateEstimator(half_life_s=5.0, clock=clock)
    rate.start()
    for _ in range(30):
        clock.advance(1.0)
        rate.add(1000)
    assert rate.rate == pytest.approx(1000.0)
    clock.advance(5.0)
    rate.add(15_000)  # one half-life at 3000/s: halfway from 1000 to 3000
    assert rate.rate == pytest.approx(2000.0)
    for _ in range(60):
        clock.advance(1.0)
        rate.add(3000)
    assert rate.rate == pytest.approx(3000.0, rel=1e-3)


@settings(max_examples=30, deadline=None)
@given(
    steady=st.floats(1.0, 1e7),
    steps=st.lists(st.floats(0.06, 10.0), min_size=1, max_size=30),
)
def test_a_steady_rate_is_measured_exactly(steady: float, steps: list[float]) -> None:
    clock = FakeClock()
    rate = RateEstimator(clock=clock)
    rate.start()
    for dt in steps:
        clock.advance(dt)
        rate.add(steady * dt)
    assert rate.rate == pytest.approx(steady, rel=1e-9)


def test_table_meter_counts_times_and_estimates() -> None:
    clock = FakeClock()
    meter = TableMeter("bets", 10_000, clock=clock)
    assert meter.seconds == 0.0
    meter.start()
    clock.advance(2.0)
    meter.add(2000, 80_000)
    assert (meter.rows, meter.bytes, meter.batches) == (2000, 80_000, 1)
    assert meter.rate.rate == pytest.approx(1000.0)
    clock.advance(1.0)
    assert meter.seconds == pytest.approx(3.0)
    meter.finish()
    clock.advance(10.0)
    assert meter.seconds == pytest.approx(3.0)  # frozen at finish


def test_a_low_row_estimate_is_corrected_by_the_rows_seen() -> None:
    clock = FakeClock()
    meter = TableMeter("t", 100, clock=clock)
    meter.start()
    clock.advance(1.0)
    meter.add(150, 1)
    assert meter.total_rows == 150


def test_run_meter_eta_over_all_tables() -> None:
    clock = FakeClock()
    run = RunMeter(clock=clock)
    run.table("a", 3000)
    run.table("b", 1000)
    assert run.total_rows == 4000
    run.start_sampling(every_s=60.0)  # the ETA counts the run from here
    try:
        clock.advance(2.0)
        table = run.add("a", 1000, 10)
        assert table.rows == 1000 and run.rows == 1000 and run.bytes == 10
        assert run.eta_s == pytest.approx(6.0)  # 3000 rows left at 500 rows/s
        clock.advance(2.0)
        run.add("b", 1000, 10)
        assert run.eta_s == pytest.approx(4.0)
    finally:
        run.stop_sampling()
    assert run.peak_rss >= run.baseline_rss > 0


@contextlib.contextmanager
def _metered_run(
    tables: dict[str, tuple[int, int]], workers: int = 1
) -> Iterator[tuple[RunMeter, FakeClock]]:
    """A run of ``{table: (rows, keys)}`` on a fake clock, sampling from now."""
    clock = FakeClock()
    run = RunMeter(clock=clock)
    run.workers = workers
    for name, (rows, keys) in tables.items():
        run.table(name, rows, keys=keys)
    run.start_sampling(every_s=60.0)
    try:
        yield run, clock
    finally:
        run.stop_sampling()


def test_eta_counts_the_key_and_index_builds_after_the_rows() -> None:
    # Until a table has been finished, one key over a table's rows is guessed at a fifth of
    # what streaming them costs; the builds are part of the wait the ETA announces.
    with _metered_run({"a": (1000, 2)}) as (run, clock):
        clock.advance(1.0)
        run.add("a", 500, 10)  # 0.002 s per row
        assert run.eta_s == pytest.approx(500 * 0.002 + 2 * 1000 * 0.2 * 0.002)


def test_eta_learns_the_cost_of_builds_from_finished_tables() -> None:
    with _metered_run({"a": (1_000_000, 1), "b": (1_000_000, 1)}) as (run, clock):
        clock.advance(10.0)
        run.add("a", 1_000_000, 10)  # 1e-5 s per row
        run.finishing("a")
        clock.advance(1.0)
        # a's build is under way: the 1 s it has run comes off the guess (0.2 * 1e-5 per
        # key-row), and the time it holds its worker is not streaming time.
        assert run.eta_s == pytest.approx(1_000_000 * 1e-5 + (2.0 - 1.0) + 2.0)
        clock.advance(3.0)
        run.finished("a")  # 4 s for 1M key-rows, weighed against the guess (1M key-rows)
        per_key_row = (4.0 + 0.2 * 1e-5 * FINISH_PRIOR_WEIGHT) / (1_000_000 + FINISH_PRIOR_WEIGHT)
        assert run.eta_s == pytest.approx(1_000_000 * 1e-5 + 1_000_000 * per_key_row)


def test_eta_shares_work_among_workers_but_waits_for_the_longest_build() -> None:
    with _metered_run({"big": (900, 1), "small": (100, 0)}, workers=2) as (run, clock):
        clock.advance(1.0)
        run.add("small", 100, 1)
        run.add("big", 100, 1)  # 2 worker-seconds for 200 rows: 0.01 per row
        build = 1 * 900 * 0.2 * 0.01
        assert run.eta_s == pytest.approx((800 * 0.01 + build) / 2)
        run.add("big", 800, 1)  # at once: now 2 worker-seconds for 1000 rows
        # One build left: it takes what it takes, the other worker idles.
        assert run.eta_s == pytest.approx(900 * 0.2 * (2.0 / 1000))


def test_eta_counts_the_foreign_keys_added_after_the_last_table() -> None:
    # Foreign keys are added once every table is loaded: a table's keys wait for the end,
    # even once the table itself is done, and each checks its rows as an index build reads
    # them. Then the keys done so far say what the rest will take.
    clock = FakeClock()
    run = RunMeter(clock=clock)
    run.table("a", 1000, foreign_keys=1)
    run.table("b", 1000, foreign_keys=2)
    run.start_sampling(every_s=60.0)
    try:
        clock.advance(2.0)
        run.add("a", 1000, 10)
        run.add("b", 1000, 10)  # 0.001 s per row, so 0.0002 per key-row (the guess)
        run.finished("a")
        run.finished("b")
        assert run.eta_s == pytest.approx(3 * 1000 * 0.0002)
        run.foreign_keys_begin(3)  # each key is added, then checked: 6 steps
        clock.advance(0.5)
        for _ in range(2):
            run.foreign_key_step()
        assert run.eta_s == pytest.approx(0.25 * 4)
        for _ in range(4):
            run.foreign_key_step()
        assert run.eta_s == 0.0
    finally:
        run.stop_sampling()


def test_unknown_table_size_means_unknown_eta() -> None:
    clock = FakeClock()
    run = RunMeter(clock=clock)
    run.table("a", 10)
    run.table("b", None)
    assert run.total_rows is None
    run.start_sampling(every_s=60.0)
    clock.advance(1.0)
    run.add("a", 5, 1)
    run.stop_sampling()
    assert run.eta_s is None


def test_run_meter_adds_from_many_threads() -> None:
    run = RunMeter()
    run.table("t", None)

    def add() -> None:
        for _ in range(1000):
            run.add("t", 3, 7)

    threads = [threading.Thread(target=add) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert (run.rows, run.bytes) == (12_000, 28_000)
    assert (run.tables["t"].rows, run.tables["t"].batches) == (12_000, 4000)


def test_a_table_that_ended_without_its_builds_is_no_longer_waited_for() -> None:
    # A failed (or interrupted) table leaves rows it will never stream: the ETA drops them,
    # and its zero build time does not teach the estimate that builds are free.
    with _metered_run({"ok": (1000, 1), "broken": (1000, 1)}) as (run, clock):
        clock.advance(1.0)
        run.add("ok", 300, 1)
        run.add("broken", 200, 1)  # 500 rows in 1 s: 0.002 s per row
        run.finished("broken")  # it failed: its builds never ran
        assert run.eta_s == pytest.approx(700 * 0.002 + 1000 * 0.2 * 0.002)

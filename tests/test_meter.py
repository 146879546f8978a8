"""Rates and counts of the meter, on a fake clock (no sleeping, no timing); the ETA is
test_eta.py's."""

from __future__ import annotations

import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arrowmig.meter import RateEstimator, RunMeter, TableMeter


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

"""The run's ETA, fed rows, bytes and times on a fake clock (no sleeping, no timing): rows
left, key and index builds by what they cost (rows and key width, not bytes streamed), what
finished tables teach, and no figure before enough of the run was seen.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pyarrow as pa
import pytest

from arrowmig.loading import Landing, finish_work, key_weight
from arrowmig.meter import FINISH_PRIOR_UNITS, FinishWork, RunMeter
from arrowmig.model import Column, Index, Table
from tests.test_meter import FakeClock

INT_KEY = FinishWork(keys=(1.0,))


@contextlib.contextmanager
def _metered_run(
    tables: dict[str, tuple[int | None, FinishWork]], workers: int = 1
) -> Iterator[tuple[RunMeter, FakeClock]]:
    """A run of ``{table: (rows, finish)}`` on a fake clock, its ETA counted from now."""
    clock = FakeClock()
    run = RunMeter(clock=clock)
    run.workers = workers
    for name, (rows, finish) in tables.items():
        run.table(name, rows, finish=finish)
    run.start_sampling(every_s=60.0)
    try:
        yield run, clock
    finally:
        run.stop_sampling()


def _commit(
    run: RunMeter, clock: FakeClock, after_s: float, table: str, rows: int, n_bytes: int = 0
) -> None:
    clock.advance(after_s)
    run.add(table, rows, n_bytes)


def test_eta_counts_the_rows_left_over_all_tables() -> None:
    with _metered_run({"a": (3000, FinishWork()), "b": (1000, FinishWork())}) as (run, clock):
        assert run.total_rows == 4000
        _commit(run, clock, 0.2, "a", 100)
        _commit(run, clock, 1.8, "a", 900)
        assert run.eta_s == pytest.approx(6.0)  # 3000 rows left at 500 rows/s
        _commit(run, clock, 2.0, "b", 1000)
        assert run.eta_s == pytest.approx(4.0)


def test_rows_set_aside_count_as_dealt_with_not_as_rows_still_to_come() -> None:
    # 9 rows in 10 rejected: the ETA took the 1 in 10 loaded for the pace and the other 9 for
    # rows still ahead (21 minutes left, 11 s into a 12 s run).
    with _metered_run({"t": (4000, FinishWork())}) as (run, clock):
        _commit(run, clock, 0.2, "t", 10)
        run.set_rejected("t", 90)
        _commit(run, clock, 1.8, "t", 90)
        run.set_rejected("t", 900)
        assert run.eta_s == pytest.approx(6.0)  # 3000 rows left at 500 rows/s, loaded or not
        run.restart("t")  # loaded again from the start: its rejects start over too
        assert run.rejected == 0 and run.tables["t"].rejected == 0


def test_no_eta_until_the_run_has_streamed_four_times_as_long_as_its_first_batch_took() -> None:
    # The first batch of a run of wide rows (397 rows after 0.28 s, connections and the
    # pipeline's fill included) once said 334 s of a 41 s run.
    with _metered_run({"t": (400_000, INT_KEY)}, workers=2) as (run, clock):
        _commit(run, clock, 0.28, "t", 397, 1_019_723)
        assert run.eta_s is None
        _commit(run, clock, 0.8, "t", 9_000, 23_100_000)
        assert run.eta_s is None  # 1.08 s: not yet 4 x 0.28 s
        clock.advance(0.04)
        assert run.eta_s is not None and 0 < run.eta_s < 100


def test_wide_rows_end_in_a_build_that_grows_with_rows_not_with_bytes() -> None:
    # The tester's run: 300,000 rows of 2,500 bytes of text into PostgreSQL, two workers, an
    # integer primary key and ANALYZE of 4 columns (2 of text); streaming took 28 s and the
    # finish 1-2 s. A fifth of streaming said 11 s of build at 100% of the rows.
    finish = FinishWork(keys=(1.0,), analyzed=1 + 3 + 3 + 1)
    with _metered_run({"articles": (300_000, finish)}, workers=2) as (run, clock):
        _commit(run, clock, 0.1, "articles", 400, 1_000_000)
        _commit(run, clock, 13.9, "articles", 149_600, 374_000_000)
        # A unit costs a tenth of streaming a narrow row, 200 of these bytes: 28 worker-s
        # for 375 MB. 300,000 rows through one key, each read (2 KB at most: one unit
        # more), and 30,000 rows sampled, read and sorted by each column.
        unit = 0.1 * 28.0 / (375_000_000 / 200)
        build = (300_000 * (1 + 1) + 30_000 * (8 + 1)) * unit
        assert build == pytest.approx(1.3, abs=0.05)
        assert run.eta_s == pytest.approx((150_000 * 28.0 / 150_000 + build) / 2)
        assert 14.0 < run.eta_s < 15.0  # 14 s of rows left, then the build
        _commit(run, clock, 14.0, "articles", 150_000, 375_000_000)
        assert run.eta_s == pytest.approx(build)  # the same: it grew with rows, not time


def test_a_build_costs_per_row_whatever_streaming_a_row_cost() -> None:
    # Two tables of 100,000 rows and one integer key: rows of 200 bytes streamed in 10 s,
    # rows of 2,000 bytes in 100 s. The wide table's key reads more (2,000 bytes of each
    # row: a unit, against a tenth), and nothing else.
    estimates = []
    for row_bytes, seconds in ((200, 10.0), (2000, 100.0)):
        with _metered_run({"t": (100_000, INT_KEY)}) as (run, clock):
            _commit(run, clock, 0.0, "t", 1, row_bytes)
            _commit(run, clock, seconds, "t", 99_999, 99_999 * row_bytes)
            assert run.eta_s is not None
            estimates.append(run.eta_s)
    assert estimates[0] == pytest.approx(100_000 * (1 + 0.1) * 0.1 * 10.0 / 100_000)
    assert estimates[1] == pytest.approx(estimates[0] * 2 / 1.1)


def test_finish_work_counts_keys_by_weight_reads_copies_and_analyze() -> None:
    assert FinishWork().units(1000, 500) == 0
    assert FinishWork(keys=(1.0, 3.0)).units(1000, 0) == 4000
    assert FinishWork(keys=(1.0,)).units(1000, 1000) == 1500  # half of 2 KB read
    assert FinishWork(keys=(1.0,)).units(1000, 1_000_000) == 2000  # TOAST: 2 KB at most
    assert FinishWork(copies=1).units(1000, 50) == 1000  # a narrow row copied
    assert FinishWork(copies=1).units(1000, 2000) == 10_000  # ten narrow rows' worth
    assert FinishWork(analyzed=3.0).units(1000, 0) == 3000  # every row sampled
    assert FinishWork(analyzed=3.0).units(1_000_000, 0) == 90_000  # 30,000 of them
    assert FinishWork(analyzed=3.0).units(1_000_000, 1000) == 105_000  # and read


def test_eta_learns_the_cost_of_a_unit_from_finished_tables() -> None:
    # a's integer key is measured; b's text key (weight 3) is then taken at 3 times that.
    tables = {"a": (1_000_000, INT_KEY), "b": (1_000_000, FinishWork(keys=(3.0,)))}
    with _metered_run(tables) as (run, clock):
        _commit(run, clock, 0.1, "a", 10_000)
        _commit(run, clock, 9.9, "a", 990_000)  # 1e-5 s a row; a unit 1e-6 (the guess)
        run.finishing("a")
        clock.advance(1.0)
        # a's build is under way: the 1 s it has run comes off its guess (1 s), and the
        # time it holds its worker is not streaming time.
        assert run.eta_s == pytest.approx(1_000_000 * 1e-5 + 3_000_000 * 1e-6)
        clock.advance(1.0)
        run.finished("a")  # 2 s for 1M units, weighed against the guess (1M units)
        unit = (2.0 + 1e-6 * FINISH_PRIOR_UNITS) / (1_000_000 + FINISH_PRIOR_UNITS)
        assert unit == pytest.approx(1.5e-6)
        assert run.eta_s == pytest.approx(1_000_000 * 1e-5 + 3_000_000 * unit)


def test_eta_shares_work_among_workers_but_waits_for_the_longest_build() -> None:
    with _metered_run({"big": (900, INT_KEY), "small": (100, FinishWork())}, workers=2) as (
        run,
        clock,
    ):
        _commit(run, clock, 0.1, "small", 10)
        _commit(run, clock, 0.9, "small", 90)
        run.add("big", 100, 0)  # 2 worker-seconds for 200 rows: 0.01 a row
        build = 900 * 0.1 * 0.01
        assert run.eta_s == pytest.approx((800 * 0.01 + build) / 2)
        run.add("big", 800, 0)  # at once: now 2 worker-seconds for 1000 rows
        # One build left: it takes what it takes, the other worker idles.
        assert run.eta_s == pytest.approx(900 * 0.1 * (2.0 / 1000))


def test_a_finishing_table_has_no_rows_left_even_when_its_estimate_was_high() -> None:
    # PostgreSQL's row estimate said 1,000; 800 came. Once its rows are in, only its build
    # is left, counted over the rows that came.
    with _metered_run({"t": (1000, INT_KEY)}) as (run, clock):
        _commit(run, clock, 0.1, "t", 100)
        _commit(run, clock, 0.9, "t", 700)  # 800 rows in 1 s
        assert run.eta_s == pytest.approx(200 / 800 + 1000 * 0.1 / 800)
        run.finishing("t")
        assert run.eta_s == pytest.approx(800 * 0.1 / 800)


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
        _commit(run, clock, 0.1, "a", 10)
        _commit(run, clock, 1.9, "a", 990)
        run.add("b", 1000, 0)  # 0.001 s a row, so 0.0001 a unit (the guess)
        run.finished("a")
        run.finished("b")
        assert run.eta_s == pytest.approx(3 * 1000 * 0.0001)
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
    with _metered_run({"a": (10, FinishWork()), "b": (None, FinishWork())}) as (run, clock):
        assert run.total_rows is None
        _commit(run, clock, 0.1, "a", 5, 1)
        clock.advance(10.0)
        assert run.eta_s is None


def test_a_table_that_ended_without_its_builds_is_no_longer_waited_for() -> None:
    # A failed (or interrupted) table leaves rows it will never stream: the ETA drops them,
    # and its zero build time does not teach the estimate that builds are free.
    with _metered_run({"ok": (1000, INT_KEY), "broken": (1000, INT_KEY)}) as (run, clock):
        _commit(run, clock, 0.1, "ok", 10)
        _commit(run, clock, 0.9, "ok", 290)
        run.add("broken", 200, 0)  # 500 rows in 1 s: 0.002 s a row
        run.finished("broken")  # it failed: its builds never ran
        assert run.eta_s == pytest.approx(700 * 0.002 + 1000 * 0.1 * 0.002)


def _table() -> Table:
    return Table(
        name="bets",
        columns=(
            Column("id", pa.int64()),
            Column("placed_at", pa.timestamp("us", tz="UTC")),
            Column("player", pa.string()),
            Column("stake", pa.decimal128(12, 2)),
            Column("odds", pa.float64()),
        ),
        primary_key=("id",),
        indexes=(
            Index("ix_player", ("player",)),
            Index("ix_player_time", ("player", "placed_at")),
            Index("ix_time", ("placed_at",)),
        ),
    )


def test_a_key_weighs_by_what_comparing_its_columns_costs() -> None:
    table = _table()
    assert key_weight(table, ("id",)) == 1.0
    assert key_weight(table, ("id", "placed_at", "odds")) == 1.0  # numbers and times
    assert key_weight(table, ("player",)) == 3.0  # text, by collation
    assert key_weight(table, ("stake",)) == 2.0  # decimal
    assert key_weight(table, ("player", "stake")) == 4.0
    assert key_weight(table, ("lower(player)",)) == 2.0  # an expression


def test_finish_work_is_what_finish_builds_on_each_target() -> None:
    table = _table()
    created = Landing(table, "replace", staged=True)
    assert finish_work(created, "postgresql", analyze=True) == FinishWork(
        keys=(3.0, 3.0, 1.0, 1.0), analyzed=1 + 1 + 3 + 2 + 1
    )
    assert finish_work(created, "postgresql", analyze=False).analyzed == 0
    assert finish_work(created, "duckdb", analyze=True) == FinishWork(keys=(3.0, 3.0, 1.0, 1.0))
    # SQLite's primary key is declared with the table, before any row.
    assert finish_work(created, "sqlite", analyze=True) == FinishWork(keys=(3.0, 3.0, 1.0))
    # An existing table keeps its own keys; staged rows are copied over once.
    assert finish_work(Landing(table, "append", staged=False), "postgresql", analyze=True) == (
        FinishWork()
    )
    assert finish_work(Landing(table, "append", staged=True), "postgresql", analyze=True) == (
        FinishWork(copies=1, analyzed=8.0)
    )

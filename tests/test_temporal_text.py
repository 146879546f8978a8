"""Dates and timestamps written as text for SQLite: exact in every year, where Arrow's own
cast is exact only in years 1 to 9999."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arrowmig.temporal_text import date_text, timestamp_text

EPOCH = dt.date(1970, 1, 1)


@settings(max_examples=300, deadline=None)
@given(st.dates())
def test_dates_python_can_hold_are_written_as_python_writes_them(day: dt.date) -> None:
    days = (day - EPOCH).days
    assert date_text(pa.array([days], pa.date32()))[0].as_py() == day.isoformat()


def test_dates_and_timestamps_past_year_9999_and_before_year_1() -> None:
    dates = pa.array([2_145_042_905, 2_932_897, -719_163, None], pa.date32())
    assert date_text(dates).to_pylist() == ["5874897-12-31", "10000-01-01", "0000-12-31", None]
    stamps = pa.array([2**63 - 2, 253_402_300_800_000_000], pa.timestamp("us", tz="UTC"))
    assert timestamp_text(stamps).to_pylist() == [
        "294247-01-10 04:00:54.775806Z",  # Arrow's cast wrote a date in 32103
        "10000-01-01 00:00:00.000000Z",
    ]
    seconds = pa.array([253_402_300_800 + 3661], pa.timestamp("s"))
    assert timestamp_text(seconds).to_pylist() == ["10000-01-01 01:01:01"]
    nanos = pa.array([1_704_067_200_123_456_789], pa.timestamp("ns"))  # every year in range
    assert timestamp_text(nanos).to_pylist() == ["2024-01-01 00:00:00.123456789"]


def test_durations_are_written_for_sqlite_in_every_digit() -> None:
    # A float of seconds dropped the last microsecond; Python's timedelta drops nanoseconds.
    from arrowmig.model import Column, Table
    from arrowmig.schema import to_wire

    table = Table("t", (Column("us", pa.duration("us")), Column("ns", pa.duration("ns"))))
    batch = pa.record_batch(
        [
            pa.array([10**17 + 1, None], pa.duration("us")),
            pa.array([-1, 10**17 + 1], pa.duration("ns")),
        ],
        names=["us", "ns"],
    )
    wire = to_wire(batch, table, "sqlite")
    assert wire.column(0).to_pylist() == ["100000000000.000001 seconds", None]
    assert wire.column(1).to_pylist() == ["-0.000000001 seconds", "100000000.000000001 seconds"]


def test_texts_read_back_as_the_days_and_microseconds_they_were_written_from() -> None:
    from arrowmig.temporal_text import date_days, timestamp_units

    days = [-2_440_588, -735_160, -719_162, -1, 0, 18_262, 2_932_896, 2_145_042_905]
    written = date_text(pa.array(days, pa.int32()).view(pa.date32())).to_pylist()
    assert [date_days(t) for t in written] == days
    micros = [-63_517_780_800_000_000, -1, 0, 1_577_836_800_500_000, 316_516_204_800_000_000]
    for tz in (None, "UTC"):
        array = pa.array(micros, pa.int64()).view(pa.timestamp("us", tz=tz))
        assert [timestamp_units(t, "us") for t in timestamp_text(array).to_pylist()] == micros
    assert timestamp_units("2020-01-01T02:00:00+02:00", "us") == 1_577_836_800_000_000
    for bad in ("2023-02-29", "2020-13-01", "2020-01-01 00:00:00.5", "noon"):
        with pytest.raises(ValueError):
            date_days(bad) if len(bad) == 10 else timestamp_units(bad, "s")


@settings(max_examples=300, deadline=None)
@given(st.datetimes(), st.booleans())
def test_timestamps_go_to_sqlite_as_python_writes_them(moment: dt.datetime, zoned: bool) -> None:
    # Written by plain substring replacement, not a regex (README, "Where the time goes"):
    # every value, a zero fraction or not, in UTC or not, must still read as str(datetime).
    from arrowmig.model import Column, Table
    from arrowmig.schema import to_wire

    if zoned:
        moment = moment.replace(tzinfo=dt.UTC)
    arrow_type = pa.timestamp("us", tz="UTC" if zoned else None)
    table = Table("t", (Column("at", arrow_type),))
    batch = pa.record_batch([pa.array([moment, moment.replace(microsecond=0)], arrow_type)], ["at"])
    written = to_wire(batch, table, "sqlite").column(0).to_pylist()
    assert written == [str(moment), str(moment.replace(microsecond=0))]


def test_timestamps_past_year_9999_go_to_sqlite_without_a_zero_fraction() -> None:
    from arrowmig.model import Column, Table
    from arrowmig.schema import to_wire

    arrow_type = pa.timestamp("us", tz="UTC")
    table = Table("t", (Column("at", arrow_type),))
    values = pa.array([253_402_300_800_000_000, 253_402_300_800_000_001], arrow_type)
    written = to_wire(pa.record_batch([values], ["at"]), table, "sqlite").column(0)
    assert written.to_pylist() == [
        "10000-01-01 00:00:00+00:00",
        "10000-01-01 00:00:00.000001+00:00",
    ]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.none() | st.datetimes(), min_size=1, max_size=5))
def test_utc_timestamps_are_written_as_arrow_writes_them(moments: list[dt.datetime | None]) -> None:
    # Written from the naive text and a 'Z' (Arrow's own cast looks the zone up per value):
    # the same text, nulls kept, as Arrow's cast of the zoned value.
    import pyarrow.compute as pc

    zoned = pa.array(moments, pa.timestamp("us", tz="UTC"))
    assert timestamp_text(zoned).to_pylist() == pc.cast(zoned, pa.string()).to_pylist()

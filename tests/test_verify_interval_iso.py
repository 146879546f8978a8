"""``verify`` of ISO 8601 interval text ('P1Y2M', 'PT1H30M', 'P0001-02-03T04:05:06') in a
SQLite column against a PostgreSQL interval column: DuckDB reads no ISO 8601 interval, so such
text only equaled itself, and a faithful load was reported changed."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arrowmig import interval_iso, interval_text
from arrowmig.verifier import verify
from tests.dbutil import interval_texts_loaded

pytestmark = pytest.mark.postgres

FORMS = [
    "P1Y2M",
    "PT1H30M",
    "P0D",
    "P2W",
    "P1Y2M3W4DT5H6M7S",
    "P-1Y-2M",
    "PT-1.5S",
    "P1.5Y",
    "P0.3M",
    "P1.7W",
    "P-0.25D",
    "PT.5H",
    "P1DT2H",
    "P0001-02-03T04:05:06",
    "P0001-02",
    "PT04:05",
    "P00010203T040506",
    "P1Y2M3DT4:05:06.5",
]


def _numbers() -> st.SearchStrategy[str]:
    whole = st.integers(-400, 400).map(str)
    fraction = st.tuples(st.integers(-400, 400), st.integers(0, 999999)).map(
        lambda p: f"{p[0]}.{p[1]}"
    )
    return st.one_of(whole, fraction)


@st.composite
def _designators(draw: st.DrawFn) -> str:
    date = "".join(draw(_numbers()) + u for u in "YMWD" if draw(st.booleans()))
    time = "".join(draw(_numbers()) + u for u in "HMS" if draw(st.booleans()))
    return "P" + date + ("T" + time if time or draw(st.booleans()) else "")


@st.composite
def _alternative(draw: st.DrawFn) -> str:
    y, mo, d = draw(st.integers(0, 9999)), draw(st.integers(0, 12)), draw(st.integers(0, 31))
    h, mi, s = draw(st.integers(0, 99)), draw(st.integers(0, 59)), draw(st.integers(0, 59))
    date = draw(st.sampled_from([f"{y:04d}", f"{y:04d}-{mo:02d}", f"{y:04d}-{mo:02d}-{d:02d}"]))
    time = draw(
        st.sampled_from(["", f"T{h:02d}", f"T{h:02d}:{mi:02d}", f"T{h:02d}:{mi:02d}:{s:02d}.5"])
    )
    return "P" + date + time


def _server_parts(con: psycopg.Connection, text: str) -> tuple[int, int, int] | None:
    try:
        (value,) = con.execute("SELECT %s::interval::text", (text,)).fetchone() or ("",)
    except psycopg.errors.DataError:
        return None
    return interval_text.parse_output(value)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.one_of(st.sampled_from(FORMS), _designators(), _alternative()))
def test_iso_text_reads_as_the_server_reads_it(pg_url: str, text: str) -> None:
    if interval_text.finer_than_microsecond(text):
        return  # compared as written, never by value (normalise._finer_interval)
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("SET IntervalStyle = postgres")
        assert interval_iso.parts(text) == _server_parts(con, text)


def test_texts_the_server_refuses_are_not_read() -> None:
    for text in ("p1d", " P1D", "P1D ", "-P1D", "P1,5D", "P", "PX", "P1Q", "PT1D"):
        assert interval_iso.parts(text) is None, text


def test_iso_text_loaded_into_an_interval_column_verifies_and_a_change_is_caught(
    tmp_path: Path, pg_url: str
) -> None:
    texts = [*FORMS, "90 minutes", "@ 3 hours ago"]
    source = interval_texts_loaded(tmp_path, pg_url, texts)
    report = verify(source, pg_url, level="diff")
    assert report.ok, report.tables[0].diffs
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("UPDATE iv SET dur = dur + interval '1 microsecond' WHERE id = 2")
    report = verify(source, pg_url, level="diff")
    assert not report.ok
    assert [d.key for d in report.tables[0].diffs] == [{"id": 2}]

"""DECIMAL(p,s) columns of SQLite sources presumed and proven while reading: the proof admits
exactly the values the profile's scan admits (a migration then picks the profile's type, and
loads a table again exactly when the profile would not have chosen the decimal), and every
value arrives as the decimal it is."""

from __future__ import annotations

import math
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from arrowmig.endpoints import open_endpoint
from arrowmig.errors import TypeSurprise
from tests.dbutil import sqlite_rows, sqlite_table


def _nudged(value: float, steps: int) -> float:
    for _ in range(abs(steps)):
        value = math.nextafter(value, math.copysign(math.inf, steps))
    return value


@st.composite
def decimal_columns(draw: st.DrawFn) -> tuple[int, int, list[Any]]:
    """A DECIMAL(p,s) the proof may presume, and values on its decimals, next to them (a
    double or two away), at and past its bounds, and any double at all."""
    precision = draw(st.integers(1, 15))
    scale = draw(st.integers(0, precision))
    units = st.integers(-(10**precision) - 2, 10**precision + 2)
    near = st.builds(
        lambda k, steps: _nudged(float(Decimal(k).scaleb(-scale)), steps),
        units,
        st.sampled_from([0, 0, 0, -1, 1, 2]),
    )
    value = st.one_of(near, units, st.floats(allow_nan=False), st.none())
    return precision, scale, draw(st.lists(value, min_size=1, max_size=12))


@settings(max_examples=150, deadline=None)
@given(decimal_columns())
@example((15, 2, [9_999_999_999_999.99, -9_999_999_999_999.99, 0.01, 7]))  # the largest
@example((15, 2, [0.5, 10_000_000_000_000]))  # 14 digits before the point
@example((15, 2, [0.5, 9_999_999_999_999.995]))  # rounds to 10^13
@example((15, 15, [0.999999999999999, 1e-15, -1e-15]))
@example((15, 15, [5e-324]))  # the least double: no decimal of 15 places
@example((12, 2, [1.25, 1.255]))  # 1.255 is 1.25499999999999989...
@example((12, 2, [0.1 + 0.2]))
@example((12, 2, [0.29, -1.15, 0.57]))  # times 100: 28.999999999999996, ...
@example((12, 2, [1.5, math.inf]))
@example((3, 1, [-0.0, 99.9, -99.9]))
def test_the_proof_admits_what_the_profile_admits(column: tuple[int, int, list[Any]]) -> None:
    """Read as presumed, a column fails its proof exactly when the profile's scan picks
    another type than the decimal; otherwise the read holds each value as the profile's
    read does (SQLite's printf of it), the decimal whose nearest double SQLite stored."""
    precision, scale, values = column
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp, "s.db")
        create = f"CREATE TABLE t (id INTEGER PRIMARY KEY, c DECIMAL({precision},{scale}))"
        sqlite_table(source, create, list(enumerate(values, start=1)))
        with open_endpoint(str(source)) as src:
            presumed = src.describe("t", presume=True)
            profiled = src.describe("t")
            held = any(v is not None for v in values)
            assert presumed.columns[1].proof == ("decimal" if held else None)
            try:
                got = src.read(presumed, batch_rows=3).read_all().column("c")
            except TypeSurprise:
                got = None
            expected = src.read(profiled, batch_rows=3).read_all().column("c")
        if presumed.columns[1].proof is None:
            assert got is not None and got.type == expected.type
            return
        assert (got is None) == (profiled.columns[1].arrow_type != presumed.columns[1].arrow_type)
        if got is not None:
            assert got.equals(expected)
            stored = [r[1] for r in sqlite_rows(source, "t", "id")]
            assert got.to_pylist() == [None if v is None else Decimal(repr(v)) for v in stored]


def test_decimals_a_double_does_not_carry_or_without_a_value_are_profiled(
    tmp_path: Path,
) -> None:
    # DECIMAL(16,2) holds decimals of 16 digits that no double tells apart; a bare NUMERIC
    # sets no scale; a column of NULLs only is profiled, its declaration deciding.
    source = sqlite_table(
        tmp_path / "s.db",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, wide DECIMAL(16,2), bare NUMERIC, "
        "none DECIMAL(12,2), late DECIMAL(12,2), money DECIMAL(15,2))",
        [(i, i / 4, i / 8, None, 1.25 if i == 900 else None, i / 100) for i in range(1, 1001)],
    )
    with open_endpoint(source) as src:
        presumed = src.describe("t", presume=True)
        profiled = src.describe("t")
    proofs = {c.name: c.proof for c in presumed.columns}
    assert proofs == {
        "id": "integer",
        "wide": None,
        "bare": None,
        "none": None,
        "late": "decimal",
        "money": "decimal",
    }
    assert [(c.arrow_type, c.target_type) for c in presumed.columns] == [
        (c.arrow_type, c.target_type) for c in profiled.columns
    ]

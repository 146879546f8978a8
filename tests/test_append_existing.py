"""Appending and truncating into tables that already exist, as an application made them: each
value goes in exactly as it is or is named as its row's problem, and a run that cannot load
a table says so before it has emptied anything.
"""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

import arrowmig
from arrowmig.conform import conform, decimal_as_float
from tests.dbutil import duckdb_rows, pg_exec, pg_rows

ALL_CENTS = [i / 100 for i in range(100_000)]
"""Every two-place value from 0.00 to 999.99, as doubles: what SQLite holds for prices."""


def _prices_db(path: Path, prices: list[float]) -> str:
    # Django declares a DecimalField as bare `decimal` in SQLite, which stores reals.
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE shop_product (id INTEGER PRIMARY KEY, price decimal NOT NULL)")
    con.executemany("INSERT INTO shop_product VALUES (?, ?)", enumerate(prices, 1))
    con.commit()
    con.close()
    return str(path)


def test_every_two_place_double_fits_numeric_10_2_and_a_third_place_does_not() -> None:
    stored = conform(pa.array(ALL_CENTS), pa.decimal128(10, 2))
    assert stored.to_pylist() == [Decimal(f"{v:.2f}") for v in ALL_CENTS]
    with pytest.raises(pa.ArrowInvalid):
        conform(pa.array([0.125]), pa.decimal128(10, 2))


def test_decimals_become_the_nearest_double() -> None:
    # Arrow's own cast gives 18.400000000000002 for 18.40; every one here is float(text).
    texts = [f"{v:.2f}" for v in ALL_CENTS] + ["-0.35", "123456789012.345", "1E-8"]
    values = [*(Decimal(t) for t in texts), None]
    wide = pa.array(values, pa.decimal128(38, 8))  # through its text
    narrow = pa.array([*values[:-2], None], pa.decimal128(15, 3)).slice(7)  # by division
    for array in (wide, narrow):
        as_double = decimal_as_float(array, pa.float64()).to_pylist()
        assert as_double == [None if d is None else float(d) for d in array.to_pylist()]
    assert conform(pa.array([Decimal("18.40")]), pa.float64()).to_pylist() == [18.4]


@pytest.mark.postgres
@pytest.mark.slow
def test_truncate_loads_every_price_into_an_existing_numeric_10_2(
    tmp_path: Path, pg_url: str
) -> None:
    src = _prices_db(tmp_path / "shop.db", ALL_CENTS)
    pg_exec(
        pg_url,
        "CREATE TABLE shop_product (id bigint PRIMARY KEY, price numeric(10,2) NOT NULL)",
        "INSERT INTO shop_product VALUES (1, 9.99)",
    )
    report = arrowmig.migrate(src, pg_url, config=arrowmig.MigrationConfig(mode="truncate"))
    assert report.ok, report.tables[0].error
    loaded = [price for _, price in pg_rows(pg_url, "shop_product", "id")]
    assert loaded == [Decimal(f"{v:.2f}") for v in ALL_CENTS]


@pytest.mark.postgres
def test_a_price_with_a_third_place_is_the_only_row_set_aside(tmp_path: Path, pg_url: str) -> None:
    src = _prices_db(tmp_path / "shop.db", [0.35, 18.4, 0.125, 0.7, 19.99, 5])
    pg_exec(pg_url, "CREATE TABLE shop_product (id bigint PRIMARY KEY, price numeric(10,2))")
    config = arrowmig.MigrationConfig(
        mode="append", on_error="reject", reject_dir=str(tmp_path / "rejects")
    )
    report = arrowmig.migrate(src, pg_url, config=config)
    assert report.rejected == 1
    assert pg_rows(pg_url, "shop_product", "id") == [
        (1, Decimal("0.35")),
        (2, Decimal("18.40")),
        (4, Decimal("0.70")),
        (5, Decimal("19.99")),
        (6, Decimal("5.00")),
    ]


def test_append_into_an_existing_duckdb_decimal_keeps_every_price(tmp_path: Path) -> None:
    prices = ALL_CENTS[::7]  # a spread of them: 0.35 and 18.4 among those refused before
    src = _prices_db(tmp_path / "shop.db", prices)
    target = str(tmp_path / "shop.duckdb")
    con = duckdb.connect(target)
    con.execute("CREATE TABLE shop_product (id BIGINT PRIMARY KEY, price DECIMAL(10,2))")
    con.close()
    report = arrowmig.migrate(src, target, config=arrowmig.MigrationConfig(mode="append"))
    assert report.ok, report.tables[0].error
    loaded = [price for _, price in duckdb_rows(target, "shop_product", "id")]
    assert loaded == [Decimal(f"{v:.2f}") for v in prices]


def test_a_decimal_cast_to_double_is_the_nearest_double(tmp_path: Path) -> None:
    src = str(tmp_path / "money.duckdb")
    con = duckdb.connect(src)
    con.execute("CREATE TABLE lines (id INTEGER PRIMARY KEY, price DECIMAL(10,2))")
    con.execute("INSERT INTO lines VALUES (1, 18.40), (2, 0.35), (3, 19.99)")
    con.close()
    target = str(tmp_path / "w.db")
    config = arrowmig.MigrationConfig(casts=(("lines", "price", "double precision"),))
    assert arrowmig.migrate(src, target, config=config).ok
    con = sqlite3.connect(target)
    assert con.execute("SELECT price FROM lines ORDER BY id").fetchall() == [
        (18.4,),
        (0.35,),
        (19.99,),
    ]
    con.close()

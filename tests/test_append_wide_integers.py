"""Integers past 64 bits (DuckDB's UBIGINT past 2**63 - 1, HUGEINT, UHUGEINT) appended into
existing integer columns: each value arrives exactly or is a bad value of its row, never
rounded, and a refusal says what the user gave and what would work.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import duckdb
import psycopg
import pytest

from arrowmig import migrate
from arrowmig.config import MigrationConfig
from arrowmig.errors import SchemaError

UBIGINT_MAX = 2**64 - 1
UHUGEINT_MAX = 2**128 - 1


def _unsigned_source(path: Path) -> str:
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE u (id INTEGER PRIMARY KEY, ubi UBIGINT, uhi UHUGEINT)")
        con.execute(
            f"INSERT INTO u VALUES (1, {UBIGINT_MAX}, {UHUGEINT_MAX}), (2, {2**63}, 5),"
            f" (3, 5, {2**127}), (4, {2**63 - 1}, {2**63 - 1})"
        )
    return str(path)


def test_wide_integers_into_a_loose_sqlite_integer_column_are_refused_not_rounded(
    tmp_path: Path,
) -> None:
    # A table that is not STRICT takes any value, but its INTEGER affinity turned the text
    # 18446744073709551615 into the REAL 1.84467440737096e+19, and the run said done.
    source, target = _unsigned_source(tmp_path / "s.duckdb"), tmp_path / "t.db"
    with sqlite3.connect(target) as con:
        con.execute("CREATE TABLE u (id INTEGER PRIMARY KEY, ubi INTEGER, uhi NUMERIC)")
    failed = migrate(source, str(target), config=MigrationConfig(mode="append"))
    error = failed.tables[0].error or ""
    assert (
        "table 'u', column 'ubi', id 1: the target column's INTEGER affinity would store the "
        "number as the REAL 1.8446744073709552e+19: 18446744073709551615" in error
    )
    config = MigrationConfig(mode="append", on_error="reject", reject_dir=str(tmp_path / "r"))
    kept = migrate(source, str(target), config=config)
    assert kept.tables[0].rejected == 3
    with sqlite3.connect(target) as con:
        rows = con.execute("SELECT id, ubi, typeof(ubi), uhi, typeof(uhi) FROM u").fetchall()
    assert rows == [(4, 2**63 - 1, "integer", 2**63 - 1, "integer")]


def test_wide_integers_into_a_loose_sqlite_text_column_keep_their_digits(
    tmp_path: Path,
) -> None:
    source, target = _unsigned_source(tmp_path / "s.duckdb"), tmp_path / "t.db"
    with sqlite3.connect(target) as con:
        con.execute("CREATE TABLE u (id INTEGER PRIMARY KEY, ubi TEXT, uhi)")
    assert migrate(source, str(target), config=MigrationConfig(mode="append")).ok
    with sqlite3.connect(target) as con:
        rows = con.execute("SELECT ubi, uhi FROM u WHERE id = 1").fetchall()
    assert rows == [(str(UBIGINT_MAX), str(UHUGEINT_MAX))]


@pytest.mark.postgres
def test_uhugeint_appends_into_bigint_value_by_value(tmp_path: Path, pg_url: str) -> None:
    # UHUGEINT into bigint was refused whole, with a --cast the user never gave
    # ("--cast u.uhi=numeric(39,0) does not convert ...") and "--cast u.uhi=boolean" as the
    # way past. A number goes into any integer column, each value checked on the way.
    source = _unsigned_source(tmp_path / "s.duckdb")
    with psycopg.connect(pg_url) as con:
        con.execute("CREATE TABLE u (id integer PRIMARY KEY, ubi bigint, uhi bigint)")
    config = MigrationConfig(mode="append", on_error="reject", reject_dir=str(tmp_path / "r"))
    report = migrate(source, pg_url, config=config)
    assert report.tables[0].rejected == 3, [t.error for t in report.tables]
    with psycopg.connect(pg_url) as con:
        assert con.execute("SELECT id, ubi, uhi FROM u").fetchall() == [(4, 2**63 - 1, 2**63 - 1)]


@pytest.mark.postgres
def test_an_impossible_append_names_no_cast_the_user_did_not_give(
    tmp_path: Path, pg_url: str
) -> None:
    source = _unsigned_source(tmp_path / "s.duckdb")
    with psycopg.connect(pg_url) as con:
        con.execute("CREATE TABLE u (id integer PRIMARY KEY, ubi bigint, uhi boolean)")
    with pytest.raises(SchemaError) as refused:
        migrate(source, pg_url, config=MigrationConfig(mode="append"))
    message = str(refused.value)
    assert "column 'uhi' is UHUGEINT in the source but boolean in the target" in message
    # Only a cast that converts: =boolean takes 0 and 1 (any other number is a bad value of
    # its row); none for the bigint column, whose values no cast narrows.
    assert set(re.findall(r"'([\w.]+)': '(\w+)'", message)) == {("u.uhi", "boolean")}


def _past_128_bits(path: Path) -> str:
    """Values whose digits overflow a 128-bit integer: Arrow's parse of their text wrapped
    around 2**128 (UHUGEINT's maximum arrived as -1, the VARINT 2**128 + 5 as 5)."""
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE w (id INTEGER PRIMARY KEY, uhi UHUGEINT, big VARINT)")
        con.execute(
            f"INSERT INTO w VALUES (1, {UHUGEINT_MAX}, {2**128 + 5}::VARINT),"
            f" (2, 7, -{2**128 + 1}::VARINT), (3, 12, 34)"
        )
    return str(path)


@pytest.mark.postgres
def test_integers_past_128_bits_into_a_pg_numeric_38_are_refused_not_wrapped(
    tmp_path: Path, pg_url: str
) -> None:
    source = _past_128_bits(tmp_path / "s.duckdb")
    with psycopg.connect(pg_url) as con:
        con.execute("CREATE TABLE w (id integer PRIMARY KEY, uhi numeric(38,0), big numeric(38,0))")
    with pytest.raises(SchemaError) as refused:
        migrate(source, pg_url, config=MigrationConfig(mode="append"))
    message = str(refused.value)
    assert "column 'uhi', id 1: value does not fit the target column's type" in message
    assert "column 'big', id 1: value does not fit" in message, message
    config = MigrationConfig(mode="append", on_error="reject", reject_dir=str(tmp_path / "r"))
    assert migrate(source, pg_url, config=config).tables[0].rejected == 2
    with psycopg.connect(pg_url) as con:
        assert con.execute("SELECT id, uhi, big FROM w").fetchall() == [(3, 12, 34)]


def test_integers_past_128_bits_into_a_duckdb_decimal_38_are_refused_not_wrapped(
    tmp_path: Path,
) -> None:
    source, target = _past_128_bits(tmp_path / "s.duckdb"), tmp_path / "t.duckdb"
    with duckdb.connect(str(target)) as con:
        con.execute("CREATE TABLE w (id INTEGER PRIMARY KEY, uhi DECIMAL(38,0), big DECIMAL(38,0))")
    with pytest.raises(SchemaError) as refused:
        migrate(source, str(target), config=MigrationConfig(mode="append"))
    # In the target's own words: DuckDB has no numeric(38,0).
    assert "type (DECIMAL(38,0)) exactly" in str(refused.value)
    config = MigrationConfig(mode="append", on_error="reject", reject_dir=str(tmp_path / "r"))
    assert migrate(source, str(target), config=config).tables[0].rejected == 2
    with duckdb.connect(str(target)) as con:
        assert con.execute("SELECT id, uhi, big FROM w").fetchall() == [(3, 12, 34)]


@pytest.mark.postgres
def test_an_unbounded_pg_numeric_past_128_bits_into_duckdb_decimal_is_refused(
    tmp_path: Path, pg_url: str
) -> None:
    # An unbounded numeric travels as its text; 2**128 + 5 parsed into DECIMAL(38,0) was 5.
    with psycopg.connect(pg_url) as con:
        con.execute("CREATE TABLE n (id integer PRIMARY KEY, v numeric)")
        con.execute(f"INSERT INTO n VALUES (1, {2**128 + 5}), (2, 1.5e39), (3, -12)")
    target = tmp_path / "t.duckdb"
    with duckdb.connect(str(target)) as con:
        con.execute("CREATE TABLE n (id INTEGER PRIMARY KEY, v DECIMAL(38,0))")
    config = MigrationConfig(mode="append", on_error="reject", reject_dir=str(tmp_path / "r"))
    assert migrate(pg_url, str(target), config=config).tables[0].rejected == 2
    with duckdb.connect(str(target)) as con:
        assert con.execute("SELECT id, v FROM n").fetchall() == [(3, -12)]

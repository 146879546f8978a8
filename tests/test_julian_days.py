"""Julian days (SQLite's julianday()) in a date column: the plan names ``--cast T.C=julian``,
never an epoch cast, and the cast reads them as the instants SQLite's datetime() names.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from arrowmig import migrate
from arrowmig.cli import main
from arrowmig.config import MigrationConfig
from arrowmig.errors import SchemaError, UsageError
from tests.dbutil import duckdb_exec, sqlite_table


def _source(path: Path) -> str:
    # julianday('2024-01-01 10:00:00'), of '2024-06-01 12:00' (noon's is whole: DATETIME's
    # NUMERIC affinity stores it as an integer) and of '2024-06-01'; e: time.time()'s seconds.
    return sqlite_table(
        path,
        "CREATE TABLE r (id INTEGER PRIMARY KEY, t DATETIME, d DATE, e DATETIME)",
        [
            (1, 2460310.9166666665, 2460463.0, 1700000000.5),
            (2, 2460462.5, None, 1700000001.25),
            (3, None, None, None),
        ],
    )


def test_the_plan_names_the_julian_cast_for_julian_days(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Its only hint was epoch_s, which puts 2460310.9166 (2024-01-01 10:00) on 1970-01-29.
    db = _source(tmp_path / "s.db")
    assert main(["plan", db, str(tmp_path / "t.duckdb")]) == 0
    flags = [line for line in capsys.readouterr().err.splitlines() if line.startswith("  ! ")]
    by_column = {line.split(":")[0][4:]: line for line in flags}
    for column in ("t", "d"):
        said = by_column[column]
        assert f"--cast r.{column}=julian reads them as julian days" in said
        assert "numbers in the julian-day range" in said  # a range, not a proof of the unit
        assert f"r.{column}=epoch" not in by_column[column]
    # Seconds since 1970 are not julian days: their hint stays.
    assert "--cast r.e=epoch_s reads seconds since 1970" in by_column["e"]


def test_the_julian_cast_reads_instants_as_sqlite_does(tmp_path: Path) -> None:
    db = _source(tmp_path / "s.db")
    target = tmp_path / "t.duckdb"
    casts = (("r", "t", "julian"), ("r", "d", "julian"))
    report = migrate(db, str(target), config=MigrationConfig(casts=casts))
    assert report.ok, [t.error for t in report.tables]
    utc = dt.UTC
    with duckdb.connect(str(target), read_only=True) as con:
        rows = con.execute("SELECT t, d FROM r ORDER BY id").fetchall()
        kinds = con.execute("SELECT typeof(t), typeof(d) FROM r LIMIT 1").fetchone()
    # 2460310.9166666665 is 10 µs short of 10:00: to the millisecond, as datetime() reads it.
    assert rows == [
        (dt.datetime(2024, 1, 1, 10, tzinfo=utc), dt.datetime(2024, 6, 1, 12, tzinfo=utc)),
        (dt.datetime(2024, 6, 1, tzinfo=utc), None),
        (None, None),
    ]
    assert kinds == ("TIMESTAMP WITH TIME ZONE", "TIMESTAMP WITH TIME ZONE")


def test_an_append_into_timestamps_names_the_julian_cast_too(tmp_path: Path) -> None:
    # Create mode named julian; the append's refusal named epoch_s, which puts each in 1970.
    db = _source(tmp_path / "s.db")
    target = tmp_path / "t.duckdb"
    duckdb_exec(
        target,
        "CREATE TABLE r (id BIGINT PRIMARY KEY, t TIMESTAMPTZ, d TIMESTAMPTZ, e TIMESTAMPTZ)",
    )
    with pytest.raises(SchemaError) as refused:
        migrate(db, str(target), config=MigrationConfig(mode="append"))
    said = str(refused.value)
    assert "add casts={'r.t': 'julian', 'r.d': 'julian', 'r.e': 'epoch_s'}" in said, said


@pytest.mark.parametrize("cast", ["julian", "epoch_s"])
def test_a_count_cast_of_text_is_refused_by_the_plan_as_by_the_run(
    tmp_path: Path, cast: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # The plan accepted it ("text ... taken as UTC"); the run then failed the table on the
    # first text, '2460310.5' too. Counts of days or seconds are read from numbers only.
    db = sqlite_table(
        tmp_path / "s.db",
        "CREATE TABLE ev (id INTEGER PRIMARY KEY, at TEXT)",
        [(1, "2460310.5"), (2, "2024-01-01 10:00:00")],
    )
    target = str(tmp_path / "t.duckdb")
    said = f"--cast ev.at={cast}: text values do not convert to {cast}"
    assert main(["plan", db, target, "--cast", f"ev.at={cast}"]) == 2
    err = capsys.readouterr().err
    assert said in err and "or --cast ev.at=timestamptz for timestamp text" in err, err
    with pytest.raises(UsageError, match=f"text values do not convert to {cast};"):
        migrate(db, target, config=MigrationConfig(casts=(("ev", "at", cast),)))
    assert not Path(target).exists()


def _days_and_a_date_column(tmp_path: Path, days: list[float | None]) -> tuple[str, Path]:
    """A SQLite DATE column of julian days, and a DuckDB table whose column is a DATE."""
    rows = list(enumerate(days, start=1))
    db = sqlite_table(tmp_path / "s.db", "CREATE TABLE r (id INTEGER PRIMARY KEY, d DATE)", rows)
    target = tmp_path / "t.duckdb"
    duckdb_exec(target, "CREATE TABLE r (id BIGINT PRIMARY KEY, d DATE)")
    return db, target


def test_julian_days_go_into_an_existing_date_column_as_their_utc_dates(tmp_path: Path) -> None:
    # The refusal named --cast r.d=text, which failed every row, and refused =julian itself.
    # julianday('2024-01-01'), of '2024-02-29'
    db, target = _days_and_a_date_column(tmp_path, [2460310.5, 2460369.5, None])
    with pytest.raises(SchemaError) as refused:
        migrate(db, str(target), config=MigrationConfig(mode="append"))
    assert "add casts={'r.d': 'julian'}" in str(refused.value), str(refused.value)
    config = MigrationConfig(mode="append", casts=(("r", "d", "julian"),))
    report = migrate(db, str(target), config=config)
    assert report.ok, [t.error for t in report.tables]
    with duckdb.connect(str(target), read_only=True) as con:
        rows = con.execute("SELECT id, d FROM r ORDER BY id").fetchall()
    assert rows == [(1, dt.date(2024, 1, 1)), (2, dt.date(2024, 2, 29)), (3, None)]


def test_a_julian_day_past_midnight_is_a_bad_value_of_a_date_column(tmp_path: Path) -> None:
    # 2460311 is 2024-01-01 12:00 UTC: its date would drop the noon without a word.
    db, target = _days_and_a_date_column(tmp_path, [2460310.5, 2460311])
    config = MigrationConfig(
        mode="append",
        casts=(("r", "d", "julian"),),
        on_error="reject",
        reject_dir=str(tmp_path / "rejects"),
    )
    (table,) = migrate(db, str(target), config=config).tables
    assert table.rejected == 1
    with duckdb.connect(str(target), read_only=True) as con:
        assert con.execute("SELECT id, d FROM r").fetchall() == [(1, dt.date(2024, 1, 1))]

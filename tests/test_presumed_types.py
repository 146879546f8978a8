"""Types presumed from SQLite declarations and proven while reading: a migration picks the
same types as a full profile, and a value that breaks a presumption (late in the table, in
the first batch, in one of several streams) gets its table profiled and loaded again, with
every row exact and said in the report.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pytest

from arrowmig import migrate, verify
from arrowmig.config import BatchConfig, MigrationConfig
from arrowmig.endpoints import open_endpoint
from arrowmig.migrate import explain
from tests.dbutil import duckdb_rows, pg_columns, pg_rows, q, sqlite_rows
from tests.test_resume import arrowmig, kill_after

ROWS = 12_000
DECLARED = (
    "id INTEGER PRIMARY KEY, n INTEGER, r REAL, s TEXT, v VARCHAR(6), b BOOLEAN, "
    "d DATE, ts TIMESTAMP, tt DATETIME, raw BLOB, m DECIMAL(12,2)"
)
MONEY_BOUND = 9_999_999_999.99
"""The largest DECIMAL(12,2): rows 1 and 2 hold it and its negative."""


def _row(i: int) -> tuple[Any, ...]:
    return (
        i,
        i * 3,
        i / 7,
        f"text {i}",
        f"v{i % 1000}",
        i % 2,
        f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}",
        f"2024-01-{1 + i % 28:02d} 10:{i % 60:02d}:00.{i % 1000:03d}",
        f"2023-05-{1 + i % 28:02d}T08:00:00",
        bytes([i % 256, 7]),
        # Cents, some whole (NUMERIC affinity stores those as integers), some negative.
        MONEY_BOUND * (-1) ** i if i <= 2 else round((i - 6000) * 1.37, 2),
    )


def build(path: Path, odd: dict[int, dict[str, Any]] | None = None) -> str:
    """A table of every presumable declared type; ``odd`` sets values of chosen rows."""
    con = sqlite3.connect(path)
    con.execute(f"CREATE TABLE t ({DECLARED})")
    con.executemany(
        "INSERT INTO t VALUES (?,?,?,?,?,?,?,?,?,?,?)", [_row(i) for i in range(1, ROWS + 1)]
    )
    for row_id, values in (odd or {}).items():
        for column, value in values.items():
            con.execute(f"UPDATE t SET {q(column)} = ? WHERE id = ?", (value, row_id))
    con.commit()
    con.close()
    return str(path)


def _config(**overrides: Any) -> MigrationConfig:
    settings: dict[str, Any] = {
        "batch": BatchConfig(batch_rows=1000),
        "split_rows": 5000,
        "parallel": 2,
    }
    settings.update(overrides)
    return MigrationConfig(**settings)


def _duckdb_types(path: Path, table: str = "t") -> dict[str, str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ?", [table]
        ).fetchall()
        return {str(name): str(kind) for name, kind in rows}
    finally:
        con.close()


def _profiled_types(source: str, target: Path) -> dict[str, str]:
    """The DuckDB types a full profile picks (``arrowmig plan`` profiles every value)."""
    plan = explain(source, str(target), config=MigrationConfig(mode="replace"))
    (table,) = plan.to_dict()["tables"]
    # DuckDB keeps no VARCHAR length; a DECIMAL's precision and scale are what it holds.
    return {c["name"]: _duckdb_spelling(c["target_type"].upper()) for c in table["columns"]}


def _duckdb_spelling(planned: str) -> str:
    return planned if planned.startswith("DECIMAL") else planned.split("(")[0]


def _loaded_again(report: Any) -> list[str]:
    return [n for t in report.tables for n in t.notes if "loaded again" in n]


def test_presumed_columns_get_the_profiles_types_without_a_value_scan(tmp_path: Path) -> None:
    source = build(tmp_path / "s.db")
    with open_endpoint(source) as src:
        presumed = src.describe("t", presume=True, workers=2)
        profiled = src.describe("t", workers=2)
    assert [(c.arrow_type, c.target_type) for c in presumed.columns] == [
        (c.arrow_type, c.target_type) for c in profiled.columns
    ]
    proofs = {c.name: c.proof for c in presumed.columns}
    assert proofs == {
        "id": "integer",
        "n": "integer",
        "r": "real",
        "s": "text",
        "v": "varchar",
        "b": "boolean",
        "d": "date_texts",
        "ts": "ts_texts",
        "tt": "ts_texts",
        "raw": "blob",
        "m": "decimal",
    }
    assert presumed.row_count == ROWS

    target = tmp_path / "t.duckdb"
    report = migrate(source, str(target), config=_config())
    assert not report.failed and not _loaded_again(report)
    assert _duckdb_types(target) == _profiled_types(source, target)
    assert duckdb_rows(target, "t", "id") == [
        tuple(_expected(v, c) for v, c in zip(r, DECLARED.split(", "), strict=True))
        for r in sqlite_rows(source, "t", "id")
    ]


def _expected(value: Any, declaration: str) -> Any:
    """A source value as the DuckDB target holds it (dates and timestamps parsed)."""
    import datetime as dt
    import decimal

    kind = declaration.split()[1]
    if kind == "BOOLEAN":
        return bool(value)
    if kind == "DATE":
        return dt.date.fromisoformat(value)
    if kind in ("TIMESTAMP", "DATETIME"):
        return dt.datetime.fromisoformat(value)
    if kind == "DECIMAL(12,2)" and value is not None:
        return decimal.Decimal(repr(value))  # a real's shortest text: the decimal it is
    return value


@pytest.mark.parametrize(
    ("odd", "column", "profiled_type"),
    [
        ({11_500: {"n": 2.5}}, "n", "DOUBLE"),  # late real in an INTEGER column
        ({3: {"n": "three"}}, "n", "VARCHAR"),  # in the first batch: the driver widens it
        ({11_999: {"b": 2}}, "b", "BIGINT"),
        ({9_000: {"d": "2023-02-30"}}, "d", "VARCHAR"),  # no such day
        ({7_000: {"ts": "2024-01-01 10:00"}}, "ts", "VARCHAR"),  # another format: no seconds
        ({6_000: {"ts": 1_700_000_000}}, "ts", "VARCHAR"),  # a Unix epoch among texts
        ({10_000: {"v": "longer than six"}}, "v", "VARCHAR"),
        ({8_000: {"r": "n/a"}}, "r", "VARCHAR"),
        ({11_000: {"m": 1.255}}, "m", "DOUBLE"),  # no decimal of 2 places is this double
        ({9_500: {"m": 10_000_000_000.5}}, "m", "DOUBLE"),  # past DECIMAL(12,2)
        ({4: {"m": "n/a"}}, "m", "VARCHAR"),  # text in the first batch: the driver widens it
        ({7_500: {"m": "12.5x"}}, "m", "VARCHAR"),  # late text: the driver's type mismatch
    ],
)
def test_a_value_that_breaks_a_presumed_type_reloads_its_table(
    tmp_path: Path, odd: dict[int, dict[str, Any]], column: str, profiled_type: str
) -> None:
    source = build(tmp_path / "s.db", odd)
    target = tmp_path / "t.duckdb"
    report = migrate(source, str(target), config=_config())
    assert not report.failed, [t.error for t in report.tables]
    (note,) = _loaded_again(report)
    assert f"column {column!r}" in note
    types = _duckdb_types(target)
    assert types[column] == profiled_type
    assert types == _profiled_types(source, target)
    got = {r[0]: r for r in duckdb_rows(target, "t")}
    assert len(got) == ROWS and report.tables[0].rows == ROWS
    for row_id, values in odd.items():
        held = got[row_id][list(types).index(column)]
        assert str(held) == str(values[column])


def test_a_timestamp_column_mixing_space_and_t_is_not_loaded_again(tmp_path: Path) -> None:
    # Apps write both datetime()'s '2024-01-01 10:00:00' and isoformat()'s T into one column;
    # each is a timestamp to PostgreSQL and DuckDB: no reload, no text column.
    odd = {7_000: {"ts": "2024-01-01T10:00:00.5"}, 3: {"tt": "2023-05-01 08:00:00"}}
    source = build(tmp_path / "s.db", odd)
    target = tmp_path / "t.duckdb"
    report = migrate(source, str(target), config=_config())
    assert not report.failed and not _loaded_again(report)
    types = _duckdb_types(target)
    assert types["ts"] == types["tt"] == "TIMESTAMP"
    got = {r[0]: r for r in duckdb_rows(target, "t")}
    at = list(types).index
    assert got[7_000][at("ts")] == dt.datetime(2024, 1, 1, 10, 0, 0, 500_000)
    assert got[3][at("tt")] == dt.datetime(2023, 5, 1, 8)
    assert got[4][at("tt")] == dt.datetime(2023, 5, 5, 8)


def test_a_real_that_breaks_a_presumed_datetime_is_named_as_stored(tmp_path: Path) -> None:
    # Read as text, the driver hands the real over as '1.672537e+09': the note showed that,
    # quoted, as though the column held that text.
    path = tmp_path / "ev.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE ev (id INTEGER PRIMARY KEY, occurred_at DATETIME)")
    con.executemany(
        "INSERT INTO ev VALUES (?, ?)", [(1, "2023-01-01 00:00:00"), (2, 1672537182.8658521)]
    )
    con.commit()
    con.close()
    report = migrate(str(path), str(tmp_path / "ev.duckdb"))
    assert report.ok
    (note,) = _loaded_again(report)
    assert "column 'occurred_at' holds the real 1672537182.865852, though declared" in note


def test_a_blob_among_texts_is_found_before_reading(tmp_path: Path) -> None:
    source = build(tmp_path / "s.db", {5_000: {"s": b"\x00\xff"}})
    with open_endpoint(source) as src:
        presumed = src.describe("t", presume=True)
    by_name = {c.name: c for c in presumed.columns}
    assert by_name["s"].proof is None and str(by_name["s"].arrow_type) == "binary"
    target = tmp_path / "t.duckdb"
    report = migrate(source, str(target), config=_config())
    assert not report.failed and not _loaded_again(report)


def test_appending_profiles_in_full(tmp_path: Path) -> None:
    """Rows appended to an existing table cannot be taken back: nothing is presumed."""
    source = build(tmp_path / "s.db", {11_000: {"n": 0.5}})
    target = tmp_path / "t.duckdb"
    con = duckdb.connect(str(target))
    con.execute(
        "CREATE TABLE t (id BIGINT, n DOUBLE, r DOUBLE, s VARCHAR, v VARCHAR, b BIGINT, "
        "d DATE, ts TIMESTAMP, tt TIMESTAMP, raw BLOB, m DECIMAL(12,2))"
    )
    con.close()
    report = migrate(source, str(target), config=_config(mode="append"))
    assert not report.failed and not _loaded_again(report)
    assert len(duckdb_rows(target, "t")) == ROWS


@pytest.mark.postgres
def test_reload_in_parallel_streams_into_postgres_is_exact(pg_url: str, tmp_path: Path) -> None:
    source = build(tmp_path / "s.db", {9_999: {"n": 1.5}, 2_000: {"tt": "yesterday"}})
    report = migrate(source, pg_url, config=_config(mode="replace", on_error="fail"))
    assert not report.failed, [t.error for t in report.tables]
    assert len(_loaded_again(report)) == 1  # one reload profiles every column
    types = {name: data_type for name, data_type, _ in pg_columns(pg_url, "t")}
    with psycopg.connect(pg_url) as con:
        ids = con.execute("SELECT count(*), count(DISTINCT id) FROM t").fetchone()
    assert types["n"] == "double precision" and types["tt"] == "text"
    assert ids == (ROWS, ROWS)
    assert sorted(r[1] for r in pg_rows(pg_url, "t", "id")) == sorted(
        float(r[1]) for r in sqlite_rows(source, "t", "id")
    )


@pytest.mark.postgres
def test_resume_plans_a_reloaded_table_as_it_was_reloaded(pg_url: str, tmp_path: Path) -> None:
    """Killed while a table loads again: --resume must plan it from the full profile again
    (a presumed plan would write integers into the DOUBLE column the reload created), and
    its report say why the table was profiled."""
    path = tmp_path / "s.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE big (id INTEGER PRIMARY KEY, n INTEGER, label TEXT)")
    con.executemany(
        "INSERT INTO big VALUES (?, ?, ?)", [(i, i, f"l{i}") for i in range(1, 200_001)]
    )
    con.execute("UPDATE big SET n = 0.5 WHERE id = 2")  # breaks INTEGER in the first batch
    con.commit()
    con.close()
    with psycopg.connect(pg_url, autocommit=True) as pg:
        pg.execute("DROP TABLE IF EXISTS big, _arrowmig_checkpoints CASCADE")
    common = ["migrate", str(path), pg_url, "--batch-rows", "997", "--progress", "none"]
    common += ["--split-rows", "50000", "--parallel", "2"]
    from tests.test_resume import committed_rows

    kill_after(arrowmig(*common), pg_url, 30_000)
    assert committed_rows(pg_url) < 200_000, "the run ended before it could be killed"
    resumed = subprocess.run(
        [sys.executable, "-m", "arrowmig", *common, "--resume", "--json"], capture_output=True
    )
    assert resumed.returncode == 0, resumed.stderr.decode()
    # And says why, as the interrupted run would have: it read the value, this run does not.
    (table,) = json.loads(resumed.stdout)["tables"]
    assert any(
        n.startswith("loaded again with profiled types") and "column 'n'" in n
        for n in table["notes"]
    ), table["notes"]
    with psycopg.connect(pg_url) as pg:
        kind = pg.execute(
            "SELECT data_type FROM information_schema.columns WHERE table_name = 'big' "
            "AND column_name = 'n'"
        ).fetchone()
        total = pg.execute("SELECT count(*), count(DISTINCT id), sum(n) FROM big").fetchone()
    assert kind == ("double precision",)
    assert total == (200_000, 200_000, sum(range(1, 200_001)) - 2 + 0.5)


def test_a_surprise_in_text_that_is_not_utf8_is_named_not_fatal(tmp_path: Path) -> None:
    """The value that breaks VARCHAR(6) is not valid UTF-8: the reload still happens, and
    screening then rejects the row by its own rule."""
    path = Path(build(tmp_path / "s.db"))
    con = sqlite3.connect(path)
    con.execute("UPDATE t SET v = CAST(? AS TEXT) WHERE id = 7000", (b"\xc0" * 9,))
    con.commit()
    con.close()
    rejects = tmp_path / "rejects"
    report = migrate(
        str(path),
        str(tmp_path / "t.duckdb"),
        config=_config(on_error="reject", reject_dir=str(rejects)),
    )
    assert not report.failed, [t.error for t in report.tables]
    (note,) = _loaded_again(report)
    assert "column 'v' holds" in note and "\ufffd" in note
    assert report.tables[0].rejected == 1 and report.tables[0].rows == ROWS - 1


def test_no_profile_types_come_from_the_declared_affinity_alone(tmp_path: Path) -> None:
    """What README and --help say --no-profile does: only INTEGER, REAL, BOOLEAN and BLOB
    declarations keep a type of their own; dates, decimals, VARCHAR(n) and YEAR are text."""
    source = tmp_path / "r.db"
    con = sqlite3.connect(source)
    con.execute(
        "CREATE TABLE rental (id INTEGER PRIMARY KEY, at DATETIME, d DATE, title VARCHAR(255),"
        " amount DECIMAL(5,2), year YEAR, flag BOOLEAN, r REAL, b BLOB, u)"
    )
    con.execute(
        "INSERT INTO rental VALUES (1, '2005-05-24 22:53:30', '2005-05-24', 'A', 9.99,"
        " 2006, 1, 1.5, x'00', 'x')"
    )
    con.commit()
    con.close()
    plan = explain(str(source), str(tmp_path / "t.duckdb"), config=MigrationConfig(profile=False))
    types = {c["name"]: c["target_type"] for c in plan.to_dict()["tables"][0]["columns"]}
    assert types == {
        "id": "BIGINT",
        "flag": "BOOLEAN",
        "r": "DOUBLE",
        "b": "BLOB",
        **dict.fromkeys(("at", "d", "title", "amount", "year", "u"), "VARCHAR"),
    }


@pytest.mark.parametrize(
    ("column", "value", "profiled_type"),
    [
        ("d2", "2023-02-30", "VARCHAR"),  # no such day: found by the cast
        ("d2", "2024-1-05", "VARCHAR"),  # not the format: found by the proof
        ("v2", "longer", "VARCHAR"),
        ("v3", "abcd", "VARCHAR"),  # fits VARCHAR(4), not its own VARCHAR(3)
        ("b2", 2, "BIGINT"),
    ],
)
def test_a_surprise_among_columns_proven_together_names_its_column(
    tmp_path: Path, column: str, value: Any, profiled_type: str
) -> None:
    # Columns of the same proof and types are checked and cast as one array per batch (a
    # wide table's batch holds a few hundred rows of hundreds of columns): the value that
    # breaks one still names its own column, and only that column changes type.
    path = tmp_path / "s.db"
    con = sqlite3.connect(path)
    con.execute(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, d1 DATE, d2 DATE, v1 VARCHAR(4), "
        "v2 VARCHAR(4), v3 VARCHAR(3), b1 BOOLEAN, b2 BOOLEAN)"
    )
    con.executemany(
        "INSERT INTO t VALUES (?,?,?,?,?,?,?,?)",
        [
            (
                i,
                f"2024-01-{1 + i % 28:02d}",
                f"2023-{1 + i % 12:02d}-01",
                "abcd",
                "ab",
                "abc",
                i % 2,
                1 - i % 2,
            )
            for i in range(1, 3001)
        ],
    )
    con.execute(f"UPDATE t SET {q(column)} = ? WHERE id = 2500", (value,))
    con.commit()
    con.close()
    target = tmp_path / "t.duckdb"
    report = migrate(str(path), str(target), config=_config())
    assert not report.failed, [t.error for t in report.tables]
    (note,) = _loaded_again(report)
    assert f"column {column!r}" in note
    types = _duckdb_types(target)
    expected = {"id": "BIGINT", "d1": "DATE", "d2": "DATE", "v1": "VARCHAR", "v2": "VARCHAR"}
    expected |= {"v3": "VARCHAR", "b1": "BOOLEAN", "b2": "BOOLEAN", column: profiled_type}
    assert types == expected
    assert types == _profiled_types(str(path), target)
    held = {r[0]: r for r in duckdb_rows(target, "t")}[2500][list(types).index(column)]
    assert str(held) == str(value)


@pytest.mark.postgres
def test_columns_without_a_value_take_their_declared_types(tmp_path: Path, pg_url: str) -> None:
    """An app's fresh schema (no rows yet, or only NULLs) keeps its dates, money, JSON and
    times: nothing contradicts the declaration, as nothing does for a BOOLEAN. They became
    TEXT, unflagged."""
    declared = (
        "id INTEGER PRIMARY KEY, created DATETIME, day DATE, price DECIMAL(10,2), meta JSON, "
        "at TIME, ok BOOLEAN"
    )
    source = tmp_path / "s.db"
    con = sqlite3.connect(source)
    con.execute(f"CREATE TABLE fresh ({declared})")
    con.execute(f"CREATE TABLE blank ({declared})")
    con.executemany("INSERT INTO blank (id) VALUES (?)", [(1,), (2,)])
    con.commit()
    con.close()
    duck = str(tmp_path / "t.duckdb")
    for target in (pg_url, duck):
        assert migrate(str(source), target).ok
        assert verify(str(source), target).ok
    types = ["timestamp without time zone", "date", "numeric", "json", "time without time zone"]
    for table in ("fresh", "blank"):
        assert [t for _, t, _ in pg_columns(pg_url, table)] == ["bigint", *types, "boolean"]
        with duckdb.connect(duck, read_only=True) as con_duck:
            described = con_duck.execute(f"DESCRIBE {table}").fetchall()
        assert [row[1] for row in described] == [
            "BIGINT",
            "TIMESTAMP",
            "DATE",
            "DECIMAL(10,2)",
            "JSON",
            "TIME",
            "BOOLEAN",
        ]
    with psycopg.connect(pg_url) as con_pg:
        scale = "SELECT numeric_scale FROM information_schema.columns WHERE column_name = 'price'"
        assert con_pg.execute(scale).fetchall() == [(2,), (2,)]
    assert pg_rows(pg_url, "blank", "id") == [(1, *[None] * 6), (2, *[None] * 6)]


def test_an_interval_column_of_texts_is_presumed_text_and_loaded_once(tmp_path: Path) -> None:
    """INTERVAL holds INT, so SQLite gives it INTEGER affinity, yet it holds texts ('1 day'):
    presumed INTEGER, every such table was read, found to hold text and loaded again."""
    path = tmp_path / "iv.db"
    con = sqlite3.connect(path)
    for table in ("iv", "mixed"):
        con.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, d INTERVAL, blank INTERVAL)")
        con.executemany(
            f"INSERT INTO {table} (id, d) VALUES (?, ?)",
            [(i, f"{i} days 02:00:00") for i in range(1, 3001)],
        )
    con.execute("UPDATE mixed SET d = '5' WHERE id = 2500")  # INTEGER affinity stores 5
    con.commit()
    con.close()
    proofs = {}
    with open_endpoint(str(path)) as src:
        for table in ("iv", "mixed"):
            presumed = src.describe(table, presume=True)
            profiled = src.describe(table)
            assert [(c.arrow_type, c.target_type) for c in presumed.columns] == [
                (c.arrow_type, c.target_type) for c in profiled.columns
            ]
            proofs[table] = [c.proof for c in presumed.columns]
    # The integer is found by the scan before reading, and the columns are profiled instead.
    assert proofs == {"iv": ["integer", "text", "text"], "mixed": ["integer", None, None]}
    target = tmp_path / "iv.duckdb"
    report = migrate(str(path), str(target), config=_config())
    assert report.ok and not _loaded_again(report)
    assert _duckdb_types(target, "iv") == {"id": "BIGINT", "d": "VARCHAR", "blank": "VARCHAR"}
    assert verify(str(path), str(target)).ok

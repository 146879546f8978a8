"""Text appended into an existing exact-number column (PostgreSQL numeric, numeric(p,s); DuckDB
HUGEINT, UHUGEINT, DECIMAL): a text that is not the number's own spelling ('00012', '+5', ' 7',
'-0') would arrive as another value (12, 5, 7, 0), and '12.5' into HUGEINT as 13, all without a
word, and verify called the copy a match. Each is now a bad value of its row, as '0012' into a
SQLite INTEGER column is, and verify tells such a text from the number.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from decimal import Decimal
from pathlib import Path

import pytest

import arrowmig
from tests.dbutil import duckdb_exec, duckdb_rows, pg_exec, pg_rows, sqlite_table

MISSPELLED = [(1, "00012"), (2, "-0"), (3, "+5"), (4, " 7")]
"""Texts each exact-number column would store as another text's number: 12, 0, 5, 7."""
SPELLED = [(5, "12"), (6, "-3.50"), (7, "0.25")]
"""Texts that are their number's own spelling, which keep going in."""


def _source(folder: Path, rows: list[tuple[int, str]]) -> str:
    create = "CREATE TABLE z (id INTEGER PRIMARY KEY, a TEXT, b TEXT)"
    return sqlite_table(folder / "s.db", create, [(i, t, t) for i, t in rows])


def _append(source: str, target: str, on_error: str = "fail", mode: str = "append") -> Path:
    rejects = Path(source).parent / "rejects"
    folder = str(rejects) if on_error == "reject" else None
    config = arrowmig.MigrationConfig(mode=mode, on_error=on_error, reject_dir=folder)
    report = arrowmig.migrate(source, target, config=config)
    if on_error == "fail":
        assert not report.ok
        error = report.tables[0].error or ""
        assert error.startswith("table 'z', column 'a', id 1: the target column's "), error
        assert "would store the text as the number 12: '00012'" in error
    return rejects / "z.jsonl"


@pytest.mark.postgres
def test_misspelled_numbers_into_pg_numeric_are_refused_per_row(
    pg_url: str, tmp_path: Path
) -> None:
    pg_exec(pg_url, "CREATE TABLE z (id int PRIMARY KEY, a numeric, b numeric(10,2))")
    source = _source(tmp_path, MISSPELLED + SPELLED)
    _append(source, pg_url)
    assert pg_rows(pg_url, "z") == []
    refused = _append(source, pg_url, on_error="reject")
    assert pg_rows(pg_url, "z", "id") == [
        (5, Decimal("12"), Decimal("12.00")),
        (6, Decimal("-3.50"), Decimal("-3.50")),
        (7, Decimal("0.25"), Decimal("0.25")),
    ]
    lines = [json.loads(line) for line in refused.read_text().splitlines()]
    assert [line["key"]["id"] for line in lines] == [1, 2, 3, 4]
    reasons = [line["problems"][0]["reason"] for line in lines]
    assert reasons[1] == "the target column's numeric would store the text as the number 0"


@pytest.mark.postgres
def test_verify_tells_a_misspelled_text_from_the_pg_numeric_it_became(
    pg_url: str, tmp_path: Path
) -> None:
    """As another tool's load (or an older arrowmig) stored them: 12, 0, 5, 7."""
    pg_exec(
        pg_url,
        "CREATE TABLE z (id int PRIMARY KEY, a numeric, b numeric(10,2))",
        "INSERT INTO z VALUES (1, 12, 12), (2, 0, 0), (3, 5, 5), (4, 7, 7), "
        "(5, 12, 12), (6, -3.50, -3.50), (7, 0.25, 0.25)",
    )
    report = arrowmig.verify(_source(tmp_path, MISSPELLED + SPELLED), pg_url)
    assert not report.ok
    assert [d.key["id"] for d in report.tables[0].diffs] == [1, 2, 3, 4]


@pytest.mark.postgres
def test_spelled_numbers_into_pg_numeric_load_and_match(pg_url: str, tmp_path: Path) -> None:
    pg_exec(pg_url, "CREATE TABLE z (id int PRIMARY KEY, a numeric, b numeric(10,2))")
    source = _source(tmp_path, [*SPELLED, (8, "1e3"), (9, "3.5")])
    report = arrowmig.migrate(source, pg_url, config=arrowmig.MigrationConfig(mode="append"))
    assert report.ok, report.tables[0].error
    assert pg_rows(pg_url, "z", "id")[-1] == (9, Decimal("3.5"), Decimal("3.50"))
    assert arrowmig.verify(source, pg_url).ok


def _duckdb_target(path: Path) -> str:
    return duckdb_exec(path, "CREATE TABLE z (id INTEGER PRIMARY KEY, a HUGEINT, b DECIMAL(10,2))")


def test_misspelled_numbers_into_duckdb_hugeint_and_decimal_are_refused_per_row(
    tmp_path: Path,
) -> None:
    target = _duckdb_target(tmp_path / "t.duckdb")
    source = _source(tmp_path, [*MISSPELLED, (5, "12"), (6, "-3"), (8, "12.5")])
    _append(source, target)
    assert duckdb_rows(target, "z") == []
    refused = _append(source, target, on_error="reject")
    # '12.5' is no HUGEINT: DuckDB's cast rounded it to 13.
    assert duckdb_rows(target, "z", "id") == [(5, 12, Decimal("12.00")), (6, -3, Decimal("-3.00"))]
    lines = [json.loads(line) for line in refused.read_text().splitlines()]
    assert [line["key"]["id"] for line in lines] == [1, 2, 3, 4, 8]
    assert "HUGEINT would store the text as the number 13" in lines[-1]["problems"][0]["reason"]


def test_a_truncate_with_a_misspelled_number_empties_nothing(tmp_path: Path) -> None:
    target = _duckdb_target(tmp_path / "t.duckdb")
    duckdb_exec(target, "INSERT INTO z VALUES (9, 9, 9)")
    source = sqlite_table(
        tmp_path / "s.db",
        "CREATE TABLE z (id INTEGER PRIMARY KEY, a TEXT, b TEXT)",
        [(1, "12", "12"), (2, "+5", "5")],
    )
    config = arrowmig.MigrationConfig(mode="truncate")
    with pytest.raises(arrowmig.SchemaError, match=r"would store the text as the number 5: '[+]5'"):
        arrowmig.migrate(source, target, config=config)
    assert duckdb_rows(target, "z") == [(9, 9, Decimal("9.00"))]


def test_verify_tells_a_misspelled_text_from_the_duckdb_number_it_became(tmp_path: Path) -> None:
    target = _duckdb_target(tmp_path / "t.duckdb")
    duckdb_exec(
        target,
        "CREATE TABLE u (id INTEGER PRIMARY KEY, a UHUGEINT, b DECIMAL(10,2));"
        "INSERT INTO u VALUES (1, 12, 12), (2, 0, 0), (3, 5, 5), (4, 7, 7), (5, 12, 12);"
        "INSERT INTO z SELECT * FROM u",
    )
    source = _source(tmp_path, [*MISSPELLED, (5, "12")])
    with closing(sqlite3.connect(source)) as con, con:
        con.execute("CREATE TABLE u AS SELECT * FROM z")
    report = arrowmig.verify(source, target)
    assert not report.ok
    for table in report.tables:
        assert [d.key["id"] for d in table.diffs] == [1, 2, 3, 4], table.name

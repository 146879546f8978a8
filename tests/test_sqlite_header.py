"""A SQLite file's PRAGMA user_version and application_id, by which applications decide their
schema migrations: carried into a SQLite file of the run's own, named wherever they are not."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import arrowmig
from arrowmig.config import MigrationConfig
from arrowmig.migrate import explain
from tests.dbutil import target_of


def _versioned_source(path: Path, user_version: int = 42, application_id: int = 1234567) -> str:
    con = sqlite3.connect(path)
    con.executescript(
        f"PRAGMA user_version = {user_version}; PRAGMA application_id = {application_id};"
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'a');"
    )
    con.close()
    return str(path)


def _header(path: str) -> tuple[int, int]:
    con = sqlite3.connect(path)
    try:
        return (
            con.execute("PRAGMA user_version").fetchone()[0],
            con.execute("PRAGMA application_id").fetchone()[0],
        )
    finally:
        con.close()


def test_a_sqlite_file_the_run_makes_takes_the_sources_numbers(tmp_path: Path) -> None:
    source, target = _versioned_source(tmp_path / "app.db"), str(tmp_path / "copy.db")
    said = "PRAGMA user_version 42 and application_id 1234567 carried into the target file"
    assert said in explain(source, target).notes  # type: ignore[union-attr]
    report = arrowmig.migrate(source, target)
    assert report.ok and said in report.notes
    assert _header(target) == (42, 1234567)
    # Run again into the same file (its tables only): nothing left to carry, nothing to say.
    again = arrowmig.migrate(source, target, config=MigrationConfig(mode="replace"))
    assert again.ok and not [n for n in again.notes if "PRAGMA" in n]
    assert _header(target) == (42, 1234567)


def test_a_file_with_tables_of_its_own_keeps_its_numbers_and_the_difference_is_named(
    tmp_path: Path,
) -> None:
    source = _versioned_source(tmp_path / "app.db")
    target = str(tmp_path / "theirs.db")
    con = sqlite3.connect(target)
    con.executescript("PRAGMA user_version = 7; CREATE TABLE mine (x);")
    con.close()
    report = arrowmig.migrate(source, target)
    assert report.ok
    notes = "\n".join(report.notes)
    assert (
        "PRAGMA user_version not carried: the target file has its own, 7, where the source has "
        "42; if its schema is now the source's, set it with PRAGMA user_version = 42"
    ) in notes
    assert (
        "PRAGMA application_id not carried: the target file holds tables of its own (mine) "
        "and keeps its 0, where the source has 1234567"
    ) in notes
    assert _header(target) == (7, 0)


@pytest.mark.parametrize("kind", ["duckdb", "postgresql"])
def test_other_targets_name_the_numbers_as_not_carried(
    tmp_path: Path, request: pytest.FixtureRequest, kind: str
) -> None:
    source = _versioned_source(tmp_path / "app.db", application_id=0)
    target = target_of(kind, tmp_path, request)
    said = f"PRAGMA user_version 42 of the source file not carried: {kind} has none"
    assert said in explain(source, target).notes  # type: ignore[union-attr]
    report = arrowmig.migrate(source, target)
    assert report.ok and said in report.notes


def test_a_file_without_numbers_says_nothing_of_them(tmp_path: Path) -> None:
    source = _versioned_source(tmp_path / "plain.db", user_version=0, application_id=0)
    for target in (str(tmp_path / "copy.db"), str(tmp_path / "copy.duckdb")):
        report = arrowmig.migrate(source, target)
        assert report.ok and not [n for n in report.notes if "PRAGMA" in n]
    assert _header(str(tmp_path / "copy.db")) == (0, 0)

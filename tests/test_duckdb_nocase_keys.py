"""A NOCASE column in a key, into DuckDB: the column keeps its collation, but DuckDB's
primary keys and unique indexes compare bytes, so the key takes 'ALICE@X.COM' beside
'alice@x.com', which the source refused. The plan and the report name each such key, as they
name NOCASE not carried into PostgreSQL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import duckdb

from arrowmig import migrate
from arrowmig.migrate import explain
from arrowmig.plan import MigrationPlan

NOT_APPLIED = "COLLATE NOCASE not applied by"


def _nocase_keys(path: Path) -> str:
    with sqlite3.connect(path) as con:
        con.executescript(
            """
            CREATE TABLE u (email TEXT COLLATE NOCASE PRIMARY KEY, n INTEGER);
            INSERT INTO u VALUES ('alice@x.com', 1);
            CREATE TABLE c (id INTEGER PRIMARY KEY, tag TEXT COLLATE NOCASE UNIQUE,
                            code TEXT COLLATE NOCASE, plain TEXT COLLATE NOCASE);
            CREATE UNIQUE INDEX c_code ON c (code COLLATE BINARY);
            INSERT INTO c VALUES (1, 'Apple', 'x', 'p');
            """
        )
    con.close()
    return str(path)


def test_nocase_keys_into_duckdb_are_named_as_comparing_bytes(tmp_path: Path) -> None:
    source = _nocase_keys(tmp_path / "s.db")
    target = str(tmp_path / "t.duckdb")
    planned = explain(source, target)
    assert isinstance(planned, MigrationPlan)
    notes = {t.source.name: [n for n in t.notes if NOT_APPLIED in n] for t in planned.tables}
    assert notes == {
        # Not c_code: it compares bytes in the source too (COLLATE BINARY).
        "c": [
            "tag: COLLATE NOCASE not applied by unique index c_tag_key (case counts in "
            "duckdb's indexes: 'Bob' may be added beside 'bob')"
        ],
        "u": [
            "email: COLLATE NOCASE not applied by primary key (email) (case counts in "
            "duckdb's indexes: 'Bob' may be added beside 'bob')"
        ],
    }
    report = migrate(source, target)
    assert report.ok, [t.error for t in report.tables]
    said = {t.name: [n for n in t.notes if NOT_APPLIED in n] for t in report.tables}
    assert said == notes
    # What the note warns of, as DuckDB does it: the key takes a value differing in case only.
    with duckdb.connect(target) as con:
        con.execute("INSERT INTO u VALUES ('ALICE@X.COM', 2)")
        con.execute("INSERT INTO c VALUES (2, 'APPLE', 'y', 'q')")
        assert con.execute("SELECT count(*) FROM u WHERE email = 'alice@x.com'").fetchone() == (2,)


def test_nocase_keys_into_sqlite_are_kept_and_not_named(tmp_path: Path) -> None:
    source = _nocase_keys(tmp_path / "s.db")
    planned = explain(source, str(tmp_path / "t.db"))
    assert isinstance(planned, MigrationPlan)
    assert not [n for t in planned.tables for n in t.notes if NOT_APPLIED in n]

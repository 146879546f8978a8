"""SQLite finds tables and columns ignoring the case of A-Z wherever a statement names them
(``REFERENCES PARENT(id)`` for ``Parent(ID)``, ``CREATE TRIGGER ... ON USERS`` for ``users``)
and keeps the statement's own spelling: arrowmig reads them as SQLite does."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest

import arrowmig
from arrowmig.config import MigrationConfig

PARENT_AND_CHILD = """
CREATE TABLE Parent (ID INTEGER PRIMARY KEY, Code TEXT UNIQUE, name TEXT);
CREATE TABLE child (
    id INTEGER PRIMARY KEY,
    pid INTEGER REFERENCES PARENT(id) ON DELETE CASCADE,
    pcode TEXT REFERENCES parent(CODE)
);
INSERT INTO Parent VALUES (1, 'x', 'one'), (2, 'y', 'two');
INSERT INTO child VALUES (1, 1, 'x'), (2, 2, 'y');
"""


def _sqlite(path: Path, script: str) -> str:
    con = sqlite3.connect(path)
    con.executescript(script)
    con.close()
    return str(path)


def _notes(report: arrowmig.MigrationReport, table: str) -> list[str]:
    return next(t for t in report.tables if t.name == table).notes


def test_a_foreign_key_spelling_its_parent_in_another_case_reaches_postgresql(
    tmp_path: Path, pg_url: str
) -> None:
    source = _sqlite(tmp_path / "src.db", PARENT_AND_CHILD)
    report = arrowmig.migrate(source, pg_url)
    assert report.ok, report.to_dict()
    assert not [n for n in _notes(report, "child") if "not created" in n]
    with psycopg.connect(pg_url, autocommit=True) as con:
        keys = con.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'f' ORDER BY 1"
        ).fetchall()
        assert keys == [
            ('FOREIGN KEY (pcode) REFERENCES "Parent"("Code")',),
            ('FOREIGN KEY (pid) REFERENCES "Parent"("ID") ON DELETE CASCADE',),
        ]
        con.execute("UPDATE child SET pcode = NULL")  # only the cascade is left to act
        con.execute('DELETE FROM "Parent" WHERE "ID" = 2')
        assert con.execute("SELECT id FROM child").fetchall() == [(1,)]


def test_a_foreign_key_spelling_its_parent_in_another_case_reaches_sqlite(tmp_path: Path) -> None:
    source = _sqlite(tmp_path / "src.db", PARENT_AND_CHILD)
    target = str(tmp_path / "dst.db")
    report = arrowmig.migrate(source, target)
    assert report.ok, report.to_dict()
    assert not [n for n in _notes(report, "child") if "not created" in n]
    con = sqlite3.connect(target)
    con.execute("PRAGMA foreign_keys = ON")
    keys = con.execute(
        'SELECT "table", "from", "to", on_delete FROM pragma_foreign_key_list(\'child\') '
        'ORDER BY "from"'
    ).fetchall()
    assert keys == [("Parent", "pcode", "Code", "NO ACTION"), ("Parent", "pid", "ID", "CASCADE")]
    with pytest.raises(sqlite3.IntegrityError):
        con.execute("INSERT INTO child VALUES (3, 1, 'nope')")
    con.execute("UPDATE child SET pcode = NULL")  # only the cascade is left to act
    con.execute("DELETE FROM Parent WHERE ID = 2")
    assert con.execute("SELECT id FROM child").fetchall() == [(1,)]
    con.close()


def test_a_source_trigger_spelling_its_table_in_another_case_is_named(tmp_path: Path) -> None:
    # sqlite_master keeps the trigger's tbl_name as CREATE TRIGGER wrote it: 'CHILD'.
    source = _sqlite(
        tmp_path / "src.db",
        PARENT_AND_CHILD + "CREATE TRIGGER audit AFTER INSERT ON CHILD BEGIN SELECT 1; END;",
    )
    report = arrowmig.migrate(source, str(tmp_path / "dst.duckdb"))
    assert "not carried: trigger audit" in _notes(report, "child")


def test_replacing_a_sqlite_table_spelt_otherwise_keeps_its_trigger_and_names_its_check(
    tmp_path: Path,
) -> None:
    source = _sqlite(
        tmp_path / "src.db",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT); INSERT INTO users VALUES (1, 'a');",
    )
    target = _sqlite(
        tmp_path / "dst.db",
        """
        CREATE TABLE Users (id INTEGER PRIMARY KEY, email TEXT, CHECK (id > 0));
        CREATE TABLE log (id INTEGER);
        CREATE TRIGGER logged AFTER INSERT ON USERS BEGIN INSERT INTO log VALUES (new.id); END;
        """,
    )
    report = arrowmig.migrate(source, target, config=MigrationConfig(mode="replace"))
    assert report.ok, report.to_dict()
    users = next(t for t in report.tables if t.name == "users")
    assert "kept from the replaced table: trigger logged" in users.built
    assert any(n.startswith("check (id > 0) of the replaced table not kept") for n in users.notes)
    con = sqlite3.connect(target)
    con.execute("INSERT INTO users VALUES (2, 'b')")
    assert con.execute("SELECT id FROM log").fetchall() == [(2,)]
    con.close()

"""--mode append and truncate load into the existing table, whose row triggers fire on every
row and may change it (a BEFORE INSERT trigger upper-casing a column): the plan and the
report name those triggers, and only those a load sets off."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest

import arrowmig
from arrowmig.cli import main
from tests.dbutil import pg_exec

NOTE = "the target table's triggers fire on every row loaded and may change or refuse it: "


def _said(capsys: pytest.CaptureFixture[str]) -> str:
    said = capsys.readouterr()
    return said.out + said.err


def _sqlite(path: Path, sql: str) -> None:
    con = sqlite3.connect(path)
    con.executescript(sql)
    con.close()


@pytest.mark.parametrize(
    ("mode", "named"),
    [
        ("append", "on_insert"),
        # Truncate empties a SQLite table with DELETE, row by row: its DELETE trigger fires.
        ("truncate", "on_delete, on_insert"),
    ],
)
def test_sqlite_triggers_the_load_fires_are_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], mode: str, named: str
) -> None:
    src, dst = tmp_path / "s.db", tmp_path / "d.db"
    _sqlite(
        src, "CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT); INSERT INTO t VALUES (1, 'a');"
    )
    _sqlite(
        dst,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT);"
        "CREATE TABLE log (what TEXT);"
        "CREATE TRIGGER on_insert AFTER INSERT ON t BEGIN "
        "UPDATE t SET note = 'changed' WHERE id = new.id; END;"
        "CREATE TRIGGER on_delete BEFORE DELETE ON t BEGIN INSERT INTO log VALUES ('d'); END;"
        # Named after another event ('insert' in its name, its string): a load never sets it off.
        'CREATE TRIGGER "insert" AFTER UPDATE OF note ON t BEGIN '
        "INSERT INTO log VALUES ('insert'); END;",
    )
    assert main(["plan", str(src), str(dst), "--mode", mode]) == 0
    assert f"{NOTE}{named} (" in _said(capsys)
    report = arrowmig.migrate(str(src), str(dst), config=arrowmig.MigrationConfig(mode=mode))
    assert report.ok
    assert any(n.startswith(f"{NOTE}{named} (") for n in report.tables[0].notes)
    # What the note warns of: the trigger changed the loaded row.
    assert sqlite3.connect(dst).execute("SELECT note FROM t").fetchall() == [("changed",)]


@pytest.mark.postgres
def test_postgres_row_triggers_on_insert_are_named(
    pg_url: str, second_pg: str, capsys: pytest.CaptureFixture[str]
) -> None:
    pg_exec(pg_url, "CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'x')")
    pg_exec(
        second_pg,
        "CREATE TABLE t (id int PRIMARY KEY, v text);"
        "CREATE FUNCTION up() RETURNS trigger LANGUAGE plpgsql AS "
        "$$BEGIN NEW.v := upper(NEW.v); RETURN NEW; END$$;"
        "CREATE TRIGGER upper_v BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION up();"
        # Not set off by a load: disabled, per statement, on update only.
        "CREATE TRIGGER off BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION up();"
        "ALTER TABLE t DISABLE TRIGGER off;"
        "CREATE TRIGGER per_statement AFTER INSERT ON t EXECUTE FUNCTION up();"
        "CREATE TRIGGER on_update BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION up();",
    )
    for mode in ("append", "truncate"):
        assert main(["plan", pg_url, second_pg, "--mode", mode]) == 0
        assert f"{NOTE}upper_v (" in _said(capsys)
    report = arrowmig.migrate(pg_url, second_pg, config=arrowmig.MigrationConfig(mode="truncate"))
    assert report.ok
    assert any(n.startswith(f"{NOTE}upper_v (") for n in report.tables[0].notes)
    with psycopg.connect(second_pg) as con:
        assert con.execute("SELECT v FROM t").fetchall() == [("X",)]


@pytest.mark.postgres
def test_the_triggers_of_a_partitioned_targets_partitions_are_named(
    pg_url: str, second_pg: str
) -> None:
    """A partition's own row trigger fires on the rows routed to it through the table: it
    went unnamed. The clone each partition gets of the table's trigger is not named twice."""
    pg_exec(pg_url, "CREATE TABLE t (id int, v text); INSERT INTO t VALUES (1, 'x')")
    pg_exec(
        second_pg,
        "CREATE TABLE t (id int, v text) PARTITION BY RANGE (id);"
        "CREATE TABLE t_low PARTITION OF t FOR VALUES FROM (0) TO (100);"
        "CREATE FUNCTION up() RETURNS trigger LANGUAGE plpgsql AS "
        "$$BEGIN NEW.v := upper(NEW.v); RETURN NEW; END$$;"
        "CREATE TRIGGER on_table BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION up();"
        "CREATE TRIGGER upper_v BEFORE INSERT ON t_low FOR EACH ROW EXECUTE FUNCTION up();",
    )
    report = arrowmig.migrate(pg_url, second_pg, config=arrowmig.MigrationConfig(mode="truncate"))
    assert report.ok
    assert any(n.startswith(f"{NOTE}on_table, t_low.upper_v (") for n in report.tables[0].notes)
    with psycopg.connect(second_pg) as con:
        assert con.execute("SELECT v FROM t").fetchall() == [("X",)]

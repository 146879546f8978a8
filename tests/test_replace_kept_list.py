"""What ``--mode replace`` reports as kept from the replaced table is only what came from it,
and it is what the plan said it would keep: the source's own keys, defaults and sequences,
built by the run, are neither listed with it nor replaced by the old table's."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import duckdb
import psycopg
import pytest

from arrowmig import MigrationConfig, migrate
from arrowmig.cli import main
from tests.dbutil import pg_exec, sqlite_table

_PARENT = "CREATE TABLE p (x int, y int, PRIMARY KEY (x, y))"


def _numbered_source(path: Path) -> str:
    """A SQLite file whose one row's key SQLite numbered (AUTOINCREMENT)."""
    create = "CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, n INT)"
    return sqlite_table(path, create, [(1, 1)])


def _kept_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if "kept from the replaced table" in line]


@pytest.mark.postgres
def test_postgres_the_sources_key_default_and_foreign_key_are_not_kept_from_the_old_table(
    pg_url: str, second_pg: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # The source's key draws from a sequence of its own, and its foreign key names its
    # columns in another order than the table's; the old table has both, under other names.
    pg_exec(
        pg_url,
        _PARENT,
        "INSERT INTO p VALUES (1, 2)",
        "CREATE SEQUENCE ticket",
        "CREATE TABLE users (id int PRIMARY KEY DEFAULT nextval('ticket'), a int, b int, n int, "
        "CONSTRAINT src_fk FOREIGN KEY (b, a) REFERENCES p (y, x))",
        "INSERT INTO users VALUES (1, 1, 2, 0)",
    )
    pg_exec(
        second_pg,
        _PARENT,
        "INSERT INTO p VALUES (1, 2)",
        "CREATE SEQUENCE ticket",
        "CREATE TABLE users (id int PRIMARY KEY DEFAULT nextval('ticket'), a int, b int, "
        "n int DEFAULT 3, CONSTRAINT old_fk FOREIGN KEY (b, a) REFERENCES p (y, x))",
    )
    args = [pg_url, second_pg, "--mode", "replace", "--tables", "users"]
    assert main(["plan", *args, "--json"]) == 0
    (planned,) = json.loads(capsys.readouterr().out)["tables"]
    assert planned["keeps"] == ["default 3 on n"]

    assert main(["migrate", *args, "--progress", "none", "--json"]) == 0
    out, err = capsys.readouterr()
    (table,) = json.loads(out)["tables"]
    kept = [b for b in table["built"] if b.startswith("kept from the replaced table")]
    assert kept == ["kept from the replaced table: default 3 on n"]
    # The text report: the run's own sequence and foreign key are not read as kept.
    assert [line.strip() for line in _kept_lines(err)] == [
        "users: kept from the replaced table: default 3 on n"
    ]
    with psycopg.connect(second_pg) as con:
        keys = con.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'users'::regclass AND contype = 'f'"
        ).fetchall()
        assert keys == [("src_fk",)]  # the old one is not added beside it under its name


@pytest.mark.postgres
def test_postgres_replacing_a_table_arrowmig_built_finds_its_indexes_already_there(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # A nightly refresh: the table the first run built has the very indexes the new one
    # gets; none is 'not kept' with a CREATE INDEX that fails as the name exists.
    source = sqlite_table(
        tmp_path / "s.db",
        'CREATE TABLE players (id INTEGER PRIMARY KEY, "Created At" TEXT, score INT, code TEXT)',
        [(1, "2026-01-01", 3, "a"), (2, "2026-01-02", 4, "b")],
    )
    con = sqlite3.connect(source)
    con.executescript(
        'CREATE INDEX ix_created ON players ("Created At");'
        "CREATE INDEX ix_score ON players (score DESC, id);"
        "CREATE UNIQUE INDEX ux_code ON players (code);"
    )
    con.close()
    assert main(["migrate", source, pg_url, "--progress", "none"]) == 0
    capsys.readouterr()
    args = [source, pg_url, "--mode", "replace"]
    assert main(["plan", *args, "--json"]) == 0
    (planned,) = json.loads(capsys.readouterr().out)["tables"]
    assert (planned["keeps"], planned["drops"]) == ([], [])
    assert main(["migrate", *args, "--progress", "none"]) == 0
    err = capsys.readouterr().err
    assert "not kept" not in err and not _kept_lines(err)
    with psycopg.connect(pg_url) as con:
        indexes = con.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'players' ORDER BY 1"
        ).fetchall()
    assert indexes == [("ix_created",), ("ix_score",), ("players_pkey",), ("ux_code",)]


@pytest.mark.postgres
def test_postgres_an_expression_index_differing_by_a_cast_the_type_change_dropped_is_there(
    pg_url: str, second_pg: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # citext arrives as text where the target lacks the extension: the source's
    # lower(email::text) is built as lower(email), which the old table has too.
    pg_exec(
        pg_url,
        "CREATE EXTENSION citext; CREATE TABLE c (id int PRIMARY KEY, email citext);"
        "CREATE UNIQUE INDEX c_email_uq ON c (lower(email::text)); INSERT INTO c VALUES (1, 'A@x')",
    )
    assert main(["migrate", pg_url, second_pg, "--progress", "none"]) == 0
    capsys.readouterr()
    args = [pg_url, second_pg, "--mode", "replace"]
    assert main(["plan", *args, "--json"]) == 0
    (planned,) = json.loads(capsys.readouterr().out)["tables"]
    assert (planned["keeps"], planned["drops"]) == ([], [])
    assert main(["migrate", *args, "--progress", "none"]) == 0
    err = capsys.readouterr().err
    assert "not kept" not in err and "CREATE UNIQUE INDEX" not in err
    with psycopg.connect(second_pg) as con:
        indexes = con.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'c' ORDER BY 1"
        ).fetchall()
    assert indexes == [
        ("CREATE UNIQUE INDEX c_email_uq ON public.c USING btree (lower(email))",),
        ("CREATE UNIQUE INDEX c_pkey ON public.c USING btree (id)",),
    ]


def test_duckdb_the_sources_key_sequence_is_not_kept_from_the_old_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _numbered_source(tmp_path / "s.db")
    target = str(tmp_path / "t.duckdb")
    with duckdb.connect(target) as duck:
        duck.execute(
            "CREATE SEQUENCE old_seq START 100; CREATE TABLE users (id BIGINT PRIMARY KEY "
            "DEFAULT nextval('old_seq'), n BIGINT DEFAULT 7)"
        )
    args = [str(source), target, "--mode", "replace"]
    assert main(["plan", *args, "--json"]) == 0
    (planned,) = json.loads(capsys.readouterr().out)["tables"]
    assert planned["keeps"] == ["default 7 on n"]

    assert main(["migrate", *args, "--progress", "none"]) == 0
    err = capsys.readouterr().err
    assert [line.strip() for line in _kept_lines(err)] == [
        "users: kept from the replaced table: default 7 on n"
    ]
    with duckdb.connect(target) as duck:
        duck.execute("INSERT INTO users (n) VALUES (5)")
        # The source's numbering goes on (2), not the old table's sequence (100).
        assert duck.execute("SELECT max(id) FROM users").fetchone() == (2,)


def test_duckdb_keep_backup_keeps_the_backups_key_drawing_from_its_sequence(
    tmp_path: Path,
) -> None:
    source = _numbered_source(tmp_path / "s.db")
    target = str(tmp_path / "t.duckdb")
    with duckdb.connect(target) as duck:
        # The sequence an earlier run gave the key, under the name the new key would take.
        duck.execute(
            "CREATE SEQUENCE users_id_seq START 100; CREATE TABLE users (id BIGINT PRIMARY KEY "
            "DEFAULT nextval('users_id_seq'), n BIGINT); CREATE INDEX users_n ON users (n);"
            "INSERT INTO users (n) VALUES (7)"
        )
    config = MigrationConfig(mode="replace", keep_backup=True)
    report = migrate(str(source), target, config=config)
    assert report.ok
    (table,) = report.tables
    assert not [n for n in table.notes if "keeps no" in n]
    assert "sequence users_id_seq_2 for id (next 2)" in table.built
    with duckdb.connect(target) as duck:
        ((backup,),) = duck.execute(
            "SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'users_arrowmig_backup%'"
        ).fetchall()
        # Renamed back, the backup numbers on as the replaced table did.
        duck.execute(f"INSERT INTO {backup} (n) VALUES (8)")
        assert duck.execute(f"SELECT id, n FROM {backup} ORDER BY id").fetchall() == [
            (100, 7),
            (101, 8),
        ]
        duck.execute("INSERT INTO users (n) VALUES (9)")
        assert duck.execute("SELECT id FROM users WHERE n = 9").fetchone() == (2,)

"""`--mode replace` builds the new table from the source's: what the replaced table had of its
own (constraints, NOT NULLs, defaults, rules) is given to it, checked, or named with the
statement that adds it, in the plan and in the report."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import psycopg
import pytest

from arrowmig import MigrationConfig, migrate
from arrowmig.cli import main
from tests.dbutil import pg_exec

pytestmark = pytest.mark.postgres

_TARGET = (
    "CREATE TABLE country (code text PRIMARY KEY)",
    "INSERT INTO country VALUES ('fr'), ('de')",
    "CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL, email text, "
    "country text CONSTRAINT users_country_fkey REFERENCES country, age bigint DEFAULT 18, "
    "created timestamptz, CONSTRAINT users_email_key UNIQUE (email), "
    "CONSTRAINT age_ok CHECK (age >= 0), CONSTRAINT young CHECK (age < 35))",
    "CREATE RULE users_keep AS ON DELETE TO users DO INSTEAD NOTHING",
    "INSERT INTO users VALUES (1, 'ann', 'a@x', 'fr', 30)",
)


def _source(path: Path) -> str:
    con = sqlite3.connect(path)
    con.execute(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, email TEXT, country TEXT, "
        "age INTEGER)"
    )
    con.executemany(
        "INSERT INTO users VALUES (?, ?, ?, ?, ?)",
        [(1, "ann", "a@x", "fr", 30), (2, "bob", "b@x", "de", 40)],
    )
    con.commit()
    con.close()
    return str(path)


@pytest.mark.parametrize("keep_backup", [False, True])
def test_the_new_table_keeps_the_replaced_tables_constraints_its_rows_pass(
    tmp_path: Path, pg_url: str, keep_backup: bool
) -> None:
    pg_exec(pg_url, *_TARGET)
    config = MigrationConfig(mode="replace", keep_backup=keep_backup)
    report = migrate(_source(tmp_path / "s.db"), pg_url, config=config)
    (table,) = report.tables
    assert report.ok, table.error
    kept = next(b for b in table.built if b.startswith("kept from the replaced table"))
    for label in (
        "check age_ok",
        "foreign key users_country_fkey",
        "unique users_email_key",
        "NOT NULL on name",
        "default 18 on age",
        "rule users_keep",
    ):
        assert label in kept
    # Bob is 40: the old table's CHECK (age < 35) does not hold, and is named with its statement.
    assert (
        "check young of the replaced table not kept: running a statement: check constraint "
        '"young" of relation "users" is violated by some row (to add it: ALTER TABLE '
        '"public"."users" ADD CONSTRAINT "young" CHECK ((age < 35)))'
    ) in table.notes
    assert "the replaced table's columns the source lacks go with it: created" in table.notes
    with psycopg.connect(pg_url, autocommit=True) as con:
        for bad in (
            "INSERT INTO users (id, name, age) VALUES (3, 'cy', -1)",  # age_ok
            "INSERT INTO users (id, name, email) VALUES (3, 'cy', 'a@x')",  # users_email_key
            "INSERT INTO users (id, name, country) VALUES (3, 'cy', 'xx')",  # the foreign key
            "INSERT INTO users (id) VALUES (3)",  # NOT NULL name
        ):
            with pytest.raises(psycopg.errors.IntegrityError):
                con.execute(bad)
        con.execute("INSERT INTO users (id, name) VALUES (3, 'cy')")
        assert con.execute("SELECT age FROM users WHERE id = 3").fetchone() == (18,)
        con.execute("DELETE FROM users")  # the rule keeps them
        assert con.execute("SELECT count(*) FROM users").fetchone() == (3,)


def test_a_constraint_the_source_has_too_is_not_added_twice(pg_url: str, second_pg: str) -> None:
    pg_exec(pg_url, "CREATE TABLE t (id int PRIMARY KEY, n int CHECK (n > 0), UNIQUE (n))")
    pg_exec(pg_url, "INSERT INTO t VALUES (1, 1)")
    # The same, under other names: one of each is enough.
    pg_exec(
        second_pg,
        "CREATE TABLE t (id int CONSTRAINT t_key PRIMARY KEY, n int "
        "CONSTRAINT n_positive CHECK (n > 0) CONSTRAINT n_once UNIQUE)",
    )
    report = migrate(pg_url, second_pg, config=MigrationConfig(mode="replace"))
    assert report.ok, report.tables[0].error
    assert not [n for n in report.tables[0].notes if "not kept" in n]
    with psycopg.connect(second_pg) as con:
        rows = con.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 't'::regclass ORDER BY 1"
        ).fetchall()
        unique = con.execute(
            "SELECT count(*) FROM pg_index WHERE indrelid = 't'::regclass AND NOT indisprimary"
        ).fetchone()
    assert [r[0] for r in rows if r[0].startswith("CHECK")] == ["CHECK ((n > 0))"]
    assert unique == (1,)


def test_a_foreign_key_to_a_table_the_run_replaces_is_named_in_the_plan_and_report(
    tmp_path: Path, pg_url: str
) -> None:
    pg_exec(
        pg_url,
        "CREATE TABLE country (code text PRIMARY KEY)",
        "CREATE TABLE users (id int PRIMARY KEY, country text "
        "CONSTRAINT users_country_fkey REFERENCES country)",
    )
    source = tmp_path / "s.db"
    con = sqlite3.connect(source)
    con.execute("CREATE TABLE country (code TEXT PRIMARY KEY)")
    con.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, country TEXT)")
    con.commit()
    con.close()
    note = (
        "foreign key users_country_fkey of the replaced table not kept: it points at 'country', "
        "which this run replaces with the source's keys (to add it: ALTER TABLE "
        '"public"."users" ADD CONSTRAINT "users_country_fkey" FOREIGN KEY (country) '
        "REFERENCES country(code))"
    )
    assert main(["plan", str(source), pg_url, "--mode", "replace", "--json"]) == 0
    report = migrate(str(source), pg_url, config=MigrationConfig(mode="replace"))
    assert report.ok
    users = next(t for t in report.tables if t.name == "users")
    assert note in users.notes


def test_the_plan_names_what_the_new_table_keeps_and_what_goes(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    pg_exec(pg_url, *_TARGET)
    source = _source(tmp_path / "s.db")
    assert main(["plan", source, pg_url, "--mode", "replace", "--json"]) == 0
    (users,) = json.loads(capsys.readouterr().out)["tables"]
    assert "check young" in users["keeps"] and "rule users_keep" in users["keeps"]
    assert "the replaced table's columns the source lacks go with it: created" in users["notes"]
    assert main(["plan", source, pg_url, "--mode", "replace", "--no-keys", "--json"]) == 0
    (users,) = json.loads(capsys.readouterr().out)["tables"]
    assert "unique users_email_key" not in users["keeps"]
    assert (
        "unique users_email_key of the replaced table not kept: --no-keys builds none (to add "
        'it: ALTER TABLE "public"."users" ADD CONSTRAINT "users_email_key" UNIQUE (email))'
    ) in users["drops"]


def test_a_publication_of_every_table_is_warned_of(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Seen on a cluster with wal_level=logical: the subscriber's apply worker stops at the
    # first row of _arrowmig_checkpoints ("logical replication target relation ... does not
    # exist"), and every change after it waits.
    pg_exec(pg_url, *_TARGET, "CREATE PUBLICATION everything FOR ALL TABLES")
    source = _source(tmp_path / "s.db")
    assert main(["plan", source, pg_url, "--mode", "replace", "--json"]) == 0
    notes = json.loads(capsys.readouterr().out)["notes"]
    (note,) = [n for n in notes if n.startswith("publication everything (FOR ALL TABLES)")]
    assert "_arrowmig_checkpoints" in note and "staging table" in note
    report = migrate(source, pg_url, config=MigrationConfig(mode="replace"))
    assert note in report.notes


def test_a_default_is_kept_only_on_a_column_of_its_old_type(
    pg_url: str, second_pg: str, capsys: pytest.CaptureFixture[str]
) -> None:
    pg_exec(pg_url, "CREATE TABLE t (id int PRIMARY KEY, code int, price int, note text)")
    pg_exec(pg_url, "INSERT INTO t VALUES (1, 1, 1, 'a')")
    pg_exec(
        second_pg,
        # ext_seq belongs to no table: it stays when t is dropped, and so may its default.
        "CREATE SEQUENCE ext_seq START 500",
        "CREATE TABLE t (id int PRIMARY KEY, code int DEFAULT nextval('ext_seq'), "
        "price numeric DEFAULT 1.5, note text DEFAULT 'none')",
    )
    changed = (
        "default 1.5 on price of the replaced table not kept: the column's type changed from "
        'numeric to integer (to add it: ALTER TABLE "public"."t" ALTER COLUMN "price" SET '
        "DEFAULT 1.5)"
    )
    assert main(["plan", pg_url, second_pg, "--mode", "replace", "--json"]) == 0
    (planned,) = json.loads(capsys.readouterr().out)["tables"]
    assert changed in planned["drops"]
    assert "default 'none'::text on note" in planned["keeps"]
    assert "default nextval('ext_seq'::regclass) on code" in planned["keeps"]

    report = migrate(pg_url, second_pg, config=MigrationConfig(mode="replace"))
    (table,) = report.tables
    assert report.ok, table.error
    assert changed in table.notes
    with psycopg.connect(second_pg, autocommit=True) as con:
        row = con.execute("INSERT INTO t (id) VALUES (2) RETURNING code, price, note").fetchone()
    assert row == (500, None, "none")


def test_a_default_drawing_from_the_replaced_tables_own_sequence_is_named(
    pg_url: str, second_pg: str
) -> None:
    pg_exec(pg_url, "CREATE TABLE t (id int PRIMARY KEY, code int)")
    pg_exec(
        second_pg,
        "CREATE TABLE t (id int PRIMARY KEY, code serial)",  # t_code_seq is OWNED BY t.code
    )
    report = migrate(pg_url, second_pg, config=MigrationConfig(mode="replace"))
    assert report.ok
    assert any(
        n.startswith(
            "default nextval('t_code_seq'::regclass) on code of the replaced table not "
            "kept: it draws from the replaced table's sequence"
        )
        for n in report.tables[0].notes
    ), report.tables[0].notes

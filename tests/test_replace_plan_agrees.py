"""``arrowmig plan --mode replace`` says what the run will keep from the replaced table, and the
run keeps exactly that: an index, trigger, rule or statistics object on a column the new
table lacks is named as not kept by both (with the statement that adds it), never listed as
kept by the plan and then refused by the run, or kept on something else (SQLite takes a
double-quoted name it cannot find as a string)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from arrowmig import MigrationConfig, migrate
from arrowmig.cli import main
from tests.dbutil import duckdb_exec, pg_exec, sqlite_table

_KEPT = "kept from the replaced table: "
_NOT_KEPT = " of the replaced table not kept: "


def _plan_and_run(
    source: str, target: str, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[tuple[set[str], set[str]], tuple[set[str], set[str]]]:
    """What the plan keeps and names as not kept, and what the run did, by label."""
    plan, run, _ = _plan_and_report(source, target, capsys, *extra)
    return plan, run


def _plan_and_report(
    source: str, target: str, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[tuple[set[str], set[str]], tuple[set[str], set[str]], dict[str, Any]]:
    args = [source, target, "--mode", "replace", "--tables", "users", *extra]
    assert main(["plan", *args, "--json"]) == 0
    (planned,) = json.loads(capsys.readouterr().out)["tables"]
    plan = set(planned["keeps"]), {d.partition(_NOT_KEPT)[0] for d in planned["drops"]}
    assert main(["migrate", *args, "--progress", "none", "--json"]) == 0
    (table,) = json.loads(capsys.readouterr().out)["tables"]
    kept = {
        label
        for b in table["built"]
        if b.startswith(_KEPT)
        for label in b.removeprefix(_KEPT).split(", ")
    }
    named = [n.partition(_NOT_KEPT)[0] for n in table["notes"] if _NOT_KEPT in n]
    assert len(named) == len(set(named)), named  # each said once
    return plan, (kept, set(named)), table


def _source(path: Path) -> str:
    create = "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, age INT)"
    return sqlite_table(path, create, [(1, "ann", 30)])


@pytest.mark.postgres
def test_postgres_plan_and_run_agree_on_what_uses_a_column_that_is_gone(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    pg_exec(
        pg_url,
        "CREATE TABLE users (id int PRIMARY KEY, name text, age int, legacy text)",
        "CREATE FUNCTION trg() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$",
        "CREATE TRIGGER t_upd AFTER UPDATE OF legacy ON users FOR EACH ROW EXECUTE FUNCTION trg()",
        "CREATE TRIGGER t_when BEFORE UPDATE ON users FOR EACH ROW "
        "WHEN (OLD.legacy IS DISTINCT FROM NEW.legacy) EXECUTE FUNCTION trg()",
        "CREATE TRIGGER t_ok BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION trg()",
        "CREATE INDEX users_legacy ON users (legacy)",
        "CREATE INDEX users_expr ON users (lower(legacy))",
        "CREATE INDEX users_part ON users (name) WHERE legacy IS NOT NULL",
        "CREATE INDEX users_name ON users (name)",
        "CREATE STATISTICS users_stx ON name, legacy FROM users",
        "ALTER STATISTICS users_stx SET STATISTICS 500",
        "CREATE RULE users_r AS ON UPDATE TO users WHERE NEW.legacy = 'x' DO INSTEAD NOTHING",
    )
    plan, run = _plan_and_run(_source(tmp_path / "s.db"), pg_url, capsys)
    assert plan == run
    kept, named = run
    assert kept == {"trigger t_ok", "index users_name"}
    assert {
        "trigger t_upd",
        "trigger t_when",
        "index users_legacy",
        "index users_expr",
        "index users_part",
        "statistics users_stx",
        "statistics target 500 on users_stx",
        "rule users_r",
    } <= named


_SQLITE_TARGET = """
CREATE TABLE other (x INT);
CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, age INT, legacy TEXT UNIQUE);
CREATE INDEX users_legacy ON users ("legacy");
CREATE INDEX users_expr ON users (lower(legacy));
CREATE INDEX users_part ON users (name) WHERE "legacy" IS NOT NULL;
CREATE INDEX users_name ON users (name);
CREATE TRIGGER t_ok AFTER INSERT ON users BEGIN UPDATE other SET x = 1; END;
CREATE TRIGGER t_body AFTER INSERT ON users BEGIN UPDATE other SET x = new.legacy; END;
CREATE TRIGGER t_when AFTER INSERT ON users WHEN new.legacy IS NOT NULL BEGIN
  UPDATE other SET x = 2; END;
CREATE TRIGGER t_del AFTER DELETE ON users BEGIN UPDATE other SET x = old.legacy; END;
"""


@pytest.mark.parametrize("keep_backup", [False, True])
def test_sqlite_plan_and_run_agree_on_what_uses_a_column_that_is_gone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], keep_backup: bool
) -> None:
    target = tmp_path / "t.db"
    con = sqlite3.connect(target)
    con.executescript(_SQLITE_TARGET)
    con.close()
    extra = ["--keep-backup"] if keep_backup else []
    plan, run = _plan_and_run(_source(tmp_path / "s.db"), str(target), capsys, *extra)
    assert plan == run
    kept, named = run
    # With --keep-backup the backup keeps every trigger under its name.
    assert kept == ({"index users_name"} if keep_backup else {"index users_name", "trigger t_ok"})
    assert {
        "unique (legacy) as unique index users_legacy_key",
        "index users_legacy",
        "index users_expr",
        "index users_part",
        "trigger t_body",
        "trigger t_when",
        "trigger t_del",
    } <= named
    con = sqlite3.connect(target)
    # No index on the constant 'legacy': two rows go in.
    con.execute("INSERT INTO users (id, name) VALUES (2, 'bob')")
    con.execute("INSERT INTO users (id, name) VALUES (3, 'cy')")
    indexes = con.execute("SELECT name FROM pragma_index_list('users')").fetchall()
    assert indexes == [("users_name",)]
    con.close()


def test_duckdb_plan_and_run_agree_on_an_index_of_a_column_that_is_gone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = duckdb_exec(
        tmp_path / "t.duckdb",
        "CREATE TABLE users (id BIGINT PRIMARY KEY, name VARCHAR, age BIGINT, legacy VARCHAR);"
        "CREATE INDEX users_legacy ON users (legacy);"
        "CREATE INDEX users_expr ON users (lower(legacy));"
        "CREATE INDEX users_name ON users (name)",
    )
    plan, run = _plan_and_run(_source(tmp_path / "s.db"), target, capsys)
    assert plan == run
    assert run == ({"index users_name"}, {"index users_legacy", "index users_expr"})


def test_sqlite_a_trigger_on_an_update_of_a_column_that_is_gone_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "t.db"
    con = sqlite3.connect(target)
    con.executescript(
        "CREATE TABLE log (what TEXT);"
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, age INT, legacy TEXT);"
        "CREATE TRIGGER on_legacy AFTER UPDATE OF legacy ON users BEGIN "
        "INSERT INTO log VALUES ('legacy'); END;"
        'CREATE TRIGGER on_name AFTER UPDATE OF "legacy", name ON users BEGIN '
        "INSERT INTO log VALUES ('name'); END;"
    )
    con.close()
    plan, run, table = _plan_and_report(_source(tmp_path / "s.db"), str(target), capsys)
    assert plan == run == ({"trigger on_name"}, {"trigger on_legacy"})
    (note,) = [n for n in table["notes"] if n.startswith("trigger on_legacy" + _NOT_KEPT)]
    assert "it fires only on an update of legacy, which the new table lacks" in note
    assert note.endswith(
        "(to add it: CREATE TRIGGER on_legacy AFTER UPDATE OF legacy ON users BEGIN "
        "INSERT INTO log VALUES ('legacy'); END)"
    )
    con = sqlite3.connect(target)
    con.execute("UPDATE users SET name = 'x'")  # the trigger that still works fires
    assert con.execute("SELECT what FROM log").fetchall() == [("name",)]
    con.close()


@pytest.mark.parametrize("keep_backup", [False, True])
def test_sqlite_a_key_of_another_table_the_new_one_cannot_hold_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], keep_backup: bool
) -> None:
    """SQLite keeps another table's key by the replaced table's name: one pointing at a column
    the new table lacks, or holds under no UNIQUE index, would refuse every change to both
    tables, its ON DELETE CASCADE gone; the plan and the report name it. One that holds, or
    was broken already, is not."""
    target = tmp_path / "t.db"
    con = sqlite3.connect(target)
    con.executescript(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT UNIQUE, age INT, code TEXT UNIQUE);"
        "INSERT INTO users VALUES (1, 'ann', 30, 'c1');"
        "CREATE TABLE orders (id INT, uid INT REFERENCES users ON DELETE CASCADE);"
        "CREATE TABLE tags (id INT, ucode TEXT REFERENCES users (code) ON DELETE CASCADE);"
        "CREATE TABLE pets (id INT, owner TEXT REFERENCES users (name) ON DELETE CASCADE);"
        "CREATE TABLE notes (id INT, age INT REFERENCES users (age));"  # broken already
    )
    con.close()
    source = tmp_path / "s.db"
    con = sqlite3.connect(source)
    con.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, age INT)")
    con.execute("INSERT INTO users VALUES (1, 'ann', 30)")
    con.commit()
    con.close()
    extra = ["--keep-backup"] if keep_backup else []
    args = [str(source), str(target), "--mode", "replace", "--tables", "users", *extra]
    assert main(["plan", *args, "--json"]) == 0
    (planned,) = json.loads(capsys.readouterr().out)["tables"]
    lost = [
        "foreign key (ucode) of tags (pointing here, ON DELETE CASCADE) not kept: the new "
        "table has no column 'code', so SQLite refuses every change to tags and users while "
        "foreign keys are on (foreign key mismatch) (to keep it: give the source's users the "
        "column code, UNIQUE, and replace again, or build tags again without the key)",
    ]
    # The UNIQUE on name is kept from the replaced table: pets' key still holds.
    assert [d for d in planned["drops"] if "pointing here" in d] == lost
    assert main(["migrate", *args, "--progress", "none", "--json"]) == 0
    (table,) = json.loads(capsys.readouterr().out)["tables"]
    assert [n for n in table["notes"] if "pointing here" in n] == lost
    con = sqlite3.connect(target)
    con.execute("PRAGMA foreign_keys = ON")
    con.execute("INSERT INTO pets VALUES (1, 'ann')")
    with pytest.raises(sqlite3.OperationalError, match="foreign key mismatch"):
        con.execute("DELETE FROM users WHERE id = 1")  # as the note says
    con.execute("DROP TABLE tags")
    con.execute("DROP TABLE notes")  # broken before the replace too
    con.execute("DELETE FROM users WHERE id = 1")  # pets' cascade still works
    assert con.execute("SELECT count(*) FROM pets").fetchone() == (0,)
    con.close()


def test_sqlite_a_key_of_another_table_left_unheld_by_the_new_rows_is_named(
    tmp_path: Path,
) -> None:
    """The UNIQUE another table's key needs is kept from the replaced table unless the new
    rows break it: then the report names the key, which the plan could not know."""
    target = tmp_path / "t.db"
    con = sqlite3.connect(target)
    con.executescript(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT UNIQUE, age INT);"
        "CREATE TABLE pets (id INT, owner TEXT REFERENCES users (name) ON DELETE CASCADE);"
    )
    con.close()
    source = tmp_path / "s.db"
    con = sqlite3.connect(source)
    con.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, age INT)")
    con.executemany("INSERT INTO users VALUES (?, ?, ?)", [(1, "ann", 30), (2, "ann", 40)])
    con.commit()
    con.close()
    report = migrate(str(source), str(target), config=MigrationConfig(mode="replace"))
    (table,) = report.tables
    assert [n for n in table.notes if "pointing here" in n] == [
        "foreign key (owner) of pets (pointing here, ON DELETE CASCADE) not kept: the new table "
        "has no primary key or UNIQUE index on (name), so SQLite refuses every change to pets "
        "and users while foreign keys are on (foreign key mismatch) (to keep it: CREATE UNIQUE "
        'INDEX "users_name_key" ON "users" ("name"))'
    ]


# What the new rows hold in ``age``, by its type in the source: TEXT has no ``>`` or ``+``
# with an integer, REAL does, INT is the replaced table's own type.
_AGES = {"TEXT": "old", "REAL": 30.5, "INT": 30}


def _plan_and_run_said(
    source: str, target: str, capsys: pytest.CaptureFixture[str]
) -> tuple[tuple[set[str], set[str]], tuple[set[str], set[str]]]:
    """What the plan (--json, and its text) keeps and names as not kept, and what the run did,
    each item not kept with why, in full."""
    args = [source, target, "--mode", "replace", "--tables", "users"]
    assert main(["plan", *args]) == 0
    text = capsys.readouterr().err  # stdout is for machine output only
    assert main(["plan", *args, "--json"]) == 0
    (planned,) = json.loads(capsys.readouterr().out)["tables"]
    (keeps,) = [line for line in text.splitlines() if "keeps from the replaced table" in line]
    assert set(keeps.split(": ", 1)[1].split(", ")) == set(planned["keeps"])
    for drop in planned["drops"]:
        assert f"  ! {drop}\n" in text
    plan = set(planned["keeps"]), set(planned["drops"])
    assert main(["migrate", *args, "--progress", "none", "--json"]) == 0
    (table,) = json.loads(capsys.readouterr().out)["tables"]
    (kept,) = [b.removeprefix(_KEPT) for b in table["built"] if b.startswith(_KEPT)]
    return plan, (set(kept.split(", ")), {n for n in table["notes"] if _NOT_KEPT in n})


def _users_with_age(path: Path, age_type: str) -> str:
    create = f"CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, age {age_type})"
    return sqlite_table(path, create, [(1, "Ann", _AGES[age_type])])


def _not_kept(notes: set[str]) -> set[str]:
    return {n.partition(_NOT_KEPT)[0] for n in notes}


@pytest.mark.postgres
@pytest.mark.parametrize("age_type", list(_AGES))
def test_postgres_plan_and_run_agree_on_what_a_changed_type_refuses(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str], age_type: str
) -> None:
    """A CHECK, an expression index and a partial index on a column whose type changes are
    named as not kept by the plan, with the run's reason, where the run refuses them; kept
    by both where the new type takes them."""
    pg_exec(
        pg_url,
        "CREATE TABLE users (id int PRIMARY KEY, name text, age int CONSTRAINT age_pos "
        "CHECK (age > 0))",
        "CREATE INDEX users_age_next ON users ((age + 1))",
        "CREATE INDEX users_adults ON users (name) WHERE age > 17",
        "CREATE INDEX users_lower ON users (lower(name))",
    )
    plan, run = _plan_and_run_said(_users_with_age(tmp_path / "s.db", age_type), pg_url, capsys)
    assert plan == run
    kept, named = run
    on_age = {"check age_pos", "index users_age_next", "index users_adults"}
    if age_type == "TEXT":
        assert kept == {"index users_lower"}
        assert _not_kept(named) == on_age
        assert all("operator does not exist: text " in n for n in named), named
    else:
        assert kept == on_age | {"index users_lower"}
        assert named == set()


@pytest.mark.parametrize("age_type", list(_AGES))
def test_duckdb_plan_and_run_agree_on_what_a_changed_type_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], age_type: str
) -> None:
    """As into PostgreSQL, for DuckDB's expression indexes (it builds no partial index, and
    adds no CHECK to a table that exists, whatever its type)."""
    target = duckdb_exec(
        tmp_path / "t.duckdb",
        "CREATE TABLE users (id BIGINT PRIMARY KEY, name VARCHAR, age INTEGER CHECK (age > 0));"
        "CREATE INDEX users_age_next ON users ((age + 1));"
        "CREATE INDEX users_lower ON users (lower(name))",
    )
    plan, run = _plan_and_run_said(_users_with_age(tmp_path / "s.db", age_type), target, capsys)
    assert plan == run
    kept, named = run
    if age_type == "TEXT":
        assert kept == {"index users_lower"}
        assert _not_kept(named) == {"CHECK((age > 0))", "index users_age_next"}
        assert any("'+(VARCHAR, INTEGER_LITERAL)'" in n for n in named), named
    else:
        assert kept == {"index users_age_next", "index users_lower"}
        assert _not_kept(named) == {"CHECK((age > 0))"}


@pytest.mark.parametrize("age_type", list(_AGES))
def test_sqlite_plan_and_run_agree_on_what_a_changed_type_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], age_type: str
) -> None:
    """SQLite takes an expression or partial index on a column of any type, and adds no
    CHECK to a table that exists: both say so."""
    target = tmp_path / "t.db"
    con = sqlite3.connect(target)
    con.executescript(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, age INT CONSTRAINT age_pos "
        "CHECK (age > 0));"
        "CREATE INDEX users_age_next ON users ((age + 1));"
        "CREATE INDEX users_adults ON users (name) WHERE age > 17;"
    )
    con.close()
    source = _users_with_age(tmp_path / "s.db", age_type)
    plan, run = _plan_and_run_said(source, str(target), capsys)
    assert plan == run
    kept, named = run
    assert kept == {"index users_age_next", "index users_adults"}
    assert _not_kept(named) == {"check age_pos"}

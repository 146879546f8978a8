"""`--mode replace` into SQLite and DuckDB builds the new table from the source's: what the
replaced table had of its own is given to it where the target can add it to a table that
exists (indexes, UNIQUE constraints, triggers; DuckDB: NOT NULLs and defaults too), checked
against the new rows; the rest is named with its clause, in the plan and in the report."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from arrowmig import MigrationConfig, migrate
from arrowmig.cli import main

_ROWS = [(1, "ann", "a@x", "fr", 30), (2, "bob", "b@x", "de", 40)]

_SQLITE_TARGET = """
CREATE TABLE country (code TEXT PRIMARY KEY);
CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL COLLATE NOCASE, email TEXT UNIQUE,
  country TEXT REFERENCES country (code), age INTEGER DEFAULT 18 CONSTRAINT age_ok CHECK (age >= 0),
  created TEXT, CONSTRAINT young CHECK (age < 35));
CREATE INDEX users_age ON users (age);
CREATE UNIQUE INDEX users_name_low ON users (lower(name));
CREATE TRIGGER users_count AFTER INSERT ON users BEGIN UPDATE country SET code = code; END;
CREATE TRIGGER users_stamp AFTER INSERT ON users BEGIN
  UPDATE users SET created = 'now' WHERE id = new.id; END;
INSERT INTO users VALUES (1, 'ann', 'a@x', 'fr', 30, NULL);
"""


def _source(path: Path, rows: list[tuple[object, ...]] = _ROWS) -> str:
    con = sqlite3.connect(path)
    con.execute(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, email TEXT, country TEXT, "
        "age INTEGER)"
    )
    con.executemany("INSERT INTO users VALUES (?, ?, ?, ?, ?)", rows)
    con.commit()
    con.close()
    return str(path)


def _sqlite_target(path: Path) -> str:
    con = sqlite3.connect(path)
    con.executescript(_SQLITE_TARGET)
    con.close()
    return str(path)


_SQLITE_NAMED = (
    "NOT NULL on name of the replaced table not kept: SQLite adds no constraint, default or "
    "collation to a table that exists (to add it: build the table again with name TEXT NOT "
    "NULL COLLATE NOCASE)",
    "collation NOCASE on name of the replaced table not kept",
    "default 18 on age of the replaced table not kept",
    "check age_ok of the replaced table not kept: SQLite adds no constraint, default or "
    "collation to a table that exists (to add it: build the table again with CHECK (age >= 0))",
    "check young of the replaced table not kept",
    "foreign key (country) to country of the replaced table not kept: SQLite adds no "
    "constraint, default or collation to a table that exists (to add it: build the table "
    'again with FOREIGN KEY ("country") REFERENCES "country" ("code"))',
)


@pytest.mark.parametrize("keep_backup", [False, True])
def test_sqlite_keeps_the_indexes_and_triggers_and_names_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], keep_backup: bool
) -> None:
    source = _source(tmp_path / "s.db")
    target = _sqlite_target(tmp_path / "t.db")
    assert main(["plan", source, target, "--mode", "replace", "--json"]) == 0
    (users,) = json.loads(capsys.readouterr().out)["tables"]
    keeps = {
        "unique (email) as unique index users_email_key",
        "index users_age",
        "unique index users_name_low",
    }
    assert keeps <= set(users["keeps"])
    for named in _SQLITE_NAMED:
        assert any(d.startswith(named) for d in users["drops"]), named

    config = MigrationConfig(mode="replace", keep_backup=keep_backup)
    report = migrate(source, target, config=config)
    assert report.ok
    table = next(t for t in report.tables if t.name == "users")
    kept = next(b for b in table.built if b.startswith("kept from the replaced table"))
    for label in keeps:
        assert label in kept
    for named in _SQLITE_NAMED:
        assert any(n.startswith(named) for n in table.notes), named
    # Its trigger sets a column the new table lacks: kept, every insert would fail. With
    # --keep-backup the backup keeps every trigger under its name (SQLite renames none).
    why = "trigger users_stamp already exists" if keep_backup else "no such column: created"
    assert any(
        n.startswith("trigger users_stamp of the replaced table not kept:")
        and why in n
        and "(to add it: CREATE TRIGGER users_stamp AFTER INSERT ON users" in n
        for n in table.notes
    ), table.notes
    con = sqlite3.connect(target)
    with pytest.raises(sqlite3.IntegrityError):
        con.execute("INSERT INTO users (id, name, email) VALUES (3, 'cy', 'a@x')")
    with pytest.raises(sqlite3.IntegrityError):
        con.execute("INSERT INTO users (id, name, email) VALUES (3, 'ANN', 'c@x')")
    con.execute("INSERT INTO users (id, name, email) VALUES (3, 'cy', 'c@x')")
    triggers = con.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'users'"
    ).fetchall()
    assert triggers == ([] if keep_backup else [("users_count",)])
    if keep_backup:
        assert any(
            n.startswith("trigger users_count of the replaced table not kept") for n in table.notes
        )
    con.close()


def test_sqlite_an_index_the_new_rows_break_is_named_and_the_rest_kept(tmp_path: Path) -> None:
    rows = [(1, "ann", "a@x", "fr", 30), (2, "bob", "a@x", "de", 40)]
    source = _source(tmp_path / "s.db", rows)
    target = _sqlite_target(tmp_path / "t.db")
    report = migrate(source, target, config=MigrationConfig(mode="replace"))
    assert report.ok
    table = next(t for t in report.tables if t.name == "users")
    (note,) = [n for n in table.notes if n.startswith("unique (email)")]
    assert "UNIQUE constraint failed" in note
    assert '(to add it: CREATE UNIQUE INDEX "users_email_key" ON "users" ("email"))' in note
    assert any("index users_age" in b for b in table.built)


def test_sqlite_what_the_source_has_too_is_not_named_or_added_twice(tmp_path: Path) -> None:
    source = tmp_path / "s.db"
    con = sqlite3.connect(source)
    con.executescript(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL UNIQUE);"
        "CREATE INDEX t_n_desc ON t (n DESC); INSERT INTO t VALUES (1, 1);"
    )
    con.close()
    target = tmp_path / "t.db"
    con = sqlite3.connect(target)
    con.executescript(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, CONSTRAINT once UNIQUE (n));"
        "CREATE INDEX other_name ON t (n DESC);"
    )
    con.close()
    report = migrate(str(source), str(target), config=MigrationConfig(mode="replace"))
    assert report.ok
    assert not [n for n in report.tables[0].notes if "not kept" in n]
    assert not [b for b in report.tables[0].built if "kept from the replaced" in b]
    con = sqlite3.connect(target)
    assert con.execute("SELECT count(*) FROM pragma_index_list('t')").fetchone() == (2,)
    con.close()


def test_duckdb_keeps_not_nulls_defaults_and_indexes_and_names_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import duckdb

    source = _source(tmp_path / "s.db")
    target = str(tmp_path / "t.duckdb")
    con = duckdb.connect(target)
    con.execute(
        "CREATE SEQUENCE counter; CREATE TABLE country (code text PRIMARY KEY);"
        "INSERT INTO country VALUES ('fr'), ('de');"
        "CREATE TABLE users (id int, name text NOT NULL, email text UNIQUE, "
        "country text REFERENCES country (code), age bigint DEFAULT 18 CHECK (age >= 0), "
        "created text, CONSTRAINT young CHECK (age < 35));"
        "CREATE INDEX users_age ON users (age);"
        "ALTER TABLE users ALTER COLUMN country SET DEFAULT 'x' || nextval('counter');"
        "INSERT INTO users VALUES (1, 'ann', 'a@x', 'fr', 30, NULL)"
    )
    con.close()
    keeps = [
        "NOT NULL on name",
        "default 18 on age",
        "unique (email) as unique index users_email_key",
        "index users_age",
    ]
    named = [
        "FOREIGN KEY (country) REFERENCES country(code) of the replaced table not kept: DuckDB "
        "adds no CHECK, foreign key or primary key to a table that exists (to add it: build "
        "the table again with FOREIGN KEY (country) REFERENCES country(code))",
        "CHECK((age >= 0)) of the replaced table not kept",
        "CHECK((age < 35)) of the replaced table not kept",
    ]
    assert main(["plan", source, target, "--mode", "replace", "--json"]) == 0
    users = next(t for t in json.loads(capsys.readouterr().out)["tables"] if t["target"] == "users")
    assert set(keeps) <= set(users["keeps"])
    for drop in named:
        assert any(d.startswith(drop) for d in users["drops"]), drop

    report = migrate(source, target, config=MigrationConfig(mode="replace", tables=("users",)))
    assert report.ok
    (table,) = report.tables
    kept = next(b for b in table.built if b.startswith("kept from the replaced table"))
    for label in [*keeps, "default ('x' || nextval('counter')) on country"]:
        assert label in kept
    for drop in named:
        assert any(n.startswith(drop) for n in table.notes), drop
    con = duckdb.connect(target)
    for bad in (
        "INSERT INTO users (id, email) VALUES (3, 'c@x')",  # NOT NULL name
        "INSERT INTO users (id, name, email) VALUES (3, 'cy', 'a@x')",  # unique email
    ):
        with pytest.raises(duckdb.ConstraintException):
            con.execute(bad)
    con.execute("INSERT INTO users (id, name, email) VALUES (3, 'cy', 'c@x')")
    age, country = con.execute("SELECT age, country FROM users WHERE id = 3").fetchone()
    assert age == 18 and country.startswith("x")  # drawn from the sequence, which stays
    con.close()


def test_duckdb_a_default_is_kept_only_on_a_column_of_its_old_type(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import duckdb

    source = tmp_path / "s.db"
    con = sqlite3.connect(source)
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, age INT, price INT)")
    con.execute("INSERT INTO t VALUES (1, 'n', 1, 1)")
    con.commit()
    con.close()
    target = str(tmp_path / "t.duckdb")
    con = duckdb.connect(target)
    con.execute(
        "CREATE TABLE t (id integer PRIMARY KEY, name varchar DEFAULT 'anon', "
        "age varchar DEFAULT 'unknown', price decimal(10,2) DEFAULT 1.5)"
    )
    con.close()
    named = [
        "default 'unknown' on age of the replaced table not kept: the column's type changed "
        "from VARCHAR to BIGINT",
        "default 1.5 on price of the replaced table not kept: the column's type changed from "
        "DECIMAL(10,2) to BIGINT",
    ]
    assert main(["plan", str(source), target, "--mode", "replace", "--json"]) == 0
    (planned,) = json.loads(capsys.readouterr().out)["tables"]
    for drop in named:
        assert any(d.startswith(drop) for d in planned["drops"]), drop
    assert "default 'anon' on name" in planned["keeps"]

    report = migrate(str(source), target, config=MigrationConfig(mode="replace"))
    assert report.ok
    (table,) = report.tables
    for drop in named:
        assert any(n.startswith(drop) for n in table.notes), drop
    con = duckdb.connect(target)
    con.execute("INSERT INTO t (id) VALUES (2)")  # no default left to fail on
    assert con.execute("SELECT name, age, price FROM t WHERE id = 2").fetchone() == (
        "anon",
        None,
        None,
    )
    con.close()


def test_keep_backup_keeps_the_backups_keys_and_indexes(tmp_path: Path) -> None:
    import duckdb

    source = tmp_path / "s.db"
    con = sqlite3.connect(source)
    con.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)")
    con.execute("INSERT INTO users VALUES (1, 'e1')")
    con.commit()
    con.close()
    lite = tmp_path / "t.db"
    con = sqlite3.connect(lite)
    con.executescript(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, age INT);"
        "CREATE UNIQUE INDEX users_email ON users (email); CREATE INDEX users_age ON users (age);"
    )
    con.close()
    duck = str(tmp_path / "t.duckdb")
    con = duckdb.connect(duck)
    con.execute(
        "CREATE TABLE users (id integer PRIMARY KEY, email varchar UNIQUE, age int);"
        "CREATE INDEX users_age ON users (age); INSERT INTO users VALUES (1, 'x', 3)"
    )
    con.close()
    config = MigrationConfig(mode="replace", keep_backup=True)
    for target in (str(lite), duck):
        assert migrate(str(source), target, config=config).ok
    con = sqlite3.connect(lite)
    ((backup,),) = con.execute("SELECT name FROM sqlite_master WHERE name LIKE '%backup%'")
    indexes = con.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?", (backup,)
    ).fetchall()
    assert sorted(s.split(" ON ")[1] for (s,) in indexes) == [
        f'"{backup}" (age)',
        f'"{backup}" (email)',
    ]
    assert con.execute("SELECT name FROM pragma_index_list('users')").fetchall() == [
        ("users_email",)
    ]
    con.close()
    con = duckdb.connect(duck)
    ((declared,),) = con.execute(
        "SELECT sql FROM duckdb_tables() WHERE table_name LIKE 'users_arrowmig_backup%'"
    ).fetchall()
    assert "id INTEGER PRIMARY KEY" in declared and "email VARCHAR UNIQUE" in declared
    assert con.execute(
        "SELECT count(*) FROM duckdb_indexes() WHERE table_name LIKE 'users_arrowmig_backup%'"
    ).fetchone() == (1,)
    con.close()

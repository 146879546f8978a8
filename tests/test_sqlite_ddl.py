"""What only a SQLite CREATE TABLE text says, read without being fooled by names, strings or
comments; and what the targets make of column collations."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import duckdb
import pytest

import arrowmig
from arrowmig.config import BatchConfig, MigrationConfig
from arrowmig.endpoints.sqlite_ddl import (
    DEFERRABLE,
    DEFERRED,
    column_collations,
    count_checks,
    deferrability,
    foreign_key_names,
)
from arrowmig.migrate import explain
from tests.dbutil import pg_exec

TRICKY = """CREATE TABLE t (
    id INTEGER PRIMARY KEY,
    "email, home" TEXT COLLATE NOCASE UNIQUE CHECK (length("email, home") > 3),
    [code] text collate rtrim,
    n NUMERIC(10,2) DEFAULT (1) COLLATE BINARY,
    note TEXT DEFAULT 'COLLATE NOCASE, CHECK (x), REFERENCES p DEFERRABLE', -- CHECK (y)
    "CHECK (" TEXT, /* REFERENCES q DEFERRABLE INITIALLY DEFERRED */
    a INTEGER REFERENCES p (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    b INTEGER REFERENCES "q" DEFERRABLE,
    c INTEGER REFERENCES r NOT DEFERRABLE INITIALLY DEFERRED,
    d INTEGER REFERENCES s (id) DEFERRABLE INITIALLY DEFERRED,
    e INTEGER REFERENCES s (id),
    CONSTRAINT pair UNIQUE (a COLLATE NOCASE, b),
    CHECK (a <> b)
)"""


def _sqlite_file(path: Path, script: str) -> Path:
    con = sqlite3.connect(path)
    con.executescript(script)
    con.close()
    return path


def test_foreign_key_names_by_their_columns() -> None:
    sql = (
        'CREATE TABLE posts (id integer, user_id integer, a int CONSTRAINT "a, fk" REFERENCES x,'
        " b int REFERENCES y, note text DEFAULT 'CONSTRAINT z REFERENCES w',"
        ' CONSTRAINT "fk_rails_5b5ddfd518" FOREIGN KEY ("user_id") REFERENCES "users" ("id"),'
        " CONSTRAINT pair FOREIGN KEY (a, B) REFERENCES z (p, q), CONSTRAINT u UNIQUE (a))"
    )
    assert foreign_key_names(sql) == {
        ("a",): "a, fk",
        ("user_id",): "fk_rails_5b5ddfd518",
        ("a", "b"): "pair",
    }


def test_checks_are_counted_in_code_only() -> None:
    assert count_checks(TRICKY) == 2


def test_collations_are_read_per_column() -> None:
    assert column_collations(TRICKY) == {"email, home": "NOCASE", "code": "RTRIM"}
    quoted = 'CREATE TABLE q (a TEXT COLLATE "my coll", b TEXT COLLATE [x], c TEXT)'
    assert column_collations(quoted) == {"a": "MY COLL", "b": "X"}


def test_deferrability_per_key() -> None:
    # s is referenced twice, once deferred and once not: each key keeps its own timing.
    assert deferrability(TRICKY) == {
        (("a",), "p"): DEFERRED,
        (("b",), "q"): DEFERRABLE,
        (("c",), "r"): "",
        (("d",), "s"): DEFERRED,
        (("e",), "s"): "",
    }
    table_keys = (
        "CREATE TABLE k (a int, b int, c int REFERENCES p REFERENCES q DEFERRABLE,"
        " FOREIGN KEY (a, B) REFERENCES p (x, y) DEFERRABLE INITIALLY DEFERRED,"
        ' CONSTRAINT "k b" FOREIGN KEY ("b") REFERENCES "P" (x),'
        " FOREIGN KEY (a) REFERENCES p (x) DEFERRABLE, FOREIGN KEY (a) REFERENCES p (x))"
    )
    # The last two are alike but for their timing: which is which cannot be told, left out.
    assert deferrability(table_keys) == {
        (("c",), "p"): "",
        (("c",), "q"): DEFERRABLE,
        (("a", "b"), "p"): DEFERRED,
        (("b",), "p"): "",
    }


def test_sqlite_and_duckdb_keep_nocase(tmp_path: Path) -> None:
    source = _sqlite_file(
        tmp_path / "users.db",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT COLLATE NOCASE UNIQUE,"
        " code TEXT COLLATE RTRIM);"
        "INSERT INTO users VALUES (1, 'Ann@x.org', 'ab  '), (2, 'bob@x.org', 'c');",
    )
    copy = tmp_path / "copy.db"
    assert arrowmig.migrate(str(source), str(copy)).ok
    con = sqlite3.connect(copy)
    assert con.execute("SELECT id FROM users WHERE email = 'ANN@X.ORG'").fetchall() == [(1,)]
    assert con.execute("SELECT id FROM users WHERE code = 'ab'").fetchall() == [(1,)]
    with pytest.raises(sqlite3.IntegrityError):  # still unique without regard to case
        con.execute("INSERT INTO users VALUES (3, 'BOB@X.ORG', NULL)")
    con.close()
    warehouse = tmp_path / "w.duckdb"
    report = arrowmig.migrate(str(source), str(warehouse))
    assert report.ok
    notes = "\n".join(report.tables[0].notes)
    assert "code: COLLATE RTRIM not carried (trailing spaces count in duckdb" in notes
    duck = duckdb.connect(str(warehouse))
    assert duck.sql("SELECT id FROM users WHERE email = 'ANN@X.ORG'").fetchall() == [(1,)]
    duck.close()


@pytest.mark.postgres
def test_the_plan_shows_the_collation_each_created_column_is_declared_with(
    tmp_path: Path, pg_url: str
) -> None:
    # The plan said VARCHAR where DuckDB got VARCHAR COLLATE NOCASE (citext, or NOCASE).
    source = _sqlite_file(
        tmp_path / "users.db",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT COLLATE NOCASE, n TEXT)",
    )
    pg_exec(pg_url, "CREATE EXTENSION IF NOT EXISTS citext", "CREATE TABLE users (email citext)")
    for src, target, declared in [
        (str(source), tmp_path / "w.duckdb", "VARCHAR COLLATE NOCASE"),
        (str(source), tmp_path / "copy.db", "TEXT COLLATE NOCASE"),
        (pg_url, tmp_path / "pg.duckdb", "VARCHAR COLLATE NOCASE"),
    ]:
        (table,) = explain(src, str(target)).to_dict()["tables"]
        types = {c["name"]: c["target_type"] for c in table["columns"]}
        assert types["email"] == declared, src
        assert arrowmig.migrate(src, str(target)).ok
        if target.suffix == ".duckdb":
            with duckdb.connect(str(target), read_only=True) as con:
                ((sql,),) = con.execute(
                    "SELECT sql FROM duckdb_tables() WHERE table_name = 'users'"
                ).fetchall()
        else:
            with sqlite3.connect(target) as con:
                (sql,) = con.execute(
                    "SELECT sql FROM sqlite_master WHERE name = 'users'"
                ).fetchone()
        assert f"email {declared}" in sql.replace('"email"', "email"), sql
    # Appended into, a table keeps its own: the plan shows no collation it does not give.
    config = MigrationConfig(mode="append")
    (table,) = explain(str(source), str(tmp_path / "w.duckdb"), config=config).to_dict()["tables"]
    assert "COLLATE" not in str([c["target_type"] for c in table["columns"]])


def test_postgres_plan_names_the_collations_it_cannot_keep(tmp_path: Path, pg_url: str) -> None:
    source = _sqlite_file(
        tmp_path / "users.db",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT COLLATE NOCASE)",
    )
    notes = explain(str(source), pg_url).tables[0].notes
    assert (
        "email: COLLATE NOCASE not carried (case counts in postgresql: comparisons, sorting "
        "and unique indexes on it can differ)"
    ) in notes


def test_an_index_under_another_collation_keeps_it_in_sqlite_and_is_named_elsewhere(
    tmp_path: Path,
) -> None:
    source = _sqlite_file(
        tmp_path / "c.db",
        "CREATE TABLE c (id INTEGER PRIMARY KEY, name TEXT, tag TEXT COLLATE NOCASE);"
        "CREATE UNIQUE INDEX c_name ON c (name COLLATE NOCASE);"
        "CREATE INDEX c_tag ON c (tag);"  # the column's own collation: nothing to say
        "INSERT INTO c VALUES (1, 'Ann', 'x'), (2, 'bob', 'X');",
    )
    copy = tmp_path / "copy.db"
    report = arrowmig.migrate(str(source), str(copy))
    assert report.ok
    assert "collations" not in "\n".join(report.tables[0].notes)
    assert "unique index c_name" in report.tables[0].built
    assert _index_collations(copy, "c_name") == [("name", "NOCASE")]
    report = arrowmig.migrate(str(source), str(tmp_path / "c.duckdb"))
    assert report.ok
    notes = "\n".join(report.tables[0].notes)
    assert "not carried: the collations of index c_name (built without them)" in notes
    assert "c_tag" not in notes


def test_a_unique_index_binary_on_a_nocase_column_takes_the_sources_rows(tmp_path: Path) -> None:
    # Built under the column's NOCASE, the index would refuse 'Bob' beside 'bob'.
    source = _sqlite_file(
        tmp_path / "u.db",
        "CREATE TABLE u (id INTEGER PRIMARY KEY, email TEXT COLLATE NOCASE);"
        "CREATE UNIQUE INDEX u_email ON u (email COLLATE BINARY);"
        "INSERT INTO u VALUES (1, 'Bob'), (2, 'bob'), (3, 'BOB');",
    )
    copy = tmp_path / "copy.db"
    for mode in ("create", "replace"):
        report = arrowmig.migrate(str(source), str(copy), config=MigrationConfig(mode=mode))
        assert report.ok, (mode, report.to_dict())
        assert "unique index u_email" in report.tables[0].built, mode
        assert _index_collations(copy, "u_email") == [("email", "BINARY")], mode
        con = sqlite3.connect(copy)
        assert con.execute("SELECT count(*) FROM u").fetchone() == (3,), mode
        with pytest.raises(sqlite3.IntegrityError):
            con.execute("INSERT INTO u VALUES (4, 'bob')")
        con.close()


def _index_collations(path: Path, index: str) -> list[tuple[str, str]]:
    con = sqlite3.connect(path)
    try:
        rows = con.execute(
            "SELECT name, coll FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno", (index,)
        ).fetchall()
        return [(str(n), str(c)) for n, c in rows]
    finally:
        con.close()


def _case_blind(a: str, b: str) -> int:
    return (a.lower() > b.lower()) - (a.lower() < b.lower())


def _app_collated_file(path: Path, script: str) -> Path:
    """A file made by an application that registers its own collation, ``appcase``: no other
    connection has it (arrowmig's, the sqlite3 shell's)."""
    con = sqlite3.connect(path)
    con.create_collation("appcase", _case_blind)
    con.executescript(script)
    con.close()
    return path


_APP_COLLATED = (
    "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT COLLATE appcase,"
    " born DATE COLLATE appcase, price DECIMAL(8,2) COLLATE appcase, tag COLLATE appcase);"
    "CREATE INDEX t_name ON t (name);"
    # A key under the collation: its automatic index answers count(*) unless told not to.
    "CREATE TABLE u (code TEXT COLLATE appcase PRIMARY KEY, v INT);"
    "CREATE INDEX u_v ON u (v COLLATE appcase);"
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)"
    " INSERT INTO t (name, born, price, tag) SELECT char(65 + i % 26) || i,"
    " date('2000-01-01', '+' || i || ' days'), i || '.25', i FROM n;"
    # One wide row among narrow ones: read in key ranges of about --batch-bytes each.
    "UPDATE t SET tag = printf('%.20000c', 'w') WHERE id = 150;"
    "INSERT INTO u VALUES ('x', 1), ('Y', 2);"
)


@pytest.mark.parametrize("target_name", ["copy.db", "copy.duckdb"])
@pytest.mark.parametrize("profile", [True, False])
def test_an_applications_collation_is_read_without_it_and_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, target_name: str, profile: bool
) -> None:
    """SQLite refuses any statement that compares under a collation it does not have, or
    opens an index ordered by it; the values themselves read, compared bytewise."""
    import arrowmig.endpoints.sqlite as sqlite_endpoint

    _app_collated_file(tmp_path / "app.db", _APP_COLLATED)
    # Profiled in rowid parts at once, as a big table is.
    monkeypatch.setattr(sqlite_endpoint, "PROFILE_PART_ROWS", 100)
    source, target = str(tmp_path / "app.db"), str(tmp_path / target_name)
    config = MigrationConfig(
        profile=profile, parallel=2, batch=BatchConfig(batch_rows=64, batch_bytes=1024)
    )
    report = arrowmig.migrate(source, target, config=config)
    assert report.ok, report.tables
    by_name = {t.name: t for t in report.tables}
    assert by_name["t"].rows == 300 and by_name["u"].rows == 2
    # A note several columns share names them all, once.
    (collated,) = [n for n in by_name["t"].notes if "COLLATE APPCASE not carried" in n]
    assert "name" in collated.split(": ", 1)[0].split(", ")
    assert "code: COLLATE APPCASE not carried" in "\n".join(by_name["u"].notes)
    assert arrowmig.verify(source, target).ok
    con = sqlite3.connect(source)
    con.create_collation("appcase", _case_blind)
    expected = con.execute("SELECT id, name, tag FROM t ORDER BY id").fetchall()
    con.close()
    if target_name.endswith(".db"):
        copied = sqlite3.connect(target).execute("SELECT id, name, tag FROM t ORDER BY id")
        assert copied.fetchall() == expected
    else:
        duck = duckdb.connect(target)
        assert duck.sql("SELECT id, name, tag FROM t ORDER BY id").fetchall() == [
            (i, n, str(g)) for i, n, g in expected
        ]
        duck.close()


def test_what_cannot_be_read_without_an_applications_collation_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A WITHOUT ROWID table stores its rows as one index of every column, so SQLite will
    not read one with such a column at all; a view may sort by one. Both are refused before
    anything is written (exit 2), each with the way past."""
    from arrowmig.cli import main

    source = _app_collated_file(
        tmp_path / "app.db",
        "CREATE TABLE ok (id INTEGER PRIMARY KEY, name TEXT COLLATE appcase);"
        "CREATE TABLE w (k TEXT PRIMARY KEY, name TEXT COLLATE appcase) WITHOUT ROWID;"
        "CREATE VIEW sorted AS SELECT * FROM ok ORDER BY name;"
        "INSERT INTO ok VALUES (1, 'b'), (2, 'A'); INSERT INTO w VALUES ('k', 'v');",
    )
    target = tmp_path / "copy.duckdb"
    for tables, said in (
        ("ok,w", "table 'w' cannot be read: it is WITHOUT ROWID and uses collation 'APPCASE'"),
        ("sorted", "profiling 'sorted': SQLite needs collation 'appcase'"),
    ):
        args = ["migrate", str(source), str(target), "--tables", tables, "--progress", "none"]
        assert main(args) == 2
        err = capsys.readouterr().err
        assert said in err and err.count("\n") == 1
        assert "leave it out with --exclude" in err
        assert not target.exists()
    assert main(["migrate", str(source), str(target), "--exclude", "w", "--progress", "none"]) == 0

"""Every index the report says is built is there, under the name it gives, and enforces: a
name past 63 bytes into PostgreSQL (which cut it silently, so two such names became one, or
one became its table's name) is shortened with a hash; a name arrowmig makes up that meets
another of the run is numbered; a name held outside the run fails its table, in every mode."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import duckdb
import psycopg
import pytest

from arrowmig import MigrationConfig, migrate
from arrowmig.index_names import named_apart
from arrowmig.migrate import explain
from arrowmig.model import Index, Table
from arrowmig.plan import MigrationPlan

LONG = "index_users_on_organization_id_and_department_id_and_created_at_"
"""64 bytes: two Rails-style names that start with it were one name in PostgreSQL."""


def _sqlite(path: Path, script: str) -> str:
    con = sqlite3.connect(path)
    con.executescript(script)
    con.close()
    return str(path)


def _pg_indexes(url: str) -> dict[str, str]:
    with psycopg.connect(url) as con:
        rows = con.execute(
            "SELECT indexname, tablename FROM pg_indexes WHERE schemaname = 'public' "
            "AND tablename NOT LIKE '\\_arrowmig%'"
        ).fetchall()
    return {str(i): str(t) for i, t in rows}


def _refused_in_pg(url: str, sql: str) -> bool:
    with psycopg.connect(url) as con:
        try:
            con.execute(sql)
        except psycopg.errors.UniqueViolation:
            return True
    return False


def _built_indexes(report_table: object) -> list[str]:
    return [b.split()[-1] for b in report_table.built if "index " in b]  # type: ignore[attr-defined]


@pytest.mark.parametrize("source_kind", ["sqlite", "duckdb"])
def test_two_long_index_names_alike_in_63_bytes_are_both_built_into_postgresql(
    tmp_path: Path, pg_url: str, source_kind: str
) -> None:
    script = (
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, login TEXT);"
        f"CREATE UNIQUE INDEX {LONG}email ON users (email);"
        f"CREATE UNIQUE INDEX {LONG}login ON users (login);"
        "INSERT INTO users VALUES (1, 'a@x', 'a');"
    )
    if source_kind == "sqlite":
        source = _sqlite(tmp_path / "s.db", script)
    else:
        source = str(tmp_path / "s.duckdb")
        with duckdb.connect(source) as con:
            con.execute(script)
    planned = explain(source, pg_url)
    assert isinstance(planned, MigrationPlan)
    notes = "\n".join(planned.tables[0].notes)
    assert f"unique index {LONG}email is built as " in notes
    report = migrate(source, pg_url)
    assert report.exit_code == 0
    (table,) = report.tables
    built = _built_indexes(table)
    there = _pg_indexes(pg_url)
    assert len(built) == 2 and all(there.get(name) == "users" for name in built), (built, there)
    assert all(len(name.encode()) <= 63 and name in notes for name in built)
    assert _refused_in_pg(pg_url, "INSERT INTO users VALUES (2, 'a@x', 'b')")
    assert _refused_in_pg(pg_url, "INSERT INTO users VALUES (3, 'b@x', 'a')")


def test_a_unique_column_of_a_63_byte_table_keeps_its_index_in_postgresql(
    tmp_path: Path, pg_url: str
) -> None:
    # <table>_v_key was cut to the table's own name, and passed over in silence.
    name = "t" * 63
    source = _sqlite(
        tmp_path / "s.db",
        f'CREATE TABLE "{name}" (id INTEGER PRIMARY KEY, v TEXT UNIQUE);'
        f"INSERT INTO \"{name}\" VALUES (1, 'a');",
    )
    report = migrate(source, pg_url)
    assert report.exit_code == 0
    (built,) = _built_indexes(report.tables[0])
    assert built.endswith("_key") and _pg_indexes(pg_url).get(built) == name
    assert _refused_in_pg(pg_url, f"INSERT INTO \"{name}\" VALUES (2, 'a')")


@pytest.mark.parametrize("mode", ["create", "replace"])
def test_invented_unique_names_alike_across_tables_are_numbered(
    tmp_path: Path, pg_url: str, mode: str
) -> None:
    # a(b_c UNIQUE) and a_b(c UNIQUE) both made a_b_c_key: create failed, replace said both
    # were built and one was not there.
    source = _sqlite(
        tmp_path / "s.db",
        "CREATE TABLE a (id INTEGER PRIMARY KEY, b_c TEXT UNIQUE);"
        "CREATE TABLE a_b (id INTEGER PRIMARY KEY, c TEXT UNIQUE);"
        "INSERT INTO a VALUES (1, 'x'); INSERT INTO a_b VALUES (1, 'x');",
    )
    runs = 1 if mode == "create" else 2  # the second replaces what the first created
    for _ in range(runs):
        report = migrate(source, pg_url, config=MigrationConfig(mode=mode))
        assert report.exit_code == 0, [t.keys_not_built for t in report.tables]
        built = {t.name: _built_indexes(t) for t in report.tables}
        assert built == {"a": ["a_b_c_key"], "a_b": ["a_b_c_key1"]}
        there = _pg_indexes(pg_url)
        assert there["a_b_c_key"] == "a" and there["a_b_c_key1"] == "a_b"
    assert _refused_in_pg(pg_url, "INSERT INTO a VALUES (2, 'x')")
    assert _refused_in_pg(pg_url, "INSERT INTO a_b VALUES (2, 'x')")


def _one_unique_index(tmp_path: Path) -> str:
    return _sqlite(
        tmp_path / "s.db",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER);"
        "CREATE UNIQUE INDEX ix_a ON t (a); INSERT INTO t VALUES (1, 2);",
    )


def _assert_refused(report: object) -> None:
    (table,) = report.tables  # type: ignore[attr-defined]
    assert report.exit_code == 1  # type: ignore[attr-defined]
    assert not [b for b in table.built if "ix_a" in b], table.built
    assert table.keys_not_built[0].startswith(
        "unique index ix_a not built: the name 'ix_a' is taken by an index of 'other'"
    ), table.keys_not_built


def test_a_name_another_postgresql_table_holds_fails_a_replaced_table(
    tmp_path: Path, pg_url: str
) -> None:
    source = _one_unique_index(tmp_path)
    assert migrate(source, pg_url).exit_code == 0
    with psycopg.connect(pg_url) as con:
        con.execute("ALTER INDEX ix_a RENAME TO ix_moved")
        con.execute("CREATE TABLE other (a int); CREATE INDEX ix_a ON other (a)")
    _assert_refused(migrate(source, pg_url, config=MigrationConfig(tables=("t",), mode="replace")))
    assert _pg_indexes(pg_url)["ix_a"] == "other"


@pytest.mark.parametrize("mode", ["create", "replace"])
def test_a_name_another_sqlite_table_holds_is_refused(tmp_path: Path, mode: str) -> None:
    # SQLite index names are one namespace per database: IF NOT EXISTS passed over it.
    source = _one_unique_index(tmp_path)
    target = tmp_path / "t.db"
    con = sqlite3.connect(target)
    con.executescript("CREATE TABLE other (a INTEGER); CREATE INDEX ix_a ON other (a);")
    if mode == "replace":
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER)")
    con.close()
    _assert_refused(migrate(source, str(target), config=MigrationConfig(mode=mode, tables=("t",))))


def test_a_name_another_duckdb_table_holds_fails_a_replaced_table(tmp_path: Path) -> None:
    source = _one_unique_index(tmp_path)
    target = str(tmp_path / "t.duckdb")
    with duckdb.connect(target) as con:
        con.execute("CREATE TABLE other (a INTEGER); CREATE INDEX ix_a ON other (a)")
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER)")
    _assert_refused(migrate(source, target, config=MigrationConfig(mode="replace", tables=("t",))))


def test_a_source_name_keeps_its_place_before_an_invented_one() -> None:
    mine = Table("t", (), indexes=(Index("a_b_c_key", ("x",), True, invented=True),))
    theirs = Table("u", (), indexes=(Index("A_B_C_KEY", ("y",)),))
    long = Table("v", (), indexes=(Index("i" * 70, ("z",)),))
    named = named_apart([mine, theirs, long], "sqlite")
    assert [t.indexes[0].name for t, _ in named] == ["a_b_c_key1", "A_B_C_KEY", "i" * 70]
    assert named[0][1] == [
        "unique index a_b_c_key is built as a_b_c_key1: 'a_b_c_key' is another index's or "
        "table's name in this run"
    ]
    named = named_apart([mine, theirs, long], "postgresql")
    assert [t.indexes[0].name for t, _ in named][:2] == ["a_b_c_key", "A_B_C_KEY"]
    assert len(named[2][0].indexes[0].name) == 63

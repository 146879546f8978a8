"""A primary key or unique constraint the source has, which the run meant to build and the
target refused because of the rows, fails the run (exit code 1): the rows are in, but the
target takes the duplicates the source refuses. The plan says so before the run when the
SQLite source shows why: NULLs in a primary key, or values of two storage classes (integer 1
and text '1') that become one value once made text."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import duckdb
import psycopg
import pyarrow as pa
import pytest

from arrowmig import MigrationConfig, migrate
from arrowmig.cli import main
from arrowmig.endpoints import open_endpoint
from arrowmig.migrate import explain
from arrowmig.model import Column, Index, Table
from arrowmig.plan import MigrationPlan
from tests.dbutil import target_of


def _mixed_key(path: Path) -> str:
    """An untyped key holding integer 1, text '1' and real 1.5: three keys in SQLite."""
    con = sqlite3.connect(path)
    con.executescript(
        """
        CREATE TABLE k (a PRIMARY KEY, b TEXT);
        INSERT INTO k VALUES (1, 'int one'), ('1', 'text one'), (1.5, 'real');
        CREATE TABLE fine (id INTEGER PRIMARY KEY, a);
        INSERT INTO fine VALUES (1, 1), (2, 'two');
        CREATE UNIQUE INDEX fine_a ON fine (a);
        """
    )
    con.close()
    return str(path)


def _primary_keys(target: str, table: str) -> int:
    if target.startswith("postgresql"):
        with psycopg.connect(target) as con:
            row = con.execute(
                "SELECT count(*) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p'",
                (table,),
            ).fetchone()
    else:
        with duckdb.connect(target, read_only=True) as con:
            row = con.execute(
                "SELECT count(*) FROM duckdb_constraints() WHERE table_name = ? "
                "AND constraint_type = 'PRIMARY KEY'",
                [table],
            ).fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.parametrize("target_kind", ["duckdb", "postgres"])
def test_a_key_the_target_refuses_fails_the_run_and_the_plan_says_so_first(
    tmp_path: Path, target_kind: str, request: pytest.FixtureRequest
) -> None:
    # The column became text (flagged), so 1 and '1' were one value; the key was not built,
    # yet the run said "done", exit code 0.
    source = _mixed_key(tmp_path / "s.db")
    target = target_of(target_kind, tmp_path, request)
    dialect = "postgresql" if target_kind == "postgres" else "duckdb"
    planned = explain(source, target)
    assert isinstance(planned, MigrationPlan)
    by_name = {p.source.name: p for p in planned.tables}
    assert (
        f"primary key (a) cannot be built in {dialect}: a's integer/real/text values are all "
        "made text, and 1 value of the key is then held by 2 rows (the integer 1 and the text "
        "'1' both become '1')"
    ) in "\n".join(by_name["k"].notes)
    # Distinct values of two classes that stay distinct as text: nothing to say.
    assert not [n for n in by_name["fine"].notes if "cannot be built" in n]

    report = migrate(source, target)
    assert not report.ok and report.exit_code == 1
    assert report.failed == [] and [t.name for t in report.keys_not_built] == ["k"]
    k = next(t for t in report.tables if t.name == "k")
    assert k.status == "done" and k.rows == 3  # every row is in
    (unbuilt,) = k.keys_not_built
    assert unbuilt.startswith("primary key (a) not built: ")
    assert "make its values distinct and not NULL" in unbuilt
    assert report.to_dict()["keys_not_built"] == ["k"]
    assert _primary_keys(target, "k") == 0
    assert _primary_keys(target, "fine") == 1

    # Replaced, the table is put in place with its keys, in one transaction: it fails whole.
    replace = MigrationConfig(mode="replace", tables=("k",))
    planned = explain(source, target, config=replace)
    assert isinstance(planned, MigrationPlan)
    assert "the table then fails, none of its rows put in place" in "\n".join(
        planned.tables[0].notes
    )
    report = migrate(source, target, config=replace)
    assert report.exit_code == 1 and report.tables[0].status == "failed"


def test_the_command_line_exits_1_and_names_the_key_in_the_report_and_the_events(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _mixed_key(tmp_path / "s.db")
    target = str(tmp_path / "t.duckdb")
    code = main(["migrate", source, target, "--progress", "json"])
    out, err = capsys.readouterr()
    assert code == 1, err
    events = [json.loads(line) for line in out.splitlines()]
    errors = [e for e in events if e["event"] == "error"]
    assert [e["table"] for e in errors] == ["k"]
    assert errors[0]["message"].startswith("primary key (a) not built: ")
    summary = events[-1]["report"]
    assert summary["ok"] is False and summary["exit_code"] == 1
    assert summary["keys_not_built"] == ["k"]
    tables = {t["name"]: t for t in summary["tables"]}
    assert tables["k"]["keys_not_built"] and tables["fine"]["keys_not_built"] == []

    (tmp_path / "t.duckdb").unlink()
    code = main(["migrate", source, target, "--progress", "none"])
    _, err = capsys.readouterr()
    assert code == 1
    assert "  k: FAILED: primary key (a) not built: " in err
    assert err.splitlines()[-1].startswith("FINISHED WITH FAILURES: 5 rows")
    assert ", 1 key not built" in err.splitlines()[-1]


def test_a_null_in_a_sqlite_primary_key_is_named_by_the_plan_and_fails_the_run(
    tmp_path: Path,
) -> None:
    # SQLite takes NULL in a primary key that is not the rowid (INTEGER PRIMARY KEY DESC is
    # not); DuckDB and PostgreSQL do not.
    source = tmp_path / "s.db"
    con = sqlite3.connect(source)
    con.executescript(
        "CREATE TABLE t (id INTEGER PRIMARY KEY DESC, v TEXT);"
        "INSERT INTO t VALUES (NULL, 'a'), (1, 'b'), (NULL, 'c');"
    )
    con.close()
    target = str(tmp_path / "t.duckdb")
    planned = explain(str(source), target)
    assert isinstance(planned, MigrationPlan)
    assert "primary key (id) cannot be built in duckdb: 2 rows hold NULL in id" in "\n".join(
        planned.tables[0].notes
    )
    report = migrate(str(source), target)
    assert report.exit_code == 1 and report.tables[0].rows == 3
    assert "NOT NULL" in report.tables[0].keys_not_built[0]


@pytest.mark.parametrize("unique", [False, True])
def test_an_index_whose_name_another_duckdb_table_holds_is_not_built_and_only_a_key_fails(
    tmp_path: Path, unique: bool
) -> None:
    # CREATE INDEX IF NOT EXISTS passed over it in silence, and the report said it was built.
    # A missing index makes queries slower, not wrong: a note; a missing unique one lets
    # duplicates in: a failure.
    source = tmp_path / "s.db"
    con = sqlite3.connect(source)
    kind = "UNIQUE INDEX" if unique else "INDEX"
    con.executescript(
        f"CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER); CREATE {kind} ix_a ON t (a);"
        "INSERT INTO t VALUES (1, 2);"
    )
    con.close()
    target = str(tmp_path / "t.duckdb")
    with duckdb.connect(target) as other:
        other.execute("CREATE TABLE other (a INTEGER); CREATE INDEX ix_a ON other (a)")
    report = migrate(str(source), target, config=MigrationConfig(tables=("t",)))
    (table,) = report.tables
    said = f"{'unique ' if unique else ''}index ix_a not built: the name 'ix_a' is taken by an index of 'other'"
    assert table.built[0] == "primary key (id)" and not [b for b in table.built if "ix_a" in b]
    if unique:
        assert report.exit_code == 1 and table.keys_not_built[0].startswith(said)
    else:
        assert report.ok and table.keys_not_built == []
        assert any(n.startswith(said) for n in table.notes), table.notes


def test_a_duckdb_primary_key_built_by_a_stopped_attempt_is_built_not_failed(
    tmp_path: Path,
) -> None:
    # A run stopped after the key was built, before it recorded the table loaded, builds it
    # again on resume: DuckDB refuses a second primary key, which failed the run.
    table = Table(
        name="t",
        columns=(Column("id", pa.int64()), Column("a", pa.int64())),
        primary_key=("id",),
        indexes=(Index("t_a", ("a",), unique=True),),
    )
    with open_endpoint(str(tmp_path / "t.duckdb"), create=True) as ep:
        ep.execute("CREATE TABLE t (id BIGINT, a BIGINT)")
        ep.execute("INSERT INTO t VALUES (1, 2), (2, 3)")
        for _ in range(2):
            load = ep.finish_table(table)
            assert load.keys_not_built == [], load.keys_not_built
            assert load.built == ["primary key (id)", "unique index t_a"]


@pytest.mark.postgres
@pytest.mark.parametrize("into", ["duckdb", "postgresql"])
def test_nulls_in_a_presumed_sqlite_key_column_are_named_by_plan_and_run(
    tmp_path: Path, pg_url: str, into: str
) -> None:
    """A key column whose declared type the run presumes (TEXT, BIGINT) is proven as it is
    read, not counted: the run's plan said nothing of its NULLs, and the report only had the
    server's refusal. Both now say how many rows, which (by rowid), and what becomes of the key."""
    source = tmp_path / "s.db"
    con = sqlite3.connect(source)
    con.executescript(
        "CREATE TABLE t (code TEXT PRIMARY KEY, n INTEGER);"
        "INSERT INTO t VALUES ('a', 1), (NULL, 2), ('b', 3), (NULL, 4), (NULL, 5), (NULL, 6);"
        "CREATE TABLE u (k BIGINT PRIMARY KEY, v TEXT); INSERT INTO u VALUES (NULL, 'x'), (5, 'y');"
    )
    con.close()
    target = pg_url if into == "postgresql" else str(tmp_path / "t.duckdb")
    said = {
        "t": f"primary key (code) cannot be built in {into}: 4 rows hold NULL in code "
        "(rowid 2, 4, 5, …)",
        "u": f"primary key (k) cannot be built in {into}: 1 row holds NULL in k (rowid 1)",
    }
    planned = explain(str(source), target)
    assert isinstance(planned, MigrationPlan)
    for table in planned.tables:
        assert said[table.target.name] in "\n".join(table.notes)
    report = migrate(str(source), target)
    assert report.exit_code == 1
    for done in report.tables:
        assert done.rows == (6 if done.name == "t" else 2)
        notes = "\n".join(done.notes)
        assert said[done.name] in notes, notes
        assert "its rows are copied without it, and the run ends with failures" in notes

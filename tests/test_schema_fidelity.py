"""Schema beyond columns: portable defaults, auto-assigned keys that keep working after a
load, foreign keys (implicit ones too) added parent first, views listed in the plan.
Every check reads the target with its own client.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import duckdb
import psycopg
import pyarrow as pa
import pytest

import arrowmig
from arrowmig.cli.render import plan_text
from arrowmig.config import MigrationConfig
from arrowmig.defaults import default_sql, read_default
from arrowmig.migrate import explain
from arrowmig.model import Column, ForeignKey, Table
from arrowmig.plan import TablePlan
from arrowmig.runner import _parents_first
from tests.dbutil import pg_exec

HOSTILE = "it's'); DROP TABLE t; --"


def make_sqlite(path: Path, script: str) -> str:
    con = sqlite3.connect(path)
    con.executescript(script)
    con.commit()
    con.close()
    return str(path)


def pg_one(url: str, sql: str) -> tuple[object, ...]:
    with psycopg.connect(url, autocommit=True) as con:
        row = con.execute(sql).fetchone()
    assert row is not None
    return tuple(row)


def notes_of(report: arrowmig.MigrationReport, table: str) -> str:
    return "\n".join(next(t for t in report.tables if t.name == table).notes)


# -- defaults --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "dialect", "kind", "value"),
    [
        ("5", "sqlite", "number", "5"),
        ("(-1.5)", "duckdb", "number", "-1.5"),
        ("'-5'::integer", "postgresql", "number", "-5"),
        ("'it''s'::character varying", "postgresql", "string", "it's"),
        ("'a'::text || 'b'::text", "postgresql", "expression", None),
        ("nextval('t_id_seq'::regclass)", "postgresql", "sequence", None),
        ("CURRENT_TIMESTAMP", "sqlite", "now_utc", None),
        ("CURRENT_TIMESTAMP", "postgresql", "now", None),
        ("(datetime('now'))", "sqlite", "now_utc", None),
        ("TRUE", "sqlite", "boolean", "true"),
        ("1+2", "sqlite", "expression", None),
    ],
)
def test_defaults_are_classified_from_each_catalogs_spelling(
    sql: str, dialect: str, kind: str, value: str | None
) -> None:
    parsed = read_default(sql, dialect)
    assert parsed is not None and (parsed.kind, parsed.value) == (kind, value)


def test_literals_are_rewritten_and_checked_against_the_column_type() -> None:
    def emitted(sql: str, arrow_type: pa.DataType, dialect: str = "postgresql") -> str | None:
        return default_sql(Column("c", arrow_type, default=read_default(sql, "sqlite")), dialect)[0]

    assert emitted("'it''s'", pa.string()) == "'it''s'"
    assert emitted("1000", pa.int8(), "duckdb") is None  # out of range: DuckDB refuses the table
    assert emitted("1.5", pa.int64()) is None  # would round
    assert emitted("1.25", pa.decimal128(5, 2)) == "1.25"
    assert emitted("0", pa.bool_()) == "FALSE" and emitted("1", pa.bool_(), "sqlite") == "1"
    assert emitted("'2024-02-30'", pa.date32()) is None
    assert emitted("'2024-01-02 03:04:05'", pa.timestamp("us", tz="UTC")) is None  # re-zoned
    assert emitted("CURRENT_TIMESTAMP", pa.timestamp("us")) == (
        "(CURRENT_TIMESTAMP AT TIME ZONE 'UTC')"
    )


@pytest.fixture
def defaults_db(tmp_path: Path) -> str:
    quoted = HOSTILE.replace("'", "''")
    return make_sqlite(
        tmp_path / "d.db",
        f"""
        CREATE TABLE t (
            id INTEGER PRIMARY KEY,
            n INTEGER DEFAULT -7,
            r REAL DEFAULT (2.5),
            s TEXT DEFAULT '{quoted}',
            flag BOOLEAN DEFAULT 1,
            day DATE DEFAULT '2024-01-02',
            at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
            calc INTEGER DEFAULT (1 + 2),
            blank TEXT DEFAULT NULL,
            other TEXT
        );
        INSERT INTO t (id, other, at) VALUES (1, 'a', '2024-05-06 07:08:09'), (4, 'b', '2024-05-06 07:08:10');
        """,
    )


def test_portable_defaults_reach_postgresql(defaults_db: str, pg_url: str) -> None:
    report = arrowmig.migrate(defaults_db, pg_url)
    assert report.ok, str(report.to_dict())
    row = pg_one(
        pg_url,
        "INSERT INTO t (other) VALUES ('c') RETURNING id, n, r, s, flag, day, calc, blank, "
        "at > now() AT TIME ZONE 'UTC' - interval '1 minute'",
    )
    assert row[:8] == (5, -7, 2.5, HOSTILE, True, date(2024, 1, 2), None, None)
    assert row[8] is True  # the UTC wall clock, as SQLite's CURRENT_TIMESTAMP gives it
    assert "calc: default 1 + 2 not copied (not a portable literal)" in notes_of(report, "t")
    assert pg_one(pg_url, "SELECT count(*) FROM pg_tables WHERE tablename = 't'") == (1,)


def test_portable_defaults_reach_duckdb_and_are_shown_in_the_plan(
    defaults_db: str, tmp_path: Path
) -> None:
    target = str(tmp_path / "d.duckdb")
    plan = explain(defaults_db, target).to_dict()
    columns = {c["name"]: c for c in plan["tables"][0]["columns"]}
    assert columns["n"]["default"] == "-7" and columns["id"]["auto_increment"]
    report = arrowmig.migrate(defaults_db, target)
    assert report.ok, str(report.to_dict())
    assert "id: auto-assigned key not kept: DuckDB" in notes_of(report, "t")
    con = duckdb.connect(target)
    try:
        con.execute("INSERT INTO t (id, other) VALUES (9, 'c')")
        row = con.execute("SELECT n, r, s, flag, calc FROM t WHERE id = 9").fetchone()
    finally:
        con.close()
    assert row == (-7, 2.5, HOSTILE, True, None)


def test_defaults_survive_duckdb_to_sqlite(tmp_path: Path) -> None:
    source = str(tmp_path / "s.duckdb")
    con = duckdb.connect(source)
    con.execute(
        "CREATE SEQUENCE seq START 100; CREATE TABLE t (id INTEGER PRIMARY KEY DEFAULT "
        "nextval('seq'), amount DECIMAL(6,2) DEFAULT 1.25, label VARCHAR DEFAULT 'n/a', "
        "big TINYINT DEFAULT (-3)); INSERT INTO t (label) VALUES ('x'), ('y')"
    )
    con.close()
    target = str(tmp_path / "t.db")
    report = arrowmig.migrate(source, target)
    assert report.ok, str(report.to_dict())
    lite = sqlite3.connect(target)
    try:
        lite.execute("INSERT INTO t DEFAULT VALUES")
        row = lite.execute("SELECT id, amount, label, big FROM t ORDER BY id DESC").fetchone()
    finally:
        lite.close()
    # The key was a rowid alias in SQLite: it auto-assigns past the largest loaded key.
    assert row == (102, "1.25", "n/a", -3)


# -- auto-assigned keys ------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["create", "replace"])  # direct load, then staged load
def test_sqlite_integer_primary_key_keeps_assigning_in_postgresql(
    tmp_path: Path, pg_url: str, mode: str
) -> None:
    source = make_sqlite(
        tmp_path / "k.db",
        """
        CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, other TEXT);
        INSERT INTO t VALUES (1, 'a'), (2, 'b'), (41, 'c');
        CREATE TABLE plain (id INTEGER PRIMARY KEY, other TEXT);
        """,
    )
    report = arrowmig.migrate(source, pg_url, config=MigrationConfig(mode=mode))
    assert report.ok, str(report.to_dict())
    assert pg_one(pg_url, "INSERT INTO t (other) VALUES ('d') RETURNING id") == (42,)
    # An empty table's sequence starts at 1.
    assert pg_one(pg_url, "INSERT INTO plain (other) VALUES ('d') RETURNING id") == (1,)


def test_postgresql_serial_and_identity_keep_assigning(pg_url: str) -> None:
    pg_exec(
        pg_url,
        "CREATE TABLE s (id serial PRIMARY KEY, other text)",
        "CREATE TABLE i (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, other text, "
        "n int DEFAULT 3)",
        "INSERT INTO s (id, other) VALUES (7, 'a'), (3, 'b')",
        "INSERT INTO i (other) SELECT 'x' FROM generate_series(1, 12)",
    )
    config = MigrationConfig(target_schema="copy")
    report = arrowmig.migrate(pg_url, pg_url, config=config)
    assert report.ok, str(report.to_dict())
    assert pg_one(pg_url, "INSERT INTO copy.s (other) VALUES ('c') RETURNING id") == (8,)
    assert pg_one(pg_url, "INSERT INTO copy.i (other) VALUES ('c') RETURNING id, n") == (13, 3)


# -- foreign keys ------------------------------------------------------------------------------


def test_foreign_keys_parent_first_implicit_keys_and_unkeyed_parents(
    tmp_path: Path, pg_url: str
) -> None:
    source = make_sqlite(
        tmp_path / "f.db",
        """
        CREATE TABLE players (id INTEGER PRIMARY KEY, team TEXT);
        CREATE TABLE a_bets (id INTEGER PRIMARY KEY, player_id INTEGER REFERENCES players,
                             team TEXT REFERENCES players(team));
        INSERT INTO players VALUES (1, 'x'), (2, 'y');
        INSERT INTO a_bets VALUES (1, 1, 'x'), (2, 2, 'y');
        CREATE VIEW v AS SELECT * FROM a_bets;
        """,
    )
    report = arrowmig.migrate(source, pg_url)
    assert report.tables and all(t.status == "done" for t in report.tables), report.to_dict()
    bets = next(t for t in report.tables if t.name == "a_bets")
    assert "foreign key (player_id) -> players" in bets.built
    assert "(team) of 'players' is neither its primary key nor a unique index" in "\n".join(
        bets.notes
    )
    fks = pg_one(
        pg_url,
        "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid = 'a_bets'::regclass",
    )
    assert fks == (1,)


def test_parents_come_first_and_cycles_end() -> None:
    def plan(name: str, *refs: str) -> TablePlan:
        fks = tuple(ForeignKey(("x",), r, ("id",)) for r in refs)
        table = Table(name, (Column("x", pa.int64()),), foreign_keys=fks)
        return TablePlan(source=table, target=table, action="create")

    tables = [plan("bets", "matches", "players"), plan("matches", "teams"), plan("teams")]
    tables += [plan("players", "bets"), plan("solo")]  # players <-> bets: a cycle
    order = [p.source.name for p in _parents_first(tables)]
    assert sorted(order) == sorted(p.source.name for p in tables)
    assert order.index("teams") < order.index("matches") < order.index("bets")


def test_plan_text_lists_skipped_views(tmp_path: Path) -> None:
    source = make_sqlite(
        tmp_path / "v.db",
        "CREATE TABLE t (id INTEGER PRIMARY KEY); CREATE VIEW big AS SELECT * FROM t;",
    )
    text = plan_text(explain(source, str(tmp_path / "out.duckdb")).to_dict())
    assert "views skipped (name them with --tables): big" in text

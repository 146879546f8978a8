"""Schema beyond columns: portable defaults, auto-assigned keys that keep working after a
load, foreign keys (implicit ones too) added parent first, views listed in the plan.
Every check reads the target with its own client.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import duckdb
import psycopg
import pyarrow as pa
import pytest

import arrowmig
from arrowmig.cli import main
from arrowmig.cli.render import plan_text
from arrowmig.config import MigrationConfig
from arrowmig.defaults import default_sql, read_default
from arrowmig.endpoints import open_endpoint
from arrowmig.endpoints import sqlite as sqlite_endpoint
from arrowmig.endpoints.postgres import PostgresEndpoint
from arrowmig.events import Event
from arrowmig.migrate import explain
from arrowmig.model import Column, ForeignKey, Table
from arrowmig.plan import MigrationPlan, TablePlan
from arrowmig.runner import _parents_first
from tests.dbutil import duckdb_rows, pg_exec

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
        # SQLite's clock as arrowmig writes it into PostgreSQL and DuckDB, read back.
        ("(CURRENT_TIMESTAMP AT TIME ZONE 'UTC'::text)", "postgresql", "now_utc", None),
        ("((CURRENT_TIMESTAMP AT TIME ZONE 'UTC'::text))::date", "postgresql", "today_utc", None),
        ("timezone('UTC', CURRENT_TIMESTAMP)", "duckdb", "now_utc", None),
        ("CAST(timezone('UTC', CURRENT_TIMESTAMP) AS DATE)", "duckdb", "today_utc", None),
        ("CURRENT_TIME", "sqlite", "time_utc", None),
        ("(time('now'))", "sqlite", "time_utc", None),
        (
            "((CURRENT_TIMESTAMP AT TIME ZONE 'UTC'::text))::time without time zone",
            "postgresql",
            "time_utc",
            None,
        ),
        ("CAST(timezone('UTC', CURRENT_TIMESTAMP) AS TIME)", "duckdb", "time_utc", None),
        ("(now() AT TIME ZONE 'Europe/Paris'::text)", "postgresql", "expression", None),
        ("TRUE", "sqlite", "boolean", "true"),
        ("1+2", "sqlite", "expression", None),
        ("gen_random_uuid()", "postgresql", "random_uuid", None),
        ("uuid_generate_v4()", "postgresql", "random_uuid", None),
        ("uuid()", "duckdb", "random_uuid", None),
        ("x'00FF'", "sqlite", "bytes", "00ff"),
        ("'\\x00ff'::bytea", "postgresql", "bytes", "00ff"),
        ("CAST('\\x00\\xFFab' AS BLOB)", "duckdb", "bytes", "00ff6162"),
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
    assert emitted("CURRENT_TIME", pa.time64("us")) == (
        "((CURRENT_TIMESTAMP AT TIME ZONE 'UTC')::time)"
    )
    assert emitted("'09:30:00.5'", pa.time64("us"), "duckdb") == "'09:30:00.5'"
    assert emitted("'25:00:00'", pa.time64("us"), "duckdb") is None


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
    assert "id: auto-assigned key kept (sequence 't_id_seq'" in notes_of(report, "t")
    con = duckdb.connect(target)
    try:
        con.execute("INSERT INTO t (other) VALUES ('c')")
        row = con.execute("SELECT id, n, r, s, flag, calc FROM t WHERE other = 'c'").fetchone()
    finally:
        con.close()
    assert row == (5, -7, 2.5, HOSTILE, True, None)


@pytest.mark.postgres
def test_blob_defaults_reach_every_target_and_come_back(tmp_path: Path, pg_url: str) -> None:
    # SQLite's x'00ff' was "not copied (arrowmig has no rule for a default of type BLOB)".
    source = make_sqlite(
        tmp_path / "b.db",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB DEFAULT x'00ff41', e BLOB DEFAULT X'',"
        " other TEXT); INSERT INTO t (id, other) VALUES (1, 'a');",
    )
    wanted = (b"\x00\xffA", b"")
    report = arrowmig.migrate(source, pg_url)
    assert report.ok and "not copied" not in notes_of(report, "t")
    pg_row = pg_one(pg_url, "INSERT INTO t (other) VALUES ('c') RETURNING b, e")
    assert tuple(bytes(v) for v in pg_row) == wanted  # type: ignore[arg-type]
    duck = str(tmp_path / "b.duckdb")
    report = arrowmig.migrate(pg_url, duck)
    assert report.ok and "not copied" not in notes_of(report, "t")
    con = duckdb.connect(duck)
    try:
        con.execute("INSERT INTO t (id, other) VALUES (3, 'd')")
        assert con.execute("SELECT b, e FROM t WHERE id = 3").fetchone() == wanted
    finally:
        con.close()
    back = tmp_path / "back.db"
    report = arrowmig.migrate(duck, str(back))
    assert report.ok and "not copied" not in notes_of(report, "t")
    lite = sqlite3.connect(back)
    try:
        lite.execute("INSERT INTO t (id, other) VALUES (4, 'e')")
        assert lite.execute("SELECT b, e FROM t WHERE id = 4").fetchone() == wanted
    finally:
        lite.close()


def test_non_finite_float_defaults_reach_every_target(tmp_path: Path, pg_url: str) -> None:
    # DOUBLE DEFAULT 'nan' (or 'inf') was "not copied ('nan' does not fit the column's type)",
    # though a float column holds it.
    source = str(tmp_path / "s.duckdb")
    with duckdb.connect(source) as con:
        con.execute(
            "CREATE TABLE t (id INTEGER, n DOUBLE DEFAULT 'nan', p REAL DEFAULT 'inf',"
            " m DOUBLE DEFAULT '-infinity'); INSERT INTO t (id) VALUES (1)"
        )
    report = arrowmig.migrate(source, pg_url)
    assert report.ok and "not copied" not in notes_of(report, "t")
    pg_row = pg_one(pg_url, "INSERT INTO t (id) VALUES (2) RETURNING n::text, p::text, m::text")
    assert pg_row == ("NaN", "Infinity", "-Infinity")
    copy = str(tmp_path / "t.duckdb")
    assert arrowmig.migrate(source, copy).ok
    assert duckdb_exec_one(copy, "INSERT INTO t (id) VALUES (2) RETURNING n::VARCHAR, p, m") == (
        "nan",
        float("inf"),
        float("-inf"),
    )
    lite = str(tmp_path / "t.db")
    config = MigrationConfig(on_error="reject", reject_dir=str(tmp_path / "r"))
    report = arrowmig.migrate(source, lite, config=config)
    assert (
        "n: default 'nan' not copied (a SQLite REAL column has no NaN: it would store NULL)"
        in notes_of(report, "t")
    )
    with sqlite3.connect(lite) as con:
        row = con.execute("INSERT INTO t (id) VALUES (2) RETURNING n, p, m").fetchone()
    assert row == (None, float("inf"), float("-inf"))


def duckdb_exec_one(path: str, sql: str) -> tuple[object, ...] | None:
    with duckdb.connect(path) as con:
        return con.execute(sql).fetchone()


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
    # The key is AUTOINCREMENT in SQLite, past the sequence's last value (101).
    assert row == (102, "1.25", "n/a", -3)
    assert "id: auto-assigned key kept (INTEGER PRIMARY KEY AUTOINCREMENT" in notes_of(report, "t")


@pytest.mark.parametrize(
    "chain", [("pg", "sqlite"), ("pg", "duckdb"), ("duckdb", "sqlite"), ("duckdb", "pg")]
)
def test_sqlites_clock_defaults_survive_a_round_trip(
    tmp_path: Path, pg_url: str, second_pg: str, chain: tuple[str, str]
) -> None:
    """SQLite's CURRENT_TIMESTAMP becomes (CURRENT_TIMESTAMP AT TIME ZONE 'UTC') in PostgreSQL
    and timezone('UTC', CURRENT_TIMESTAMP) in DuckDB; the next hop took neither for a clock,
    left the default out, and the application's inserts into the NOT NULL column failed."""
    source = make_sqlite(
        tmp_path / "s.db",
        """
        CREATE TABLE actor (actor_id INTEGER PRIMARY KEY, name TEXT,
            last_update TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
            day DATE NOT NULL DEFAULT CURRENT_DATE);
        INSERT INTO actor VALUES (1, 'a', '2006-02-15 04:34:33', '2006-02-15');
        """,
    )
    urls = {"pg": pg_url, "duckdb": str(tmp_path / "m.duckdb"), "sqlite": str(tmp_path / "b.db")}
    last = second_pg if chain[1] == "pg" else urls[chain[1]]
    for source_url, target_url in ((source, urls[chain[0]]), (urls[chain[0]], last)):
        report = arrowmig.migrate(source_url, target_url)
        assert report.ok, str(report.to_dict())
        assert "not copied" not in notes_of(report, "actor")
    insert = "INSERT INTO actor (actor_id, name) VALUES (2, 'b')"
    select = "SELECT last_update, day FROM actor WHERE actor_id = 2"
    before = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    if chain[1] == "pg":
        pg_exec(last, insert)
        at, day = pg_one(last, select)
    else:
        con: sqlite3.Connection | duckdb.DuckDBPyConnection = (
            sqlite3.connect(last) if chain[1] == "sqlite" else duckdb.connect(last)
        )
        try:
            con.execute(insert)
            at, day = con.execute(select).fetchone() or (None, None)
            con.commit()
        finally:
            con.close()
    at = datetime.fromisoformat(at) if isinstance(at, str) else at
    day = date.fromisoformat(day) if isinstance(day, str) else day
    after = datetime.now(UTC).replace(tzinfo=None)
    assert isinstance(at, datetime) and before - timedelta(seconds=1) <= at <= after  # UTC
    assert day in (before.date(), after.date())


@pytest.mark.postgres
def test_sqlites_current_time_default_is_the_utc_time_of_day_everywhere(
    tmp_path: Path, pg_url: str
) -> None:
    """SQLite's CURRENT_TIME is the UTC time of day, as CURRENT_DATE is the UTC date: it was
    "not copied" into PostgreSQL and DuckDB (no rule for TIME) and between SQLite files."""
    source = make_sqlite(
        tmp_path / "s.db",
        "CREATE TABLE shift (id INTEGER PRIMARY KEY, opened TIME NOT NULL DEFAULT CURRENT_TIME);"
        "INSERT INTO shift VALUES (1, '09:30:00');",
    )
    duck, copy = str(tmp_path / "s.duckdb"), str(tmp_path / "copy.db")
    insert = "INSERT INTO shift (id) VALUES (2)"
    select = "SELECT opened FROM shift WHERE id = 2"
    for target in (pg_url, duck, copy):
        before = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
        report = arrowmig.migrate(source, target)
        assert report.ok and "not copied" not in notes_of(report, "shift")
        if target == pg_url:
            pg_exec(pg_url, insert)
            (opened,) = pg_one(pg_url, select)
        else:
            con: sqlite3.Connection | duckdb.DuckDBPyConnection = (
                sqlite3.connect(target) if target == copy else duckdb.connect(target)
            )
            try:
                con.execute(insert)
                (opened,) = con.execute(select).fetchone() or (None,)
                con.commit()
            finally:
                con.close()
        after = datetime.now(UTC).replace(tzinfo=None)
        opened = time.fromisoformat(opened) if isinstance(opened, str) else opened
        at = datetime.combine(before.date(), opened)
        at += timedelta(days=1) if at < before - timedelta(hours=12) else timedelta(0)
        assert before - timedelta(seconds=1) <= at <= after, (target, opened)  # UTC
    # PostgreSQL's spelling is read back as the same clock on the next hop.
    report = arrowmig.migrate(pg_url, str(tmp_path / "again.duckdb"))
    assert report.ok and "not copied" not in notes_of(report, "shift")


@pytest.mark.postgres
def test_a_random_uuid_default_reaches_postgres_and_duckdb(pg_url: str, tmp_path: Path) -> None:
    # The usual default of a uuid key (Supabase's tables have it): it was left out everywhere.
    pg_exec(
        pg_url,
        "CREATE TABLE docs (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), title text);"
        "INSERT INTO docs (title) VALUES ('a')",
    )
    target = str(tmp_path / "docs.duckdb")
    assert arrowmig.migrate(pg_url, target).ok
    con = duckdb.connect(target)
    con.execute("INSERT INTO docs (title) VALUES ('b')")
    assert con.execute("SELECT count(DISTINCT id) FROM docs WHERE id IS NOT NULL").fetchall() == [
        (2,)
    ]
    con.close()
    report = arrowmig.migrate(pg_url, str(tmp_path / "docs.db"))
    assert "id: default gen_random_uuid() not copied (SQLite has no random UUID function)" in (
        notes_of(report, "docs")
    )


# -- auto-assigned keys ------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["create", "replace"])  # direct load, then staged load
def test_sqlite_integer_primary_key_keeps_assigning_in_postgresql(
    tmp_path: Path, pg_url: str, mode: str
) -> None:
    source = make_sqlite(
        tmp_path / "k.db",
        """
        CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, other TEXT);
        INSERT INTO t VALUES (1, 'a'), (2, 'b'), (41, 'c'), (42, 'deleted'), (43, 'deleted');
        DELETE FROM t WHERE id > 41;
        CREATE TABLE plain (id INTEGER PRIMARY KEY, other TEXT);
        """,
    )
    report = arrowmig.migrate(source, pg_url, config=MigrationConfig(mode=mode))
    assert report.ok, str(report.to_dict())
    # AUTOINCREMENT never hands out a deleted row's key again (sqlite_sequence says 43).
    assert pg_one(pg_url, "INSERT INTO t (other) VALUES ('d') RETURNING id") == (44,)
    # An empty table's sequence starts at 1.
    assert pg_one(pg_url, "INSERT INTO plain (other) VALUES ('d') RETURNING id") == (1,)


@pytest.mark.parametrize("mode", ["create", "replace"])  # direct load, then staged load
def test_sqlite_integer_primary_key_keeps_assigning_in_duckdb(tmp_path: Path, mode: str) -> None:
    source = make_sqlite(
        tmp_path / "k.db",
        """
        CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, other TEXT);
        INSERT INTO t VALUES (1, 'a'), (2, 'b'), (41, 'c'), (42, 'deleted'), (43, 'deleted');
        DELETE FROM t WHERE id > 41;
        CREATE TABLE plain (id INTEGER PRIMARY KEY, other TEXT);
        """,
    )
    target = str(tmp_path / "k.duckdb")
    for _ in range(2 if mode == "replace" else 1):  # the second replaces the first's sequence
        report = arrowmig.migrate(source, target, config=MigrationConfig(mode=mode))
        assert report.ok, str(report.to_dict())
    con = duckdb.connect(target)
    try:
        assert con.execute("INSERT INTO t (other) VALUES ('d') RETURNING id").fetchall() == [(44,)]
        assert con.execute("INSERT INTO plain (other) VALUES ('d') RETURNING id").fetchall() == [
            (1,)
        ]
    finally:
        con.close()


def test_a_duckdb_sources_key_sequence_is_its_high_water_mark(tmp_path: Path, pg_url: str) -> None:
    source = tmp_path / "s.duckdb"
    with duckdb.connect(str(source)) as con:
        con.execute("CREATE SEQUENCE s_items")
        con.execute("CREATE TABLE items (id BIGINT DEFAULT nextval('s_items') PRIMARY KEY, v TEXT)")
        con.execute("INSERT INTO items (v) SELECT 'x' FROM range(50)")
        con.execute("DELETE FROM items WHERE id > 40")  # 41-50 handed out, then deleted
    assert arrowmig.migrate(str(source), pg_url).ok
    assert pg_one(pg_url, "INSERT INTO items (v) VALUES ('new') RETURNING id") == (51,)


@pytest.mark.parametrize("last_hop", ["sqlite", "postgresql"])
def test_an_autoincrement_high_water_mark_survives_a_hop_through_duckdb(
    tmp_path: Path, pg_url: str, last_hop: str
) -> None:
    """SQLite AUTOINCREMENT -> DuckDB starts the key sequence past the deleted keys (START 6),
    but a sequence never called has last_value NULL: the next hop took the largest key as
    the mark, and handed the deleted keys 4 and 5 out again."""
    source = make_sqlite(
        tmp_path / "a.db",
        """
        CREATE TABLE actor (actor_id INTEGER PRIMARY KEY AUTOINCREMENT, n TEXT);
        INSERT INTO actor (n) VALUES ('a'), ('b'), ('c'), ('d'), ('e');
        DELETE FROM actor WHERE actor_id > 3;
        """,
    )
    middle = str(tmp_path / "a.duckdb")
    assert arrowmig.migrate(source, middle).ok
    if last_hop == "sqlite":
        target = tmp_path / "back.db"
        assert arrowmig.migrate(middle, str(target)).ok
        con = sqlite3.connect(target)
        try:
            new = con.execute("INSERT INTO actor (n) VALUES ('n') RETURNING actor_id").fetchall()
        finally:
            con.close()
        assert new == [(6,)]
    else:
        assert arrowmig.migrate(middle, pg_url).ok
        assert pg_one(pg_url, "INSERT INTO actor (n) VALUES ('n') RETURNING actor_id") == (6,)


@pytest.mark.parametrize("target_kind", ["sqlite", "duckdb", "postgresql"])
def test_a_postgresql_sequence_never_called_hands_out_its_start_next(
    tmp_path: Path, pg_url: str, second_pg: str, target_kind: str
) -> None:
    """Rows inserted with explicit keys leave an identity (START WITH 100) uncalled: PostgreSQL
    hands out 100 next, and so must the copy (it handed out 3)."""
    pg_exec(
        pg_url,
        "CREATE TABLE t (id bigint GENERATED BY DEFAULT AS IDENTITY (START WITH 100) "
        "PRIMARY KEY, v text)",
        "INSERT INTO t VALUES (1, 'a'), (2, 'b')",
    )
    insert = "INSERT INTO t (v) VALUES ('new') RETURNING id"
    if target_kind == "postgresql":
        assert arrowmig.migrate(pg_url, second_pg).ok
        assert pg_one(second_pg, insert) == (100,)
        return
    target = str(tmp_path / ("copy.db" if target_kind == "sqlite" else "copy.duckdb"))
    assert arrowmig.migrate(pg_url, target).ok
    con: sqlite3.Connection | duckdb.DuckDBPyConnection = (
        sqlite3.connect(target) if target_kind == "sqlite" else duckdb.connect(target)
    )
    try:
        assert con.execute(insert).fetchall() == [(100,)]
    finally:
        con.close()


@pytest.mark.parametrize("source_kind", ["sqlite", "postgresql"])
def test_a_key_that_never_repeats_stays_autoincrement_in_sqlite(
    tmp_path: Path, pg_url: str, source_kind: str
) -> None:
    """A plain SQLite rowid hands out a deleted largest key again; an AUTOINCREMENT source
    or a PostgreSQL sequence never does, and the SQLite copy keeps it so."""
    if source_kind == "sqlite":
        source = make_sqlite(
            tmp_path / "k.db",
            """
            CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, other TEXT);
            INSERT INTO t VALUES (1, 'a'), (41, 'c'), (42, 'deleted'), (43, 'deleted');
            DELETE FROM t WHERE id > 41;
            """,
        )
    else:
        source = pg_url
        pg_exec(
            pg_url,
            "CREATE TABLE t (id bigserial PRIMARY KEY, other text)",
            "INSERT INTO t (other) SELECT 'x' FROM generate_series(1, 43)",
            "DELETE FROM t WHERE id > 41",
        )
    target = tmp_path / "copy.db"
    assert arrowmig.migrate(source, str(target)).ok
    con = sqlite3.connect(target)
    try:
        assert (
            "AUTOINCREMENT"
            in con.execute("SELECT sql FROM sqlite_master WHERE name = 't'").fetchone()[0]
        )
        con.execute("INSERT INTO t (other) VALUES ('new')")
        assert con.execute("SELECT max(id) FROM t").fetchone() == (44,)
    finally:
        con.close()


KEYED_ROWS = """
    CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);
    INSERT INTO t VALUES (1, 'a'), (2, 'b'), (41, 'c');
"""
"""Rows that arrive with their keys, the largest 41: the next assigned key must be 42."""


def test_appending_moves_the_targets_key_sequence_past_the_keys_never_back(
    tmp_path: Path, pg_url: str
) -> None:
    # An application's table: identity key, a created column the source lacks. Rows arrive
    # with their keys, which its sequence does not see: the next insert took key 1 and failed.
    source = make_sqlite(tmp_path / "a.db", KEYED_ROWS)
    pg_exec(
        pg_url,
        "CREATE TABLE t (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text, "
        "created timestamptz NOT NULL DEFAULT now())",
    )
    report = arrowmig.migrate(source, pg_url, config=MigrationConfig(mode="append"))
    assert report.ok, str(report.to_dict())
    assert pg_one(pg_url, "INSERT INTO t (name) VALUES ('d') RETURNING id") == (42,)
    assert pg_one(pg_url, "SELECT count(*) FROM t WHERE created IS NOT NULL") == (4,)
    # Emptied and loaded again: the sequence, already past every key, stays where it is.
    report = arrowmig.migrate(source, pg_url, config=MigrationConfig(mode="truncate"))
    assert report.ok, str(report.to_dict())
    assert pg_one(pg_url, "INSERT INTO t (name) VALUES ('e') RETURNING id") == (43,)


def test_appending_moves_a_duckdb_key_sequence_past_the_keys_never_back(tmp_path: Path) -> None:
    source = make_sqlite(tmp_path / "a.db", KEYED_ROWS)
    target = str(tmp_path / "app.duckdb")
    con = duckdb.connect(target)
    con.execute(
        'CREATE SEQUENCE "T id" START 1; CREATE TABLE t (id BIGINT PRIMARY KEY DEFAULT '
        "nextval('\"T id\"'), name VARCHAR, created VARCHAR DEFAULT 'now')"
    )
    con.close()

    def next_key(name: str) -> object:
        con = duckdb.connect(target)
        try:
            return con.execute("INSERT INTO t (name) VALUES (?) RETURNING id", [name]).fetchone()
        finally:
            con.close()

    report = arrowmig.migrate(source, target, config=MigrationConfig(mode="append"))
    assert report.ok, str(report.to_dict())
    assert next_key("d") == (42,)
    report = arrowmig.migrate(source, target, config=MigrationConfig(mode="truncate"))
    assert report.ok, str(report.to_dict())
    assert next_key("e") == (43,)


def test_postgresql_serial_and_identity_keep_assigning(pg_url: str) -> None:
    pg_exec(
        pg_url,
        "CREATE TABLE s (id serial PRIMARY KEY, other text)",
        "CREATE TABLE i (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, other text, "
        "n int DEFAULT 3)",
        "INSERT INTO s (id, other) VALUES (7, 'a'), (3, 'b')",
        "INSERT INTO i (other) SELECT 'x' FROM generate_series(1, 14)",
        "DELETE FROM i WHERE id > 12",  # the sequence has handed out 13 and 14: not again
        # A key drawn from a sequence no column owns: its last value counts the same.
        "CREATE SEQUENCE free_seq",
        "CREATE TABLE f (id bigint PRIMARY KEY DEFAULT nextval('free_seq'), other text)",
        "INSERT INTO f (other) SELECT 'x' FROM generate_series(1, 9)",
        "DELETE FROM f WHERE id > 7",
    )
    config = MigrationConfig(target_schema="copy")
    report = arrowmig.migrate(pg_url, pg_url, config=config)
    assert report.ok, str(report.to_dict())
    assert pg_one(pg_url, "INSERT INTO copy.s (other) VALUES ('c') RETURNING id") == (8,)
    assert pg_one(pg_url, "INSERT INTO copy.i (other) VALUES ('c') RETURNING id, n") == (15, 3)
    assert pg_one(pg_url, "INSERT INTO copy.f (other) VALUES ('c') RETURNING id") == (10,)


def test_a_staged_tables_key_sequence_has_the_usual_name(pg_url: str, second_pg: str) -> None:
    """A table without a single integer key loads through a staging table, whose name its
    identity sequence took; scripts call setval('payment_payment_id_seq', ...)."""
    pg_exec(
        pg_url,
        "CREATE TABLE payment (payment_id bigserial, at date, PRIMARY KEY (payment_id, at))",
        "INSERT INTO payment (at) VALUES ('2020-01-01'), ('2020-01-02')",
    )
    assert arrowmig.migrate(pg_url, second_pg).ok
    assert pg_one(second_pg, "SELECT pg_get_serial_sequence('payment', 'payment_id')") == (
        "public.payment_payment_id_seq",
    )
    assert pg_one(second_pg, "SELECT nextval('payment_payment_id_seq')") == (3,)


@pytest.mark.postgres
def test_key_sequences_keep_the_sources_names(pg_url: str, second_pg: str, tmp_path: Path) -> None:
    """Applications call a key's sequence by name (nextval('legacy_ticket_no')): a serial's
    renamed sequence and an identity's SEQUENCE NAME arrive under those names, a staged
    table's and a replaced one's too; where another relation holds the name, the report
    says what the sequence is called instead."""
    pg_exec(
        pg_url,
        "CREATE TABLE tickets (id serial PRIMARY KEY, v text)",
        "ALTER SEQUENCE tickets_id_seq RENAME TO legacy_ticket_no",
        "INSERT INTO tickets (v) VALUES ('a'), ('b')",
        # No single integer key: loaded through a staging table.
        "CREATE TABLE inv (id int GENERATED BY DEFAULT AS IDENTITY (SEQUENCE NAME "
        "invoice_numbers START 100 INCREMENT 5), at date, PRIMARY KEY (id, at))",
        "INSERT INTO inv (at) VALUES ('2020-01-01')",
    )
    report = arrowmig.migrate(pg_url, second_pg)
    assert report.ok, report.to_dict()
    assert "id: auto-assigned key kept (identity, sequence legacy_ticket_no)" in notes_of(
        report, "tickets"
    )
    assert pg_one(second_pg, "SELECT nextval('legacy_ticket_no'), nextval('invoice_numbers')") == (
        3,
        105,
    )
    config = MigrationConfig(mode="replace", keep_backup=True, tables=("tickets",))
    assert arrowmig.migrate(pg_url, second_pg, config=config).ok
    assert pg_one(second_pg, "SELECT pg_get_serial_sequence('tickets', 'id')") == (
        "public.legacy_ticket_no",
    )
    pg_exec(second_pg, "DROP TABLE inv", "CREATE TABLE invoice_numbers (n int)")
    report = arrowmig.migrate(pg_url, second_pg, config=MigrationConfig(mode="replace"))
    assert report.ok, report.to_dict()
    assert (
        "id: key sequence named inv_id_seq, not invoice_numbers as in the source: a table of "
        "the target schema holds that name"
    ) in notes_of(report, "inv")
    assert pg_one(second_pg, "SELECT pg_get_serial_sequence('tickets', 'id')") == (
        "public.legacy_ticket_no",
    )
    duck = tmp_path / "t.duckdb"
    assert arrowmig.migrate(pg_url, str(duck)).ok
    with duckdb.connect(str(duck)) as con:
        assert con.execute("SELECT nextval('legacy_ticket_no')").fetchone() == (3,)


@pytest.mark.postgres
def test_a_sequence_name_a_table_holds_is_not_taken_for_the_sequence(
    pg_url: str, second_pg: str
) -> None:
    """A table of the target, or of the run, under a sequence's name is no sequence: the
    default's sequence is created as <table>_<column>_seq (inserts would fail on the table:
    '"Bar" is not a sequence'), a key's is left <table>_<column>_seq (the run's own table
    would fail), and the plan says so as the run does, once."""
    pg_exec(
        pg_url,
        'CREATE SEQUENCE "Bar"',
        "CREATE TABLE t2 (id int PRIMARY KEY, n bigint DEFAULT nextval('\"Bar\"'))",
        "INSERT INTO t2 (id) VALUES (1), (2)",
        "CREATE TABLE t1 (id serial PRIMARY KEY, v text)",
        'ALTER SEQUENCE t1_id_seq RENAME TO "Foo"',
        "CREATE TABLE foo (x int)",
        "INSERT INTO t1 (v) VALUES ('a')",
        "CREATE TABLE t3 (id serial PRIMARY KEY)",
        'ALTER SEQUENCE t3_id_seq RENAME TO "Zed"',
    )
    pg_exec(
        second_pg, 'CREATE TABLE "Bar" (x int)', "CREATE TABLE bar (x int)", "CREATE TABLE zed ()"
    )
    config = MigrationConfig(target_names="lower")
    planned = {t.target.name: t.notes for t in explain(pg_url, second_pg, config=config).tables}
    report = arrowmig.migrate(pg_url, second_pg, config=config)
    assert report.ok, report.to_dict()
    said = {
        "t2": "n: sequence bar is created as t2_n_seq: a table of the target schema holds the "
        "name bar",
        "t1": "id: key sequence named t1_id_seq, not foo as in the source: a table of this run",
        "t3": "id: key sequence named t3_id_seq, not zed as in the source: a table of the "
        "target schema holds that name",
    }
    for table, note in said.items():
        assert note in "\n".join(planned[table])
        assert notes_of(report, table).count(note) == 1
    assert "sequence zed" not in notes_of(report, "t3")
    assert pg_one(second_pg, "INSERT INTO t2 (id) VALUES (3) RETURNING n") == (3,)
    assert pg_one(second_pg, "SELECT count(*) FROM foo") == (0,)
    # Under the source's names, the target's table "Bar" holds the name.
    pg_exec(second_pg, "DROP TABLE t2", "DROP SEQUENCE t2_n_seq")
    report = arrowmig.migrate(pg_url, second_pg, config=MigrationConfig(tables=("t2",)))
    assert report.ok, report.to_dict()
    assert (
        "n: sequence Bar is created as t2_n_seq: a table of the target schema holds the name Bar"
    ) in notes_of(report, "t2")


@pytest.mark.postgres
def test_the_sql_a_sequence_note_suggests_runs_as_given(pg_url: str, second_pg: str) -> None:
    """The ALTER SEQUENCE the note suggests names both sequences quoted, the run's in the
    target schema, so that it runs as pasted."""
    pg_exec(
        pg_url,
        'CREATE TABLE "Qt" (id serial PRIMARY KEY, n bigint)',
        'ALTER SEQUENCE "Qt_id_seq" RENAME TO "My Seq"',
        'CREATE SEQUENCE "Other Seq"',
        'ALTER TABLE "Qt" ALTER n SET DEFAULT nextval(\'"Other Seq"\')',
    )
    pg_exec(
        second_pg,
        "CREATE SCHEMA tgt",
        'CREATE TABLE tgt."My Seq" (x int)',
        'CREATE TABLE tgt."Other Seq" (x int)',
    )
    config = MigrationConfig(target_schema="tgt")
    planned = "\n".join(explain(pg_url, second_pg, config=config).tables[0].notes)  # type: ignore[union-attr]
    report = arrowmig.migrate(pg_url, second_pg, config=config)
    assert report.ok, report.to_dict()
    for said in (
        'then ALTER SEQUENCE "tgt"."Qt_id_seq" RENAME TO "My Seq")',
        'then ALTER SEQUENCE "tgt"."Qt_n_seq" RENAME TO "Other Seq")',
    ):
        assert said in planned and said in notes_of(report, "Qt")


@pytest.mark.postgres
def test_a_sequence_name_with_a_quote_is_kept(pg_url: str, second_pg: str) -> None:
    """A sequence named with a single quote ("it's") is carried as any other: a default
    draws from it again, and a key's moves past the source's last value, so an id the
    source handed out (its row deleted since) is not handed out again."""
    pg_exec(
        pg_url,
        'CREATE SEQUENCE "it\'s" START 500',
        "CREATE TABLE f (id int PRIMARY KEY, n int DEFAULT nextval('\"it''s\"'))",
        "INSERT INTO f (id) VALUES (1)",
        'CREATE SEQUENCE "key\'s"',
        "CREATE TABLE k (id bigint PRIMARY KEY DEFAULT nextval('\"key''s\"'))",
        "INSERT INTO k DEFAULT VALUES",
        "SELECT setval('\"key''s\"', 1000)",
    )
    report = arrowmig.migrate(pg_url, second_pg)
    assert report.ok, report.to_dict()
    assert "not copied" not in notes_of(report, "f")
    assert "and key 1,000, the last the source handed out" in notes_of(report, "k")
    assert pg_one(second_pg, "INSERT INTO f (id) VALUES (2) RETURNING n") == (501,)
    assert pg_one(second_pg, "INSERT INTO k DEFAULT VALUES RETURNING id") == (1001,)
    assert pg_one(second_pg, "SELECT nextval('\"it''s\"')") == (502,)


@pytest.mark.postgres
def test_the_append_plan_says_which_key_sequence_moves(pg_url: str, second_pg: str) -> None:
    """Appending moves the target's key sequence past the loaded keys under its own name:
    the plan says so, and that the source's name for it is not made."""
    pg_exec(
        pg_url,
        'CREATE TABLE "My Tab" (id serial PRIMARY KEY, v text)',
        'ALTER SEQUENCE "My Tab_id_seq" RENAME TO "Old Seq"',
        "INSERT INTO \"My Tab\" (v) VALUES ('a'), ('b')",
    )
    pg_exec(second_pg, 'CREATE TABLE "My Tab" (id serial PRIMARY KEY, v text)')
    config = MigrationConfig(mode="append")
    said = (
        'key sequence "My Tab_id_seq" of the target moves past the appended keys (named so in '
        "the target: the source's name for it, Old Seq, is not made)"
    )
    assert said in explain(pg_url, second_pg, config=config).tables[0].notes
    report = arrowmig.migrate(pg_url, second_pg, config=config)
    assert report.ok, report.to_dict()
    assert said in notes_of(report, "My Tab")
    assert 'key sequence "My Tab_id_seq" moved past 2' in report.tables[0].built
    # In a schema off the search path, one of the source's name is no other.
    pg_exec(
        second_pg,
        "CREATE SCHEMA tgt",
        'CREATE TABLE tgt."My Tab" (id serial PRIMARY KEY, v text)',
        'ALTER SEQUENCE tgt."My Tab_id_seq" RENAME TO "Old Seq"',
    )
    config = MigrationConfig(mode="append", target_schema="tgt")
    notes = explain(pg_url, second_pg, config=config).tables[0].notes  # type: ignore[union-attr]
    assert 'key sequence tgt."Old Seq" of the target moves past the appended keys' in notes
    assert "named so in the target" not in "\n".join(notes)


def test_a_unique_constraint_stays_a_constraint(pg_url: str, second_pg: str) -> None:
    """Not only a unique index: ON CONFLICT ON CONSTRAINT names the constraint."""
    pg_exec(
        pg_url,
        "CREATE TABLE x (id int PRIMARY KEY, code text CONSTRAINT x_code_key UNIQUE, a int)",
        "CREATE UNIQUE INDEX x_a_idx ON x (a)",
        "INSERT INTO x VALUES (1, 'a', 1)",
    )
    report = arrowmig.migrate(pg_url, second_pg)
    assert report.ok and "unique constraint x_code_key" in report.tables[0].built
    kinds = (
        "SELECT string_agg(conname, ',' ORDER BY conname) FROM pg_constraint "
        "WHERE contype = 'u' AND conrelid = 'x'::regclass"
    )
    assert pg_one(second_pg, kinds) == ("x_code_key",)  # the plain unique index stays an index
    insert = "INSERT INTO x VALUES (2, 'a', 2) ON CONFLICT ON CONSTRAINT x_code_key DO NOTHING"
    pg_exec(second_pg, insert)
    assert pg_one(second_pg, "SELECT count(*) FROM x") == (1,)


@pytest.mark.postgres
def test_index_operator_classes_collations_and_nulls_orders_stay_or_are_named(
    pg_url: str, second_pg: str, tmp_path: Path
) -> None:
    """A text_pattern_ops index serves LIKE 'abc%'; it was built plain, and reported built."""
    pg_exec(
        pg_url,
        "CREATE TABLE t (id int PRIMARY KEY, name text, n int, m int)",
        "CREATE INDEX t_pat ON t (name text_pattern_ops)",
        'CREATE INDEX t_coll ON t (name COLLATE "C")',
        "CREATE INDEX t_nf ON t (n NULLS FIRST, m DESC)",
        "CREATE INDEX t_plain ON t (n, m DESC)",
        "INSERT INTO t VALUES (1, 'a', 1, 2)",
    )
    assert arrowmig.migrate(pg_url, second_pg).ok
    defs = "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 't' ORDER BY 1"
    with psycopg.connect(pg_url) as a, psycopg.connect(second_pg) as b:
        assert b.execute(defs).fetchall() == a.execute(defs).fetchall()
    report = arrowmig.migrate(pg_url, str(tmp_path / "t.db"))
    assert report.ok
    notes = notes_of(report, "t")
    assert "index t_pat on (name text_pattern_ops): built on the plain columns" in notes
    assert "index t_nf on (n NULLS FIRST, m DESC): built on the plain columns" in notes
    assert "t_plain" not in notes and 't_coll on (name COLLATE "C")' in notes


@pytest.mark.postgres
def test_nulls_not_distinct_stays_or_is_named(pg_url: str, second_pg: str, tmp_path: Path) -> None:
    """The source refuses a second (1, NULL): so must a PostgreSQL copy; elsewhere the loss
    is named."""
    pg_exec(
        pg_url,
        "CREATE TABLE skus (id int PRIMARY KEY, tenant int, code text, "
        "UNIQUE NULLS NOT DISTINCT (tenant, code))",
        "CREATE UNIQUE INDEX skus_u ON skus (code, tenant) INCLUDE (id) NULLS NOT DISTINCT",
        "INSERT INTO skus VALUES (1, 1, NULL)",
    )
    report = arrowmig.migrate(pg_url, second_pg)
    assert report.ok, report.to_dict()
    assert pg_one(
        second_pg,
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'skus_tenant_code_key'",
    ) == ("UNIQUE NULLS NOT DISTINCT (tenant, code)",)
    assert pg_one(second_pg, "SELECT pg_get_indexdef('skus_u'::regclass)")[0].endswith(
        "(code, tenant) INCLUDE (id) NULLS NOT DISTINCT"
    )
    with pytest.raises(psycopg.errors.UniqueViolation):
        pg_exec(second_pg, "INSERT INTO skus VALUES (2, 1, NULL)")
    for target in (f"sqlite:///{tmp_path / 't.db'}", str(tmp_path / "t.duckdb")):
        notes = notes_of(arrowmig.migrate(pg_url, target), "skus")
        for name in ("skus_tenant_code_key", "skus_u"):
            assert f"NULLS NOT DISTINCT of unique index {name} (built without it" in notes


@pytest.mark.postgres
def test_deferrable_keys_stay_deferrable_or_are_named(
    pg_url: str, second_pg: str, tmp_path: Path
) -> None:
    """An application that shifts its keys in one statement (SET pos = pos + 1) relies on a
    DEFERRABLE primary key or UNIQUE constraint: a PostgreSQL copy keeps it so; other
    targets, which check at each statement, name it as not carried."""
    pg_exec(
        pg_url,
        "CREATE TABLE playlist (pos int PRIMARY KEY DEFERRABLE INITIALLY DEFERRED, slot int, "
        "CONSTRAINT playlist_slot_uq UNIQUE (slot) DEFERRABLE, "
        "CONSTRAINT playlist_plain_uq UNIQUE (pos, slot))",
        "INSERT INTO playlist VALUES (1, 10), (2, 20), (3, 30)",
    )
    report = arrowmig.migrate(pg_url, second_pg)
    assert report.ok, report.to_dict()
    built = next(t for t in report.tables if t.name == "playlist").built
    assert "primary key (pos), deferred" in built
    assert "unique constraint playlist_slot_uq, deferrable" in built
    assert "unique constraint playlist_plain_uq" in built
    timings = pg_one(
        second_pg,
        "SELECT string_agg(conname || ':' || condeferrable || condeferred, ' ' ORDER BY conname) "
        "FROM pg_constraint WHERE conrelid = 'playlist'::regclass",
    )
    assert timings == (
        "playlist_pkey:truetrue playlist_plain_uq:falsefalse playlist_slot_uq:truefalse",
    )
    pg_exec(second_pg, "UPDATE playlist SET pos = pos + 1")  # checked at commit
    for target in (f"sqlite:///{tmp_path / 't.db'}", str(tmp_path / "t.duckdb")):
        notes = notes_of(arrowmig.migrate(pg_url, target), "playlist")
        assert "DEFERRABLE INITIALLY DEFERRED of primary key (pos)" in notes
        assert "DEFERRABLE INITIALLY IMMEDIATE of unique constraint playlist_slot_uq" in notes
        assert "playlist_plain_uq" not in notes


@pytest.mark.postgres
def test_a_primary_keys_own_name_stays(pg_url: str, second_pg: str) -> None:
    """An application names its primary key (ON CONFLICT ON CONSTRAINT, DROP CONSTRAINT):
    a PostgreSQL copy keeps the name, replaced again too; PostgreSQL's own is given anew."""
    pg_exec(
        pg_url,
        'CREATE TABLE t (id int, CONSTRAINT "PK Odd" PRIMARY KEY (id))',
        "CREATE TABLE plain (id int PRIMARY KEY)",
        "INSERT INTO t VALUES (1)",
    )
    names = (
        "SELECT string_agg(conname, ' ' ORDER BY conname) FROM pg_constraint "
        "WHERE contype = 'p' AND conrelid::regclass::text IN ('t', 'plain')"
    )
    for config in (MigrationConfig(), MigrationConfig(mode="replace", keep_backup=True)):
        report = arrowmig.migrate(pg_url, second_pg, config=config)
        assert report.ok, report.to_dict()
        assert pg_one(second_pg, names) == ("PK Odd plain_pkey",)
    pg_exec(second_pg, 'INSERT INTO t VALUES (1) ON CONFLICT ON CONSTRAINT "PK Odd" DO NOTHING')
    # Replaced without a backup, the old key's name is free again.
    assert arrowmig.migrate(pg_url, second_pg, config=MigrationConfig(mode="replace")).ok
    assert pg_one(second_pg, names) == ("PK Odd plain_pkey",)


@pytest.mark.postgres
def test_a_primary_keys_name_held_in_the_target_falls_back_to_postgresqls_own(
    pg_url: str, second_pg: str
) -> None:
    """An index of the target schema holds the key's name: the key is built under
    PostgreSQL's own name, and the plan and the report say so, rather than failing the key
    after the rows are loaded."""
    pg_exec(pg_url, 'CREATE TABLE "Odd" (id int CONSTRAINT "PK Odd" PRIMARY KEY)')
    pg_exec(pg_url, 'INSERT INTO "Odd" VALUES (1)')
    pg_exec(second_pg, "CREATE TABLE zz (i int)", 'CREATE INDEX "PK Odd" ON zz (i)')
    said = "primary key PK Odd is built under PostgreSQL's own name (Odd_pkey): an index"
    plan = explain(pg_url, second_pg)
    assert any(said in n for n in plan.tables[0].notes)  # type: ignore[union-attr]
    report = arrowmig.migrate(pg_url, second_pg)
    assert report.ok, report.to_dict()
    assert any(said in n for n in report.tables[0].notes)
    keys = (
        "SELECT conname FROM pg_constraint WHERE contype = 'p' AND conrelid = '\"Odd\"'::regclass"
    )
    assert pg_one(second_pg, keys) == ("Odd_pkey",)


@pytest.mark.postgres
def test_an_index_is_named_apart_from_a_primary_keys_name_in_lower_case(
    pg_url: str, second_pg: str
) -> None:
    """Folded, the key's name "IX" is index ix's: the index is built under another name,
    not passed over as there already."""
    pg_exec(
        pg_url,
        'CREATE TABLE "Lc" (id int CONSTRAINT "IX" PRIMARY KEY, v int)',
        'CREATE INDEX ix ON "Lc" (v)',
    )
    report = arrowmig.migrate(pg_url, second_pg, config=MigrationConfig(target_names="lower"))
    assert report.ok, report.to_dict()
    indexes = (
        "SELECT string_agg(pg_get_indexdef(indexrelid), '; ' ORDER BY 1) FROM pg_index "
        "WHERE indrelid = 'lc'::regclass"
    )
    built = pg_one(second_pg, indexes)[0]
    assert "INDEX ix ON public.lc USING btree (id)" in built
    assert "INDEX ix1 ON public.lc USING btree (v)" in built


@pytest.mark.postgres
def test_storage_parameters_and_statistics_targets_stay_and_the_rest_is_named(
    pg_url: str, second_pg: str, tmp_path: Path
) -> None:
    """pg_dump keeps fillfactor, the TOAST table's parameters and a column's statistics
    target, n_distinct and storage: so does a PostgreSQL copy; extended statistics, index
    comments and a built index's own fillfactor are named."""
    pg_exec(
        pg_url,
        "CREATE TABLE playlist (pos int PRIMARY KEY, song text, slot int) "
        "WITH (fillfactor = 70, toast.autovacuum_enabled = false)",
        "ALTER TABLE playlist ALTER COLUMN song SET STATISTICS 500",
        "ALTER TABLE playlist ALTER COLUMN song SET (n_distinct = -0.5)",
        "ALTER TABLE playlist ALTER COLUMN song SET STORAGE EXTERNAL",
        "CREATE STATISTICS playlist_st ON pos, slot FROM playlist",
        "CREATE INDEX playlist_song ON playlist (song) WITH (fillfactor = 80)",
        "COMMENT ON INDEX playlist_song IS 'search by song'",
        "INSERT INTO playlist VALUES (1, 'a', 10)",
    )
    report = arrowmig.migrate(pg_url, second_pg)
    assert report.ok, report.to_dict()
    built = next(t for t in report.tables if t.name == "playlist").built
    assert "storage parameters (fillfactor=70, toast.autovacuum_enabled=false)" in built
    song = ["statistics target 500 on song", "n_distinct=-0.5 on song", "storage EXTERNAL on song"]
    assert set(song) <= set(built)
    assert pg_one(
        second_pg,
        "SELECT c.reloptions::text, t.reloptions::text, a.attstattarget, a.attstorage::text, "
        "'n_distinct=-0.5' = ANY(a.attoptions) FROM pg_class c "
        "JOIN pg_class t ON t.oid = c.reltoastrelid JOIN pg_attribute a ON a.attrelid = c.oid "
        "AND a.attname = 'song' WHERE c.relname = 'playlist'",
    ) == ("{fillfactor=70}", "{autovacuum_enabled=false}", 500, "e", True)
    unkept = (
        "not carried: storage parameters of index playlist_song (fillfactor=80), comment on "
        "index playlist_song, extended statistics playlist_st (CREATE STATISTICS)"
    )
    assert unkept in notes_of(report, "playlist")
    notes = notes_of(arrowmig.migrate(pg_url, str(tmp_path / "t.duckdb")), "playlist")
    assert (
        "storage parameters (fillfactor=70, toast.autovacuum_enabled=false), " + ", ".join(song)
        in notes
    )


@pytest.mark.postgres
def test_a_cast_columns_storage_is_not_carried_and_plan_and_run_agree(
    pg_url: str, second_pg: str
) -> None:
    """SET STORAGE and n_distinct were for the source's type (EXTERNAL on an integer fails):
    a column given another by --cast keeps its statistics target only, and the plan says
    what the run does."""
    pg_exec(
        pg_url,
        "CREATE TABLE st (id int PRIMARY KEY, c text)",
        "ALTER TABLE st ALTER COLUMN c SET STORAGE EXTERNAL",
        "ALTER TABLE st ALTER COLUMN c SET (n_distinct = 5)",
        "ALTER TABLE st ALTER COLUMN c SET STATISTICS 50",
        "INSERT INTO st VALUES (1, '7')",
    )
    config = MigrationConfig(casts=(("st", "c", "integer"),))
    planned = explain(pg_url, second_pg, config=config).tables[0]  # type: ignore[union-attr]
    report = arrowmig.migrate(pg_url, second_pg, config=config)
    assert report.ok, report.to_dict()
    unkept = "not carried: n_distinct=5 on c, storage EXTERNAL on c"
    assert unkept in planned.notes and unkept in report.tables[0].notes
    assert "statistics target 50 on c" in report.tables[0].built
    assert not [b for b in report.tables[0].built if "not created" in b]
    assert pg_one(
        second_pg,
        "SELECT attstorage::text, attstattarget FROM pg_attribute "
        "WHERE attrelid = 'st'::regclass AND attname = 'c'",
    ) == ("p", 50)


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


def test_foreign_keys_are_checked_on_a_few_reused_connections(pg_url: str) -> None:
    # 300 small tables with a key each took 15 s when each table's check opened its own
    # connection (the checks themselves: 0.4 s). Two workers: two connections, whatever the
    # number of tables, each key added, then checked, and every one told.
    n = 12
    pg_exec(
        pg_url,
        *(
            f"CREATE TABLE t{i} (id int PRIMARY KEY, ref int); "
            f"INSERT INTO t{i} SELECT g, g FROM generate_series(1, 20) g"
            for i in range(n)
        ),
    )
    keys = [(f"t{i}", ForeignKey(("ref",), f"t{i - 1}", ("id",))) for i in range(1, n)]
    opened: list[PostgresEndpoint] = []

    @contextlib.contextmanager
    def connect() -> Iterator[PostgresEndpoint]:
        with open_endpoint(pg_url) as conn:
            assert isinstance(conn, PostgresEndpoint)
            opened.append(conn)
            yield conn

    told: list[tuple[str, str]] = []
    with open_endpoint(pg_url) as dst:
        assert isinstance(dst, PostgresEndpoint)
        results = dst.add_foreign_keys(
            keys, 2, connect, lambda table, stage: told.append((table, stage))
        )
    assert results == [f"foreign key (ref) -> t{i - 1}" for i in range(1, n)]
    assert len(opened) == 2
    assert sorted(told) == sorted([(t, s) for t, _ in keys for s in ("added", "checked")])
    validated = pg_one(
        pg_url, "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND convalidated"
    )
    assert validated == (n - 1,)


def bets_not_built(report: arrowmig.MigrationReport) -> list[str]:
    return next(t.keys_not_built for t in report.tables if t.name == "bets")


def test_a_foreign_key_the_rows_break_is_named_and_not_left_behind(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQLite never checked these keys: bets 3 and 4 point at players that are not there. Keys
    # are added unchecked, then checked on two connections; the broken one is dropped again,
    # and is a key not built (exit 1), as a primary key the rows break is: the plan said so
    # first, and the report names the rows and the statement that adds it once they are fixed.
    source = make_sqlite(
        tmp_path / "o.db",
        """
        CREATE TABLE players (id INTEGER PRIMARY KEY);
        CREATE TABLE matches (id INTEGER PRIMARY KEY);
        CREATE TABLE bets (id INTEGER PRIMARY KEY, player_id INTEGER REFERENCES players,
                           match_id INTEGER REFERENCES matches);
        CREATE TABLE odds (id INTEGER PRIMARY KEY, match_id INTEGER REFERENCES matches);
        INSERT INTO players VALUES (1); INSERT INTO matches VALUES (1);
        INSERT INTO bets VALUES (1, 1, 1), (3, 99, 1), (4, 98, NULL), (5, NULL, 1);
        INSERT INTO odds VALUES (1, 1);
        """,
    )
    planned = next(t for t in explain(source, pg_url).tables if t.source.name == "bets")
    assert [n for n in planned.notes if "foreign key" in n] == [
        "foreign key (player_id) -> players: 2 rows of the source break it (PRAGMA "
        "foreign_key_check): it will not be built (exit 1); fix them in the source, or leave "
        "the keys out with --no-foreign-keys"
    ]
    # A file too large to check at planning: the plan says when the key is checked.
    monkeypatch.setattr(sqlite_endpoint, "CHECKED_FILE_BYTES", 0)
    planned = next(t for t in explain(source, pg_url).tables if t.source.name == "bets")
    assert [n for n in planned.notes if "foreign key" in n] == [
        f"foreign key ({c}) -> {p}: checked once the rows are in (SQLite does not hold its "
        "rows to it); if rows break it, it is not built (exit 1)"
        for c, p in (("match_id", "matches"), ("player_id", "players"))
    ]
    events: list[Event] = []
    report = arrowmig.migrate(
        source, pg_url, config=MigrationConfig(parallel=2), progress=events.append
    )
    assert report.exit_code == 1 and [t.name for t in report.keys_not_built] == ["bets"]
    assert [e.message for e in events if e.event == "error"] == bets_not_built(report)
    bets = next(t for t in report.tables if t.name == "bets")
    assert "foreign key (match_id) -> matches" in bets.built
    # Checked: the report says what happened to each key, not what the plan said would.
    assert not [n for n in bets.notes if "checked once the rows are in" in n]
    add = 'ALTER TABLE "public"."bets" ADD FOREIGN KEY ("player_id") REFERENCES "public"."players" ("id")'
    assert bets.keys_not_built == [
        "foreign key (player_id) -> players not built: 2 rows refer to no row of 'players' "
        "(player_id 98; player_id 99); the rows are all copied, without the key: fix those "
        f"rows (or add their parents), then add it: {add}"
    ]
    kept = pg_one(
        pg_url,
        "SELECT string_agg(conrelid::regclass || ':' || conname || ':' || convalidated, ' ' "
        "ORDER BY conrelid::regclass::text, conname) FROM pg_constraint WHERE contype = 'f'",
    )
    assert kept == ("bets:bets_match_id_fkey:true odds:odds_match_id_fkey:true",)
    assert pg_one(pg_url, "SELECT count(*) FROM bets") == (4,)
    pg_exec(pg_url, "INSERT INTO players VALUES (98), (99)", add)  # the way the report names


def test_the_rows_that_break_a_key_are_named_in_sql(tmp_path: Path, pg_url: str) -> None:
    # The values were Python's (datetime.date(2025, 5, 1), "it's"): now as SQL writes them.
    source = make_sqlite(
        tmp_path / "o.db",
        """
        CREATE TABLE shops (code TEXT, opened DATE, PRIMARY KEY (code, opened));
        CREATE TABLE sales (id INTEGER PRIMARY KEY, code TEXT, opened DATE,
                            FOREIGN KEY (code, opened) REFERENCES shops);
        INSERT INTO shops VALUES ('a', '2024-01-01');
        INSERT INTO sales VALUES (1, 'a', '2024-01-01'), (2, 'it''s', '2025-05-01');
        """,
    )
    report = arrowmig.migrate(source, pg_url)
    (refused,) = next(t for t in report.tables if t.name == "sales").keys_not_built
    assert "1 row refers to no row of 'shops' (code 'it''s', opened '2025-05-01');" in refused


def test_duckdb_foreign_keys_reach_postgresql_and_sqlite(tmp_path: Path, pg_url: str) -> None:
    # A DuckDB source's foreign keys were not read: its tables arrived without them.
    source = tmp_path / "app.duckdb"
    con = duckdb.connect(str(source))
    con.execute("CREATE TABLE authors (id BIGINT PRIMARY KEY, name VARCHAR)")
    con.execute(
        "CREATE TABLE posts (id BIGINT PRIMARY KEY, author_id BIGINT REFERENCES authors (id))"
    )
    con.execute("INSERT INTO authors VALUES (1, 'ann'); INSERT INTO posts VALUES (7, 1)")
    con.close()
    report = arrowmig.migrate(str(source), pg_url)
    assert (
        report.ok
        and "foreign key (author_id) -> authors"
        in next(t for t in report.tables if t.name == "posts").built
    )
    assert pg_one(
        pg_url,
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'f' "
        "AND conrelid = 'posts'::regclass",
    ) == ("FOREIGN KEY (author_id) REFERENCES authors(id)",)
    back = tmp_path / "app.db"
    assert arrowmig.migrate(str(source), str(back)).ok
    assert sqlite_foreign_keys(str(back), "posts") == [
        ("authors", "author_id", "id", "NO ACTION", "NO ACTION")
    ]


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
    assert (
        "views and virtual tables skipped (name them with --tables to copy their rows): big" in text
    )


def test_plan_text_counts_one_row_and_one_stream_in_the_singular(tmp_path: Path) -> None:
    # It said "t -> t: create, 1 rows, 1 stream(s)".
    source = make_sqlite(
        tmp_path / "v.db", "CREATE TABLE t (id INTEGER); INSERT INTO t VALUES (1);"
    )
    text = plan_text(explain(source, str(tmp_path / "out.duckdb")).to_dict())
    assert "t -> t: create, 1 row, 1 stream" in text.splitlines()


FTS_SCRIPT = """
    CREATE TABLE docs (id INTEGER PRIMARY KEY, title TEXT, body TEXT);
    INSERT INTO docs (title, body) VALUES ('a', 'hello world'), ('b', 'second doc');
    CREATE VIRTUAL TABLE docs_fts USING fts5(title, body, content='docs', content_rowid='id');
    INSERT INTO docs_fts (docs_fts) VALUES ('rebuild');
"""


def test_virtual_tables_and_their_shadow_tables_stay_behind(tmp_path: Path) -> None:
    # A full-text index's shadow tables (docs_fts_data, _idx, ...) hold its B-tree pages:
    # copied as rows they mean nothing. The virtual table moves only when named.
    source = make_sqlite(tmp_path / "fts.db", FTS_SCRIPT)
    target = tmp_path / "out.db"
    report = arrowmig.migrate(source, str(target))
    assert [t.name for t in report.tables] == ["docs"]
    assert report.skipped_views == ["docs_fts"]
    named = arrowmig.migrate(source, str(target), tables=["docs_fts"])
    assert named.ok
    con = sqlite3.connect(target)
    tables = (
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\'"
    )
    assert {r[0] for r in con.execute(tables)} == {"docs", "docs_fts"}
    assert con.execute("SELECT title, body FROM docs_fts ORDER BY title").fetchall() == [
        ("a", "hello world"),
        ("b", "second doc"),
    ]


def test_a_named_virtual_table_says_what_its_plain_copy_lacks(tmp_path: Path) -> None:
    # Copied as rows, a full-text or R*Tree table is a plain table without its index; a
    # contentless one (content='') keeps no values, so SQLite hands back NULLs for each row.
    source = make_sqlite(
        tmp_path / "fts.db",
        FTS_SCRIPT + "CREATE VIRTUAL TABLE bare USING fts5(title, body, content='');"
        "INSERT INTO bare (rowid, title, body) VALUES (1, 'x', 'y'), (2, 'p', 'q');"
        "CREATE VIRTUAL TABLE spots USING rtree(id, x0, x1); INSERT INTO spots VALUES (1, 0, 1);",
    )
    target = tmp_path / "out.duckdb"
    report = arrowmig.migrate(source, str(target), tables=["docs_fts", "bare", "spots"])
    assert report.ok
    for table, index in (("docs_fts", "FTS5 full-text"), ("bare", "FTS5 full-text"),
                         ("spots", "R*Tree")):  # fmt: skip
        assert f"not carried: the {index} index (the rows land in a plain table" in notes_of(
            report, table
        )
    assert "no values" not in notes_of(report, "docs_fts")
    # The rowid, a contentless table's only link to its documents, is no column: said.
    for table in ("docs_fts", "bare"):
        assert "nor its rowids, each row's document id (no column of it" in notes_of(report, table)
    assert (
        "title, body: no values: a contentless FTS5 table (content='') keeps its full-text "
        "index only, and SQLite reads the column as NULL in each of its 2 rows"
    ) in notes_of(report, "bare")
    assert duckdb_rows(target, "bare") == [(None, None), (None, None)]


def test_a_contentless_fts4_table_moves_as_fts5s_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # SQLite refuses every read of a contentless FTS4 table but a MATCH: plan and migrate
    # failed on "SQL logic error", exit 1. Its documents are counted in its _docsize table.
    source = make_sqlite(
        tmp_path / "fts4.db",
        "CREATE VIRTUAL TABLE d4 USING fts4(a, b, content='');"
        "INSERT INTO d4 (docid, a, b) VALUES (1, 'x', 'y'), (7, 'p', 'q');"
        "CREATE VIRTUAL TABLE d3 USING fts4(a, content='', matchinfo=fts3);"
        "INSERT INTO d3 (docid, a) VALUES (1, 'x');",
    )
    target = tmp_path / "out.duckdb"
    assert main(["plan", source, str(target), "-t", "d4"]) == 0
    report = arrowmig.migrate(source, str(target), tables=["d4"])
    assert report.ok
    assert (
        "a, b: no values: a contentless FTS4 table (content='') keeps its full-text index "
        "only, and SQLite reads none of its columns: NULL is what arrives in each of its 2 rows"
    ) in notes_of(report, "d4")
    assert duckdb_rows(target, "d4") == [(None, None), (None, None)]
    assert arrowmig.verify(source, str(target), tables=["d4"]).ok
    # Without _docsize nothing tells its rows: refused as a usage error, not a failure.
    capsys.readouterr()
    assert main(["plan", source, str(target), "-t", "d3"]) == 2
    assert "contentless FTS4 table (content='') made with matchinfo=fts3" in capsys.readouterr().err
    # The virtual tables a name may mean are listed with the tables.
    with pytest.raises(arrowmig.SchemaError) as refused:
        arrowmig.migrate(source, str(target), tables=["nosuch"])
    assert refused.value.hint == (
        "tables there: (none); views and virtual tables, moved when named: d3, d4"
    )


def test_a_shadow_table_named_is_refused_as_its_virtual_tables_storage(tmp_path: Path) -> None:
    # docs_fts_data is in the file, as the full-text index's pages: "not found" was untrue.
    source = make_sqlite(tmp_path / "fts.db", FTS_SCRIPT)
    target = str(tmp_path / "out.duckdb")
    with pytest.raises(arrowmig.SchemaError) as refused:
        arrowmig.migrate(source, target, tables=["docs", "docs_fts_data"])
    said = f"{refused.value} {refused.value.hint}"
    assert "table 'docs_fts_data' is a shadow table of the FTS5 table 'docs_fts'" in said
    assert "never copied" in said and "name 'docs_fts' with" in said
    with pytest.raises(arrowmig.SchemaError) as refused:
        arrowmig.migrate(source, target, config=MigrationConfig(exclude=("docs_fts_idx",)))
    assert "'docs_fts_idx' named by" in str(refused.value)
    assert "is a shadow table of the FTS5 table 'docs_fts'" in str(refused.value)
    with pytest.raises(arrowmig.SchemaError, match="'nosuch' not found"):
        arrowmig.migrate(source, target, tables=["nosuch"])
    assert not Path(target).exists()


FK_SCRIPT = """
    PRAGMA foreign_keys = ON;
    CREATE TABLE teams (id INTEGER PRIMARY KEY, code TEXT NOT NULL, season INTEGER NOT NULL,
                        UNIQUE (code, season));
    CREATE TABLE players (id INTEGER PRIMARY KEY,
                          mentor INTEGER REFERENCES players (id) ON DELETE SET NULL,
                          code TEXT, season INTEGER,
                          FOREIGN KEY (code, season) REFERENCES teams (code, season)
                              ON UPDATE CASCADE);
    CREATE TABLE bets (id INTEGER PRIMARY KEY,
                       player_id INTEGER NOT NULL REFERENCES players ON DELETE CASCADE);
    INSERT INTO teams VALUES (1, 'ab', 2024), (2, 'cd', 2025);
    INSERT INTO players VALUES (1, NULL, 'ab', 2024), (2, 1, 'cd', 2025), (3, 1, NULL, NULL);
    INSERT INTO bets VALUES (1, 1), (2, 2), (3, 2);
"""


def sqlite_foreign_keys(path: str, table: str) -> list[tuple[object, ...]]:
    """Each column pair of each foreign key, sorted; a bare ``REFERENCES players`` reads as
    its primary key, ``id`` here."""
    con = sqlite3.connect(path)
    try:
        return sorted(
            con.execute(
                'SELECT "table", "from", coalesce("to", \'id\'), on_update, on_delete '
                "FROM pragma_foreign_key_list(?)",
                (table,),
            ).fetchall()
        )
    finally:
        con.close()


def test_sqlite_targets_declare_foreign_keys_with_their_actions(tmp_path: Path) -> None:
    source = make_sqlite(tmp_path / "src.db", FK_SCRIPT)
    target = str(tmp_path / "dst.db")
    report = arrowmig.migrate(source, target)
    assert report.ok, report.to_dict()
    for table in ("teams", "players", "bets"):
        assert sqlite_foreign_keys(target, table) == sqlite_foreign_keys(source, table), table
    players = next(t for t in report.tables if t.name == "players")
    assert "foreign key (mentor) -> players on delete set null" in players.built
    assert "foreign key (code, season) -> teams on update cascade" in players.built
    # They work as declared wherever foreign keys are enforced.
    con = sqlite3.connect(target)
    con.execute("PRAGMA foreign_keys = ON")
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    con.execute("UPDATE teams SET season = 2026 WHERE id = 2")
    con.execute("DELETE FROM players WHERE id = 1")
    assert con.execute("SELECT id, mentor, season FROM players ORDER BY id").fetchall() == [
        (2, None, 2026),
        (3, None, None),
    ]
    assert con.execute("SELECT player_id FROM bets").fetchall() == [(2,), (2,)]
    with pytest.raises(sqlite3.IntegrityError):
        con.execute("INSERT INTO bets VALUES (9, 99)")
    con.close()


def test_sqlite_targets_declare_only_the_foreign_keys_a_run_can_create(tmp_path: Path) -> None:
    source = make_sqlite(tmp_path / "src.db", FK_SCRIPT)
    subset = str(tmp_path / "subset.db")
    report = arrowmig.migrate(source, subset, tables=["players", "bets"])
    assert report.ok, report.to_dict()
    # teams is not part of the run: no declaration would point at a missing table
    assert [fk[0] for fk in sqlite_foreign_keys(subset, "players")] == ["players"]
    assert (
        "foreign key (code, season) -> teams on update cascade not created: 'teams' is not in "
        "this run" in notes_of(report, "players")
    )
    bare = str(tmp_path / "bare.db")
    report = arrowmig.migrate(source, bare, config=MigrationConfig(foreign_keys=False))
    assert report.ok and sqlite_foreign_keys(bare, "bets") == []
    assert "skipped (foreign_keys=False)" in notes_of(report, "bets")


def test_replacing_a_sqlite_parent_keeps_its_children_pointing_at_it(tmp_path: Path) -> None:
    # Renaming the old table aside must not carry the children's REFERENCES along with it.
    source = make_sqlite(tmp_path / "src.db", FK_SCRIPT)
    target = str(tmp_path / "dst.db")
    assert arrowmig.migrate(source, target).ok
    config = MigrationConfig(mode="replace", keep_backup=True)
    assert arrowmig.migrate(source, target, tables=["players"], config=config).ok
    assert [fk[0] for fk in sqlite_foreign_keys(target, "bets")] == ["players"]
    con = sqlite3.connect(target)
    con.execute("PRAGMA foreign_keys = ON")
    con.execute("DELETE FROM players WHERE id = 2")
    assert con.execute("SELECT count(*) FROM bets").fetchone() == (1,)
    con.close()


def test_foreign_key_actions_reach_postgres_and_come_back(tmp_path: Path, pg_url: str) -> None:
    source = make_sqlite(tmp_path / "src.db", FK_SCRIPT)
    assert arrowmig.migrate(source, pg_url).ok
    actions = pg_one(
        pg_url,
        "SELECT string_agg(conrelid::regclass::text || ':' || confdeltype::text || confupdtype::text, ',' "
        "ORDER BY conrelid::regclass::text, confdeltype) FROM pg_constraint WHERE contype = 'f'",
    )
    assert actions == ("bets:ca,players:ac,players:na",)  # delete/update: cascade, no action, ...
    back = str(tmp_path / "back.db")
    assert arrowmig.migrate(pg_url, back).ok
    for table in ("players", "bets"):
        assert sqlite_foreign_keys(back, table) == sqlite_foreign_keys(source, table), table


def test_descending_index_columns_stay_descending(tmp_path: Path, pg_url: str) -> None:
    # An index for "newest first" keeps its order: SQLite -> PostgreSQL -> SQLite.
    source = make_sqlite(
        tmp_path / "src.db",
        "CREATE TABLE posts (id INTEGER PRIMARY KEY, author INTEGER, at TEXT);"
        "CREATE INDEX newest ON posts (author, at DESC);",
    )
    assert arrowmig.migrate(source, pg_url).ok
    assert pg_one(pg_url, "SELECT indexdef FROM pg_indexes WHERE indexname = 'newest'") == (
        "CREATE INDEX newest ON public.posts USING btree (author, at DESC)",
    )
    back = tmp_path / "back.db"
    assert arrowmig.migrate(pg_url, str(back)).ok
    con = sqlite3.connect(back)
    try:
        order = con.execute("SELECT name, \"desc\" FROM pragma_index_xinfo('newest') WHERE key")
        assert order.fetchall() == [("author", 0), ("at", 1)]
    finally:
        con.close()


def test_plan_lists_what_each_created_table_builds(tmp_path: Path) -> None:
    source = make_sqlite(tmp_path / "src.db", FK_SCRIPT)
    text = plan_text(explain(source, str(tmp_path / "out.db")).to_dict())
    assert (
        "builds primary key (id), foreign key (code, season) -> teams on update cascade, "
        "foreign key (mentor) -> players on delete set null"
    ) in text
    duck = plan_text(explain(source, str(tmp_path / "out.duckdb")).to_dict())
    assert "builds primary key (id)\n" in duck  # DuckDB holds no foreign keys


def test_the_duckdb_plan_names_the_foreign_keys_the_run_will_not_create(tmp_path: Path) -> None:
    """The run's report named each foreign key DuckDB does not get; the plan said nothing."""
    source = make_sqlite(tmp_path / "src.db", FK_SCRIPT)
    target = str(tmp_path / "out.duckdb")
    planned = explain(source, target).to_dict()
    text = plan_text(planned)
    report = arrowmig.migrate(source, target)
    assert report.ok, report.to_dict()
    unbuilt = [n for t in report.tables for n in t.notes if "foreign key" in n]
    assert unbuilt and all(
        n.endswith("duckdb cannot add foreign keys to loaded tables") for n in unbuilt
    )
    assert sorted(unbuilt) == sorted(
        n for t in planned["tables"] for n in t["notes"] if "foreign key" in n
    )
    assert all(n in text for n in unbuilt)


def test_what_no_target_gets_is_named_not_dropped_silently(tmp_path: Path, pg_url: str) -> None:
    source = make_sqlite(
        tmp_path / "i.db",
        """
        CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT, shipped TEXT);
        CREATE INDEX open_orders ON orders (customer) WHERE shipped IS NULL;
        CREATE INDEX by_lower ON orders (lower(customer));
        CREATE INDEX by_customer ON orders (customer);
        CREATE TABLE audit (id INTEGER PRIMARY KEY, note TEXT CHECK (note <> ''),
                            "CHECK (" TEXT DEFAULT 'check (', CONSTRAINT ck CHECK (id > 0));
        CREATE TRIGGER audit_orders AFTER INSERT ON orders BEGIN
            INSERT INTO audit (note) VALUES ('order ' || new.id);
        END;
        INSERT INTO orders VALUES (1, 'a', NULL), (2, 'b', '2024-01-01');
        """,
    )
    report = arrowmig.migrate(source, pg_url)
    assert report.ok, report.to_dict()
    notes = notes_of(report, "orders")
    assert "index open_orders (partial: its WHERE is not carried)" in notes
    assert "index by_lower (on an expression)" in notes
    assert "trigger audit_orders" in notes
    assert "not carried: CHECK constraints (2)" in notes_of(report, "audit")
    built = pg_one(
        pg_url,
        "SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE tablename = 'orders'",
    )
    assert built == ("by_customer,orders_pkey",)  # never the partial one over every row
    # And from PostgreSQL: a GIN index is named too.
    pg_exec(pg_url, "CREATE INDEX orders_gin ON orders USING gin (to_tsvector('simple', customer))")
    pg_exec(pg_url, "CREATE INDEX orders_brin ON orders USING brin (id)")
    pg_exec(pg_url, "ALTER TABLE orders ADD CONSTRAINT known CHECK (customer <> '')")
    report = arrowmig.migrate(pg_url, str(tmp_path / "back.db"))
    notes = notes_of(report, "orders")
    assert "index orders_gin (on an expression)" in notes
    assert "index orders_brin (brin, which only PostgreSQL has)" in notes
    assert "CHECK constraint known" in notes
    pg_exec(
        pg_url,
        "CREATE TABLE pay (id int, at date NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);"
        "CREATE TABLE pay_2024 PARTITION OF pay FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');"
        "INSERT INTO pay VALUES (1, '2024-03-01')",
    )
    report = arrowmig.migrate(pg_url, str(tmp_path / "pay.db"), tables=["pay"])
    assert report.ok and report.tables[0].rows == 1
    assert "not carried: partitioning (RANGE (at)): the rows arrive in one table" in notes_of(
        report, "pay"
    )


@pytest.mark.postgres
def test_a_key_into_a_partitioned_table_is_one_key(pg_url: str, second_pg: str) -> None:
    # PostgreSQL copies a key into a partitioned table once per partition, on the same table
    # (lines -> orders_2024, ...): they were read as keys of the user's, named "not created"
    # in every report, and added to the target when a partition was in the run (a key that
    # its other partition's rows broke, exit 1). A partition's own copy of its table's key
    # (lines_2024 -> orders) is its key when it moves as a table of its own.
    pg_exec(
        pg_url,
        "CREATE TABLE orders (id int, d date, PRIMARY KEY (id, d)) PARTITION BY RANGE (d);"
        "CREATE TABLE orders_2024 PARTITION OF orders FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');"
        "CREATE TABLE orders_2025 PARTITION OF orders FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');"
        "CREATE TABLE lines (order_id int, d date, n int, PRIMARY KEY (order_id, d, n), "
        "FOREIGN KEY (order_id, d) REFERENCES orders) PARTITION BY RANGE (d);"
        "CREATE TABLE lines_2024 PARTITION OF lines FOR VALUES FROM ('2024-01-01') TO ('2026-01-01');"
        "INSERT INTO orders VALUES (1, '2024-05-01'), (2, '2025-05-01');"
        "INSERT INTO lines VALUES (1, '2024-05-01', 1), (2, '2025-05-01', 1)",
    )
    report = arrowmig.migrate(
        pg_url, second_pg, tables=["orders", "orders_2024", "lines", "lines_2024"]
    )
    assert report.ok, [t.keys_not_built for t in report.tables]
    for table in ("lines", "lines_2024"):
        assert (
            "foreign key (order_id, d) -> orders"
            in next(t for t in report.tables if t.name == table).built
        )
    assert "orders_20" not in "\n".join(n for t in report.tables for n in t.notes)
    keys = pg_one(
        second_pg,
        "SELECT string_agg(conrelid::regclass || ' -> ' || confrelid::regclass, ', ' "
        "ORDER BY conrelid::regclass::text) FROM pg_constraint WHERE contype = 'f'",
    )
    assert keys == ("lines -> orders, lines_2024 -> orders",)


@pytest.mark.postgres
def test_inherited_tables_each_arrive_with_their_own_rows(pg_url: str, tmp_path: Path) -> None:
    # A plain read of a parent returns its children's rows too: they arrived twice, once in
    # the parent and once in the child. Each table now brings only its own rows.
    pg_exec(
        pg_url,
        "CREATE TABLE city (id int PRIMARY KEY, name text);"
        "CREATE TABLE capital (state text) INHERITS (city);"
        "CREATE TABLE old_capital (until int) INHERITS (capital);"
        "INSERT INTO city VALUES (1, 'Lyon'), (2, 'Nice');"
        "INSERT INTO capital VALUES (3, 'Paris', 'FR');"
        "INSERT INTO old_capital VALUES (4, 'Bonn', 'DE', 1990)",
    )
    target = str(tmp_path / "cities.duckdb")
    report = arrowmig.migrate(pg_url, target)
    assert report.ok
    assert {t.name: t.rows for t in report.tables} == {"city": 2, "capital": 1, "old_capital": 1}
    con = duckdb.connect(target)
    assert con.execute("SELECT id FROM city ORDER BY id").fetchall() == [(1,), (2,)]
    assert con.execute("SELECT id, state FROM capital").fetchall() == [(3, "FR")]
    con.close()
    assert "inherited by capital: only its own rows are copied" in notes_of(report, "city")
    assert "inheritance from capital: arrives as a table of its own" in notes_of(
        report, "old_capital"
    )
    assert arrowmig.verify(pg_url, target).ok


@pytest.mark.postgres
def test_a_generated_column_from_postgres_is_named(pg_url: str, tmp_path: Path) -> None:
    pg_exec(
        pg_url,
        "CREATE TABLE lines (id int PRIMARY KEY, qty int, price numeric(10,2), "
        "total numeric GENERATED ALWAYS AS (qty * price) STORED);"
        "INSERT INTO lines (id, qty, price) VALUES (1, 3, 2.50)",
    )
    target = str(tmp_path / "lines.db")
    report = arrowmig.migrate(pg_url, target)
    assert report.ok
    assert "total: generated column AS ((qty)::numeric * price): its values are copied" in (
        notes_of(report, "lines")
    )
    con = sqlite3.connect(target)
    assert con.execute("SELECT total FROM lines").fetchall() == [("7.50",)]
    con.close()


@pytest.mark.postgres
def test_tables_in_other_schemas_are_named_not_silently_left(pg_url: str, tmp_path: Path) -> None:
    # A run reads one schema. An application's tables in other schemas were left without a
    # word, and a database with nothing in public copied nothing and said "done".
    pg_exec(
        pg_url,
        "CREATE SCHEMA sales; CREATE SCHEMA person;"
        "CREATE TABLE sales.orders (id int PRIMARY KEY); INSERT INTO sales.orders VALUES (1);"
        "CREATE TABLE sales.lines (id int); CREATE TABLE person.person (id int PRIMARY KEY);"
        "CREATE TABLE sales.person (id int PRIMARY KEY); INSERT INTO person.person VALUES (1);"
        "ALTER TABLE sales.orders ADD CONSTRAINT buyer FOREIGN KEY (id) REFERENCES person.person",
    )
    target = str(tmp_path / "aw.duckdb")
    with pytest.raises(arrowmig.SchemaError) as refused:
        arrowmig.migrate(pg_url, target)
    assert "schema 'public'" in str(refused.value)
    assert "holds no tables; other schemas do: person (1 table), sales (3 tables)" in str(
        refused.value
    )
    assert "source_schema='person'" in str(refused.value)
    # A SQLite file takes one schema per run: only that form is suggested.
    with pytest.raises(arrowmig.SchemaError) as refused:
        arrowmig.migrate(pg_url, str(tmp_path / "aw.db"))
    said = f"{refused.value} {refused.value.hint}"
    assert "source_schema='person'" in said
    assert "person,sales" not in said and "'*'" not in said
    with pytest.raises(arrowmig.SchemaError) as refused:
        arrowmig.migrate(pg_url, target, tables=["sales.orders"])
    assert "name it 'orders', with source_schema='sales'" in str(refused.value)
    pg_exec(pg_url, "CREATE TABLE public.here (id int)")
    report = arrowmig.migrate(pg_url, target)
    assert [t.name for t in report.tables] == ["here"]
    assert any(
        "other schemas hold tables and are not: person (1 table), sales (3 tables)" in n
        for n in report.notes
    ), report.notes
    sales = str(tmp_path / "sales.db")
    report = arrowmig.migrate(pg_url, sales, config=MigrationConfig(source_schema="sales"))
    assert sorted(t.name for t in report.tables) == ["lines", "orders", "person"]
    # The key points at person.person, not at the run's own sales.person of the same name.
    assert (
        "foreign key buyer (id) -> person.person: into another schema, which this run does "
        "not read" in notes_of(report, "orders")
    )
    assert sqlite_foreign_keys(sales, "orders") == []
    assert not any("other schemas" in n for n in report.notes)  # a schema picked knowingly


def test_postgres_to_postgres_rebuilds_what_only_postgres_has(pg_url: str) -> None:
    pg_exec(
        pg_url,
        """
        CREATE FUNCTION is_room(t text) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT t <> ''''';
        CREATE TABLE bookings (id int PRIMARY KEY, room text NOT NULL, during tsrange, note text,
                               qty int, CONSTRAINT qty_positive CHECK (qty > 0),
                               CONSTRAINT named_room CHECK (is_room(room)),
                               CONSTRAINT no_overlap EXCLUDE USING gist (during WITH &&));
        CREATE INDEX open_notes ON bookings (room) WHERE note IS NULL;
        CREATE INDEX by_lower ON bookings (lower(room));
        CREATE INDEX during_brin ON bookings USING brin (id);
        CREATE UNIQUE INDEX uniq_room_note ON bookings (room, note) INCLUDE (qty);
        CREATE INDEX newest_per_room ON bookings (room, id DESC);
        INSERT INTO bookings VALUES (1, 'A', '[2024-01-01,2024-01-02)', NULL, 2),
                                    (2, 'A', '[2024-01-03,2024-01-04)', 'n', 2);
        """,
    )
    report = arrowmig.migrate(pg_url, pg_url, config=MigrationConfig(target_schema="copy"))
    assert report.ok, report.to_dict()
    table = report.tables[0]
    for built in ("index open_notes", "index by_lower", "index during_brin",
                  "unique index uniq_room_note", "EXCLUDE constraint no_overlap",
                  "CHECK constraint qty_positive", "CHECK constraint named_room"):  # fmt: skip
        assert built in table.built, built
    definitions = pg_one(
        pg_url,
        "SELECT string_agg(regexp_replace(indexdef, ' ON \\S+', ''), ' | ' ORDER BY indexname) "
        "FROM pg_indexes WHERE schemaname = 'copy' AND tablename = 'bookings'",
    )
    assert definitions == (
        "CREATE UNIQUE INDEX bookings_pkey USING btree (id) | "
        "CREATE INDEX by_lower USING btree (lower(room)) | "
        "CREATE INDEX during_brin USING brin (id) | "
        "CREATE INDEX newest_per_room USING btree (room, id DESC) | "
        "CREATE INDEX no_overlap USING gist (during) | "
        "CREATE INDEX open_notes USING btree (room) WHERE (note IS NULL) | "
        "CREATE UNIQUE INDEX uniq_room_note USING btree (room, note) INCLUDE (qty)",
    )
    checks = pg_one(
        pg_url,
        "SELECT string_agg(pg_get_constraintdef(oid), ' | ' ORDER BY conname) FROM pg_constraint "
        "WHERE conrelid = 'copy.bookings'::regclass AND contype IN ('c', 'x')",
    )
    assert checks == (
        "CHECK (is_room(room)) | EXCLUDE USING gist (during WITH &&) | CHECK ((qty > 0))",
    )


def test_a_definition_the_target_cannot_build_is_named_and_the_run_goes_on(
    pg_url: str, tmp_path: Path
) -> None:
    pg_exec(
        pg_url,
        """
        CREATE FUNCTION is_room(t text) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT true';
        CREATE TABLE rooms (id int PRIMARY KEY, room text, CONSTRAINT named CHECK (is_room(room)));
        INSERT INTO rooms VALUES (1, 'a');
        """,
    )
    report = arrowmig.migrate(pg_url, str(tmp_path / "r.db"))
    assert report.ok and "not carried: CHECK constraint named" in notes_of(report, "rooms")
    # Another database has no is_room(): the rows arrive, the check is named as not created.
    other = pg_url + "_other"
    name = other.rsplit("/", 1)[1]
    pg_exec(pg_url, f'CREATE DATABASE "{name}"')
    try:
        report = arrowmig.migrate(pg_url, other)
        assert report.ok, report.to_dict()
        assert "CHECK constraint named not created" in notes_of(report, "rooms")
        assert pg_one(other, "SELECT count(*) FROM rooms") == (1,)
    finally:
        pg_exec(pg_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


DJANGO_LIKE = """
    CREATE TABLE "auth_user" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
                              "username" varchar(150) NOT NULL UNIQUE);
    CREATE TABLE "blog_post" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
        "title" varchar(200) NOT NULL,
        "author_id" integer NOT NULL CONSTRAINT "blog_post_author_fk" REFERENCES "auth_user" ("id")
            DEFERRABLE INITIALLY DEFERRED,
        "editor_id" integer NULL REFERENCES [auth_user] ("id") ON DELETE SET NULL
            DEFERRABLE INITIALLY DEFERRED,
        "parent_id" integer NULL REFERENCES blog_post (id) DEFERRABLE,
        "note" text DEFAULT 'REFERENCES blog_post NOT DEFERRABLE' -- REFERENCES x DEFERRABLE
    );
    INSERT INTO auth_user VALUES (1, 'ann'), (2, 'bob');
    INSERT INTO blog_post VALUES (1, 'hello', 1, 2, NULL, NULL), (2, 'again', 2, NULL, 1, 'x');
"""


KEY_TIMINGS = (
    "SELECT string_agg(a.attname || ':' || c.condeferrable || '/' || c.condeferred, ',' "
    "ORDER BY a.attname) FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid "
    "AND a.attnum = c.conkey[1] WHERE c.contype = 'f'"
)
"""Each foreign key's first column: whether it is deferrable / initially deferred."""


def built_of(report: arrowmig.MigrationReport, table: str) -> list[str]:
    return next(t for t in report.tables if t.name == table).built


def test_deferred_foreign_keys_stay_deferred(tmp_path: Path, pg_url: str) -> None:
    # Django declares every foreign key DEFERRABLE INITIALLY DEFERRED and relies on it.
    source = make_sqlite(tmp_path / "django.db", DJANGO_LIKE)
    report = arrowmig.migrate(source, pg_url)
    assert report.ok, report.to_dict()
    built = built_of(report, "blog_post")
    assert "foreign key (author_id) -> auth_user, deferred" in built
    assert "foreign key (editor_id) -> auth_user on delete set null, deferred" in built
    assert "foreign key (parent_id) -> blog_post, deferrable" in built
    # Names given to keys are kept (Rails names its own fk_rails_...).
    assert pg_one(
        pg_url,
        "SELECT string_agg(conname, ',' ORDER BY conname) FROM pg_constraint WHERE contype = 'f'",
    ) == ("blog_post_author_fk,blog_post_editor_id_fkey,blog_post_parent_id_fkey",)
    timings = pg_one(pg_url, KEY_TIMINGS)
    assert timings == ("author_id:true/true,editor_id:true/true,parent_id:true/false",)
    # A deferred key is checked at commit: a child may come before its parent in a transaction.
    with psycopg.connect(pg_url) as con:
        con.execute("INSERT INTO blog_post (id, title, author_id) VALUES (3, 'early', 3)")
        con.execute("INSERT INTO auth_user VALUES (3, 'cid')")
    # And back: SQLite declares them as the source did; PostgreSQL says which are deferred.
    back = str(tmp_path / "back.db")
    assert arrowmig.migrate(pg_url, back).ok
    con2 = sqlite3.connect(back)
    create = con2.execute("SELECT sql FROM sqlite_master WHERE name = 'blog_post'").fetchone()[0]
    con2.close()
    assert create.count("DEFERRABLE INITIALLY DEFERRED") == 2
    assert create.count("DEFERRABLE INITIALLY IMMEDIATE") == 1
    assert 'CONSTRAINT "blog_post_author_fk" FOREIGN KEY' in create


def test_keys_to_one_parent_keep_each_its_own_timing(tmp_path: Path, pg_url: str) -> None:
    """Two keys to the same parent, one checked at commit and one not (column and table
    constraint syntax): each keeps its own timing, into PostgreSQL and into SQLite."""
    source = make_sqlite(
        tmp_path / "two.db",
        """
        CREATE TABLE auth_user (id integer PRIMARY KEY);
        CREATE TABLE blog_post (id integer PRIMARY KEY,
            author_id integer NOT NULL REFERENCES "auth_user" (id) DEFERRABLE INITIALLY DEFERRED,
            editor_id integer NULL REFERENCES auth_user (id),
            owner_id integer, reviewer_id integer,
            FOREIGN KEY (owner_id) REFERENCES auth_user (id) DEFERRABLE,
            FOREIGN KEY (reviewer_id) REFERENCES auth_user (id) ON DELETE CASCADE);
        INSERT INTO auth_user VALUES (1), (2);
        INSERT INTO blog_post VALUES (1, 1, 2, 1, 2);
        """,
    )
    expected = (
        "author_id:true/true,editor_id:false/false,owner_id:true/false,reviewer_id:false/false"
    )
    report = arrowmig.migrate(source, pg_url)
    assert report.ok, report.to_dict()
    built = built_of(report, "blog_post")
    assert "foreign key (author_id) -> auth_user, deferred" in built
    assert "foreign key (editor_id) -> auth_user" in built
    assert "foreign key (owner_id) -> auth_user, deferrable" in built
    timings = pg_one(pg_url, KEY_TIMINGS)
    assert timings == (expected,)
    # The source's transaction, child before parent, still commits on the copy.
    with psycopg.connect(pg_url) as con:
        con.execute("INSERT INTO blog_post (id, author_id) VALUES (2, 3)")
        con.execute("INSERT INTO auth_user VALUES (3)")
    copy = tmp_path / "copy.db"
    assert arrowmig.migrate(source, str(copy)).ok
    con2 = sqlite3.connect(copy)
    con2.execute("PRAGMA foreign_keys = ON")
    with con2:  # deferred in the copy too: checked at commit
        con2.execute("INSERT INTO blog_post (id, author_id) VALUES (2, 3)")
        con2.execute("INSERT INTO auth_user VALUES (3)")
    with pytest.raises(sqlite3.IntegrityError), con2:  # editor_id is checked at once
        con2.execute("INSERT INTO blog_post (id, author_id, editor_id) VALUES (4, 1, 9)")
    con2.close()


@pytest.mark.postgres
def test_a_foreign_key_not_valid_in_the_source_stays_not_valid(pg_url: str, second_pg: str) -> None:
    """A key added NOT VALID over rows that break it (a legacy orphan) is kept NOT VALID, as
    pg_dump keeps it: new orphans are refused in the copy as in the source."""
    pg_exec(
        pg_url,
        "CREATE TABLE parent (id int PRIMARY KEY)",
        "CREATE TABLE child (id int PRIMARY KEY, parent_id int, qty int)",
        "INSERT INTO parent VALUES (1), (2)",
        "INSERT INTO child VALUES (1, 1, 5), (2, 3, -1), (3, 2, 4)",
        "ALTER TABLE child ADD CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) "
        "REFERENCES parent (id) NOT VALID",
        "ALTER TABLE child ADD CONSTRAINT child_qty_pos CHECK (qty > 0) NOT VALID",
    )
    assert "foreign key (parent_id) -> parent, NOT VALID" in plan_text(
        explain(pg_url, second_pg).to_dict()
    )
    report = arrowmig.migrate(pg_url, second_pg)
    assert report.ok, report.to_dict()
    assert (
        "foreign key (parent_id) -> parent, NOT VALID (as in the source: rows already there are "
        "not checked, new ones are)"
    ) in built_of(report, "child")
    assert "foreign key" not in notes_of(report, "child")
    assert pg_one(
        second_pg,
        "SELECT string_agg(conname || ' ' || convalidated, ',' ORDER BY conname) "
        "FROM pg_constraint WHERE conrelid = 'child'::regclass AND contype IN ('f', 'c')",
    ) == ("child_parent_fk false,child_qty_pos false",)
    assert pg_one(second_pg, "SELECT parent_id FROM child WHERE id = 2") == (3,)
    with psycopg.connect(second_pg) as con, pytest.raises(psycopg.errors.ForeignKeyViolation):
        con.execute("INSERT INTO child VALUES (10, 999, 1)")
    # Found there already (a run resumed after it was added), it is not checked either.
    with open_endpoint(second_pg) as dst:
        assert isinstance(dst, PostgresEndpoint)
        fk = next(k for k in dst.describe("child").foreign_keys)
        assert not fk.valid
        (again,) = dst.add_foreign_keys([("child", fk)])
    assert isinstance(again, str) and "NOT VALID (as in the source" in again
    assert pg_one(
        second_pg,
        "SELECT count(*) FROM pg_constraint WHERE conrelid = 'child'::regclass AND contype = 'f'",
    ) == (1,)


@pytest.mark.postgres
def test_postgres_to_postgres_sets_expression_defaults_again(pg_url: str, second_pg: str) -> None:
    pg_exec(
        pg_url,
        """
        CREATE SEQUENCE invoice_no START 1000 INCREMENT 5;
        CREATE TABLE t (id int PRIMARY KEY, due timestamptz DEFAULT (now() + interval '1 day'),
                        who text DEFAULT current_user, code text DEFAULT md5(random()::text),
                        invoice bigint DEFAULT nextval('invoice_no'),
                        label text DEFAULT 'INV-' || nextval('invoice_no'), n int DEFAULT 5);
        CREATE TABLE u (id int PRIMARY KEY, invoice bigint DEFAULT nextval('invoice_no'));
        INSERT INTO t (id) VALUES (1);
        INSERT INTO u (id) VALUES (1);
        """,
    )
    report = arrowmig.migrate(pg_url, second_pg)
    assert report.ok, report.to_dict()
    t, u = sorted(report.tables, key=lambda r: r.name)
    assert "default CURRENT_USER on who" in t.built
    # A sequence no column owns is created with the source's last value, once for both.
    assert "sequence invoice_no, at 1,010" in t.built + u.built
    assert "default nextval(invoice_no) on invoice" in t.built
    # Within an expression, the sequence's name could find another: named, not set.
    assert any(
        n.startswith("label: default ('INV-'::text || nextval(") and "not copied" in n
        for n in t.notes
    )
    defaults = pg_one(
        second_pg,
        "SELECT string_agg(column_name || '=' || coalesce(column_default, '-'), ' | ' "
        "ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 't'",
    )
    assert defaults == (
        "id=- | due=(now() + '1 day'::interval) | who=CURRENT_USER | "
        "code=md5((random())::text) | invoice=nextval('invoice_no'::regclass) | label=- | n=5",
    )
    assert pg_one(second_pg, "INSERT INTO u (id) VALUES (2) RETURNING invoice") == (1015,)
    # A copy into another schema of the same database draws from a sequence of its own.
    copied = arrowmig.migrate(pg_url, pg_url, config=MigrationConfig(target_schema="copy"))
    assert copied.ok
    assert pg_one(pg_url, "INSERT INTO copy.u (id) VALUES (2) RETURNING invoice") == (1015,)
    assert pg_one(pg_url, "SELECT last_value FROM public.invoice_no") == (1010,)
    # Into another kind of database such defaults are named as not copied.
    plan = explain(pg_url, "sqlite:///unused.db").to_dict()
    assert (
        "who: default CURRENT_USER not copied (not a portable literal)"
        in plan["tables"][0]["notes"]
    )


@pytest.mark.postgres
def test_column_collations_stay_or_are_named(pg_url: str, second_pg: str, tmp_path: Path) -> None:
    """The same ORDER BY and WHERE give the same answer in a PostgreSQL copy."""
    pg_exec(
        pg_url,
        "CREATE COLLATION mine (provider = icu, locale = 'de-x-icu')",
        'CREATE TABLE people (id int PRIMARY KEY, name text COLLATE "en-x-icu", '
        'code varchar(5) COLLATE "C", m text COLLATE mine)',
        "INSERT INTO people VALUES (1, 'apple', 'b', 'x'), (2, 'Banana', 'B', 'y')",
    )
    report = arrowmig.migrate(pg_url, second_pg)
    assert report.ok, report.to_dict()
    asked = "SELECT string_agg(name, ',' ORDER BY name), string_agg(code, ',' ORDER BY code) "
    asked += "FROM people"
    assert pg_one(second_pg, asked) == pg_one(pg_url, asked) == ("apple,Banana", "B,b")
    # A collation of the source's own that the target lacks is named, not a failed table.
    assert "m: COLLATE public.mine not carried (the target has no such collation" in notes_of(
        report, "people"
    )
    notes = notes_of(arrowmig.migrate(pg_url, f"sqlite:///{tmp_path / 't.db'}"), "people")
    assert 'name: COLLATE pg_catalog."en-x-icu" not carried' in notes
    assert "code:" not in notes  # "C" orders by code point, as SQLite does


@pytest.mark.postgres
def test_constant_defaults_of_postgres_only_types_are_kept(
    pg_url: str, second_pg: str, tmp_path: Path
) -> None:
    # Rails' `t.jsonb :settings, null: false, default: {}`: an insert that leaves such a
    # column out must still work in the copy.
    pg_exec(
        pg_url,
        """
        CREATE TABLE accounts (id int GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, name text,
            settings jsonb NOT NULL DEFAULT '{}', tags text[] NOT NULL DEFAULT '{}',
            period interval NOT NULL DEFAULT '1 month', trial_ends date DEFAULT 'infinity',
            ends timestamptz DEFAULT '-infinity',
            grace interval DEFAULT '-1 days +02:00:30.5');
        INSERT INTO accounts (name) VALUES ('a');
        """,
    )
    report = arrowmig.migrate(pg_url, second_pg)
    assert report.ok, report.to_dict()
    assert "not copied" not in notes_of(report, "accounts")
    inserted = "INSERT INTO accounts (name) VALUES ('b') RETURNING settings::text, tags::text, "
    inserted += "period::text, trial_ends::text, ends::text"
    assert pg_one(second_pg, inserted) == ("{}", "{}", "1 mon", "infinity", "-infinity")
    # DuckDB and SQLite keep them too (intervals: an interval '1 month' was not copied into
    # either, though DuckDB has INTERVAL defaults; DuckDB cannot read '-1 days +02:00:30.5').
    sqlite_path = tmp_path / "t.db"
    lite = arrowmig.migrate(pg_url, f"sqlite:///{sqlite_path}")
    assert lite.ok and "not copied" not in notes_of(lite, "accounts")
    con = sqlite3.connect(sqlite_path)
    con.execute("INSERT INTO accounts (name) VALUES ('b')")
    assert con.execute(
        "SELECT settings, tags, trial_ends, ends, period, grace FROM accounts WHERE name = 'b'"
    ).fetchone() == (
        "{}",
        "[]",
        "infinity",
        "-infinity",
        "1 mons 0 days 0.0 secs",
        "0 mons -1 days 7230.5 secs",
    )
    assert con.execute("SELECT period, grace FROM accounts WHERE name = 'a'").fetchone() == (
        "1 mons 0 days 0.0 secs",
        "0 mons -1 days 7230.5 secs",
    )
    con.close()
    duck_path = tmp_path / "t.duckdb"
    duck_run = arrowmig.migrate(pg_url, str(duck_path))
    assert duck_run.ok and "not copied" not in notes_of(duck_run, "accounts")
    with duckdb.connect(str(duck_path)) as duck:
        duck.execute("INSERT INTO accounts (name) VALUES ('b')")
        row = duck.execute(
            "SELECT settings::VARCHAR, tags::VARCHAR, trial_ends::VARCHAR, period, grace "
            "FROM accounts WHERE name = 'b'"
        ).fetchone()
    one_month = duckdb.execute("SELECT INTERVAL 1 MONTH").fetchone()
    grace = duckdb.execute("SELECT INTERVAL '-1 days 7230500000 microseconds'").fetchone()
    assert row == ("{}", "[]", "infinity", *(one_month or ()), *(grace or ()))


@pytest.mark.postgres
def test_an_enum_default_follows_the_type_into_the_target_schema(
    pg_url: str, second_pg: str
) -> None:
    pg_exec(
        pg_url,
        """
        CREATE SCHEMA billing;
        CREATE TYPE billing.status AS ENUM ('new', 'done');
        CREATE TABLE billing.tasks (id int PRIMARY KEY, st billing.status NOT NULL DEFAULT 'new',
                                    sts billing.status[] DEFAULT '{new}');
        INSERT INTO billing.tasks (id) VALUES (1);
        """,
    )
    for target, schema in ((second_pg, "app"), (pg_url, "billing_copy")):
        config = MigrationConfig(source_schema="billing", target_schema=schema)
        report = arrowmig.migrate(pg_url, target, config=config)
        assert report.ok, report.to_dict()
        assert "not created" not in notes_of(report, "tasks")
        inserted = f"INSERT INTO {schema}.tasks (id) VALUES (2) RETURNING st::text, sts::text, "
        inserted += "pg_typeof(st)::text"
        assert pg_one(target, inserted) == ("new", "{new}", f"{schema}.status")


@pytest.mark.postgres
def test_tables_an_extension_made_are_left_out_unless_named(
    pg_url: str, second_pg: str, tmp_path: Path
) -> None:
    # As PostGIS makes spatial_ref_sys: CREATE EXTENSION makes it in the target too, where
    # copying it would collide (and pg_dump leaves it out).
    pg_exec(
        pg_url,
        "CREATE EXTENSION citext",
        "CREATE TABLE ref_codes (id int PRIMARY KEY, label text)",
        "INSERT INTO ref_codes VALUES (1, 'a')",
        "ALTER EXTENSION citext ADD TABLE ref_codes",
        "CREATE TABLE mine (id int PRIMARY KEY)",
        "INSERT INTO mine VALUES (1)",
    )
    pg_exec(
        second_pg,
        "CREATE EXTENSION citext",
        "CREATE TABLE ref_codes (id int PRIMARY KEY, label text)",
        "ALTER EXTENSION citext ADD TABLE ref_codes",
    )
    report = arrowmig.migrate(pg_url, second_pg)
    assert report.ok and [t.name for t in report.tables] == ["mine"]
    assert any("tables of extensions left out: ref_codes (citext)" in n for n in report.notes)
    # Said as well when the schema is named.
    plan = explain(
        pg_url, second_pg, config=MigrationConfig(source_schema="public", mode="replace")
    )
    assert any("tables of extensions left out: ref_codes" in n for n in plan.to_dict()["notes"])
    assert arrowmig.verify(pg_url, second_pg).ok  # compared as migrate moved them
    named = arrowmig.migrate(pg_url, str(tmp_path / "x.db"), tables=["ref_codes"])
    assert named.ok and named.rows == 1
    pg_exec(pg_url, "CREATE SCHEMA other", "CREATE TABLE other.t (id int)")
    several = arrowmig.migrate(
        pg_url, str(tmp_path / "y.duckdb"), config=MigrationConfig(source_schema="*")
    )
    assert sorted(t.name for t in several.tables) == ["other.t", "public.mine"]
    assert any("tables of extensions left out: public.ref_codes" in n for n in several.notes)


@pytest.mark.postgres
def test_comments_travel_between_postgres_and_duckdb_and_are_named_into_sqlite(
    pg_url: str, second_pg: str, tmp_path: Path
) -> None:
    """Rails', Django's and dbt's schema documentation: COMMENT ON TABLE and COLUMN."""
    pg_exec(
        pg_url,
        "CREATE TABLE t (id int PRIMARY KEY, v text, w int)",
        f"COMMENT ON TABLE t IS {pg_literal(HOSTILE)}",
        "COMMENT ON COLUMN t.v IS 'col doc'",
        "COMMENT ON COLUMN t.w IS 'w''s doc'",
        "CREATE TABLE u (id int PRIMARY KEY)",
        "COMMENT ON COLUMN u.id IS 'only a column'",
        "INSERT INTO t VALUES (1, 'a', 2)",
    )
    asked = (
        "SELECT obj_description('t'::regclass), col_description('t'::regclass, 2), "
        "col_description('t'::regclass, 3), obj_description('u'::regclass), "
        "col_description('u'::regclass, 1)"
    )
    expected = (HOSTILE, "col doc", "w's doc", None, "only a column")
    assert arrowmig.migrate(pg_url, second_pg).ok
    assert pg_one(second_pg, asked) == expected

    into_duckdb, again = tmp_path / "c.duckdb", tmp_path / "again.duckdb"
    assert arrowmig.migrate(pg_url, str(into_duckdb)).ok
    assert arrowmig.migrate(str(into_duckdb), str(again)).ok
    for path in (into_duckdb, again):
        with contextlib.closing(duckdb.connect(str(path), read_only=True)) as con:
            assert con.execute(
                "SELECT (SELECT comment FROM duckdb_tables() WHERE table_name = 't'), "
                "(SELECT comment FROM duckdb_tables() WHERE table_name = 'u'), "
                "(SELECT list(comment ORDER BY table_name, column_index) FROM duckdb_columns() "
                "WHERE table_name IN ('t', 'u'))"
            ).fetchone() == (HOSTILE, None, [None, "col doc", "w's doc", "only a column"])

    # Back into PostgreSQL, replacing: the source's comment wins over the replaced table's;
    # where the source has none, the replaced table's is kept.
    pg_exec(second_pg, "COMMENT ON TABLE t IS 'old'", "COMMENT ON TABLE u IS 'kept'")
    back = arrowmig.migrate(str(again), second_pg, config=MigrationConfig(mode="replace"))
    assert back.ok
    assert pg_one(second_pg, asked) == (*expected[:3], "kept", expected[4])

    sqlite_target = f"sqlite:///{tmp_path / 't.db'}"
    planned = explain(pg_url, sqlite_target)
    assert isinstance(planned, MigrationPlan)
    assert [p.notes for p in planned.tables if p.source.name == "u"] == [
        ["comments not carried: 1 column"]
    ]
    report = arrowmig.migrate(pg_url, sqlite_target)
    assert "comments not carried: table and 2 columns" in notes_of(report, "t")
    assert "comments not carried: 1 column" in notes_of(report, "u")


def pg_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"

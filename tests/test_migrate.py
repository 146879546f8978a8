"""migrate() as users rely on it: modes, keys and indexes, awkward values, hostile names,
errors before anything is written. Every check reads the target with its own client.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import uuid
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import psycopg
import pyarrow as pa
import pytest

import arrowmig
from arrowmig.errors import ConnectError, SchemaError, UrlError
from arrowmig.migrate import explain
from arrowmig.model import KeyRange
from arrowmig.status import runs_of
from arrowmig.urls import SOCKET_DIRECTORIES
from tests.dbutil import (
    as_role,
    duckdb_exec,
    failures,
    pg_columns,
    pg_exec,
    pg_rows,
    q,
    rows_of,
    sqlite_rows,
    target_of,
)


def make_sqlite(
    path: Path, script: str, rows: dict[str, list[tuple[object, ...]]] | None = None
) -> str:
    con = sqlite3.connect(path)
    con.executescript(script)
    for table, data in (rows or {}).items():
        if data:
            marks = ", ".join("?" * len(data[0]))
            con.executemany(f"INSERT INTO {q(table)} VALUES ({marks})", data)
    con.commit()
    con.close()
    return str(path)


@pytest.fixture
def bets_db(tmp_path: Path) -> str:
    return make_sqlite(
        tmp_path / "bets.db",
        """
        CREATE TABLE players (id INTEGER PRIMARY KEY, name TEXT NOT NULL, rating REAL);
        CREATE TABLE bets (id INTEGER PRIMARY KEY, player_id INTEGER NOT NULL REFERENCES players(id),
                           stake REAL, status VARCHAR(4));
        CREATE INDEX bets_player ON bets(player_id);
        CREATE VIEW big_bets AS SELECT * FROM bets WHERE stake > 50;
        """,
        {
            "players": [(i, f"p{i}", i / 3) for i in range(1, 51)],
            "bets": [
                (i, 1 + i % 50, i * 1.25, "won" if i % 2 else "lost-long") for i in range(1, 2001)
            ],
        },
    )


def test_sqlite_to_duckdb_copies_rows_keys_and_indexes(bets_db: str, tmp_path: Path) -> None:
    target = str(tmp_path / "w.duckdb")
    report = arrowmig.migrate(bets_db, target)
    assert report.ok and report.rows == 2050, str(report.to_dict())
    assert rows_of(target, "bets", "id") == sqlite_rows(bets_db, "bets", "id")
    bets = next(t for t in report.tables if t.name == "bets")
    assert "primary key (id)" in bets.built and "index bets_player" in bets.built
    assert report.skipped_views == ["big_bets"]
    con = duckdb.connect(target, read_only=True)
    assert con.execute(
        "SELECT count(*) FROM duckdb_indexes() WHERE index_name = 'bets_player'"
    ).fetchone() == (1,)
    con.close()


def test_python_api_takes_one_table_name_and_size_strings(bets_db: str, tmp_path: Path) -> None:
    target = str(tmp_path / "w.duckdb")
    config = arrowmig.MigrationConfig(
        max_memory="16MiB", batch=arrowmig.BatchConfig(batch_bytes="64KiB")
    )
    assert (config.max_memory, config.batch.batch_bytes) == (16 * 1024**2, 64 * 1024)
    report = arrowmig.migrate(bets_db, target, tables="bets", config=config)
    assert [t.name for t in report.tables] == ["bets"] and report.rows == 2000
    with pytest.raises(arrowmig.UsageError, match="max_memory must be a number of bytes"):
        arrowmig.MigrationConfig(max_memory=1.5e9)  # type: ignore[arg-type]
    with pytest.raises(arrowmig.UsageError, match=r"tables= and config\.tables"):
        arrowmig.migrate(
            bets_db,
            str(tmp_path / "x.duckdb"),
            tables=["bets"],
            config=arrowmig.MigrationConfig(tables=("players",)),
        )
    assert not (tmp_path / "x.duckdb").exists()


def test_a_progress_callback_that_raises_reaches_the_caller(bets_db: str, tmp_path: Path) -> None:
    """The run is not the worse for it (no table fails); the caller gets its exception."""
    target = str(tmp_path / "w.duckdb")
    seen: list[str] = []

    def callback(event: arrowmig.Event) -> None:
        seen.append(event.event)
        if event.event == "table_done":
            raise RuntimeError("boom in callback")

    with pytest.raises(RuntimeError, match="boom in callback") as err:
        arrowmig.migrate(bets_db, target, progress=callback)
    assert "raised by the progress callback at the 'table_done' event" in err.value.__notes__[0]
    assert seen.count("table_done") == 1  # not called again
    assert rows_of(target, "bets", "id") == sqlite_rows(bets_db, "bets", "id")
    assert rows_of(target, "players", "id") == sqlite_rows(bets_db, "players", "id")


class _BrokenDashboard:
    """A progress sink (an object with ``emit``) whose dashboard went away mid-run."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def emit(self, event: arrowmig.Event) -> None:
        self.seen.append(event.event)
        if event.event == "progress":
            raise ValueError("dashboard gone")


def test_a_progress_sink_that_raises_fails_no_table_and_reaches_the_caller(
    bets_db: str, tmp_path: Path
) -> None:
    """As a callback: it failed every table with a bare 'ValueError: dashboard gone'."""
    target = str(tmp_path / "w.duckdb")
    sink = _BrokenDashboard()
    config = arrowmig.MigrationConfig(batch=arrowmig.BatchConfig(batch_rows=500))
    with pytest.raises(ValueError, match="dashboard gone") as err:
        arrowmig.migrate(bets_db, target, config=config, progress=sink)
    assert (
        "raised by the progress sink _BrokenDashboard at the 'progress' event"
        in err.value.__notes__[0]
    )
    assert sink.seen[-1] == "progress" and sink.seen.count("progress") == 1  # not called again
    assert rows_of(target, "bets", "id") == sqlite_rows(bets_db, "bets", "id")
    assert rows_of(target, "players", "id") == sqlite_rows(bets_db, "players", "id")
    # generate() and verify() alike: the caller gets it once the call is over.
    generated = str(tmp_path / "g.duckdb")
    with pytest.raises(ValueError, match="dashboard gone"):
        arrowmig.generate(
            generated, tables=["large_players"], rows={"large_players": 5000}, progress=sink
        )
    assert len(rows_of(generated, "large_players")) == 5000

    def on_start(event: arrowmig.Event) -> None:
        if event.event == "start":
            raise ValueError("callback gone")

    with pytest.raises(ValueError, match="callback gone"):
        arrowmig.verify(bets_db, target, progress=on_start)


@pytest.mark.postgres
def test_the_error_event_of_a_table_failed_mid_way_counts_its_committed_rows(
    tmp_path: Path, pg_url: str
) -> None:
    """README (JSON events): rows and bytes are the table's committed so far; the error event
    said 0 for a table that kept 499 rows (the rows before the one its CHECK refuses)."""
    source = str(tmp_path / "s.db")
    con = sqlite3.connect(source)
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)")
    con.executemany("INSERT INTO t VALUES (?, ?)", [(i, i) for i in range(1, 1001)])
    con.commit()
    con.close()
    with psycopg.connect(pg_url, autocommit=True) as pc:
        pc.execute("CREATE TABLE t (id int PRIMARY KEY, v int CHECK (v < 500))")
    events: list[arrowmig.Event] = []
    config = arrowmig.MigrationConfig(
        mode="append", batch=arrowmig.BatchConfig(batch_rows=100), parallel=1
    )
    report = arrowmig.migrate(source, pg_url, config=config, progress=events.append)
    (table,) = report.tables
    assert table.status == "failed" and table.rows == 499 == len(pg_rows(pg_url, "t"))
    (error,) = [e for e in events if e.event == "error"]
    progress = [e for e in events if e.event == "progress"]
    assert (error.rows, error.bytes) == (499, progress[-1].bytes) and error.bytes > 0


@pytest.mark.postgres
def test_sqlite_to_postgres_keeps_types_not_null_keys_and_foreign_keys(
    bets_db: str, pg_url: str
) -> None:
    report = arrowmig.migrate(bets_db, pg_url)
    assert report.ok, [t.error for t in report.tables]
    assert pg_rows(pg_url, "bets", "id") == sqlite_rows(bets_db, "bets", "id")
    cols = pg_columns(pg_url, "players")
    assert cols == [
        ("id", "bigint", True),
        ("name", "text", True),
        ("rating", "double precision", False),
    ]
    # VARCHAR(4) that SQLite never enforced must not truncate: 'lost-long' is 9 characters.
    assert "text" in dict((c, t) for c, t, _ in pg_columns(pg_url, "bets"))["status"]
    with psycopg.connect(pg_url) as con:
        kinds = {
            r[0]
            for r in con.execute(
                "SELECT contype FROM pg_constraint WHERE conrelid = 'bets'::regclass"
            )
        }
    assert {"p", "f"} <= kinds


@pytest.mark.postgres
def test_a_child_whose_parent_failed_names_the_parent(tmp_path: Path, pg_url: str) -> None:
    """Into existing tables whose foreign keys are checked as rows arrive, a child loads after
    its parent; when the parent failed, the child's key violation names it as the cause."""
    src = make_sqlite(
        tmp_path / "s.db",
        "CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT);"
        "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent(id));",
        {"parent": [(1, "ok"), (2, "nul\x00")], "child": [(1, 1), (2, 2)]},
    )
    pg_exec(
        pg_url,
        "CREATE TABLE parent (id bigint PRIMARY KEY, name text)",
        "CREATE TABLE child (id bigint PRIMARY KEY, parent_id bigint REFERENCES parent (id))",
    )
    report = arrowmig.migrate(src, pg_url, config=arrowmig.MigrationConfig(mode="truncate"))
    by_name = {t.name: t for t in report.tables}
    assert by_name["parent"].status == "failed"
    assert by_name["child"].status == "failed"
    assert "did not arrive: parent failed" in str(by_name["child"].error)


@pytest.mark.postgres
def test_a_url_without_a_host_reaches_the_local_server_by_its_socket(
    bets_db: str, pg_url: str
) -> None:
    """psql users write postgresql:///db; Debian's server keeps its socket in
    /var/run/postgresql, where the ADBC driver's own libpq does not look."""
    parts = urlsplit(pg_url)
    port = parts.port or 5432
    if parts.hostname not in ("127.0.0.1", "localhost") or not any(
        os.path.exists(f"{d}/.s.PGSQL.{port}") for d in SOCKET_DIRECTORIES
    ):
        pytest.skip("the test server keeps no socket in a distribution's directory")
    local = f"postgresql://{parts.username}@{parts.path}?port={port}"
    report = arrowmig.migrate(bets_db, local)
    assert report.ok, [t.error for t in report.tables]
    assert pg_rows(pg_url, "bets", "id") == sqlite_rows(bets_db, "bets", "id")
    assert arrowmig.verify(bets_db, local).ok


@pytest.mark.postgres
@pytest.mark.parametrize("mode", ["create", "replace"])
def test_no_keys_loads_rows_only_and_says_what_it_left_unbuilt(
    bets_db: str, pg_url: str, mode: str
) -> None:
    config = arrowmig.MigrationConfig(mode=mode, keys=False, split_rows=500)
    report = arrowmig.migrate(bets_db, pg_url, config=config)
    assert report.ok, [t.error for t in report.tables]
    assert pg_rows(pg_url, "bets", "id") == sqlite_rows(bets_db, "bets", "id")
    with psycopg.connect(pg_url) as con:
        indexes = con.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename IN ('bets', 'players')"
        ).fetchall()
        constraints = con.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid IN ('bets'::regclass, 'players'::regclass)"
            " AND contype IN ('p', 'u', 'f')"
        ).fetchall()
    assert indexes == [] and constraints == []
    bets = next(t for t in report.tables if t.name == "bets")
    assert bets.built == []
    assert "not built (keys=False): primary key (id), index bets_player" in bets.notes
    assert "foreign key (player_id) -> players skipped (keys=False)" in bets.notes


@pytest.mark.postgres
@pytest.mark.parametrize("mode", ["create", "replace"])
def test_tables_are_analysed_unless_no_analyze(bets_db: str, pg_url: str, mode: str) -> None:
    # ANALYZE writes pg_statistic in its own transaction: the rows are there at once (the
    # activity counters in pg_stat_user_tables are not).
    statistics = "SELECT count(*) FROM pg_stats WHERE schemaname = 'public' AND tablename = 'bets'"
    config = arrowmig.MigrationConfig(mode=mode, split_rows=500)
    report = arrowmig.migrate(bets_db, pg_url, config=config)
    assert report.ok, failures(report)
    with psycopg.connect(pg_url) as con:
        analysed = con.execute(statistics).fetchone()
    assert analysed is not None and analysed[0] > 0
    config = arrowmig.MigrationConfig(mode="replace", analyze=False, split_rows=500)
    report = arrowmig.migrate(bets_db, pg_url, config=config)  # a new table, not analysed
    assert report.ok, failures(report)
    with psycopg.connect(pg_url) as con:
        assert con.execute(statistics).fetchone() == (0,)


@pytest.mark.postgres
def test_a_table_the_user_may_not_read_is_named_before_anything_is_written(
    pg_url: str, tmp_path: Path
) -> None:
    # It stopped the run with "unexpected ProgrammingError" and a raw COPY statement.
    role = f"arrowmig_reader_{uuid.uuid4().hex[:8]}"
    pg_exec(
        pg_url,
        "CREATE TABLE secret (id int PRIMARY KEY); CREATE TABLE open_t (id int);"
        "INSERT INTO open_t VALUES (1)",
        f"CREATE ROLE {role} LOGIN",
        f"GRANT SELECT ON open_t TO {role}",
    )
    as_reader = as_role(pg_url, role)
    target = tmp_path / "out.duckdb"
    try:
        with pytest.raises(SchemaError) as refused:
            arrowmig.migrate(as_reader, str(target))
        assert "no permission to read table 'secret'" in str(refused.value)
        assert "exclude='secret'" in str(refused.value)
        assert not target.exists()
        config = arrowmig.MigrationConfig(exclude=("secret",))
        assert arrowmig.migrate(as_reader, str(target), config=config).ok
    finally:
        pg_exec(pg_url, f"DROP OWNED BY {role}", f"DROP ROLE {role}")


@pytest.mark.postgres
def test_a_user_who_may_create_tables_but_not_schemas_can_load(pg_url: str, bets_db: str) -> None:
    # CREATE SCHEMA IF NOT EXISTS "public" needs CREATE on the database even though public
    # exists: such a user was refused. Without CREATE on the schema either, the error says
    # what to grant.
    role = f"arrowmig_writer_{uuid.uuid4().hex[:8]}"
    pg_exec(pg_url, f"CREATE ROLE {role} LOGIN")
    as_writer = as_role(pg_url, role)
    try:
        with pytest.raises(SchemaError) as refused:
            arrowmig.migrate(bets_db, as_writer)
        assert f"user '{role}' may not create tables in schema 'public'" in str(refused.value)
        assert f'GRANT CREATE ON SCHEMA "public" TO "{role}"' in str(refused.value)
        pg_exec(pg_url, f"GRANT CREATE ON SCHEMA public TO {role}")
        report = arrowmig.migrate(bets_db, as_writer)
        assert report.ok, [t.error for t in report.tables]
    finally:
        pg_exec(pg_url, f"DROP OWNED BY {role}", f"DROP ROLE {role}")


@pytest.mark.postgres
def test_a_new_target_schema_without_create_on_the_database_names_that_privilege(
    pg_url: str, bets_db: str
) -> None:
    # It was answered with "e.g. GRANT CREATE ON SCHEMA public", which does not help.
    role = f"arrowmig_writer_{uuid.uuid4().hex[:8]}"
    pg_exec(pg_url, f"CREATE ROLE {role} LOGIN")
    as_writer = as_role(pg_url, role)
    config = arrowmig.MigrationConfig(target_schema="newschema")
    try:
        with pytest.raises(SchemaError) as refused:
            arrowmig.migrate(bets_db, as_writer, config=config)
        database = urlsplit(pg_url).path.lstrip("/")
        assert f'GRANT CREATE ON DATABASE "{database}" TO "{role}"' in str(refused.value)
        assert "ON SCHEMA public" not in str(refused.value)
        pg_exec(pg_url, f'GRANT CREATE ON DATABASE "{database}" TO {role}')
        assert arrowmig.migrate(bets_db, as_writer, config=config).ok
    finally:
        pg_exec(pg_url, f"DROP OWNED BY {role}", f"DROP ROLE {role}")


def test_an_empty_source_says_there_was_nothing_to_copy(tmp_path: Path) -> None:
    source = tmp_path / "empty.db"
    sqlite3.connect(source).execute("VACUUM")
    report = arrowmig.migrate(str(source), str(tmp_path / "out.duckdb"))
    assert report.ok and report.tables == []
    assert report.notes == [f"nothing to copy: {source} holds no tables"]


@pytest.mark.postgres
def test_a_schema_that_is_not_there_in_an_empty_database_is_nothing_to_copy(
    tmp_path: Path, pg_url: str
) -> None:
    config = arrowmig.MigrationConfig(source_schema="nosuch")
    report = arrowmig.migrate(pg_url, str(tmp_path / "out.db"), config=config)
    assert report.ok and report.tables == []
    assert report.notes == [f"nothing to copy: schema 'nosuch' of {pg_url} holds no tables"]


def test_no_keys_into_sqlite_declares_no_primary_key(bets_db: str, tmp_path: Path) -> None:
    target = str(tmp_path / "t.db")
    report = arrowmig.migrate(bets_db, target, config=arrowmig.MigrationConfig(keys=False))
    assert report.ok and sqlite_rows(target, "bets", "id") == sqlite_rows(bets_db, "bets", "id")
    con = sqlite3.connect(target)
    assert con.execute("SELECT max(pk) FROM pragma_table_info('bets')").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM pragma_index_list('bets')").fetchone() == (0,)
    con.close()


def test_create_mode_refuses_before_writing_anything(bets_db: str, tmp_path: Path) -> None:
    target = tmp_path / "w.db"
    make_sqlite(target, "CREATE TABLE bets (x INTEGER);")
    with pytest.raises(SchemaError, match="already exists"):
        arrowmig.migrate(bets_db, str(target))
    con = sqlite3.connect(target)
    names = {r[0] for r in con.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")}
    con.close()
    assert names == {"bets"}, "players must not have been created"


def test_replace_truncate_and_append(bets_db: str, tmp_path: Path) -> None:
    target = str(tmp_path / "w.duckdb")
    arrowmig.migrate(bets_db, target, tables=["players"])
    cfg = arrowmig.MigrationConfig
    again = arrowmig.migrate(bets_db, target, tables=["players"], config=cfg(mode="append"))
    # Appending the same keys again violates the primary key: loud, and nothing doubled.
    assert not again.ok and "key" in (again.tables[0].error or "").lower()
    assert len(rows_of(target, "players")) == 50
    arrowmig.migrate(bets_db, target, tables=["players"], config=cfg(mode="truncate"))
    assert len(rows_of(target, "players")) == 50
    arrowmig.migrate(bets_db, target, tables=["players"], config=cfg(mode="replace"))
    assert rows_of(target, "players", "id") == sqlite_rows(bets_db, "players", "id")


def test_append_to_incompatible_table_is_refused_before_writing(
    bets_db: str, tmp_path: Path
) -> None:
    target = tmp_path / "w.db"
    make_sqlite(target, "CREATE TABLE players (id INTEGER, nickname TEXT);")
    with pytest.raises(SchemaError, match="columns only in the source: "):
        arrowmig.migrate(
            bets_db, str(target), tables=["players"], config=arrowmig.MigrationConfig(mode="append")
        )
    assert sqlite_rows(target, "players") == []


@pytest.mark.parametrize("target_name", ["w.db", "w.duckdb"])
def test_append_leaves_target_only_columns_to_the_target(tmp_path: Path, target_name: str) -> None:
    # An application's table often has columns the source lacks (created_at DEFAULT now,
    # a nullable note): they take their default or NULL. A NOT NULL one without a default
    # has no value to take: refused before anything is written.
    src = make_sqlite(
        tmp_path / "s.db",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);",
        {"t": [(1, "a"), (2, "b")]},
    )
    target = tmp_path / target_name
    ddl = (
        "CREATE TABLE t (id BIGINT PRIMARY KEY, origin TEXT DEFAULT 'import', name TEXT, note TEXT)"
    )
    strict = "CREATE TABLE t (id BIGINT PRIMARY KEY, name TEXT, owner TEXT NOT NULL)"
    append = arrowmig.MigrationConfig(mode="append")
    for sql in (ddl, strict):
        if target_name.endswith(".db"):
            make_sqlite(target, f"DROP TABLE IF EXISTS t; {sql};")
        else:
            con = duckdb.connect(str(target))
            con.execute(f"DROP TABLE IF EXISTS t; {sql}")
            con.close()
        if sql is strict:
            with pytest.raises(SchemaError, match=r"NOT NULL without a default.*: owner"):
                arrowmig.migrate(src, str(target), config=append)
            assert rows_of(str(target), "t") == []
        else:
            report = arrowmig.migrate(src, str(target), config=append)
            assert report.ok, str(report.to_dict())
            assert "left to the target (NULL, their default or identity): origin, note" in (
                " ".join(report.tables[0].notes)
            )
            assert sorted(rows_of(str(target), "t")) == [
                (1, "import", "a", None),
                (2, "import", "b", None),
            ]


def test_append_into_existing_narrower_types_casts_exactly(tmp_path: Path) -> None:
    src = make_sqlite(
        tmp_path / "s.db", "CREATE TABLE t (a INTEGER, b TEXT);", {"t": [(1, "x"), (2, "y")]}
    )
    target = str(tmp_path / "w.duckdb")
    con = duckdb.connect(target)
    con.execute("CREATE TABLE t (b VARCHAR, a INTEGER)")  # other order, narrower integer
    con.close()
    report = arrowmig.migrate(src, target, config=arrowmig.MigrationConfig(mode="append"))
    assert report.ok
    assert sorted(rows_of(target, "t")) == [("x", 1), ("y", 2)]


DJANGO_SQLITE = """
    CREATE TABLE "shop_order" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
        "qty" integer NOT NULL, "rank" smallint unsigned NOT NULL, "code" varchar(10) NOT NULL,
        "total" decimal NOT NULL, "placed" datetime NOT NULL, "day" date NOT NULL,
        "paid" bool NOT NULL, "ref" char(32) NOT NULL, "data" text NOT NULL, "score" real NOT NULL);
"""
DJANGO_POSTGRES = """
    CREATE TABLE "shop_order" ("id" bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY,
        "qty" integer NOT NULL, "rank" smallint NOT NULL CHECK ("rank" >= 0),
        "code" varchar(10) NOT NULL, "total" numeric(10, 2) NOT NULL,
        "placed" timestamp with time zone NOT NULL, "day" date NOT NULL, "paid" boolean NOT NULL,
        "ref" uuid NOT NULL, "data" jsonb NOT NULL, "score" double precision NOT NULL);
"""


@pytest.mark.postgres
def test_append_into_the_schema_django_made(tmp_path: Path, pg_url: str) -> None:
    # A Django site moves from SQLite to PostgreSQL: `manage.py migrate` creates the tables,
    # then the rows are appended. SQLite holds the prices as reals (decimal has numeric
    # affinity), the UUIDs as 32 hex digits, JSON as text, datetimes as naive UTC text.
    src = make_sqlite(
        tmp_path / "site.db",
        DJANGO_SQLITE,
        {
            "shop_order": [
                (1, 1, 2, "A1", "12.50", "2024-01-02 03:04:05.123456", "2024-01-02", 1,
                 "550e8400e29b41d4a716446655440000", '{"a": 1}', 0.5),
                (2, 3, 0, "B2", "7", "2024-01-02 03:04:05", "2024-01-03", 0,
                 "6ba7b8109dad11d180b400c04fd430c8", "[1, 2]", 1e-3),
            ]
        },
    )  # fmt: skip
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute(DJANGO_POSTGRES)
    report = arrowmig.migrate(src, pg_url, config=arrowmig.MigrationConfig(mode="append"))
    assert report.ok, report.to_dict()
    assert (
        "placed: timestamps without a time zone appended into a column with one: taken as UTC"
        in (" ".join(report.tables[0].notes))
    )
    utc = dt.UTC
    assert pg_rows(pg_url, "shop_order", "id") == [
        (1, 1, 2, "A1", Decimal("12.50"), dt.datetime(2024, 1, 2, 3, 4, 5, 123456, utc),
         dt.date(2024, 1, 2), True, uuid.UUID("550e8400e29b41d4a716446655440000"), {"a": 1}, 0.5),
        (2, 3, 0, "B2", Decimal("7.00"), dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=utc),
         dt.date(2024, 1, 3), False, uuid.UUID("6ba7b8109dad11d180b400c04fd430c8"), [1, 2], 1e-3),
    ]  # fmt: skip
    assert arrowmig.verify(src, pg_url).ok


@pytest.mark.parametrize("kind", ["duckdb", "postgresql"])
def test_append_never_rounds_into_the_targets_types(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    # Each value must arrive as it is: 0.1 + 0.2 is no decimal of two places, 70000 no
    # smallint, and 0.1 no float4. The run stops and names the first; reject sets them aside.
    src = make_sqlite(
        tmp_path / "s.db",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, price REAL, n INTEGER, r REAL);",
        {"t": [(1, 0.99, 7, 0.5), (2, 0.1 + 0.2, 7, 0.5), (3, 1.5, 70000, 0.5), (4, 2.0, 1, 0.1)]},
    )
    ddl = "CREATE TABLE t (id BIGINT PRIMARY KEY, price DECIMAL(10,2), n SMALLINT, r FLOAT4)"
    if kind == "postgresql":
        target = request.getfixturevalue("pg_url")
        with psycopg.connect(target, autocommit=True) as con:
            con.execute(ddl)
    else:
        target = str(tmp_path / "w.duckdb")
        con = duckdb.connect(target)
        con.execute(ddl)
        con.close()
    # 70000 is found before anything is written; the others as each batch is screened.
    with pytest.raises(SchemaError, match=r"'n' holds integers from 1 to 70,000.*\(id 3: 70000\)"):
        arrowmig.migrate(src, target, config=arrowmig.MigrationConfig(mode="append"))
    assert rows_of(target, "t") == []
    rejects = tmp_path / "rejects"
    config = arrowmig.MigrationConfig(mode="append", on_error="reject", reject_dir=str(rejects))
    report = arrowmig.migrate(src, target, config=config)
    assert report.tables[0].rejected == 3
    assert rows_of(target, "t") == [(1, Decimal("0.99"), 7, 0.5)]
    assert (rejects / "t.jsonl").read_text().count("value does not fit") == 3


@pytest.mark.postgres
def test_append_takes_a_cast_first(tmp_path: Path, pg_url: str) -> None:
    # An older Rails app wrote booleans to SQLite as 't'/'f'; Rails made the PostgreSQL column
    # boolean. --cast converts the words, then the values go in; verify knows the words too.
    src = make_sqlite(
        tmp_path / "rails.db",
        "CREATE TABLE posts (id integer PRIMARY KEY AUTOINCREMENT NOT NULL, published boolean);",
        {"posts": [(1, "t"), (2, "f"), (3, None)]},
    )
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("CREATE TABLE posts (id bigserial PRIMARY KEY, published boolean)")
    append = arrowmig.MigrationConfig(mode="append")
    wanted = (
        r"'published' is text in the source but boolean in the target \(casts=\{'posts\.published'"
    )
    with pytest.raises(SchemaError, match=wanted):
        arrowmig.migrate(src, pg_url, config=append)
    cast = arrowmig.MigrationConfig(mode="append", casts=(("posts", "published", "boolean"),))
    assert arrowmig.migrate(src, pg_url, config=cast).ok
    assert pg_rows(pg_url, "posts", "id") == [(1, True), (2, False), (3, None)]
    assert arrowmig.verify(src, pg_url).ok
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("UPDATE posts SET published = true WHERE id = 2")
    assert not arrowmig.verify(src, pg_url).ok


@pytest.mark.postgres
def test_append_names_text_longer_than_the_targets_varchar(tmp_path: Path, pg_url: str) -> None:
    # SQLite never enforced varchar(3); PostgreSQL refuses 'abcd' (the whole batch) and cuts
    # 'ab   ' to 'ab ' without a word. Both are named: before anything is written, and per
    # row when the others load.
    src = make_sqlite(
        tmp_path / "v.db",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, code varchar(3));",
        {"t": [(1, "abc"), (2, "abcd"), (3, "ab   "), (4, "é€x")]},
    )
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("CREATE TABLE t (id bigint PRIMARY KEY, code varchar(3))")
    with pytest.raises(SchemaError, match=r"up to 5 characters.*varying\(3\) \(id 2: 'abcd'\)"):
        arrowmig.migrate(src, pg_url, config=arrowmig.MigrationConfig(mode="append"))
    rejects = tmp_path / "rejects"
    config = arrowmig.MigrationConfig(mode="append", on_error="reject", reject_dir=str(rejects))
    assert arrowmig.migrate(src, pg_url, config=config).tables[0].rejected == 2
    assert pg_rows(pg_url, "t", "id") == [(1, "abc"), (4, "é€x")]


@pytest.mark.postgres
def test_append_reads_date_and_time_texts_into_typed_columns(tmp_path: Path, pg_url: str) -> None:
    # Northwind's OrderDate mixes '1996-07-04' and '1996-07-04 00:00:00.000': kept as text, then
    # appended into an application's timestamp columns, each text parsed exactly or named.
    src = make_sqlite(
        tmp_path / "o.db",
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, at DATETIME, seen DATETIME, day DATE);",
        {
            "orders": [
                (1, "1996-07-04", "1996-07-04 10:00:00+02:00", "1996-07-04"),
                (2, "1996-07-05 12:30:00.000", "1996-07-05 12:30:00", "1996-07-05"),
                (3, "07/06/1996", None, "1996-07-06 00:00:00"),
                (4, "1996-07-07", "1996-07-07", "1996-07-07"),
            ]
        },
    )
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute(
            "CREATE TABLE orders (id bigint PRIMARY KEY, at timestamp, seen timestamptz, day date)"
        )
    rejects = tmp_path / "rejects"
    config = arrowmig.MigrationConfig(mode="append", on_error="reject", reject_dir=str(rejects))
    report = arrowmig.migrate(src, pg_url, config=config)
    assert "seen: timestamp texts appended into a column with a time zone" in " ".join(
        report.tables[0].notes
    )
    utc = dt.UTC
    assert pg_rows(pg_url, "orders", "id") == [
        (1, dt.datetime(1996, 7, 4), dt.datetime(1996, 7, 4, 8, tzinfo=utc), dt.date(1996, 7, 4)),
        (2, dt.datetime(1996, 7, 5, 12, 30), dt.datetime(1996, 7, 5, 12, 30, tzinfo=utc),
         dt.date(1996, 7, 5)),
        (4, dt.datetime(1996, 7, 7), dt.datetime(1996, 7, 7, tzinfo=utc), dt.date(1996, 7, 7)),
    ]  # fmt: skip
    # '07/06/1996' is no ISO date: named, not guessed at ('1996-07-06 00:00:00' is a date at
    # midnight, as PostgreSQL reads it; row 3 is set aside whole, for its first column).
    (line,) = (rejects / "orders.jsonl").read_text().splitlines()
    assert '"key": {"id": 3}' in line and line.count("does not fit") == 1
    assert '"column": "at"' in line


@pytest.mark.postgres
def test_append_into_a_sqlite_schema_django_made_takes_values_as_they_come(
    tmp_path: Path, pg_url: str
) -> None:
    # Refreshing a development copy from production: PostgreSQL into the SQLite schema Django
    # made. SQLite's declared types are affinities (decimal, datetime, date hold anything);
    # the rows are written as in a created table. A STRICT table's types still hold.
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute(DJANGO_POSTGRES)
        con.execute(
            "INSERT INTO shop_order VALUES (1, 1, 2, 'A1', 12.50, '2024-01-02 03:04:05+00', "
            "'2024-01-02', true, '550e8400-e29b-41d4-a716-446655440000', '{\"a\": 1}', 0.5)"
        )
        con.execute("CREATE TABLE strict_t (id bigint PRIMARY KEY, v double precision)")
        con.execute("INSERT INTO strict_t VALUES (1, 1.5)")
    dev = tmp_path / "dev.db"
    make_sqlite(
        dev, DJANGO_SQLITE + "CREATE TABLE strict_t (id INTEGER PRIMARY KEY, v INTEGER) STRICT;"
    )
    append = arrowmig.MigrationConfig(mode="append")
    report = arrowmig.migrate(pg_url, str(dev), tables=["shop_order"], config=append)
    assert report.ok, report.to_dict()
    con = sqlite3.connect(dev)
    try:
        row = con.execute("SELECT total, typeof(total), placed, day FROM shop_order").fetchone()
    finally:
        con.close()
    assert row == (12.5, "real", "2024-01-02 03:04:05+00:00", "2024-01-02")
    assert arrowmig.verify(pg_url, str(dev), tables=["shop_order"]).ok
    # Refused before anything is written (the append's check of the values), not mid-load.
    with pytest.raises(arrowmig.SchemaError) as refused:
        arrowmig.migrate(pg_url, str(dev), tables=["strict_t"], config=append)
    assert "value does not fit the target column's type (bigint) exactly: 1.5" in str(refused.value)
    assert "nothing written" in str(refused.value)


@pytest.mark.postgres
def test_append_writes_numbers_into_text_and_unbounded_numeric_exactly(
    tmp_path: Path, pg_url: str
) -> None:
    # Rails' `t.decimal :amount` without precision is an unbounded numeric in PostgreSQL,
    # which travels as text: each real goes as its shortest round-trip text. An integer into
    # a text column goes as its digits.
    src = make_sqlite(
        tmp_path / "r.db",
        "CREATE TABLE pay (id integer PRIMARY KEY, amount decimal, zip integer);",
        {"pay": [(1, "12.50", 12345), (2, 0.1 + 0.2, 501), (3, 7, None)]},
    )
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("CREATE TABLE pay (id bigint PRIMARY KEY, amount numeric, zip text)")
    assert arrowmig.migrate(src, pg_url, config=arrowmig.MigrationConfig(mode="append")).ok
    assert pg_rows(pg_url, "pay", "id") == [
        (1, Decimal("12.5"), "12345"),
        (2, Decimal("0.30000000000000004"), "501"),
        (3, Decimal("7"), None),
    ]
    assert arrowmig.verify(src, pg_url).ok


@pytest.mark.parametrize("mode", ["create", "append"])
def test_a_boolean_cast_into_sqlite_writes_0_and_1(tmp_path: Path, mode: str) -> None:
    # The cast's words ('t'/'f') went to SQLite through a plain text-to-integer cast, which
    # failed the table; into a table that takes any value, the cast applies just the same.
    src = make_sqlite(
        tmp_path / "r.db",
        "CREATE TABLE posts (id integer PRIMARY KEY, published boolean);",
        {"posts": [(1, "t"), (2, "F"), (3, None)]},
    )
    target = tmp_path / "out.db"
    if mode == "append":
        make_sqlite(target, "CREATE TABLE posts (id integer PRIMARY KEY, published boolean);")
    config = arrowmig.MigrationConfig(mode=mode, casts=(("posts", "published", "boolean"),))
    assert arrowmig.migrate(src, str(target), config=config).ok
    assert sqlite_rows(str(target), "posts", "id") == [(1, 1), (2, 0), (3, None)]
    assert arrowmig.verify(src, str(target)).ok


BLOG_SQLITE = """
    CREATE TABLE auth_user (id integer NOT NULL PRIMARY KEY AUTOINCREMENT, username text NOT NULL);
    CREATE TABLE blog_post (id integer NOT NULL PRIMARY KEY AUTOINCREMENT, title text NOT NULL,
        author_id integer NOT NULL REFERENCES auth_user (id) DEFERRABLE INITIALLY DEFERRED);
"""
BLOG_POSTGRES = """
    CREATE TABLE auth_user (id integer PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY,
        username text NOT NULL);
    CREATE TABLE blog_post (id bigint PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY,
        title text NOT NULL, author_id integer NOT NULL REFERENCES auth_user (id));
    INSERT INTO auth_user (username) VALUES ('admin');
    INSERT INTO blog_post (title, author_id) VALUES ('welcome', 1);
"""


@pytest.mark.postgres
@pytest.mark.parametrize("mode", ["truncate", "append"])
def test_loading_into_tables_whose_foreign_keys_the_target_checks(
    tmp_path: Path, pg_url: str, mode: str
) -> None:
    # The application's tables check their foreign keys as each batch commits: the posts
    # (more rows, so scheduled first) wait for their authors. --mode truncate empties both in
    # one TRUNCATE (PostgreSQL refuses to empty auth_user alone), and neither table gets a
    # second copy of its foreign key.
    src = make_sqlite(
        tmp_path / "blog.db",
        BLOG_SQLITE,
        {
            "auth_user": [(2, "ann"), (3, "bob")],
            "blog_post": [(i, f"p{i}", 2 + i % 2) for i in range(2, 40)],
        },
    )
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute(BLOG_POSTGRES)
    config = arrowmig.MigrationConfig(mode=mode, parallel=1)
    planned = {t.source.name: t for t in explain(src, pg_url, config=config).tables}
    assert planned["blog_post"].waits_for == ("auth_user",)
    assert planned["blog_post"].to_dict("postgresql")["waits_for"] == ["auth_user"]
    report = arrowmig.migrate(src, pg_url, config=config)
    assert report.ok, report.to_dict()
    posts = next(t for t in report.tables if t.name == "blog_post")
    assert "loads after auth_user: the target checks its foreign keys" in posts.notes
    kept = [(1, "admin")] if mode == "append" else []
    assert pg_rows(pg_url, "auth_user", "id") == [*kept, (2, "ann"), (3, "bob")]
    assert len(pg_rows(pg_url, "blog_post")) == 38 + len(kept)
    with psycopg.connect(pg_url) as con:
        keys = con.execute(
            "SELECT count(*) FROM pg_constraint WHERE conrelid = 'blog_post'::regclass "
            "AND contype = 'f'"
        ).fetchone()
    assert keys == (1,)


@pytest.mark.postgres
def test_a_truncate_run_looks_for_foreign_keys_into_its_tables_once(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The run looked before it recorded itself, then again as it emptied the tables: a
    # catalog query over every table, twice.
    from arrowmig.endpoints import pg_replace

    src = make_sqlite(tmp_path / "blog.db", BLOG_SQLITE, {"auth_user": [(2, "ann")]})
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute(BLOG_POSTGRES)
        con.execute("DELETE FROM blog_post")
    looked: list[list[str]] = []
    check = pg_replace.check_emptying
    monkeypatch.setattr(
        pg_replace,
        "check_emptying",
        lambda query, schema, names, apart: (
            looked.append(sorted(names)) or check(query, schema, names, apart)
        ),
    )
    report = arrowmig.migrate(src, pg_url, config=arrowmig.MigrationConfig(mode="truncate"))
    assert report.ok, report.to_dict()
    assert looked == [["auth_user", "blog_post"]]
    assert pg_rows(pg_url, "auth_user") == [(2, "ann")]


def test_appending_into_duckdb_tables_whose_foreign_keys_it_checks(tmp_path: Path) -> None:
    # DuckDB checks a foreign key as each row arrives: the posts wait for their authors.
    src = make_sqlite(
        tmp_path / "blog.db",
        BLOG_SQLITE,
        {
            "auth_user": [(2, "ann"), (3, "bob")],
            "blog_post": [(i, f"p{i}", 2 + i % 2) for i in range(2, 40)],
        },
    )
    target = str(tmp_path / "app.duckdb")
    con = duckdb.connect(target)
    con.execute("CREATE TABLE auth_user (id BIGINT PRIMARY KEY, username VARCHAR NOT NULL)")
    con.execute(
        "CREATE TABLE blog_post (id BIGINT PRIMARY KEY, title VARCHAR NOT NULL, "
        "author_id BIGINT NOT NULL REFERENCES auth_user (id))"
    )
    con.close()
    config = arrowmig.MigrationConfig(mode="append", parallel=1)
    report = arrowmig.migrate(src, target, config=config)
    assert report.ok, report.to_dict()
    assert len(rows_of(target, "blog_post")) == 38


@pytest.mark.postgres
def test_append_through_staging_into_an_always_identity(tmp_path: Path, pg_url: str) -> None:
    # A table without an integer key loads through a staging table, put in place with INSERT
    # ... SELECT, which a GENERATED ALWAYS identity refuses unless told to take the values.
    src = make_sqlite(
        tmp_path / "w.db",
        "CREATE TABLE g (id INTEGER, v TEXT PRIMARY KEY) WITHOUT ROWID;",
        {"g": [(5, "a"), (7, "b")]},
    )
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("CREATE TABLE g (id int GENERATED ALWAYS AS IDENTITY, v text PRIMARY KEY)")
    assert arrowmig.migrate(src, pg_url, config=arrowmig.MigrationConfig(mode="append")).ok
    assert pg_rows(pg_url, "g", "id") == [(5, "a"), (7, "b")]


@pytest.mark.postgres
def test_truncate_refuses_to_empty_a_table_another_table_points_at(
    tmp_path: Path, pg_url: str
) -> None:
    src = make_sqlite(tmp_path / "blog.db", BLOG_SQLITE, {"auth_user": [(2, "ann")]})
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute(BLOG_POSTGRES)
    config = arrowmig.MigrationConfig(mode="truncate")
    with pytest.raises(
        SchemaError, match="blog_post, which this run does not load, has a foreign"
    ) as refused:
        arrowmig.migrate(src, pg_url, tables=["auth_user"], config=config)
    assert pg_rows(pg_url, "auth_user") == [(1, "admin")]  # nothing emptied
    # Its way out works (the advice to empty blog_post first did not: TRUNCATE refuses a
    # referenced table whatever the referencing one holds).
    drop_key = re.search(r"\((ALTER TABLE .*)\)", refused.value.hint or "")
    assert drop_key, refused.value.hint
    # Refused before anything is written, it left no run: status offered to resume it (only
    # to be refused again), and the next run called it superseded.
    with psycopg.connect(pg_url) as con:
        assert con.execute("SELECT to_regclass('_arrowmig_checkpoints')").fetchone() == (None,)
    assert runs_of(pg_url) == []
    report = arrowmig.migrate(
        src, pg_url, tables=["auth_user"], config=replace(config, mode="append")
    )
    assert report.ok and not [n for n in report.notes if "superseded" in n], report.notes
    assert [r["state"] for r in runs_of(pg_url)] == ["complete"]
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute(drop_key.group(1))
    assert arrowmig.migrate(src, pg_url, tables=["auth_user"], config=config).ok
    assert pg_rows(pg_url, "auth_user") == [(2, "ann")]


@pytest.mark.postgres
def test_the_dry_run_refuses_a_truncate_the_run_would_refuse(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """plan and --dry-run said they would truncate auth_user (exit 0); the run then refused,
    exit 2, as blog_post, outside the run, has a foreign key to it."""
    from arrowmig.cli import main

    src = make_sqlite(tmp_path / "blog.db", BLOG_SQLITE, {"auth_user": [(2, "ann")]})
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute(BLOG_POSTGRES)
    args = [src, pg_url, "--mode", "truncate", "--tables", "auth_user"]
    said = []
    for command in (["plan", *args], ["migrate", *args, "--dry-run"], ["migrate", *args]):
        capsys.readouterr()
        assert main([*command, "--progress", "none"] if command[0] == "migrate" else command) == 2
        said.append(capsys.readouterr().err)
    assert "blog_post, which this run does not load, has a foreign key" in said[0]
    assert said[0] == said[1] == said[2]
    assert pg_rows(pg_url, "auth_user") == [(1, "admin")]  # nothing emptied
    # With the child in the run, the dry run plans it as the run does.
    assert main(["plan", src, pg_url, "--mode", "truncate"]) == 0


@pytest.mark.postgres
def test_truncate_empties_staged_tables_with_the_others(tmp_path: Path, pg_url: str) -> None:
    # A child without an integer key loads through a staging table: it is part of the run,
    # emptied in the one TRUNCATE with the parent it points at, not "a table this run does
    # not load".
    script = (
        "CREATE TABLE parent (id INTEGER PRIMARY KEY);"
        "CREATE TABLE child (parent_id INTEGER REFERENCES parent, note TEXT, "
        "PRIMARY KEY (parent_id, note)) WITHOUT ROWID;"
    )
    src = make_sqlite(
        tmp_path / "s.db", script, {"parent": [(1,), (2,)], "child": [(1, "a"), (2, "b")]}
    )
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute(
            "CREATE TABLE parent (id int PRIMARY KEY); CREATE TABLE child "
            "(parent_id int REFERENCES parent, note text); INSERT INTO parent VALUES (1), (9);"
            "INSERT INTO child VALUES (9, 'old')"
        )
    report = arrowmig.migrate(src, pg_url, config=arrowmig.MigrationConfig(mode="truncate"))
    assert report.ok, report.to_dict()
    assert pg_rows(pg_url, "parent", "id") == [(1,), (2,)]
    assert pg_rows(pg_url, "child", "parent_id") == [(1, "a"), (2, "b")]


@pytest.mark.postgres
def test_status_shows_what_a_complete_run_moved(bets_db: str, pg_url: str) -> None:
    """A complete run keeps only its own checkpoint row: status said 0 tables, 0 rows."""
    report = arrowmig.migrate(bets_db, pg_url)
    assert report.ok
    (run,) = runs_of(pg_url)
    assert (run["state"], run["table_count"], run["rows_done"]) == ("complete", 2, report.rows)


@pytest.mark.postgres
def test_status_clean_leaves_no_checkpoint_table_behind_once_no_run_is_left(
    bets_db: str, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # --clean emptied _arrowmig_checkpoints and left it in the target's schema for good.
    from arrowmig.cli import main

    assert arrowmig.migrate(bets_db, pg_url).ok
    assert main(["status", pg_url, "--clean"]) == 0
    assert "_arrowmig_checkpoints is dropped" in capsys.readouterr().err
    with psycopg.connect(pg_url) as con:
        assert con.execute("SELECT to_regclass('_arrowmig_checkpoints')").fetchone() == (None,)
    assert runs_of(pg_url) == []


@pytest.mark.postgres
@pytest.mark.parametrize("kind", ["postgresql", "duckdb"])
def test_status_finding_no_run_says_where_it_looked_and_where_checkpoints_are(
    bets_db: str, pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    """A run with --target-schema keeps its checkpoints in that schema; status, not told the
    schema, said "no checkpointed runs" and nothing more."""
    from arrowmig.cli import main

    target = pg_url if kind == "postgresql" else str(tmp_path / "t.duckdb")
    config = arrowmig.MigrationConfig(target_schema="sales floor")
    assert arrowmig.migrate(bets_db, target, config=config).ok
    default = "public" if kind == "postgresql" else "main"
    assert main(["status", target, "--target-schema", default]) == 0
    assert capsys.readouterr().err == (
        f"no checkpointed runs in {default}._arrowmig_checkpoints of {target}; schema sales "
        "floor holds checkpoints of runs into it: look there with --target-schema 'sales floor'\n"
    )
    assert main(["status", target, "--target-schema", default, "--json"]) == 0
    looked = json.loads(capsys.readouterr().out)["looked_in"]
    assert (looked["schema"], looked["checkpoints_in_other_schemas"]) == (default, ["sales floor"])
    assert main(["status", target, "--target-schema", "sales floor"]) == 0
    assert "complete" in capsys.readouterr().err
    # Not told the schema, status looks in every one, and names it.
    assert main(["status", target]) == 0
    said = capsys.readouterr().err.splitlines()
    assert said[0].split()[:3] == ["run", "schema", "state"]
    assert "sales floor  complete" in said[2]


def test_status_of_a_sqlite_file_without_runs_names_the_table_it_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from arrowmig.cli import main

    target = make_sqlite(tmp_path / "t.db", "CREATE TABLE t (id INTEGER);", {})
    assert main(["status", target]) == 0
    assert capsys.readouterr().err == f"no checkpointed runs in _arrowmig_checkpoints of {target}\n"


@pytest.mark.postgres
def test_a_failed_table_does_not_say_its_key_sequence_was_restarted(
    tmp_path: Path, pg_url: str
) -> None:
    # The report of a failed table kept the plan's "restarted past the largest loaded key":
    # the restart is part of finishing a table, which a failed one never reaches, so the
    # application's next insert would take key 1, a loaded key, as the note said it would not.
    src = make_sqlite(
        tmp_path / "t.db",
        "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT);",
        {"t": [(i, "x") for i in range(1, 20)] + [(20, "x\x00y")]},
    )
    config = arrowmig.MigrationConfig(batch=arrowmig.BatchConfig(batch_rows=5))
    failed = arrowmig.migrate(src, pg_url, config=config).tables[0]
    # The whole batches before the one holding the bad value are kept, for --resume.
    assert failed.status == "failed" and failed.rows == 15
    key_notes = [n for n in failed.notes if n.startswith("id: ")]
    assert key_notes == [
        "id: auto-assigned key's sequence not restarted past the loaded keys: the table "
        "failed before it was finished"
    ]
    with psycopg.connect(pg_url) as con:  # as the note says
        assert con.execute("SELECT max(id), nextval('t_id_seq') FROM t").fetchone() == (15, 1)


@pytest.mark.postgres
def test_a_failed_table_dropped_empty_says_nothing_of_its_key_sequence(
    tmp_path: Path, pg_url: str
) -> None:
    # Its first batch failed, so the table it created was dropped again, and its sequence with
    # it: "sequence not restarted past the loaded keys" beside "was dropped" told of a
    # sequence that is not there.
    src = make_sqlite(
        tmp_path / "t.db",
        "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT);",
        {"t": [(1, "x\x00y"), (2, "x")]},
    )
    failed = arrowmig.migrate(src, pg_url).tables[0]
    assert failed.status == "failed" and failed.rows == 0
    assert any("the empty table 't' it created was dropped" in n for n in failed.notes)
    assert not [n for n in failed.notes if n.startswith("id: ")]
    with psycopg.connect(pg_url) as con:
        assert con.execute("SELECT to_regclass('t'), to_regclass('t_id_seq')").fetchone() == (
            None,
            None,
        )


@pytest.mark.postgres
def test_a_failed_staged_table_counts_no_rows_and_leaves_no_staging_table(
    tmp_path: Path, pg_url: str
) -> None:
    # Two batches committed into the staging table, then a NUL fails the table: none of its
    # rows reached kv, the staging table goes, and the run is recorded as failed.
    src = make_sqlite(
        tmp_path / "kv.db",
        "CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID;",
        {"kv": [("a", "1"), ("b", "2"), ("c", "x\x00y")]},
    )
    config = arrowmig.MigrationConfig(batch=arrowmig.BatchConfig(batch_rows=1))
    report = arrowmig.migrate(src, pg_url, config=config)
    assert report.tables[0].status == "failed"
    assert report.rows == 0
    assert any("never put in place" in n for n in report.tables[0].notes)
    with psycopg.connect(pg_url) as con:
        left = con.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        assert [r[0] for r in left] == ["_arrowmig_checkpoints"]
    assert [r["state"] for r in runs_of(pg_url)] == ["failed"]


@pytest.mark.postgres
def test_an_unbounded_numeric_appends_into_numeric_p_s_each_value_checked(pg_url: str) -> None:
    # Rails' t.decimal without precision is an unbounded numeric: its exact text goes into
    # the numeric(10,2) an application made; 1.005 would become 1.01 and is its row's problem.
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute(
            "CREATE SCHEMA old; CREATE TABLE old.ap (id int PRIMARY KEY, amount numeric);"
            "INSERT INTO old.ap VALUES (1, 1.5), (2, 1.005), (3, NULL);"
            "CREATE TABLE ap (id int PRIMARY KEY, amount numeric(10,2))"
        )
    config = arrowmig.MigrationConfig(mode="append", source_schema="old")
    with pytest.raises(arrowmig.SchemaError) as refused:  # before anything is written
        arrowmig.migrate(pg_url, pg_url, config=config)
    said = str(refused.value)
    assert (
        "id 2: value does not fit the target column's type (numeric(10,2)) exactly: '1.005'" in said
    )
    assert "nothing written" in said
    assert pg_rows(pg_url, "ap", "id") == []
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("UPDATE old.ap SET amount = 1.01 WHERE id = 2")
    assert arrowmig.migrate(pg_url, pg_url, config=replace(config, mode="truncate")).ok
    assert pg_rows(pg_url, "ap", "id") == [(1, Decimal("1.50")), (2, Decimal("1.01")), (3, None)]


def test_late_odd_values_never_crash_halfway(tmp_path: Path) -> None:
    # 3,000 NULLs (three batches), then a text value in an INTEGER column and a real in another.
    rows = [(i, None, i) for i in range(1, 3001)] + [(3001, "N/A", 2.5), (3002, 7, 2**60)]
    src = make_sqlite(
        tmp_path / "s.db",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, late INTEGER, mix INTEGER);",
        {"t": rows},
    )
    target = str(tmp_path / "w.duckdb")
    config = arrowmig.MigrationConfig(batch=arrowmig.BatchConfig(batch_rows=1000))
    report = arrowmig.migrate(src, target, config=config)
    assert report.ok, report.tables[0].error
    got = rows_of(target, "t", "id")
    assert got[3000] == (3001, "N/A", "2.5") and got[3001] == (3002, "7", str(2**60))
    assert any("late" in n for n in report.tables[0].notes)


@pytest.mark.parametrize("kind", ["sqlite", "duckdb", "postgresql"])
def test_hostile_identifiers_round_trip(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    table = 'we"ird; DROP TABLE t;--'
    cols = ["select", "Mixed Case", "ñame ü", 'a"b']
    ddl = f"CREATE TABLE {q(table)} (" + ", ".join(f"{q(c)} TEXT" for c in cols) + ");"
    src = make_sqlite(
        tmp_path / "s.db", ddl, {table: [("1", "2", "3", "4"), ("x", None, "ü", "'")]}
    )
    target = target_of(kind, tmp_path, request, stem="w")
    report = arrowmig.migrate(src, target)
    assert report.ok, report.tables[0].error
    assert sorted(map(str, rows_of(target, table))) == sorted(map(str, sqlite_rows(src, table)))


@pytest.mark.postgres
def test_names_postgres_would_truncate_are_refused_before_writing(
    tmp_path: Path, pg_url: str
) -> None:
    long_name = "n" * 64
    src = make_sqlite(
        tmp_path / "s.db", f"CREATE TABLE ok (a INTEGER); CREATE TABLE t ({long_name} INTEGER);"
    )
    with pytest.raises(SchemaError, match="63"):
        arrowmig.migrate(src, pg_url)
    with psycopg.connect(pg_url) as con:
        assert con.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        ).fetchone() == (0,)


@pytest.mark.postgres
def test_duckdb_refuses_names_equal_but_for_case(tmp_path: Path, pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute('CREATE TABLE t ("Name" TEXT, "name" TEXT)')
    with pytest.raises(SchemaError, match="case"):
        arrowmig.migrate(pg_url, str(tmp_path / "w.duckdb"))


@pytest.mark.postgres
@pytest.mark.parametrize("target_name", ["new.db", "new.duckdb"])
def test_a_plan_into_a_new_file_refuses_columns_equal_but_for_case_as_the_run_does(
    tmp_path: Path, pg_url: str, target_name: str
) -> None:
    # No file to ask yet: the plan must still say the run's refusal, with its exit code.
    pg_exec(pg_url, 'CREATE TABLE t ("Name" TEXT, "name" TEXT)')
    target = str(tmp_path / target_name)
    said = {
        verb: subprocess.run(
            [sys.executable, "-m", "arrowmig", verb, pg_url, target],
            capture_output=True,
            text=True,
            timeout=120,
        )
        for verb in ("plan", "migrate")
    }
    assert said["plan"].returncode == said["migrate"].returncode == 2
    assert said["plan"].stderr == said["migrate"].stderr
    assert "'Name' and 'name', equal but for case" in said["plan"].stderr
    assert not Path(target).exists()


def test_invalid_utf8_fails_its_table_only_with_a_precise_message(tmp_path: Path) -> None:
    src = tmp_path / "s.db"
    make_sqlite(
        src,
        "CREATE TABLE good (a INTEGER); CREATE TABLE bad (id INTEGER PRIMARY KEY, t TEXT);",
        {"good": [(1,), (2,)]},
    )
    con = sqlite3.connect(src)
    con.execute("INSERT INTO bad VALUES (1, 'fine'), (2, CAST(x'66ff6f' AS TEXT))")
    con.commit()
    con.close()
    report = arrowmig.migrate(str(src), str(tmp_path / "w.duckdb"))
    by_name = {t.name: t for t in report.tables}
    assert by_name["good"].status == "done" and by_name["good"].rows == 2
    assert by_name["bad"].status == "failed"
    error = by_name["bad"].error or ""
    assert "'t'" in error and "id 2" in error and "UTF-8" in error and "\n" not in error
    assert not report.ok


@pytest.mark.postgres
def test_nul_bytes_into_postgres_text_are_loud(tmp_path: Path, pg_url: str) -> None:
    src = make_sqlite(
        tmp_path / "s.db",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT);",
        {"t": [(1, "a\x00b")]},
    )
    report = arrowmig.migrate(src, pg_url)
    assert report.tables[0].status == "failed"
    assert "NUL" in (report.tables[0].error or "") and "id 1" in (report.tables[0].error or "")


def test_named_view_is_copied(bets_db: str, tmp_path: Path) -> None:
    target = str(tmp_path / "w.duckdb")
    report = arrowmig.migrate(bets_db, target, tables=["big_bets"])
    assert report.ok and report.rows == len(sqlite_rows(bets_db, "big_bets"))


def test_split_streams_move_every_row_once(tmp_path: Path) -> None:
    rows = [(i * 3, f"v{i}") for i in range(1, 1001)]  # gaps in the key space
    src = make_sqlite(
        tmp_path / "s.db", "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);", {"t": rows}
    )
    target = str(tmp_path / "w.duckdb")
    config = arrowmig.MigrationConfig(
        split_rows=150, parallel=3, batch=arrowmig.BatchConfig(batch_rows=64)
    )
    report = arrowmig.migrate(src, target, config=config)
    # 7 streams of at most 150 rows, 9 so that the 3 workers read 3 each
    assert report.ok and report.tables[0].streams == 9
    assert rows_of(target, "t", "id") == rows


# 20,000 rows of 4 MiB in 3 streams, 4 for the 2 workers (--parallel 2)
@pytest.mark.parametrize(("rows", "streams"), [(20_000, 4), (9_999, 1)])
def test_wide_rows_are_split_by_bytes_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows: int, streams: int
) -> None:
    # 200,000 rows of 300 columns (560 MiB) were one stream, below --split-rows, so one core
    # read them. Shrunk here: about 500 bytes a row, streams of at most 4 MiB; a table of
    # fewer than 10,000 rows is never sampled for its width.
    monkeypatch.setattr(arrowmig.plan, "SPLIT_BYTES", 4 * 1024 * 1024)
    values = [(i, "x" * 480 + str(i)) for i in range(1, rows + 1)]
    src = make_sqlite(
        tmp_path / "s.db", "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);", {"t": values}
    )
    target = str(tmp_path / "w.duckdb")
    report = arrowmig.migrate(src, target, config=arrowmig.MigrationConfig(parallel=2))
    assert report.ok and report.tables[0].streams == streams
    assert report.tables[0].rows == rows
    assert rows_of(target, "t", "id") == values
    planned = explain(src, str(tmp_path / "p.duckdb")).tables[0]  # the plan shows them too
    assert len(planned.streams) == streams


def test_errors_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(ConnectError, match="does not exist"):
        arrowmig.migrate(str(tmp_path / "missing.db"), str(tmp_path / "w.duckdb"))
    assert not (tmp_path / "w.duckdb").exists()
    with pytest.raises(UrlError):
        arrowmig.migrate("mysql://x/y", str(tmp_path / "w.duckdb"))
    src = make_sqlite(tmp_path / "s.db", "CREATE TABLE t (a INTEGER);")
    for target in ("w.duckdb", "w.db"):  # refused at planning: no empty file left behind
        with pytest.raises(SchemaError, match="'nope' not found"):
            arrowmig.migrate(src, str(tmp_path / target), tables=["nope"])
        assert not list(tmp_path.glob(target + "*"))
    # A mistyped --exclude would copy the table it meant to leave out: refused too, with what
    # the user may have meant.
    src2 = make_sqlite(tmp_path / "u.db", "CREATE TABLE Users (a INTEGER); CREATE TABLE t (a);")
    target2 = str(tmp_path / "w2.duckdb")
    with pytest.raises(SchemaError, match="'users' named by exclude not found") as refused:
        arrowmig.migrate(src2, target2, config=arrowmig.MigrationConfig(exclude=("users",)))
    assert "did you mean 'Users'?" in str(refused.value)
    with pytest.raises(SchemaError) as refused:
        arrowmig.migrate(src2, target2, tables=["main.t"])
    assert "name it 't' (a SQLite file has no schemas)" in str(refused.value)
    not_sqlite = tmp_path / "text.db"
    not_sqlite.write_text("hello, not a database")
    with pytest.raises(ConnectError, match="not a SQLite database"):
        arrowmig.migrate(str(not_sqlite), str(tmp_path / "w.duckdb"))
    # A folder named like a file is said to be one, as source and as target.
    (tmp_path / "dir.db").mkdir()
    for source, target in ((src, "dir.db"), ("dir.db", "w.duckdb")):
        with pytest.raises(ConnectError, match=r"dir\.db' is a directory, not a SQLite file"):
            arrowmig.migrate(str(tmp_path / source), str(tmp_path / target))


def test_a_sqlite_file_that_cannot_be_read_is_named_with_what_to_do(tmp_path: Path) -> None:
    # An empty file is what sqlite3 leaves after opening a mistyped name.
    (tmp_path / "empty.db").touch()
    with pytest.raises(ConnectError, match=r"is empty \(0 bytes\): it holds no tables"):
        arrowmig.migrate(str(tmp_path / "empty.db"), str(tmp_path / "w.duckdb"))
    big = make_sqlite(
        tmp_path / "big.db",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT);",
        {"t": [(i, "x" * 200) for i in range(200)]},
    )
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(Path(big).read_bytes()[:3000])  # cut inside its first page
    with pytest.raises(ConnectError, match="is damaged") as info:
        arrowmig.migrate(str(damaged), str(tmp_path / "w.duckdb"))
    assert ".recover" in str(info.value) and "\n" not in str(info.value)
    assert not (tmp_path / "w.duckdb").exists()


@pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("mount") is None,
    reason="needs root to mount a file system read-only",
)
def test_a_target_on_a_read_only_file_system_is_said_so(tmp_path: Path) -> None:
    # Said "its folder is not writable ... or change its permissions": no permission helps.
    source = make_sqlite(tmp_path / "src.db", "CREATE TABLE t (a); INSERT INTO t VALUES (1);")
    folder = tmp_path / "ro"
    folder.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(folder)], check=True)
    try:
        assert arrowmig.migrate(source, str(folder / "old.db")).ok
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        for target, where in [
            (folder / "new.db", folder),
            (folder / "new.duckdb", folder),
            (folder / "old.db", folder / "old.db"),
        ]:
            with pytest.raises(ConnectError) as refused:
                arrowmig.migrate(
                    source, str(target), config=arrowmig.MigrationConfig(mode="append")
                )
            assert str(refused.value) == (
                f"cannot write {'DuckDB' if target.suffix == '.duckdb' else 'SQLite'} file "
                f"'{target}': '{where}' is on a read-only file system; write to a file system "
                "mounted read-write (or remount this one so)"
            )
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("setpriv") is None,
    reason="needs root and setpriv to run as a user without write access",
)
def test_files_this_user_may_not_write_are_refused_in_one_line(
    request: pytest.FixtureRequest,
) -> None:
    """As user nobody: a WAL source SQLite must write beside to read, a target in a folder
    that is not writable and a source this user may not read (the driver said 'failed to
    allocate memory' for both)."""
    base = Path(tempfile.mkdtemp(prefix="arrowmig-perms-"))  # pytest's own are root's alone
    request.addfinalizer(lambda: shutil.rmtree(base, ignore_errors=True))
    base.chmod(0o755)
    src = make_sqlite(base / "wal.db", "CREATE TABLE t (a INTEGER); PRAGMA journal_mode=wal;")
    locked, open_dir = base / "locked", base / "open"
    locked.mkdir(mode=0o555)
    open_dir.mkdir(mode=0o777)
    open_dir.chmod(0o777)
    unreadable = Path(make_sqlite(base / "unreadable.db", "CREATE TABLE t (a);"))
    unreadable.chmod(0o600)

    def as_nobody(*args: str) -> subprocess.CompletedProcess[str]:
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        return subprocess.run(
            [*command, sys.executable, "-m", "arrowmig", *args],
            capture_output=True,
            text=True,
            timeout=60,
            cwd="/",
            env={**os.environ, "PYTHONPATH": str(Path(arrowmig.__file__).parent.parent)},
        )

    ok = make_sqlite(base / "ok.db", "CREATE TABLE t (a);")
    for args, expected in [
        (("migrate", src, str(open_dir / "w.duckdb")), "is in WAL mode"),
        *[
            ((verb, ok, str(locked / name)), f"cannot write {kind} file '{locked / name}': its "
             "folder is not writable")
            for verb in ("migrate", "plan")  # the plan refuses what the run would
            for name, kind in (("w.db", "SQLite"), ("w.duckdb", "DuckDB"))
        ],
        (("migrate", str(unreadable), str(open_dir / "u.duckdb")),
         "cannot read SQLite file '" + str(unreadable) + "': permission denied; run as a user "
         "who may read it"),
    ]:  # fmt: skip
        done = as_nobody(*args)
        assert done.returncode == 2 and expected in done.stderr, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("name", ["w.db", "w.duckdb"])
@pytest.mark.parametrize("folder", ["a_file", "a_file/sub", "/proc"])
def test_a_target_whose_folder_is_not_one_is_refused_alike_by_plan_and_migrate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], folder: str, name: str
) -> None:
    # plan said exit 0; migrate then failed, SQLite with "failed to allocate memory".
    from arrowmig.cli import main

    if folder == "/proc" and not Path("/proc/self").exists():
        pytest.skip("needs /proc")
    src = make_sqlite(tmp_path / "s.db", "CREATE TABLE t (a INTEGER);", {"t": [(1,)]})
    (tmp_path / "a_file").write_text("not a folder")
    target = str(Path(folder) / name if folder == "/proc" else tmp_path / folder / name)
    kind = "SQLite" if name.endswith(".db") else "DuckDB"
    expected = f"arrowmig: error: cannot create {kind} file {target!r}: " + (
        "folder '/proc' takes no new file (No such file or directory); write to a folder you "
        "may write to"
        if folder == "/proc"
        else f"{str(tmp_path / 'a_file')!r} is a file, not a folder; give the target a path in "
        "a folder"
    )
    for verb in ("plan", "migrate"):
        assert main([verb, src, target]) == 2
        assert capsys.readouterr().err == expected + "\n", verb


@pytest.mark.parametrize("target_name", ["w.db", "w.duckdb"])
def test_append_finds_the_target_table_whatever_its_case(tmp_path: Path, target_name: str) -> None:
    src = make_sqlite(
        tmp_path / "s.db", "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);", {"t": [(1, "a")]}
    )
    target = tmp_path / target_name
    if target_name.endswith(".db"):
        make_sqlite(target, 'CREATE TABLE "T" (id INTEGER PRIMARY KEY, name TEXT);')
    else:
        duckdb.connect(str(target)).execute('CREATE TABLE "T" (id BIGINT, name VARCHAR)').close()
    report = arrowmig.migrate(src, str(target), config=arrowmig.MigrationConfig(mode="append"))
    assert report.ok, str(report.to_dict())
    assert rows_of(str(target), "T") == [(1, "a")]


@pytest.mark.parametrize("target_name", ["w.db", "w.duckdb"])
def test_tables_equal_but_for_case_are_refused_for_targets_that_ignore_case(
    tmp_path: Path, pg_url: str, target_name: str
) -> None:
    # PostgreSQL holds "Users" and users apart; SQLite and DuckDB would see one table.
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute('CREATE TABLE "Users" (id int PRIMARY KEY); CREATE TABLE users (id int)')
    target = tmp_path / target_name
    with pytest.raises(SchemaError, match="'Users' and 'users' differ only in case"):
        arrowmig.migrate(pg_url, str(target))
    assert not target.exists()
    # Either one alone moves; the other then finds it there, whatever its case.
    assert arrowmig.migrate(pg_url, str(target), tables=["users"]).ok
    with pytest.raises(SchemaError, match="'Users' already exists"):
        arrowmig.migrate(pg_url, str(target), tables=["Users"])


@pytest.mark.parametrize("target_name", ["w.db", "w.duckdb"])
def test_names_apart_but_for_non_ascii_case_move_as_they_are(
    tmp_path: Path, pg_url: str, target_name: str
) -> None:
    # SQLite and DuckDB fold A-Z only: "ä" and "Ä" are two columns (and two tables) there.
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute(
            'CREATE TABLE c2 (id int PRIMARY KEY, "ä" text, "Ä" text, "ß" text, "ẞ" text);'
            "INSERT INTO c2 VALUES (1, 'lower', 'UPPER', 'sharp', 'SHARP');"
            'CREATE TABLE "Ö" (id int PRIMARY KEY); CREATE TABLE "ö" (id int PRIMARY KEY);'
            'INSERT INTO "Ö" VALUES (1); INSERT INTO "ö" VALUES (2)'
        )
    target = str(tmp_path / target_name)
    report = arrowmig.migrate(pg_url, target)
    assert report.ok, str(report.to_dict())
    assert rows_of(target, "c2") == [(1, "lower", "UPPER", "sharp", "SHARP")]
    assert rows_of(target, "Ö") == [(1,)] and rows_of(target, "ö") == [(2,)]
    assert arrowmig.verify(pg_url, target).ok
    # A-Z still fold: refused before anything is written, naming the table.
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute('CREATE TABLE m (id int PRIMARY KEY, "Mixed" text, mixed text)')
    with pytest.raises(SchemaError, match=r"table 'm' has .*'mixed'.* but for case"):
        arrowmig.migrate(pg_url, str(tmp_path / f"again.{target_name.split('.')[1]}"), tables=["m"])


@pytest.mark.parametrize("target_name", ["w.db", "w.duckdb"])
def test_a_table_without_columns_is_refused_before_writing(
    tmp_path: Path, pg_url: str, target_name: str
) -> None:
    # PostgreSQL allows CREATE TABLE t (); the run stopped halfway on a staging table's DDL.
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("CREATE TABLE nothing (); INSERT INTO nothing DEFAULT VALUES")
        con.execute("CREATE TABLE ok (id int PRIMARY KEY); INSERT INTO ok VALUES (1)")
    target = tmp_path / target_name
    with pytest.raises(SchemaError, match=r"'nothing' has no columns \(1 row of nothing\)"):
        arrowmig.migrate(pg_url, str(target))
    assert not target.exists()
    report = arrowmig.migrate(
        pg_url, str(target), config=arrowmig.MigrationConfig(exclude=("nothing",))
    )
    assert report.ok and rows_of(str(target), "ok") == [(1,)]


@pytest.mark.parametrize("target_name", ["w.db", "w.duckdb"])
def test_a_selection_that_leaves_nothing_is_refused_before_writing(
    tmp_path: Path, target_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """--tables Orders --exclude Orders ran "done: 0 rows", exit 0, and left a target file
    holding only arrowmig's checkpoint table."""
    from arrowmig.cli import main

    src = make_sqlite(tmp_path / "s.db", "CREATE TABLE Orders (id INTEGER PRIMARY KEY);")
    target = tmp_path / target_name
    for selection in (["--tables", "Orders", "--exclude", "Orders"], ["--exclude", "Orders"]):
        for command in ("plan", "migrate"):
            capsys.readouterr()
            assert main([command, src, str(target), *selection]) == 2
            assert "no tables left to move: --exclude removes every table" in (
                capsys.readouterr().err
            )
            assert not target.exists()


def test_an_empty_name_sqlite_allows_is_refused_before_writing(tmp_path: Path) -> None:
    src = make_sqlite(
        tmp_path / "e.db",
        'CREATE TABLE "" (id INTEGER); CREATE TABLE t ("" INTEGER); CREATE TABLE ok (id INTEGER);',
    )
    target = tmp_path / "w.duckdb"
    with pytest.raises(SchemaError, match=r'table is named "" \(an empty name\)'):
        arrowmig.migrate(src, str(target))
    with pytest.raises(SchemaError, match=r"'t' has a column named \"\""):
        arrowmig.migrate(src, str(target), tables=["t", "ok"])
    assert not target.exists()
    assert arrowmig.migrate(src, str(target), tables=["ok"]).ok


@pytest.mark.parametrize("existing", [False, True])
def test_a_table_named_like_sqlites_own_is_refused_before_writing(
    tmp_path: Path, existing: bool
) -> None:
    # Loaded into a staging table, it failed as it was put in place: "Failed to prepare
    # query: object name reserved for internal use: sqlite_stat1".
    source = duckdb_exec(
        tmp_path / "s.duckdb",
        "CREATE TABLE sqlite_stat1 (a INTEGER); CREATE TABLE Sqlite_Extra (a INTEGER);"
        " CREATE TABLE ok (a INTEGER)",
    )
    target = tmp_path / "t.db"
    if existing:
        sqlite3.connect(target).close()
    with pytest.raises(SchemaError) as refused:
        arrowmig.migrate(source, str(target))
    assert "SQLite reserves names beginning with 'sqlite_' for its own tables" in str(refused.value)
    assert "exclude='Sqlite_Extra'" in (refused.value.hint or "")
    assert arrowmig.migrate(source, str(target), tables=["ok"]).ok


def test_a_missing_postgresql_database_says_to_create_it(tmp_path: Path, pg_url: str) -> None:
    src = make_sqlite(tmp_path / "s.db", "CREATE TABLE t (a INTEGER);")
    missing = pg_url.rsplit("/", 1)[0] + "/arrowmig_no_such_database"
    with pytest.raises(ConnectError) as info:
        arrowmig.migrate(src, missing)
    assert info.value.exit_code == 2
    assert str(info.value).endswith(
        "create it first (createdb arrowmig_no_such_database, or CREATE DATABASE in psql), "
        "or name a database that exists"
    )


def test_empty_tables_and_null_only_columns(tmp_path: Path) -> None:
    src = make_sqlite(
        tmp_path / "s.db",
        "CREATE TABLE e (a INTEGER, b REAL, c TEXT, d BLOB); CREATE TABLE n (a INTEGER, b TEXT);",
        {"n": [(None, None)] * 10},
    )
    target = str(tmp_path / "w.duckdb")
    report = arrowmig.migrate(src, target)
    assert report.ok
    con = duckdb.connect(target, read_only=True)
    types = dict(
        con.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'e'"
        ).fetchall()
    )
    con.close()
    assert types == {"a": "BIGINT", "b": "DOUBLE", "c": "VARCHAR", "d": "BLOB"}
    assert rows_of(target, "n") == [(None, None)] * 10


@pytest.mark.postgres
def test_live_postgres_source_is_read_from_one_snapshot(tmp_path: Path, pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("CREATE TABLE t (id BIGINT PRIMARY KEY, v TEXT)")
        con.execute("INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 20000) g")
        con.execute("ANALYZE t")
    inserted = []

    def meddle(event: arrowmig.Event) -> None:
        # Rows arriving mid-run (after the snapshot) must not appear in the copy.
        if event.event == "progress" and not inserted:
            with psycopg.connect(pg_url, autocommit=True) as con:
                con.execute("INSERT INTO t SELECT g, 'late' FROM generate_series(20001, 21000) g")
                con.execute("DELETE FROM t WHERE id <= 100")
            inserted.append(True)

    config = arrowmig.MigrationConfig(
        split_rows=5000, parallel=2, batch=arrowmig.BatchConfig(batch_rows=1000)
    )
    report = arrowmig.migrate(pg_url, str(tmp_path / "w.duckdb"), config=config, progress=meddle)
    assert inserted and report.ok
    got = rows_of(str(tmp_path / "w.duckdb"), "t", "id")
    assert len(got) == 20000 and got[0] == (1, "v1") and got[-1] == (20000, "v20000")


def test_generated_columns_are_copied_and_said_so(tmp_path: Path) -> None:
    src = make_sqlite(
        tmp_path / "s.db",
        "CREATE TABLE o (id INTEGER PRIMARY KEY, qty INTEGER, price REAL,"
        " total REAL GENERATED ALWAYS AS (qty * price) STORED, label TEXT AS ('#' || id));",
    )
    con = sqlite3.connect(src)
    con.executemany("INSERT INTO o (id, qty, price) VALUES (?, ?, ?)", [(1, 2, 1.5), (2, 3, 0.25)])
    con.commit()
    con.close()
    target = str(tmp_path / "w.duckdb")
    report = arrowmig.migrate(src, target)
    assert report.ok
    assert (
        rows_of(target, "o", "id")
        == sqlite_rows(src, "o", "id")
        == [(1, 2, 1.5, 3.0, "#1"), (2, 3, 0.25, 0.75, "#2")]
    )
    # One note for both columns, which it names.
    (generated,) = [n for n in report.tables[0].notes if "generated column" in n]
    assert generated.startswith("total, label: ")


def test_rows_of_megabytes_are_read_one_at_a_time(tmp_path: Path) -> None:
    # The driver counts batches in rows: sized from the row width, a batch stays near
    # --batch-bytes even when each row holds megabytes (a floor of 64 rows held 64 of them).
    from arrowmig.endpoints import open_endpoint

    path = make_sqlite(
        tmp_path / "wide.db",
        "CREATE TABLE w (id INTEGER PRIMARY KEY, b BLOB)",
        {"w": [(i, bytes([i]) * 3_000_000) for i in range(1, 21)]},
    )
    with open_endpoint(path) as src:
        table = src.describe("w")
        reader = src.read(table, batch_rows=100_000, batch_bytes=1 << 20)
        sizes = [batch.num_rows for batch in reader]
    assert sum(sizes) == 20 and max(sizes) == 1


@pytest.mark.parametrize(
    ("key_range", "expected_ids"),
    [(None, range(1, 341)), (KeyRange(after=150, upto=330), range(151, 331))],
)
def test_small_rows_then_large_ones_stay_within_the_batch_budget(
    tmp_path: Path, key_range: KeyRange | None, expected_ids: range
) -> None:
    # A table's first rows are small and its later ones hold 200 KB each (attachments added
    # later): sized from the first rows alone, one batch held every large row at once.
    from arrowmig.endpoints import open_endpoint

    small = [(i, b"s" * 100) for i in range(1, 301)]
    large = [(i, bytes([i % 256]) * 200_000) for i in range(301, 341)]
    path = make_sqlite(
        tmp_path / "mixed.db",
        "CREATE TABLE m (id INTEGER PRIMARY KEY, b BLOB)",
        {"m": small + large},
    )
    budget = 256 * 1024
    with open_endpoint(path) as src:
        table = src.describe("m")
        reader = src.read(table, batch_rows=100_000, batch_bytes=budget, key_range=key_range)
        batches = list(reader)
    assert max(b.nbytes for b in batches) <= budget + 200_000 + 4096  # the budget and one row
    got = pa.Table.from_batches(batches)
    assert got.column("id").to_pylist() == list(expected_ids)
    assert got.column("b").to_pylist() == [dict(small + large)[i] for i in expected_ids]


def test_a_table_whose_name_holds_a_comma_is_named_in_double_quotes(tmp_path: Path) -> None:
    from arrowmig.cli import main

    src = make_sqlite(
        tmp_path / "s.db",
        'CREATE TABLE "a,b" (x INTEGER); CREATE TABLE a (x INTEGER); CREATE TABLE b (x INTEGER);',
        {"a,b": [(1,)]},
    )
    target = str(tmp_path / "t.duckdb")
    assert main(["migrate", src, target, "--tables", '"a,b"', "--progress", "none"]) == 0
    with duckdb.connect(target, read_only=True) as con:
        names = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert "a,b" in names and not {"a", "b"} & names


@pytest.mark.postgres
@pytest.mark.parametrize("bad_row", [1, 3])
def test_a_created_table_that_failed_empty_is_dropped_so_the_fix_can_be_run(
    tmp_path: Path, pg_url: str, bad_row: int
) -> None:
    source = tmp_path / "s.db"
    con = sqlite3.connect(source)
    con.execute("CREATE TABLE r (id INTEGER PRIMARY KEY, t TEXT)")
    con.executemany(
        "INSERT INTO r VALUES (?, ?)", [(i, "a\x00b" if i == bad_row else "ok") for i in (1, 2, 3)]
    )
    con.commit()
    con.close()
    one_row_batches = arrowmig.MigrationConfig(batch=arrowmig.BatchConfig(batch_rows=1))
    report = arrowmig.migrate(str(source), pg_url, config=one_row_batches)
    assert report.tables[0].status == "failed"
    with psycopg.connect(pg_url) as pc:
        left = pc.execute("SELECT to_regclass('r') IS NOT NULL").fetchone()
    if bad_row == 1:
        # Nothing of it arrived: it is dropped, and the retry the error suggests works.
        assert left == (False,)
        assert any("empty table 'r' it created was dropped" in n for n in report.tables[0].notes)
        fixed = replace(one_row_batches, casts=(("r", "t", "bytea"),))
        assert arrowmig.migrate(str(source), pg_url, config=fixed).ok
        assert len(pg_rows(pg_url, "r")) == 3
    else:
        # Rows before the bad one are committed: the table stays for --resume.
        assert left == (True,) and pg_rows(pg_url, "r", "id") == [(1, "ok"), (2, "ok")]


def test_replacing_one_table_into_sqlite_declares_its_key_to_a_table_left_there(
    bets_db: str, tmp_path: Path
) -> None:
    """SQLite declares foreign keys with the table: the replaced table declares its key to a
    parent the target holds (not in this run), when the parent's columns are its key."""
    target = str(tmp_path / "t.db")
    assert arrowmig.migrate(bets_db, target).ok
    config = arrowmig.MigrationConfig(mode="replace")
    report = arrowmig.migrate(bets_db, target, tables=["bets"], config=config)
    assert report.ok and "foreign key (player_id) -> players" in report.tables[0].built
    con = sqlite3.connect(target)
    try:
        assert con.execute("PRAGMA foreign_key_list(bets)").fetchall()[0][2] == "players"
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        con.close()
    # A parent without a key on those columns cannot take one: named, not declared.
    other = make_sqlite(tmp_path / "o.db", "CREATE TABLE players (id INTEGER, name TEXT);")
    report = arrowmig.migrate(bets_db, other, tables=["bets"])
    assert "which the target holds, is neither its primary key" in " ".join(report.tables[0].notes)


def test_plan_help_lists_only_what_changes_a_plan_and_takes_the_run_options_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # plan --help listed --resume, --keep-backup, --retries and --reject-dir, which only a
    # run uses; a script still passes plan the options it gives migrate.
    from arrowmig.cli import main
    from arrowmig.cli.options import RUN_ONLY, RUN_OUTPUT

    assert main(["plan", "--help"]) == 0
    shown = capsys.readouterr().out
    assert "--mode" in shown and not [o for o in (*RUN_ONLY, *RUN_OUTPUT) if o in shown]
    # README names them all (it left out --lock-wait-timeout, which plan --help hides too).
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    listed = re.search(r"leaves out those only a run uses: ([^)]*)\)", readme)
    assert listed is not None
    assert sorted(re.findall(r"`(--[a-z-]+)`", listed.group(1))) == sorted(RUN_ONLY + RUN_OUTPUT)
    assert main(["migrate", "--help"]) == 0
    shown = capsys.readouterr().out
    assert all(o in shown for o in (*RUN_ONLY, *RUN_OUTPUT)), shown
    src = tmp_path / "s.db"
    con = sqlite3.connect(src)
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    con.close()
    run_only = ["--mode", "replace", "--keep-backup", "--resume", "--retries", "2"]
    run_only += ["--on-error", "reject", "--reject-dir", str(tmp_path)]
    assert main(["plan", str(src), str(tmp_path / "t.db"), *run_only]) == 0


def test_help_shows_every_default_alike_and_run_names_the_job_file_s(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """--help showed '[100000]' beside '[default: create]', and `run --help` showed
    '[default: create]' for --mode, where a flag left out takes the job file's value."""
    from arrowmig.cli import main

    def shown(command: str) -> str:
        assert main([command, "--help"]) == 0
        return " ".join(capsys.readouterr().out.split())  # click wraps lines anywhere

    migrate_help, run_help = shown("migrate"), shown("run")
    for option, default in [
        ("--mode", "create"),
        ("--batch-rows", "100000"),
        ("--on-error", "fail"),
        ("--progress-interval", "5"),  # as typed, not the float's 5.0
        ("--source-schema", "public; main in DuckDB"),
    ]:
        assert f"[default: {default}]" in migrate_help, option
        assert f"[default: the job's, else {default}]" in run_help, option
    assert "[100000]" not in migrate_help and "[default: create]" not in run_help


def test_help_summarises_each_command_whole_and_gives_examples_that_parse(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """arrowmig --help cut every summary mid-phrase ('Copy tables from SOURCE to TARGET
    (sqlite:///,...'), bench --out had no description, and no verb gave an example."""
    import shlex

    import click

    from arrowmig.cli import cli, main

    assert main(["--help"]) == 0
    listed = capsys.readouterr().out.split("Commands:")[1]
    assert "..." not in listed and all(f"  {name} " in listed for name in cli.commands)
    for name, command in cli.commands.items():
        shown = [p for p in command.params if isinstance(p, click.Option) and not p.hidden]
        assert all(p.help for p in shown), name
    for verb in ("migrate", "plan", "verify"):
        assert main([verb, "--help"]) == 0
        examples = capsys.readouterr().out.split("Examples:")[1].strip().splitlines()
        assert examples, verb
        for line in examples:
            words = shlex.split(line)
            assert words[:2] == ["arrowmig", verb], line
            cli.commands[verb].make_context(verb, words[2:])  # its options are real ones


@pytest.mark.parametrize("empty", ["", ",", " "])
def test_an_empty_table_list_is_refused_not_read_as_every_table(
    tmp_path: Path, empty: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """--tables "$TABLES" with an empty variable moved (or, in replace mode, emptied and
    reloaded) every table, exit 0; so did tables=[] from Python and tables = [] in a job."""
    from arrowmig.cli import main

    src = make_sqlite(
        tmp_path / "s.db",
        "CREATE TABLE a (id INTEGER PRIMARY KEY); CREATE TABLE b (id INTEGER PRIMARY KEY);",
        {"a": [(1,)], "b": [(1,)]},
    )
    target = tmp_path / "t.duckdb"
    job = tmp_path / "job.toml"
    job.write_text(f'source = "{src}"\ntarget = "{target}"\ntables = []\n')
    refused = "--tables names no table; name at least one table, or leave --tables out to take"
    for command, said in (
        (["migrate", src, str(target), "--tables", empty, "--progress", "none"], refused),
        (["plan", src, str(target), "--tables", empty], refused),
        (["verify", src, src, "--tables", empty], refused),
        # The job file's own key, in its words.
        (["run", str(job)], f"job file {str(job)!r}, key 'tables': {refused.replace('--', '')}"),
    ):
        capsys.readouterr()
        assert main(command) == 2, command
        assert capsys.readouterr().err == f"arrowmig: error: {said} every table\n"
        assert not target.exists()
    # From Python, named as the parameter it was given as.
    with pytest.raises(arrowmig.UsageError, match=r"^tables names no table"):
        arrowmig.migrate(src, str(target), tables=[])
    with pytest.raises(arrowmig.UsageError, match=r"^tables names no table"):
        arrowmig.verify(src, src, tables=[])
    assert not target.exists()


def test_a_schema_named_for_a_sqlite_side_is_refused_not_ignored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--source-schema does_not_exist with a SQLite source ran as if not given (exit 0), and
    the refusal of two schemas recommended that very option."""
    from arrowmig.cli import main

    src = make_sqlite(tmp_path / "s.db", "CREATE TABLE a (id INTEGER);", {"a": [(1,)]})
    duck, lite = str(tmp_path / "t.duckdb"), str(tmp_path / "t.db")
    source_refused = (
        "arrowmig: error: --source-schema {!r}: the source is a SQLite file, which has no "
        "schemas; leave --source-schema out\n"
    )
    for command, expected in [
        (["migrate", src, duck, "--source-schema", "nope"], source_refused.format("nope")),
        (["migrate", src, duck, "--source-schema", "a,b"], source_refused.format("a,b")),
        (["plan", src, duck, "--source-schema", "nope"], source_refused.format("nope")),
        (["verify", src, src, "--source-schema", "nope"], source_refused.format("nope")),
        (
            ["migrate", src, lite, "--target-schema", "nor_this"],
            "arrowmig: error: --target-schema 'nor_this': the target is a SQLite file, which "
            "has no schemas; leave --target-schema out\n",
        ),
    ]:
        capsys.readouterr()
        assert main([*command, "--progress", "none"] if command[0] == "migrate" else command) == 2
        assert capsys.readouterr().err == expected
    assert not Path(duck).exists() and not Path(lite).exists()
    with pytest.raises(arrowmig.UsageError, match="leave target_schema out"):
        arrowmig.verify(src, src, target_schema="main")


def test_python_callers_get_one_table_for_a_name_and_usage_errors_for_wrong_types(
    tmp_path: Path,
) -> None:
    """verify(tables="players") read the name as p, l, a, ...; migrate(tables=5) and
    MigrationConfig(parallel="2") raised a bare TypeError, outside ArrowmigError."""
    src = make_sqlite(
        tmp_path / "s.db",
        "CREATE TABLE players (id INTEGER PRIMARY KEY); CREATE TABLE other (id INTEGER);",
        {"players": [(1,)]},
    )
    target = str(tmp_path / "t.duckdb")
    assert arrowmig.migrate(src, target, tables="players").ok
    report = arrowmig.verify(src, target, tables="players")
    assert report.ok and [t.name for t in report.tables] == ["players"]
    for call, message in [
        (lambda: arrowmig.migrate(src, target, tables=5), "tables takes a table name or a list"),  # type: ignore[arg-type]
        (lambda: arrowmig.verify(src, target, tables=[5]), "tables takes table names (text)"),  # type: ignore[list-item]
        (lambda: arrowmig.MigrationConfig(parallel="2"), "parallel must be a whole number, not '2'"),  # type: ignore[arg-type]
        (lambda: arrowmig.MigrationConfig(retries=1.5), "retries must be a whole number"),  # type: ignore[arg-type]
        (lambda: arrowmig.BatchConfig(batch_rows="9"), "batch_rows must be a whole number"),  # type: ignore[arg-type]
        (lambda: arrowmig.MigrationConfig(batch_timeout_s="3"), "batch_timeout_s must be a number"),  # type: ignore[arg-type]
    ]:  # fmt: skip
        with pytest.raises(arrowmig.UsageError, match=re.escape(message)):
            call()


def test_wrong_argument_names_and_types_to_the_public_api_are_usage_errors(
    tmp_path: Path,
) -> None:
    """verify(max_diffs="3") raised '<' not supported between 'str' and 'int' from deep
    inside, migrate(mode="replace") Python's own TypeError, migrate(config={...}) an
    AttributeError: each is now a UsageError naming the argument and what it takes, raised
    before anything is opened."""
    src = make_sqlite(tmp_path / "s.db", "CREATE TABLE t (id INTEGER PRIMARY KEY);", {"t": [(1,)]})
    target = tmp_path / "t.duckdb"
    for call, message in [
        (lambda: arrowmig.verify(src, src, max_diffs="3"), "max_diffs must be a whole number, not '3'"),
        (lambda: arrowmig.verify(src, src, batch_rows=1.5), "batch_rows must be a whole number, not 1.5"),
        (lambda: arrowmig.verify(src, src, maxdiffs=3), "verify() takes no argument 'maxdiffs'; it takes source, target, tables, exclude, level, max_diffs,"),
        (lambda: arrowmig.migrate(src, target, mode="replace"), "migrate() takes no argument 'mode'; it takes source, target, tables, config, progress (mode is set in config=MigrationConfig(mode=...))"),
        (lambda: arrowmig.migrate(src, target, ["t"]), "migrate(): too many positional arguments; it takes source, target,"),
        (lambda: arrowmig.migrate(src, target, config={"mode": "replace"}), "config must be a MigrationConfig or None, not {'mode': 'replace'}"),
        (lambda: arrowmig.migrate(src, target, progress="plain"), "progress must be a ProgressSink, a function called with each Event, or None, not 'plain'"),
        (lambda: arrowmig.migrate(5, target), "source must be a URL or a path (text or a pathlib.Path), not 5"),
        (lambda: arrowmig.generate(target, threads="2"), "threads must be a whole number of at least 1 or None, not '2'"),
        (lambda: arrowmig.open_endpoint(src, timeout=3), "open_endpoint() takes no argument 'timeout'; it takes url, schema, create, timeout_s, read_only"),
        (lambda: arrowmig.MigrationConfig(mod="replace"), "MigrationConfig() takes no argument 'mod'; it takes tables, exclude, mode,"),
        (lambda: arrowmig.MigrationConfig(profile="no"), "profile must be True or False, not 'no'"),
        (lambda: arrowmig.MigrationConfig(batch=5000), "batch must be a BatchConfig, not 5000"),
        (lambda: arrowmig.MigrationConfig(target_schema=1), "target_schema must be text or None, not 1"),
        (lambda: arrowmig.BatchConfig(rows=9), "BatchConfig() takes no argument 'rows'; it takes batch_rows, batch_bytes"),
    ]:  # fmt: skip
        with pytest.raises(arrowmig.UsageError, match=re.escape(message)):
            call()  # type: ignore[no-untyped-call]
    assert not target.exists()
    # A pathlib.Path is a path, as before.
    assert arrowmig.verify(Path(src), src, max_diffs=3).ok


def test_t_names_the_tables_in_migrate_and_plan_as_in_verify(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from arrowmig.cli import main

    src = make_sqlite(
        tmp_path / "s.db",
        "CREATE TABLE a (id INTEGER PRIMARY KEY); CREATE TABLE b (id INTEGER PRIMARY KEY);",
        {"a": [(1,)], "b": [(2,)]},
    )
    target = str(tmp_path / "t.duckdb")
    assert main(["plan", src, target, "-t", "a"]) == 0
    assert "b ->" not in capsys.readouterr().out
    assert main(["migrate", src, target, "-t", "a", "--progress", "none", "--json"]) == 0
    assert [t["name"] for t in json.loads(capsys.readouterr().out)["tables"]] == ["a"]


def test_t_and_exclude_repeated_take_every_value_in_every_verb(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """pg_dump's `-t a -t b`: only the last was taken, so one table of two moved and verify
    said 'all tables match' about the one it compared."""
    from arrowmig.cli import main

    src = make_sqlite(
        tmp_path / "s.db",
        "".join(f"CREATE TABLE {t} (id INTEGER PRIMARY KEY);" for t in "abcd"),
        {t: [(1,)] for t in "abcd"},
    )
    target = str(tmp_path / "t.duckdb")

    def names(args: list[str]) -> list[str]:
        capsys.readouterr()
        assert main(args) in (0, 1)
        return sorted(t["name"] for t in json.loads(capsys.readouterr().out)["tables"])

    assert names(["plan", src, target, "-t", "a", "--tables", "b,c", "--json"]) == ["a", "b", "c"]
    migrate = ["migrate", src, target, "--progress", "none", "--json"]
    assert names([*migrate, "-t", "a", "-t", "b"]) == ["a", "b"]
    assert names(["verify", src, target, "-t", "a", "-t", "b", "--json"]) == ["a", "b"]
    assert names(["verify", src, target, "--exclude", "a", "--exclude", "b", "--json"]) == [
        "c",
        "d",
    ]
    job = tmp_path / "job.toml"
    job.write_text(f'source = "{src}"\ntarget = "{target}"\nmode = "replace"\n')
    run = ["run", str(job), "--progress", "none", "--json"]
    assert names([*run, "-t", "c", "-t", "d", "--exclude", "d"]) == ["c"]
    assert names([*run, "--exclude", "a", "--exclude", "b,c"]) == ["d"]
    assert main(["migrate", src, target, "-t", "", "-t", ""]) == 2  # still names no table


@pytest.mark.parametrize("kind", ["sqlite", "duckdb", "postgresql"])
def test_a_source_table_named_as_arrowmigs_own_is_said_left_out(
    tmp_path: Path, kind: str, request: pytest.FixtureRequest
) -> None:
    """A user's table named _arrowmig_checkpoints was left out without a word (exit 0, verify
    "all tables match"), and naming it was refused as "not found"."""
    statements = [
        "CREATE TABLE _arrowmig_checkpoints (id INTEGER PRIMARY KEY, v TEXT)",
        "INSERT INTO _arrowmig_checkpoints VALUES (1, 'user row')",
        "CREATE TABLE other (id INTEGER PRIMARY KEY)",
        "INSERT INTO other VALUES (1)",
    ]
    if kind == "postgresql":
        source: str = request.getfixturevalue("pg_url")
        pg_exec(source, *statements)
    else:
        source = str(tmp_path / ("s.db" if kind == "sqlite" else "s.duckdb"))
        connect = sqlite3.connect if kind == "sqlite" else duckdb.connect
        con = connect(source)
        for sql in statements:
            con.execute(sql)
        con.commit()
        con.close()
    said = (
        "tables left out: _arrowmig_checkpoints (names beginning _arrowmig_ are arrowmig's own: "
        "its checkpoints and staging tables; rename a table of yours to move it)"
    )
    target = str(tmp_path / "t.duckdb")
    assert said in explain(source, target).notes
    report = arrowmig.migrate(source, target)
    assert [t.name for t in report.tables] == ["other"] and said in report.notes
    assert said in arrowmig.verify(source, target).notes
    with pytest.raises(SchemaError) as e:
        arrowmig.migrate(source, str(tmp_path / "t2.duckdb"), tables=["_arrowmig_checkpoints"])
    assert str(e.value) == (
        "table '_arrowmig_checkpoints' cannot be moved: names beginning _arrowmig_ are "
        "arrowmig's own (its checkpoints and staging tables), left out of every run; rename it "
        "in the source to move it"
    )
    # Left out knowingly, it is not said again.
    quiet = arrowmig.MigrationConfig(exclude=("_arrowmig_checkpoints",), mode="replace")
    assert said not in arrowmig.migrate(source, target, config=quiet).notes


def test_a_checkpoint_table_a_run_made_in_its_target_is_not_news_when_that_is_read(
    tmp_path: Path,
) -> None:
    """A run's target read in turn (a chain of copies) holds that run's checkpoint table."""
    source = tmp_path / "s.db"
    con = sqlite3.connect(source)
    con.execute("CREATE TABLE t (a INTEGER)")
    con.commit()
    con.close()
    middle = str(tmp_path / "m.duckdb")
    arrowmig.migrate(str(source), middle)
    with duckdb.connect(middle, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM _arrowmig_checkpoints").fetchone() == (1,)
    report = arrowmig.migrate(middle, str(tmp_path / "last.db"))
    assert [t.name for t in report.tables] == ["t"]
    assert not [n for n in report.notes if "left out" in n]


@pytest.mark.parametrize("keyed", [False, True])
def test_a_column_named_like_the_runs_own_key_column_is_copied(tmp_path: Path, keyed: bool) -> None:
    # The run appends its key to each batch as "_arrowmig_key" and dropped it by name: a
    # source column of that name failed its table with "KeyError: Column '_arrowmig_key'
    # not found".
    key = " PRIMARY KEY" if keyed else ""
    source = duckdb_exec(
        tmp_path / "s.duckdb",
        f'CREATE TABLE k (id INTEGER{key}, "_arrowmig_key" INTEGER, f DOUBLE);'
        " INSERT INTO k VALUES (1, 7, 0.5), (2, 8, 'nan')",
    )
    target = str(tmp_path / "t.db")
    config = arrowmig.MigrationConfig(on_error="reject", reject_dir=str(tmp_path / "r"))
    report = arrowmig.migrate(source, target, config=config)
    assert report.tables[0].error is None and report.tables[0].rejected == 1, failures(report)
    assert sqlite_rows(target, "k") == [(1, 7, 0.5)]
    with duckdb.connect(source) as con:
        con.execute("DELETE FROM k WHERE id = 2")
    assert arrowmig.verify(source, target).ok

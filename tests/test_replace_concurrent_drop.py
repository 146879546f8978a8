"""A constraint dropped by another session while ``--mode replace`` reads the replaced table's
own constraints, or the foreign keys pointing at it, comes back from PostgreSQL without a
definition: that is a retry of the reading (which then sees it gone), never a silent skip."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest

import arrowmig
from arrowmig.endpoints import open_endpoint
from arrowmig.endpoints.common import is_transient
from arrowmig.endpoints.pg_foreign_keys import foreign_keys_into
from arrowmig.endpoints.pg_own_constraints import read_own_constraints
from arrowmig.endpoints.postgres import PostgresEndpoint
from arrowmig.errors import TransientError
from arrowmig.run_tables import RunTables
from tests.dbutil import failures, pg_exec, pg_rows, sqlite_table

pytestmark = pytest.mark.postgres

Query = Callable[..., list[tuple[Any, ...]]]


def _slowed(query: Query, seconds: float) -> Query:
    """``query``, its statement made to sleep after taking its snapshot and before computing
    its rows: the window in which another session's drop commits."""

    def slow(sql: str, params: tuple[Any, ...] | None = None) -> list[tuple[Any, ...]]:
        return query(
            f"SELECT (q).* FROM (SELECT pg_sleep({seconds}) OFFSET 0) s, "
            f"LATERAL (SELECT q FROM ({sql}) q WHERE s IS NOT NULL) l",
            params,
        )

    return slow


def _drop_meanwhile(url: str, statement: str) -> threading.Thread:
    def drop() -> None:
        time.sleep(0.3)  # the slowed statement has its snapshot by now
        with psycopg.connect(url, autocommit=True) as con:
            con.execute(statement)

    thread = threading.Thread(target=drop)
    thread.start()
    return thread


def test_a_constraint_dropped_as_it_is_read_is_read_again(pg_url: str) -> None:
    pg_exec(
        pg_url,
        "CREATE TABLE p (id int PRIMARY KEY)",
        "CREATE TABLE users (id int, pid int CONSTRAINT users_pid_fkey REFERENCES p, "
        "CONSTRAINT young CHECK (id < 35))",
    )
    with open_endpoint(pg_url) as ep:
        query = _slowed(ep._query_for("reading"), 1.5)  # type: ignore[attr-defined]
        dropping = _drop_meanwhile(pg_url, "ALTER TABLE users DROP CONSTRAINT young")
        try:
            with pytest.raises(TransientError, match=r"constraint young of .* was dropped"):
                read_own_constraints(
                    query, '"public"."users"', "public", ["id", "pid"], RunTables()
                )
        finally:
            dropping.join()
        # Read again: what is left, whole.
        again = read_own_constraints(
            ep._query_for("reading"),  # type: ignore[attr-defined]
            '"public"."users"',
            "public",
            ["id", "pid"],
            RunTables(),
        )
        labels = [d.label for d in again]
        assert "foreign key users_pid_fkey" in labels and "check young" not in labels


def test_a_foreign_key_into_the_table_dropped_as_it_is_read_is_read_again(pg_url: str) -> None:
    pg_exec(
        pg_url,
        "CREATE TABLE users (id int PRIMARY KEY)",
        "CREATE TABLE orders (uid int CONSTRAINT orders_uid_fkey REFERENCES users "
        "ON DELETE CASCADE)",
        "CREATE TABLE tags (uid int CONSTRAINT tags_uid_fkey REFERENCES users)",
    )
    with open_endpoint(pg_url) as ep:
        query = _slowed(ep._query_for("reading"), 1.5)  # type: ignore[attr-defined]
        dropping = _drop_meanwhile(pg_url, "DROP TABLE tags")
        try:
            with pytest.raises(TransientError, match=r"foreign key tags_uid_fkey of .* dropped"):
                foreign_keys_into(query, "public", "users", ())
        finally:
            dropping.join()
        again = foreign_keys_into(ep._query_for("reading"), "public", "users", ())  # type: ignore[attr-defined]
        assert [k[1] for k in again] == ["orders_uid_fkey"]


def test_a_table_loaded_again_is_planned_again_through_a_retry(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A value broke a presumed type (VARCHAR(4) holding 9 characters): the table is planned
    # again, reading the replaced table anew, while other workers put their tables in place
    # (dropping what it reads: "could not open relation with OID ..."), or the connection
    # drops. Either failed the table at once, with --retries unused.
    source = sqlite_table(
        tmp_path / "src.db",
        "CREATE TABLE bets (id INTEGER PRIMARY KEY, status VARCHAR(4))",
        [(i, "won" if i % 2 else "lost-long") for i in range(1, 201)],
    )
    pg_exec(pg_url, "CREATE TABLE bets (id int PRIMARY KEY)")
    reads = {"n": 0}
    own_query_for = PostgresEndpoint._query_for

    def query_for(self: PostgresEndpoint, what: str, table: str | None = None) -> Query:
        query = own_query_for(self, what, table)
        if what.startswith("reading the constraints, indexes and grants of 'bets'"):
            reads["n"] += 1
            if reads["n"] == 2:  # the second plan's first read: its connection ended
                query("SELECT pg_terminate_backend(pg_backend_pid())")
        return query

    monkeypatch.setattr(PostgresEndpoint, "_query_for", query_for)
    report = arrowmig.migrate(source, pg_url, config=arrowmig.MigrationConfig(mode="replace"))
    assert reads["n"] >= 3, "the table was not planned again"
    assert report.ok, failures(report)
    assert report.tables[0].retries >= 1
    assert len(pg_rows(pg_url, "bets")) == 200


def test_a_relation_dropped_under_a_catalog_read_is_transient(pg_url: str) -> None:
    # The server's words for it, met for real: a constraint row seen by the statement's
    # snapshot whose relation a committed DROP removed.
    import adbc_driver_postgresql.dbapi as pg_dbapi

    pg_exec(
        pg_url,
        "CREATE TABLE p (id int PRIMARY KEY)",
        "CREATE TABLE users (id int, pid int CONSTRAINT users_pid_fkey REFERENCES p)",
    )
    with pg_dbapi.connect(pg_url) as con, con.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("SELECT 1")
        cursor.fetchall()
        pg_exec(pg_url, "DROP TABLE p CASCADE")
        with pytest.raises(Exception) as raised:
            cursor.execute(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'users_pid_fkey'"
            )
            cursor.fetchall()
    assert is_transient(raised.value), str(raised.value)

"""Independent readers and writers for tests: stdlib sqlite3, duckdb and psycopg directly,
never arrowmig's own conversion code, so a test compares what the databases really hold.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import psycopg

import arrowmig


def as_role(url: str, role: str) -> str:
    """``url`` logged in as ``role`` (trust authentication: no password)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    netloc = f"{role}@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc, fragment=""))


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def interval_texts_loaded(folder: Path, pg_url: str, texts: Sequence[str]) -> str:
    """SQLite table ``iv`` holding ``texts`` (ids from 1) loaded into an existing PostgreSQL
    interval column, the server reading each text; the source's URL."""
    source = sqlite_table(
        folder / "s.db",
        "CREATE TABLE iv (id INTEGER PRIMARY KEY, dur TEXT)",
        list(enumerate(texts, 1)),
    )
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("CREATE TABLE iv (id int PRIMARY KEY, dur interval)")
    arrowmig.migrate(source, pg_url, config=arrowmig.MigrationConfig(mode="truncate"))
    return source


def sqlite_table(path: str | Path, create: str, rows: Sequence[Sequence[Any]]) -> str:
    """A SQLite file at ``path`` holding one table made by ``create`` and filled with ``rows``;
    its path, as a source URL."""
    con = sqlite3.connect(str(path))
    try:
        con.execute(create)
        if rows:
            marks = ", ".join("?" * len(rows[0]))
            table = create.split("(")[0].split()[-1]
            con.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        con.commit()
    finally:
        con.close()
    return str(path)


def sqlite_rows(path: str | Path, table: str, order: str | None = None) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(str(path))
    try:
        sql = f"SELECT * FROM {q(table)}" + (f" ORDER BY {q(order)}" if order else "")
        return list(con.execute(sql).fetchall())
    finally:
        con.close()


def duckdb_rows(
    path: str | Path, table: str, order: str | None = None, schema: str = "main"
) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        sql = f"SELECT * FROM {q(schema)}.{q(table)}" + (f" ORDER BY {q(order)}" if order else "")
        return list(con.execute(sql).fetchall())
    finally:
        con.close()


def duckdb_types(path: str | Path, table: str) -> list[str]:
    """The declared types of a DuckDB table's columns, in order (``DECIMAL(12,2)``)."""
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute(
            "SELECT data_type FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index",
            [table],
        ).fetchall()
    return [str(r[0]) for r in rows]


def pg_rows(
    url: str, table: str, order: str | None = None, schema: str = "public"
) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as con:
        sql = f"SELECT * FROM {q(schema)}.{q(table)}" + (f" ORDER BY {q(order)}" if order else "")
        return list(con.execute(sql).fetchall())


def pg_exec(url: str, *statements: str, params: Sequence[Any] | None = None) -> None:
    with psycopg.connect(url, autocommit=True) as con:
        for sql in statements:
            con.execute(sql, params)  # type: ignore[arg-type]


def duckdb_exec(path: str | Path, sql: str) -> str:
    """A DuckDB file at ``path`` with ``sql`` run in it (statements separated by ``;``); its
    path, as a target URL."""
    with duckdb.connect(str(path)) as con:
        con.execute(sql)
    return str(path)


def execute_in(target: str, sql: str) -> None:
    """Run ``sql`` (statements separated by ``;``) in any target, with its database's own
    client."""
    if target.startswith("postgresql://"):
        pg_exec(target, *(one for one in sql.split(";") if one.strip()))
    elif target.endswith(".duckdb"):
        duckdb_exec(target, sql)
    else:
        with sqlite3.connect(target) as con:
            con.executescript(sql)
        con.close()


def pg_columns(url: str, table: str, schema: str = "public") -> list[tuple[str, str, bool]]:
    with psycopg.connect(url) as con:
        return [
            (r[0], r[1], r[2] == "NO")
            for r in con.execute(
                "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
                "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
                (schema, table),
            ).fetchall()
        ]


def rows_of(url: str, table: str, order: str | None = None) -> list[tuple[Any, ...]]:
    """Rows of ``table`` at any endpoint URL, read with that database's own client."""
    if url.startswith("postgresql://"):
        return pg_rows(url, table, order)
    if url.startswith("duckdb:///") or url.endswith(".duckdb"):
        return duckdb_rows(url.removeprefix("duckdb:///"), table, order)
    return sqlite_rows(url.removeprefix("sqlite:///"), table, order)


def target_of(kind: str, folder: Path, request: Any, stem: str = "t") -> str:
    """A parametrised test's target: the throw-away PostgreSQL database (``postgres`` or
    ``postgresql``), else a SQLite or DuckDB file named ``stem`` in ``folder``."""
    if kind.startswith("postgres"):
        return str(request.getfixturevalue("pg_url"))
    return str(folder / f"{stem}.{'db' if kind == 'sqlite' else 'duckdb'}")


def create_in(kind: str, target: str, create: str) -> None:
    """Run ``create`` in a parametrised test's target (``target_of``), with that database's
    own client."""
    if kind.startswith("postgres"):
        pg_exec(target, create)
    elif kind == "duckdb":
        duckdb_exec(target, create)
    else:
        sqlite_table(target, create, [])


def waiting_pid(url: str, lock: str, proc: Any, params: Sequence[Any] = ()) -> int:
    """Wait until a session waits for a lock that ``lock`` (a condition on ``pg_locks``)
    picks, while process ``proc`` runs (it must not end meanwhile); that session's pid."""
    with psycopg.connect(url, autocommit=True) as watch:
        while True:
            found = watch.execute(
                f"SELECT pid FROM pg_locks WHERE {lock} AND NOT granted",  # type: ignore[arg-type]
                params,
            ).fetchall()
            if found:
                return int(found[0][0])
            assert proc.poll() is None, proc.communicate()
            watch.execute("SELECT pg_sleep(0.05)")


def failures(report: arrowmig.MigrationReport) -> str:
    """What a report that is not ok says went wrong, for an assertion's message: pytest
    shortens the report's own repr to its first fields."""
    failed = [f"{t.name}: {t.status}: {t.error} {t.notes}" for t in report.failed]
    return "; ".join([*failed, *report.notes, report.interrupted or "", report.unfinished or ""])

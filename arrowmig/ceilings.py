"""Reference rates the benchmark holds each path against, and the stages it splits time into.

Each measurement runs in its own interpreter (``python -m arrowmig.ceilings KIND ...``) and prints
one JSON line: rows, bytes, seconds (the timed part only, imports and set-up excluded), RSS.

- ``read``: the source read as Arrow with nothing written (ADBC, DuckDB): the read ceiling.
- ``pg-copy``: PostgreSQL ``COPY ... FROM`` a binary file the server wrote itself, into an empty
  table of the same column types: the server's own ingest rate (files: ``ceiling_files``).
- ``insert-select``: SQLite ``INSERT INTO ... SELECT`` from an ``ATTACH``-ed source file.
- ``engine-read``: the source read through arrowmig's own endpoint (profiling, typed SELECT).
- ``write``: the write stage alone: Arrow batches already in memory ingested with ADBC.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from arrowmig.ceiling_files import CEILING_SCHEMA, copy_file, sql_text
from arrowmig.config import DEFAULT_PARALLEL
from arrowmig.duckdb_connection import connect_duckdb
from arrowmig.rowpath import peak_rss_bytes, quote, rss_bytes
from arrowmig.urls import parse_url


def _result(kind: str, rows: int, nbytes: int, seconds: float, **extra: Any) -> dict[str, Any]:
    return {
        "path": kind,
        "rows": rows,
        "bytes": nbytes,
        "seconds": round(seconds, 4),
        "peak_rss_bytes": peak_rss_bytes(),
        **extra,
    }


def _adbc_connect(url: str) -> Any:
    parsed = parse_url(url)
    if parsed.kind == "sqlite":
        import adbc_driver_sqlite.dbapi as adbc_sqlite

        return adbc_sqlite.connect(parsed.target)
    if parsed.kind == "postgresql":
        import adbc_driver_postgresql.dbapi as adbc_pg

        from arrowmig.endpoints.pg_wire import PIN_SESSION_SQL

        conn = adbc_pg.connect(parsed.target)
        with conn.cursor() as cursor:  # UTF-8 text and the rest, as the run's own sessions
            cursor.execute(PIN_SESSION_SQL)
        conn.commit()
        return conn
    raise ValueError(f"no ADBC driver for {parsed.kind}")


def source_tables(url: str) -> list[str]:
    """Base tables of a source, in name order (internal ``_arrowmig_*`` tables left out)."""
    from arrowmig.rowpath import connect, list_tables, parse

    parsed = parse(url)
    conn = connect(parsed)
    try:
        return list_tables(conn, parsed.kind)
    finally:
        conn.close()


def _import_driver(url: str) -> None:
    """Load the driver before any timer starts: start-up is not reading."""
    kind = parse_url(url).kind
    if kind == "sqlite":
        import adbc_driver_sqlite.dbapi  # noqa: F401
    elif kind == "postgresql":
        import adbc_driver_postgresql.dbapi  # noqa: F401
    else:
        import duckdb  # noqa: F401


def _stream(url: str, table: str, batch_rows: int) -> Iterator[Any]:
    """Yield the Arrow batches of ``SELECT * FROM table``."""
    parsed = parse_url(url)
    if parsed.kind == "duckdb":
        con = connect_duckdb(parsed.target, read_only=True)
        try:
            yield from con.sql(f"SELECT * FROM {quote(table)}").to_arrow_reader(batch_rows)
        finally:
            con.close()
        return
    conn = _adbc_connect(url)
    try:
        cur = conn.cursor()
        if parsed.kind == "sqlite":
            cur.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(batch_rows)})
        cur.execute(f"SELECT * FROM {quote(table)}")
        yield from cur.fetch_record_batch()
        cur.close()
    finally:
        conn.close()


def read_only(url: str, tables: Sequence[str], batch_rows: int) -> dict[str, Any]:
    """Drain every table as Arrow batches; nothing is written."""
    _import_driver(url)
    rows = nbytes = 0
    per_table: dict[str, dict[str, float]] = {}
    started = time.perf_counter()
    for table in tables:
        t0 = time.perf_counter()
        t_rows = t_bytes = 0
        for batch in _stream(url, table, batch_rows):
            t_rows += batch.num_rows
            t_bytes += batch.nbytes
        per_table[table] = {"rows": t_rows, "bytes": t_bytes, "seconds": time.perf_counter() - t0}
        rows += t_rows
        nbytes += t_bytes
    return _result("read", rows, nbytes, time.perf_counter() - started, tables=per_table)


def engine_read(url: str, tables: Sequence[str], batch_rows: int) -> dict[str, Any]:
    """Drain every table through arrowmig's own source endpoint: describe as a migration in
    create or replace mode does (SQLite types presumed where the read proves them, the rest
    profiled, on two connections at once as the default ``--parallel 2``), the typed SELECT
    with its proofs, validation. Against ``read`` this shows the engine's cost of converting
    on the source side.
    """
    from arrowmig.endpoints import open_endpoint

    rows = nbytes = 0
    per_table: dict[str, dict[str, float]] = {}
    with open_endpoint(url):
        pass  # imports and first connection outside the timer, as for the other stages
    started = time.perf_counter()
    with open_endpoint(url) as src:
        for table in tables:
            t0 = time.perf_counter()
            described = src.describe(table, workers=DEFAULT_PARALLEL, presume=True)
            t_desc = time.perf_counter() - t0
            t_rows = t_bytes = 0
            for batch in src.read(described, batch_rows=batch_rows):
                t_rows += batch.num_rows
                t_bytes += batch.nbytes
            per_table[table] = {
                "rows": t_rows,
                "bytes": t_bytes,
                "describe_seconds": t_desc,
                "seconds": time.perf_counter() - t0,
            }
            rows += t_rows
            nbytes += t_bytes
    return _result("engine-read", rows, nbytes, time.perf_counter() - started, tables=per_table)


def write_only(source: str, target: str, tables: Sequence[str], batch_rows: int) -> dict[str, Any]:
    """Read each table into memory (not timed), then time only its ADBC ingest into ``target``."""
    import pyarrow as pa

    parsed = parse_url(target)
    rows = nbytes = 0
    seconds = 0.0
    baseline = rss_bytes()
    for table in tables:
        batches = list(_stream(source, table, batch_rows))
        if not batches:
            continue
        data = pa.Table.from_batches(batches)
        del batches
        conn = _adbc_connect(target)
        try:
            with conn.cursor() as cur:
                schema = None
                if parsed.kind == "postgresql":
                    schema = CEILING_SCHEMA
                    cur.execute(f"CREATE SCHEMA IF NOT EXISTS {CEILING_SCHEMA}")
                    cur.execute(f"DROP TABLE IF EXISTS {CEILING_SCHEMA}.{quote('w_' + table)}")
                else:
                    cur.execute(f"DROP TABLE IF EXISTS {quote('w_' + table)}")
                conn.commit()
                t0 = time.perf_counter()
                cur.adbc_ingest(
                    "w_" + table,
                    data.to_reader(max_chunksize=batch_rows),
                    mode="create",
                    db_schema_name=schema,
                )
                conn.commit()
                seconds += time.perf_counter() - t0
                if schema:
                    cur.execute(f"DROP TABLE {CEILING_SCHEMA}.{quote('w_' + table)}")
                else:
                    cur.execute(f"DROP TABLE {quote('w_' + table)}")
                conn.commit()
        finally:
            conn.close()
        rows += data.num_rows
        nbytes += data.nbytes
        del data
    return _result("write", rows, nbytes, seconds, baseline_rss_bytes=baseline)


def _retarget_index(statement: str, table: str) -> str:
    """Point a ``CREATE INDEX ... ON public.t USING ...`` at the ceiling's fresh table."""
    import re

    fresh = f"{CEILING_SCHEMA}.{quote('fresh_' + table)}"
    return re.sub(r" ON (ONLY )?\S+ USING ", f" ON {fresh} USING ", statement, count=1)


def _retarget_foreign_key(statement: str, table: str) -> str:
    """Point ``ALTER TABLE public.t ADD FOREIGN KEY (...) REFERENCES parent(...)`` at the
    ceiling's fresh tables."""
    import re

    fresh = f"{CEILING_SCHEMA}.{quote('fresh_' + table)}"
    definition = statement.split(" ADD ", 1)[1]
    return f"ALTER TABLE {fresh} ADD " + re.sub(
        r' REFERENCES (?:"([^"]+)"|(\S+?))\(',
        lambda m: f" REFERENCES {CEILING_SCHEMA}.{quote('fresh_' + (m.group(1) or m.group(2)))}(",
        definition,
        count=1,
    )


def pg_copy(
    pg_url: str,
    tables: Sequence[str],
    prefix: str,
    ddl: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Time ``COPY fresh FROM file (FORMAT binary)`` plus its commit, table by table, from
    the files ``ceiling_files.server_copy_files`` had the server write (``prefix``).

    The keys, indexes and foreign keys arrowmig builds (from ``ddl``) are then built and timed
    apart, as ``index_seconds``: the ceiling itself is the load alone.
    """
    import psycopg

    rows = 0
    seconds = index_seconds = 0.0
    per_table: dict[str, dict[str, float]] = {}
    with psycopg.connect(pg_url) as conn:
        for table in tables:
            fresh = f"{CEILING_SCHEMA}.{quote('fresh_' + table)}"
            tmpl = f"{CEILING_SCHEMA}.{quote('tmpl_' + table)}"
            conn.execute(f"DROP TABLE IF EXISTS {fresh}")
            conn.execute(f"CREATE TABLE {fresh} (LIKE {tmpl})")
            conn.commit()
            path = sql_text(copy_file(prefix, table))
            t0 = time.perf_counter()
            cur = conn.execute(f"COPY {fresh} FROM {path} (FORMAT binary)")
            conn.commit()
            took = time.perf_counter() - t0
            n = cur.rowcount
            t1 = time.perf_counter()
            spec = (ddl or {}).get(table, {})
            if spec.get("primary_key"):
                conn.execute(f"ALTER TABLE {fresh} ADD {spec['primary_key']}")
            for statement in spec.get("indexes", []):
                conn.execute(_retarget_index(statement, table))
            conn.commit()
            index_seconds += time.perf_counter() - t1
            per_table[table] = {"rows": n, "seconds": took}
            rows += n
            seconds += took
        # Foreign keys once every table is in, between the fresh tables, as arrowmig adds them.
        t1 = time.perf_counter()
        for table in tables:
            for statement in (ddl or {}).get(table, {}).get("foreign_keys", []):
                conn.execute(_retarget_foreign_key(statement, table))
        conn.commit()
        index_seconds += time.perf_counter() - t1
        for table in tables:
            conn.execute(f"DROP TABLE {CEILING_SCHEMA}.{quote('fresh_' + table)} CASCADE")
        conn.commit()
    return _result(
        "pg-copy", rows, 0, seconds, tables=per_table, index_seconds=round(index_seconds, 4)
    )


def insert_select(source: str, target: str, ddl: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Time ``INSERT INTO t SELECT ... FROM src.t`` per table into a fresh SQLite file.

    ``ddl`` maps each table to its ``create`` statement and the ``indexes`` built after the
    load; those are timed apart as ``index_seconds``.
    """
    import sqlite3

    src_path, dst_path = parse_url(source).target, parse_url(target).target
    Path(dst_path).unlink(missing_ok=True)
    conn = sqlite3.connect(dst_path, isolation_level=None)
    rows = 0
    seconds = index_seconds = 0.0
    per_table: dict[str, dict[str, float]] = {}
    try:
        conn.execute("ATTACH DATABASE ? AS src", (src_path,))
        for table, spec in ddl.items():
            conn.execute(spec["create"])
            cols = [str(r[1]) for r in conn.execute(f"PRAGMA src.table_info({quote(table)})")]
            names = ", ".join(quote(c) for c in cols)
            t0 = time.perf_counter()
            conn.execute("BEGIN")
            cur = conn.execute(
                f"INSERT INTO main.{quote(table)} ({names}) SELECT {names} FROM src.{quote(table)}"
            )
            conn.execute("COMMIT")
            took = time.perf_counter() - t0
            t1 = time.perf_counter()
            conn.execute("BEGIN")
            for statement in spec.get("indexes", []):
                conn.execute(statement)
            conn.execute("COMMIT")
            index_seconds += time.perf_counter() - t1
            per_table[table] = {"rows": cur.rowcount, "seconds": took}
            rows += cur.rowcount
            seconds += took
    finally:
        conn.close()
    return _result(
        "insert-select", rows, 0, seconds, tables=per_table, index_seconds=round(index_seconds, 4)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Ceiling and stage measurements.")
    sub = parser.add_subparsers(dest="kind", required=True)
    p = sub.add_parser("read")
    p.add_argument("source")
    p.add_argument("--tables", required=True)
    p.add_argument("--batch-rows", type=int, default=100_000)
    p = sub.add_parser("engine-read")
    p.add_argument("source")
    p.add_argument("--tables", required=True)
    p.add_argument("--batch-rows", type=int, default=100_000)
    p = sub.add_parser("write")
    p.add_argument("source")
    p.add_argument("target")
    p.add_argument("--tables", required=True)
    p.add_argument("--batch-rows", type=int, default=100_000)
    p = sub.add_parser("pg-copy")
    p.add_argument("target")
    p.add_argument("--tables", required=True)
    p.add_argument("--ddl", default="{}", help='JSON {"table": {"indexes": [SQL, ...]}}')
    p.add_argument("--files", required=True, help="the server's files: their path prefix")
    p = sub.add_parser("insert-select")
    p.add_argument("source")
    p.add_argument("target")
    p.add_argument("--ddl", required=True, help='JSON {"table": {"create": SQL, "indexes": []}}')
    args = parser.parse_args(argv)
    tables = [t for t in getattr(args, "tables", "").split(",") if t]
    if args.kind == "read":
        out = read_only(args.source, tables, args.batch_rows)
    elif args.kind == "engine-read":
        out = engine_read(args.source, tables, args.batch_rows)
    elif args.kind == "write":
        out = write_only(args.source, args.target, tables, args.batch_rows)
    elif args.kind == "pg-copy":
        out = pg_copy(args.target, tables, args.files, json.loads(args.ddl))
    else:
        out = insert_select(args.source, args.target, json.loads(args.ddl))
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())

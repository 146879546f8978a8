"""The row path the benchmark compares against: a hand-written DB-API migration.

It does what a typical migration service does: ``fetchmany(batch)`` from the source cursor,
``executemany`` into the target, ``commit`` after every batch (stdlib ``sqlite3``, ``psycopg`` 3
for PostgreSQL, DuckDB's DB-API). It imports nothing from arrowmig, so that running it as a
script (``python arrowmig/rowpath.py SRC DST --batch-rows N``) pays no Arrow start-up cost.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")


@dataclass(frozen=True)
class Url:
    """A database named by a URL: ``kind`` is sqlite, postgresql or duckdb."""

    kind: str
    target: str


def parse(url: str) -> Url:
    """Read the same URL forms as arrowmig (SQLAlchemy slash rule, libpq URIs, bare paths)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        if url.lower().endswith(SQLITE_SUFFIXES):
            return Url("sqlite", url)
        if url.lower().endswith(".duckdb"):
            return Url("duckdb", url)
        raise ValueError(f"cannot tell what database {url!r} is")
    scheme = scheme.lower()
    if scheme in ("postgresql", "postgres"):
        return Url("postgresql", "postgresql://" + rest)
    if scheme.startswith(("sqlite", "duckdb")) and rest.startswith("/") and len(rest) > 1:
        return Url("sqlite" if scheme.startswith("sqlite") else "duckdb", rest[1:])
    raise ValueError(f"unknown database URL {url!r}")


def rss_bytes() -> int:
    """Resident set size of this process now (Linux /proc; falls back to the peak)."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return peak_rss_bytes()


def peak_rss_bytes() -> int:
    """The high-water mark of this process's resident set size.

    Linux's ``VmHWM`` belongs to this program image alone; ``ru_maxrss`` is not used because
    it carries the parent's peak across fork and exec (a bench parent of 160 MB would show as
    every child's peak).
    """
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def quote(name: str) -> str:
    """Quote an identifier the way SQLite, PostgreSQL and DuckDB all accept."""
    return '"' + name.replace('"', '""') + '"'


@dataclass
class SourceTable:
    """A table as the source declares it."""

    name: str
    columns: list[tuple[str, str]]
    """(name, declared type)."""
    primary_key: list[str] = field(default_factory=list)


# -- type mapping: what arrowmig creates for each SQLite affinity -------------------------------


def target_type(declared: str, dialect: str) -> str:
    """Map a declared type by SQLite affinity rules to the target's type."""
    d = declared.upper()
    if "INT" in d:
        family = "int"
    elif any(k in d for k in ("CHAR", "CLOB", "TEXT")):
        family = "text"
    elif "BLOB" in d or not d:
        family = "blob" if "BLOB" in d else "text"
    elif any(k in d for k in ("REAL", "FLOA", "DOUB")):
        family = "real"
    else:
        family = "text"
    if dialect == "postgresql":
        return {"int": "BIGINT", "real": "DOUBLE PRECISION", "text": "TEXT", "blob": "BYTEA"}[
            family
        ]
    if dialect == "duckdb":
        return {"int": "BIGINT", "real": "DOUBLE", "text": "VARCHAR", "blob": "BLOB"}[family]
    return {"int": "INTEGER", "real": "REAL", "text": "TEXT", "blob": "BLOB"}[family]


# -- source side ---------------------------------------------------------------------------------


def connect(url: Url, *, must_exist: bool = True) -> Any:
    """Open a DB-API connection; a source file must exist, a target file may be new."""
    if url.kind == "sqlite":
        if must_exist and not Path(url.target).exists():
            raise FileNotFoundError(url.target)
        import sqlite3

        return sqlite3.connect(url.target)
    if url.kind == "postgresql":
        import psycopg

        # Text in UTF-8 whatever the database's encoding, as on the Arrow path (pg_wire).
        return psycopg.connect(url.target, client_encoding="UTF8")
    import duckdb

    # As arrowmig.duckdb_connection opens DuckDB (imported not, to keep this script's start-up
    # free of arrowmig): no extension fetched from the network, no bar on stdout (the JSON line).
    con = duckdb.connect(url.target, config=dict.fromkeys(_EXTENSIONS_FETCHED, False))
    con.execute("SET enable_progress_bar = false")
    return con


_EXTENSIONS_FETCHED = ("autoinstall_known_extensions", "autoload_known_extensions")


def list_tables(conn: Any, kind: str) -> list[str]:
    cur = conn.cursor()
    if kind == "sqlite":
        cur.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name NOT LIKE '\\_arrowmig\\_%' ESCAPE '\\' ORDER BY name"
        )
    elif kind == "postgresql":
        cur.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = "
            "current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
        )
    else:
        cur.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = "
            "current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
        )
    names = [str(r[0]) for r in cur.fetchall()]
    cur.close()
    return [n for n in names if not n.startswith("_arrowmig_")]


def describe(conn: Any, kind: str, table: str) -> SourceTable:
    cur = conn.cursor()
    if kind == "sqlite":
        cur.execute(f"PRAGMA table_info({quote(table)})")
        rows = cur.fetchall()
        cols = [(str(r[1]), str(r[2])) for r in rows]
        pk = [str(r[1]) for r in sorted((r for r in rows if r[5]), key=lambda r: r[5])]
    else:
        param = "%s" if kind == "postgresql" else "?"
        cur.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = "
            f"current_schema() AND table_name = {param} ORDER BY ordinal_position",
            (table,),
        )
        cols = [(str(r[0]), str(r[1])) for r in cur.fetchall()]
        pk = []
    cur.close()
    if not cols:
        raise LookupError(f"table {table!r} not found in the source")
    return SourceTable(table, cols, pk)


def read_batches(conn: Any, kind: str, table: SourceTable, batch_rows: int) -> Iterator[list[Any]]:
    """``fetchmany`` the table; PostgreSQL uses a server-side cursor so nothing is buffered."""
    cols = ", ".join(quote(c) for c, _ in table.columns)
    sql = f"SELECT {cols} FROM {quote(table.name)}"
    if kind == "postgresql":
        cur = conn.cursor(name="rowpath_read")
        cur.itersize = batch_rows
    else:
        cur = conn.cursor()
    cur.execute(sql)
    try:
        while True:
            rows = cur.fetchmany(batch_rows)
            if not rows:
                break
            yield rows
    finally:
        cur.close()


# -- target side ---------------------------------------------------------------------------------


@dataclass
class TargetDDL:
    """How to create one target table: the statement, the indexes after the load, the foreign
    keys after every table is loaded, the types."""

    create: str
    indexes: list[str] = field(default_factory=list)
    types: list[tuple[str, str]] = field(default_factory=list)
    foreign_keys: list[str] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TargetDDL:
        return cls(
            str(data["create"]),
            [str(x) for x in data.get("indexes", [])],
            [(str(c), str(t)) for c, t in data.get("types", [])],
            [str(x) for x in data.get("foreign_keys", [])],
        )


def default_ddl(kind: str, table: SourceTable) -> TargetDDL:
    """Column types by SQLite affinity, the source's primary key, no secondary indexes."""
    types = [(c, target_type(t, kind)) for c, t in table.columns]
    parts = [f"{quote(c)} {t}" for c, t in types]
    if table.primary_key:
        parts.append(f"PRIMARY KEY ({', '.join(quote(c) for c in table.primary_key)})")
    return TargetDDL(f"CREATE TABLE {quote(table.name)} ({', '.join(parts)})", [], types)


def create_table(conn: Any, table: SourceTable, ddl: TargetDDL) -> None:
    """Create the target table (dropping a leftover one) with the statement given."""
    cur = conn.cursor()
    cur.execute(f"DROP TABLE IF EXISTS {quote(table.name)}")
    cur.execute(ddl.create)
    cur.close()
    conn.commit()


def converters(ddl: TargetDDL) -> list[Any] | None:
    """Per-column value conversions the target's driver needs (SQLite 0/1 into boolean).

    A hand-written service has to do the same: psycopg sends a Python int as an integer,
    and PostgreSQL refuses an integer for a boolean column.
    """
    convs: list[Any] = [
        (lambda v: v if v is None else bool(v)) if t.lower() == "boolean" else None
        for _, t in ddl.types
    ]
    return convs if any(convs) else None


def insert_sql(kind: str, table: SourceTable) -> str:
    marks = ", ".join(["%s" if kind == "postgresql" else "?"] * len(table.columns))
    cols = ", ".join(quote(c) for c, _ in table.columns)
    return f"INSERT INTO {quote(table.name)} ({cols}) VALUES ({marks})"


@dataclass
class Result:
    """What one row-path run did; printed as one JSON line."""

    rows: int = 0
    seconds: float = 0.0
    baseline_rss_bytes: int = 0
    peak_rss_bytes: int = 0
    batches: int = 0
    tables: dict[str, dict[str, float]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": "row",
            "rows": self.rows,
            "seconds": round(self.seconds, 4),
            "baseline_rss_bytes": self.baseline_rss_bytes,
            "peak_rss_bytes": self.peak_rss_bytes,
            "batches": self.batches,
            "tables": self.tables,
        }


def migrate_rows(
    source: str,
    target: str,
    *,
    batch_rows: int,
    tables: Sequence[str] | None = None,
    ddl: dict[str, TargetDDL] | None = None,
) -> Result:
    """Copy ``tables`` (default: all) row by row; one ``commit`` per batch."""
    started = time.perf_counter()
    src_url, dst_url = parse(source), parse(target)
    src, dst = connect(src_url), connect(dst_url, must_exist=False)
    result = Result()
    try:
        names = list(tables) if tables else list_tables(src, src_url.kind)
        described = [describe(src, src_url.kind, n) for n in names]
        if src_url.kind == "postgresql":
            src.commit()
        result.baseline_rss_bytes = rss_bytes()
        for table in described:
            t0 = time.perf_counter()
            table_ddl = (ddl or {}).get(table.name) or default_ddl(dst_url.kind, table)
            create_table(dst, table, table_ddl)
            sql = insert_sql(dst_url.kind, table)
            convs = converters(table_ddl)
            moved = 0
            cur = dst.cursor()
            for rows in read_batches(src, src_url.kind, table, batch_rows):
                if convs is not None:
                    rows = [
                        tuple(v if f is None else f(v) for f, v in zip(convs, row, strict=True))
                        for row in rows
                    ]
                cur.executemany(sql, rows)
                dst.commit()
                moved += len(rows)
                result.batches += 1
            for statement in table_ddl.indexes:
                cur.execute(statement)
            dst.commit()
            cur.close()
            if src_url.kind == "postgresql":
                src.commit()
            result.rows += moved
            result.tables[table.name] = {
                "rows": moved,
                "seconds": round(time.perf_counter() - t0, 4),
            }
        # Foreign keys once every table is in, as arrowmig adds them.
        cur = dst.cursor()
        for table in described:
            for statement in getattr((ddl or {}).get(table.name), "foreign_keys", []):
                cur.execute(statement)
        dst.commit()
        cur.close()
    finally:
        src.close()
        dst.close()
    result.seconds = time.perf_counter() - started
    result.peak_rss_bytes = peak_rss_bytes()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Row-by-row DB-API migration (the baseline).")
    parser.add_argument("source")
    parser.add_argument("target")
    parser.add_argument("--batch-rows", type=int, default=10_000)
    parser.add_argument("--tables", default="", help="comma-separated; default all")
    parser.add_argument(
        "--ddl",
        default="",
        help='JSON {"table": {"create": SQL, "indexes": [SQL, ...], "types": [[col, type]]}}',
    )
    args = parser.parse_args(argv)
    ddl = None
    if args.ddl:
        ddl = {t: TargetDDL.from_dict(d) for t, d in json.loads(args.ddl).items()}
    tables = [t for t in args.tables.split(",") if t]
    result = migrate_rows(
        args.source, args.target, batch_rows=args.batch_rows, tables=tables or None, ddl=ddl
    )
    print(json.dumps(result.to_dict()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

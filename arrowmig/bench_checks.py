"""What ``arrowmig bench`` refuses before it measures anything: a source that cannot be
opened, a ``--tables`` name it lacks, a target file that exists (bench empties its target
before every run, and would delete the user's file). Each is the error ``migrate`` gives for the same
mistake (exit 2, one line), not a round of failed runs or a traceback.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def check_source(source: str, tables: Sequence[str] | None) -> None:
    """Open ``source`` as ``migrate`` does (ConnectError for a missing file or an unreachable
    server) and refuse a table in ``tables`` that it does not hold (SchemaError listing those
    it does)."""
    from arrowmig.config import MigrationConfig
    from arrowmig.endpoints import open_endpoint
    from arrowmig.plan import select_tables

    with open_endpoint(source, read_only=True) as src:
        if tables:
            select_tables(src, MigrationConfig(tables=tuple(tables)))


def check_target_files(targets: Sequence[str]) -> list[Path]:
    """Refuse a ``--target`` naming a SQLite or DuckDB file that exists (it may be anyone's,
    even the source: bench deletes its target before every run); returns the files named,
    which bench creates and so removes at the end."""
    from arrowmig.errors import ArrowmigError, UsageError
    from arrowmig.urls import parse_url

    files = []
    for spec in targets:
        if spec == "sqlite":
            continue  # bench's own scratch file
        try:
            url = parse_url(spec)
        except ArrowmigError:
            continue  # not a database URL: skipped with a note, as ever
        if url.kind not in ("sqlite", "duckdb") or not url.target:
            continue
        path = Path(url.target)
        if path.exists():
            raise UsageError(
                f"--target {spec!r} exists: bench deletes its target before every run",
                hint="give the path of a file that does not exist yet, or 'sqlite' for a "
                "scratch file",
            )
        files.append(path.resolve())
    return files


def check_pg_copy_right(targets: Sequence[str]) -> None:
    """Refuse a PostgreSQL ``--target`` whose user may not have the server write a file: the
    COPY ceiling runs ``COPY ... TO 'file'``, which needs superuser or pg_write_server_files,
    and met after the warm-up loads it stopped the bench with the server's two-line error. A
    server that cannot be reached is left to ``open_target``, which skips it with a note."""
    import psycopg

    from arrowmig.errors import SchemaError
    from arrowmig.rowpath import quote
    from arrowmig.urls import redact

    for spec in targets:
        if not spec.startswith(("postgresql://", "postgres://")):
            continue
        try:
            with psycopg.connect(spec, autocommit=True, connect_timeout=5) as conn:
                row = conn.execute(
                    "SELECT current_user, rolsuper OR pg_has_role(current_user, "
                    "'pg_write_server_files', 'USAGE') FROM pg_roles WHERE rolname = current_user"
                ).fetchone()
        except psycopg.Error:
            continue
        if row is not None and not row[1]:
            user = row[0]
            raise SchemaError(
                f"--target {redact(spec)}: user {user!r} may not have the server write a file, "
                "which the bench's COPY ceiling (COPY ... TO 'file') needs",
                hint=f"GRANT pg_write_server_files TO {quote(user)}, or run the bench as a "
                "superuser",
            )

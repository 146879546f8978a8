"""The binary files the PostgreSQL COPY ceiling loads from: written by the server, and removed
after the bench, failed or interrupted too (never left behind in /tmp).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from arrowmig.rowpath import quote

CEILING_SCHEMA = "arrowmig_ceiling"


def copy_file(prefix: str, table: str) -> str:
    """The server's binary copy of ``table``: ``prefix`` and a name safe in a path and in SQL
    (a table's own name may hold a slash or a quote)."""
    return f"{prefix}{hashlib.sha1(table.encode()).hexdigest()[:16]}.bin"


@contextmanager
def server_copy_files(pg_url: str, tables: Sequence[str], notes: list[str]) -> Iterator[str]:
    """Have the server write each loaded table to a binary file, and keep an empty twin of
    each table in ``CEILING_SCHEMA``; yields the files' ``prefix`` (``copy_file``).

    The files go into a folder made here and removed on the way out, whatever ends the bench:
    the server's user writes into it (it runs on this machine), and this one removes what is
    in it. A server that cannot write there (on another machine) writes into its own /tmp;
    those files can only be emptied, and are named in ``notes``. The tables must already be
    loaded in ``pg_url`` (the bench's warm-up run loads them)."""
    import psycopg

    folder = tempfile.mkdtemp(prefix="arrowmig-bench-copy-")
    try:
        os.chmod(folder, 0o1733)  # others may write into it, only its owner list or remove
        prefix = _server_tmp(pg_url)
        try:
            with psycopg.connect(pg_url, autocommit=True) as conn:
                if _server_writes_into(conn, folder):
                    prefix = f"{folder}/"
                conn.execute(f"CREATE SCHEMA IF NOT EXISTS {CEILING_SCHEMA}")
                for table in tables:
                    tmpl = f"{CEILING_SCHEMA}.{quote('tmpl_' + table)}"
                    conn.execute(f"DROP TABLE IF EXISTS {tmpl}")
                    conn.execute(f"CREATE TABLE {tmpl} (LIKE public.{quote(table)})")
                    conn.execute(
                        f"COPY (SELECT * FROM public.{quote(table)}) "
                        f"TO {sql_text(copy_file(prefix, table))} (FORMAT binary)"
                    )
            yield prefix
        finally:
            _clean(pg_url, tables, prefix, folder, notes)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def sql_text(path: str) -> str:
    """A file name as an SQL string (COPY takes no parameter for it)."""
    return "'" + path.replace("'", "''") + "'"


def _server_writes_into(conn: Any, folder: str) -> bool:
    probe = f"{folder}/probe"
    try:
        conn.execute(f"COPY (SELECT 1 WHERE false) TO {sql_text(probe)}")
    except Exception:  # psycopg's error: no such folder on the server's machine, or no right
        return False
    return os.path.exists(probe)


def _server_tmp(pg_url: str) -> str:
    dbname = pg_url.rstrip("/").rsplit("/", 1)[-1].split("?")[0] or "postgres"
    return f"/tmp/arrowmig_bench_{dbname}_"


def _clean(pg_url: str, tables: Sequence[str], prefix: str, folder: str, notes: list[str]) -> None:
    """Drop the ceiling schema; a remote server's files are emptied (the server owns them)."""
    import psycopg

    try:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            if not prefix.startswith(f"{folder}/"):
                for table in tables:
                    emptied = sql_text(copy_file(prefix, table))
                    conn.execute(f"COPY (SELECT 1 WHERE false) TO {emptied}")
                notes.append(
                    "the PostgreSQL server keeps the COPY ceiling's files, emptied (it could not "
                    f"write into this machine's {folder}): remove {prefix}*.bin on its machine"
                )
            conn.execute(f"DROP SCHEMA IF EXISTS {CEILING_SCHEMA} CASCADE")
    except Exception as exc:
        notes.append(f"could not clean the PostgreSQL ceiling files: {exc}")

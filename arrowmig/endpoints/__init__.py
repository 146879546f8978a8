"""Database endpoints behind one protocol, opened by URL. Drivers load lazily, per kind."""

from __future__ import annotations

from arrowmig.arguments import NONE, NUMBER, TEXT, URL, checked
from arrowmig.endpoints.base import CHECKPOINT_TABLE, Endpoint
from arrowmig.endpoints.driver_versions import require_drivers
from arrowmig.urls import parse_url

__all__ = ["CHECKPOINT_TABLE", "Endpoint", "open_endpoint"]


@checked(url=URL, schema=TEXT | NONE, timeout_s=NUMBER | NONE)
def open_endpoint(
    url: str,
    *,
    schema: str | None = None,
    create: bool = False,
    timeout_s: float | None = None,
    read_only: bool = False,
) -> Endpoint:
    """Open one connection to the database ``url`` names.

    ``create`` lets a missing SQLite or DuckDB file be created (targets); sources must exist.
    ``read_only`` (sources, verify, plan) opens a SQLite or DuckDB file so that nothing can be
    written to it (a read-write open would fold a write-ahead log left beside it into the
    file), and reads PostgreSQL with row_security off (a table read in part fails instead).
    ``timeout_s`` cancels a PostgreSQL statement that runs longer (a hung batch), which then
    counts as a transient error and is retried.
    Raises UrlError for a URL no endpoint understands, ConnectError when it cannot be opened
    (a driver older than arrowmig works with included).
    """
    parsed = parse_url(url)
    require_drivers(parsed.kind)
    if parsed.kind == "sqlite":
        from arrowmig.endpoints.sqlite import SQLiteEndpoint

        return SQLiteEndpoint(parsed, schema, create=create, read_only=read_only)
    if parsed.kind == "duckdb":
        from arrowmig.endpoints.duckdb import DuckDBEndpoint

        return DuckDBEndpoint(parsed, schema, create=create, read_only=read_only)
    from arrowmig.endpoints.postgres import PostgresEndpoint

    endpoint = PostgresEndpoint(parsed, schema, create=create, read_only=read_only)
    if timeout_s:
        endpoint.set_statement_timeout(timeout_s)
    return endpoint

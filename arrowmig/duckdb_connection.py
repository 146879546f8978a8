"""Every DuckDB connection arrowmig opens (DuckDB files, verify's hashing engine and diff
store, the generator, the benchmark's paths), opened one way: quiet and offline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

OFFLINE = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
"""DuckDB fetches an extension it wants from the internet by default (its sqlite scanner for a
SQLite file opened as DuckDB; httpfs for a URL): a command then waits on the network, or fails
with a download error that says nothing of the real mistake. arrowmig needs only the
extensions built into DuckDB's wheel (json, parquet, icu), which are loaded at start."""


def connect_duckdb(
    path: str = ":memory:", *, read_only: bool = False, **settings: Any
) -> duckdb.DuckDBPyConnection:
    """``duckdb.connect`` with ``settings`` (DuckDB's global options, such as ``threads``),
    never reaching the network for an extension, and drawing no progress bar."""
    import duckdb

    con = duckdb.connect(path, read_only=read_only, config={**settings, **OFFLINE})
    try:
        # DuckDB draws a bar on stdout for a query over ~2 s: a library must write nothing
        # there (a script's own output is on it). A per-connection setting, refused at connect.
        con.execute("SET enable_progress_bar = false")
    except BaseException:
        con.close()  # a signal to stop: closed now, not when the traceback that holds it goes
        raise
    return con

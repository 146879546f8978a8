"""ADBC connections to PostgreSQL that share one driver *database* per server URL.

The driver's database object loads the server's whole type catalog when it is opened
(arrow-adbc#1755): 0.15-0.35 s, where a connection from a database already open costs one
libpq connect (about 10 ms). A run opens a dozen connections to each server (planning,
the run lock, the snapshot holder, one per stream, finishing, verify): each paid the
catalog. Here the first connection to a URL opens its database, kept until the process
ends (or ``close_databases``), and every later one is made from it.

A catalog loaded once does not know the types created after it: a query whose result holds
an enum or domain the run made would come back as opaque bytes. The run reads such columns
cast to text and writes them by binary COPY from text, which need no catalog, but the target
calls ``catalog_changed`` after creating a type anyway: the next connection opens a fresh
database, which knows it.
"""

from __future__ import annotations

import atexit
import threading
from typing import Any

_lock = threading.Lock()
_databases: dict[str, Any] = {}
"""Each URL's open database (the driver manager's reference-counted holder: the database
itself closes when this and every connection made from it are closed)."""


def connect(conninfo: str, *, autocommit: bool = False) -> Any:
    """A DB-API connection to ``conninfo`` from its shared database (opened on first use;
    the driver's error, as ``adbc_driver_postgresql.dbapi.connect`` raises it, when the
    server refuses)."""
    import adbc_driver_manager
    import adbc_driver_manager.dbapi as dbapi

    if not hasattr(dbapi, "_SharedDatabase"):
        # The holder is the driver manager's own, and private (1.13): a release without it
        # costs each connection its catalog again, not the run.
        import adbc_driver_postgresql.dbapi

        return adbc_driver_postgresql.dbapi.connect(conninfo, autocommit=autocommit)
    shared = _database(conninfo)  # a reference of our own: catalog_changed cannot close it
    try:
        conn = adbc_driver_manager.AdbcConnection(shared._db)
        try:
            return dbapi.Connection(shared, conn, autocommit=autocommit)  # takes its own
        except BaseException:
            conn.close()
            raise
    finally:
        shared.close()  # ours let go: the database closes with its last connection


def _database(conninfo: str) -> Any:
    # Opened under the lock: streams starting at once would each load the catalog.
    with _lock:
        shared = _databases.get(conninfo)
        if shared is None:
            import adbc_driver_manager.dbapi as dbapi
            import adbc_driver_postgresql

            shared = dbapi._SharedDatabase(adbc_driver_postgresql.connect(conninfo))
            _databases[conninfo] = shared
        return shared.clone()  # counted under the lock, before another thread lets it go


def catalog_changed(conninfo: str) -> None:
    """The server at ``conninfo`` has types its shared database does not know (the run
    created them): connections from now on come from a database opened afresh."""
    with _lock:
        shared = _databases.pop(conninfo, None)
    if shared is not None:
        shared.close()  # closes when the connections made from it are closed


def close_databases() -> None:
    """Let go of every shared database (each closes with its last connection)."""
    with _lock:
        held = list(_databases.values())
        _databases.clear()
    for shared in held:
        shared.close()


atexit.register(close_databases)

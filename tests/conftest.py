"""Shared fixtures: a throw-away PostgreSQL database per test, on the real server.

The server is ARROWMIG_TEST_PG_URL (default postgresql://postgres@127.0.0.1:5432/postgres).
When it is unreachable, PostgreSQL tests skip with the reason locally and FAIL under CI=true.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.database_pool import DatabasePool

PG_URL = os.environ.get("ARROWMIG_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


def _admin_connect() -> object:
    import psycopg

    return psycopg.connect(PG_URL, autocommit=True, connect_timeout=5)


_reachable: bool | None = None
_reason = ""


def pg_available() -> bool:
    global _reachable, _reason
    if _reachable is None:
        try:
            _admin_connect().close()  # type: ignore[attr-defined]
            _reachable = True
        except Exception as exc:
            _reachable, _reason = False, f"PostgreSQL unreachable at {PG_URL}: {exc}"
    return _reachable


def require_pg() -> None:
    if not pg_available():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{_reason} (CI=true: PostgreSQL tests must run)")
        pytest.skip(_reason)


@contextmanager
def _throwaway_database(name: str, encoding: str | None = None) -> Iterator[str]:
    admin = _admin_connect()
    # Another encoding than the server's takes the C locale, which goes with any.
    other = f" ENCODING '{encoding}' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0"
    admin.execute(f'CREATE DATABASE "{name}"' + (other if encoding else ""))  # type: ignore[attr-defined]
    try:
        yield _with_database(PG_URL, name)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[attr-defined]
        admin.close()  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def _database_pool() -> Iterator[DatabasePool]:
    """This test process's empty databases; dropped when its tests are done."""
    pool = DatabasePool(_admin_connect, lambda name: _with_database(PG_URL, name))
    try:
        yield pool
    finally:
        pool.close()


@contextmanager
def _pooled_database(pool: DatabasePool) -> Iterator[str]:
    name = pool.take()
    try:
        yield _with_database(PG_URL, name)
    finally:
        pool.give_back(name)


@pytest.fixture
def pg_url(_database_pool: DatabasePool) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, of a name no other test has had."""
    require_pg()
    with _pooled_database(_database_pool) as url:
        yield url


@pytest.fixture
def second_pg(pg_url: str, _database_pool: DatabasePool) -> Iterator[str]:
    """Another throw-away database on the same server (a PostgreSQL → PostgreSQL target)."""
    with _pooled_database(_database_pool) as url:
        yield url


@pytest.fixture
def latin1_pg(pg_url: str) -> Iterator[str]:
    """A throw-away database whose encoding is LATIN1 (ISO 8859-1), as older servers have."""
    with _throwaway_database(pg_url.rsplit("/", 1)[1] + "_latin1", "LATIN1") as url:
        yield url


@pytest.fixture
def sql_ascii_pg(pg_url: str) -> Iterator[str]:
    """A throw-away database of encoding SQL_ASCII: bytes stored as sent, in no encoding."""
    with _throwaway_database(pg_url.rsplit("/", 1)[1] + "_sql_ascii", "SQL_ASCII") as url:
        yield url


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgres: needs the PostgreSQL server")
    config.addinivalue_line("markers", "serial: run alone, after the tests run in parallel")


ALONE = {
    # They act at a moment a run reaches (a server stopped, a session ended, a signal sent
    # while the run holds a lock, a kill at a swap): with tests beside them on the machine's
    # two cores, that moment comes late and the runs' timings shift. `make test` runs the
    # rest in parallel (pytest-xdist), then these one at a time.
    "test_server_restarts.py",
    "test_server_crash.py",
    "test_swap_crash.py",
    "test_signals.py",
    "test_signal_edges.py",
    "test_stopped_late.py",
    "test_stopped_finishing.py",
    "test_stop_cancels.py",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.name in ALONE:
            item.add_marker(pytest.mark.serial)

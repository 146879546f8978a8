"""A PostgreSQL session ended between its connect and its first query (a server restarting
just then): the endpoint says the connection was lost, as any later query does."""

from __future__ import annotations

import time
from typing import Any

import psycopg
import pytest

from arrowmig.endpoints import open_endpoint, pg_connect
from arrowmig.errors import TransientError

pytestmark = pytest.mark.postgres


@pytest.mark.parametrize("read_only", [True, False])
def test_a_session_ended_before_its_first_query_is_a_lost_connection(
    pg_url: str, monkeypatch: pytest.MonkeyPatch, read_only: bool
) -> None:
    # The first query's failure was told by translate, which read an attribute set only after
    # that query: an AttributeError (exit 1, "unexpected") instead of the server's words.
    connect = pg_connect.connect

    def connect_then_ended(conninfo: str, **options: Any) -> Any:
        conn = connect(conninfo, **options)
        with psycopg.connect(pg_url, autocommit=True) as killer:
            others = "datname = current_database() AND pid <> pg_backend_pid()"
            killer.execute(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE {others}")
            while killer.execute(
                f"SELECT count(*) FROM pg_stat_activity WHERE {others}"
            ).fetchone() != (0,):
                time.sleep(0.01)
        return conn

    monkeypatch.setattr(pg_connect, "connect", connect_then_ended)
    with pytest.raises(TransientError) as raised:
        open_endpoint(pg_url, read_only=read_only)
    # Transient, as a lost connection is anywhere: a stream retries it, planning stops on it.
    assert str(raised.value) == (
        "reading the catalog: terminating connection due to administrator command"
    )

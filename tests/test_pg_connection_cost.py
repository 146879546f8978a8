"""A run's PostgreSQL connections share one ADBC driver database per server: opening a new one
loads the server's whole type catalog (arrow-adbc#1755), 0.15-0.35 s each, and a run opened a
dozen. Types the run creates are still known to the connections made after."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import adbc_driver_postgresql
import psycopg
import pyarrow as pa
import pytest

from arrowmig import migrate, verify
from arrowmig.config import MigrationConfig
from arrowmig.endpoints import pg_connect

pytestmark = pytest.mark.postgres


@pytest.fixture
def databases_opened(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """How many driver databases were opened, per URL (the driver's own, called through)."""
    opened: Counter[str] = Counter()
    driver_connect = adbc_driver_postgresql.connect

    def counted(uri: str, *args: object, **kwargs: object) -> object:
        opened[uri] += 1
        return driver_connect(uri, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(adbc_driver_postgresql, "connect", counted)
    pg_connect.close_databases()  # none left open by an earlier test of this process
    yield opened
    pg_connect.close_databases()


def test_a_run_opens_one_driver_database_per_server(
    pg_url: str, second_pg: str, databases_opened: Counter[str]
) -> None:
    with psycopg.connect(pg_url, autocommit=True) as con:
        for name in ("a", "b", "c"):
            con.execute(f"CREATE TABLE {name} (id int PRIMARY KEY, v text)")
            con.execute(f"INSERT INTO {name} SELECT i, 'v' || i FROM generate_series(1, 50) i")
    report = migrate(pg_url, second_pg)
    assert report.ok, [t.error for t in report.tables]
    # Planning, the run lock, the snapshot holder, the streams and finishing each connect:
    # all from the one database of each server.
    assert sorted(databases_opened.values()) == [1, 1], databases_opened
    # The call let them go: a program's next call reads the catalogs afresh, once each.
    databases_opened.clear()
    assert verify(pg_url, second_pg).ok
    assert sorted(databases_opened.values()) == [1, 1], databases_opened


def test_enums_and_domains_the_run_creates_arrive_and_read_back(
    pg_url: str, second_pg: str, databases_opened: Counter[str]
) -> None:
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')")
        con.execute("CREATE DOMAIN score AS int CHECK (VALUE BETWEEN 0 AND 10)")
        con.execute("CREATE TABLE feel (id int PRIMARY KEY, m mood, ms mood[], s score)")
        con.execute("INSERT INTO feel VALUES (1, 'happy', '{sad,ok}', 7), (2, NULL, NULL, NULL)")
    # A cast keeps the table off the server-to-server COPY: the batches go through the driver.
    config = MigrationConfig(casts=(("feel", "id", "bigint"),))
    report = migrate(pg_url, second_pg, config=config)
    assert report.ok, [t.error for t in report.tables]
    with psycopg.connect(second_pg) as con:
        rows = con.execute("SELECT id, m::text, ms::text, s FROM feel ORDER BY id").fetchall()
    assert rows == [(1, "happy", "{sad,ok}", 7), (2, None, None, None)]
    assert verify(pg_url, second_pg, level="diff").ok
    # A connection made after the run created the enum knows it: its values read as text,
    # not as the opaque bytes of a type missing from the driver's catalog.
    (target,) = (url for url in databases_opened if url.startswith(second_pg))
    conn = pg_connect.connect(target)  # the URL the run connected with, its database reused
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT m FROM feel WHERE id = 1")
            read = cursor.fetch_arrow_table()
    finally:
        conn.close()
    assert read.schema.field("m").type == pa.string() and read["m"].to_pylist() == ["happy"]

"""What of a PostgreSQL table is more than its columns' values: an UNLOGGED table stays
unlogged (and is loaded so) into PostgreSQL and is named elsewhere; a ``name`` column stays
``name`` (63 bytes, "C" collation), as ``pg_dump`` keeps both."""

from __future__ import annotations

import importlib
from pathlib import Path

import psycopg
import pytest

from arrowmig import Interrupted, MigrationConfig, migrate
from arrowmig.migrate import explain
from arrowmig.plan import MigrationPlan
from tests.dbutil import pg_exec, pg_rows

pytestmark = pytest.mark.postgres

LONGEST_NAME = "n" * 62 + "é"  # 64 bytes: name keeps 63, cut at a character's start
CACHE = (
    "CREATE UNLOGGED TABLE cache (id int PRIMARY KEY, n name, v text)",
    "INSERT INTO cache SELECT i, 'k' || i, md5(i::text) FROM generate_series(1, 300) AS i",
    f"INSERT INTO cache VALUES (0, '{LONGEST_NAME}', 'longest')",
)


def _kind(url: str, table: str) -> tuple[str, str]:
    """The table's persistence (p: logged, u: unlogged) and its column n's type."""
    with psycopg.connect(url) as con:
        row = con.execute(
            "SELECT c.relpersistence::text, format_type(a.atttypid, a.atttypmod) FROM pg_class c "
            "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'n' WHERE c.oid = %s::regclass",
            (table,),
        ).fetchone()
    assert row is not None
    return row[0], row[1]


@pytest.mark.parametrize("direct", [True, False], ids=["binary-copy", "arrow"])
def test_an_unlogged_table_with_a_name_column_arrives_as_it_was(
    pg_url: str, second_pg: str, direct: bool
) -> None:
    # It arrived logged, and n as text (no 63-byte limit, the database's collation), unsaid.
    pg_exec(pg_url, *CACHE)
    config = MigrationConfig(direct=direct)
    planned = explain(pg_url, second_pg, config=config)
    assert isinstance(planned, MigrationPlan)
    (table,) = planned.tables
    assert table.target.unlogged
    assert "unlogged as in the source" in (table.loading or "")
    report = migrate(pg_url, second_pg, config=config)
    assert report.ok, [t.error for t in report.tables]
    assert _kind(second_pg, "cache") == ("u", "name")
    assert pg_rows(second_pg, "cache", "id") == pg_rows(pg_url, "cache", "id")
    assert len(pg_rows(second_pg, "cache", "id")[0][1].encode()) == 62  # 'n' * 62, é cut off
    with psycopg.connect(second_pg) as con:
        (collation,) = con.execute("SELECT pg_collation_for(n) FROM cache LIMIT 1").fetchone() or (
            "",
        )
    assert collation == '"C"'


def test_into_duckdb_unlogged_is_named_as_not_carried(pg_url: str, tmp_path: Path) -> None:
    pg_exec(pg_url, *CACHE)
    planned = explain(pg_url, str(tmp_path / "t.duckdb"))
    assert isinstance(planned, MigrationPlan)
    (table,) = planned.tables
    assert "not carried: UNLOGGED (an ordinary table in duckdb)" in table.notes
    assert not table.target.unlogged


def test_a_logged_table_is_loaded_logged(pg_url: str, second_pg: str) -> None:
    pg_exec(pg_url, "CREATE TABLE t (id int PRIMARY KEY, n name)", "INSERT INTO t VALUES (1, 'a')")
    assert migrate(pg_url, second_pg).ok
    assert _kind(second_pg, "t") == ("p", "name")


def test_an_unlogged_table_a_crash_emptied_is_loaded_again_by_resume(
    pg_url: str, second_pg: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A crash of the server empties every unlogged table, while the run's checkpoints (in
    # a logged table) still say it was loaded: a resume that trusted them left it empty.
    migrate_module = importlib.import_module(
        "arrowmig.migrate"
    )  # the package's `migrate` is the function

    pg_exec(pg_url, *CACHE)
    pg_exec(pg_url, "CREATE TABLE logged (id int PRIMARY KEY)", "INSERT INTO logged VALUES (1)")

    def stop(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # every table is loaded; the run stops before it completes

    with monkeypatch.context() as patched:
        patched.setattr(migrate_module, "add_pg_definitions", stop)
        with pytest.raises(Interrupted) as stopped:
            migrate(pg_url, second_pg)
        assert stopped.value.report is not None
        assert stopped.value.report.interrupted == "SIGINT"
    assert len(pg_rows(second_pg, "cache", "id")) == 301
    pg_exec(second_pg, "TRUNCATE cache")  # what crash recovery does to an unlogged table
    resumed = migrate(pg_url, second_pg, config=MigrationConfig(resume=True))
    assert resumed.ok, [t.error for t in resumed.tables]
    assert pg_rows(second_pg, "cache", "id") == pg_rows(pg_url, "cache", "id")
    assert pg_rows(second_pg, "logged", "id") == [(1,)]
    assert _kind(second_pg, "cache") == ("u", "name")


def test_a_table_keyed_on_several_columns_says_why_a_resume_starts_it_again(
    pg_url: str, tmp_path: Path
) -> None:
    # pagila's payment: the plan said "no usable key" of a table with a primary key.
    pg_exec(
        pg_url,
        "CREATE TABLE payment (payment_id int, payment_date timestamptz, "
        "PRIMARY KEY (payment_date, payment_id))",
        "INSERT INTO payment VALUES (1, '2022-01-01 10:00+00')",
    )
    planned = explain(pg_url, str(tmp_path / "t.duckdb"))
    assert isinstance(planned, MigrationPlan)
    (table,) = planned.tables
    assert "no usable key" not in (table.loading or "")
    assert (
        "no key of one integer column to continue after (its primary key is "
        "(payment_date, payment_id)), so a resumed run loads it again from the start"
    ) in (table.loading or "")

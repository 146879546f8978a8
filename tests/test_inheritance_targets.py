"""A PostgreSQL target table with inheritance children (``CREATE TABLE capitals () INHERITS
(cities)``, as a schema restored by ``pg_dump -s`` has them): each child holds rows of its
own. ``--mode truncate --tables cities`` emptied them too (TRUNCATE and DELETE reach every
child), and ``--mode replace`` dropped the children whole (DROP ... CASCADE), tables the run
was not given, without a word. Now truncate empties the parent alone, and replace is refused
before anything is written unless the children are in the run (or kept with the backup)."""

from __future__ import annotations

import psycopg
import pytest

from arrowmig import MigrationConfig, SchemaError, migrate
from arrowmig.migrate import explain
from arrowmig.python_words import in_python_words
from tests.dbutil import pg_exec

pytestmark = pytest.mark.postgres

TABLES = (
    "CREATE TABLE cities (name text, population int); "
    "CREATE TABLE capitals (state char(2)) INHERITS (cities); "
    "CREATE TABLE towns () INHERITS (capitals)"
)


def _rows(url: str) -> list[tuple[object, ...]]:
    with psycopg.connect(url) as con:
        return con.execute(
            "SELECT tableoid::regclass::text, name FROM cities ORDER BY 1, 2"
        ).fetchall()


def _target(url: str) -> None:
    pg_exec(
        url,
        TABLES,
        "INSERT INTO cities VALUES ('old city', 1); "
        "INSERT INTO capitals VALUES ('old capital', 2, 'CA'); "
        "INSERT INTO towns VALUES ('old town', 3, 'NV')",
    )


@pytest.mark.parametrize("rows", [1, 300])
def test_truncate_empties_the_parent_alone(pg_url: str, second_pg: str, rows: int) -> None:
    pg_exec(pg_url, TABLES, f"INSERT INTO cities SELECT 'new', g FROM generate_series(1, {rows}) g")
    _target(second_pg)
    config = MigrationConfig(mode="truncate")
    report = migrate(pg_url, second_pg, tables=["cities"], config=config)
    assert report.ok
    assert _rows(second_pg) == [
        ("capitals", "old capital"),
        *[("cities", "new")] * rows,
        ("towns", "old town"),
    ]


def test_replace_would_drop_children_outside_the_run(pg_url: str, second_pg: str) -> None:
    pg_exec(pg_url, TABLES, "INSERT INTO cities VALUES ('new', 1)")
    _target(second_pg)
    told = (
        r"^replacing 'cities' would drop the tables that inherit from it, with their rows: "
        r"capitals, towns; nothing has been written; use --mode truncate"
    )
    config = MigrationConfig(mode="replace", tables=("cities",))
    with pytest.raises(SchemaError, match=told):
        explain(pg_url, second_pg, config=config)
    with pytest.raises(SchemaError, match=in_python_words(told)) as raised:
        migrate(pg_url, second_pg, config=config)
    assert raised.value.hint is not None and "mode='truncate'" in raised.value.hint
    assert _rows(second_pg) == [
        ("capitals", "old capital"),
        ("cities", "old city"),
        ("towns", "old town"),
    ]
    # In the run, they are replaced too.
    assert migrate(pg_url, second_pg, config=MigrationConfig(mode="replace")).ok
    assert _rows(second_pg) == [("cities", "new")]


def test_with_keep_backup_the_children_stay_with_the_backup(pg_url: str, second_pg: str) -> None:
    pg_exec(pg_url, TABLES, "INSERT INTO cities VALUES ('new', 1)")
    _target(second_pg)
    config = MigrationConfig(mode="replace", keep_backup=True)
    report = migrate(pg_url, second_pg, tables=["cities"], config=config)
    assert report.ok
    assert (
        "its inheritance children capitals, towns stay, with their rows, inheriting from the "
        "previous table, kept as the backup"
    ) in report.tables[0].notes
    assert _rows(second_pg) == [("cities", "new")]
    with psycopg.connect(second_pg) as con:
        kept = con.execute("SELECT name FROM capitals ORDER BY 1").fetchall()
    assert kept == [("old capital",), ("old town",)]

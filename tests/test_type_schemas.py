"""Enums and domains of two schemas of a PostgreSQL source (``public.status`` and
``sales.status``): kept apart in the target, or refused by the plan before anything is
written; none left behind by a table that could not be created."""

from __future__ import annotations

import psycopg
import pyarrow as pa
import pytest

import arrowmig
from arrowmig import MigrationConfig, open_endpoint
from arrowmig.errors import SchemaError
from arrowmig.model import Column, Table
from tests.dbutil import pg_exec

_SOURCE = (
    "CREATE TYPE public.status AS ENUM ('new', 'done')",
    "CREATE DOMAIN public.code AS text CHECK (VALUE <> '')",
    "CREATE SCHEMA sales",
    "CREATE TYPE sales.status AS ENUM ('open', 'closed')",
    "CREATE TABLE sales.orders (id int PRIMARY KEY, s public.status, t sales.status, "
    "c public.code)",
    "INSERT INTO sales.orders VALUES (1, 'new', 'open', 'x')",
    "CREATE TABLE public.jobs (id int PRIMARY KEY, s public.status)",
    "INSERT INTO public.jobs VALUES (1, 'done')",
)

_TYPES = (
    "SELECT n.nspname || '.' || t.typname, array_to_string(ARRAY(SELECT enumlabel FROM pg_enum "
    "WHERE enumtypid = t.oid ORDER BY enumsortorder), ',') FROM pg_type t JOIN pg_namespace n "
    "ON n.oid = t.typnamespace WHERE t.typtype IN ('e', 'd') "
    "AND n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1"
)


def _rows(url: str, sql: str) -> list[tuple[object, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchall()


_COLUMN_TYPES = (
    "SELECT attname, atttypid::regtype::text FROM pg_attribute "
    "WHERE attrelid = 'sales.orders'::regclass AND attnum > 0 ORDER BY attnum"
)


@pytest.mark.postgres
def test_types_of_two_schemas_stay_apart_in_the_target(pg_url: str, second_pg: str) -> None:
    # sales.status was refused as "exists in the target but is not the source's enum": the
    # run had made public.status under its name, and left it there.
    pg_exec(pg_url, *_SOURCE)
    for schemas in ("sales", "public,sales"):
        config = MigrationConfig(source_schema=schemas, target_schema="sales")
        if "," in schemas:
            config = MigrationConfig(source_schema=schemas)
        report = arrowmig.migrate(pg_url, second_pg, config=config)
        assert report.ok, [t.error for t in report.tables]
        assert _rows(second_pg, _COLUMN_TYPES) == [
            ("id", "integer"),
            ("s", "status"),
            ("t", "sales.status"),
            ("c", "code"),
        ]
        # public.status once, though tables of both schemas use it.
        assert _rows(second_pg, _TYPES) == [
            ("public.code", ""),
            ("public.status", "new,done"),
            ("sales.status", "open,closed"),
        ]
        pg_exec(second_pg, "DROP SCHEMA sales CASCADE", "DROP TABLE IF EXISTS jobs")
        pg_exec(second_pg, "DROP TYPE public.status", "DROP DOMAIN public.code")


@pytest.mark.postgres
def test_two_types_that_would_meet_under_one_name_are_refused_by_the_plan(
    pg_url: str, second_pg: str
) -> None:
    # Read from sales into public, sales.status would be public.status, the name of the
    # other enum the table uses: the plan said nothing and the run failed.
    pg_exec(pg_url, *_SOURCE)
    config = MigrationConfig(source_schema="sales")
    with pytest.raises(SchemaError) as refused:
        arrowmig.migrate(pg_url, second_pg, config=config)
    assert (
        'types "public"."status" and "sales"."status" of the source would both be '
        '"public"."status" in the target'
    ) in refused.value.message
    assert "target_schema='sales'" in (refused.value.hint or "")
    assert _rows(second_pg, _TYPES) == []  # nothing written


@pytest.mark.postgres
def test_a_table_that_cannot_be_created_leaves_no_type_of_its_own_behind(second_pg: str) -> None:
    # The plan's checks passed, then another session made a type of the second name: the
    # first type, made for this table, stayed in the target after the failure.
    pg_exec(second_pg, "CREATE TYPE public.mood AS ENUM ('other')")
    table = Table(
        "t",
        (
            _enum_column("a", "status", ("new", "done")),
            _enum_column("b", "mood", ("sad", "happy")),
        ),
    )
    with open_endpoint(second_pg) as dst, pytest.raises(SchemaError, match="mood"):
        dst.create_table(table)
    assert _rows(second_pg, _TYPES) == [("public.mood", "other")]


def _enum_column(name: str, enum: str, labels: tuple[str, ...]) -> Column:
    return Column(
        name,
        pa.string(),
        enum,
        pg_enum=(enum, labels),
        pg_type=f'"public"."{enum}"',
        pg_type_schema="public",
    )

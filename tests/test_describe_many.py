"""Describing many PostgreSQL tables at once (a plan or a run of a whole schema): the same
tables as describing each on its own, in a number of statements that does not grow with the
number of tables."""

from __future__ import annotations

from typing import Any

import pytest

from arrowmig.endpoints import open_endpoint
from arrowmig.endpoints.base import describe_each
from arrowmig.endpoints.postgres import PostgresEndpoint
from arrowmig.errors import SchemaError
from tests.dbutil import pg_exec

# Tables unlike each other, so that each answer of a statement run for all of them must reach
# its own table: keys, a sequence shared by two tables, enums and domains, NaN in a numeric,
# inheritance, checks, a partial index, a foreign key, comments, an unlogged table, a grant.
_SHAPES = (
    "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')",
    "CREATE DOMAIN positive AS int CHECK (VALUE > 0)",
    "CREATE SEQUENCE ticket START 100",
    "CREATE TABLE parent (id bigserial PRIMARY KEY, name text NOT NULL, price numeric(8,2))",
    "CREATE TABLE child (extra int) INHERITS (parent)",
    "CREATE TABLE a (n int DEFAULT nextval('ticket') PRIMARY KEY, feel mood, size positive, "
    "price numeric(6,2) CHECK (price > 0), at timestamptz DEFAULT now(), "
    "parent_id bigint REFERENCES parent (id))",
    "CREATE TABLE b (n int DEFAULT nextval('ticket') NOT NULL, feels mood[], note varchar(20))",
    "CREATE INDEX b_note ON b (note) WHERE note IS NOT NULL",
    "CREATE UNIQUE INDEX b_n ON b (n DESC)",
    "CREATE UNLOGGED TABLE c (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
    "doubled int GENERATED ALWAYS AS (id * 2) STORED, js jsonb)",
    "COMMENT ON TABLE c IS 'the third'",
    "COMMENT ON COLUMN c.js IS 'a document'",
    "GRANT SELECT ON a TO PUBLIC",
    "INSERT INTO parent (name, price) VALUES ('p', 1.5), ('q', 'NaN')",
    "INSERT INTO child (name, price, extra) VALUES ('c', 2, 7)",
    "INSERT INTO a (feel, size, price, parent_id) VALUES ('ok', 3, 9.99, 1), (NULL, 1, 0.5, NULL)",
    "INSERT INTO b (feels, note) VALUES ('{sad,happy}', 'x'), (NULL, NULL)",
    "INSERT INTO c (js) VALUES ('{\"k\": [1, 2]}')",
)


@pytest.fixture
def shapes(pg_url: str) -> str:
    pg_exec(pg_url, *_SHAPES)
    return pg_url


@pytest.mark.parametrize(
    "how",
    [
        {"profile": True},
        {"profile": False},
        {"presume": True},
    ],
)
def test_many_described_at_once_as_each_alone(shapes: str, how: dict[str, bool]) -> None:
    with open_endpoint(shapes) as src:
        names = src.list_tables()
        assert names == ["a", "b", "c", "child", "parent"]
        alone = {name: src.describe(name, **how) for name in names}
        assert describe_each(src, names, **how) == alone
    # What makes the tables differ reached each one (not another's answer).
    assert alone["parent"].not_carried and alone["parent"].own_rows_only
    assert alone["a"].foreign_keys and alone["c"].unlogged and alone["c"].comment


def _counting(src: PostgresEndpoint) -> list[str]:
    """The statements ``src`` runs from now on (through its one connection)."""
    statements: list[str] = []
    run = src._query

    def query(sql: str, params: tuple[Any, ...] | None = None) -> list[tuple[Any, ...]]:
        statements.append(sql)
        return run(sql, params)

    src._query = query  # type: ignore[method-assign]
    return statements


def test_statements_do_not_grow_with_the_tables(pg_url: str) -> None:
    def statements_for(tables: int) -> int:
        pg_exec(pg_url, "DROP SCHEMA public CASCADE", "CREATE SCHEMA public")
        for t in range(tables):
            pg_exec(
                pg_url,
                f"CREATE TABLE t{t} (id bigserial PRIMARY KEY, name text, amount numeric(9,2), "
                f"parent bigint {f'REFERENCES t{t - 1} (id)' if t else ''})",
                f"CREATE INDEX t{t}_name ON t{t} (name)",
                f"INSERT INTO t{t} (name, amount) VALUES ('x', 1.5)",
            )
        with open_endpoint(pg_url) as src:
            assert isinstance(src, PostgresEndpoint)
            statements = _counting(src)
            described = describe_each(src, src.list_tables())
        assert len(described) == tables
        assert all(t.row_count == 1 and t.indexes for t in described.values())
        return len(statements)

    assert statements_for(12) == statements_for(3)


def test_a_missing_table_is_named_as_alone(shapes: str) -> None:
    with open_endpoint(shapes) as src:
        with pytest.raises(SchemaError) as alone:
            src.describe("gone")
        with pytest.raises(SchemaError) as together:
            describe_each(src, ["a", "gone", "b"])
    assert str(together.value) == str(alone.value)
    assert together.value.hint == alone.value.hint

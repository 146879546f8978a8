"""A PostgreSQL source user that may not read all it is asked to move: every missing privilege
(USAGE on a schema, SELECT on a table, SELECT on some columns) is named at once, with the
GRANT that gives it, before anything is written."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from arrowmig import MigrationConfig, SchemaError, migrate, verify
from tests.dbutil import as_role, pg_exec, pg_rows

pytestmark = pytest.mark.postgres


@pytest.fixture
def reader(pg_url: str) -> Iterator[tuple[str, str]]:
    """A role that may log in and read nothing yet, and the source URL as that role."""
    role = f"arrowmig_reader_{uuid.uuid4().hex[:8]}"
    pg_exec(pg_url, f"CREATE ROLE {role} LOGIN")
    as_reader = as_role(pg_url, role)
    try:
        yield role, as_reader
    finally:
        pg_exec(pg_url, f"DROP OWNED BY {role}", f"DROP ROLE {role}")


def test_select_granted_on_some_columns_is_refused_at_planning(
    pg_url: str, second_pg: str, reader: tuple[str, str]
) -> None:
    # It created the target table, failed reading it, dropped it again, and advised
    # GRANT CREATE on the target schema (exit 1).
    role, as_reader = reader
    pg_exec(
        pg_url,
        "CREATE TABLE colpriv (id int PRIMARY KEY, public_col text, secret_col text)",
        "INSERT INTO colpriv VALUES (1, 'a', 's')",
        f"GRANT SELECT (id, public_col) ON colpriv TO {role}",
    )
    with pytest.raises(SchemaError) as refused:
        migrate(as_reader, second_pg, tables=["colpriv"])
    said = str(refused.value)
    assert refused.value.exit_code == 2
    assert "no permission to read column secret_col of table 'colpriv'" in said
    assert f'GRANT SELECT ("secret_col") ON "public"."colpriv" TO "{role}"' in said
    assert "GRANT CREATE" not in said
    with psycopg.connect(second_pg) as con:  # refused before the target table was made
        assert con.execute("SELECT to_regclass('colpriv')").fetchone() == (None,)
    pg_exec(pg_url, f'GRANT SELECT ("secret_col") ON colpriv TO {role}')
    try:
        report = migrate(as_reader, second_pg, tables=["colpriv"])
    finally:  # the copy's grants to the role, carried from the source, go before it
        pg_exec(second_pg, f"DROP OWNED BY {role}")
    assert report.ok
    assert pg_rows(second_pg, "colpriv") == [(1, "a", "s")]
    # Read by grants on every column, it cannot be locked (LOCK needs SELECT on the table):
    # said, as a TRUNCATE meanwhile would not have waited for the run.
    assert any(
        n.startswith('not locked while the run read them: "public"."colpriv"') for n in report.notes
    )


def test_every_missing_privilege_is_named_in_one_error(
    pg_url: str, tmp_path: Path, reader: tuple[str, str]
) -> None:
    # One per run: each grant took another run to find the next one.
    role, as_reader = reader
    pg_exec(
        pg_url,
        "CREATE SCHEMA a; CREATE SCHEMA hidden; CREATE TABLE a.secret (id int);"
        "CREATE TABLE a.cols (id int, pay int); CREATE TABLE a.open_t (id int);"
        "CREATE TABLE hidden.t (id int)",
        f"GRANT USAGE ON SCHEMA a TO {role}",
        f"GRANT SELECT ON a.open_t, hidden.t TO {role}",
        f"GRANT SELECT (id) ON a.cols TO {role}",
    )
    target = tmp_path / "out.duckdb"
    with pytest.raises(SchemaError) as refused:
        migrate(as_reader, str(target), config=MigrationConfig(source_schema="*"))
    said = str(refused.value)
    assert not target.exists()
    assert "3 privileges missing" in said
    for grant in (
        f'GRANT SELECT ("pay") ON "a"."cols" TO "{role}"',
        f'GRANT SELECT ON "a"."secret" TO "{role}"',
        f'GRANT USAGE ON SCHEMA "hidden" TO "{role}"',
    ):
        assert grant in said
    assert "exclude='a.cols,a.secret,hidden.t'" in said
    # One schema: both tables at once.
    with pytest.raises(SchemaError) as refused:
        migrate(as_reader, str(target), config=MigrationConfig(source_schema="a"))
    said = str(refused.value)
    assert "2 privileges missing" in said and "exclude='cols,secret'" in said
    config = MigrationConfig(source_schema="a", exclude=("cols", "secret"))
    assert migrate(as_reader, str(target), config=config).ok


def test_a_schema_without_usage_is_refused_with_its_grant_before_the_lock(
    pg_url: str, second_pg: str, tmp_path: Path, reader: tuple[str, str]
) -> None:
    # The lock of the run's tables met it first: "permission denied for schema app; run
    # again", which no run again mends.
    role, as_reader = reader
    pg_exec(pg_url, "CREATE SCHEMA app; CREATE TABLE app.t (id int); CREATE SCHEMA b")
    pg_exec(pg_url, "CREATE TABLE b.u (id int)")
    pg_exec(second_pg, "CREATE SCHEMA app; CREATE TABLE app.t (id int)")
    target = tmp_path / "out.duckdb"
    calls = [
        lambda: migrate(as_reader, str(target), config=MigrationConfig(source_schema="app")),
        lambda: verify(as_reader, second_pg, source_schema="app", target_schema="app"),
        lambda: verify(as_reader, second_pg, source_schema="app,b"),
    ]
    for call in calls:
        with pytest.raises(SchemaError) as refused:
            call()
        said = str(refused.value)
        assert refused.value.exit_code == 2
        assert f'GRANT USAGE ON SCHEMA "app" TO "{role}"' in said
        assert f'GRANT SELECT ON "app"."t" TO "{role}"' in said
        assert "run again" not in said
    assert not target.exists()

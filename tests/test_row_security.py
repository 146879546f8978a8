"""A source table whose row-level security policies apply to the reading user: it read only
the rows they showed, and the run said done (verify, reading the same way, said match).
pg_dump refuses such a table; arrowmig refuses it before writing anything."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from arrowmig import migrate
from arrowmig.errors import SchemaError
from tests.dbutil import pg_exec

pytestmark = pytest.mark.postgres


@pytest.fixture
def reader(pg_url: str) -> Iterator[str]:
    """A login role with SELECT on the table, to whom a policy shows half of its rows."""
    role = f"arrowmig_reader_{uuid.uuid4().hex[:8]}"
    pg_exec(
        pg_url,
        f"CREATE ROLE {role} LOGIN",
        "CREATE TABLE secret (id int PRIMARY KEY, owner text)",
        "INSERT INTO secret SELECT i, CASE WHEN i % 2 = 0 THEN 'them' ELSE 'us' END "
        "FROM generate_series(1, 10) i",
        "ALTER TABLE secret ENABLE ROW LEVEL SECURITY",
        f"CREATE POLICY only_ours ON secret TO {role} USING (owner = 'us')",
        f"GRANT SELECT ON secret TO {role}",
    )
    parts = urlsplit(pg_url)
    netloc = f"{role}@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    try:
        yield urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
    finally:
        pg_exec(pg_url, "DROP TABLE secret", f"DROP OWNED BY {role}", f"DROP ROLE {role}")


def test_rows_hidden_by_a_policy_refuse_the_table_before_writing(
    reader: str, pg_url: str, tmp_path: Path
) -> None:
    target = tmp_path / "copy.db"
    with pytest.raises(SchemaError, match="row-level security") as refused:
        migrate(reader, str(target))
    assert refused.value.exit_code == 2 and "BYPASSRLS" in (refused.value.hint or "")
    assert not target.exists()
    # The table's owner (here a superuser) reads every row.
    report = migrate(pg_url, str(target))
    assert report.ok and report.rows == 10

"""Naming what to move in a PostgreSQL source: partitions, names holding dots and commas, and
errors whose lists and suggested commands can be taken as they are printed."""

from __future__ import annotations

from pathlib import Path

import pytest

from arrowmig import MigrationConfig, SchemaError, migrate
from tests.dbutil import pg_exec, sqlite_rows

pytestmark = pytest.mark.postgres


def test_a_partition_named_in_tables_moves_as_a_table_of_its_own(
    pg_url: str, tmp_path: Path
) -> None:
    # It was "not found", with a list of the schema's tables that stopped at 12 of 14.
    pg_exec(
        pg_url,
        "CREATE TABLE part (id int, v text) PARTITION BY RANGE (id);"
        "CREATE TABLE part_a PARTITION OF part FOR VALUES FROM (0) TO (10);"
        "CREATE TABLE part_b PARTITION OF part FOR VALUES FROM (10) TO (20);"
        "INSERT INTO part VALUES (1, 'a'), (11, 'b');"
        + "".join(f"CREATE TABLE t{i} (id int);" for i in range(13)),
    )
    target = tmp_path / "out.db"
    report = migrate(pg_url, str(target), tables=["part_a"])
    assert report.ok
    assert sqlite_rows(target, "part_a") == [(1, "a")]
    assert any("a partition of part, moved as a table of its own" in n for n in report.notes)
    with pytest.raises(SchemaError) as refused:  # its rows move with its parent
        migrate(pg_url, str(tmp_path / "x.db"), config=MigrationConfig(exclude=("part_a",)))
    assert "'part_a' is a partition of 'part'" in str(refused.value)
    with pytest.raises(SchemaError) as refused:
        migrate(pg_url, str(tmp_path / "x.db"), tables=["nope"])
    assert "tables there: part, t0, t1, t10, t11, t12, t2, t3, t4, t5, t6, t7 and 2 more" in str(
        refused.value
    )

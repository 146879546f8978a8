"""A value the PostgreSQL server refuses where arrowmig's own screening let it by (text the
server converts, as into a bit(1) column; a CHECK constraint) names its table and row under
``--on-error fail``, as a screened bad value does: the server's own error names neither.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import arrowmig
from tests.dbutil import pg_exec, pg_rows, sqlite_table

pytestmark = pytest.mark.postgres


def test_text_a_bit_column_refuses_names_its_row(pg_url: str, tmp_path: Path) -> None:
    """It said only 'writing 'flags': "y" is not a valid binary digit'."""
    source = sqlite_table(
        tmp_path / "s.db",
        "CREATE TABLE flags (id INTEGER PRIMARY KEY, flag BIT)",
        [(1, 1), (2, 0), (3, "yes"), (4, 1)],
    )
    pg_exec(pg_url, "CREATE TABLE flags (id int PRIMARY KEY, flag bit(1))")
    report = arrowmig.migrate(source, pg_url, config=arrowmig.MigrationConfig(mode="append"))
    error = report.tables[0].error or ""
    assert not report.ok
    assert error.startswith("table 'flags', id 3: "), error
    assert '"y" is not a valid binary digit' in error
    assert "--on-error reject" in error
    # The rows before it are written, as a screened bad value leaves them; none after it.
    assert pg_rows(pg_url, "flags", "id") == [(1, "1"), (2, "0")]


def test_a_check_constraint_the_target_holds_names_the_row_it_refused(
    pg_url: str, tmp_path: Path
) -> None:
    source = sqlite_table(
        tmp_path / "s.db",
        "CREATE TABLE stock (id INTEGER PRIMARY KEY, qty INTEGER)",
        [(i, -5 if i == 7 else i) for i in range(1, 11)],
    )
    pg_exec(pg_url, "CREATE TABLE stock (id bigint PRIMARY KEY, qty bigint CHECK (qty >= 0))")
    report = arrowmig.migrate(source, pg_url, config=arrowmig.MigrationConfig(mode="append"))
    error = report.tables[0].error or ""
    assert error.startswith("table 'stock', id 7: "), error
    assert "violates check constraint" in error

"""Text appended into an existing PostgreSQL money column goes in as the number it spells:
one written as the currency shows it ('$3.00', as a SQLite MONEY column may hold it) is a bad
value of its row, named as money's, not as the numeric it is read as."""

from __future__ import annotations

from pathlib import Path

import pytest

import arrowmig
from tests.dbutil import pg_exec, pg_rows, sqlite_table

pytestmark = pytest.mark.postgres


def test_currency_text_into_a_money_column_is_named_as_moneys(pg_url: str, tmp_path: Path) -> None:
    """It said "value does not convert to the target column's numeric: '$3.00'"."""
    source = sqlite_table(
        tmp_path / "s.db",
        "CREATE TABLE fees (id INTEGER PRIMARY KEY, fee MONEY)",
        [(1, "3.00"), (2, "$3.00")],
    )
    pg_exec(pg_url, "CREATE TABLE fees (id int PRIMARY KEY, fee money)")
    report = arrowmig.migrate(source, pg_url, config=arrowmig.MigrationConfig(mode="append"))
    assert report.tables[0].error == (
        "table 'fees', column 'fee', id 2: value does not convert to the target column's "
        "money, which takes an amount as a plain number (1234.50, not $1,234.50): '$3.00'; "
        "fix the value in the source, or use on_error='reject' to set such rows aside"
    )
    assert pg_rows(pg_url, "fees") == []

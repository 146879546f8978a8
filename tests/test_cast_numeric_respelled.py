"""``--cast T.C=numeric`` of SQLite text stored '00012' as 12 with no word (verify reported it
afterwards). The cast was asked for, so the values go in, and the report counts the texts
stored as another text's number, with the first.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import arrowmig
from tests.dbutil import sqlite_table

pytestmark = pytest.mark.postgres


@pytest.mark.parametrize("cast", ["numeric", "numeric(10,2)"])
def test_cast_to_numeric_counts_respelled_texts(tmp_path: Path, pg_url: str, cast: str) -> None:
    rows = [(1, "12"), (2, "00012"), (3, "+5"), (4, "-3.5"), (5, None)]
    source = sqlite_table(
        tmp_path / "s.db", "CREATE TABLE q (id INTEGER PRIMARY KEY, v TEXT)", rows
    )
    report = arrowmig.migrate(source, pg_url, config=arrowmig.MigrationConfig(casts={"q.v": cast}))
    assert report.ok
    assert (
        f"v: 2 texts stored as another text's number by casts={{'q.v': '{cast}'}} (first: '00012' "
        "as 12; "
        "verify reports them)"
    ) in report.tables[0].notes

"""``--cast T.C=varchar(n)`` (or ``char(n)``) into PostgreSQL where some texts are longer than n:
each is a bad value of its row, named (``--on-error fail``) or set aside (``reject``). The run
failed with the server's ``value too long for type character varying(3)``, naming no row or
value; and a text whose excess is spaces the server cut off without a word."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from arrowmig import migrate
from arrowmig.config import MigrationConfig
from tests.dbutil import pg_rows, sqlite_table

pytestmark = pytest.mark.postgres

ROWS = [(1, "abc"), (2, "abcd"), (3, "ab   "), (4, "é€😀"), (5, None)]
"""Rows 2 and 3 are longer than 3 characters; row 4 is 3 characters (10 bytes)."""


@pytest.mark.parametrize("declared", ["varchar(3)", "char(3)"])
def test_text_longer_than_its_cast_is_named_or_set_aside(
    tmp_path: Path, pg_url: str, declared: str
) -> None:
    source = sqlite_table(
        tmp_path / "s.db", "CREATE TABLE t (id INTEGER PRIMARY KEY, c TEXT)", ROWS
    )
    casts = (("t", "c", declared),)
    report = migrate(source, pg_url, config=MigrationConfig(casts=casts))
    [table] = report.failed
    assert (
        f"table 't', column 'c', id 2: value does not convert to {declared}: longer than 3 "
        "characters: 'abcd'"
    ) in str(table.error)
    rejects = tmp_path / "rejects"
    config = MigrationConfig(casts=casts, on_error="reject", reject_dir=str(rejects))
    assert migrate(source, pg_url, config=config).rejected == 2
    assert pg_rows(pg_url, "t", "id") == [(1, "abc"), (4, "é€😀"), (5, None)]
    set_aside = [json.loads(line) for line in (rejects / "t.jsonl").read_text().splitlines()]
    assert [r["key"]["id"] for r in set_aside] == [2, 3]
    # Row 3's excess is spaces, which the server would cut off unsaid: the reason says so.
    assert set_aside[1]["problems"][0]["reason"] == (
        f"value does not convert to {declared}: longer than 3 characters, and PostgreSQL would "
        "cut off the spaces past them without a word"
    )

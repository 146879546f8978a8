"""verify --level diff into SQLite: a row whose only change is the text form of a uuid or a
date (a difference verify finds, README "Verify") is one of the differing keys, counted
and listed as every other."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from arrowmig.cli import main
from tests.dbutil import pg_exec


@pytest.mark.postgres
def test_rows_holding_another_text_form_are_counted_and_listed(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Three rows changed (a uuid upper-cased, a date with a time, an integer) were said as
    "1 differing keys": the two alike by meaning were left out."""
    pg_exec(pg_url, "CREATE TABLE t (id int PRIMARY KEY, u uuid, d date, n int)")
    pg_exec(
        pg_url,
        "INSERT INTO t SELECT g, md5(g::text)::uuid, date '2024-01-01' + g, g "
        "FROM generate_series(1, 5) g",
    )
    target = str(tmp_path / "t.db")
    assert main(["migrate", pg_url, target, "--progress", "none"]) == 0
    with closing(sqlite3.connect(target)) as conn, conn:
        conn.execute("UPDATE t SET u = upper(u) WHERE id = 1")
        conn.execute("UPDATE t SET d = d || 'T00:00:00' WHERE id = 2")
        conn.execute("UPDATE t SET n = 99 WHERE id = 3")
    capsys.readouterr()
    assert main(["verify", pg_url, target, "--level", "diff", "--json"]) == 1
    (table,) = json.loads(capsys.readouterr().out)["tables"]
    assert table["differing_keys"] == 3
    changed = {d["key"]["id"]: (d["columns"], d["target"]) for d in table["diffs"]}
    assert sorted(changed) == [1, 2, 3]
    assert changed[1][0] == ["u"] and changed[1][1]["u"] == "C4CA4238-A0B9-2382-0DCC-509A6F75849B"
    assert changed[2][0] == ["d"] and changed[2][1]["d"] == "2024-01-03T00:00:00"
    assert changed[3][0] == ["n"] and changed[3][1]["n"] == 99

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


def _copied_then_changed(pg_url: str, tmp_path: Path, source: list[str], changes: list[str]) -> str:
    """A SQLite copy of the PostgreSQL tables ``source`` makes, then ``changes`` made to it."""
    pg_exec(pg_url, *source)
    target = str(tmp_path / "copy.db")
    assert main(["migrate", pg_url, target, "--progress", "none"]) == 0
    with closing(sqlite3.connect(target)) as conn, conn:
        for change in changes:
            conn.execute(change)
    return target


@pytest.mark.postgres
def test_rows_holding_another_text_form_are_counted_and_listed(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Three rows changed (a uuid upper-cased, a date with a time, an integer) were said as
    "1 differing keys": the two alike by meaning were left out."""
    target = _copied_then_changed(
        pg_url,
        tmp_path,
        [
            "CREATE TABLE t (id int PRIMARY KEY, u uuid, d date, n int)",
            "INSERT INTO t SELECT g, md5(g::text)::uuid, date '2024-01-01' + g, g "
            "FROM generate_series(1, 5) g",
        ],
        [
            "UPDATE t SET u = upper(u) WHERE id = 1",
            "UPDATE t SET d = d || 'T00:00:00' WHERE id = 2",
            "UPDATE t SET n = 99 WHERE id = 3",
        ],
    )
    capsys.readouterr()
    assert main(["verify", pg_url, target, "--level", "diff", "--json"]) == 1
    (table,) = json.loads(capsys.readouterr().out)["tables"]
    assert table["differing_keys"] == 3
    changed = {d["key"]["id"]: (d["columns"], d["target"]) for d in table["diffs"]}
    assert sorted(changed) == [1, 2, 3]
    assert changed[1][0] == ["u"] and changed[1][1]["u"] == "C4CA4238-A0B9-2382-0DCC-509A6F75849B"
    assert changed[2][0] == ["d"] and changed[2][1]["d"] == "2024-01-03T00:00:00"
    assert changed[3][0] == ["n"] and changed[3][1]["n"] == 99


@pytest.mark.postgres
def test_a_uuid_key_in_another_case_names_only_the_key(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A uuid key upper-cased in the SQLite copy: the row was listed with every column as
    changed, equal values included (email: 'a' -> 'a'), the key's change among them."""
    target = _copied_then_changed(
        pg_url,
        tmp_path,
        [
            "CREATE TABLE u (id uuid PRIMARY KEY, email text, n int, f float8)",
            "INSERT INTO u VALUES ('3fe86562-edff-43a1-9fbb-7ab10ec7d4b7', 'a', 1, 1.5), "
            "('4fe86562-edff-43a1-9fbb-7ab10ec7d4b7', 'b', 2, 2.5)",
        ],
        ["UPDATE u SET id = upper(id) WHERE n = 1"],
    )
    capsys.readouterr()
    assert main(["verify", pg_url, target, "--json"]) == 1
    (table,) = json.loads(capsys.readouterr().out)["tables"]
    (diff,) = table["diffs"]
    assert diff["columns"] == ["id"]
    assert diff["target"]["id"] == "3FE86562-EDFF-43A1-9FBB-7AB10EC7D4B7"
    assert main(["verify", pg_url, target]) == 1
    said = capsys.readouterr()
    listed = [line for line in (said.out + said.err).splitlines() if "  changed " in line]
    assert listed == [
        "  changed {'id': '3fe86562-edff-43a1-9fbb-7ab10ec7d4b7'}: id: "
        "'3fe86562-edff-43a1-9fbb-7ab10ec7d4b7' -> '3FE86562-EDFF-43A1-9FBB-7AB10EC7D4B7'"
    ]

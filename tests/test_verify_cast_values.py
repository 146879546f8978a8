"""verify after a ``--cast`` that reads each value another way, losing nothing (epochs, julian
days, integer microseconds as an interval, 16 bytes as a uuid): the source's values are
converted as migrate converted them, so a faithful copy matches and one changed value differs.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from arrowmig import migrate, verify
from arrowmig.cli import main
from arrowmig.config import MigrationConfig
from tests.dbutil import duckdb_exec, execute_in, sqlite_table, target_of

TARGETS = [pytest.param("postgres", marks=pytest.mark.postgres), "duckdb", "sqlite"]

CASTS = {
    # cast: (declared SQLite type, rows 1 and 2's values)
    "epoch_s": ("REAL", (1700000000.25, -5.5)),
    "epoch_ms": ("INTEGER", (1700000000123, 0)),  # Prisma
    "epoch_us": ("INTEGER", (1700000000123456, -1)),
    "epoch_2001_s": ("REAL", (700000000.5, -5.0)),  # Core Data
    "julian": ("DATETIME", (2460310.9166666665, 2440587.5)),  # SQLite's julianday()
    "interval": ("INTEGER", (3600000001, -1)),  # Django's DurationField
    "uuid": ("BLOB", (uuid.UUID(int=0x1234).bytes, uuid.UUID(int=2**128 - 1).bytes)),  # Room
}


def _source(path: Path, declared: str, values: tuple[Any, ...]) -> str:
    return sqlite_table(
        path,
        f"CREATE TABLE t (id INTEGER PRIMARY KEY, v {declared}, n TEXT)",
        [(1, values[0], "7"), (2, values[1], "8"), (3, None, None)],
    )


@pytest.mark.parametrize("target_kind", TARGETS)
@pytest.mark.parametrize("cast", list(CASTS))
def test_a_column_cast_so_is_compared_as_the_cast_made_it(
    cast: str, target_kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    db = _source(tmp_path / "s.db", *CASTS[cast])
    target = target_of(target_kind, tmp_path, request)
    report = migrate(db, target, config=MigrationConfig(casts=(("t", "v", cast),)))
    assert report.ok, [t.error for t in report.tables]

    (table,) = verify(db, target).tables
    assert (table.result, table.differing_columns) == ("match", [])
    assert table.compared_through_casts == {"v": cast}

    # One value changed in the target (row 2's put in row 1) differs, naming its column.
    execute_in(target, "UPDATE t SET v = (SELECT v FROM t WHERE id = 2) WHERE id = 1")
    (table,) = verify(db, target).tables
    assert (table.result, table.differing_columns) == ("differ", ["v"])
    assert [(d.kind, d.key, d.columns) for d in table.diffs] == [("changed", {"id": 1}, ["v"])]


@pytest.mark.parametrize("target_kind", TARGETS)
def test_casts_that_change_values_stay_differences(
    target_kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    db = sqlite_table(
        tmp_path / "s.db",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, n TEXT, at INTEGER)",
        [(1, "0012", 1700000000123), (2, "42", 0)],
    )
    target = target_of(target_kind, tmp_path, request)
    casts = (("t", "n", "bigint"), ("t", "at", "epoch_ms"))
    assert migrate(db, target, config=MigrationConfig(casts=casts)).ok
    (table,) = verify(db, target).tables
    # '0012' became 12: the value changed, as the README says; the epoch is read as it was.
    assert (table.result, table.differing_columns) == ("differ", ["n"])
    assert table.compared_through_casts == {"at": "epoch_ms"}


def test_a_copy_without_the_runs_record_is_compared_as_it_is(tmp_path: Path) -> None:
    # Another tool's copy keeps no record of casts: its epochs are instants, the source's
    # numbers, and they differ as before.
    db = _source(tmp_path / "s.db", *CASTS["epoch_2001_s"])
    target = str(tmp_path / "t.duckdb")
    assert migrate(db, target, config=MigrationConfig(casts=(("t", "v", "epoch_2001_s"),))).ok
    duckdb_exec(target, "DROP TABLE _arrowmig_checkpoints")
    (table,) = verify(db, target).tables
    assert (table.result, table.differing_columns, table.compared_through_casts) == (
        "differ",
        ["v"],
        {},
    )


def test_a_value_the_cast_refused_differs_only_in_its_own_row(tmp_path: Path) -> None:
    db = sqlite_table(
        tmp_path / "s.db",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v REAL, w INTEGER)",
        [(1, 1700000000.5, 10), (2, 1e300, 20), (3, 0.0, 30), (4, 86400.0, 40)],
    )
    target = str(tmp_path / "t.duckdb")
    config = MigrationConfig(
        casts=(("t", "v", "epoch_s"), ("t", "w", "epoch_ms")),
        on_error="reject",
        reject_dir=str(tmp_path / "rejects"),
    )
    (loaded,) = migrate(db, target, config=config).tables
    assert loaded.rejected == 1
    (table,) = verify(db, target).tables
    # The refused row (1e300 seconds is no instant) is missing; every other row of v is
    # compared as its cast made it, and agrees.
    assert table.compared_through_casts == {"v": "epoch_s", "w": "epoch_ms"}
    assert table.differing_columns == []
    assert [(d.kind, d.key) for d in table.diffs] == [("missing in target", {"id": 2})]


def test_a_failed_replace_leaves_the_cast_of_the_table_it_did_not_replace(
    tmp_path: Path,
) -> None:
    db = sqlite_table(
        tmp_path / "s.db",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v REAL, w INTEGER)",
        [(1, 1700000000.5, 1), (2, 0.0, "abc"), (3, 86400.0, 3)],
    )
    target = str(tmp_path / "t.duckdb")
    cast = MigrationConfig(mode="replace", casts=(("t", "v", "epoch_s"),))
    assert migrate(db, target, config=cast).ok
    assert verify(db, target).ok
    # Without the cast, and failing ('abc' is no INTEGER unprofiled): the table loaded with
    # the cast stays, and is compared through it still.
    assert not migrate(db, target, config=MigrationConfig(mode="replace", profile=False)).ok
    (table,) = verify(db, target).tables
    assert (table.result, table.compared_through_casts) == ("match", {"v": "epoch_s"})


def test_the_report_says_which_columns_were_compared_through_a_cast(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _source(tmp_path / "s.db", *CASTS["epoch_2001_s"])
    target = str(tmp_path / "t.duckdb")
    args = ["--cast", "t.v=epoch_2001_s", "--progress", "none"]
    assert main(["migrate", db, target, *args]) == 0
    capsys.readouterr()
    assert main(["verify", db, target]) == 0
    assert "t: v compared as --cast epoch_2001_s made it" in capsys.readouterr().err.splitlines()
    assert main(["verify", db, target, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["tables"][0]["compared_through_casts"] == {"v": "epoch_2001_s"}

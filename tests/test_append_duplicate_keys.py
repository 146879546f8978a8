"""An ``--mode append`` whose rows repeat a key the target holds: the driver's words, then
which key and the ways on (README: "one line saying what is wrong and what to do")."""

from __future__ import annotations

import json
import shlex
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

import arrowmig
from arrowmig.cli import main
from arrowmig.duplicate_keys import duplicate_key_hint, fix_before_resume
from tests.dbutil import create_in, duckdb_exec, pg_exec, rows_of, sqlite_table, target_of


@pytest.fixture
def source(tmp_path: Path) -> str:
    rows = [(i, f"p{i}") for i in range(1, 51)]
    return sqlite_table(
        tmp_path / "s.db", "CREATE TABLE players (id INTEGER PRIMARY KEY, name TEXT)", rows
    )


@pytest.mark.parametrize(
    ("target_kind", "key"),
    [
        ("postgres", "key (id)=(1) is in the target table already"),
        ("duckdb", 'key "id: 1" is in the target table already'),
        # Copied by SQLite itself (attached_copy): its refusal named the key's columns only.
        ("sqlite", "key (id)=(1) is in the target table already"),
    ],
)
def test_a_repeated_key_says_which_and_what_to_do(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    source: str,
    capsys: pytest.CaptureFixture[str],
    target_kind: str,
    key: str,
) -> None:
    """The run ended with the raw driver text (PGRES_FATAL_ERROR ... duplicate key) alone."""
    target = target_of(target_kind, tmp_path, request)
    assert main(["migrate", source, target, "--progress", "none"]) == 0
    capsys.readouterr()
    assert main(["migrate", source, target, "--mode", "append", "--progress", "none"]) == 1
    failed = [line for line in capsys.readouterr().err.splitlines() if "FAILED" in line]
    assert len(failed) == 1, failed
    assert key in failed[0]
    # The server's words, without the driver's (PGRES_FATAL_ERROR, "Failed to execute COPY").
    assert "PGRES_" not in failed[0] and "Failed to" not in failed[0]
    assert "--mode replace or truncate" in failed[0]
    assert "remove the duplicates" in failed[0]


@pytest.mark.parametrize("target_kind", ["postgres", "duckdb", "sqlite"])
def test_status_says_what_to_fix_before_a_resume_meets_the_keys_again(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    source: str,
    capsys: pytest.CaptureFixture[str],
    target_kind: str,
) -> None:
    """status offered `--resume` alone after a repeated key failed the table: a resume writes
    the same rows into the same table and fails as the run did."""
    target = target_of(target_kind, tmp_path, request)
    assert main(["migrate", source, target, "--progress", "none"]) == 0
    assert main(["migrate", source, target, "--mode", "append", "--progress", "none"]) == 1
    capsys.readouterr()
    assert main(["status", target, "--json"]) == 0
    (run,) = [r for r in json.loads(capsys.readouterr().out)["runs"] if r["state"] == "failed"]
    (table,) = run["tables"]
    assert (table["name"], table["state"]) == ("players", "failed")
    assert "is in the target table already" in table["error"]
    assert run["fix_first"].startswith("remove the duplicates first (in the source or the target)")
    assert run["resume"].endswith("--mode append --resume")
    assert main(["status", target]) == 0
    err = capsys.readouterr().err
    said = f"  {run['run_id']} before continuing: remove the duplicates first"
    assert said in err
    # What to fix comes before the command that continues the run.
    assert err.index(said) < err.index(f"  {run['run_id']} to continue: ")
    assert f"  {run['run_id']} players: failed, 0 rows: " in err


@pytest.mark.postgres
def test_a_repeated_key_between_two_postgresql_databases_is_named_too(
    tmp_path: Path, pg_url: str, second_pg: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Rows passed undecoded (binary COPY of the server's own) failed with the server's first
    line alone: which key, and the ways on, were missing."""
    pg_exec(pg_url, "CREATE TABLE players (id int PRIMARY KEY, name text)")
    pg_exec(pg_url, "INSERT INTO players SELECT i, 'p' || i FROM generate_series(1, 50) i")
    pg_exec(second_pg, "CREATE TABLE players (id int PRIMARY KEY, name text)")
    pg_exec(second_pg, "INSERT INTO players VALUES (7, 'there already')")
    assert main(["migrate", pg_url, second_pg, "--mode", "append", "--progress", "none"]) == 1
    err = capsys.readouterr().err
    assert "passed on as PostgreSQL binary COPY" in err  # the undecoded path
    (failed,) = [line for line in err.splitlines() if "FAILED" in line]
    assert "key (id)=(7) is in the target table already" in failed
    assert "remove the duplicates" in failed


@pytest.mark.parametrize("target_kind", ["postgres", "sqlite"])
def test_create_refused_after_a_failed_append_gives_the_command_that_continues_it(
    request: pytest.FixtureRequest,
    source: str,
    capsys: pytest.CaptureFixture[str],
    target_kind: str,
) -> None:
    # The refusal said "continue it with --resume": this create command with --resume found
    # the complete create run ("nothing to resume", exit 0), or was refused ("ran in --mode
    # 'append', this run 'create'"), never the failed append it named.
    target = target_of(target_kind, Path(source).parent, request)
    assert main(["migrate", source, target, "--progress", "none"]) == 0
    assert main(["migrate", source, target, "--mode", "append", "--progress", "none"]) == 1
    capsys.readouterr()
    assert main(["migrate", source, target, "--progress", "none"]) == 2
    refusal = capsys.readouterr().err
    failed_run = refusal.split("; run ")[1].split(",")[0]
    command = refusal.split("continue it with ")[1].split("; or ")[0]
    words = shlex.split(command)
    assert words[:2] == ["arrowmig", "migrate"] and "--resume" in words, refusal

    # Followed, once the cause is fixed (the repeated keys gone from the target):
    if target_kind == "postgres":
        pg_exec(target, "DELETE FROM players")
    else:
        with closing(sqlite3.connect(target)) as con, con:
            con.execute("DELETE FROM players")
    assert main([*words[1:], "--progress", "none", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["run_id"], report["rows"]) == (failed_run, 50)
    assert rows_of(target, "players", "id") == [(i, f"p{i}") for i in range(1, 51)]


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("ddl", "named"),
    [
        # An integer key: rows written batch by batch into the table.
        ("team text, id int PRIMARY KEY", "key (id)=(7)"),
        # Any other key: rows loaded into a staging table, then put into the table.
        ("team text, id int, PRIMARY KEY (team, id)", "key (team, id)=(red, 7)"),
    ],
)
def test_a_repeated_key_into_sqlite_is_named_with_its_value(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str], ddl: str, named: str
) -> None:
    """SQLite says only `UNIQUE constraint failed: players.id`: the key's value, which the
    PostgreSQL and DuckDB targets name, was missing."""
    pg_exec(pg_url, f"CREATE TABLE players ({ddl}, name text)")
    pg_exec(pg_url, "INSERT INTO players SELECT 'red', i, 'p' || i FROM generate_series(1, 50) i")
    target = str(tmp_path / "t.db")
    assert main(["migrate", pg_url, target, "--progress", "none"]) == 0
    with closing(sqlite3.connect(target)) as conn, conn:
        conn.execute("DELETE FROM players WHERE id <> 7")
    capsys.readouterr()
    for more in ([], ["--on-error", "reject", "--reject-dir", str(tmp_path / "rejects")]):
        argv = ["migrate", pg_url, target, "--mode", "append", "--progress", "none", *more]
        assert main(argv) == 1
        (failed,) = [line for line in capsys.readouterr().err.splitlines() if "FAILED" in line]
        assert f"{named} is in the target table already" in failed
        assert "remove the duplicates" in failed
        assert "--mode replace or truncate" in failed


@pytest.mark.parametrize(
    ("ddl", "named"),
    [
        # An integer key: copied a span of keys per transaction.
        ("team TEXT, id INTEGER PRIMARY KEY, name TEXT", "key (id)=(27)"),
        # Any other key: copied in one transaction.
        ("team TEXT, id INT, name TEXT, PRIMARY KEY (team, id)", "key (team, id)=(red, 27)"),
    ],
)
def test_a_repeated_key_between_two_sqlite_files_is_named_with_its_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], ddl: str, named: str
) -> None:
    """Rows SQLite copies itself (attached_copy) failed with `UNIQUE constraint failed:
    players.id` alone, where every other pair of databases names the key's value."""
    create = f"CREATE TABLE players ({ddl})"
    rows = [("red", i, f"p{i}") for i in range(1, 51)]
    source = sqlite_table(tmp_path / "s.db", create, rows)
    target = sqlite_table(tmp_path / "t.db", create, [("red", 27, "there already")])
    argv = ["migrate", source, target, "--mode", "append", "--batch-rows", "10"]
    assert main([*argv, "--progress", "none"]) == 1
    err = capsys.readouterr().err
    assert "rows copied by SQLite itself" in err  # the attached path
    (failed,) = [line for line in err.splitlines() if "FAILED" in line]
    assert f"{named} is in the target table already" in failed
    assert "remove the duplicates" in failed
    assert "--mode replace or truncate" in failed


@pytest.mark.parametrize(
    ("table", "index"),
    [
        ('"sales.orders"', ""),  # SQLite names the key sales.orders.id: no column "orders.id"
        ("players", "CREATE UNIQUE INDEX ix ON players (lower(name))"),  # "index 'ix'"
    ],
)
def test_a_key_sqlite_does_not_name_by_its_columns_is_given_no_made_up_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], table: str, index: str
) -> None:
    """The value was looked up by the words SQLite's refusal names as columns, each quoted:
    one naming no column reads, in SQLite, as its own text, which was then "found" as the
    repeated key (``Key (index 'ix')=(index 'ix')``). SQLite's own words stand instead."""
    create = f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, name TEXT)"
    source = sqlite_table(tmp_path / "s.db", create, [(i, f"n{i}") for i in range(1, 11)])
    target = sqlite_table(tmp_path / "t.db", create, [(7 if not index else 100, "N7")])
    if index:
        with closing(sqlite3.connect(target)) as con, con:
            con.execute(index)
    assert main(["migrate", source, target, "--mode", "append", "--progress", "none"]) == 1
    (failed,) = [line for line in capsys.readouterr().err.splitlines() if "FAILED" in line]
    assert "UNIQUE constraint failed" in failed
    assert "Key (" not in failed and "key (" not in failed


@pytest.mark.parametrize(
    ("target_kind", "key"),
    [
        ("postgres", "key (id)=(1)"),
        # Twice in one batch: DuckDB names the key by its value alone.
        ("duckdb", 'key "1"'),
        ("sqlite", "key (id)=(1)"),
    ],
)
def test_a_key_twice_in_the_rows_of_a_truncate_is_said_to_be_in_the_source(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    target_kind: str,
    key: str,
) -> None:
    """A SQLite table without a declared key, loaded into an existing table with one: the
    hint said the key was in the target already and advised --mode truncate, which the run
    had used (the table was emptied: the source holds the key twice)."""
    rows = [(1, "a"), (2, "b"), (1, "c")]
    source = sqlite_table(tmp_path / "s.db", "CREATE TABLE players (id INTEGER, name TEXT)", rows)
    target = target_of(target_kind, tmp_path, request)
    create_in(target_kind, target, "CREATE TABLE players (id INTEGER PRIMARY KEY, name TEXT)")
    argv = ["migrate", source, target, "--mode", "truncate", "--progress", "none"]
    assert main(argv) == 1
    (failed,) = [line for line in capsys.readouterr().err.splitlines() if "FAILED" in line]
    assert f"{key} is twice in the rows read (the table held none before them" in failed
    assert "remove the duplicates in the source" in failed
    assert "HAVING count(*) > 1" in failed
    assert "in the target table already" not in failed and "replace or truncate" not in failed
    assert main(["status", target, "--json"]) == 0
    (run,) = [r for r in json.loads(capsys.readouterr().out)["runs"] if r["state"] == "failed"]
    assert run["fix_first"].startswith("remove the duplicates in the source first")
    assert "replace or truncate" not in run["fix_first"]


@pytest.mark.parametrize("mode", ["truncate", "replace", "create"])
def test_the_hint_of_a_repeated_key_says_where_the_run_s_mode_can_have_put_it(mode: str) -> None:
    message = (
        'duplicate key value violates unique constraint "t_pkey" (Key (id)=(1) already exists.)'
    )
    appended = duplicate_key_hint(message, "append")
    assert appended is not None and "in the target table already" in appended
    assert "--mode replace or truncate" in appended
    afresh = duplicate_key_hint(message, mode)
    assert afresh is not None
    assert afresh.startswith(
        f"key (id)=(1) is twice in the rows read (the table held none before them, --mode {mode})"
    )
    assert "--mode replace or truncate" not in afresh and "target table already" not in afresh
    assert "remove the duplicates first (in the source or the target)" in (
        fix_before_resume(message, "append") or ""
    )
    assert (fix_before_resume(message, mode) or "").startswith(
        "remove the duplicates in the source first"
    )
    # DuckDB's refusal of a key twice in one insert says where it is, whatever the mode.
    in_rows = 'Constraint Error: PRIMARY KEY or UNIQUE constraint violation: duplicate key "1"'
    assert (duplicate_key_hint(in_rows, "append") or "").startswith(
        'key "1" is twice in the rows read:'
    )


@pytest.mark.parametrize(
    ("target_kind", "key"),
    [
        ("postgres", "key (code)=(c1) is in the target table already"),
        ("duckdb", 'key "code: c1" is in the target table already'),
    ],
)
def test_a_repeated_unique_key_of_a_staged_table_says_which_and_what_to_do(
    request: pytest.FixtureRequest, tmp_path: Path, target_kind: str, key: str
) -> None:
    """A table with a unique key and no primary key (nor rowid) to resume by is loaded into a
    staging table, whose rows put in place met the key: the driver's words came alone."""
    source = duckdb_exec(
        tmp_path / "s.duckdb",
        "CREATE TABLE units (code VARCHAR UNIQUE, n INTEGER); INSERT INTO units VALUES ('c1', 1)",
    )
    target = target_of(target_kind, tmp_path, request)
    assert arrowmig.migrate(source, target).ok
    report = arrowmig.migrate(source, target, config=arrowmig.MigrationConfig(mode="append"))
    (failed,) = [t for t in report.tables if t.status == "failed"]
    said = failed.error or ""
    assert "putting 'units' in place" in said  # the staged path
    assert key in said
    assert "remove the duplicates" in said and "mode='replace' or 'truncate'" in said


def test_a_postgresql_refusal_without_its_detail_names_the_constraint() -> None:
    message = 'duplicate key value violates unique constraint "meas_pkey"'
    hint = duplicate_key_hint(message, "append") or ""
    assert hint.startswith('a key of "meas_pkey" is in the target table already')

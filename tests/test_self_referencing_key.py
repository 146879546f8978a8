"""``--mode truncate`` (or append into the empty table of a restored schema) of a table whose
foreign key points at itself, as Chinook's ``Employee.ReportsTo`` -> ``Employee`` does, its rows
read with a child before its parent. Each batch commits, so PostgreSQL refused the child's batch:
the run failed half-way, exit 1, the table emptied and left holding the batches before it; DuckDB
refused the first row pointing at another, even in one batch. Such a run is now refused before
anything is emptied, exit 2, naming the row and the statements that let it in; rows read parents
first load as before.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from arrowmig.cli import main
from tests.dbutil import duckdb_exec, duckdb_rows, pg_exec, pg_rows, sqlite_table

CREATE = "CREATE TABLE employee (id int PRIMARY KEY, name text, reports_to int{})"
REFERENCES = " REFERENCES employee (id)"
CHILD_FIRST = [(1, "a", None), (2, "b", 1), (3, "c", 1), (4, "d", 6), (5, "e", 2), (6, "f", 1)]
"""Read in id order (SQLite's rowid): row 4, in the second batch of two, points at row 6."""
PARENTS_FIRST = [(1, "a", None), (2, "b", 1), (3, "c", 1), (4, "d", 3), (5, "e", 2), (6, "f", 1)]
KEPT = [(7, "old", None)]
"""The target's own row: still there when the run is refused."""


def _source(kind: str, folder: Path, pg_url: str, rows: list[tuple[object, ...]]) -> str:
    if kind == "sqlite":
        create = CREATE.format("").replace("id int PRIMARY KEY", "id INTEGER PRIMARY KEY")
        return sqlite_table(folder / "src.sqlite", create, rows)
    values = ", ".join(f"({i}, '{n}', {'NULL' if r is None else r})" for i, n, r in rows)
    if kind == "duckdb":
        return duckdb_exec(
            folder / "src.duckdb", f"{CREATE.format('')}; INSERT INTO employee VALUES {values}"
        )
    pg_exec(pg_url, CREATE.format(""), f"INSERT INTO employee VALUES {values}")
    return pg_url


def _into_pg(
    folder: Path, pg_url: str, target: str, rows: list[tuple[object, ...]], *then: str
) -> str:
    """A SQLite source of ``rows``, and the target's table pointing at itself (``then`` run
    after it is created); the source's path."""
    pg_exec(target, CREATE.format(REFERENCES), *then)
    return _source("sqlite", folder, pg_url, rows)


def _in_batches_of_two(source: str, target: str, mode: str) -> list[str]:
    """The run's arguments: each batch of two rows commits before the next is written."""
    return [source, target, "--mode", mode, "--batch-rows", "2", "--progress", "none"]


@pytest.mark.postgres
@pytest.mark.parametrize("kind", ["sqlite", "duckdb", "postgresql"])
def test_truncate_of_a_table_whose_rows_come_before_their_parent_is_refused_before_emptying(
    kind: str, tmp_path: Path, pg_url: str, second_pg: str, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _source(kind, tmp_path, pg_url, CHILD_FIRST)
    pg_exec(
        second_pg,
        CREATE.format(REFERENCES + " DEFERRABLE INITIALLY DEFERRED"),
        "INSERT INTO employee VALUES (7, 'old', NULL)",
    )
    run = _in_batches_of_two(source, second_pg, "truncate")
    for verb in ("plan", "migrate"):
        assert main([verb, *run]) == 2
        said = capsys.readouterr().err
        assert "'employee' points at itself through foreign key (reports_to)" in said, said
        assert "the source's row (id)=(4) pointing at (reports_to)=(6)" in said, said
        assert "nothing has been emptied or written" in said, said
        assert 'ALTER TABLE "public"."employee" DROP CONSTRAINT "employee_reports_to_fkey"' in said
        assert "or use --mode replace" in said, said
        assert "Traceback" not in said and said.count("\n") == 1, said
        assert pg_rows(second_pg, "employee") == KEPT
    # The way the message gives: drop the key, run, add it again.
    pg_exec(second_pg, 'ALTER TABLE "public"."employee" DROP CONSTRAINT "employee_reports_to_fkey"')
    assert main(["migrate", *run]) == 0
    pg_exec(second_pg, f"ALTER TABLE employee ADD FOREIGN KEY (reports_to){REFERENCES}")
    assert pg_rows(second_pg, "employee", "id") == CHILD_FIRST


@pytest.mark.postgres
def test_appending_into_the_empty_table_of_a_restored_schema_is_refused_too(
    tmp_path: Path, pg_url: str, second_pg: str, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _into_pg(tmp_path, pg_url, second_pg, CHILD_FIRST)
    run = _in_batches_of_two(source, second_pg, "append")
    assert main(["migrate", *run]) == 2
    assert "it is empty in the target: the target would refuse" in capsys.readouterr().err
    assert pg_rows(second_pg, "employee") == []


@pytest.mark.postgres
@pytest.mark.parametrize("kind", ["sqlite", "duckdb", "postgresql"])
def test_rows_read_parents_first_load_into_a_table_pointing_at_itself(
    kind: str, tmp_path: Path, pg_url: str, second_pg: str
) -> None:
    source = _source(kind, tmp_path, pg_url, PARENTS_FIRST)
    pg_exec(second_pg, CREATE.format(REFERENCES))
    run = _in_batches_of_two(source, second_pg, "truncate")
    assert main(["migrate", *run]) == 0
    assert pg_rows(second_pg, "employee", "id") == PARENTS_FIRST


@pytest.mark.postgres
def test_a_duckdb_target_pointing_at_itself_is_refused_before_emptying(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # DuckDB checks a row against the rows there before its statement: parents first or not,
    # a row pointing at one loaded with it is refused.
    source = _source("postgresql", tmp_path, pg_url, PARENTS_FIRST)
    target = duckdb_exec(
        tmp_path / "dst.duckdb",
        f"{CREATE.format(REFERENCES)}; INSERT INTO employee VALUES (7, 'old', NULL)",
    )
    assert main(["migrate", source, target, "--mode", "truncate", "--progress", "none"]) == 2
    said = capsys.readouterr().err
    assert "the source's row (id)=(2) pointing at (reports_to)=(1)" in said, said
    assert "DuckDB checks a row against the rows there before its statement" in said, said
    assert "DuckDB cannot drop a foreign key: use --mode replace" in said, said
    assert "DROP CONSTRAINT" not in said, said
    assert duckdb_rows(target, "employee") == KEPT


@pytest.mark.postgres
def test_a_key_whose_check_is_disabled_for_the_load_is_not_refused(
    tmp_path: Path, pg_url: str, second_pg: str
) -> None:
    # pg_restore --disable-triggers' way: the key's check trigger is off, the rows go in.
    source = _into_pg(
        tmp_path, pg_url, second_pg, CHILD_FIRST, "ALTER TABLE employee DISABLE TRIGGER ALL"
    )
    run = _in_batches_of_two(source, second_pg, "truncate")
    assert main(["migrate", *run]) == 0
    pg_exec(second_pg, "ALTER TABLE employee ENABLE TRIGGER ALL")
    assert pg_rows(second_pg, "employee", "id") == CHILD_FIRST


@pytest.mark.postgres
def test_a_table_read_in_several_streams_at_once_is_refused_even_parents_first(
    tmp_path: Path, pg_url: str, second_pg: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Each stream loads its key range as the others load theirs: a row may come before its
    # parent in another stream (a million rows of 4 streams failed at 250,000).
    source = _into_pg(
        tmp_path, pg_url, second_pg, PARENTS_FIRST, "INSERT INTO employee VALUES (7, 'old', NULL)"
    )
    run = [source, second_pg, "--mode", "truncate", "--progress", "none"]
    assert main(["migrate", *run, "--split-rows", "2"]) == 2
    said = capsys.readouterr().err
    assert "(id)=(2) pointing at (reports_to)=(1), read in 3 streams at once" in said, said
    assert "read it as one stream (--split-rows above its rows)" in said, said
    assert pg_rows(second_pg, "employee") == KEPT
    assert main(["migrate", *run, "--split-rows", "6"]) == 0
    assert pg_rows(second_pg, "employee", "id") == PARENTS_FIRST


def test_a_duckdb_table_whose_rows_point_at_each_other_is_refused_before_truncate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # DuckDB refuses to delete a row still pointed at, even by one deleted with it: truncate
    # failed the table with DuckDB's "still referenced" (exit 1), which says no way out. The
    # source's rows point at nothing, so only the target's rows stand in the way.
    create = CREATE.format("").replace("id int PRIMARY KEY", "id INTEGER PRIMARY KEY")
    source = sqlite_table(tmp_path / "src.sqlite", create, [(1, "a", None), (2, "b", None)])
    parent, children = "(1, 'a', NULL)", "(2, 'b', 1), (3, 'c', 1)"
    target = duckdb_exec(
        tmp_path / "dst.duckdb",
        f"{CREATE.format(REFERENCES)}; INSERT INTO employee VALUES {parent}; "
        f"INSERT INTO employee VALUES {children}",
    )
    run = [source, target, "--progress", "none"]
    assert main(["migrate", *run, "--mode", "truncate"]) == 2
    said = capsys.readouterr().err
    assert "'employee' points at itself through foreign key (reports_to)" in said, said
    assert "its row (id)=(2) points at (reports_to)=(1)" in said, said
    assert "nothing has been emptied or written" in said, said
    assert "use --mode replace" in said and "DROP CONSTRAINT" not in said, said
    assert "Traceback" not in said and said.count("\n") == 1, said
    assert len(duckdb_rows(target, "employee")) == 3
    # The way the message gives.
    assert main(["migrate", *run, "--mode", "replace"]) == 0
    assert duckdb_rows(target, "employee", "id") == [(1, "a", None), (2, "b", None)]

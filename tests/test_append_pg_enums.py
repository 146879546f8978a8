"""Appending and truncating PostgreSQL enums, and domains over them, into PostgreSQL tables
that exist: the nightly re-load of a table arrowmig itself created goes in, and the check of
each text against the target enum's labels is exact (its case, a label the source lacks).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import duckdb
import psycopg
import pyarrow as pa
import pytest

import arrowmig
from arrowmig.cli import main
from arrowmig.config import BatchConfig
from arrowmig.endpoints import open_endpoint
from arrowmig.errors import SchemaError
from arrowmig.migrate import explain
from arrowmig.preflight import refuse_values_that_cannot_go_in
from tests.dbutil import pg_exec

ROWS = [
    (1, "a", "x@y", "1.50", ["a", "b"]),
    (2, "b", "X@Z", "2.00", None),
    (3, None, None, None, None),
]


def _statuses(url: str) -> list[tuple[object, ...]]:
    with psycopg.connect(url) as con:
        sql = "SELECT id, s::text, e::text, m::text, tg FROM t ORDER BY id"
        return list(con.execute(sql).fetchall())


@pytest.mark.postgres
@pytest.mark.parametrize("mode", ["truncate", "append"])
def test_domains_over_an_enum_citext_numeric_and_an_array_load_again_into_their_table(
    pg_url: str, second_pg: str, mode: str
) -> None:
    # A web app's table re-loaded nightly into the table the first run created (where the
    # domain over the enum became the enum itself): planned and loaded, not a SQL error.
    pg_exec(
        pg_url,
        "CREATE EXTENSION IF NOT EXISTS citext",
        "CREATE TYPE st AS ENUM ('a', 'b')",
        "CREATE DOMAIN st_d AS st",
        "CREATE DOMAIN email AS citext CHECK (VALUE LIKE '%@%')",
        "CREATE DOMAIN money_d AS numeric(12, 2) CHECK (VALUE >= 0)",
        "CREATE DOMAIN tags AS text[]",
        "CREATE TABLE t (id int PRIMARY KEY, s st_d, e email, m money_d, tg tags)",
        "INSERT INTO t VALUES (1, 'a', 'x@y', 1.5, '{a,b}'), (2, 'b', 'X@Z', 2, NULL), (3, NULL, NULL, NULL, NULL)",
    )
    assert arrowmig.migrate(pg_url, second_pg).ok
    if mode == "append":
        pg_exec(second_pg, "DELETE FROM t")
    config = arrowmig.MigrationConfig(mode=mode)
    plan = explain(pg_url, second_pg, config=config).to_dict()
    assert [t["name"] for t in plan["tables"]] == ["t"]
    report = arrowmig.migrate(pg_url, second_pg, config=config)
    assert report.ok, report.tables[0].error
    assert _statuses(second_pg) == ROWS


def _enums(src: str, dst: str, source_labels: str, target_labels: str, column: str) -> None:
    pg_exec(
        src,
        "CREATE EXTENSION IF NOT EXISTS citext",
        f"CREATE TYPE st AS ENUM ({source_labels})",
        f"CREATE TABLE t (id int PRIMARY KEY, s {column})",
        "INSERT INTO t VALUES (1, 'a'), (2, NULL)",
    )
    pg_exec(
        dst,
        f"CREATE TYPE st AS ENUM ({target_labels})",
        "CREATE TABLE t (id int PRIMARY KEY, s st)",
        "INSERT INTO t VALUES (9, 'b')",
    )


def _kept(url: str) -> list[tuple[object, ...]]:
    with psycopg.connect(url) as con:
        return list(con.execute("SELECT id, s::text FROM t ORDER BY id").fetchall())


@pytest.mark.postgres
def test_an_enum_lacking_a_label_of_the_target_enum_truncates_into_it(
    pg_url: str, second_pg: str
) -> None:
    # The target's enum has grown a label the source's lacks: every source value is one of
    # the target's labels all the same.
    _enums(pg_url, second_pg, "'a'", "'a', 'b'", "st")
    report = arrowmig.migrate(pg_url, second_pg, config=arrowmig.MigrationConfig(mode="truncate"))
    assert report.ok, report.tables[0].error
    assert _kept(second_pg) == [(1, "a"), (2, None)]


@pytest.mark.postgres
@pytest.mark.parametrize("column", ["citext", "text COLLATE ci", "duckdb NOCASE"])
def test_text_differing_in_case_from_a_label_is_refused_before_emptying(
    pg_url: str, second_pg: str, tmp_path: Path, column: str
) -> None:
    # citext, a nondeterministic collation and DuckDB's NOCASE compare 'A' equal to 'a';
    # the target's enum does not take 'A'.
    pg_exec(
        pg_url,
        "CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false)",
    )
    _enums(pg_url, second_pg, "'a'", "'a', 'b'", column.replace("duckdb NOCASE", "text"))
    pg_exec(pg_url, "UPDATE t SET s = 'A' WHERE id = 1")
    source = pg_url
    if column == "duckdb NOCASE":
        source = str(tmp_path / "s.duckdb")
        with duckdb.connect(source) as con:
            con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, s VARCHAR COLLATE NOCASE)")
            con.execute("INSERT INTO t VALUES (1, 'A'), (2, NULL)")
    with pytest.raises(
        SchemaError,
        match=r"column 's' holds 1 text that is no label of the target column's enum "
        r"st \(id 1: 'A'\); nothing has been emptied or written",
    ):
        arrowmig.migrate(source, second_pg, config=arrowmig.MigrationConfig(mode="truncate"))
    assert _kept(second_pg) == [(9, "b")]


@pytest.mark.postgres
@pytest.mark.parametrize("mode", ["truncate", "append"])
def test_text_cast_to_the_enum_column_own_type_is_checked_before_emptying(
    pg_url: str, second_pg: str, mode: str
) -> None:
    # --cast t.m="Mood", the column's own type, skipped the check of its labels: truncate
    # emptied the table, then failed on 'Sad' in the server's words, naming no column.
    pg_exec(
        pg_url,
        "CREATE TABLE t (id int PRIMARY KEY, m text)",
        "INSERT INTO t VALUES (1, 'happy'), (2, 'Sad')",
    )
    pg_exec(
        second_pg,
        """CREATE TYPE "Mood" AS ENUM ('happy', 'sad')""",
        """CREATE TABLE t (id int PRIMARY KEY, m "Mood")""",
        "INSERT INTO t VALUES (10, 'sad')",
    )
    config = arrowmig.MigrationConfig(mode=mode, casts={"t.m": '"Mood"'})
    told = (
        r"column 'm' holds 1 text that is no label of the target column's enum \"Mood\" "
        r"\(id 2: 'Sad'\); nothing"
    )
    with pytest.raises(SchemaError, match=told):
        arrowmig.migrate(pg_url, second_pg, config=config)
    with psycopg.connect(second_pg) as con:
        assert con.execute("SELECT id, m::text FROM t").fetchall() == [(10, "sad")]


@pytest.mark.postgres
def test_a_check_of_values_that_fails_names_the_column_and_the_way_past(
    pg_url: str, second_pg: str
) -> None:
    # A source column whose check the server cannot run (here: one described as integers
    # that holds points, as no real type does today): said of the column, with --cast.
    # Called from Python, the cast and --on-error are named as Python's arguments.
    pg_exec(pg_url, "CREATE TABLE t (id int PRIMARY KEY, n bigint, p point)")
    with open_endpoint(pg_url) as src:
        described = src.describe("t")
        key, n = described.column("id"), described.column("n")
        source = replace(described, columns=(key, replace(n, name="p")))
        existing = replace(source, columns=(key, replace(n, name="p", arrow_type=pa.int16())))
        told = (
            r"cannot load 't' \(--mode truncate\): the values of column 'p' could not be "
            r"checked against the target's \(function min\(point\) does not exist\); nothing "
            r"has been emptied or written"
        )
        with pytest.raises(SchemaError, match=told) as refused:
            refuse_values_that_cannot_go_in(
                src, source, existing, "postgresql", "truncate", BatchConfig(), {}
            )
        hint = refused.value.hint or ""
        assert hint.startswith("casts={'t.p': 'TYPE'} (the target column's type) converts")
        assert "use on_error='reject' to load" in hint
        assert "--cast" not in hint and "--on-error" not in hint


@pytest.mark.postgres
def test_failed_checks_name_every_column_and_no_cast_already_given(
    pg_url: str, second_pg: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Text that is no JSON, bound for enum arrays: the check of each column fails. The
    # refusal named the first column alone (a run per column), and advised `--cast t.a=TYPE`
    # for a column the command had cast already.
    names = ["a", "b", "c", "d", "e"]
    pg_exec(
        pg_url,
        f"CREATE TABLE t (id int PRIMARY KEY, {', '.join(f'{n} text' for n in names)})",
        "INSERT INTO t VALUES (1" + ", '{x,y}'" * len(names) + ")",
    )
    pg_exec(
        second_pg,
        "CREATE TYPE st AS ENUM ('x', 'y')",
        f"CREATE TABLE t (id int PRIMARY KEY, {', '.join(f'{n} st[]' for n in names)})",
    )
    argv = ["migrate", pg_url, second_pg, "--mode", "append", "--cast", "t.a=jsonb"]
    assert main([*argv, "--progress", "none"]) == 2
    err = capsys.readouterr().err
    # One reason, said once for every column it stopped.
    assert "the values of columns 'a', 'b', 'c', 'd', 'e' could not be checked" in err
    hint = err.split("; nothing written; ")[1]
    assert hint.startswith("--cast t.b=TYPE --cast t.c=TYPE --cast t.d=TYPE and 1 more ")
    assert "--cast t.a=TYPE" not in hint
    assert "fix the values of t.a in the source (cast already: --cast t.a=jsonb)" in hint
    assert "--on-error reject" in hint
    assert "Traceback" not in err


@pytest.mark.postgres
@pytest.mark.parametrize("given_as", ["python", "job file"])
def test_failed_checks_name_the_casts_as_the_run_was_given(
    tmp_path: Path, pg_url: str, second_pg: str, capsys: pytest.CaptureFixture[str], given_as: str
) -> None:
    """The hint advised `--cast t.b=TYPE` to a run given from Python (``casts=``) or a job
    file (its ``[casts]`` table), where no --cast option is written."""
    pg_exec(pg_url, "CREATE TABLE t (id int PRIMARY KEY, a text, b text)")
    pg_exec(pg_url, "INSERT INTO t VALUES (1, '{x,y}', '{x,y}')")
    pg_exec(
        second_pg,
        "CREATE TYPE st AS ENUM ('x', 'y')",
        "CREATE TABLE t (id int PRIMARY KEY, a st[], b st[])",
    )
    if given_as == "python":
        config = arrowmig.MigrationConfig(mode="append", casts={"t.a": "jsonb"})
        with pytest.raises(SchemaError) as refused:
            arrowmig.migrate(pg_url, second_pg, config=config)
        hint = refused.value.hint or ""
        assert hint.startswith("casts={'t.b': 'TYPE'} (the target column's type) converts")
        assert "(cast already: casts={'t.a': 'jsonb'})" in hint
        assert "use on_error='reject' to load" in hint
    else:
        job = tmp_path / "job.toml"
        job.write_text(
            f'source = "{pg_url}"\ntarget = "{second_pg}"\nmode = "append"\n'
            '[casts]\n"t.a" = "jsonb"\n'
        )
        assert main(["run", str(job), "--progress", "none"]) == 2
        hint = capsys.readouterr().err.split("; nothing written; ")[1]
        assert hint.startswith(f'job file {str(job)!r}, key \'casts\' ("t.b" = "TYPE")')
        assert "--on-error reject" in hint  # a job file's keys are the options' long names
    assert "--cast" not in hint

"""``--cast`` takes names written as SQL writes them, as ``--tables`` does: a table in schema
``a,b`` with column ``y,z`` is ``--cast '"a,b"."y,z"=double'`` (or ``"a,b".t."y,z"``), a
quote inside doubled. That form was refused (``names table '"a,b"', which is not part of this
run``), and a hint's ``--cast`` of a column named ``y.z`` or ``c=d`` did not read back. The
same names are read alike from a job file's ``[casts]`` and Python's ``casts=``.
"""

from __future__ import annotations

import ast
import re
import shlex
import sqlite3
from pathlib import Path

import duckdb
import pytest

import arrowmig
from arrowmig.cli import main

ODD_TABLE = 'my "odd" t.1'
ODD_COLUMN = 'a,b.c=d "e" f'


def _warehouse(path: Path) -> str:
    """A DuckDB file whose schema, tables and columns hold commas, dots, ``=``, spaces and
    quotes; each column a DECIMAL, which SQLite keeps as text unless cast to double."""
    con = duckdb.connect(str(path))
    con.execute('CREATE SCHEMA "a,b"')
    con.execute('CREATE TABLE "a,b"."a,b" (id INTEGER PRIMARY KEY, "y,z" DECIMAL(10,2))')
    con.execute('CREATE TABLE "a,b".t (id INTEGER PRIMARY KEY, "y,z" DECIMAL(10,2))')
    con.execute('CREATE TABLE "a,b"."x=y" (id INTEGER PRIMARY KEY, "y.z" DECIMAL(10,2))')
    odd_table = '"' + ODD_TABLE.replace('"', '""') + '"'
    odd_column = '"' + ODD_COLUMN.replace('"', '""') + '"'
    con.execute(f"CREATE TABLE {odd_table} (id INTEGER PRIMARY KEY, {odd_column} DECIMAL(10,2))")
    for table in ('"a,b"."a,b"', '"a,b".t', '"a,b"."x=y"', odd_table):
        con.execute(f"INSERT INTO {table} VALUES (1, 1.50)")
    con.close()
    return str(path)


def _stored(path: Path, table: str, column: str) -> str:
    """How SQLite stores the column's value: 'real' where the cast took, 'text' where not."""
    with sqlite3.connect(path) as con:
        quoted = '"' + column.replace('"', '""') + '"'
        named = '"' + table.replace('"', '""') + '"'
        (kind,) = con.execute(f"SELECT typeof({quoted}) FROM {named}").fetchone()
    con.close()
    return str(kind)


def test_a_cast_names_its_table_and_column_in_double_quotes(tmp_path: Path) -> None:
    source = _warehouse(tmp_path / "wh.duckdb")
    out = tmp_path / "out.db"
    args = ["migrate", source, str(out), "--source-schema", '"a,b"', "--progress", "none"]
    assert main([*args, "--cast", '"a,b"."y,z"=double', "--cast", '"a,b".t."y,z"=double']) == 0
    assert _stored(out, "a,b", "y,z") == "real"
    assert _stored(out, "t", "y,z") == "real"
    # A name holding "=" is read to its closing quote: the type follows the first = after it.
    assert _stored(out, "x=y", "y.z") == "text"
    again = tmp_path / "again.db"
    assert main([*args[:2], str(again), *args[3:], "--cast", '"x=y"."y.z"=double']) == 0
    assert _stored(again, "x=y", "y.z") == "real"


def test_the_cast_a_note_advises_reads_back_as_pasted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _warehouse(tmp_path / "wh.duckdb")
    first = tmp_path / "first.db"
    assert main(["migrate", source, str(first), "--progress", "plain"]) == 0
    said = capsys.readouterr()
    advised = re.search(r"--cast ('.*?=double'|\S+=double)", said.out + said.err)
    assert advised is not None, said
    assert _stored(first, ODD_TABLE, ODD_COLUMN) == "text"
    pasted = shlex.split(advised[0])  # as a shell reads the hint pasted into it
    again = tmp_path / "again.db"
    assert main(["migrate", source, str(again), *pasted, "--progress", "none"]) == 0
    assert _stored(again, ODD_TABLE, ODD_COLUMN) == "real"


def test_a_run_of_several_schemas_takes_a_quoted_schema_table_column(tmp_path: Path) -> None:
    source = _warehouse(tmp_path / "wh.duckdb")
    out = tmp_path / "out.duckdb"
    cast = '"a,b".t."y,z"=double'
    args = ["migrate", source, str(out), "--source-schema", 'main,"a,b"', "--cast", cast]
    assert main([*args, "--progress", "none"]) == 0
    con = duckdb.connect(str(out))
    types = con.execute(
        "SELECT table_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'a,b' AND column_name = 'y,z' ORDER BY table_name"
    ).fetchall()
    con.close()
    assert types == [("a,b", "DECIMAL(10,2)"), ("t", "DOUBLE")]


def test_a_job_file_and_python_read_the_quoted_names_as_the_option_does(tmp_path: Path) -> None:
    source = _warehouse(tmp_path / "wh.duckdb")
    job = tmp_path / "job.toml"
    job.write_text(
        f"source = {source!r}\ntarget = {str(tmp_path / 'job.db')!r}\n"
        "source_schema = '\"a,b\"'\n"
        '[casts]\n\'"a,b"."y,z"\' = "double"\n\'"x=y"."y.z"\' = "double"\n'
    )
    assert main(["run", str(job), "--progress", "none"]) == 0
    assert _stored(tmp_path / "job.db", "a,b", "y,z") == "real"
    assert _stored(tmp_path / "job.db", "x=y", "y.z") == "real"
    casts = {'"a,b"."y,z"': "double", '"a,b".t."y,z"': "double"}
    for given in (casts, [f"{name}={type_name}" for name, type_name in casts.items()]):
        config = arrowmig.MigrationConfig(source_schema='"a,b"', casts=given)
        assert config.casts == (("a,b", "y,z", "double"), ('"a,b".t', "y,z", "double"))
    python = tmp_path / "python.db"
    arrowmig.migrate(source, str(python), config=config)
    assert _stored(python, "a,b", "y,z") == "real"
    assert _stored(python, "t", "y,z") == "real"


def test_a_quoted_name_of_more_than_three_parts_is_refused_plainly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _warehouse(tmp_path / "wh.duckdb")
    args = ["migrate", source, str(tmp_path / "o.db"), "--cast", 'd."a,b".t."y,z"=double']
    assert main([*args, "--progress", "none"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        'arrowmig: error: cannot read --cast \'d."a,b".t."y,z"=double\': a name has at most '
        "three parts, schema.table.column"
    )
    assert not (tmp_path / "o.db").exists()


def test_a_job_s_cast_stays_with_its_table_named_again_on_the_command_line(
    tmp_path: Path,
) -> None:
    source = _warehouse(tmp_path / "wh.duckdb")
    table = '"' + ODD_TABLE.replace('"', '""') + '"'
    name = table + '."' + ODD_COLUMN.replace('"', '""') + '"'
    job = tmp_path / "job.toml"
    job.write_text(
        f"source = {source!r}\ntarget = {str(tmp_path / 'job.db')!r}\n"
        f"[casts]\n'{name}' = \"double\"\n"
    )
    assert main(["run", str(job), "--tables", table, "--progress", "none"]) == 0
    assert _stored(tmp_path / "job.db", ODD_TABLE, ODD_COLUMN) == "real"


def test_an_append_refusal_s_cast_reads_back_as_pasted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "app.db"
    with sqlite3.connect(source) as con:
        con.execute('CREATE TABLE "t=1" (id INTEGER PRIMARY KEY, "y.z" TEXT)')
        con.execute("INSERT INTO \"t=1\" VALUES (1, '12')")
    con.close()
    target = tmp_path / "app.duckdb"
    dst = duckdb.connect(str(target))
    dst.execute('CREATE TABLE "t=1" (id INTEGER PRIMARY KEY, "y.z" INTEGER)')
    dst.close()
    with pytest.raises(arrowmig.SchemaError) as refused:
        arrowmig.migrate(str(source), str(target), config=arrowmig.MigrationConfig(mode="append"))
    said = (refused.value.hint or "").split(";")[0]
    assert said == "add casts={'\"t=1\".\"y.z\"': 'integer'}"
    casts = ast.literal_eval(said.removeprefix("add casts="))
    config = arrowmig.MigrationConfig(mode="append", casts=casts)
    args = ["migrate", str(source), str(target), "--mode", "append", "--progress", "none"]
    capsys.readouterr()
    assert main(args) == 2
    cli_hint = capsys.readouterr().err.split("; ", 1)[1]
    words = shlex.split(cli_hint.split(";")[0])
    assert words == ["add", "--cast", '"t=1"."y.z"=integer']
    assert main([*args, *words[1:]]) == 0
    dst = duckdb.connect(str(target))
    assert dst.execute('SELECT "y.z" FROM "t=1"').fetchall() == [(12,)]
    dst.execute('DELETE FROM "t=1"')
    dst.close()
    assert arrowmig.migrate(str(source), str(target), config=config).ok  # the Python words too


def test_a_report_s_note_names_the_cast_as_it_reads_back(tmp_path: Path) -> None:
    source = tmp_path / "z.duckdb"
    con = duckdb.connect(str(source))
    con.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, "y.z" DOUBLE)')
    con.execute("INSERT INTO t VALUES (1, '-0.0'::DOUBLE)")
    con.close()
    config = arrowmig.MigrationConfig(casts={'t."y.z"': "integer"})
    report = arrowmig.migrate(str(source), str(tmp_path / "o.duckdb"), config=config)
    assert report.ok
    assert (
        "y.z: 1 value of -0.0 stored as 0 by casts={'t.\"y.z\"': 'integer'}: DuckDB's integer has no "
        "negative zero"
    ) in "\n".join(report.tables[0].notes)

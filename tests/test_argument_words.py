"""A bad argument is named as its caller wrote it: from Python the parameter
(``target_names='Lower'``), on the command line the option (``--target-names``). Python
callers were told of command-line options they never wrote (``unknown --target-names``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

import arrowmig
from arrowmig.cli import main


def _source(path: Path) -> str:
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    return str(path)


def _verify(**kwargs: object) -> Callable[[Path], object]:
    def call(tmp_path: Path) -> object:
        source = _source(tmp_path / "s.db")
        return arrowmig.verify(source, source, **kwargs)  # type: ignore[arg-type]

    return call


def _config(**kwargs: object) -> Callable[[Path], object]:
    return lambda _: arrowmig.MigrationConfig(**kwargs)  # type: ignore[arg-type]


PG = "postgresql://postgres@127.0.0.1:5432/postgres"


def _migrate(target: str = "t.duckdb", **kwargs: object) -> Callable[[Path], object]:
    def call(tmp_path: Path) -> object:
        source = _source(tmp_path / "s.db")
        config = arrowmig.MigrationConfig(**kwargs)  # type: ignore[arg-type]
        there = source if target == "itself" else str(tmp_path / target)
        return arrowmig.migrate(source, there, config=config)

    return call


def _from_postgresql(target: str, **kwargs: object) -> Callable[[Path], object]:
    def call(tmp_path: Path) -> object:
        config = arrowmig.MigrationConfig(**kwargs)  # type: ignore[arg-type]
        return arrowmig.migrate(PG, str(tmp_path / target), config=config)

    return call


PYTHON_CALLS = [
    # Refused once the run plans: they said --cast, --source-schema, --mode to Python too.
    (
        "casts",
        _migrate(casts={"t.nope": "text"}),
        "casts={'t.nope': 'text'} names column 'nope', which table 't' does not have",
    ),
    (
        "casts",
        _migrate(casts={"t.id": "date"}),
        "casts={'t.id': 'date'}: the column holds integers, and their unit is not guessed at",
    ),
    (
        "source_schema",
        _migrate(source_schema="main"),
        "source_schema='main': the source is a SQLite file, which has no schemas",
    ),
    (
        "target_schema",
        _migrate("t.db", target_schema="main"),
        "target_schema='main': the target is a SQLite file, which has no schemas",
    ),
    (
        "mode",
        _migrate("itself", mode="append"),
        "source and target are the same database: mode='append' would append them into",
    ),
    (
        "source_schema",
        _from_postgresql("t.db", source_schema="a,b"),
        "source_schema='a,b': the target is a SQLite file, which has no schemas to put each in",
    ),
    (
        "target_schema",
        _from_postgresql("t.duckdb", source_schema="a,b", target_schema="c"),
        "target_schema names one schema, but source_schema names several",
    ),
    (
        "source_schema",
        _verify(source_schema="a,b"),
        "source_schema='a,b': the source is a SQLite file, which has no schemas",
    ),
    (
        "source_schema",
        _from_postgresql("t.duckdb", source_schema='"a,b'),
        "cannot read the list '\"a,b': a quoted name is not closed",
    ),
    (
        "reject_dir",
        _migrate(on_error="reject", reject_dir="/proc/nowhere"),
        "cannot write rejected rows to '/proc/nowhere'",
    ),
    (
        "rows",
        lambda tmp_path: arrowmig.generate(
            str(tmp_path / "g.duckdb"), rows={"large_players": 0, "large_bets": 5}
        ),
        "large_bets.player_id needs rows in large_players, which has none",
    ),
    ("target_names", _config(target_names="Lower"), "unknown target_names='Lower'"),
    ("on_error", _config(on_error="skip"), "unknown on_error='skip'"),
    ("mode", _config(mode="merge"), "unknown mode='merge'"),
    ("parallel", _config(parallel=0), "parallel must be at least 1, not 0"),
    ("split_rows", _config(split_rows=0), "split_rows must be at least 1, not 0"),
    ("retries", _config(retries=-1), "retries must be 0 or more, not -1"),
    ("max_memory", _config(max_memory=5), "max_memory must be at least 1MiB, not 5"),
    (
        "max_memory",
        _config(max_memory=1.5),
        "max_memory must be a number of bytes or a size like '64MiB', not 1.5",
    ),
    (
        "batch_timeout_s",
        _config(batch_timeout_s=0),
        "batch_timeout_s must be a positive number of seconds, not 0",
    ),
    (
        "lock_wait_s",
        _config(lock_wait_s=0),
        "lock_wait_s must be more than 0 and at most 2,147,483 seconds, not 0",
    ),
    (
        "keep_backup",
        _config(keep_backup=True),
        "keep_backup=True keeps the table a replace drops; mode='create' drops none",
    ),
    (
        "reject_dir",
        _config(reject_dir="rj"),
        "reject_dir='rj' says where rows set aside go; on_error='fail' sets none aside",
    ),
    ("tables", _config(tables=[]), "tables names no table"),
    ("exclude", _config(exclude=5), "exclude takes a table name or a list of them, not 5"),
    ("casts", _config(casts="t"), "cannot read casts 't'"),
    (
        "batch_rows",
        lambda _: arrowmig.BatchConfig(batch_rows=0),
        "batch_rows must be at least 1, not 0",
    ),
    (
        "batch_bytes",
        lambda _: arrowmig.BatchConfig(batch_bytes=10),
        "batch_bytes must be at least 1KiB, not 10",
    ),
    (
        "tables",
        lambda tmp_path: arrowmig.migrate(_source(tmp_path / "s.db"), "t.duckdb", tables=[]),
        "tables names no table",
    ),
    ("tables", _verify(tables=[]), "tables names no table"),
    ("level", _verify(level="deep"), "unknown level='deep'"),
    ("exclude", _verify(exclude=["nope"]), "table 'nope' named by exclude not found in "),
    (
        "exclude",
        _verify(tables=["t"], exclude=["t"]),
        "no tables left to compare: exclude removes every table tables names",
    ),
    ("max_diffs", _verify(max_diffs=-1), "max_diffs must be 0 or more, not -1"),
    ("batch_rows", _verify(batch_rows=0), "batch_rows must be at least 1, not 0"),
    ("lock_wait_s", _verify(lock_wait_s=0), "lock_wait_s must be more than 0"),
    (
        "scale",
        lambda tmp_path: arrowmig.generate(str(tmp_path / "g.duckdb"), scale="huge"),
        "unknown scale='huge'",
    ),
    (
        "seed",
        lambda tmp_path: arrowmig.generate(str(tmp_path / "g.duckdb"), seed=-1),
        "seed must be a whole number from 0 to",
    ),
    (
        "rows",
        lambda tmp_path: arrowmig.generate(str(tmp_path / "g.duckdb"), rows={"large_bets": -5}),
        "row count for large_bets must be a whole number of at least 0, not -5",
    ),
]


@pytest.mark.parametrize(
    ("name", "call", "message"),
    PYTHON_CALLS,
    ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(PYTHON_CALLS)],
)
def test_a_python_caller_is_told_the_parameter_not_the_option(
    tmp_path: Path, name: str, call: Callable[[Path], object], message: str
) -> None:
    with pytest.raises(arrowmig.ArrowmigError) as refused:  # a table not found: SchemaError
        call(tmp_path)
    assert refused.value.message.startswith(message), refused.value.message
    # No command-line option anywhere in what it says, the hint included.
    assert "--" not in str(refused.value)


def test_the_hints_of_generate_are_said_in_python() -> None:
    with pytest.raises(arrowmig.UsageError) as refused:
        arrowmig.generate("g.duckdb", scale="huge")
    assert refused.value.hint is not None and "rows={'table': N}" in refused.value.hint
    with pytest.raises(arrowmig.UsageError) as refused:
        arrowmig.generate("g.duckdb", seed=-1)
    assert refused.value.hint == "pass seed=42 (any non-negative integer)"


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["migrate", "{src}", "{dst}", "--parallel", "0"], "--parallel must be at least 1, not 0"),
        (
            ["migrate", "{src}", "{dst}", "--keep-backup"],
            "--keep-backup keeps the table a replace drops; --mode create drops none; "
            "use --mode replace, or leave out --keep-backup",
        ),
        (
            # Before, the folder was left empty without a word.
            ["migrate", "{src}", "{dst}", "--reject-dir", "rj"],
            "--reject-dir 'rj' says where rows set aside go; --on-error fail sets none aside; "
            "add --on-error reject, or leave out --reject-dir",
        ),
        (
            ["migrate", "{src}", "{dst}", "--batch-timeout", "0"],
            "--batch-timeout must be a positive number of seconds, not 0",
        ),
        (
            ["migrate", "{src}", "{dst}", "--max-memory", "5"],
            "--max-memory must be at least 1MiB, not 5",
        ),
        (["migrate", "{src}", "{dst}", "--tables", ""], "--tables names no table"),
        (["verify", "{src}", "{src}", "--lock-wait-timeout", "0"], "--lock-wait-timeout must be"),
        (["generate", "{dst}", "--scale", "huge"], "unknown --scale 'huge'"),
        (
            ["migrate", "{src}", "{dst}", "--cast", "t.nope=text"],
            "--cast t.nope=text names column 'nope', which table 't' does not have",
        ),
        (
            ["migrate", "{src}", "{dst}", "--source-schema", "main"],
            "--source-schema 'main': the source is a SQLite file, which has no schemas; "
            "leave --source-schema out",
        ),
    ],
)
def test_the_command_line_is_told_the_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], line: str
) -> None:
    src, dst = _source(tmp_path / "s.db"), str(tmp_path / "t.duckdb")
    command = [a.format(src=src, dst=dst) for a in args]
    assert main([*command, "--progress", "none"] if args[0] != "verify" else command) == 2
    assert capsys.readouterr().err.startswith(f"arrowmig: error: {line}")


def test_a_job_file_s_cast_of_a_missing_column_names_the_file_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    job = tmp_path / "job.toml"
    job.write_text(
        f'source = "{_source(tmp_path / "s.db")}"\ntarget = "t.duckdb"\n'
        '[casts]\n"t.nope" = "text"\n'
    )
    assert main(["run", str(job), "--progress", "none"]) == 2
    assert capsys.readouterr().err == (
        f'arrowmig: error: job file {str(job)!r}, key \'casts\' ("t.nope" = "text") names '
        "column 'nope', which table 't' does not have; its columns: id\n"
    )


def test_a_cast_named_in_another_case_is_told_the_name_meant(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Chinook's Track.UnitPrice written as PostgreSQL folds it: the table, already in the run,
    # was to be "added to the run"; the column had no word of the one meant.
    src = tmp_path / "chinook.db"
    with closing(sqlite3.connect(src)) as con, con:
        con.execute(
            "CREATE TABLE [Track] ([TrackId] INTEGER PRIMARY KEY, [UnitPrice] NUMERIC(10,2))"
        )
    dst = str(tmp_path / "t.duckdb")
    args = ["plan", str(src), dst, "--cast"]
    assert main([*args, "track.unitprice=double"]) == 2
    assert capsys.readouterr().err == (
        "arrowmig: error: --cast track.unitprice=double names table 'track', which is not "
        "part of this run (did you mean 'Track'?); names are matched exactly, a column's "
        "too: write each as the source does\n"
    )
    assert main([*args, "Track.unitprice=double"]) == 2
    assert capsys.readouterr().err == (
        "arrowmig: error: --cast Track.unitprice=double names column 'unitprice', which "
        "table 'Track' does not have (did you mean 'UnitPrice'?); names are matched exactly: "
        "--cast Track.UnitPrice=double\n"
    )

"""Errors and reports of the Python API name the parameters a program gives
(``mode='replace'``, ``resume=True``), while the command line keeps naming its options."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import duckdb
import pytest

import arrowmig
from arrowmig import BatchConfig, MigrationConfig
from arrowmig.cli import cli, main
from arrowmig.python_words import NO_PARAMETER, PARAMETERS, in_python_words


def _sqlite(path: Path, *rows: tuple[int, object]) -> str:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER)")
        db.executemany("INSERT INTO t VALUES (?, ?)", rows)
    db.close()
    return str(path)


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """What ``arrowmig migrate ARGS`` prints."""
    capsys.readouterr()
    main(["migrate", *args, "--progress", "none"])
    shown = capsys.readouterr()
    return shown.out + shown.err


def test_every_option_of_a_python_verb_has_its_parameter_or_is_known_to_have_none() -> None:
    for verb in ("migrate", "verify", "generate"):
        for param in cli.commands[verb].params:
            for option in param.opts:
                if option.startswith("--") and option != "--help":
                    assert option in PARAMETERS or option in NO_PARAMETER, (verb, option)


def test_options_without_a_parameter_and_quoted_command_lines_stay() -> None:
    assert in_python_words("add --json, or run arrowmig migrate a.db b.db --resume") == (
        "add --json, or run arrowmig migrate a.db b.db --resume"
    )
    assert in_python_words("lower --batch-rows 5000") == "lower batch=BatchConfig(batch_rows=5000)"
    assert in_python_words("raise --lock-wait-timeout", "verify") == "raise lock_wait_s"
    assert in_python_words("--tables takes them") == "tables takes them"
    assert (
        in_python_words("arrowmig keeps it (--mode append)") == "arrowmig keeps it (mode='append')"
    )
    assert in_python_words("--tables or --exclude left it out") == "tables or exclude left it out"
    assert in_python_words("by --cast 't.\"a=b\"=integer'") == "by casts={'t.\"a=b\"': 'integer'}"


def test_an_existing_table_is_refused_naming_mode_as_a_program_gives_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _sqlite(tmp_path / "s.db", (1, 1))
    target = str(tmp_path / "out.duckdb")
    arrowmig.migrate(source, target)
    with pytest.raises(arrowmig.SchemaError) as refused:
        arrowmig.migrate(source, target)
    assert refused.value.hint == "use mode='replace', 'append' or 'truncate', or drop it first"
    assert "--mode" not in str(refused.value)
    assert "use --mode replace, append or truncate, or drop it first" in _cli(
        capsys, source, target
    )


def test_an_existing_postgresql_table_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], pg_url: str
) -> None:
    source = _sqlite(tmp_path / "s.db", (1, 1))
    arrowmig.migrate(source, pg_url)
    with pytest.raises(arrowmig.SchemaError, match="mode='replace', 'append' or 'truncate'"):
        arrowmig.migrate(source, pg_url)
    assert "--mode replace, append or truncate" in _cli(capsys, source, pg_url)


def _appending_into(tmp_path: Path) -> tuple[str, str]:
    """A source whose third row cannot be an integer, and a target table of integers."""
    source = _sqlite(tmp_path / "b.db", (1, 1), (2, 2), (3, "abc"), (4, 4))
    target = str(tmp_path / "b.duckdb")
    with duckdb.connect(target) as db:
        db.execute("CREATE TABLE t (id INTEGER, n INTEGER)")
    return source, target


def test_a_cast_is_advised_as_casts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source, target = _appending_into(tmp_path)
    with pytest.raises(arrowmig.SchemaError) as refused:
        arrowmig.migrate(source, target, config=MigrationConfig(mode="append"))
    assert refused.value.hint is not None
    assert refused.value.hint.startswith("add casts={'t.n': 'integer'}; ")
    assert "mode='replace' recreates the table" in refused.value.hint
    shown = _cli(capsys, source, target, "--mode", "append")
    assert "add --cast t.n=integer; " in shown and "--mode replace recreates" in shown


def test_a_failed_table_and_the_refused_rerun_say_on_error_and_resume(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, target = _appending_into(tmp_path)
    config = MigrationConfig(
        mode="append", casts={"t.n": "integer"}, batch=BatchConfig(batch_rows=1)
    )
    report = arrowmig.migrate(source, target, config=config)
    (table,) = report.tables
    assert table.status == "failed" and table.error is not None
    assert "(e.g. casts={'t.n': 'text'}), or use on_error='reject' to set such rows aside" in (
        table.error
    )
    assert "--" not in table.error
    with pytest.raises(arrowmig.SchemaError) as refused:
        arrowmig.migrate(source, target, config=config)
    assert "of this same call, failed after committing 2 rows" in refused.value.message
    assert "without resume=True this run would append them a second time" in refused.value.message
    assert refused.value.hint is not None and refused.value.hint.endswith(", and call again")
    shown = _cli(
        capsys, source, target, "--mode", "append", "--cast", "t.n=integer", "--batch-rows", "1"
    )
    assert "without --resume this run would append" in shown
    assert "and run this command again" in shown


def test_the_cli_report_keeps_its_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, target = _appending_into(tmp_path)
    shown = _cli(
        capsys, source, target, "--mode", "append", "--cast", "t.n=integer", "--batch-rows", "1"
    )
    assert "(e.g. --cast t.n=text), or use --on-error reject to set such rows aside" in shown

"""Small things of the output a reader meets: the log file's numbers rounded as the rest,
--debug listed where it works, table names quoted where a bare one would read as two."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from arrowmig.cli import main
from tests.dbutil import q


def _source(path: Path, *tables: str) -> str:
    con = sqlite3.connect(path)
    for name in tables:
        con.execute(f"CREATE TABLE {q(name)} (id INTEGER PRIMARY KEY, x TEXT)")
        con.executemany(f"INSERT INTO {q(name)} VALUES (?, ?)", [(i, "x") for i in range(300)])
    con.commit()
    con.close()
    return str(path)


def test_the_log_files_table_lines_round_seconds_as_its_summary_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``table ... seconds=0.22852717900013886`` beside ``summary ... seconds=0.812``."""
    source = _source(tmp_path / "s.db", "bets", "odds")
    log = tmp_path / "run.log"
    target = str(tmp_path / "t.duckdb")
    assert main(["migrate", source, target, "--log-file", str(log), "--progress", "none"]) == 0
    lines = [line for line in log.read_text().splitlines() if " table " in line]
    assert len(lines) == 2
    for line in lines:
        seconds = re.search(r" seconds=(\S+)", line)
        assert seconds is not None and re.fullmatch(r"\d+(\.\d{1,3})?", seconds.group(1)), line


@pytest.mark.parametrize("verb", ["migrate", "plan", "verify", "generate", "status", "run"])
def test_every_verbs_help_lists_debug(verb: str, capsys: pytest.CaptureFixture[str]) -> None:
    """``--debug`` works after the verb (README), but its --help did not list it."""
    assert main([verb, "--help"]) == 0
    assert re.search(r"^  --debug +Show tracebacks", capsys.readouterr().out, re.MULTILINE)


def test_a_table_not_found_lists_the_tables_there_as_option_lists_write_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``tables there: ZNOTE, a,b, c``: one table "a,b" read as two."""
    source = _source(tmp_path / "odd.db", "ZNOTE", "a,b", "c", 'my "odd" table')
    code = main(["migrate", source, str(tmp_path / "t.duckdb"), "--exclude", "nosuch"])
    assert code == 2
    assert capsys.readouterr().err.endswith('tables there: ZNOTE, "a,b", c, "my ""odd"" table"\n')

"""``plan`` and ``migrate --dry-run``: one set of options with ``migrate`` (a migrate command
becomes a plan by its verb alone), and the output contracts of a run: ``--json`` one
document, ``--progress json`` JSON Lines ending with a ``summary``, ``--log-file`` written."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from arrowmig.cli import main
from arrowmig.events import CORE_FIELDS


@pytest.fixture
def source_db(tmp_path: Path) -> Path:
    path = tmp_path / "src.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER)")
    con.executemany("INSERT INTO t VALUES (?, ?)", [(i, i % 7) for i in range(1, 101)])
    con.commit()
    con.close()
    return path


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    "options",
    [
        ["--verify"],
        ["--progress", "plain"],
        ["--progress-interval", "2"],
        ["--dry-run"],
    ],
)
def test_plan_takes_every_option_of_migrate(
    source_db: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    options: list[str],
) -> None:
    """They were refused with "no such option", exit 2, though README says plan takes them."""
    target = tmp_path / "p.duckdb"
    code, out, err = _cli(capsys, "plan", str(source_db), str(target), *options)
    assert (code, out) == (0, "")
    assert "t -> t: create, 100 rows" in err
    assert not target.exists()


def test_plan_help_lists_only_what_a_plan_uses(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli(capsys, "plan", "--help")
    assert code == 0
    for hidden in ("--verify", "--progress", "--dry-run", "--resume", "--retries"):
        assert f"{hidden} " not in out
    assert "--log-file" in out and "--json" in out


@pytest.mark.parametrize("verb", [["plan"], ["migrate", "--dry-run"]])
def test_dry_run_progress_json_ends_with_a_summary_holding_the_plan(
    source_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], verb: list[str]
) -> None:
    """``--dry-run --progress json`` printed nothing (exit 0), and with ``--json`` a
    pretty-printed document where a JSON Lines reader expects one object per line."""
    target = tmp_path / "d.duckdb"
    code, out, _ = _cli(
        capsys, verb[0], str(source_db), str(target), *verb[1:], "--progress", "json", "--json"
    )
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 1
    summary = json.loads(lines[0])
    assert set(CORE_FIELDS) <= set(summary)
    assert (summary["event"], summary["exit_code"], summary["report"]) == ("summary", 0, None)
    assert [t["name"] for t in summary["plan"]["tables"]] == ["t"]
    # --json alone: one document, the plan itself, as before.
    code, out, _ = _cli(capsys, verb[0], str(source_db), str(target), *verb[1:], "--json")
    assert code == 0 and json.loads(out) == {**summary["plan"]}
    assert not target.exists()


@pytest.mark.parametrize("verb", [["plan"], ["migrate", "--dry-run"]])
def test_dry_run_writes_the_plan_into_the_log_file(
    source_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], verb: list[str]
) -> None:
    """``--log-file`` was ignored by ``--dry-run`` (no file) and refused by ``plan``."""
    target, log = tmp_path / "d.duckdb", tmp_path / "dry.log"
    code, _, _ = _cli(
        capsys, verb[0], str(source_db), str(target), *verb[1:], "--log-file", str(log)
    )
    assert code == 0
    lines = log.read_text().splitlines()
    planned = next(line for line in lines if "dry run, nothing written; plan " in line)
    plan = json.loads(planned.split("dry run, nothing written; plan ", 1)[1])
    assert [t["name"] for t in plan["tables"]] == ["t"]
    assert lines[-1].endswith("note       exit code 0")
    assert not target.exists()


def test_a_refused_plan_is_in_the_log_and_its_summary_line(
    source_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target, log = tmp_path / "d.duckdb", tmp_path / "dry.log"
    code, out, err = _cli(
        capsys, "plan", str(source_db), str(target), "--tables", "nosuch",
        "--progress", "json", "--log-file", str(log),
    )  # fmt: skip
    assert code == 2 and "table 'nosuch'" in err
    summary = json.loads(out)
    assert (summary["event"], summary["exit_code"], summary["report"]) == ("summary", 2, None)
    assert "error: table 'nosuch'" in log.read_text()


def test_a_text_keyed_table_is_said_to_have_no_integer_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # An app's `kv (k TEXT PRIMARY KEY) WITHOUT ROWID` was said to have "no usable key",
    # though the plan builds that very key: a resume goes on after an integer key only.
    path = tmp_path / "app.db"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE kv (k TEXT PRIMARY KEY, v BLOB) WITHOUT ROWID")
        con.execute("INSERT INTO kv VALUES ('a', x'00')")
    con.close()
    code, _, err = _cli(capsys, "plan", str(path), str(tmp_path / "t.duckdb"))
    assert code == 0
    assert (
        "loads into a staging table, put in place in one transaction at the end; no integer "
        "key to continue after, so a resumed run loads it again from the start"
    ) in err

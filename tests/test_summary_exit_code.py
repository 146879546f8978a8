"""The last line of ``--progress json`` is the ``summary`` event, with every key every event
has and the command's ``exit_code`` at the top, whether the run finished (0 or 1) or failed
early (2): ``jq .exit_code`` read null for a run that finished, and an early error's line
lacked ``ts``, ``table``, ``rows``..."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from arrowmig.cli import main
from arrowmig.events import CORE_FIELDS


def _summary(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, object]]:
    code = main([*args, "--progress", "json", "--json"])
    out = capsys.readouterr().out
    last: dict[str, object] = json.loads(out.splitlines()[-1])
    assert last["event"] == "summary"
    assert set(CORE_FIELDS) <= set(last), sorted(set(CORE_FIELDS) - set(last))
    assert isinstance(last["ts"], str)
    return code, last


def test_every_summary_line_has_the_exit_code_and_every_events_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    with sqlite3.connect(tmp_path / "s.db") as con:
        con.execute("CREATE TABLE m (id INTEGER PRIMARY KEY, n TEXT)")
        con.executemany("INSERT INTO m VALUES (?, ?)", [(1, "10"), (2, "N/A")])
    source = str(tmp_path / "s.db")
    code, done = _summary(capsys, "migrate", source, "ok.duckdb")
    assert code == done["exit_code"] == 0
    report = done["report"]
    assert isinstance(report, dict) and report["exit_code"] == 0
    # Finished with a rejected row: 1.
    rejected = ("--cast", "m.n=integer", "--on-error", "reject")
    code, failed = _summary(capsys, "migrate", source, "rej.duckdb", *rejected)
    assert code == failed["exit_code"] == 1
    # Refused before any work (the table exists now): 2, the same keys.
    code, early = _summary(capsys, "migrate", source, "ok.duckdb")
    assert code == early["exit_code"] == 2
    assert early["report"] is None and early["ok"] is False and "exists" in str(early["error"])

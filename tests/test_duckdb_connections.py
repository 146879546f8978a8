"""Every DuckDB connection arrowmig opens is quiet (no progress bar on a caller's stdout) and
offline (no extension fetched from the network), and a SQLite file given a DuckDB name is
named as what it is, not as a failed download."""

from __future__ import annotations

import ast
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import arrowmig
from arrowmig.cli import main

OPEN_EACH = """
import json, sys
import duckdb
import arrowmig
from arrowmig.checksum import DiffStore, new_engine
from arrowmig.generator import GeneratedSource
from arrowmig.rowpath import Url, connect

SETTINGS = (
    "SELECT current_setting('enable_progress_bar'), "
    "current_setting('autoinstall_known_extensions'), "
    "current_setting('autoload_known_extensions')"
)
folder, file = sys.argv[1], sys.argv[2]
seen = {}
with duckdb.connect() as plain:
    seen["duckdb.connect"] = plain.execute(SETTINGS).fetchall()
with arrowmig.open_endpoint(file, create=True) as target:
    seen["target file"] = target.execute(SETTINGS)
    target.execute("CREATE TABLE t (i INTEGER)")
with arrowmig.open_endpoint(file, read_only=True) as source:
    seen["source file"] = source.execute(SETTINGS)
engine = new_engine()
seen["verify engine"] = engine.execute(SETTINGS).fetchall()
seen["verify engine cursor"] = engine.cursor().execute(SETTINGS).fetchall()
engine.close()
store = DiffStore(folder)
seen["verify diff store"] = store.cursor().execute(SETTINGS).fetchall()
store.close()
generated = GeneratedSource(scale="small", tables=["large_players"])
seen["generator"] = generated._con.execute(SETTINGS).fetchall()
generated.close()
row_path = connect(Url("duckdb", file))
seen["row path"] = row_path.execute(SETTINGS).fetchall()
row_path.close()
print(json.dumps({k: [list(r) for r in v] for k, v in seen.items()}))
"""


def test_every_duckdb_connection_is_quiet_and_offline(tmp_path: Path) -> None:
    """arrowmig.verify() drew DuckDB's progress bar on the calling program's stdout when a
    comparison ran over 2 s (its hashing engine and diff store never turned it off), and a
    SQLite file named .duckdb made DuckDB download its sqlite extension. DuckDB turns the bar
    on where ``__main__`` has no file, as in ``python -c`` (the tester's) or a notebook, so
    the connections are opened so."""
    args = [sys.executable, "-c", OPEN_EACH, str(tmp_path), str(tmp_path / "w.duckdb")]
    here = {**os.environ, "PYTHONPATH": str(Path(arrowmig.__file__).parent.parent)}
    done = subprocess.run(args, capture_output=True, text=True, env=here, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen.pop("duckdb.connect") == [[True, True, True]]  # DuckDB's own, here
    assert seen == {opened: [[False, False, False]] for opened in seen} and len(seen) == 7


def test_no_duckdb_connection_is_opened_but_by_connect_duckdb() -> None:
    """One way to open DuckDB, so that a new connection is quiet and offline too (the row
    path, a script that imports nothing of arrowmig, sets the same itself)."""
    package = Path(arrowmig.__file__).parent
    opened = sorted(
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "duckdb.connect"
    )
    assert opened == ["duckdb_connection.py", "rowpath.py"]


def _sqlite_named_duckdb(path: Path) -> Path:
    con = sqlite3.connect(path)
    con.executescript("CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t VALUES (1);")
    con.close()
    return path


def test_a_sqlite_file_named_duckdb_is_refused_naming_the_url_to_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """migrate, plan, verify and status of shop.duckdb (a SQLite file) failed with DuckDB's
    'Failed to download extension "sqlite_scanner"', which reads as a network fault."""
    monkeypatch.chdir(tmp_path)
    shop = _sqlite_named_duckdb(tmp_path / "shop.duckdb")
    before = shop.read_bytes()
    line = (
        "arrowmig: error: 'shop.duckdb' is a SQLite database, not a DuckDB file; "
        "name it sqlite:///shop.duckdb\n"
    )
    for args in (
        ["migrate", "shop.duckdb", "out.db", "--progress", "none"],
        ["plan", "shop.duckdb", "out.db"],
        ["verify", "shop.duckdb", "out.db"],
        ["status", "shop.duckdb"],
        ["migrate", "out.db", "duckdb:///shop.duckdb", "--progress", "none"],
    ):
        if args[1] == "out.db":
            _sqlite_named_duckdb(tmp_path / "out.db")
        capsys.readouterr()
        assert main(args) == 2, args
        assert capsys.readouterr().err == line, args
        (tmp_path / "out.db").unlink(missing_ok=True)
    assert shop.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shop.duckdb"]
    # The URL the line names reads it.
    assert main(["migrate", "sqlite:///shop.duckdb", "out.db", "--progress", "none"]) == 0
    absolute = str(shop)
    with pytest.raises(arrowmig.ConnectError) as refused:
        arrowmig.open_endpoint(f"duckdb:///{absolute}")
    assert refused.value.hint == f"name it sqlite:///{absolute}"
    report: Any = arrowmig.verify(f"sqlite:///{absolute}", "out.db")
    assert report.ok

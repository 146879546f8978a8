"""A signal that lands while DuckDB's compiled module initialises (the first ``import duckdb``,
made as a run opens its DuckDB target) stops the command as anywhere else: exit 143 or 130,
one line, the --json stop document, no target file left.

Python code that the module runs as it initialises (its enums, made with the ``enum`` module)
took the signal's exception: the import failed ("Encountered an error while initializing the
extension", exit 2 or 1), the stop was dropped, or the process aborted ("Critical nanobind
error"). The signal is sent here at that very moment, from a profile hook: the first call into
``enum`` once ``import duckdb`` has begun.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

_RUN_WITH_A_SIGNAL_AS_DUCKDB_LOADS = """
import os, signal, sys

def _signal_inside_duckdb(frame, event, _arg):
    # The first call into `enum` once `import duckdb` began: _duckdb's initialisation.
    if event == "call" and frame.f_code.co_filename.endswith("enum.py"):
        sys.setprofile(None)
        os.kill(os.getpid(), getattr(signal, os.environ["SIGNAL"]))

class _Finder:
    # Profiles from the moment `import duckdb` begins: nothing of arrowmig's own is slowed.
    def find_spec(self, name, path=None, target=None):
        if name == "duckdb":
            sys.meta_path.remove(self)
            sys.setprofile(_signal_inside_duckdb)
        return None

sys.meta_path.insert(0, _Finder())
from arrowmig.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("loading") / "src.db"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
        con.executemany("INSERT INTO t VALUES (?, ?)", [(i, f"n{i}") for i in range(100)])
    return path


@pytest.mark.parametrize(("name", "code"), [("SIGTERM", 143), ("SIGINT", 130)])
def test_a_signal_as_duckdb_loads_is_a_stop(
    source: Path, tmp_path: Path, name: str, code: int
) -> None:
    target = tmp_path / "new.duckdb"
    # Fresh interpreters: DuckDB's module initialises once per process.
    command = [sys.executable, "-c", _RUN_WITH_A_SIGNAL_AS_DUCKDB_LOADS]
    proc = subprocess.run(
        [*command, "migrate", str(source), str(target), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**_environment(), "SIGNAL": name},
    )
    assert proc.returncode == code, proc.stderr
    stopped = f"interrupted by {name} while planning, before this run wrote anything"
    assert proc.stderr.startswith(f"arrowmig: {stopped}"), proc.stderr
    assert len(proc.stderr.splitlines()) == 1, proc.stderr  # no traceback
    document = json.loads(proc.stdout)
    assert document["exit_code"] == code and document["error"].startswith(stopped)
    assert not target.exists()


def _environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "SIGNAL"} | {
        "PYTHONPATH": str(Path(__file__).resolve().parents[1])
    }


def test_the_hook_reaches_duckdb_s_initialisation() -> None:
    # The test above means something only if its signal lands inside the module's
    # initialisation: there, a handler that raises at once (as arrowmig's did) kills the
    # import, here by aborting the process.
    script = _RUN_WITH_A_SIGNAL_AS_DUCKDB_LOADS.replace(
        "from arrowmig.cli import main\nsys.exit(main(sys.argv[1:]))",
        "class Stop(BaseException): pass\n"
        "def stop(*_): raise Stop()\n"
        "signal.signal(signal.SIGTERM, stop)\n"
        "try:\n    import duckdb\nexcept Stop:\n    print('stopped cleanly')\n",
    )
    proc = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        env={**_environment(), "SIGNAL": "SIGTERM"},
    )
    assert proc.returncode != 0 and "stopped cleanly" not in proc.stdout, proc.stderr

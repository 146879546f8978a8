"""DuckDB is loaded only by a run that reads, writes or verifies a DuckDB file: between SQLite
and PostgreSQL it is about 30 MB of memory and a tenth of a second of start-up that the run
does not need. Each run is a fresh interpreter, as the command is."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

_RUN = """
import sys, arrowmig
from arrowmig.config import MigrationConfig
report = arrowmig.migrate(sys.argv[1], sys.argv[2], config=MigrationConfig(mode="replace"))
assert not report.failed, report
print("duckdb" in sys.modules)
"""


def _duckdb_loaded_by_migrate(source: str, target: str) -> bool:
    out = subprocess.run(
        [sys.executable, "-c", _RUN, source, target], capture_output=True, text=True, check=True
    ).stdout
    return out.strip() == "True"


def _bets(path: Path) -> str:
    """A table with the kinds of column a betting app holds: decimal money, text, times."""
    con = sqlite3.connect(path)
    con.executescript(
        """
        CREATE TABLE bets (id INTEGER PRIMARY KEY, stake DECIMAL(12,2), team TEXT,
                           placed_at TIMESTAMP, won BOOLEAN);
        INSERT INTO bets VALUES (1, '12.50', 'Ajax', '2024-03-01 10:00:00', 1),
                                (2, '3.00', 'PSV', '2024-03-02 11:30:00', 0);
        """
    )
    con.commit()
    con.close()
    return str(path)


def test_sqlite_into_postgresql_loads_no_duckdb(tmp_path: Path, pg_url: str) -> None:
    assert not _duckdb_loaded_by_migrate(_bets(tmp_path / "bets.db"), pg_url)


def test_postgresql_into_sqlite_loads_no_duckdb(tmp_path: Path, pg_url: str) -> None:
    assert not _duckdb_loaded_by_migrate(_bets(tmp_path / "bets.db"), pg_url)
    assert not _duckdb_loaded_by_migrate(pg_url, str(tmp_path / "back.db"))


def test_sqlite_into_duckdb_loads_it(tmp_path: Path) -> None:
    # The check above can fail: a run that does use DuckDB shows it loaded.
    assert _duckdb_loaded_by_migrate(_bets(tmp_path / "bets.db"), str(tmp_path / "w.duckdb"))

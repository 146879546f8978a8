"""A SQLite source is only read: a copied live file (a browser profile with its -wal file
beside it) is not rewritten by plan, migrate or verify. A read-write connection, the last to
close, folded the -wal file into the file and deleted it, changing the file's bytes."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from arrowmig import migrate, verify
from arrowmig.errors import ConnectError
from arrowmig.migrate import explain
from arrowmig.plan import MigrationPlan
from tests.dbutil import target_of

_LEFT_WITH_ITS_WAL = """
import os, sqlite3, sys
con = sqlite3.connect(sys.argv[1])
con.execute("PRAGMA journal_mode=wal")
con.execute("PRAGMA wal_autocheckpoint=0")
con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
con.executemany("INSERT INTO t VALUES (?, ?)", [(i, f"v{i}") for i in range(1000)])
con.commit()
os._exit(0)  # as a killed application leaves it: committed rows only in the -wal file
"""


def _digests(source: Path) -> dict[str, str | None]:
    """The file's and its -wal file's MD5 (None: the file is gone)."""
    return {
        p.name: hashlib.md5(p.read_bytes()).hexdigest() if p.exists() else None
        for p in (source, Path(f"{source}-wal"))
    }


@pytest.mark.parametrize("target_kind", ["sqlite", "duckdb", "postgres"])
def test_plan_migrate_and_verify_leave_a_wal_source_as_it_was(
    tmp_path: Path, target_kind: str, request: pytest.FixtureRequest
) -> None:
    source = tmp_path / "live.sqlite"
    subprocess.run([sys.executable, "-c", _LEFT_WITH_ITS_WAL, str(source)], check=True)
    before = _digests(source)
    assert Path(f"{source}-wal").stat().st_size > 0
    target = target_of(target_kind, tmp_path, request)
    planned = explain(str(source), target)
    assert isinstance(planned, MigrationPlan)
    assert _digests(source) == before
    report = migrate(str(source), target)
    assert report.ok and report.rows == 1000
    assert _digests(source) == before
    assert verify(str(source), target).ok
    assert _digests(source) == before


_STOPPED_MID_WRITE = """
import os, sqlite3, sys
con = sqlite3.connect(sys.argv[1])
con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
con.executemany("INSERT INTO t VALUES (?, ?)", [(i, "x" * 100) for i in range(2000)])
con.commit()
con.execute("PRAGMA cache_size=1")  # the update spills into the file, its undo into the journal
con.execute("BEGIN")
con.execute("UPDATE t SET v = 'y'")
os._exit(0)
"""


def test_a_journal_left_mid_write_is_said_and_left_for_sqlite_to_roll_back(
    tmp_path: Path,
) -> None:
    # Read-write, SQLite rolled the journal back into the source (a write); read-only it
    # answered "attempt to write a readonly database", said as a WAL file's missing -shm.
    source = tmp_path / "stopped.db"
    subprocess.run([sys.executable, "-c", _STOPPED_MID_WRITE, str(source)], check=True)
    journal = Path(f"{source}-journal")
    before = hashlib.md5(source.read_bytes() + journal.read_bytes()).hexdigest()
    with pytest.raises(ConnectError) as refused:
        migrate(str(source), str(tmp_path / "t.duckdb"))
    assert str(refused.value).startswith(
        f"cannot read SQLite file {str(source)!r}: its -journal file holds a transaction a "
        "writer left unfinished"
    )
    assert refused.value.hint is not None and "PRAGMA quick_check" in refused.value.hint
    assert hashlib.md5(source.read_bytes() + journal.read_bytes()).hexdigest() == before
    # What the hint says works: rolled back, the file is read, with its committed rows.
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute('PRAGMA quick_check')",
            str(source),
        ],
        check=True,
    )
    report = migrate(str(source), str(tmp_path / "t.duckdb"))
    assert report.ok and report.rows == 2000

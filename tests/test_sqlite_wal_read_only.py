"""A WAL-mode SQLite source on a read-only file system (a backup mount, a snapshot): SQLite
must create its -shm and -wal files beside it even to read it. The one line says so, and the
way on, where SQLite says only "unable to open database file"."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from arrowmig.cli import main


def _sqlite(path: Path, journal_mode: str) -> None:
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA journal_mode={journal_mode}")
    con.executescript(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'a');"
    )
    con.close()


@pytest.fixture
def read_only_folder() -> Iterator[Path]:
    """A folder holding wal.db (WAL mode) and plain.db (rollback journal), bind-mounted
    read-only (needs root to mount)."""
    made = Path(tempfile.mkdtemp(prefix="arrowmig-ro-"))
    _sqlite(made / "wal.db", "wal")
    _sqlite(made / "plain.db", "delete")
    mounted = subprocess.run(["mount", "--bind", str(made), str(made)], capture_output=True)
    if mounted.returncode != 0:
        shutil.rmtree(made, ignore_errors=True)
        if os.environ.get("CI") == "true" and os.geteuid() == 0:
            pytest.fail(f"cannot bind-mount a folder: {mounted.stderr.decode().strip()}")
        pytest.skip("a read-only bind mount needs root")
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(made)], check=True)
        yield made
    finally:
        subprocess.run(["umount", str(made)], capture_output=True)
        shutil.rmtree(made, ignore_errors=True)


def test_a_wal_file_on_a_read_only_mount_says_why_and_what_to_do(
    read_only_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = read_only_folder / "plain.db"
    assert main(["migrate", str(plain), str(tmp_path / "p.duckdb"), "--progress", "none"]) == 0
    capsys.readouterr()
    wal = read_only_folder / "wal.db"
    code = main(["migrate", str(wal), str(tmp_path / "w.duckdb"), "--progress", "none"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip().splitlines() == [
        f"arrowmig: error: cannot read SQLite file '{wal}': it is in WAL mode, and SQLite must "
        "create its -shm and -wal files beside it even to read it, which a read-only file "
        f"system does not allow; copy it (with its -wal file, if there is one: cp {wal}* DIR) "
        "to a folder you may write and read the copy; or have it saved in rollback-journal "
        "mode where it is written (PRAGMA journal_mode=DELETE)"
    ]
    assert not (tmp_path / "w.duckdb").exists()

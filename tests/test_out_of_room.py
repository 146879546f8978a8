"""A target that runs out of room (a full disk, DuckDB's memory cap) as a loaded table's keys
and indexes are built: the table is failed, not recorded loaded, the error names the cause
and the way on, and ``--resume`` builds what is missing. A key the rows break stays the
failure README describes (``test_keys_not_built``).

A full disk is made without a small file system: SQLite's ``PRAGMA max_page_count`` on the
run's connections to the target makes its file "full" past that many pages, with the very
error a full disk gives (SQLITE_FULL, "database or disk is full").
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

import arrowmig.endpoints.duckdb as duckdb_endpoint
from arrowmig import ConnectError, Event, MigrationConfig, TransferError, migrate
from arrowmig.checkpoint import TABLE_ROW, CheckpointStore
from arrowmig.endpoints import open_endpoint
from arrowmig.endpoints.sqlite import SQLiteEndpoint
from arrowmig.report import MigrationReport, TableReport
from arrowmig.runner import unexpected

ROWS = 20_000


def _source(path: Path) -> Path:
    """A table of 20,000 rows of 300 characters, and an index on them about as large."""
    con = sqlite3.connect(path)
    con.executescript(
        f"""
        CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
        WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {ROWS})
        INSERT INTO notes SELECT i, hex(randomblob(150)) FROM s;
        CREATE INDEX ix_notes_body ON notes (body);
        """
    )
    con.close()
    return path


def _pages(path: Path) -> int:
    con = sqlite3.connect(path)
    try:
        return int(con.execute("PRAGMA page_count").fetchone()[0])
    finally:
        con.close()


def _cap_pages(monkeypatch: pytest.MonkeyPatch, target: Path, pages: int) -> None:
    """Each connection the run opens to ``target`` takes at most ``pages`` pages."""
    opened = SQLiteEndpoint.__init__

    def capped(self: SQLiteEndpoint, *args: Any, **kwargs: Any) -> None:
        opened(self, *args, **kwargs)
        if Path(self.url.target) == target:
            self._pragma(f"max_page_count = {pages}")

    monkeypatch.setattr(SQLiteEndpoint, "__init__", capped)


def _only(report: MigrationReport) -> TableReport:
    (table,) = report.tables
    return table


def _table_state(target: str, table: str) -> str | None:
    with open_endpoint(target) as ep:
        rows = CheckpointStore(ep).rows()
    return next(
        (r.state for r in rows if r.table_name == table and r.stream_name == TABLE_ROW), None
    )


def test_sqlite_target_full_as_an_index_is_built_leaves_it_to_resume(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The index not built for the full disk was a note, the table recorded loaded: --resume
    # said "put in place by the interrupted run", exit 0, and the index was never built.
    source = _source(tmp_path / "src.db")
    target = tmp_path / "full.db"
    # Room for the rows (a copy without the index, as the run writes them) and little more.
    migrate(str(source), str(tmp_path / "rows.db"), config=MigrationConfig(keys=False))
    _cap_pages(monkeypatch, target, _pages(tmp_path / "rows.db") + 40)

    report = migrate(str(source), str(target))
    table = _only(report)
    assert report.exit_code == 1 and table.status == "failed"
    assert table.error is not None
    assert table.error.startswith("index ix_notes_body not built: ")
    assert (
        "database or disk is full; free space on the target's disk, then call again with "
        "resume=True" in table.error
    )
    assert "\n" not in table.error
    assert any(n.endswith("left for resume=True: index ix_notes_body") for n in table.notes)
    assert _table_state(str(target), "notes") == "prepared"  # not loaded

    monkeypatch.undo()  # room again
    again = migrate(str(source), str(target), config=MigrationConfig(resume=True))
    assert again.exit_code == 0, [t.error for t in again.tables]
    assert "index ix_notes_body" in _only(again).built
    con = sqlite3.connect(target)
    try:
        indexes = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='index'")]
        (count,) = con.execute("SELECT count(*) FROM notes").fetchone()
    finally:
        con.close()
    assert "ix_notes_body" in indexes and count == ROWS


def test_sqlite_statement_that_fills_the_disk_leaves_later_ones_in_their_transaction(
    tmp_path: Path,
) -> None:
    # SQLite rolls the whole transaction back itself when a statement without a statement
    # journal (or a COMMIT) meets a full disk. The driver never began another: every later
    # statement committed on its own, and each COMMIT failed "cannot commit - no transaction
    # is active", the error then reported instead of the full disk.
    path = str(tmp_path / "t.db")
    with open_endpoint(path, create=True) as ep:
        assert isinstance(ep, SQLiteEndpoint)
        ep.execute("CREATE TABLE t (a INTEGER, b BLOB)")
        ep._pragma("max_page_count = 20")
        with pytest.raises(TransferError) as full:
            ep.execute("INSERT INTO t VALUES (1, randomblob(200000))")
        assert "database or disk is full" in str(full.value)
        ep.execute("INSERT INTO t VALUES (2, NULL)")  # commits, as asked
        with pytest.raises(TransferError):
            ep.run_in_transaction(
                ["INSERT INTO t VALUES (3, NULL)", "INSERT INTO missing VALUES (1)"], "testing"
            )
        assert ep.execute("SELECT a FROM t ORDER BY a") == [(2,)]  # 3 went with the rest


def _keyed_source(path: Path, rows: int) -> Path:
    con = sqlite3.connect(path)
    con.executescript(
        f"""
        CREATE TABLE hashes (id INTEGER PRIMARY KEY, h INTEGER NOT NULL);
        WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {rows})
        INSERT INTO hashes SELECT i, (i * 2654435761) % 4294967291 FROM s;
        CREATE INDEX ix_hashes_h ON hashes (h);
        """
    )
    con.close()
    return path


def _built_in_duckdb(path: Path) -> tuple[list[str], list[str]]:
    """The tables with a primary key, and the indexes, of a DuckDB file."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        keys = con.execute(
            "SELECT table_name FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY' "
            "AND table_name NOT LIKE '\\_arrowmig%' ESCAPE '\\' ORDER BY 1"
        ).fetchall()
        indexes = con.execute("SELECT index_name FROM duckdb_indexes() ORDER BY 1").fetchall()
    finally:
        con.close()
    return [str(r[0]) for r in keys], [str(r[0]) for r in indexes]


def test_duckdb_keys_past_the_memory_cap_are_left_to_resume(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # DuckDB builds a key's index in memory: past arrowmig's cap the primary key and index
    # were notes of a table recorded loaded, and --resume (with a larger cap, as advised)
    # said done, exit 0, with neither built.
    source = _keyed_source(tmp_path / "src.db", 300_000)
    target = tmp_path / "capped.duckdb"
    # 8MB: the load fits, and the primary key's build is far past it (at 16MB it was built
    # once, with tests beside it, and the index was the first key not built).
    monkeypatch.setattr(duckdb_endpoint, "DUCKDB_MEMORY_LIMIT", "8MB")
    report = migrate(str(source), str(target))
    table = _only(report)
    assert report.exit_code == 1 and table.status == "failed"
    assert table.error is not None and table.error.startswith("primary key (id) not built: ")
    assert "Out of Memory" in table.error
    assert "resume=True and ARROWMIG_DUCKDB_MEMORY_LIMIT=4GB" in table.error
    left = "left for resume=True: primary key (id), index ix_hashes_h, key sequences moved past"
    assert any(left in n for n in table.notes), table.notes
    assert _built_in_duckdb(target) == ([], [])

    monkeypatch.undo()  # the cap raised, as the error says
    again = migrate(str(source), str(target), config=MigrationConfig(resume=True))
    assert again.exit_code == 0, [t.error for t in again.tables]
    assert _built_in_duckdb(target) == (["hashes"], ["ix_hashes_h"])


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A folder on a file system of its own, 64 MB: a tmpfs, which only root may mount."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("needs root to mount a small tmpfs (the max_page_count test runs anywhere)")
    folder = tmp_path / "small"
    folder.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(folder)], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def _fill_when_loaded(folder: Path, table: str, total: int) -> Callable[[Event], None]:
    """A progress callback that fills ``folder``'s disk, but for a megabyte (room for a key
    of integers, not for an index of the texts), once ``table``'s rows are all committed:
    what is full is its finishing."""
    ballast = folder / "ballast"

    def on_event(event: Event) -> None:
        if event.event == "progress" and event.table == table and event.rows == total:
            room = shutil.disk_usage(folder).free - 1024 * 1024
            with ballast.open("wb") as out:
                out.write(b"\0" * max(room, 0))

    return on_event


def test_duckdb_disk_full_as_the_index_is_built_names_it_and_resume_builds_it(
    tmp_path: Path, small_disk: Path
) -> None:
    # A real full disk (ENOSPC), met by the index build once the rows are in: the table was
    # recorded loaded, and --resume, as the error advised, said done, exit 0, without the
    # index. (A SQLite target in WAL mode may build it in the log's room and meet the full
    # disk later: the max_page_count test above is SQLite's.)
    source = _source(tmp_path / "src.db")
    target = small_disk / "t.duckdb"
    filled = _fill_when_loaded(small_disk, "notes", ROWS)
    report = migrate(str(source), str(target), progress=filled)
    table = _only(report)
    assert report.exit_code == 1 and table.status == "failed", table.notes
    assert table.error is not None and table.error.startswith("index ix_notes_body not built: ")
    assert (
        "No space left on device; free space on the target's disk, then call again with "
        "resume=True" in table.error
    )
    assert any("left for resume=True: index ix_notes_body" in n for n in table.notes)

    (small_disk / "ballast").unlink()  # room again
    again = migrate(str(source), str(target), config=MigrationConfig(resume=True))
    assert again.exit_code == 0, [t.error for t in again.tables]
    assert "index ix_notes_body" in _only(again).built
    assert _built_in_duckdb(target) == (["notes"], ["ix_notes_body"])


def _fill_duckdb_until_fatal(execute: Callable[[str], object]) -> BaseException:
    """Tables written into a DuckDB file until its disk is full, then its checkpoint: DuckDB's
    fatal error (it invalidates the database), as it comes."""
    with contextlib.suppress(Exception):  # the write-ahead log's commit, refused
        for i in range(20):
            execute(
                f"CREATE TABLE t{i} AS SELECT range id, md5(range::varchar) h FROM range(100000)"
            )
    with pytest.raises(Exception) as fatal:
        execute("CHECKPOINT")
    return fatal.value


def test_duckdb_invalidated_by_a_full_disk_says_the_full_disk_on_one_line(
    small_disk: Path,
) -> None:
    # Once a checkpoint met the full disk, DuckDB failed every later statement with "FATAL
    # Error: ... The database must be restarted prior to being used again", the cause on a
    # second line: the run said that (cut to its first line, or whole over two lines, as
    # "unexpected FatalException"), with no word of the disk nor of the way on.
    room = shutil.disk_usage(small_disk).free - 12 * 1024 * 1024
    (small_disk / "ballast").write_bytes(b"\0" * room)
    url = f"duckdb:///{small_disk}/t.duckdb"
    with open_endpoint(url, create=True) as dst:
        _fill_duckdb_until_fatal(dst.execute)
        with pytest.raises(ConnectError) as reopened:
            open_endpoint(url).close()
    said = str(reopened.value)
    assert "\n" not in said and "restarted" not in said and "FATAL" not in said
    assert said.startswith(f"cannot open DuckDB file '{small_disk}/t.duckdb': Failed to create ")
    assert "No space left on device; free space on the disk that holds it, then run " in said
    # What the run says of a table that met it unawares (a driver error it has no words for).
    for written in small_disk.glob("t.duckdb*"):
        written.unlink()
    con = duckdb.connect(str(small_disk / "raw.duckdb"))
    try:
        _fill_duckdb_until_fatal(con.execute)
        with pytest.raises(duckdb.FatalException) as invalidated:
            con.execute("SELECT 1")
    finally:
        con.close()  # the file let go of: its disk is unmounted next
    assert "restarted" in str(invalidated.value)  # DuckDB's own words, for the record
    failure = unexpected(invalidated.value)
    assert "\n" not in str(failure) and "unexpected" not in str(failure)
    assert str(failure).endswith(
        "No space left on device; free space on the target's disk, then run the same command "
        "with --resume (committed batches are kept)"
    )

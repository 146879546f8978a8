"""SQLite to SQLite without decoding: the target attaches the source file and SQLite copies
each batch itself, with ``INSERT ... SELECT``.

On the Arrow path every value is read into one Arrow type per column and written back as
that type: a DECIMAL column's reals arrived as text, a DATETIME text as another text
(``2009-01-05 00:00:00`` as ``2009-01-05 00:00:00.000000``), and a column of mixed storage
classes as all text, so the copy sorted, compared and matched differently. Here the target's
columns are declared as the source's (``plan._as_declared``), and SQLite moves each value as
it is stored: the same storage class, the same text, the same bytes. It is also the fastest
way there is (the bench's ceiling for SQLite is this statement).

The rows are still cut into transactions of about ``--batch-rows`` rows, by spans of keys,
each committed with its checkpoint, as the Arrow path commits a batch: progress, ``--resume`` and
interruption work the same.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from arrowmig.endpoints.common import key_range_filter
from arrowmig.model import ROWID_NAMES, KeyRange, Table
from arrowmig.schema import quote_ident

if TYPE_CHECKING:
    from arrowmig.pipeline import Checkpoint, StreamSettings, _StreamProgress
    from arrowmig.scheduler import MemoryBudget, StopFlag, WorkerConnections

ATTACHED_NOTE = (
    "rows copied by SQLite itself (INSERT ... SELECT from the attached source file): every "
    "value kept its storage class and its text"
)


_ARROW_STORAGE_NOTES = (
    ": mixed storage classes ",
    ": integers and reals mixed: ",
    ": integers beyond 2^53 mixed with reals: ",
)
"""The plan's notes on how a column of mixed storage classes is stored on the Arrow path (as
bytes, as a float, as NUMERIC): untrue of rows SQLite copies itself, which keep their classes."""


def without_arrow_storage_notes(notes: list[str]) -> list[str]:
    """A table's notes less those ``ATTACHED_NOTE`` contradicts."""
    return [n for n in notes if not _is_arrow_storage_note(n)]


def storage_changed_by_cast(notes: list[str], cast_columns: list[str]) -> list[str]:
    """A table's notes with each column of mixed storage classes marked as changed, for a table
    a ``--cast`` sends the Arrow way between two SQLite files: where the user expects SQLite's
    own copy (every value keeping its class), a cast of another column changes this one's values
    (integer 1 to text '1') as a side effect, which must not pass as a routine note."""
    reason = (
        f"so changed, by the --cast of {', '.join(sorted(cast_columns))}: a table with a --cast "
        "goes the Arrow way, one type per column, where without one SQLite copies each value "
        "keeping its storage class"
    )
    return [f"{n} ({reason})" if _is_arrow_storage_note(n) else n for n in notes]


def _is_arrow_storage_note(note: str) -> bool:
    return any(words in note for words in _ARROW_STORAGE_NOTES)


def attached_columns(
    conns: WorkerConnections, source_table: Table, target_table: Table
) -> list[str] | None:
    """The columns SQLite copies straight across, in the source's order; None when a value
    would have to change on the way: not SQLite on both sides, files of two text encodings, or
    a target column declared otherwise than the source's (an existing table appended to)."""
    from arrowmig.endpoints.sqlite import SQLiteEndpoint

    source, target = conns.source, conns.target
    if not (isinstance(source, SQLiteEndpoint) and isinstance(target, SQLiteEndpoint)):
        return None
    if source.text_encoding() != target.text_encoding():
        return None  # SQLite attaches only a file of its own text encoding (UTF-16 vs UTF-8)
    if not declared_alike(source_table, dict(target.declared_columns(target_table.name))):
        return None
    return [c.name for c in source_table.columns]


def declared_alike(source_table: Table, declared: dict[str, str]) -> bool:
    """Whether every column of ``source_table`` is declared as the target's of its name is
    (``declared``: name to declared type): then SQLite can copy each value as it is."""
    ours = {name: _normal(there) for name, there in declared.items()}
    return all(ours.get(c.name) == _normal(c.source_type) for c in source_table.columns)


def _normal(declared: str) -> str:
    return " ".join(declared.upper().split())


def copy_range_attached(
    key_range: KeyRange,
    source_table: Table,
    target_table: Table,
    columns: list[str],
    conns: WorkerConnections,
    settings: StreamSettings,
    budget: MemoryBudget,
    stop: StopFlag,
    on_batch: Callable[[int, int], None],
    checkpoint: Checkpoint | None,
    progress: _StreamProgress,
) -> None:
    """Copy one key range of a table, about ``--batch-rows`` rows (a span of keys) per
    transaction; each transaction's rows count when it commits. A table without an integer key (``WITHOUT
    ROWID``) is copied in one transaction. No batch passes through this process, so the
    memory budget has nothing to hold."""
    from arrowmig.endpoints.sqlite import SQLiteEndpoint

    source, target = conns.source, conns.target
    assert isinstance(source, SQLiteEndpoint) and isinstance(target, SQLiteEndpoint)
    origin = source.from_clause(source_table.name, target.attach_source(source.path))
    listed = ", ".join(quote_ident(c) for c in columns)
    select = f"SELECT {listed} FROM {origin}"
    key = source_table.split_key
    key_sql = None if key is None else (key if key in ROWID_NAMES else quote_ident(key))
    row_bytes = source.average_row_bytes(source_table)

    def commit(sql: str, last_key: int | None) -> int:
        def after(rows: int) -> tuple[str, tuple[object, ...]] | None:
            return checkpoint(progress.rows + rows, last_key) if checkpoint else None

        rows = target.insert_selected(target_table.name, listed, sql, after)
        progress.rows += rows
        progress.written += rows
        if last_key is not None:
            progress.last_key = last_key
        on_batch(rows, rows * row_bytes)
        return rows

    if key_sql is None:
        commit(select, None)
        return
    # A transaction is a span of keys, not a count of rows: finding where --batch-rows rows
    # end (an OFFSET) walks every row's page, 0.46 s over phase3's 2M-row table. The span
    # starts at --batch-rows keys, exact where keys are dense (an AUTOINCREMENT id), and then
    # follows the keys: wider (at most twice) where the last span held fewer rows, narrower
    # where it held more; a gap between keys is skipped with one seek.
    batch_rows = settings.batch_rows
    span = batch_rows
    after = key_range.after
    while not stop.is_set():
        first = target.first_key_after(origin, key_sql, KeyRange(after, key_range.upto))
        if first is None:
            return
        last = min(first + span - 1, _LARGEST_KEY)
        if key_range.upto is not None:
            last = min(last, key_range.upto)
        # In key order, as the Arrow path loads: an integer key is appended to its B-tree.
        where = key_range_filter(key_sql, KeyRange(after, last))
        rows = commit(f"{select}{where} ORDER BY {key_sql}", last)
        span = max(batch_rows, min(span * 2, span * batch_rows // max(rows, 1)))
        after = last


_LARGEST_KEY = 2**63 - 1

"""The checkpoint DuckDB makes as a file arrowmig wrote closes: whether it failed, and what
the run then tells the user (the rows are safe, but in the file's write-ahead log only)."""

from __future__ import annotations

from dataclasses import dataclass

from arrowmig.endpoints.common import disk_full_words
from arrowmig.note_groups import MOST_NAMED, listed


@dataclass
class FileClosing:
    """How closing a DuckDB file a run kept open ended (``kept_open``); set as it closes."""

    unwritten: str | None = None
    """DuckDB's words when its checkpoint as the file closed failed (a full disk); None when
    it succeeded, or the file is no DuckDB file or was not closed by this run."""

    stopped: str | None = None
    """The signal (``SIGINT``, ``SIGTERM``) that came as the file closed, after the run had
    finished; None when none did."""

    in_log_only: bool = False
    """With ``stopped``: the checkpoint did not get to the end (DuckDB's close makes its own),
    and the file's write-ahead log holds rows the file does not."""


def stopped_message(target: str, tables: list[str], closing: FileClosing) -> str:
    """The report's line for a DuckDB ``target`` that a stop reached as the run, finished,
    closed it (``closing.stopped``): the run is done, and whether its rows are in the file or,
    as safely, in its write-ahead log still."""
    said = f"{closing.stopped} came as arrowmig closed {target!r}, after the run had finished"
    if not closing.in_log_only:
        return f"{said}: every row is written into the file"
    which = f" of {listed(tables, MOST_NAMED)}" if tables else ""
    return (
        f"{said}, before DuckDB wrote its log into it: the rows{which} committed since its last "
        f"checkpoint are in {target + '.wal'!r}, which DuckDB replays as the file opens; keep "
        f"that file beside it (a copy without it lacks those rows); open the file once "
        f"(arrowmig status {target} does), which writes them into it"
    )


def unwritten_message(target: str, tables: list[str], words: str) -> str:
    """The report's line for a DuckDB ``target`` whose closing checkpoint failed with
    ``words``: which tables' rows are in its write-ahead log only, and what to do. DuckDB
    replays the log into any connection that opens the file (the rows are all there, and
    ``verify`` finds them), and writes them into the file at the first checkpoint there is
    room for; a copy of the file without its log lacks them."""
    which = f" of {listed(tables, MOST_NAMED)}" if tables else ""
    fix = "free space on its disk" if disk_full_words(words) else "once what stopped it is fixed"
    return (
        f"DuckDB could not write its log into {target!r} as it closed it ({words}): the rows"
        f"{which} committed since its last checkpoint are in {target + '.wal'!r} only; keep "
        f"that file beside it (a copy without it lacks those rows); {fix}, open the file once "
        f"(arrowmig status {target} does), which writes them into it"
    )

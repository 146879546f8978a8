"""Keeping a stream's count and resume point true to the target after the target failed:
what a retry reads back from it, and what it makes of that.

Batches commit without waiting for their WAL flush (``synchronous_commit`` off), so a crash
of the server loses the last ones the stream saw committed, and a commit whose answer the
crash cut off may have gone in. A retry goes on from what the target holds (reading the
lost rows again), or stops the stream, loudly, where it cannot tell.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from arrowmig.endpoints.base import Endpoint
from arrowmig.errors import TargetFailed, TransferError
from arrowmig.loading import Landing

Held = Callable[[], tuple[int, int | None] | None]
"""What the target holds of a stream, read back from it; None when it cannot tell."""


@dataclass(frozen=True)
class Ledger:
    """How a stream learns what the target holds of it, and says what it found."""

    held: Held
    """Keyed: (rows of the stream its checkpoint row records, counting an earlier run's; the
    key to go on after). Else (rows in the table, None), a count that confirms what the
    stream remembers but cannot say where to go on from."""
    recount: Callable[[int], None]
    """Told the rows found lost (negative) or found committed after all (positive)."""
    seal: Callable[[int], None]
    """Records the stream done with its rows, waiting for the WAL flush (which makes every
    batch before it durable); a failure there is retried like a batch's."""
    keyed: bool
    """``held`` reads the stream's checkpoint, which says where to go on from."""


class Progress(Protocol):
    rows: int
    written: int
    last_key: int | None


_RESUME = (
    "nothing more was written; run the same command with --resume, which loads the table "
    "again from the start"
)


def settle(
    progress: Progress, ledger: Ledger, held: tuple[int, int | None] | None, target_failed: bool
) -> int:
    """Make ``progress`` what the target ``held``; returns the rows it was found to have lost."""
    if held is None:
        if target_failed:
            raise cannot_tell(progress.rows)
        return 0  # the source failed, not the target: what the stream remembers holds
    rows, last_key = held
    if rows == progress.rows:
        return 0
    if not ledger.keyed:
        raise holds_other(rows, progress.rows)
    delta = rows - progress.rows
    progress.rows, progress.written, progress.last_key = rows, progress.written + delta, last_key
    ledger.recount(delta)
    return max(0, -delta)


def landed_after_all(ledger: Ledger, progress: Progress, batch_rows: int) -> bool:
    """After a write's connection was lost and opened again: whether the batch went in (only
    its commit's answer was lost). Raises TargetFailed when batches committed before it are
    gone, so that the stream goes on after what the target holds."""
    held = ledger.held()
    if held is None:
        raise cannot_tell(progress.rows)
    rows, _ = held
    if rows == progress.rows:
        return False
    if rows == progress.rows + batch_rows:
        return True
    if not ledger.keyed:
        raise holds_other(rows, progress.rows)
    # The stream goes on from the target's checkpoint (``settle``).
    raise TargetFailed(
        "the target's server crashed"
        if rows < progress.rows
        else f"the target holds {rows:,} rows of the stream, {progress.rows:,} were committed"
    )


def cannot_tell(committed: int) -> TransferError:
    return TransferError(
        f"lost the connection to the target after {committed:,} rows were committed, and it "
        "cannot tell how many of them survived (a server crash loses the last commits)",
        hint=_RESUME,
    )


def holds_other(rows: int, committed: int) -> TransferError:
    return TransferError(
        f"lost the connection to the target after {committed:,} rows were committed; it now "
        f"holds {rows:,} (a server crash loses the last commits), and this table has no "
        "checkpoint to go on from",
        hint=_RESUME,
    )


def table_rows(target: Endpoint, name: str) -> int:
    return int(target.execute(f"SELECT count(*) FROM {target.qualify(name)}")[0][0])


def check_staged_rows(target: Endpoint, landing: Landing, loaded: int) -> None:
    """Before a table without a checkpoint is put in place again after a failed attempt:
    its staging table must hold every row its streams loaded."""
    name = landing.physical.name
    if not target.table_exists(name):
        return  # the failed attempt put it in place; only its answer was lost
    held = table_rows(target, name)
    if held != loaded:
        raise holds_other(held, loaded)

"""The same command run again without --resume while its earlier run, interrupted or failed,
has rows committed: an append would add them a second time, so it is refused; the other modes
load their tables again from the start, which the report says.
"""

from __future__ import annotations

from arrowmig.checkpoint import (
    RUN_ROW,
    SETTLED,
    CheckpointStore,
    Row,
    Superseded,
    run_basis,
    run_rows_committed,
)
from arrowmig.errors import SchemaError
from arrowmig.run_lock import holds_lock
from arrowmig.schema import quote_literal
from arrowmig.status import recorded_pids, resume_command

_SAME_COMMAND_RESUMED = "this same command with --resume"
"""How a run of several schemas is continued: each schema's run where it stopped, then the
foreign keys between them (the command of one schema's run would leave those out)."""


def refuse_append_again(store: CheckpointStore, run_id: str) -> None:
    """``started_afresh``'s refusal of an append, made for one schema of a run of several
    before the first schema is written: made only as each schema started, the schemas before
    the refused one had been appended a second time by then.

    Made before the run holds the schema's tables: an earlier run recorded as running whose
    process still holds its lock is alive, not interrupted, and is left to that lock, which
    refuses this run as the schema starts."""
    rows = store.rows(run_id)
    process = recorded_pids(rows).get(run_id)
    if process is None or not holds_lock(store.target, *process):
        _refuse_append(store, run_id, rows, None, _SAME_COMMAND_RESUMED)


def started_afresh(
    store: CheckpointStore, run_id: str, mode: str, target_schema: str | None
) -> list[str]:
    """Before a run without --resume writes anything (its tables held, so an earlier run of
    the same id still recorded as running is dead): refuse an ``append`` whose earlier run
    committed rows, naming the --resume that continues it and how to start afresh on
    purpose; for the other modes, the note that says the earlier run's rows are loaded again.

    Started afresh, the run forgets the earlier run's record (they share the id): an append
    refused only by the keys its earlier run wrote (or, keyless, doubling them) would have
    lost the only record of where that run stopped, and --resume with it."""
    rows = store.rows(run_id)
    if mode == "append":
        _refuse_append(store, run_id, rows, target_schema, None)
        return []
    earlier = _unfinished_with_rows(run_id, rows)
    if earlier is None:
        return []
    return [
        f"{earlier}: this run, without --resume, loads its tables again from the start "
        "(--resume would have gone on after those rows)"
    ]


def _unfinished_with_rows(run_id: str, rows: list[Row]) -> str | None:
    """'run R, of this same command, was interrupted after committing N rows', when the run
    ``rows`` record is unfinished with rows committed; else None."""
    own = next((r for r in rows if r.table_name == RUN_ROW), None)
    if own is None or own.state in SETTLED:
        return None
    committed = run_rows_committed(rows)
    if not committed:
        return None
    how = "failed" if own.state == "failed" else "was interrupted"
    return f"run {run_id}, of this same command, {how} after committing {committed:,} rows"


def _refuse_append(
    store: CheckpointStore,
    run_id: str,
    rows: list[Row],
    target_schema: str | None,
    command: str | None,
) -> None:
    """The refusal of an append whose earlier run (``rows``) committed rows; ``command``: the
    one that continues it, else its own run's (``resume_command``)."""
    earlier = _unfinished_with_rows(run_id, rows)
    if earlier is None:
        return
    own = next(r for r in rows if r.table_name == RUN_ROW)
    target = store.target.url.redacted
    command = command or resume_command(run_basis(own), target, target_schema) or "--resume"
    raise SchemaError(
        f"{earlier} into {target}: without --resume this run would append them a second "
        "time; nothing has been written",
        hint=f"continue it with {command}; or, to append every row again from the start, "
        f"delete the rows it appended and then its record ({forget_statement(store, run_id)}), "
        "and run this command again",
    )


def superseded_note(other: Superseded, mode: str) -> str:
    """What the report says of a run this one superseded (another command's, of these
    tables). An append after an append that committed rows is not refused as the same
    command's is: the user may mean it (another source into the same table), but is told
    that the earlier run's rows are still there, beside this run's."""
    note = (
        f"run {other.run_id}, not complete, loaded these tables too: it is superseded by this "
        "one (arrowmig status shows it; it can no longer be resumed)"
    )
    if other.staging_dropped:
        note += (
            f"; its staging table{'s' if len(other.staging_dropped) > 1 else ''} "
            f"{', '.join(other.staging_dropped)}, kept for that resume, "
            f"{'were' if len(other.staging_dropped) > 1 else 'was'} dropped"
        )
    if mode != "append" or not other.appended:
        return note
    return (
        f"{note}; the {other.appended:,} rows it appended are still in them, beside this "
        "run's: a row both runs read is there twice where no key of the table refused it "
        "(arrowmig verify finds them)"
    )


def forget_statement(store: CheckpointStore, run_id: str) -> str:
    """The statement that removes a run's record, so that the same command starts afresh:
    given to the user, as deleting the rows a run appended is theirs to do too."""
    return f"DELETE FROM {store.table} WHERE run_id = {quote_literal(run_id)}"

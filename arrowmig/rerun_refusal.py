"""The same command run again without --resume while its earlier run, interrupted or failed,
has rows committed: an append would add them a second time, so it is refused; the other modes
load their tables again from the start, which the report says.
"""

from __future__ import annotations

from arrowmig.checkpoint import RUN_ROW, SETTLED, CheckpointStore, Row, rows_committed, run_basis
from arrowmig.errors import SchemaError
from arrowmig.schema import quote_literal
from arrowmig.status import resume_command


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
    own = next((r for r in rows if r.table_name == RUN_ROW), None)
    if own is None or own.state in SETTLED:
        return []
    committed = _committed(rows)
    if not committed:
        return []
    how = "failed" if own.state == "failed" else "was interrupted"
    target = store.target.url.redacted
    earlier = f"run {run_id}, of this same command, {how} after committing {committed:,} rows"
    if mode != "append":
        return [
            f"{earlier}: this run, without --resume, loads its tables again from the start "
            "(--resume would have gone on after those rows)"
        ]
    command = resume_command(run_basis(own), target, target_schema) or "--resume"
    raise SchemaError(
        f"{earlier} into {target}: without --resume this run would append them a second "
        "time; nothing has been written",
        hint=f"continue it with {command}; or, to append every row again from the start, "
        f"delete the rows it appended and then its record ({forget_statement(store, run_id)}), "
        "and run this command again",
    )


def forget_statement(store: CheckpointStore, run_id: str) -> str:
    """The statement that removes a run's record, so that the same command starts afresh:
    given to the user, as deleting the rows a run appended is theirs to do too."""
    return f"DELETE FROM {store.table} WHERE run_id = {quote_literal(run_id)}"


def _committed(rows: list[Row]) -> int:
    """The rows a run's record counts as committed, over its tables."""
    by_table: dict[str, list[Row]] = {}
    for r in rows:
        if r.table_name != RUN_ROW:
            by_table.setdefault(r.table_name, []).append(r)
    return sum(rows_committed(table_rows) for table_rows in by_table.values())

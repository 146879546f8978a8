"""Before a resumed run writes into a table: the table must hold what its checkpoint says,
the rows the interrupted run committed (and, appended to, the rows it held before, of which
some may have been deleted since), no more and no fewer. A table loaded again since (another
run, a TRUNCATE, another tool) would get the rest of the interrupted run's rows on top of its
own."""

from __future__ import annotations

from arrowmig.checkpoint import TableDetail
from arrowmig.endpoints.base import Endpoint
from arrowmig.errors import SchemaError
from arrowmig.ledger import table_rows
from arrowmig.loading import Landing


def held_before(dst: Endpoint, landing: Landing) -> int:
    """The rows a freshly prepared table holds before the run writes: only an existing
    table appended to straight holds any (counted: the one scan a resume's check needs)."""
    if landing.staged or landing.action != "append":
        return 0
    return table_rows(dst, landing.physical.name)


def check_rows_held(
    dst: Endpoint, name: str, landing: Landing, detail: TableDetail, committed: int, forget: str
) -> None:
    """Refuse to resume ``name`` unless what its rows go into holds the rows the checkpoint
    counts: ``committed`` by the interrupted run, after those it held before. ``forget``:
    the statement that removes the interrupted run's record (``rerun_refusal``)."""
    before = detail.held_before
    appended = landing.action == "append" and not landing.staged  # into rows of its own
    if before is None:
        if appended:
            return  # recorded by an arrowmig that did not count them: cannot tell
        before = 0
    physical = landing.physical.name
    held = table_rows(dst, physical)
    if held == before + committed:
        return
    if appended and committed <= held < before + committed:
        # Rows the table held before, deleted meanwhile (one whose key clashed with the run's,
        # so that the resume gets past it): the run's own may all be there still.
        return
    counted = f"{committed:,} the interrupted run committed" + (
        f" after the {before:,} it held before" if before else ""
    )
    raise SchemaError(
        f"cannot resume {name!r}: {physical!r} in {dst.url.redacted} holds {held:,} rows, "
        f"not the {counted}: it was loaded or changed since",
        hint=_appended_hint(committed, forget) if appended else _reloaded_hint(),
        table=name,
    )


def _reloaded_hint() -> str:
    return (
        "nothing was written: to load it again, run the same command without --resume and "
        "with --mode replace"
    )


def _appended_hint(committed: int, forget: str) -> str:
    # The table holds rows of its own: --mode replace would drop them with the run's. The
    # record goes too: the same command without --resume refuses to append over it.
    return (
        "nothing was written; which source rows it still lacks cannot be told: check the "
        f"table, delete the {committed:,} rows the interrupted run appended and its record "
        f"({forget}), then run the same command without --resume (--mode replace would drop "
        "every row of the table, its own rows too)"
    )

"""The staging tables (``_arrowmig_stage_*``) a target holds: those a run not finished keeps
for its ``--resume`` (``arrowmig status`` names each with its table), and those no run can
put in place any more (``arrowmig status --clean`` drops them)."""

from __future__ import annotations

from arrowmig.checkpoint import RUN_ROW, SETTLED, CheckpointStore, Row, run_basis
from arrowmig.endpoints.base import Endpoint
from arrowmig.loading import STAGE_PREFIX, staging_name
from arrowmig.names import folded


def kept_stage(dst: Endpoint, table_rows: list[Row]) -> tuple[str, int] | None:
    """The staging table one table's rows (of a run not finished) name, and the rows it
    holds; None when the table loads straight, or its staging table was put in place (renamed
    to the table) or dropped."""
    named = {r.physical_table for r in table_rows if r.physical_table}
    stage = next((n for n in sorted(named) if n.startswith(STAGE_PREFIX)), None)
    if stage is None or not dst.table_exists(stage):
        return None
    found = dst.execute(f"SELECT count(*) FROM {dst.qualify(stage)}")
    return stage, int(found[0][0])


def drop_abandoned_stages(dst: Endpoint) -> list[str]:
    """Drop the staging tables in ``dst``'s schema that no run can use: kept for runs that
    were superseded, or whose record was deleted, or left by an arrowmig that kept them.
    Those a run not complete (interrupted, failed, running) may write or put in place are
    kept: its own, and the one its tables would stage into (``staging_name``), as a run
    records itself before it creates any table. Returns the names dropped."""
    own_named = getattr(dst, "own_named_tables", None)
    there = [n for n in (own_named() if own_named else []) if n.startswith(STAGE_PREFIX)]
    dropped = []
    for stage in there:
        # Read again before each: a run started since may stage into this one now.
        if stage not in _in_use(CheckpointStore(dst).rows()):
            dst.drop_table(stage)
            dropped.append(stage)
    return dropped


def _in_use(rows: list[Row]) -> set[str]:
    """The staging tables runs not complete (or of no run row) may still use."""
    settled = {r.run_id for r in rows if r.table_name == RUN_ROW and r.state in SETTLED}
    used: set[str] = set()
    for row in rows:
        if row.run_id in settled:
            continue
        if row.physical_table:
            used.add(row.physical_table)
        if row.table_name == RUN_ROW:
            tables = run_basis(row).get("tables")
            used |= {s for t in tables or [] if isinstance(tables, list) for s in _stages(str(t))}
        else:
            used |= _stages(row.table_name)
    return used


def _stages(table: str) -> set[str]:
    """The staging tables a run of ``table`` may write: named after the table as the target
    names it, in lower case with --target-names lower."""
    return {staging_name(table), staging_name(folded(table))}

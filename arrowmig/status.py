"""What the checkpoint table of a target says about its runs (``arrowmig status``)."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from arrowmig.checkpoint import RUN_ROW, TABLE_ROW, CheckpointStore, Row
from arrowmig.endpoints import open_endpoint


def runs_of(target: str, *, schema: str | None = None) -> list[dict[str, Any]]:
    """Every run recorded in the target: its state and, per table, state and rows committed."""
    with open_endpoint(target, schema=schema) as dst:
        rows = CheckpointStore(dst).rows()
    by_run: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_run[row.run_id].append(row)
    runs = []
    for run_id, run_rows in by_run.items():
        run_row = next((r for r in run_rows if r.table_name == RUN_ROW), None)
        tables: list[dict[str, Any]] = []
        for name in sorted({r.table_name for r in run_rows if r.table_name != RUN_ROW}):
            mine = [r for r in run_rows if r.table_name == name]
            state = next((r.state for r in mine if r.stream_name == TABLE_ROW), "pending")
            tables.append(
                {
                    "name": name,
                    "state": state,
                    "rows_done": sum(r.rows_done for r in mine if r.stream_name != TABLE_ROW),
                }
            )
        rows_done = sum(int(t["rows_done"]) for t in tables)
        table_count = len(tables)
        if run_row is not None and not tables:
            # A complete run keeps only its own row: what it moved is recorded there.
            rows_done = run_row.rows_done
            table_count = len(_basis(run_row).get("tables", []))
        runs.append(
            {
                "run_id": run_id,
                "state": run_row.state if run_row else "unknown",
                "updated_at": max((r.updated_at or "" for r in run_rows), default="") or None,
                "rows_done": rows_done,
                "table_count": table_count,
                "tables": tables,
            }
        )
    return runs


def _basis(run_row: Row) -> dict[str, Any]:
    """What the run was computed from (its tables), as the run row keeps it."""
    try:
        basis = json.loads(run_row.detail or "{}")
    except ValueError:
        return {}
    return basis if isinstance(basis, dict) else {}


def clean_runs(target: str, *, schema: str | None = None) -> int:
    """Remove completed runs' rows; returns how many runs were removed."""
    with open_endpoint(target, schema=schema) as dst:
        return CheckpointStore(dst).clean()

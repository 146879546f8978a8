"""``arrowmig status TARGET``: the runs recorded in a target's checkpoint table."""

from __future__ import annotations

import json
from typing import Any

import click

from arrowmig.cli.console import print_out, say
from arrowmig.cli.render import table_text


@click.command("status")
@click.argument("target")
@click.option("--target-schema", help="PostgreSQL/DuckDB schema holding the checkpoint table.")
@click.option("--clean", is_flag=True, help="Remove the rows of completed runs.")
@click.option("--json", "as_json", is_flag=True, help="Print the runs as JSON on stdout.")
def command(target: str, target_schema: str | None, clean: bool, as_json: bool) -> int:
    """Show checkpointed runs (interrupted ones can be continued with migrate --resume)."""
    from arrowmig.status import clean_runs, runs_of

    if clean:
        removed = clean_runs(target, schema=target_schema)
        say(f"removed the checkpoint rows of {removed} completed run(s)")
    runs: list[dict[str, Any]] = runs_of(target, schema=target_schema)
    if clean and not runs:
        say("no run is left: the checkpoint table _arrowmig_checkpoints is dropped")
    if as_json:
        print_out(json.dumps({"runs": runs}, indent=2))
        return 0
    if not runs:
        say("no checkpointed runs")
        return 0
    rows = [
        [
            r["run_id"],
            r["state"] if r["pid"] is None else f"{r['state']} (pid {r['pid']})",
            f"{r['table_count']:,}",
            f"{r['rows_done']:,}",
            r["updated_at"] or "-",
        ]
        for r in runs
    ]
    say(table_text(["run", "state", "tables", "rows committed", "updated"], rows, right=(2, 3)))
    for r in runs:
        for t in r["tables"]:
            say(f"  {r['run_id']} {t['name']}: {t['state']}, {t['rows_done']:,} rows")
        if r["resume"]:
            say(f"  {r['run_id']} to continue: {r['resume']}")
    return 0

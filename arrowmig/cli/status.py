"""``arrowmig status TARGET``: the runs recorded in a target's checkpoint table."""

from __future__ import annotations

import json
import shlex
from typing import Any

import click

from arrowmig.cli.console import print_out, say
from arrowmig.cli.render import table_text


@click.command("status")
@click.argument("target")
@click.option("--target-schema", help="PostgreSQL/DuckDB schema holding the checkpoint table.")
@click.option("--clean", is_flag=True, help="Remove the rows of completed and superseded runs.")
@click.option("--json", "as_json", is_flag=True, help="Print the runs as JSON on stdout.")
def command(target: str, target_schema: str | None, clean: bool, as_json: bool) -> int:
    """Show checkpointed runs (interrupted ones can be continued with migrate --resume)."""
    from arrowmig.status import clean_runs, runs_of, where_looked

    if clean:
        removed = clean_runs(target, schema=target_schema)
        say(f"removed the checkpoint rows of {removed} completed or superseded run(s)")
    runs: list[dict[str, Any]] = runs_of(target, schema=target_schema)
    looked = where_looked(target, schema=target_schema) if not runs else None
    if clean and looked is not None:
        say(
            "no run is left: the checkpoint table _arrowmig_checkpoints is left empty (another "
            "user owns it: only it may drop it)"
            if looked["present"]
            else "no run is left: the checkpoint table _arrowmig_checkpoints is dropped"
        )
    if as_json:
        print_out(json.dumps({"runs": runs, **({"looked_in": looked} if looked else {})}, indent=2))
        return 0
    if looked is not None:
        if not clean:  # --clean said the table is gone
            say(_none_found(looked))
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
            again = r["resume"].startswith("arrowmig generate ")  # no --resume: done again
            say(f"  {r['run_id']} {'to start again' if again else 'to continue'}: {r['resume']}")
        if r["superseded"]:
            say(f"  {r['run_id']}: {r['superseded']}")
    return 0


def _none_found(looked: dict[str, Any]) -> str:
    """No run found: where status looked, and how to look elsewhere."""
    table = looked["table"]
    if looked["schema"]:
        table = f"{looked['schema']}.{table}"
    said = f"no checkpointed runs in {table} of {looked['target']}"
    others = looked["checkpoints_in_other_schemas"]
    if others:
        which = (
            f"schema {others[0]} holds" if len(others) == 1 else f"schemas {', '.join(others)} hold"
        )
        shown = " or ".join(f"--target-schema {shlex.quote(s)}" for s in others)
        return f"{said}; {which} checkpoints of runs into it: look there with {shown}"
    if looked["schema"]:
        return f"{said}; a run with --target-schema keeps them in that schema: add it here too"
    return said

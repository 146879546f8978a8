"""``arrowmig status TARGET``: the runs recorded in a target's checkpoint table."""

from __future__ import annotations

import json
import shlex
from typing import Any

import click

from arrowmig.cli.console import print_out, say
from arrowmig.cli.render import table_text
from arrowmig.names import shown


@click.command("status", short_help="Show the checkpointed runs in TARGET.")
@click.argument("target")
@click.option("--target-schema", help="PostgreSQL/DuckDB schema holding the checkpoint table.")
@click.option(
    "--clean",
    is_flag=True,
    help="Remove the rows of completed and superseded runs, the staging tables no run can "
    "resume any more, and the checkpoint table once no run is left in it.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the runs as JSON on stdout.")
def command(target: str, target_schema: str | None, clean: bool, as_json: bool) -> int:
    """Show checkpointed runs (interrupted ones can be continued with migrate --resume)."""
    from arrowmig.schema_landing import DEFAULT_SCHEMAS
    from arrowmig.status import clean_checkpoints, runs_of, where_looked

    # A target without a checkpoint table has nothing to clean: it is told where status
    # looked, as without --clean, not that a table was dropped.
    removed, cleaned, dropped = (
        clean_checkpoints(target, schema=target_schema) if clean else (0, 0, [])
    )
    if cleaned:
        say(f"removed the checkpoint rows of {removed} completed or superseded run(s)")
    if dropped:
        say(
            f"dropped {len(dropped)} staging table(s) no run can resume any more: "
            + ", ".join(dropped)
        )
    runs: list[dict[str, Any]] = runs_of(target, schema=target_schema)
    looked = where_looked(target, schema=target_schema) if not runs else None
    if cleaned and looked is not None:
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
        if not cleaned:  # --clean said the table is gone
            say(_none_found(looked))
        return 0
    # Runs found in several schemas (status looks in every one), or in one not the
    # default, name theirs.
    found_in = {r["schema"] for r in runs}
    several = len(found_in) > 1 or not found_in <= {None, *DEFAULT_SCHEMAS.values()}
    rows = [
        [
            r["run_id"],
            *([r["schema"]] if several else []),
            r["state"] if r["pid"] is None else f"{r['state']} (pid {r['pid']})",
            f"{r['table_count']:,}",
            f"{r['rows_done']:,}",
            r["updated_at"] or "-",
        ]
        for r in runs
    ]
    heads = ["run", *(["schema"] if several else []), "state", "tables", "rows committed"]
    right = (3, 4) if several else (2, 3)
    say(table_text([*heads, "updated"], rows, right=right))
    for r in runs:
        for t in r["tables"]:
            done = "" if t["rows_done"] is None else f", {t['rows_done']:,} rows"
            failed = f": {t['error']}" if t["error"] else ""
            stage = (
                f"; staging table {t['staging_table']} ({t['staging_rows']:,} rows), kept for "
                "--resume"
                if t["staging_table"]
                else ""
            )
            say(f"  {r['run_id']} {_table_named(r, t, several)}: {t['state']}{done}{failed}{stage}")
        if r["unfinished"]:
            say(f"  {r['run_id']} not finished: {r['unfinished']}")
        if r["fix_first"]:
            say(f"  {r['run_id']} before continuing: {r['fix_first']}")
        if r["resume"]:
            again = r["resume"].startswith("arrowmig generate ")  # no --resume: done again
            say(f"  {r['run_id']} {'to start again' if again else 'to continue'}: {r['resume']}")
        if r["superseded"]:
            say(f"  {r['run_id']}: {r['superseded']}")
    return 0


def _table_named(run: dict[str, Any], table: dict[str, Any], several: bool) -> str:
    """A run's table as the target names it, after the source's name where that differs
    (``Sales.Big -> sales.big``, a run with --target-names lower), as verify names them;
    ``several``: runs of several schemas are shown, each table with its schema."""
    there = shown(run["schema"], table["target_name"]) if several else table["target_name"]
    read = table["name"]
    if several:
        read = shown(run["source_schema"] or run["schema"], read)
    return there if read == there else f"{read} -> {there}"


def _none_found(looked: dict[str, Any]) -> str:
    """No run found: where status looked, and how to look elsewhere."""
    table = looked["table"]
    if looked["every_schema"]:
        return f"no checkpointed runs in {table} of any schema of {looked['target']}"
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

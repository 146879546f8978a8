"""``arrowmig replay-rejects REJECT_DIR TARGET``: load rows set aside by --on-error reject."""

from __future__ import annotations

import click

from arrowmig.cli.console import say


@click.command("replay-rejects")
@click.argument("reject_dir")
@click.argument("target")
@click.option("--target-schema", help="PostgreSQL/DuckDB schema the tables are in.")
def command(reject_dir: str, target: str, target_schema: str | None) -> int:
    """Load the rejected rows in REJECT_DIR into the tables of TARGET, once the cause is fixed.

    Each file loaded completely is renamed *.jsonl.replayed, so it is never loaded twice.
    """
    from arrowmig.rejects import replay_rejects

    loaded = replay_rejects(reject_dir, target, schema=target_schema)
    for table, rows in loaded.items():
        say(f"{table}: {rows:,} rows loaded")
    if not loaded:
        say(f"no reject files in {reject_dir}")
    return 0

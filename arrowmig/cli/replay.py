"""``arrowmig replay-rejects REJECT_DIR TARGET``: load rows set aside by --on-error reject."""

from __future__ import annotations

import click

from arrowmig.cli.console import say


@click.command("replay-rejects", short_help="Load set-aside rejected rows into TARGET.")
@click.argument("reject_dir")
@click.argument("target")
@click.option("--target-schema", help="PostgreSQL/DuckDB schema the tables are in.")
def command(reject_dir: str, target: str, target_schema: str | None) -> int:
    """Load the rejected rows in REJECT_DIR into the tables of TARGET, once the cause is fixed.

    Each file loaded completely is renamed *.jsonl.replayed, so it is never loaded twice.
    Files an earlier run left, kept aside as *.jsonl.earlier by the next run, are not loaded.
    """
    from arrowmig.rejects import earlier_files, replay_rejects
    from arrowmig.sizes import counted

    loaded = replay_rejects(reject_dir, target, schema=target_schema)
    for table, rows in loaded.items():
        say(f"{table}: {counted(rows, 'row')} loaded")
    if not loaded:
        say(f"no reject files in {reject_dir}")
    kept = earlier_files(reject_dir)
    if kept:
        say(
            f"not loaded: {counted(len(kept), 'file')} kept aside from earlier runs "
            f"({', '.join(p.name for p in kept)}), whose rows may be stale; to load one, move it "
            "to a folder of its own as <table>.jsonl and replay that folder"
        )
    return 0

"""``arrowmig plan SOURCE TARGET``: everything a run would do, with nothing written."""

from __future__ import annotations

from typing import Any

import click

from arrowmig.cli.dry_run import show_dry_run
from arrowmig.cli.options import build_config, plan_options

EXAMPLES = """\b
Examples:
  arrowmig plan bets.db postgresql://etl@db:5432/test
  arrowmig plan postgresql://etl@db/app warehouse.duckdb --source-schema sales --json"""


@click.command("plan", epilog=EXAMPLES, short_help="Show what a migration would do; write nothing.")
@click.argument("source")
@click.argument("target")
@plan_options
@click.option(
    "--json", "as_json", is_flag=True, help="Print the plan as one JSON document on stdout."
)
# migrate's other options, so that a migrate command becomes a plan by its verb alone: a
# run's output options shape the plan's output; --verify and --dry-run change nothing here.
@click.option(
    "--progress",
    "progress_kind",
    type=click.Choice(["auto", "bar", "plain", "json", "none"]),
    default="auto",
    hidden=True,
)
@click.option("--progress-interval", type=float, default=5.0, hidden=True)
@click.option("--verify", "verify_after", is_flag=True, hidden=True)
@click.option("--dry-run", is_flag=True, hidden=True)
@click.option(
    "--log-file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Add the run's settings and the plan (one JSON line) to this log file.",
)
def command(
    source: str,
    target: str,
    as_json: bool,
    progress_kind: str,
    progress_interval: float,
    log_file: str | None,
    verify_after: bool,
    dry_run: bool,
    **opts: Any,
) -> int:
    """Show tables, columns, type mapping and streams of a migration; write nothing."""
    del verify_after, dry_run  # nothing runs, so nothing is verified
    return show_dry_run(
        source,
        target,
        build_config(opts),
        as_json=as_json,
        progress_kind=progress_kind,
        progress_interval=progress_interval,
        log_file=log_file,
    )

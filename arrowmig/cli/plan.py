"""``arrowmig plan SOURCE TARGET``: everything a run would do, with nothing written."""

from __future__ import annotations

from typing import Any

import click

from arrowmig.cli.options import build_config, plan_options
from arrowmig.cli.render import show_plan


@click.command("plan")
@click.argument("source")
@click.argument("target")
@plan_options
@click.option(
    "--json", "as_json", is_flag=True, help="Print the plan as one JSON document on stdout."
)
def command(source: str, target: str, as_json: bool, **opts: Any) -> int:
    """Show tables, columns, type mapping and streams of a migration; write nothing."""
    from arrowmig.migrate import explain

    show_plan(explain(source, target, config=build_config(opts)).to_dict(), as_json)
    return 0

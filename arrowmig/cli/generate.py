"""``arrowmig generate TARGET``: build the sports-betting dataset in any database."""

from __future__ import annotations

from typing import Any

import click

from arrowmig.cli.console import say
from arrowmig.cli.migrate import (
    emit_report,
    exit_code,
    progress_options,
)
from arrowmig.cli.options import SEED, split_lists, with_default
from arrowmig.cli.signals import StandsAtSummary, outcome_stands, sigterm_stops
from arrowmig.cli.sinks import check_progress_interval, make_sink
from arrowmig.config import BatchConfig, MigrationConfig
from arrowmig.errors import UsageError


def parse_rows(values: tuple[str, ...]) -> dict[str, int]:
    rows: dict[str, int] = {}
    for item in values:
        name, sep, count = item.partition("=")
        try:
            n = int(count.replace("_", ""))
        except ValueError:
            n = -1
        if not sep or not name.strip() or n < 0:
            raise UsageError(
                f"cannot read --rows {item!r}", hint="write --rows TABLE=N, e.g. large_bets=5000"
            )
        rows[name.strip()] = n
    return rows


@click.command("generate", short_help="Generate the sports-betting test dataset.")
@click.argument("target")
@click.option(
    "--scale",
    default="small",
    show_default=True,
    help="small (560K rows), phase3 (2.96M), medium (2.56M), large (12.8M) or xlarge (55M).",
)
@click.option("--seed", default=42, show_default=True, type=SEED, help="Same seed, same data.")
@click.option(
    "--tables",
    "-t",
    multiple=True,
    help="Comma-separated tables to generate (repeatable; default: all five).",
)
@click.option(
    "--rows",
    "rows",
    multiple=True,
    metavar="TABLE=N",
    help="Rows for one table instead of the scale's count (repeatable).",
)
@click.option(
    "--mode",
    type=click.Choice(["create", "replace", "append", "truncate"]),
    default="create",
    show_default=True,
    help="What to do with target tables that exist.",
)
@click.option(
    "--batch-rows",
    type=int,
    default=None,
    help=with_default("Rows per batch at most.", "100000", job=False),
)
@click.option(
    "--parallel",
    type=int,
    default=None,
    help=with_default("Streams run at once.", "2", job=False),
)
@click.option("--no-foreign-keys", is_flag=True, help="Do not create foreign keys.")
@click.option(
    "--no-keys", is_flag=True, help="Load only: no primary keys, indexes or foreign keys."
)
@progress_options
def command(
    target: str,
    scale: str,
    seed: int,
    tables: tuple[str, ...],
    rows: tuple[str, ...],
    mode: str,
    batch_rows: int | None,
    parallel: int | None,
    no_foreign_keys: bool,
    no_keys: bool,
    as_json: bool,
    progress_kind: str,
    progress_interval: float,
) -> int:
    """Generate a deterministic sports-betting dataset (players, matches, bets, odds, statcast)
    into TARGET (sqlite:///, duckdb:///, postgresql:// URL or file path)."""
    from arrowmig.generator import GENERATE_BATCH_BYTES, generate, table_counts

    check_progress_interval(progress_interval)
    # Joined as migrate joins them: the last --tables alone was generated, and an empty
    # one ("$EMPTY") generated every table, where generate(tables=[]) is refused.
    chosen = split_lists(tables)
    row_counts = parse_rows(rows)
    table_counts(scale, row_counts)  # a bad scale or table fails here, before any output
    kwargs: dict[str, Any] = {"mode": mode, "foreign_keys": not no_foreign_keys}
    rows_limit = {} if batch_rows is None else {"batch_rows": batch_rows}
    kwargs["batch"] = BatchConfig(batch_bytes=GENERATE_BATCH_BYTES, **rows_limit)
    if parallel is not None:
        kwargs["parallel"] = parallel
    config = MigrationConfig(**kwargs)
    sink = make_sink(progress_kind, progress_interval)
    try:
        with sigterm_stops():
            report = generate(
                target,
                scale=scale,
                seed=seed,
                tables=chosen,
                rows=row_counts or None,
                config=config,
                progress=StandsAtSummary(sink),
                keys=not no_keys,
            )
            outcome_stands()  # from its summary event on, already (StandsAtSummary)
    finally:
        close = getattr(sink, "close", None)
        if close:
            close()
    emit_report(report, as_json, progress_kind)
    if report.resumable:
        # Not migrate's --resume hint: generate has none, and the seed gives the same rows.
        say("to start again, run the same command with --mode replace (the same rows again)")
    return exit_code(report)

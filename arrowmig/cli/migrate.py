"""``arrowmig migrate SOURCE TARGET``."""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

import click

from arrowmig.cli.options import build_config, migration_options
from arrowmig.cli.render import plan_text, report_text
from arrowmig.cli.sinks import make_sink
from arrowmig.report import MigrationReport

EXIT_SIGNAL = {"SIGINT": 130, "SIGTERM": 143}


@contextmanager
def sigterm_stops_run() -> Iterator[None]:
    """SIGTERM stops the run like Ctrl-C does: committed batches stay, the report is kept."""
    from arrowmig.migrate import StopRequested

    def handler(_signum: int, _frame: FrameType | None) -> None:
        raise StopRequested("SIGTERM")

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def exit_code(report: MigrationReport) -> int:
    if report.interrupted:
        return EXIT_SIGNAL.get(report.interrupted, 130)
    return 0 if report.ok else 1


def progress_options(f: Any) -> Any:
    f = click.option(
        "--progress-interval",
        type=float,
        default=5.0,
        show_default=True,
        help="Seconds between plain progress lines.",
    )(f)
    f = click.option(
        "--progress",
        "progress_kind",
        type=click.Choice(["auto", "bar", "plain", "json", "none"]),
        default="auto",
        show_default=True,
        help="Live progress: bar on a TTY, plain lines otherwise.",
    )(f)
    f = click.option(
        "--json", "as_json", is_flag=True, help="Print the final report as JSON on stdout."
    )(f)
    return f


def emit_report(report: MigrationReport, as_json: bool, progress_kind: str) -> None:
    if progress_kind != "json":
        click.echo(report_text(report), err=True)
    if as_json and progress_kind != "json":
        sys.stdout.write(json.dumps(report.to_dict(), indent=2, default=str) + "\n")


@click.command("migrate")
@click.argument("source")
@click.argument("target")
@migration_options
@progress_options
@click.option(
    "--dry-run", is_flag=True, help="Show the plan (like `arrowmig plan`) and write nothing."
)
@click.option("--verify", "verify_after", is_flag=True, help="Verify with checksums after the run.")
def command(
    source: str,
    target: str,
    as_json: bool,
    verify_after: bool,
    progress_kind: str,
    progress_interval: float,
    dry_run: bool,
    **opts: Any,
) -> int:
    """Copy tables from SOURCE to TARGET (sqlite:///, duckdb:///, postgresql:// URLs or file paths)."""
    from arrowmig.migrate import explain, migrate

    config = build_config(opts)
    if dry_run:
        plan = explain(source, target, config=config).to_dict()
        if as_json:
            sys.stdout.write(json.dumps(plan, indent=2, default=str) + "\n")
        else:
            click.echo(plan_text(plan), err=True)
        return 0
    sink = make_sink(progress_kind, progress_interval)
    try:
        with sigterm_stops_run():
            report = migrate(source, target, config=config, progress=sink)
    finally:
        close = getattr(sink, "close", None)
        if close:
            close()
    verified_ok = True
    if verify_after and not report.interrupted:
        verified_ok = _verify_after(source, target, report, config)
    emit_report(report, as_json, progress_kind)
    code = exit_code(report)
    return code if code or verified_ok else 1


def _verify_after(source: str, target: str, report: MigrationReport, config: Any) -> bool:
    """Checksum the tables that were moved; the result goes into the report (and summary)."""
    from arrowmig.cli.verify import render_table
    from arrowmig.verify import verify

    moved = [t.name for t in report.tables if t.status == "done"]
    if not moved:
        return False
    result = verify(
        source,
        target,
        tables=moved,
        source_schema=config.source_schema,
        target_schema=config.target_schema,
    )
    report.verify = result.to_dict()
    click.echo(render_table(result), err=True)
    return bool(result.ok)

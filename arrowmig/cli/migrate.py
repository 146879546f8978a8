"""``arrowmig migrate SOURCE TARGET``."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import click

from arrowmig.cli.console import asked_for, failed_early, print_out, say
from arrowmig.cli.dry_run import show_dry_run
from arrowmig.cli.options import build_config, migration_options, with_default
from arrowmig.cli.render import report_text
from arrowmig.cli.signals import StandsAtSummary, outcome_stands, sigterm_stops
from arrowmig.cli.sinks import check_progress_interval, make_sink
from arrowmig.config import MigrationConfig
from arrowmig.events import FanOutSink
from arrowmig.report import EXIT_SIGNAL, RESUME_HINT, MigrationReport


def exit_code(report: MigrationReport) -> int:
    return report.exit_code


def progress_options(f: Any) -> Any:
    return _progress_options(f, job=False)


def job_progress_options(f: Any) -> Any:
    """``progress_options`` for ``run``, whose defaults are the job file's values."""
    return _progress_options(f, job=True)


def _progress_options(f: Any, job: bool) -> Any:
    f = click.option(
        "--progress-interval",
        type=float,
        default=5.0,
        # Shown as typed: "5", not the float's "5.0".
        help=with_default("Seconds between plain progress lines.", "5", job),
    )(f)
    f = click.option(
        "--progress",
        "progress_kind",
        type=click.Choice(["auto", "bar", "plain", "json", "none"]),
        default="auto",
        help=with_default("Live progress: bar on a TTY, plain lines otherwise.", "auto", job),
    )(f)
    f = click.option(
        "--json", "as_json", is_flag=True, help="Print the final report as JSON on stdout."
    )(f)
    return f


def emit_report(report: MigrationReport, as_json: bool, progress_kind: str) -> None:
    """The report as text on stderr, always (a CI log keeps it when stdout goes to jq), and
    as one JSON document on stdout for --json, unless the summary event carries it there."""
    say(report_text(report))
    if as_json and progress_kind != "json":
        print_out(json.dumps(report.to_dict(), indent=2, default=str))


def log_file_option(f: Any) -> Any:
    return click.option(
        "--log-file",
        type=click.Path(dir_okay=False),
        default=None,
        help="Write a complete log (every batch, retry and error) to this file.",
    )(f)


EXAMPLES = """\b
Examples:
  arrowmig migrate bets.db warehouse.duckdb --tables large_bets,large_players
  arrowmig migrate sqlite:////data/bets.db postgresql://etl@db:5432/test
  arrowmig migrate postgresql://etl@db/app postgresql://etl@db/copy --source-schema '*'
  arrowmig migrate bets.db postgresql://etl@db/test --resume"""


@click.command("migrate", epilog=EXAMPLES, short_help="Copy tables from SOURCE to TARGET.")
@click.argument("source")
@click.argument("target")
@migration_options
@progress_options
@click.option(
    "--dry-run", is_flag=True, help="Show the plan (like `arrowmig plan`) and write nothing."
)
@click.option("--verify", "verify_after", is_flag=True, help="Verify with checksums after the run.")
@log_file_option
def command(
    source: str,
    target: str,
    as_json: bool,
    verify_after: bool,
    progress_kind: str,
    progress_interval: float,
    dry_run: bool,
    log_file: str | None,
    **opts: Any,
) -> int:
    """Copy tables from SOURCE to TARGET (sqlite:///, duckdb:///, postgresql:// URLs or file paths)."""
    return run_migration(
        source,
        target,
        build_config(opts),
        as_json=as_json,
        verify_after=verify_after,
        progress_kind=progress_kind,
        progress_interval=progress_interval,
        dry_run=dry_run,
        log_file=log_file,
    )


def run_migration(
    source: str,
    target: str,
    config: MigrationConfig,
    *,
    as_json: bool = False,
    verify_after: bool = False,
    progress_kind: str = "auto",
    progress_interval: float = 5.0,
    dry_run: bool = False,
    log_file: str | None = None,
) -> int:
    """What ``migrate`` and ``run`` do once the options are read: run (or show the plan),
    verify, render, and pick the exit code."""
    from arrowmig.errors import ArrowmigError
    from arrowmig.migrate import StopRequested, migrate

    if dry_run:
        return show_dry_run(
            source,
            target,
            config,
            as_json=as_json,
            progress_kind=progress_kind,
            progress_interval=progress_interval,
            log_file=log_file,
        )
    asked_for(as_json=as_json, progress_json=progress_kind == "json")  # a job file's too
    check_progress_interval(progress_interval)
    if verify_after:
        config = replace(config, verify=True)
    console = make_sink(progress_kind, progress_interval)
    log = open_log(log_file, source, target, config) if log_file else None
    sink = console if log is None else FanOutSink(console, log)
    try:
        try:
            with sigterm_stops():
                report = migrate(source, target, config=config, progress=StandsAtSummary(sink))
                outcome_stands()  # from its summary event on, already (StandsAtSummary)
        except (StopRequested, KeyboardInterrupt) as exc:
            # Stopped outside the streams (planning, preparing, foreign keys): no report, so
            # --json gets the stop as its document (``failed_early``), as an error's.
            name = exc.signal_name if isinstance(exc, StopRequested) else "SIGINT"
            if getattr(exc, "nothing_written", False):
                if log is not None:
                    log.note(f"interrupted by {name} before anything was written")
                again = RESUME_HINT if config.resume else "run the same command again to start it"
                stopped = (
                    f"interrupted by {name} while planning, before this run wrote anything; {again}"
                )
            else:
                if log is not None:
                    log.note(f"interrupted by {name} before the report was complete")
                stopped = f"interrupted by {name}; {RESUME_HINT}"
            say(f"arrowmig: {stopped}")
            failed_early(EXIT_SIGNAL[name], stopped)
            return EXIT_SIGNAL[name]
        except ArrowmigError as exc:
            if log is not None:
                log.note(f"error: {exc}")
            raise
        finally:
            close = getattr(console, "close", None)  # the log stays open for what follows
            if close:
                close()
        verify_text = _verify_text(report)
        if log is not None and report.verify is not None:
            log.note("verify " + json.dumps(report.verify.to_dict(), default=str))
        emit_report(report, as_json, progress_kind)
        if report.resumable:
            say(report.resume_hint)
        if verify_text:
            say(verify_text)
        failed_output = getattr(console, "failed", None)
        if failed_output is not None:
            if log is not None:
                log.note(f"error: {failed_output}")
            raise failed_output
        code = exit_code(report)
        if log is not None:
            log.note(f"exit code {code}")
        return code
    finally:
        if log is not None:
            log.close()


def open_log(path: str, source: str, target: str, config: MigrationConfig) -> Any:
    """The --log-file sink, with the run's settings as its first lines (passwords masked)."""
    from pathlib import Path

    from arrowmig.errors import UsageError
    from arrowmig.folders import folder_problem
    from arrowmig.logfile import LogFileSink

    try:
        log = LogFileSink.for_run(path, source, target)
    except OSError as exc:
        raise UsageError(
            f"cannot write the log file {path!r}: {folder_problem(Path(path).parent, exc)}",
            hint="give --log-file a path in a folder you can write to",
        ) from None
    log.note_config(config)
    return log


def _verify_text(report: MigrationReport) -> str:
    """The ``--verify`` result as text: its table, or why nothing was compared."""
    result = report.verify
    if result is None:
        return ""
    if not result.tables and not result.not_verified:
        return "verify: no table was moved, nothing to compare"  # not ok: it proves nothing
    from arrowmig.cli.verify import render_table

    return render_table(result)

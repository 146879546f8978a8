"""``arrowmig run JOB.toml``: a migration written down in a job file; flags override it."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import click
from click.core import ParameterSource

from arrowmig.cli.migrate import job_progress_options, log_file_option, run_migration
from arrowmig.cli.options import job_options, joined_schemas, parse_casts, split_lists
from arrowmig.config import MigrationConfig
from arrowmig.sizes import parse_size

# Command-line parameter -> (job file key, how its value becomes the job file's form).
_RENAMED: dict[str, tuple[str, Any]] = {
    "tables": ("tables", lambda v: split_lists(v) or ()),
    "exclude": ("exclude", lambda v: split_lists(v) or ()),
    "source_schema": ("source_schema", joined_schemas),
    "batch_bytes": ("batch_bytes", parse_size),
    "max_memory": ("max_memory", parse_size),
    "casts": ("casts", parse_casts),
    "batch_timeout": ("batch_timeout_s", float),
    "lock_wait_timeout": ("lock_wait_s", float),
    "no_profile": ("profile", lambda v: not v),
    "no_foreign_keys": ("foreign_keys", lambda v: not v),
    "no_keys": ("keys", lambda v: not v),
    "no_analyze": ("analyze", lambda v: not v),
    "as_json": ("json", bool),
    "verify_after": ("verify", bool),
    "progress_kind": ("progress", str),
}


def overrides(ctx: click.Context, params: dict[str, Any]) -> dict[str, Any]:
    """The options given on the command line (not defaults), keyed like the job file."""
    config_fields = {f.name for f in fields(MigrationConfig)}
    out: dict[str, Any] = {}
    for name, value in params.items():
        if ctx.get_parameter_source(name) in (ParameterSource.DEFAULT, None):
            continue
        if name in _RENAMED:
            key, convert = _RENAMED[name]
            out[key] = convert(value)
        elif name in config_fields or name in (
            "source",
            "target",
            "batch_rows",
            "progress_interval",
            "log_file",
        ):
            out[name] = value
    return out


@click.command("run", short_help="Run the migration a TOML job file describes.")
@click.argument("job_file", type=click.Path(dir_okay=False))
@click.option("--source", help="Override the job's source URL.")
@click.option("--target", help="Override the job's target URL.")
@job_options
@job_progress_options
@click.option(
    "--dry-run", is_flag=True, help="Show the plan (like `arrowmig plan`) and write nothing."
)
@click.option(
    "--verify/--no-verify",
    "verify_after",
    default=False,
    help="Verify with checksums after the run (default: the job's `verify`).",
)
@log_file_option
@click.pass_context
def command(ctx: click.Context, /, job_file: str, dry_run: bool, **params: Any) -> int:
    """Run the migration described in JOB_FILE (TOML); options given here override it.

    Every `arrowmig migrate` option has a key of the same name in the job file
    (`batch_rows = 50000`, `mode = "replace"`, `tables = ["a", "b"]`, `[casts]` ...),
    plus `source`, `target`, `verify`, `progress`, `json` and `log_file`.
    """
    from arrowmig.argument_words import read_from_job_file
    from arrowmig.cli.console import asked_for
    from arrowmig.errors import UsageError
    from arrowmig.jobfile import console_asked, load_job

    given = overrides(ctx, params)
    try:
        job = load_job(job_file, given)
    except UsageError:
        # The file was read, another key refused: stdout still gets the answer it asked for.
        as_json, progress = console_asked(job_file, given)
        asked_for(as_json=as_json, progress_json=progress == "json")
        raise
    # A value typed here is refused as its option; one of the file, naming the file and key.
    with read_from_job_file(job_file, overridden=given):
        return run_migration(
            job.source,
            job.target,
            job.config,
            as_json=job.json,
            verify_after=job.verify,
            progress_kind=job.progress or "auto",
            progress_interval=job.progress_interval if job.progress_interval is not None else 5.0,
            dry_run=dry_run,
            log_file=job.log_file,
        )

"""Option parsing shared by the verbs: lists, sizes, casts, and the run config."""

from __future__ import annotations

from typing import Any

import click

from arrowmig.casts import Cast, read_cast
from arrowmig.config import BatchConfig, MigrationConfig
from arrowmig.dataset_sql import MAX_SEED
from arrowmig.names import split_list
from arrowmig.sizes import parse_size


def parse_casts(values: tuple[str, ...]) -> tuple[Cast, ...]:
    return tuple(read_cast(item) for item in values)


class _Seed(click.ParamType[int]):
    """What ``generate --seed`` and ``bench --seed`` take: the generator's seed, a whole
    number read as int() reads it (``042`` is 42), so a seed gives the same rows whichever
    verb it is given to."""

    name = "integer"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        try:
            seed = int(value) if not isinstance(value, bool | float) else -1
        except ValueError:
            seed = -1
        if not 0 <= seed <= MAX_SEED:
            self.fail(f"{value!r} is not a whole number from 0 to {MAX_SEED:,}", param, ctx)
        return seed


SEED = _Seed()


RUN_ONLY = ("--retries", "--resume", "--keep-backup", "--reject-dir", "--lock-wait-timeout")
"""Options that change how a run goes, not what it plans: ``plan`` takes them (one set of
options for plan and migrate) but does not list them in its --help."""

RUN_OUTPUT = ("--verify", "--progress", "--progress-interval")
"""migrate's options for what a run checks and prints as it goes: plan takes them too (its
--progress json is one summary line) and leaves them out of its --help, with RUN_ONLY."""


def split_lists(values: str | tuple[str, ...] | None) -> tuple[str, ...] | None:
    """The names of a repeatable list option, every value's in order: ``-t a -t b,c`` is
    ``a, b, c`` (pg_dump's habit; taking only the last moved or compared one table of three
    without a word). None when the option is not given; one string is one value."""
    if not values:
        return None
    if isinstance(values, str):
        values = (values,)
    return tuple(name for value in values for name in split_list(value))


def joined_schemas(values: str | tuple[str, ...] | None) -> str | None:
    """``--source-schema``, repeatable as ``--tables`` is: ``--source-schema sales
    --source-schema person`` is ``sales,person`` (the last alone was read, without a word).
    None when the option is not given."""
    if isinstance(values, str):
        return values
    return ",".join(values) if values else None


def migration_options(f: Any) -> Any:
    """The options every verb that moves data takes."""
    for option in reversed(_migration_options(hide=())):
        f = option(f)
    return f


def plan_options(f: Any) -> Any:
    """``migration_options``, those that only a run uses left out of the help."""
    for option in reversed(_migration_options(hide=RUN_ONLY)):
        f = option(f)
    return f


def job_options(f: Any) -> Any:
    """``migration_options`` for ``run``, whose defaults are the job file's values."""
    for option in reversed(_migration_options(hide=(), job=True)):
        f = option(f)
    return f


def with_default(help_text: str, value: str, job: bool) -> str:
    """An option's help with its default, written as click writes one (the options whose
    value is None until the config fills it in show the config's). In ``run`` a flag left
    out takes the job file's value, and --help says so."""
    default = f"the job's, else {value}" if job else value
    return f"{help_text}  [default: {default}]"


def _migration_options(hide: tuple[str, ...], job: bool = False) -> list[Any]:
    def option(*names: str, default_shown: str | None = None, **kwargs: Any) -> Any:
        if default_shown is not None:
            kwargs["help"] = with_default(kwargs["help"], default_shown, job)
        return click.option(*names, hidden=names[0] in hide, **kwargs)

    return [
        option(
            "--tables",
            "-t",
            multiple=True,
            default_shown="all base tables",
            help="Comma-separated tables to move (repeatable).",
        ),
        option(
            "--exclude", multiple=True, help="Comma-separated tables to leave out (repeatable)."
        ),
        option(
            "--mode",
            type=click.Choice(["create", "replace", "append", "truncate"]),
            default="create",
            default_shown="create",
            help="What to do with target tables.",
        ),
        option(
            "--batch-rows",
            type=int,
            default=None,
            default_shown="100000",
            help="Rows per batch at most.",
        ),
        option(
            "--batch-bytes",
            default=None,
            default_shown="1MiB",
            help="Arrow bytes per batch at most, e.g. 16MiB.",
        ),
        option(
            "--parallel", type=int, default=None, default_shown="2", help="Streams run at once."
        ),
        option(
            "--split-rows",
            type=int,
            default=None,
            default_shown="1000000",
            help="Split tables above this many rows into key ranges.",
        ),
        option(
            "--retries",
            type=int,
            default=None,
            default_shown="3",
            help="Retries of a batch after a transient error.",
        ),
        option(
            "--batch-timeout",
            type=float,
            default=None,
            default_shown="300",
            help="Seconds before a hung PostgreSQL batch write is cancelled and retried.",
        ),
        option(
            "--lock-wait-timeout",
            type=float,
            default=None,
            default_shown="60",
            help="Seconds to wait for another session's lock on a PostgreSQL source table "
            "(the run locks every table it reads, as pg_dump does).",
        ),
        option(
            "--max-memory",
            default=None,
            default_shown="512MiB",
            help="Arrow bytes in flight at most.",
        ),
        option(
            "--source-schema",
            multiple=True,
            default_shown="public; main in DuckDB",
            help="PostgreSQL/DuckDB schema to read from; several (sales,person, or repeated) or "
            "'*' for every schema, each into the target schema of its name.",
        ),
        option("--target-schema", help="PostgreSQL/DuckDB schema to write to (one source schema)."),
        option(
            "--no-profile",
            is_flag=True,
            help="Skip the value scan of SQLite sources: types from declared affinity alone "
            "(INTEGER, REAL, BOOLEAN, BLOB keep theirs; DATE/DATETIME, DECIMAL(p,s), "
            "VARCHAR(n), YEAR and the rest become TEXT).",
        ),
        option(
            "--cast",
            "casts",
            multiple=True,
            metavar="TABLE.COLUMN=TYPE",
            help="Force a target type.",
        ),
        option("--no-foreign-keys", is_flag=True, help="Do not create foreign keys."),
        option(
            "--no-keys",
            is_flag=True,
            help="Load only: no primary keys, unique constraints, indexes or foreign keys.",
        ),
        option(
            "--no-analyze",
            is_flag=True,
            help="PostgreSQL targets: leave statistics to autovacuum instead of running ANALYZE.",
        ),
        option(
            "--resume", is_flag=True, help="Continue the interrupted run recorded in the target."
        ),
        option(
            "--keep-backup",
            is_flag=True,
            help="With --mode replace, keep the old table under a backup name.",
        ),
        option(
            "--target-names",
            type=click.Choice(["keep", "lower"]),
            default="keep",
            default_shown="keep",
            help="Name the target's tables, columns, keys and indexes as the source does "
            "(keep), or in lower case, as PostgreSQL folds unquoted names (lower).",
        ),
        option(
            "--on-error",
            type=click.Choice(["fail", "reject"]),
            default="fail",
            default_shown="fail",
            help="A value the target cannot hold: stop its table (fail) or set its row aside (reject).",
        ),
        option(
            "--reject-dir",
            metavar="DIR",
            default_shown="./arrowmig-rejects/<run id>/",
            help="Where rejected rows go, one JSON Lines file per table.",
        ),
    ]


def build_config(opts: dict[str, Any]) -> MigrationConfig:
    batch_kwargs: dict[str, int] = {}
    if opts.get("batch_rows") is not None:
        batch_kwargs["batch_rows"] = int(opts["batch_rows"])
    if opts.get("batch_bytes"):
        batch_kwargs["batch_bytes"] = parse_size(opts["batch_bytes"])
    kwargs: dict[str, Any] = {
        # Given but empty (--tables "$EMPTY") is a list of no table, which the config refuses.
        "tables": split_lists(opts.get("tables")),
        "exclude": split_lists(opts.get("exclude")) or (),
        "mode": opts.get("mode") or "create",
        "batch": BatchConfig(**batch_kwargs),
        "source_schema": joined_schemas(opts.get("source_schema")),
        "target_schema": opts.get("target_schema"),
        "profile": not opts.get("no_profile"),
        "casts": parse_casts(tuple(opts.get("casts") or ())),
        "foreign_keys": not opts.get("no_foreign_keys"),
        "keys": not opts.get("no_keys"),
        "analyze": not opts.get("no_analyze"),
        "resume": bool(opts.get("resume")),
        "keep_backup": bool(opts.get("keep_backup")),
        "on_error": opts.get("on_error") or "fail",
        "target_names": opts.get("target_names") or "keep",
        "reject_dir": opts.get("reject_dir"),
    }
    for name in ("split_rows", "retries"):
        if opts.get(name) is not None:
            kwargs[name] = int(opts[name])
    if opts.get("batch_timeout") is not None:
        kwargs["batch_timeout_s"] = float(opts["batch_timeout"])
    if opts.get("lock_wait_timeout") is not None:
        kwargs["lock_wait_s"] = float(opts["lock_wait_timeout"])
    if opts.get("parallel") is not None:
        kwargs["parallel"] = int(opts["parallel"])
    if opts.get("max_memory"):
        kwargs["max_memory"] = parse_size(opts["max_memory"])
    return MigrationConfig(**kwargs)

"""Frozen, keyword-only settings of a run. Sizes are bytes, durations seconds."""

from __future__ import annotations

from dataclasses import dataclass, field

from arrowmig.argument_words import arg, given
from arrowmig.arguments import NONE, NUMBER, PATH, TEXT, WHOLE, Takes, checked, instance_of
from arrowmig.casts import Cast, read_casts
from arrowmig.errors import UsageError
from arrowmig.field_docs import documented_fields
from arrowmig.names import excluded_tables, named_tables
from arrowmig.sizes import parse_size

MODES = ("create", "replace", "append", "truncate")
ON_ERROR = ("fail", "reject")
TARGET_NAMES = ("keep", "lower")

DEFAULT_BATCH_ROWS = 100_000
DEFAULT_BATCH_BYTES = 1024 * 1024
DEFAULT_PARALLEL = 2
DEFAULT_MAX_MEMORY = 512 * 1024 * 1024
DEFAULT_SPLIT_ROWS = 1_000_000
DEFAULT_LOCK_WAIT_S = 60.0
"""How long a run (or verify) waits for another session's lock on a PostgreSQL source table."""


@documented_fields
@checked(batch_rows=WHOLE)
@dataclass(frozen=True, kw_only=True)
class BatchConfig:
    """How big one batch may be: whichever limit is reached first ends it."""

    batch_rows: int = DEFAULT_BATCH_ROWS
    """Rows per batch at most (default 100,000; see README for the measurement)."""
    batch_bytes: int = DEFAULT_BATCH_BYTES
    """Arrow bytes per batch at most (default 1 MiB; see the README for the measurement);
    a size string ("16MiB") is read as the command line reads it."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "batch_bytes", _size("batch_bytes", self.batch_bytes))
        if self.batch_rows < 1:
            raise UsageError(f"{arg('batch_rows')} must be at least 1, not {self.batch_rows}")
        if self.batch_bytes < 1024:
            raise UsageError(f"{arg('batch_bytes')} must be at least 1KiB, not {self.batch_bytes}")


@documented_fields
@checked(
    mode=TEXT,
    batch=instance_of(BatchConfig),
    parallel=WHOLE,
    source_schema=TEXT | NONE,
    target_schema=TEXT | NONE,
    on_error=TEXT,
    reject_dir=PATH | NONE,
    split_rows=WHOLE,
    retries=WHOLE,
    batch_timeout_s=Takes("a number of seconds", NUMBER.accepts),
)
@dataclass(frozen=True, kw_only=True)
class MigrationConfig:
    """Everything that decides what a migration does. Most fields are the ``arrowmig migrate``
    options of their name (``keys=False`` is --no-keys, ``lock_wait_s`` --lock-wait-timeout)."""

    tables: tuple[str, ...] | None = None
    """Tables to move, one name or a list; None moves every base table (views only when
    named)."""
    exclude: tuple[str, ...] = ()
    """Tables to leave out, one name or a list."""
    mode: str = "create"
    """create (refuse existing tables), replace, append or truncate."""
    batch: BatchConfig = field(default_factory=BatchConfig)
    """Batch size limits."""
    parallel: int = DEFAULT_PARALLEL
    """Streams run at once, each with its own source and target connection."""
    max_memory: int = DEFAULT_MAX_MEMORY
    """Bytes of Arrow data in flight across all streams before readers wait (a size string,
    "16MiB", is read as the command line reads it)."""
    source_schema: str | None = None
    """PostgreSQL or DuckDB schema to read from (default: public / main)."""
    target_schema: str | None = None
    """PostgreSQL or DuckDB schema to write to (created when missing)."""
    profile: bool = True
    """Look at SQLite values to pick types that hold them all (off: trust declared types)."""
    on_error: str = "fail"
    """fail: a value the target cannot hold stops its table; reject: it goes to the reject file."""
    reject_dir: str | None = None
    """Where rejected rows are written (default ./arrowmig-rejects/<run id>/)."""
    casts: tuple[Cast, ...] = ()
    """--cast: (table, column, target type) overrides, given as {"table.column": "TYPE"}, as
    "table.column=TYPE" strings (one, or a list) or as such triples."""
    foreign_keys: bool = True
    """Create foreign keys after all tables are loaded."""
    keys: bool = True
    """Build primary keys, unique constraints and indexes once a created table's rows are in
    (off: none of them, and so no foreign keys either)."""
    analyze: bool = True
    """ANALYZE each table a PostgreSQL target created, so its first queries are planned from
    statistics (off: left to autovacuum, which gathers them within minutes)."""
    split_rows: int = DEFAULT_SPLIT_ROWS
    """Tables with more rows than this are read as several key-range streams."""
    retries: int = 3
    """Times a batch that failed with a transient error is tried again."""
    batch_timeout_s: float = 300.0
    """A PostgreSQL statement (one batch) running longer is cancelled and retried."""
    lock_wait_s: float = DEFAULT_LOCK_WAIT_S
    """The longest a PostgreSQL source's tables are waited for, when another session holds
    one locked at the start (the run locks every table it reads, as pg_dump does)."""
    verify: bool = False
    """Checksum every table of the run afterwards, against the snapshot the run read."""
    resume: bool = False
    """Continue the interrupted run recorded in the target's checkpoint table."""
    keep_backup: bool = False
    """In replace mode, keep the previous table under a backup name instead of dropping it."""
    target_names: str = "keep"
    """keep: the target's tables, columns, keys and indexes are named exactly as the source's;
    lower: named in lower case, as PostgreSQL folds names written without quotes."""
    direct: bool = True
    """Between two PostgreSQL databases (binary COPY, undecoded) and two SQLite files (SQLite's
    own INSERT ... SELECT), a table whose values can pass as they are skips Arrow (off: every
    table goes the Arrow way, which is what ``arrowmig bench`` measures as the columnar path)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "tables", named_tables(self.tables, arg("tables")))
        object.__setattr__(self, "exclude", excluded_tables(self.exclude, arg("exclude")))
        object.__setattr__(self, "casts", read_casts(self.casts, arg("casts")))
        object.__setattr__(self, "max_memory", _size("max_memory", self.max_memory))
        if self.mode not in MODES:
            raise UsageError(
                f"unknown {given('mode', self.mode)}", hint=f"use one of {', '.join(MODES)}"
            )
        if self.on_error not in ON_ERROR:
            raise UsageError(
                f"unknown {given('on_error', self.on_error)}",
                hint=f"use one of {', '.join(ON_ERROR)}",
            )
        if self.target_names not in TARGET_NAMES:
            raise UsageError(
                f"unknown {given('target_names', self.target_names)}",
                hint=f"use one of {', '.join(TARGET_NAMES)}",
            )
        if self.parallel < 1:
            raise UsageError(f"{arg('parallel')} must be at least 1, not {self.parallel}")
        if self.split_rows < 1:
            raise UsageError(f"{arg('split_rows')} must be at least 1, not {self.split_rows}")
        if self.max_memory < 1024 * 1024:
            raise UsageError(f"{arg('max_memory')} must be at least 1MiB, not {self.max_memory}")
        if self.retries < 0:
            raise UsageError(f"{arg('retries')} must be 0 or more, not {self.retries}")
        if not self.batch_timeout_s > 0:  # NaN too
            raise UsageError(
                f"{arg('batch_timeout_s')} must be a positive number of seconds, "
                f"not {self.batch_timeout_s:.15g}"
            )
        if self.batch_timeout_s > MAX_BATCH_TIMEOUT_S:  # inf too
            raise UsageError(
                f"{arg('batch_timeout_s')} must be at most {MAX_BATCH_TIMEOUT_S:,} seconds "
                "(PostgreSQL's "
                f"longest statement timeout), not {self.batch_timeout_s:.15g}",
                hint="give a number of seconds up to that",
            )
        check_lock_wait(self.lock_wait_s)
        if self.reject_dir is not None and self.on_error != "reject":
            # Silently unused, the user would look for rows set aside in an empty folder.
            raise UsageError(
                f"{given('reject_dir', self.reject_dir)} says where rows set aside go; "
                f"{given('on_error', self.on_error, typed=True)} sets none aside",
                hint=f"add {given('on_error', 'reject', typed=True)}, "
                f"or leave out {arg('reject_dir')}",
            )
        if self.keep_backup and self.mode != "replace":
            raise UsageError(
                f"{given('keep_backup', True)} keeps the table a replace drops; "
                f"{given('mode', self.mode, typed=True)} drops none",
                hint=f"use {given('mode', 'replace', typed=True)}, "
                f"or leave out {given('keep_backup', True)}",
            )


MAX_BATCH_TIMEOUT_S = 2_147_483
"""PostgreSQL keeps statement and lock timeouts in milliseconds in a 32-bit integer."""


def check_lock_wait(seconds: object) -> None:
    """``--lock-wait-timeout``: a positive number of seconds PostgreSQL can keep."""
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise UsageError(f"{arg('lock_wait_s')} must be a number of seconds, not {seconds!r}")
    if not 0 < seconds <= MAX_BATCH_TIMEOUT_S:  # NaN and inf too
        raise UsageError(
            f"{arg('lock_wait_s')} must be more than 0 and at most {MAX_BATCH_TIMEOUT_S:,} "
            f"seconds, not {seconds:.15g}",
            hint="give a number of seconds",
        )


def _size(name: str, value: object) -> int:
    """A size given as bytes or as a size string; anything else is refused in one line."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise UsageError(
            f"{arg(name)} must be a number of bytes or a size like '64MiB', not {value!r}"
        )
    return parse_size(value)

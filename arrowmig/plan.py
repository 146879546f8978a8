"""From a source, a target and a config to a plan: which tables, what each becomes in the
target (types, action), and the streams (key ranges) each is read in. Writes nothing.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

import pyarrow as pa

from arrowmig import nested_json
from arrowmig.append_refusal import AppendRefused, ColumnConflict, cannot_load, one_refusal
from arrowmig.argument_words import advises_cast, arg, cast_given, cast_option
from arrowmig.array_elements import pg_list_type
from arrowmig.attached_copy import declared_alike, storage_changed_by_cast
from arrowmig.balance import fit_to_workers
from arrowmig.cast_names import cast_column_missing, cast_table_missing
from arrowmig.cast_refusal import cast_refused
from arrowmig.checkpoint import CHECKPOINT_COLUMNS, CheckpointStore, run_basis
from arrowmig.comments import comment_notes
from arrowmig.config import MigrationConfig
from arrowmig.conform import conforms
from arrowmig.defaults import collate_clause, collation_notes, default_notes, is_citext
from arrowmig.duckdb_replace import refuse_replacing_referenced
from arrowmig.duckdb_unions import refuse_union_targets
from arrowmig.encodings import encoding_notes
from arrowmig.endpoints.base import (
    CHECKPOINT_TABLE,
    INTERNAL_PREFIX,
    Endpoint,
    Source,
    describe_each,
)
from arrowmig.endpoints.limits import refuse_names_a_file_cannot_hold
from arrowmig.endpoints.load_triggers import trigger_note
from arrowmig.endpoints.pg_policies import ROW_SECURITY_KINDS, with_roles_the_target_has
from arrowmig.endpoints.pg_row_size import refuse_rows_too_big
from arrowmig.endpoints.pg_storage import STORAGE_KIND, of_the_source_type, yielding_to
from arrowmig.endpoints.postgres_catalog import is_domain_note
from arrowmig.endpoints.sqlite_types import (
    classes_lost_in,
    classes_mixed,
    core_data_shaped,
    is_type_choice_note,
)
from arrowmig.errors import ArrowmigError, SchemaError, TransferError, UsageError
from arrowmig.index_names import named_apart
from arrowmig.key_cycles import refuse_rows_before_their_parent
from arrowmig.key_names import with_key_name_free
from arrowmig.loading import emptied_first, landing_for
from arrowmig.model import Column, ForeignKey, KeyRange, Table
from arrowmig.names import (
    DIALECT_NAMES,
    folded,
    name_parts,
    written,
    written_list,
)
from arrowmig.note_groups import grouped_notes
from arrowmig.pg_nanoseconds import (
    with_array_nanosecond_notes,
    with_existing_column_notes,
    with_nanosecond_notes,
    with_sqlite_nanoseconds_as_text,
)
from arrowmig.pg_numeric import rounding_words
from arrowmig.pg_type_limits import with_types_postgresql_creates
from arrowmig.preflight import (
    refuse_texts_no_label_of_cast_enum,
    refuse_values_stored_otherwise,
    refuse_values_that_cannot_go_in,
)
from arrowmig.replaced import partitioning_said_once, published_notes, replaced
from arrowmig.run_tables import RunTables
from arrowmig.schema import (
    CORE_DATA_EPOCH,
    EPOCH_UNITS,
    JULIAN_CAST,
    UUID_CAST,
    cast_as_asked,
    ddl_type,
    forced_arrow_type,
    index_form_notes,
    is_pg_interval,
    is_pg_timestamp,
    is_text_cast,
    is_text_type,
    key_statements,
    numbers_as_text,
    qualified,
    quote_ident,
    server_converts,
    travelling_type,
    type_words,
    upper_words,
    wire_type,
)
from arrowmig.schema_landing import landing_note, refuse_second_table, schemas_apart
from arrowmig.schema_usage import usage_notes, with_schema_usage
from arrowmig.self_keys import refuse_rows_before_their_parent_row
from arrowmig.sequence_names import with_sequence_names_free
from arrowmig.sqlite_header import plan_header
from arrowmig.sqlite_nan import nan_plan_note
from arrowmig.status import resume_command
from arrowmig.target_names import (
    column_notes_renamed,
    for_target,
    foreign_key_for_target,
    refuse_clashes,
    renamed_note,
    source_named,
    source_names,
    target_name,
)
from arrowmig.text_numbers import is_number_kept_as_text, text_number_note
from arrowmig.type_places import place_type
from arrowmig.unknown_tables import named_by, tables_not_found, where_in

TABLE_EXISTS_HINT = "use --mode replace, append or truncate, or drop it first"
"""What to do about a target table that exists, in create mode (``generate`` says otherwise:
it has no --resume); ``table_exists_hint`` puts --resume first where a run is unfinished."""


def table_exists_hint(dst: Endpoint, name: str, target_schema: str | None) -> str:
    """What to do about table ``name`` of the target, there already in create mode: continue
    the run that loads it, when one is not finished (the target's checkpoints say so), with
    its own command and --resume; otherwise --resume has nothing to continue, and is not
    offered. ``target_schema``: the --target-schema the table was looked for in.

    Its own command, not this one: this command with --resume continues the run whose
    options it has, and a run of another mode (a failed --mode append) was then refused, or
    another run, complete, was found ("nothing to resume")."""
    try:
        run = CheckpointStore(dst).unfinished_run_loading(name)
    except ArrowmigError:
        run = None  # checkpoints this user cannot read: no run of its own to continue
    if run is None:
        return TABLE_EXISTS_HINT
    command = resume_command(run_basis(run), dst.url.redacted, target_schema)
    how = command or "--resume"  # a run that recorded too little to say
    return (
        f"run {run.run_id}, which loads it, is not finished: continue it with {how}; "
        f"or {TABLE_EXISTS_HINT}"
    )


@dataclass(frozen=True)
class Stream:
    """One unit of work: a table, or one key range of it."""

    table: str
    key_range: KeyRange | None
    index: int
    count: int
    est_rows: int | None

    @property
    def name(self) -> str:
        return self.table if self.count == 1 else f"{self.table}[{self.index + 1}/{self.count}]"


@dataclass
class TablePlan:
    """One table: the source shape, the target shape, and what will happen to the target."""

    source: Table
    target: Table
    action: str
    """create, replace, append or truncate."""
    streams: list[Stream] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    loading: str | None = None
    """How the table loads and resumes (set once the landing is decided)."""
    waits_for: tuple[str, ...] = ()
    """Tables of this run that an existing target table's foreign keys point at: its rows
    go in after theirs (the target checks each batch as it commits)."""
    types_created: tuple[str, ...] = ()
    """The enum and domain types the run created in the target for this table (set as it is
    prepared): dropped again with its table, if that fails empty and nothing else uses them."""

    keeps: tuple[str, ...] = ()
    """``--mode replace``: what the replaced table had that the new one gets, where it lacks
    it, each checked as it is added (the report says what was kept)."""
    drops: tuple[str, ...] = ()
    """``--mode replace``: what the replaced table had that goes with it, each with why and
    the statement that adds it by hand (the report names them too, as they go)."""
    existing: Table | None = None
    """``--mode append`` or ``truncate`` into a table that exists: that table, its columns
    under the source's names (the plan shows their NOT NULL and defaults, not the source's)."""
    existing_types: dict[str, str] = field(default_factory=dict)
    """With ``existing``: each of its columns' type as declared (``money``, a domain's name),
    under the target's names: the target type the plan shows, as the table keeps its own."""

    def builds(self, dialect: str) -> list[str]:
        """The keys, indexes and foreign keys a created table gets (an existing one keeps its own)."""
        if self.action not in ("create", "replace"):
            return []
        keys = [label for _, label in key_statements(self.target, dialect, None)]
        if dialect == "postgresql":
            keys += [d.built_label for d in self.target.pg_definitions]
        return keys + [fk.label for fk in self.target.foreign_keys]

    def _declared_type(self, column: Column, dialect: str) -> str:
        """The column's type as the run declares it, with the collation of a table it
        creates (citext into DuckDB: VARCHAR COLLATE NOCASE); an existing table keeps its own."""
        created = self.action in ("create", "replace")
        return ddl_type(column, dialect) + (collate_clause(column, dialect) if created else "")

    def to_dict(self, dialect: str) -> dict[str, Any]:
        columns = []
        for src, dst in zip(
            self.source.columns, _source_order(self.target, self.source), strict=True
        ):
            there = self.existing.column(src.name) if self.existing is not None else src
            columns.append(
                {
                    "name": src.name,
                    "target_name": dst.name,
                    "source_type": src.source_type,
                    "observed": list(src.observed),
                    "arrow_type": str(dst.arrow_type),
                    "target_type": upper_words(self.existing_types.get(dst.name, ""))
                    or self._declared_type(dst, dialect),
                    "nullable": there.nullable,
                    "default": there.default.sql if there.default else None,
                    "auto_increment": there.auto_increment,
                    "flags": list(src.notes),
                }
            )
        return {
            "name": self.source.name,
            "target": self.target.name,
            "rows": self.source.row_count,
            "action": self.action,
            "primary_key": list(self.source.primary_key),
            "split_key": self.source.split_key,
            "indexes": [i.name for i in self.source.indexes],
            "builds": self.builds(dialect),
            "keeps": list(self.keeps),
            "drops": list(self.drops),
            "columns": columns,
            "streams": [
                {
                    "name": s.name,
                    "range": s.key_range.describe() if s.key_range else None,
                    "rows": s.est_rows,
                }
                for s in self.streams
            ],
            "loading": self.loading,
            "waits_for": list(self.waits_for),
            "notes": self.notes,
        }


@dataclass
class MigrationPlan:
    """Every table of a run, largest first."""

    tables: list[TablePlan]
    skipped_views: list[str]
    target_dialect: str
    conflicts: list[SchemaError] = field(default_factory=list)
    """Target tables that exist in create mode, when build_plan was asked to defer them."""
    notes: list[str] = field(default_factory=list)
    """What the user should know about the run as a whole (schemas it does not read)."""
    source: str = ""
    target: str = ""
    """The source and target as shown (passwords masked; a PostgreSQL URL without a
    database names the one libpq connects to), set by ``explain``."""
    sqlite_header: dict[str, int] = field(default_factory=dict)
    """The SQLite source's file numbers the run sets on its SQLite target (``user_version``,
    ``application_id``; sqlite_header.py)."""
    schemas: tuple[str | None, str] | None = None
    """(source schema, target schema) when tables are written under another schema than
    they are read from (``schema_landing.schemas_apart``): the plan names both."""
    if_met: list[str] = field(default_factory=list)
    """What the run would do with a value the plan does not look for (a NaN bound for SQLite):
    said with the plan's notes, not carried into the run's report, which tells of each such
    value the run meets (by row) and of no other."""

    def to_dict(self) -> dict[str, Any]:
        apart = (
            {"source_schema": self.schemas[0], "target_schema": self.schemas[1]}
            if self.schemas
            else {}
        )
        return {
            "source": self.source,
            "target": self.target,
            **apart,
            "tables": [t.to_dict(self.target_dialect) for t in self.tables],
            "skipped_views": self.skipped_views,
            "notes": [*self.notes, *self.if_met],
        }


def _source_order(target: Table, source: Table) -> list[Column]:
    by_name = {c.source_name or c.name: c for c in target.columns}
    return [by_name[c.name] for c in source.columns]


def select_tables(
    src: Source, config: MigrationConfig, target_dialect: str = "postgresql", verb: str = "move"
) -> tuple[list[str], list[str], list[str]]:
    """The tables to move, the views left out (views move only when named), and the plan's
    note on the source's other schemas, which a run does not read (its hint in the forms
    ``target_dialect`` takes). ``verb``: what is done with them, as a refusal says it
    (``verify`` compares the tables ``migrate`` would move)."""
    config = replace(
        config,
        tables=in_this_schema(config.tables, src.schema),
        exclude=in_this_schema(config.exclude, src.schema) or (),
    )
    tables = src.list_tables()
    views = src.list_views()
    known = [*tables, *views]
    own_named = own_named_tables(src)
    # A partition's rows are its parent's: it moves as a table of its own only when named.
    nameable = [*known, *partitions_of(src)] if config.tables else known
    # A name that is not there is refused, in --exclude too: a mistyped exclusion would
    # copy the very table it meant to leave out.
    for option, names, there in (
        ("tables", config.tables, nameable),
        ("exclude", config.exclude, known),
    ):
        missing = [t for t in names or () if t not in there]
        if option == "tables" and set(missing) & set(own_named):
            raise _own_name_refusal(next(t for t in missing if t in own_named))
        if option == "exclude":
            missing = [t for t in missing if t not in own_named]
        shadow = next((r for t in missing if (r := _shadow_refusal(src, t, option))), None)
        if shadow is not None:
            raise shadow
        if missing:
            # Every name at once: a list with two typos is fixed in one go.
            raise tables_not_found(missing, option, src, tables, views, partitions_of(src))
    extensions = extension_tables(src)
    if config.tables:
        chosen = list(dict.fromkeys(config.tables))
    else:
        chosen = [t for t in tables if t not in extensions]
    chosen = [t for t in chosen if t not in set(config.exclude)]
    if not chosen and config.exclude and (config.tables or tables):
        # A run of nothing would be "done", and leave a new target file behind.
        named = f"{arg('tables')} names" if config.tables else f"{where_in(src)} holds"
        raise UsageError(
            f"no tables left to {verb}: {arg('exclude')} removes every table {named}",
            hint=f"leave out the {arg('exclude')}, or name the tables to {verb} with "
            f"{arg('tables')}",
        )
    if config.tables:
        # The tables were named: the views not named are not news.
        return chosen, [], _partition_notes(src, chosen)
    skipped = [v for v in views if v not in chosen]
    note = _other_schemas_note(src, bool(tables or views), one_schema=target_dialect == "sqlite")
    # Schemas picked knowingly are not listed again; an empty run is always said.
    notes = note if config.source_schema is None or not chosen else []
    own_note = own_named_note(own_named, config.exclude)
    notes.extend([own_note] if own_note else [])
    left = [f"{t} ({e})" for t, e in extensions.items() if t not in set(config.exclude)]
    if left:
        notes.append(
            f"tables of extensions left out: {', '.join(left)} (CREATE EXTENSION makes them "
            "in the target; name one with --tables to copy its rows)"
        )
    return chosen, skipped, notes


def extension_tables(src: Source) -> dict[str, str]:
    """The source's tables that an extension created (PostgreSQL), and the extension's name:
    moved only when named, as views are."""
    found = getattr(src, "extension_tables", None)
    return dict(found()) if found is not None else {}


def in_this_schema(names: tuple[str, ...] | None, schema: str | None) -> tuple[str, ...] | None:
    """Names as written in --tables or --exclude (``"a,b"``, ``"a.b"``, ``public."c.d"``) as
    the tables of the schema read; a name without quotes is a table's exact name."""
    if names is None:
        return None
    resolved = []
    for name in names:
        try:
            parts = name_parts(name)
        except UsageError:
            parts = [name]  # not written in quotes (from Python, 'a"b'): the exact name
        if len(parts) == 1:
            name = parts[0]
        elif len(parts) == 2 and parts[0] == schema:
            name = parts[1]
        resolved.append(name)
    return tuple(resolved)


def partitions_of(src: Source) -> dict[str, str]:
    """The source's partitions (PostgreSQL), each with the table it is a partition of."""
    found = getattr(src, "partitions", None)
    return dict(found()) if found is not None else {}


def _shadow_refusal(src: Source, name: str, option: str) -> SchemaError | None:
    """The refusal of a SQLite shadow table ``option`` names (FTS5 ``docs``'s
    ``docs_data``): it is in the file, but as its virtual table's own storage, never copied;
    None for another name."""
    found = getattr(src, "shadow_tables", None)
    owner = dict(found()).get(name) if found is not None else None
    if owner is None:
        return None
    table, module = owner
    return SchemaError(
        f"table {name!r}{named_by(option)} is a shadow table of the {module} table "
        f"{table!r} in {where_in(src)}: part of its index's own storage, which is never copied",
        hint=f"leave it out of {arg('exclude')}: it is not copied anyway"
        if option == "exclude"
        else f"name {table!r} with {arg('tables')} to copy the rows it holds",
        table=name,
    )


def _partition_notes(src: Source, chosen: list[str]) -> list[str]:
    """What moving a partition named in --tables means: its rows, as a table of its own."""
    named = {t: parent for t, parent in partitions_of(src).items() if t in chosen}
    return [
        f"{t}: a partition of {parent}, moved as a table of its own with its rows only "
        f"(they are {parent}'s rows too{', and both are moved' if parent in chosen else ''})"
        for t, parent in named.items()
    ]


def _other_schemas_note(src: Source, any_here: bool, *, one_schema: bool) -> list[str]:
    """Tables in other schemas are not read: said in the plan, and refused as the run's
    whole when the schema read holds nothing (an empty run would look like success).
    ``one_schema``: the target (a SQLite file) takes one schema per run, so only that form is
    suggested."""
    others = src.other_schemas()
    if not others:
        return [] if any_here else [f"nothing to copy: {where_in(src)} holds no tables"]
    listed, every = _schemas_listed(src, others, any_here)
    # Written as --source-schema reads it back: a schema holding a comma in double quotes.
    pick = f"--source-schema {shlex.quote(written_list([next(iter(others))]))}"
    if one_schema:
        if not any_here:
            raise SchemaError(
                f"{where_in(src)} holds no tables; other schemas do: {listed}",
                hint=f"pick the schema to read with {pick} (a SQLite file takes one schema "
                "per run: run again for each other schema)",
            )
        return [
            f"schema {src.schema!r} read; other schemas hold tables and are not: {listed} "
            f"(a SQLite file takes one schema per run: read another with {pick})"
        ]
    if not any_here:
        several = f", or several with {every}" if every != pick else ""
        raise SchemaError(
            f"{where_in(src)} holds no tables; other schemas do: {listed}",
            hint=f"pick the schema to read with {pick}{several} (or '*' for every schema)",
        )
    return [
        f"schema {src.schema!r} read; other schemas hold tables and are not: {listed} "
        f"(read them too with {every}, each into the target schema of its name)"
    ]


def uncompared_schemas_note(src: Source, *, one_schema: bool) -> str | None:
    """``verify``'s note on the source schemas it did not read (as the plan's for a run):
    "all tables match" says nothing of them. ``one_schema``: the target (a SQLite file) has
    no schemas to compare each against, so one schema per run is suggested."""
    others = src.other_schemas()
    if not others:
        return None
    listed, every = _schemas_listed(src, others, any_here=True)
    if one_schema:
        pick = f"--source-schema {shlex.quote(written_list([next(iter(others))]))}"
        return (
            f"schema {src.schema!r} compared; other schemas hold tables and were not compared: "
            f"{listed} (a SQLite file takes one schema per run: compare another with {pick})"
        )
    return (
        f"schema {src.schema!r} compared; other schemas hold tables and were not compared: "
        f"{listed} (compare them too with {every}, each against the target schema of its name)"
    )


def _schemas_listed(src: Source, others: dict[str, int], any_here: bool) -> tuple[str, str]:
    """The other schemas with their table counts, and the --source-schema naming them too
    (as it reads them back: a schema holding a comma in double quotes)."""
    listed = ", ".join(f"{s} ({n} table{'s' if n != 1 else ''})" for s, n in others.items())
    every = "--source-schema " + shlex.quote(
        written_list([*([src.schema] if any_here and src.schema else []), *others])
    )
    return listed, every


def own_named_tables(src: Source) -> list[str]:
    """The source's tables ``list_tables`` leaves out as arrowmig's own by their name, but a
    checkpoint table an earlier run made (the source was a run's target): not news."""
    named: list[str] = getattr(src, "own_named_tables", list)()
    return [t for t in named if not _checkpoints_made_by_a_run(src, t)]


def _checkpoints_made_by_a_run(src: Source, name: str) -> bool:
    declared = getattr(src, "declared_columns", None)
    if name != CHECKPOINT_TABLE or declared is None:
        return False
    return tuple(c for c, _ in declared(name)) == CHECKPOINT_COLUMNS


def own_named_note(own_named: list[str], exclude: Collection[str] = ()) -> str | None:
    """The tables a run (or verify) leaves out as arrowmig's own, unless excluded by name:
    a user's table of such a name would otherwise be left out without a word."""
    left = [t for t in own_named if t not in set(exclude)]
    if not left:
        return None
    return (
        f"tables left out: {', '.join(left)} (names beginning {INTERNAL_PREFIX} are "
        "arrowmig's own: its checkpoints and staging tables; rename a table of yours to "
        "move it)"
    )


def _own_name_refusal(name: str) -> SchemaError:
    """A table named for a run whose name arrowmig keeps for its own tables: moved, it would
    be taken for the target's checkpoints or staging."""
    return SchemaError(
        f"table {name!r} cannot be moved: names beginning {INTERNAL_PREFIX} are arrowmig's own "
        "(its checkpoints and staging tables), left out of every run",
        hint="rename it in the source to move it",
        table=name,
    )


def build_plan(
    src: Source,
    dst: Endpoint | None,
    config: MigrationConfig,
    *,
    dialect: str | None = None,
    defer_conflicts: bool = False,
    describe_all: Callable[[list[str]], dict[str, Table]] | None = None,
    run_tables: Collection[tuple[str, str]] = (),
) -> MigrationPlan:
    """Describe every chosen table and decide its target shape, action and streams;
    ``run_tables``: in a run of several schemas, every table it moves (``schemas.table_pairs``).

    Raises before anything is written when the run cannot work: a missing table, a target
    table that exists in create mode, names the target cannot hold, an impossible append.
    """
    target_dialect = dst.dialect if dst is not None else (dialect or "postgresql")
    names, skipped_views, run_notes = select_tables(src, config, target_dialect)
    refuse_unreadable(src, names)
    _refuse_names_equal_but_for_case(names, target_dialect)
    # The run records its progress in the target before it writes a row: a checkpoint table
    # it may not use would stop it at its first statement.
    refuse_unusable_checkpoints = getattr(dst, "refuse_unusable_checkpoints", None)
    if refuse_unusable_checkpoints is not None:
        refuse_unusable_checkpoints()
    casts = {(t, c): ty for t, c, ty in config.casts}
    for table_name, column, type_name in config.casts:
        if table_name not in names:
            raise cast_table_missing(table_name, column, type_name, names)
    plans = []
    refusals: list[SchemaError] = []  # tables that cannot be appended to
    conflicts: list[SchemaError] = []
    checked: dict[str, tuple[ForeignKey, ...]] = {}  # existing tables' foreign keys
    placed_types: dict[str, str] = {}  # the run's enums and domains: target's <- source's
    sequences_claimed: dict[str, str] = {}  # the run's sequences: target's <- source's
    keys_claimed: set[str] = set()  # the run's primary key names, as the target has them
    described = (
        describe_all(names)
        if describe_all is not None
        else describe_each(src, names, profile=config.profile, workers=config.parallel)
    )
    how = config.target_names
    refuse_clashes((described[name] for name in names), how)
    run_targets = [target_name(name, how) for name in names]
    present = tables_present(dst, run_targets) if dst is not None else set()
    schemas = schemas_apart(src, dst, config, target_dialect)
    if schemas is not None:
        run_notes.append(landing_note(schemas, config))
        if dst is not None:
            missing = [t for t in run_targets if t not in present]
            refuse_second_table(dst, config, schemas, missing)
    for name in names:
        source = described[name]
        there = target_name(name, how)  # the table's name in the target
        if not source.columns:
            # PostgreSQL allows CREATE TABLE t (); nothing but a row count to copy, and
            # SQLite and DuckDB cannot create such a table.
            rows = source.row_count or 0
            raise SchemaError(
                f"table {name!r} has no columns ({rows:,} row{'' if rows == 1 else 's'} of nothing)",
                hint="leave it out with --exclude, or name the tables to move with --tables",
                table=name,
            )
        source = with_sqlite_nanoseconds_as_text(source, src.dialect, target_dialect)
        source = _apply_casts(source, casts, src.dialect, target_dialect)
        cast_here = {c for t, c in casts if t == name}
        source = with_types_postgresql_creates(source, target_dialect, cast_here)
        source = with_nanosecond_notes(source, target_dialect)
        if src.dialect == target_dialect == "postgresql":
            source = _with_money_kept(source, src, dst)
        _refuse_casts_the_target_cannot_take(source, dst, target_dialect, cast_here)
        target = source
        action = config.mode
        existing: Table | None = None
        existing_types: dict[str, str] = {}
        notes = [f"{c.name}: {n}" for c in source.columns for n in c.notes]
        if dst is None:  # a file the run would create: every table is new
            refuse_names_a_file_cannot_hold(for_target(target, how), target_dialect)
        else:
            dst.check_names(for_target(target, how))
            exists = there in present
            if target_dialect == "postgresql" and (config.mode == "replace" or not exists):
                refuse_rows_too_big(src, name, source)  # a table arrowmig creates
            if config.mode == "replace" and exists:
                _refuse_replacing_unowned(dst, there)
                _refuse_dropping_dependents(dst, there, source)
                notes += _refuse_taking_sequence(dst, there, run_targets, config.keep_backup)
                notes += _refuse_dropping_children(dst, there, run_targets, config.keep_backup)
                refuse_replacing_referenced(dst, there)
            if config.mode == "create" and exists:
                conflict = SchemaError(
                    f"table {there!r} already exists in {dst.url.redacted}",
                    hint=table_exists_hint(dst, name, config.target_schema),
                    table=name,
                )
                if not defer_conflicts:
                    raise conflict
                conflicts.append(conflict)
            if config.mode in ("append", "truncate") and exists:
                # Matched with the source's columns under the source's names, and the target
                # shape named as the target's again below.
                computed = source_names(dst.computed_columns(there), source, how)
                existing = source_named(dst.existing_table(there), source, how)
                existing_types = dict(dst.declared_columns(there))
                source, left_to_target = _without_computed(source, computed)
                existing = _without_columns(existing, computed)
                source = _with_jsonb_notes(source, existing, src.dialect, dst.dialect)
                source = _with_ragged_notes(source, existing, dst.dialect)
                source = with_array_nanosecond_notes(source, existing, dst.dialect)
                if dst.dialect == "postgresql":
                    source = with_existing_column_notes(source, existing)
                # Only the columns still read keep their notes ("its values are copied").
                source = _without_created_type_notes(source)
                notes = [f"{c.name}: {n}" for c in source.columns for n in c.notes]
                notes += left_to_target
                # Every column of every table that cannot go in is named in one refusal,
                # after the loop: one per run made a table take five runs.
                refused: list[SchemaError] = []
                try:
                    target, conversions = _append_target(
                        source,
                        existing,
                        source_names(dst.omittable_columns(there), source, how),
                        cast_columns={c for t, c in casts if t == name},
                        mode=config.mode,
                        copied_by_sqlite=src.dialect == dst.dialect == "sqlite"
                        and not any(t == name for t, _ in casts)
                        and config.on_error != "reject"
                        and declared_alike(source, existing_types),
                    )
                except SchemaError as exc:
                    refused.append(exc)
                union_refusal = (
                    refuse_union_targets(source, existing, config.mode)
                    if dst.dialect == "duckdb"
                    else None
                )
                if union_refusal is not None:
                    refused.append(union_refusal)
                if config.on_error == "fail":
                    # A value that cannot go in would stop the table halfway (emptied first
                    # by --mode truncate): refused now; with reject its row is set aside.
                    try:
                        refuse_values_that_cannot_go_in(
                            src,
                            source,
                            existing,
                            dst.dialect,
                            config.mode,
                            config.batch,
                            _cast_enums(source, dst),
                        )
                    except SchemaError as exc:
                        refused.append(exc)
                if refused:
                    refusals += refused
                    continue
                if config.on_error == "fail" and emptied_first(
                    landing_for(target, source, action), dst.dialect
                ):
                    refuse_values_stored_otherwise(src, source, target, dst.dialect, config.batch)
                _check_write(dst, for_target(target, how), config.mode)
                notes += conversions
                notes += appended_sequence_notes(dst, there, source, how)
                notes += _load_trigger_notes(dst, there, config.mode)
                checked[name] = existing.foreign_keys
                written = {c.name for c in target.columns}
                left_out = [c.name for c in existing.columns if c.name not in written]
                if left_out:
                    notes.append(
                        f"target columns the source lacks, left to the target (NULL, their "
                        f"default or identity): {', '.join(left_out)}"
                    )
            elif config.mode in ("append", "truncate"):
                _refuse_creating_beside_another_case(dst, there, config.mode)
                action = "create"
                notes.append("target table missing: it will be created")
        if action in ("create", "replace"):
            if target_dialect == "postgresql" and dst is not None and config.on_error == "fail":
                # A text that is no label would fail the table at its batch, in the server's
                # words: refused now, as an append into an enum column is.
                try:
                    refuse_texts_no_label_of_cast_enum(
                        src, source, _cast_enums(source, dst), config.mode
                    )
                except SchemaError as exc:
                    refusals.append(exc)
                    continue
            if target_dialect == "postgresql":
                target = _with_target_types(target, dst, src.schema, placed_types, cast_here)
                target, lacking = _without_collations_the_target_lacks(target, dst)
                notes += lacking
                target = with_schema_usage(target, src, dst)
                target, unheld = with_roles_the_target_has(
                    target, getattr(dst, "roles_missing", None)
                )
                notes += unheld + usage_notes(target, dst)
            elif target_dialect == src.dialect == "sqlite":
                source = _temporal_as_text(source, cast_here)
                target = _as_declared(_temporal_as_text(target, cast_here), cast_here)
            _refuse_types_the_target_cannot_hold(target, target_dialect)
            if target_dialect != "postgresql":
                source, compared = _with_text_number_notes(source, target, target_dialect)
                notes += compared
            held = getattr(dst, "names_held", None)  # PostgreSQL's
            if held is not None:
                target, named = with_sequence_names_free(
                    target, how, held, run_targets, sequences_claimed, getattr(dst, "schema", None)
                )
                notes += named
                replacing = there if action == "replace" and there in present else None
                target, named = with_key_name_free(
                    target,
                    how,
                    partial(held, replaced=replacing),
                    {*run_targets, *(target_name(n, how) for n in sequences_claimed.values())},
                    keys_claimed,
                )
                notes += named
            # Said of the keys, sequences and columns the user will find in the target.
            notes += default_notes(for_target(target, how), target_dialect)
            notes += collation_notes(target, target_dialect)
            notes += comment_notes(target, target_dialect)
            rebuilt = {d.label for d in target.pg_definitions if target_dialect == "postgresql"}
            left = [item for item in target.not_carried if item not in rebuilt]
            left += index_form_notes(target, target_dialect)
            if target.unlogged and target_dialect != "postgresql":
                left.append(f"UNLOGGED (an ordinary table in {target_dialect})")
            if left:
                notes.append(f"not carried: {', '.join(left)}")
            if not config.keys:
                target, unbuilt = _without_keys(target, target_dialect)
                if unbuilt:
                    notes.append(f"not built (--no-keys): {', '.join(unbuilt)}")
            elif target_dialect != src.dialect:
                staged = landing_for(target, source, action).staged
                notes += _keys_the_target_cannot_build(src, source, target_dialect, staged)
        target = for_target(target, how)
        notes = column_notes_renamed(notes, target)
        notes = grouped_notes(notes, name, [c.name for c in target.columns])
        renamed = renamed_note(source, target)
        notes += [renamed] if renamed else []
        keeps: tuple[str, ...] = ()
        drops: tuple[str, ...] = ()
        if dst is not None and action == "replace" and there in present:
            gone, keeps, drops = replaced(
                dst,
                target,
                RunTables(frozenset(run_targets), frozenset(run_tables)),
                indexes=config.keys,
                keep_backup=config.keep_backup,
            )
            notes = partitioning_said_once(notes, target, drops) + gone
            storage_of = getattr(dst, "storage_of", None)
            if keeps and storage_of is not None:
                # The replaced table's own settings are kept (given with its dressing): the
                # source's of the same parameter or column are not set over them after.
                own = yielding_to(target.pg_definitions, storage_of(target.name))
                target = replace(target, pg_definitions=own)
        if action not in ("create", "replace") or target_dialect != "postgresql":
            target = replace(target, unlogged=False)  # an existing table keeps its own
        plans.append(
            TablePlan(
                source=source,
                target=target,
                action=action,
                notes=notes,
                keeps=keeps,
                drops=drops,
                existing=existing,
                existing_types=existing_types,
            )
        )
    if refusals:
        raise one_refusal(refusals)
    # Refused now, with the GRANT, not at the run's first CREATE TABLE in the server's words.
    refuse_uncreatable = getattr(dst, "refuse_uncreatable", None)
    if refuse_uncreatable is not None:
        refuse_uncreatable([p.target.name for p in plans if p.action in ("create", "replace")])
    plans = _with_index_names_apart(plans, target_dialect)
    plans = _with_creatable_foreign_keys(plans, config, target_dialect, dst)
    for p in plans:
        p.notes += _foreign_keys_never_created(p, config, target_dialect)
        p.notes += _foreign_keys_checked_after(p, src, target_dialect)
    plans = _waiting_for_parents(plans, checked, src, dst, config)
    plans.sort(key=lambda p: -(p.source.row_count or 0))
    if src.dialect == target_dialect == "postgresql" and plans and config.direct:
        run_notes.append(
            "between two PostgreSQL databases of one major version, a table whose columns keep "
            "their types passes its rows undecoded, as binary COPY (the forms, text or JSON, "
            "noted per column are then not used); the report says which tables did"
        )
    if src.dialect == target_dialect == "sqlite" and plans and config.direct:
        for p in plans:
            cast_columns = [c for t, c, _ in config.casts if t == p.source.name]
            if cast_columns:
                p.notes = storage_changed_by_cast(p.notes, cast_columns)
        run_notes.append(
            "between two SQLite files every column is declared as in the source, and a table "
            "without a --cast is copied by SQLite itself (INSERT ... SELECT from the attached "
            "source file): each value keeps its storage class and its exact text (the types "
            "and forms noted per column are then not used); the report says which tables were "
            "copied so"
        )
    if plans:
        run_notes += encoding_notes(
            getattr(src, "database_encoding", None), getattr(dst, "database_encoding", None)
        )
    if plans and dst is not None:
        run_notes += published_notes(dst)
    header, header_notes = plan_header(src, dst, target_dialect, [p.target.name for p in plans])
    run_notes += header_notes
    nan_note = (
        None
        if getattr(src, "nan_free", False)
        else nan_plan_note([p.source for p in plans], src.dialect, target_dialect)
    )
    return MigrationPlan(
        plans,
        skipped_views,
        target_dialect,
        conflicts,
        run_notes,
        sqlite_header=header,
        schemas=schemas,
        if_met=[nan_note] if nan_note else [],
    )


APPENDED_KEYS_NOTE = "of the target moves past the appended keys"
"""The plan's words for what an append does to an existing table's key sequence, once done."""


def appended_sequence_notes(dst: Endpoint, there: str, source: Table, how: str) -> list[str]:
    """What the plan says of the sequences the keys of existing PostgreSQL table ``there``
    draw from: the run moves each past the appended keys, and keeps its name there (a
    sequence the source's key drew from under another name is not made)."""
    drawn = getattr(dst, "key_sequences", None)  # PostgreSQL's
    if drawn is None:
        return []
    own = {
        target_name(c.name, how): target_name(name, how)
        for c in source.columns
        if (name := c.key_sequence or c.shared_sequence)
    }
    notes = []
    for column, sequence, relname in drawn(there):
        note = f"key sequence {sequence} {APPENDED_KEYS_NOTE}"
        theirs = own.get(column)
        if theirs and relname != theirs:
            note += f" (named so in the target: the source's name for it, {theirs}, is not made)"
        notes.append(note)
    return notes


def _with_index_names_apart(plans: list[TablePlan], dialect: str) -> list[TablePlan]:
    """The indexes of the tables the run creates named as the target keeps them whole, no two
    alike (``index_names``); each one renamed is in its table's notes."""
    built = [p for p in plans if p.action in ("create", "replace")]
    for plan, (target, notes) in zip(
        built, named_apart([p.target for p in built], dialect), strict=True
    ):
        plan.target = target
        plan.notes += notes
    return plans


def tables_present(dst: Endpoint, names: list[str]) -> set[str]:
    """Which of ``names`` the target holds (``table_exists``): in one query where the target
    asks a server (PostgreSQL), as each table's own query cost a round trip."""
    present = getattr(dst, "tables_present", None)
    if present is not None:
        return set(present(names))
    return {name for name in names if dst.table_exists(name)}


def _refuse_creating_beside_another_case(dst: Endpoint, name: str, mode: str) -> None:
    """A table missing from a PostgreSQL target that holds one of the same name but for case
    (``track`` for ``Track``: pgloader's, or an application's unquoted names) is the table the
    user means to load: creating ``"Track"`` beside it would leave it as it was, unsaid.
    (SQLite and DuckDB names ignore case: there it is the table found.)"""
    if dst.dialect != "postgresql":
        return
    others = [t for t in dst.list_tables() if t.lower() == name.lower() and t != name]
    if not others:
        return
    other = others[0]
    raise SchemaError(
        f"cannot {mode} {name!r}: the target schema {dst.schema or 'public'!r} has no table "
        f"{name!r} but has {other!r}, which differs only in case; the run would create "
        f"{name!r} beside it and leave {other!r} as it is",
        hint=(
            "to load into it under its lower-case names, add --target-names lower; "
            if other == folded(name)
            else ""
        )
        + f"to load into it, rename it (and its columns) to the source's names: ALTER TABLE "
        f"{qualified(other, dst.schema)} RENAME TO {quote_ident(name)}; to create {name!r} "
        "beside it, use --mode create",
        table=name,
    )


def refuse_unreadable(src: Source, names: list[str]) -> None:
    """Every privilege the user lacks to read the run's tables (a PostgreSQL source: USAGE,
    SELECT, a column SELECT is not granted on), named at once before anything is written:
    the read would fail halfway, after the target table was made."""
    check = getattr(src, "unreadable", None)
    refused = check(names) if check is not None else None
    if refused is not None:
        raise refused


def _as_declared(table: Table, cast: set[str]) -> Table:
    """A SQLite source table as a SQLite target declares it: each column with its declared
    type (and so its affinity) but those ``cast`` to another."""
    columns = tuple(
        c if c.name in cast else replace(c, sqlite_type=c.source_type) for c in table.columns
    )
    return replace(table, columns=columns)


def _temporal_as_text(table: Table, cast: set[str]) -> Table:
    """A SQLite source table into another SQLite file with each date, time and timestamp
    column not ``cast`` carried as the text it stores: declared as in the source, the target
    column holds that text exactly ('10:00' stays '10:00', not '10:00:00.000000'), as a
    table SQLite copies itself does, and SQLite's queries (``WHERE d = '...'``) compare it."""
    # The proof stays: a quick profile's guess is proven on the values as before, and a
    # value that breaks it has the table loaded again with profiled types.
    columns = tuple(
        replace(c, arrow_type=pa.string()) if c.name not in cast and _temporal(c.arrow_type) else c
        for c in table.columns
    )
    return replace(table, columns=columns)


def _temporal(t: pa.DataType) -> bool:
    return bool(pa.types.is_date(t) or pa.types.is_time(t) or pa.types.is_timestamp(t))


def _refuse_replacing_unowned(dst: Endpoint, name: str) -> None:
    """A PostgreSQL table this user does not own: replacing it drops it (or renames it, with
    --keep-backup), which only its owner may do. Refused before anything is written, rather
    than after every row was loaded into the staging table, with a --resume that fails alike."""
    if dst.dialect != "postgresql":
        return
    owner = dst.owner_unless_mine(name)  # type: ignore[attr-defined]
    if owner is None:
        return
    user = dst.current_user()  # type: ignore[attr-defined]
    raise SchemaError(
        f"cannot replace {name!r} in {dst.url.redacted}: it is owned by {owner!r}, and only its "
        f"owner may drop it to put the new one in its place ({user!r} does not own it); "
        "nothing has been written",
        hint=f"connect as {owner!r} (or a member of it), have the owner hand it over (ALTER TABLE "
        f"{dst.qualify(name)} OWNER TO {quote_ident(user)}), or use --mode truncate, which "
        "empties and loads it in place without owning it",
        table=name,
    )


def _refuse_dropping_dependents(dst: Endpoint, name: str, source: Table) -> None:
    """PostgreSQL drops the views on a table and its row security policies as the table is
    replaced (DuckDB and SQLite bind a view as it is read): refused before anything is
    written, rather than lost. A policy the source has too (a PostgreSQL source's) is made
    again as the source defines it."""
    if dst.dialect != "postgresql":
        return
    again = {d.name for d in source.pg_definitions if d.kind == "policy"}
    policies = [p for p in dst.policies_on(name) if p not in again]  # type: ignore[attr-defined]
    for what, found in (
        ("the views that use it", dst.views_on(name)),  # type: ignore[attr-defined]
        ("its row security policies", policies),
    ):
        if found:
            raise SchemaError(
                f"replacing {name!r} would drop {what}: {', '.join(found)}",
                hint="use --mode truncate, which keeps them, or drop them first and create "
                "them again afterwards",
                table=name,
            )


def _refuse_dropping_children(
    dst: Endpoint, name: str, run_targets: Collection[str], keep_backup: bool
) -> list[str]:
    """A PostgreSQL table's inheritance children hold rows of their own, and are dropped with
    it (DROP ... CASCADE) as it is replaced: refused before anything is written, unless the
    run replaces them too. Under --keep-backup they stay, inheriting from the backup."""
    if dst.dialect != "postgresql":
        return []
    children = [
        shown
        for shown, table in dst.inheritance_children(name)  # type: ignore[attr-defined]
        if table not in run_targets
    ]
    if not children:
        return []
    named = ", ".join(children)
    if keep_backup:
        return [
            f"its inheritance children {named} stay, with their rows, inheriting from the "
            "previous table, kept as the backup"
        ]
    raise SchemaError(
        f"replacing {name!r} would drop the tables that inherit from it, with their rows: "
        f"{named}; nothing has been written",
        hint=f"use --mode truncate, which empties {name!r} alone, add them to the run (--tables; "
        "each is replaced by the source's, inheriting from no table), or keep the old table "
        "and them with --keep-backup",
        table=name,
    )


def _refuse_taking_sequence(
    dst: Endpoint, name: str, run_targets: Collection[str], keep_backup: bool
) -> list[str]:
    """A sequence the replaced PostgreSQL table owns (its serial's) goes with it, dropped with
    the defaults of other tables that draw from it: refused before anything is written, rather
    than leaving another table without its default. One of the run's tables is replaced too,
    and given the source's default. Under --keep-backup the sequence is renamed with the
    backup, and the other defaults follow it (they name it by OID): said in a note."""
    if dst.dialect != "postgresql":
        return []
    users = [
        (sequence, what)
        for sequence, table, what in dst.sequence_users(name)  # type: ignore[attr-defined]
        if table not in run_targets
    ]
    if not users:
        return []
    sequence = users[0][0]
    drawing = ", ".join(what for s, what in users if s == sequence)
    if keep_backup:
        return [
            f"the sequence {sequence} it owns goes with the backup, and what else draws from "
            f"it ({drawing}) goes on drawing from it there; the new table numbers apart"
        ]
    raise SchemaError(
        f"replacing {name!r} takes the sequence {sequence} it owns with it (dropped), away from "
        f"what else draws from it: {drawing}; nothing has been written",
        hint=f"detach it first so that it stays (ALTER SEQUENCE {sequence} OWNED BY NONE; the "
        "new table's key gets a sequence of its own), keep the old table with --keep-backup, "
        "or use --mode truncate",
        table=name,
    )


def _waiting_for_parents(
    plans: list[TablePlan],
    checked: dict[str, tuple[ForeignKey, ...]],
    src: Source,
    dst: Endpoint | None,
    config: MigrationConfig,
) -> list[TablePlan]:
    """Each table whose existing target table checks foreign keys waits for the run's tables
    they point at (in ``parents_first`` order: a cycle is broken where it closes, and a table
    never waits for itself). A table of a cycle whose rows the target would refuse, the tables
    it loads before being empty, is refused (``key_cycles``), as is a table pointing at itself
    whose rows the target would refuse in the order they are read (``self_keys``)."""
    if not any(checked.values()):
        return plans
    by_target = {p.target.name.lower(): p.source.name for p in plans}
    parents = {
        name: {by_target[fk.ref_table.lower()] for fk in fks if fk.ref_table.lower() in by_target}
        - {name}
        for name, fks in checked.items()
    }
    order = parents_first(
        [p.source.name for p in plans], lambda name: sorted(parents.get(name, ()))
    )
    position = {name: i for i, name in enumerate(order)}
    waiting = []
    for p in plans:
        name = p.source.name
        first = sorted(q for q in parents.get(name, ()) if position[q] < position[name])
        late = [
            fk
            for fk in checked.get(name, ())
            if position[by_target.get(fk.ref_table.lower(), name)] > position[name]
        ]
        columns = [c.name for c in p.source.columns]
        refuse_rows_before_their_parent(src, name, columns, p.target.name, late, dst, config.mode)
        own = [fk for fk in checked.get(name, ()) if fk.ref_table.lower() == p.target.name.lower()]
        refuse_rows_before_their_parent_row(
            src,
            name,
            columns,
            p.source.split_key,
            streams_needed(p, src, config.split_rows) if own else 1,
            p.target.name,
            own,
            dst,
            config.mode,
        )
        if first:
            note = f"loads after {', '.join(first)}: the target checks its foreign keys"
            p = replace(p, waits_for=tuple(first), notes=[*p.notes, note])
        waiting.append(p)
    return waiting


def parents_first(names: list[str], parents: Callable[[str], list[str]]) -> list[str]:
    """``names`` ordered so that each comes after its ``parents`` (depth-first; a cycle is
    broken where it closes, the rest keeps the given order)."""
    ordered: list[str] = []
    seen: set[str] = set()

    def visit(name: str) -> None:
        if name in seen:
            return
        seen.add(name)
        for parent in parents(name):
            visit(parent)
        ordered.append(name)

    for name in names:
        visit(name)
    return ordered


def _refuse_names_equal_but_for_case(names: list[str], dialect: str) -> None:
    """SQLite and DuckDB table names ignore case: two source tables "Users" and "users"
    would land in one table. Refused before anything is written."""
    if dialect not in ("sqlite", "duckdb"):
        return
    seen: dict[str, str] = {}
    for name in names:
        other = seen.setdefault(folded(name), name)
        if other != name:
            raise SchemaError(
                f"tables {other!r} and {name!r} differ only in case, and {dialect} table names "
                "ignore case: they would land in one table",
                hint="move them in two runs, one with --exclude for each, into different targets"
                + (" or with --target-schema" if dialect == "duckdb" else " (files)"),
                table=name,
            )


def _with_target_types(
    source: Table,
    dst: Endpoint | None,
    read: str | None,
    placed: dict[str, str],
    cast: Collection[str],
) -> Table:
    """A PostgreSQL source's enum and domain columns as that type of the target (created
    there when missing, refused here when one of that name differs; ``type_places`` says in
    which schema, ``read`` being the source's), and citext as the target's citext where it
    has the extension (a domain over it that domain, where the target names citext as the
    source does); a --cast keeps its own type (``cast``: the table's columns given one)."""
    if not any(c.pg_enum or c.pg_domain or is_citext(c) for c in source.columns):
        return source
    schemas = (read, (dst.schema if dst is not None else None) or "public")
    extension_type = getattr(dst, "extension_type", None)

    def as_domain(c: Column, domain: tuple[str, str]) -> Column:
        schema, there = place_type(placed, source.name, c, domain[0], schemas)
        _check(dst, "check_domain", source.name, c.name, *domain, schema)
        return replace(c, pg_type=there, pg_type_schema=schema)

    columns = []
    for c in source.columns:
        if is_citext(c) and c.name in cast:
            pass  # its cast cleared the source's type: it stays the type cast to
        elif is_citext(c) and extension_type is not None:
            citext = extension_type("citext", "citext", table=source.name, column=c.name)
            if citext is not None:  # the values travel as text, which citext takes as it is
                c = replace(c, pg_type=citext, pg_binary=True, collation=None)
                # A domain over citext is made again where the target names citext as the
                # source does, as its CHECKs may ('@'::citext); elsewhere the column is the
                # target's citext (its note says so).
                if c.pg_domain and citext == c.source_type:
                    c = as_domain(c, c.pg_domain)
                else:
                    c = replace(c, pg_domain=None)  # not a type to create: citext is there
        elif c.pg_enum:
            schema, there = place_type(placed, source.name, c, c.pg_enum[0], schemas)
            _check(dst, "check_enum", source.name, c.name, *c.pg_enum, schema)
            array = "[]" if c.source_type.endswith("]") else ""
            c = replace(c, pg_type=there + array, pg_type_schema=schema)
        elif c.pg_domain:
            c = as_domain(c, c.pg_domain)
        columns.append(c)
    return replace(source, columns=tuple(columns))


def _with_money_kept(source: Table, src: Source, dst: Endpoint | None) -> Table:
    """A PostgreSQL source's money columns as money again on a PostgreSQL target that writes
    money as the source does (the same ``lc_monetary``): its amount is exact either way (cents
    in 64 bits), but only there does '$1.23' stay '$1.23'. Elsewhere money becomes numeric."""
    money = [c for c in source.columns if c.source_type == "money" and c.target_type == "numeric"]
    if not money or dst is None:
        return source
    locale = getattr(src, "monetary_locale", None)
    there = getattr(dst, "monetary_locale", None)
    if locale is None or there is None or locale() != there():
        return source
    kept = f"money kept as money (both servers' lc_monetary is {locale()!r})"
    columns = tuple(
        replace(c, pg_type="money", notes=(*(n for n in c.notes if "money" not in n), kept))
        if c in money
        else c
        for c in source.columns
    )
    return replace(source, columns=columns)


def _without_collations_the_target_lacks(
    source: Table, dst: Endpoint | None
) -> tuple[Table, list[str]]:
    """A PostgreSQL target creates each column with its source's collation; one the target
    lacks (another server's ICU or libc locales) would fail the table: the column gets the
    target's default instead, and the plan names it."""
    has = getattr(dst, "has_collation", None)
    if has is None or not any(c.pg_collation for c in source.columns):
        return source, []
    columns, notes = [], []
    for c in source.columns:
        if c.pg_collation and not has(c.pg_collation):
            notes.append(
                f"{c.name}: COLLATE {c.pg_collation} not carried (the target has no such "
                "collation: the database's default orders and compares it)"
            )
            c = replace(c, pg_collation=None)
        columns.append(c)
    return replace(source, columns=tuple(columns)), notes


def _check(dst: Endpoint | None, method: str, *args: str | tuple[str, ...]) -> None:
    """Ask the target to refuse a type of the same name that differs, before anything is
    written (a target without the check has no such types)."""
    check = getattr(dst, method, None)
    if check is not None:
        check(*args)


NOT_KEYS = ("default", "sequence", "sequence_default", "grant", STORAGE_KIND, *ROW_SECURITY_KINDS)
"""PostgreSQL-only definitions that --no-keys leaves in place: defaults and their sequences,
grants and row-level security."""


def _keys_the_target_cannot_build(
    src: Source, table: Table, dialect: str, staged: bool
) -> list[str]:
    """What the source knows now of keys the target will refuse to build on its rows (a
    SQLite source: NULLs in a primary key, values the conversion makes equal); ``staged``:
    the table is put in place with its keys, so it fails whole."""
    check = getattr(src, "keys_the_target_cannot_build", None)
    return list(check(table, dialect, staged)) if check is not None else []


def _without_keys(target: Table, dialect: str) -> tuple[Table, list[str]]:
    """The table to create with no primary key and no index, and what is left unbuilt."""
    unbuilt = [label for _, label in key_statements(target, dialect, None)]
    keys = tuple(d for d in target.pg_definitions if d.kind not in NOT_KEYS)
    if dialect == "postgresql":
        unbuilt += [d.built_label for d in keys]
    defaults = tuple(d for d in target.pg_definitions if d.kind in NOT_KEYS)
    return (
        replace(target, primary_key=(), indexes=(), foreign_keys=(), pg_definitions=defaults),
        unbuilt,
    )


def _in_target(dst: Endpoint, name: str) -> Table | None:
    """A table the target holds outside this run (a foreign key's parent), with its keys."""
    try:
        return dst.describe(name, profile=False) if dst.table_exists(name) else None
    except ArrowmigError:
        return None


FOREIGN_KEY_DIALECTS = ("postgresql", "sqlite")
"""Targets that hold foreign keys: PostgreSQL adds them after loading, SQLite declares them with
the table. DuckDB cannot add one to a loaded table."""


def _with_creatable_foreign_keys(
    plans: list[TablePlan], config: MigrationConfig, dialect: str, dst: Endpoint | None = None
) -> list[TablePlan]:
    """Each created table keeps the foreign keys the run can create: to a table of this run,
    or one the target holds already (replacing one table of several), on its primary key or
    a unique index (what a target that declares them with the table, SQLite, writes into its
    CREATE TABLE). Tables that exist keep their own."""
    by_name = {p.target.name: p for p in plans}  # a key's parent as the target names it
    wanted = config.keys and config.foreign_keys and dialect in FOREIGN_KEY_DIALECTS

    in_target: dict[str, Table | None] = {}  # each parent the target holds, described once

    def creatable(fk: ForeignKey) -> bool:
        parent = by_name.get(fk.ref_table)
        if parent is not None:
            return is_unique(parent.target, fk.ref_columns)
        if dst is None or fk.ref_schema is not None:
            return False
        if fk.ref_table not in in_target:
            in_target[fk.ref_table] = _in_target(dst, fk.ref_table)
        held = in_target[fk.ref_table]
        return held is not None and is_unique(held, fk.ref_columns)

    return [
        replace(
            p,
            target=replace(
                p.target,
                foreign_keys=tuple(fk for fk in p.target.foreign_keys if wanted and creatable(fk))
                if p.action in ("create", "replace")
                else (),
            ),
        )
        for p in plans
    ]


def _foreign_keys_never_created(
    plan: TablePlan, config: MigrationConfig, dialect: str
) -> list[str]:
    """The foreign keys of a created table that a target without them (DuckDB) will not get,
    as the run's report names them: the plan must not leave them out silently."""
    wanted = config.keys and config.foreign_keys and plan.action in ("create", "replace")
    if not wanted or dialect in FOREIGN_KEY_DIALECTS:
        return []
    return [
        f"{foreign_key_for_target(fk, config.target_names).label} not created: {dialect} "
        "cannot add foreign keys to loaded tables"
        for fk in plan.source.foreign_keys
    ]


def _foreign_keys_checked_after(plan: TablePlan, src: Source, dialect: str) -> list[str]:
    """A SQLite source does not hold its rows to its foreign keys (``PRAGMA foreign_keys`` is
    off unless an application turns it on): a PostgreSQL target checks each key once the rows
    are in, and one they break is not built. A small file's rows are checked now."""
    keys = [fk for fk in plan.target.foreign_keys if fk.valid]
    if src.dialect != "sqlite" or dialect != "postgresql" or not keys:
        return []
    breaks = getattr(src, "foreign_key_breaks", None)
    counted = breaks(plan.source.name) if breaks is not None else None
    if counted is None:
        return [checked_after_note(fk.label) for fk in keys]
    # Rows the source holds now (a key unbroken is built as planned): named before the load.
    return [
        f"{fk.label}: {_rows_break(counted[fk.columns])} it (PRAGMA foreign_key_check): it "
        "will not be built (exit 1); fix them in the source, or leave the keys out with "
        "--no-foreign-keys"
        for fk in keys
        if counted.get(fk.columns)
    ]


def checked_after_note(label: str) -> str:
    """The plan's note of a foreign key checked only once the rows are in: what would happen
    then, which the run's report drops once it has checked the key (built, or not built)."""
    return (
        f"{label}: checked once the rows are in (SQLite does not hold its rows to it); "
        "if rows break it, it is not built (exit 1)"
    )


def _rows_break(count: int) -> str:
    return "1 row of the source breaks" if count == 1 else f"{count:,} rows of the source break"


def is_unique(table: Table, columns: tuple[str, ...]) -> bool:
    """Whether the target will have a primary key or unique index on exactly these columns."""
    wanted = set(columns)
    if table.primary_key and set(table.primary_key) == wanted:
        return True
    return any(i.unique and set(i.columns) == wanted for i in table.indexes)


def _read_type(
    col: Column, cast_to: pa.DataType | None, source_dialect: str, forced: str
) -> pa.DataType:
    """The Arrow type a cast column is read as: a PostgreSQL interval or timestamp cast to
    text is read as text by the server (in the form arrowmig writes them), since Arrow's
    intervals stop at 2,562,047 hours and its timestamps at 294247 AD, and PostgreSQL's do not;
    so is a DuckDB interval, whose time part goes as far as PostgreSQL's, cast to text or to
    ``interval`` (which the target converts back from that text: an INTERVAL again, exact)."""
    duckdb_interval = source_dialect == "duckdb" and col.source_type == "INTERVAL"
    if duckdb_interval and forced.strip().lower() == "interval":
        return pa.string()
    if cast_to is None or not is_text_type(cast_to):
        return col.arrow_type
    if is_pg_interval(col.source_type):
        return pa.string()
    if source_dialect == "postgresql" and is_pg_timestamp(col.source_type):
        return pa.string()
    if source_dialect == "duckdb" and col.source_type == "INTERVAL":
        return pa.string()  # DuckDB's too: read as its text (endpoints.duckdb_intervals)
    return col.arrow_type


def _array_as_text(col: Column, forced: str, source_dialect: str) -> bool:
    """Whether a cast makes a PostgreSQL array the server's text of it (``{1,2}``), read as
    ``::text`` (``endpoints.pg_values.read_expression``), rather than its JSON."""
    return source_dialect == "postgresql" and col.source_type.endswith("]") and is_text_cast(forced)


def _apply_casts(
    table: Table, casts: dict[tuple[str, str], str], source_dialect: str, target_dialect: str
) -> Table:
    columns = []
    for col in table.columns:
        forced = casts.get((table.name, col.name))
        if forced:
            _refuse_unitless_epochs(table.name, col, forced)
            _refuse_counts_of_non_numbers(table.name, col, forced)
            # A note that suggested a --cast of this column is answered now: not shown again.
            kept = tuple(n for n in col.notes if not advises_cast(n, table.name, col.name))
            note = f"cast to {forced} by --cast"
            if _array_as_text(col, forced, source_dialect):
                # The array's text replaces its JSON: the note that promised JSON is not true.
                kept = tuple(n for n in kept if not n.startswith("array "))
                note += " (PostgreSQL's array text, '{1,2}', not JSON)"
            instant = forced_arrow_type(forced, col.arrow_type)
            if is_text_type(col.arrow_type) and getattr(instant, "tz", None):
                note += " (text without a time zone is taken as UTC)"
            if forced.strip().lower() == JULIAN_CAST and not is_text_type(col.arrow_type):
                note += " (each day to the millisecond, as SQLite's datetime() reads it)"
            elif pa.types.is_floating(col.arrow_type) and forced.strip().lower() in EPOCH_UNITS:
                note += " (each real to the nearest microsecond, the finest a timestamp holds)"
            if (
                forced.strip().lower() == "jsonb"
                and target_dialect == "postgresql"
                and is_text_type(col.arrow_type)
                and col.source_type != "jsonb"
            ):
                note += (
                    f" (jsonb reorders keys and respaces each document; {REPEATED_KEYS_REFUSED})"
                )
            rounding = rounding_words(forced, target_dialect)
            if rounding:  # the target rounds as asked (SQLite does not): said beforehand
                note += f" ({rounding})"
            col = replace(
                col,
                arrow_type=_read_type(col, instant, source_dialect, forced),
                target_type=forced,
                pg_type=None,
                duckdb_type=None,
                pg_enum=None,
                pg_domain=None,
                notes=(*kept, note),
            )
        columns.append(col)
    known = [c.name for c in table.columns]
    for (t, c), type_name in casts.items():
        if t == table.name and c not in known:
            raise cast_column_missing(t, c, type_name, known)
    # Named as not carried, as every setting the target does not get.
    definitions = of_the_source_type(table.pg_definitions, {c for t, c in casts if t == table.name})
    return replace(table, columns=tuple(columns), pg_definitions=definitions)


def _refuse_types_the_target_cannot_hold(table: Table, dialect: str) -> None:
    """Every column's type is worked out now, so that one the target cannot create is refused
    at planning, naming its table, before any table of the run is created."""
    for col in table.columns:
        try:
            ddl_type(col, dialect)
        except SchemaError as exc:
            raise SchemaError(
                f"table {table.name!r}: {exc.message}",
                hint=exc.hint
                or f"leave the table out with --exclude {shlex.quote(written(table.name))}, or "
                f"{cast_option(table.name, col.name, 'text')}",
                table=table.name,
            ) from exc


def _refuse_casts_the_target_cannot_take(
    table: Table, dst: Endpoint | None, dialect: str, cast: Collection[str]
) -> None:
    """A --cast to a type the target does not know (``foobar``, ``varchar(abc)``), or that
    the column's values cannot be converted to there, is refused before anything is written,
    as the target itself answers (SQLite takes any declared type). A type the source chose
    (``cast``: the columns the user cast) is refused as its declaration's, never as a cast
    the user did not give."""
    for col in table.columns:
        if not col.target_type:
            continue
        type_sql = ddl_type(col, dialect)
        # Converted client-side, each value checked: the values arrive as that type already.
        client_side = forced_arrow_type(col.target_type, col.arrow_type) is not None
        arriving = (
            None if client_side else ddl_type(Column(col.name, wire_type(col, dialect)), dialect)
        )
        refusal = _type_refusal(dst, dialect, type_sql, arriving)
        if refusal is None and client_side:
            try:
                cast_as_asked(pa.array([], col.arrow_type), col)
            except pa.ArrowNotImplementedError:
                refusal = f"{type_words(col.arrow_type)} values do not convert to {col.target_type}"
            except pa.ArrowInvalid:
                pass  # a value's own problem: none here, each is checked as it travels
        if refusal is not None and col.name not in cast:
            raise SchemaError(
                f"table {table.name!r}, column {col.name!r}: declared "
                f"{col.source_type or type_words(col.arrow_type)}, which arrowmig would create "
                f"as {type_sql}: {refusal}",
                hint=f"{cast_option(table.name, col.name, 'text')} keeps its values as text, or "
                f"leave the table out with --exclude {shlex.quote(written(table.name))}",
                table=table.name,
            )
        if refusal is not None:
            raise cast_refused(
                cast_given(table.name, col.name, col.target_type),
                col.target_type,
                refusal,
                DIALECT_NAMES.get(dialect, dialect),
                str(col.source_type or col.arrow_type),
            )


_SQLITE_TYPE_NAME = re.compile(r'[A-Za-z_"][A-Za-z0-9_ "]*(\(\s*[+-]?\d+(\s*,\s*[+-]?\d+)?\s*\))?')
"""A declared type SQLite reads as one: words, and a size (``VARCHAR(10)``, ``NUMERIC(10,2)``)."""


def _cast_enums(source: Table, dst: Endpoint) -> dict[str, tuple[str, tuple[str, ...]]]:
    """The text columns cast to an enum the PostgreSQL target has (``--cast t.m=mood``), each
    to the enum's name and labels: the server converts their texts."""
    enum_of = getattr(dst, "enum_of", None)
    if enum_of is None:
        return {}
    enums = {}
    for col in source.columns:
        to_server = col.target_type and forced_arrow_type(col.target_type, col.arrow_type) is None
        if to_server and is_text_type(col.arrow_type):
            enum = enum_of(ddl_type(col, "postgresql"))
            if enum is not None:
                enums[col.name] = enum
    return enums


def _type_refusal(
    dst: Endpoint | None, dialect: str, type_sql: str, arriving: str | None
) -> str | None:
    """The target's reason to refuse a column type (``type_refusal``), or None."""
    if dialect == "sqlite":
        # SQLite takes any declared type, but only a name (and its size) is one: anything
        # else would be written into CREATE TABLE as it is ('text, evil integer').
        return None if _SQLITE_TYPE_NAME.fullmatch(type_sql.strip()) else "not a type name"
    ask = getattr(dst, "type_refusal", None)
    if ask is not None:
        refusal: str | None = ask(type_sql, arriving)
        return refusal
    if dialect == "duckdb" and dst is None:  # a DuckDB file not made yet: DuckDB in memory
        from arrowmig.endpoints.duckdb import type_refusal

        return type_refusal(None, type_sql, arriving)
    return None


def _refuse_unitless_epochs(table: str, column: Column, forced: str) -> None:
    """Integers cast to a date or timestamp would be read as microseconds (or days) without a
    word: 1700000000000, Prisma's milliseconds, would land in January 1970."""
    target = forced_arrow_type(forced)
    wanted = forced.strip().lower()
    if (
        pa.types.is_integer(column.arrow_type)
        and target is not None
        and (pa.types.is_timestamp(target) or pa.types.is_date(target))
        and wanted not in EPOCH_UNITS
    ):
        raise UsageError(
            f"{cast_given(table, column.name, forced)}: the column holds integers, and their "
            "unit is not guessed at",
            hint=f"say it: {cast_given(table, column.name, 'epoch_ms')} (milliseconds since "
            "1970-01-01 UTC, as Prisma stores dates), epoch_s or epoch_us",
        )


def _refuse_counts_of_non_numbers(table: str, column: Column, forced: str) -> None:
    """An epoch or julian cast counts units of time: of a column that is not numbers (text,
    dates, timestamps) it is refused at planning, as the README says, not left to fail on
    each row (the text '2460310.5' is no number to it) after the plan accepted it."""
    wanted = forced.strip().lower()
    counted = column.arrow_type
    numbers = pa.types.is_integer(counted) or pa.types.is_floating(counted)
    if wanted not in EPOCH_UNITS or numbers or pa.types.is_null(counted):
        return
    given = cast_given(table, column.name, forced)
    hint = f"{wanted} reads numbers only: leave the cast out"
    if is_text_type(counted):
        hint += f", or {cast_given(table, column.name, 'timestamptz')} for timestamp text"
    # A type presumed from the declaration (``Column.proof``) is no proof yet of the values:
    # they are named by the declaration, as the plan of a mixed DATETIME may call them text.
    values = column.source_type.lower() if column.proof is not None else type_words(counted)
    raise UsageError(f"{given}: {values} values do not convert to {wanted}", hint=hint)


def _append_target(
    source: Table,
    existing: Table,
    omittable: set[str],
    *,
    cast_columns: set[str],
    mode: str,
    copied_by_sqlite: bool = False,
) -> tuple[Table, list[str]]:
    """The target shape when writing into an existing table (its column order and types), and
    a note for each conversion that takes something as given. A target column the source
    lacks is left to the target (NULL, its default, its identity) when it may be; a source
    column the target lacks has nowhere to go. A SQLite table that is not STRICT takes every
    value as it comes (written as a created table's would be), whatever the declared type."""
    source_names = [c.name for c in source.columns]
    target_names = [c.name for c in existing.columns]
    only_src = [n for n in source_names if n not in target_names]
    required = [n for n in target_names if n not in source_names and n not in omittable]
    others = []
    if only_src or required:
        # Both at once: the second told only once the first was fixed took another run.
        lacking = [f"columns only in the source: {', '.join(only_src)}"] if only_src else []
        if required:
            lacking.append(
                "target columns NOT NULL without a default, which the source lacks: "
                f"{', '.join(required)}"
            )
        others.append(
            SchemaError(
                f"{cannot_load(source.name, mode)}: {', and '.join(lacking)}",
                hint="make the columns match, or use --mode replace to recreate the table",
                table=source.name,
            )
        )
    columns, notes, conflicts = [], [], []
    mixed: list[tuple[str, str]] = []
    for there in existing.columns:
        if there.name not in source_names:
            continue  # the target fills it in
        src = source.column(there.name)
        if (
            existing.takes_any_value
            and not copied_by_sqlite
            and src.name not in cast_columns
            and classes_lost_in(src, there.source_type)
        ):
            # --on-error reject, another column's --cast or another declaration: the Arrow
            # path carries one type, and no affinity of this column gives back the classes.
            mixed.append((src.name, there.source_type))
            continue
        if existing.takes_any_value:
            # Its declared type still gives an affinity, which screening needs to know: a
            # numeric one turns text that spells an integer past 64 bits into a rounded REAL.
            columns.append(replace(src, sqlite_type=there.source_type))
            continue
        if there.sqlite_type == "ANY" and (copied_by_sqlite or not classes_mixed(src)):
            # A STRICT table's ANY column: every value is stored as it arrives, with no
            # affinity: SQLite's own copy keeps its class, and so does Arrow's of one class.
            columns.append(replace(src, sqlite_type=None))
            continue
        if there.sqlite_type == "ANY":
            # No --cast keeps them: text would fail the blobs and turn the numbers into text.
            mixed.append((src.name, "ANY"))
            continue
        # A --cast converted client-side ('t'/'f' text to boolean) is what arrives.
        arriving = travelling_type(src)
        zone = _zone_note(arriving, there.arrow_type, src.arrow_type)
        if zone:
            notes.append(f"{src.name}: {zone}")
        # Interval and time text (as arrowmig writes it to SQLite, or PostgreSQL's own
        # output) stays text, which the target converts to the column's type, as a uuid's.
        read_by_target = _read_by_target(arriving, there)
        no_uuid = _never_a_uuid(arriving, there)
        # A list into a PostgreSQL array of numbers or dates: its elements converted here,
        # each checked, where the server's reading of their text would round them unsaid.
        wanted = pg_list_type(arriving, there) or there.arrow_type
        if no_uuid or (
            not read_by_target
            and not conforms(arriving, wanted)
            and not _counted_days(src.target_type, there.arrow_type)
            and not (numbers_as_text(src, arriving) and pa.types.is_integer(there.arrow_type))
            # A list, struct or map goes into text (jsonb, json, TEXT, DuckDB's JSON) as the
            # JSON it is written as when arrowmig creates the column.
            and not (nested_json.is_nested(arriving) and is_text_type(there.arrow_type))
        ):
            wanted = there.source_type or type_words(there.arrow_type)
            what = (
                f"{cast_option(source.name, src.name, str(src.target_type))} does not convert its "
                f"{_as_given(src, src.arrow_type)} values to the target's {wanted}"
                if src.name in cast_columns
                else f"column {there.name!r} is {_as_given(src, arriving)} in the source but "
                f"{wanted} in the target"
            )
            cast = None if no_uuid else _append_cast(source.name, src, there)
            advice = CAST_ADVICE.get(cast or "") or None
            if advice and cast and _counted_days(cast, there.arrow_type):
                advice += f"; {_dates_of_instants(cast)}"
            conflicts.append(ColumnConflict(source.name, src.name, what, cast, advice))
            continue
        asked = _server_cast_asked(src) if src.name in cast_columns else None
        if asked and _array_literal_text(src, arriving, there):
            # The server reads the text as the cast's type, in its own form ('{1,2}' for
            # integer[]), as into a column arrowmig creates with that cast: not as the JSON a
            # source's array travels as, which failed each row with the server's JSON error.
            columns.append(replace(src, pg_type=None, target_type=asked))
            continue
        # Written as the target's column: its type, and how its values travel (a uuid or
        # jsonb column takes text the server converts, whatever the source's type was).
        columns.append(
            replace(
                src,
                arrow_type=arriving if read_by_target else wanted,
                # The type the target reads the text as, as a --cast to it would have it
                # read (a time column's, which names none of its own).
                target_type=there.target_type or (there.source_type if read_by_target else None),
                # The source's own type plan (a SQLite JSON column's json) does not come
                # between: json cast on its way into a jsonb column, or jsonb into json,
                # would show the wrong type, and the second would reorder its keys.
                pg_type=there.pg_type
                or (_server_cast_asked(src) if src.name in cast_columns else None)
                or _enum_type(there),
                pg_binary=there.pg_binary and not read_by_target,
                # A DuckDB column's own type where Arrow's says less (TIMESTAMP_S, read as
                # microseconds): what screening holds the values to.
                duckdb_type=there.duckdb_type,
                pg_domain=None,
                pg_enum=None,
                nested_text=nested_json.is_nested(arriving) and is_text_type(wanted),
                # A money column's text rounds past these, unless it is money's own already.
                money_digits=None if src.pg_type == "money" else there.money_digits,
            )
        )
    if mixed:
        others.append(_mixed_into_any(source.name, mixed, mode))
    if conflicts or others:
        raise one_refusal([AppendRefused(conflicts, others, mode)])
    return replace(source, columns=tuple(columns)), notes


def _load_trigger_notes(dst: Endpoint, name: str, mode: str) -> list[str]:
    """A note naming the existing table's triggers that loading sets off (none in DuckDB)."""
    load_triggers = getattr(dst, "load_triggers", None)
    triggers = load_triggers(name, mode) if load_triggers is not None else []
    return [trigger_note(triggers, dst.dialect)] if triggers else []


def _mixed_into_any(table: str, columns: list[tuple[str, str]], mode: str) -> SchemaError:
    """The refusal of columns of several storage classes bound for a STRICT table's ANY
    column (or a column whose affinity would not give them back) by the Arrow path, which
    would carry each column's values as one type (1 as bytes). ``columns``: each name and
    the target column's declared type."""
    held = [declared.strip() or "untyped" for _, declared in columns]
    if len(columns) == 1:
        which = f"column {columns[0][0]!r} holds"
        where = f"the target's {held[0]} column"
    else:
        named = ", ".join(f"{name!r} ({h})" for (name, _), h in zip(columns, held, strict=True))
        which, where = f"columns {named} hold", "the target's columns"
    return SchemaError(
        f"{cannot_load(table, mode)}: {which} values of several storage classes, which only "
        f"SQLite's own copy keeps in {where}; it copies a table whose every column is "
        "declared as in the source, without --cast or --on-error reject",
        hint="run without --cast and --on-error reject for this table, or declare the target's "
        "columns as the source's",
        table=table,
    )


def _check_write(dst: Endpoint, target: Table, mode: str) -> None:
    """Ask the target whether it can take rows into the existing table as they will be
    written (PostgreSQL plans its statement): a refusal there would come after --mode
    truncate emptied the table, so it is refused now."""
    check_write = getattr(dst, "check_write", None)
    if check_write is None:
        return
    try:
        check_write(target)
    except TransferError as exc:
        raise SchemaError(
            f"cannot load {target.name!r} (--mode {mode}): {exc.message}; nothing has been "
            "emptied or written",
            hint="--cast the column to the target column's type, which the server then "
            "converts its text to, or use --mode replace",
            table=target.name,
        ) from exc


def _enum_type(there: Column) -> str | None:
    """A PostgreSQL enum column's type, as the target's catalog names it: its text values are
    cast to it on the server (COPY reads an enum from text, but INSERT ... SELECT of a text,
    the way a batch with any server-converted column goes in, takes no implicit cast)."""
    if there.pg_enum is None:
        return None
    return there.source_type


def _array_literal_text(src: Column, arriving: pa.DataType, there: Column) -> bool:
    """Whether text that is no PostgreSQL source's array (carried as JSON) goes into an
    existing PostgreSQL array column."""
    return (
        is_text_type(arriving)
        and not src.source_type.strip().endswith("]")
        and (there.pg_type or "").strip().endswith("]")
    )


def _server_cast_asked(src: Column) -> str | None:
    """The type a ``--cast`` asks the server to convert the column's values to (its text,
    to a domain over an enum, to a type of an extension), cast there as they go in; the
    existing column takes that type as it takes any assignment."""
    asked = src.target_type
    if not server_converts(asked) or forced_arrow_type(asked, src.arrow_type) is not None:
        return None
    return asked


def _without_computed(source: Table, computed: set[str]) -> tuple[Table, list[str]]:
    """The source table without the columns an existing target table generates itself, which
    no write may give a value (PostgreSQL's COPY refuses the whole table; pg_dump leaves them
    out of its COPY too), and a note for each. They are not read either: the target computes
    them from the row, and verify compares them as the target holds them."""
    ours = {c.name for c in source.columns}
    notes = [
        f"{name}: computed by the target (a generated column of the existing table)"
        + (": the source's values are not written" if name in ours else "")
        for name in sorted(computed)
    ]
    return _without_columns(source, computed), notes


def _without_columns(table: Table, names: set[str]) -> Table:
    """``table`` without the columns ``names``; a split key among them is given up (the
    table is then read as one stream)."""
    if not names & {c.name for c in table.columns}:
        return table
    columns = tuple(c for c in table.columns if c.name not in names)
    split_key = None if table.split_key in names else table.split_key
    return replace(table, columns=columns, split_key=split_key)


def _as_given(src: Column, arriving: pa.DataType) -> str:
    """A source column's type as the user knows it: the declared type where it is the truth
    (PostgreSQL, DuckDB), or what the values are (SQLite's profiled columns)."""
    if src.source_type and not src.observed:
        return src.source_type
    return type_words(arriving)


CAST_ADVICE = {
    "interval": "integers read as microseconds, as Django's DurationField stores them",
    "epoch_ms": "integers read as milliseconds since 1970-01-01 UTC; or epoch_s, epoch_us",
    "epoch_s": "numbers read as seconds since 1970-01-01 UTC, as time.time() gives them; or "
    "epoch_ms, epoch_us",
    CORE_DATA_EPOCH: "numbers read as seconds since 2001-01-01 UTC, as Core Data stores dates",
    JULIAN_CAST: "numbers read as julian days, as SQLite's julianday() gives them",
    "date": "a value with a time of day other than midnight is a bad value of its row",
    "boolean": "0/1, true/false, t/f, yes/no, on/off; any other value is a bad value of its row",
    UUID_CAST: "16-byte values as their UUID; another length is a bad value of its row",
}
"""What a suggested --cast does, where its name alone does not say."""

_CASTS_TO_SUGGEST = (
    *CAST_ADVICE,
    "bigint",
    "double precision",
    "timestamp",
    "timestamptz",
    "text",  # after the types: a timestamp as text is no date text
    "bytea",
)


def _read_by_target(arriving: pa.DataType, there: Column) -> bool:
    """Whether text goes into an existing time or interval column (PostgreSQL's or DuckDB's)
    as text, for the target to read as the column's type, as a created column --cast to it
    reads it: no Arrow cast reads time or interval text. Each value is screened first
    (``validate``: one the target cannot read, a date a time would drop, a part finer than a
    microsecond)."""
    converted = pa.types.is_time(there.arrow_type) or pa.types.is_interval(there.arrow_type)
    return is_text_type(arriving) and (converted or is_pg_interval(there.source_type))


def _never_a_uuid(arriving: pa.DataType, there: Column) -> bool:
    """Whether values of this type can never be a uuid column's: the server reads a uuid
    from text or 16 bytes, never from a number, a truth value or a time (every row of them
    would fail, and no --cast converts them)."""
    kinds = (pa.types.is_integer, pa.types.is_floating, pa.types.is_decimal, pa.types.is_boolean)
    temporal = pa.types.is_temporal(arriving)
    return (there.source_type or "").lower() == UUID_CAST and (
        temporal or any(kind(arriving) for kind in kinds)
    )


def _append_cast(table: str, src: Column, there: Column) -> str | None:
    """The --cast type that converts a column's values into the target column's type, only
    where one exists (None: none does)."""
    wanted = there.arrow_type
    declared = there.source_type
    numbers = pa.types.is_integer(src.arrow_type) or pa.types.is_floating(src.arrow_type)
    numbers = numbers or pa.types.is_decimal(src.arrow_type) or numbers_as_text(src, src.arrow_type)
    # The cast to the target's own type first: text bound for an integer column is numbers
    # more often than truth values (its 'true' and 'false' words are what =boolean takes).
    # An integer column's own type leads (integer, smallint: =boolean gave them 0/1 only);
    # a real column's for text alone, read as the server reads it ('0.14285715', a float4's
    # own text, is no double a float4 holds exactly, and =bigint refused its fraction), not
    # for numbers (an unbounded numeric's text too): real would round each as asked, where
    # double precision checks it.
    into_real = pa.types.is_floating(wanted) and is_text_type(src.arrow_type) and not numbers
    own = (type_words(wanted),) if pa.types.is_integer(wanted) or into_real else ()
    # Numbers bound for a timestamp count from an epoch: seconds for reals (time.time()),
    # from 2001 in a Core Data table, days from -4713 where the profile found julian days;
    # integers' milliseconds (Prisma) lead otherwise.
    counted = pa.types.is_integer(src.arrow_type) or pa.types.is_floating(src.arrow_type)
    if counted and src.julian_range:
        own = (*own, JULIAN_CAST)
    elif counted and core_data_shaped(table, src.name):
        own = (*own, CORE_DATA_EPOCH)
    elif pa.types.is_floating(src.arrow_type):
        own = (*own, "epoch_s")
    candidates = dict.fromkeys((*own, *_CASTS_TO_SUGGEST))
    exact = [n for n in candidates if forced_arrow_type(n, src.arrow_type) == wanted]
    for name in [*exact, *(n for n in candidates if n not in exact)]:
        forced = forced_arrow_type(name, src.arrow_type)
        if forced is None or forced == src.arrow_type:
            continue
        if not (conforms(forced, wanted) or _counted_days(name, wanted)):
            continue
        if name == UUID_CAST and declared.lower() != UUID_CAST:
            continue  # bytes as UUID text only where the column is a uuid
        if (numbers and name == "bytea") or (name == "boolean" and not pa.types.is_boolean(wanted)):
            continue  # numbers are no bytes; a truth value's 0/1 is no number the target wants
        if pa.types.is_integer(src.arrow_type) and name in ("date", "timestamp", "timestamptz"):
            continue  # refused: the unit of integers is not guessed at (epoch_ms names it)
        if name in EPOCH_UNITS and not counted:
            continue  # counts numbers: a date is no count of milliseconds
        if (numbers or is_text_type(src.arrow_type)) and _drops_fractions(src, forced, wanted):
            continue  # numeric 1.5 (or text '1.5') cast to bigint into a real column: refused
        try:
            cast_as_asked(pa.array([], src.arrow_type), replace(src, target_type=name))
        except pa.ArrowNotImplementedError:
            continue  # no such conversion (a double to a date): --cast would be refused
        except pa.ArrowInvalid:
            pass  # a value's own problem (of none here): each is checked as it travels
        return str(name)
    return None


def _dates_of_instants(cast: str) -> str:
    """What becomes of a count cast's instants in a date column (``_counted_days``)."""
    example = " (julianday('2024-01-01') is 2460310.5)" if cast == JULIAN_CAST else ""
    return f"into a date, each only where it is a midnight UTC{example}: another is a bad value"


def _counted_days(cast: str | None, wanted: pa.DataType) -> bool:
    """Whether an epoch or julian cast's instants go into a date column: each as its UTC
    date, only where it is that date's midnight (julianday('2024-01-01') is 2460310.5;
    2460311 is its noon, a bad value of its row, as a time of day a date would drop)."""
    return (cast or "").strip().lower() in EPOCH_UNITS and pa.types.is_date32(wanted)


def _drops_fractions(src: Column, forced: pa.DataType, wanted: pa.DataType) -> bool:
    """Whether a cast to integers would stand between numbers (or text) that may have a
    fraction and a column that keeps one: each 1.5 would be refused by a cast the target does
    not need."""
    if not pa.types.is_integer(forced) or pa.types.is_integer(wanted):
        return False
    return not (pa.types.is_integer(src.arrow_type) or pa.types.is_boolean(src.arrow_type))


REPEATED_KEYS_REFUSED = (
    "a document that repeats a key in one object is refused (jsonb would keep only its last value)"
)
JSONB_NOTE = (
    "appended into a jsonb column, which reorders keys and respaces each document: the "
    f"source's text is not kept; {REPEATED_KEYS_REFUSED}"
)


def _without_created_type_notes(source: Table) -> Table:
    """The source less its columns' notes on the type a created column would get (what a
    domain becomes, the type a SQLite profile chose: "declared DECIMAL(10,2) but holds reals
    ...: a 64-bit float"): appended to, the table is there, each column with its own type."""
    columns = tuple(
        replace(
            c, notes=tuple(n for n in c.notes if not (is_domain_note(n) or is_type_choice_note(n)))
        )
        for c in source.columns
    )
    return replace(source, columns=columns)


def _with_jsonb_notes(
    source: Table, existing: Table, source_dialect: str, target_dialect: str
) -> Table:
    """The source with a note on each column bound for an existing PostgreSQL jsonb column
    whose values are not jsonb's already: the target stores each document its own way."""
    if target_dialect != "postgresql":
        return source
    jsonb = {c.name for c in existing.columns if c.source_type == "jsonb"}
    already = source_dialect == "postgresql"
    columns = tuple(
        replace(c, notes=(*c.notes, JSONB_NOTE))
        # A list, struct or map is no document of the source's own: jsonb's form is the one
        # it takes when arrowmig creates the column too.
        if c.name in jsonb
        and not (already and c.source_type == "jsonb")
        and not nested_json.is_nested(c.arrow_type)
        else c
        for c in source.columns
    )
    return replace(source, columns=columns)


RAGGED_NOTE = (
    "a list of lists goes into the PostgreSQL array only where its lists all have one length "
    "and none is empty or NULL (its arrays are rectangular): any other is refused, named"
)


def _with_ragged_notes(source: Table, existing: Table, target_dialect: str) -> Table:
    """The source with a note on each DuckDB list of lists bound for an existing PostgreSQL
    array column, which holds only rectangular ones: the run refuses the others, and the plan
    said nothing of it before."""
    if target_dialect != "postgresql":
        return source
    arrays = {c.name for c in existing.columns if c.source_type.endswith("]")}
    columns = tuple(
        replace(c, notes=(*c.notes, RAGGED_NOTE))
        if c.name in arrays and re.search(r"\[\]\s*\[\]$", c.source_type)
        else c
        for c in source.columns
    )
    return replace(source, columns=columns)


def _with_text_number_notes(source: Table, target: Table, dialect: str) -> tuple[Table, list[str]]:
    """The source with a note on each column of numbers the created SQLite or DuckDB table
    keeps as text, and those notes as the report gives them."""
    kept = {c.name for c in target.columns if is_number_kept_as_text(c, dialect)}
    if not kept:
        return source, []
    note = {name: text_number_note(source.name, source.column(name), dialect) for name in kept}
    columns = tuple(
        replace(c, notes=(*c.notes, note[c.name])) if c.name in kept else c for c in source.columns
    )
    said = [f"{c.name}: {note[c.name]}" for c in source.columns if c.name in kept]
    return replace(source, columns=columns), said


def _zone_note(source: pa.DataType, target: pa.DataType, read: pa.DataType) -> str | None:
    """What appending timestamps into a column of the other kind (with or without a time
    zone) takes as given: the same instant needs a zone the naive side does not have.
    ``read``: the source's own type (numbers cast to text are no timestamp texts)."""
    if pa.types.is_string(source) and pa.types.is_timestamp(target) and target.tz is not None:
        if not pa.types.is_string(read) and not pa.types.is_large_string(read):
            return (
                f"{type_words(read)} values cast to text appended into a column with a time "
                "zone: each must read as a timestamp (numbers counted from an epoch need "
                "--cast epoch_s, epoch_ms or epoch_2001_s)"
            )
        return (
            "timestamp texts appended into a column with a time zone: with their offset, or "
            "taken as UTC without one"
        )
    if not (pa.types.is_timestamp(source) and pa.types.is_timestamp(target)):
        return None
    if source.tz is None and target.tz is not None:
        return (
            "timestamps without a time zone appended into a column with one: taken as UTC "
            "(as Django stores them in SQLite when USE_TZ is on)"
        )
    if source.tz is not None and target.tz is None:
        return "timestamps with a time zone appended into a column without one: as UTC times"
    return None


SPLIT_BYTES = 128 * 1024 * 1024
"""About the most Arrow bytes one stream reads when the source can tell its rows' width: a
table of few but wide rows (300 columns, 200,000 rows: 560 MiB) is split like a long one, so
every worker streams it."""
SPLIT_BYTES_MIN_ROWS = 10_000
"""Fewer rows than this are never split by bytes: the width is not sampled for them (a query
per table, which a run of thousands of small tables would pay), and rows that wide (13 KiB and
more) hold large texts or blobs, whose streams in parallel would hold more memory each."""


def stream_counts(plans: list[TablePlan], src: Source, config: MigrationConfig) -> dict[str, int]:
    """How many streams each table of a run is read in: at least ``streams_needed``, and
    more where that keeps ``config.parallel`` workers busy to the end (``fit_to_workers``)."""
    needed = [streams_needed(p, src, config.split_rows) for p in plans]
    sized = [(p.source.row_count or 0, n) for p, n in zip(plans, needed, strict=True)]
    counts = fit_to_workers(sized, config.parallel)
    return {p.source.name: n for p, n in zip(plans, counts, strict=True)}


def streams_needed(plan: TablePlan, src: Source, split_rows: int) -> int:
    """The fewest streams ``plan``'s table is read in: one per ``split_rows`` rows, or per
    ``SPLIT_BYTES`` where the source (SQLite) samples its rows' width and they are wide; one
    for a table without a split key or a row count."""
    rows = plan.source.row_count
    if rows is None or plan.source.split_key is None:
        return 1
    row_bytes = getattr(src, "average_row_bytes", None)
    if row_bytes is not None and rows >= SPLIT_BYTES_MIN_ROWS:
        split_rows = min(split_rows, max(1, SPLIT_BYTES // max(1, row_bytes(plan.source))))
    return max(1, -(-rows // split_rows))


def source_streams(plan: TablePlan, src: Source, count: int) -> list[Stream]:
    """``plan``'s table as ``count`` key ranges of the source's keys (``stream_counts``)."""
    if count < 2:
        return plan_streams(plan, None, 1)  # whole: its key range is not needed
    return plan_streams(plan, src.key_bounds(plan.source), count)


def split_note(plan: TablePlan, src: Source, config: MigrationConfig) -> str | None:
    """Why a table is read in more streams than ``--split-rows`` asks, for the plan."""
    needed = streams_needed(plan, src, config.split_rows)
    if len(plan.streams) <= needed:
        return None
    return (
        f"read in {len(plan.streams)} streams rather than {needed}, so that the "
        f"{config.parallel} workers (--parallel) finish together"
    )


def plan_streams(plan: TablePlan, bounds: tuple[Any, Any] | None, count: int) -> list[Stream]:
    """Split a table into ``count`` key ranges of equal key-space widths (fewer when its keys
    are fewer)."""
    rows = plan.source.row_count
    if bounds is None or rows is None or count < 2 or plan.source.split_key is None:
        return [Stream(plan.source.name, None, 0, 1, rows)]
    lo, hi = int(bounds[0]), int(bounds[1])
    count = min(count, max(1, hi - lo + 1))
    width = (hi - lo + 1) / count
    edges = [lo - 1 + round(width * i) for i in range(count + 1)]
    edges[-1] = hi
    streams = []
    for i in range(count):
        after: int | None = edges[i] if i > 0 else None
        upto: int | None = edges[i + 1] if i < count - 1 else None
        streams.append(Stream(plan.source.name, KeyRange(after, upto), i, count, rows // count))
    return streams

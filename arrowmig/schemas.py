"""Several schemas in one run (``--source-schema sales,person`` or ``'*'``): each schema's
tables are moved by a run of their own into the target schema of the same name, all read
from one snapshot of a PostgreSQL source (``migrate`` holds it, with every table locked); then the foreign keys between those schemas are
added, which no run of one schema can (its tables only see their own schema).
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from arrowmig.append_refusal import AppendRefused, one_refusal
from arrowmig.argument_words import arg, cast_given, given
from arrowmig.config import MigrationConfig
from arrowmig.endpoints import open_endpoint
from arrowmig.errors import ArrowmigError, SchemaError, UsageError
from arrowmig.events import Event, ProgressSink
from arrowmig.model import ForeignKey
from arrowmig.names import folded, name_parts, shown, split_names, written
from arrowmig.plan import MigrationPlan, extension_tables, partitions_of, table_exists_hint
from arrowmig.rejects import file_safe
from arrowmig.report import MigrationReport
from arrowmig.schema import qualified
from arrowmig.target_names import foreign_key_for_target, target_name
from arrowmig.unknown_tables import did_you_mean, per_name
from arrowmig.urls import parse_url

if TYPE_CHECKING:
    # verify_report loads DuckDB (for JSON); a plain `import arrowmig` must not.
    from arrowmig.verify_report import VerifyReport

ALL_SCHEMAS = "*"


def several_schemas(value: str | None) -> list[str] | None:
    """The schemas ``--source-schema`` names when it names more than one (a comma list, or
    ``*`` for every schema that holds tables); None for one schema or the default."""
    if value is None or (value != ALL_SCHEMAS and "," not in value):
        return None
    if value.strip() == ALL_SCHEMAS:
        return [ALL_SCHEMAS]
    # A schema holding a comma is written in double quotes: '"s,1"' is one schema.
    names = split_names(value)
    if len(names) == 1 and names[0]:
        return None
    if any(not name for name in names) or (ALL_SCHEMAS in names and len(names) > 1):
        raise UsageError(
            f"{given('source_schema', value)} names an empty schema",
            hint="give one schema, a comma list (sales,person) or '*' for every schema",
        )
    return list(dict.fromkeys(names))


def refuse_sqlite_schemas(
    source: str, target: str, source_schema: str | None, target_schema: str | None
) -> None:
    """A SQLite file has no schemas: a schema named for one was ignored, and the command
    read or wrote other tables than the user named, without a word."""
    for name, value, url, side in (
        ("source_schema", source_schema, source, "source"),
        ("target_schema", target_schema, target, "target"),
    ):
        if value is not None and parse_url(url).kind == "sqlite":
            raise UsageError(
                f"{given(name, value)}: the {side} is a SQLite file, which has no schemas",
                hint=f"leave {arg(name)} out",
            )


@dataclass(frozen=True)
class SchemaRun:
    """One schema's share of the run: the config of its own run, its tables named."""

    schema: str
    """The source's schema (``config.target_schema`` is its name in the target)."""
    config: MigrationConfig
    tables: tuple[str, ...] = ()
    """The tables it moves, by their own names (``config.tables`` writes them as --tables
    does, for the plan to read: a table named ``"q"`` or ``x.y`` is written in quotes)."""
    extension_tables_left: tuple[str, ...] = ()
    """Tables an extension made in the schema, not named (said in the report)."""
    views_left: tuple[str, ...] = ()
    """The schema's views, when --tables named nothing (said in the report as skipped; its
    own run is given its tables by name, and says nothing of views)."""


def schema_runs(source: str, target: str, config: MigrationConfig) -> list[SchemaRun]:
    """The runs, one per schema that has tables to move, checked before anything is written:
    the endpoints have schemas, every table named is found, and in create mode no target
    table exists yet."""
    named = several_schemas(config.source_schema)
    assert named is not None
    refuse_sqlite_schemas(source, target, config.source_schema, config.target_schema)
    if parse_url(target).kind == "sqlite":
        raise UsageError(
            f"{given('source_schema', config.source_schema)}: the target is a SQLite file, "
            "which has no schemas to put each in",
            hint=f"move one schema per run, with {given('source_schema', 'NAME', typed=True)}",
        )
    if config.target_schema is not None:
        raise UsageError(
            f"{arg('target_schema')} names one schema, but {arg('source_schema')} names several",
            hint=f"leave {arg('target_schema')} out: each schema lands in the target schema of "
            "its name",
        )
    tables, views, extensions = _tables_by_schema(source, named)
    present = {s: [*tables[s], *views[s]] for s in tables}
    # A partition moves as a table of its own only when --tables names it.
    nameable = _with_partitions(source, present) if config.tables else present
    wanted = _pick(config.tables, nameable, "--tables")
    left_out = _pick(config.exclude, present, "--exclude")
    runs = []
    moved: dict[str, list[str]] = {}
    for schema in tables:
        chosen = tables[schema] if config.tables is None else wanted.get(schema, [])
        chosen = [t for t in chosen if t not in left_out.get(schema, [])]
        if chosen:
            moved[schema] = chosen
    if not moved:
        raise SchemaError(f"no table to move in schemas {', '.join(tables)}")
    casts = _casts_by_schema(config.casts, moved)
    for schema, chosen in moved.items():
        one = replace(
            config,
            source_schema=schema,
            target_schema=target_name(schema, config.target_names),
            tables=tuple(written(t, dots=True) for t in chosen),
            exclude=(),
            casts=tuple(casts.get(schema, ())),
            # Each schema's runs its own: two schemas' tables of one name share no file.
            reject_dir=config.reject_dir and str(Path(config.reject_dir) / file_safe(schema)),
        )
        left = [t for t in extensions[schema] if t not in chosen]
        views_left = tuple(views[schema]) if config.tables is None else ()
        runs.append(SchemaRun(schema, one, tuple(chosen), tuple(left), views_left))
    _refuse_unreadable(source, runs)
    if config.mode == "create" and not config.resume:
        _refuse_existing(target, runs)
    return runs


def _casts_by_schema(
    casts: tuple[tuple[str, str, str], ...], moved: dict[str, list[str]]
) -> dict[str, list[tuple[str, str, str]]]:
    """Each schema's share of the casts, its table named as in a run of one schema: a cast of
    ``schema.table.column`` goes to that schema, of ``table.column`` to every schema whose run
    moves such a table. A cast that names no table of the run is refused."""
    by_schema: dict[str, list[tuple[str, str, str]]] = {}
    for table, column, type_name in casts:
        places = _places(table, moved)
        if not places:
            raise UsageError(
                f"{cast_given(table, column, type_name)} names table {table!r}, which is not "
                "part of this run",
                hint="cast only columns of the tables the run moves, as schema.table.column=TYPE "
                "or table.column=TYPE for that table in every schema, or add the table to the run",
            )
        for schema, name in places:
            by_schema.setdefault(schema, []).append((name, column, type_name))
    return by_schema


def plans_of_every_schema(
    runs: list[SchemaRun], plan_one: Callable[[SchemaRun], MigrationPlan]
) -> list[tuple[str, MigrationPlan]]:
    """Each schema's plan (``plan_one``), every schema planned before any is written, and
    what cannot work in any of them refused at once: a refusal found in a later schema,
    after the earlier ones were moved, left half a run behind."""
    plans, refused = [], []
    for run in runs:
        try:
            plans.append((run.schema, replace(plan_one(run), skipped_views=list(run.views_left))))
        except SchemaError as exc:
            refused.append(_in_schema(exc, run.schema))
    if refused:
        raise one_refusal(refused)
    return plans


def _in_schema(error: SchemaError, schema: str) -> SchemaError:
    """A schema's refusal with its tables named ``schema.table`` (their --cast too)."""
    if isinstance(error, AppendRefused):
        conflicts = [dataclasses.replace(c, table=shown(schema, c.table)) for c in error.conflicts]
        others = [_in_schema(e, schema) for e in error.others]
        return AppendRefused(conflicts, others, error.mode)
    error.message = f"schema {schema!r}: {error.message}"
    if error.table is not None:
        error.table = shown(schema, error.table)
    return error


def table_pairs(runs: list[SchemaRun]) -> list[tuple[str, str]]:
    """Every table the runs move, as (schema, table): each schema's run is given them, as a
    foreign key into one of them is the run's to add (``run_tables.RunTables``)."""
    return [(r.schema, t) for r in runs for t in r.tables]


def emptied_apart(
    config: MigrationConfig, run_tables: Collection[tuple[str, str]]
) -> list[tuple[str, str]]:
    """The tables of the other schemas of the run (``table_pairs``), as the target names them,
    (schema, table): under --mode truncate each schema's run empties its own, in a TRUNCATE
    PostgreSQL refuses while a key of another schema's table points at one of them
    (``loading.check_emptying``)."""
    own = config.target_schema
    how = config.target_names
    there = [(target_name(s, how), target_name(t, how)) for s, t in run_tables]
    return [(s, t) for s, t in there if s != own]


def tables_of(runs: list[SchemaRun]) -> list[str]:
    """Every table the runs move, qualified (``qualified(table, schema)``): the source's
    relations the run holds, and the names its notes are matched against."""
    return [qualified(t, r.schema) for r in runs for t in r.tables]


def _refuse_unreadable(source: str, runs: list[SchemaRun]) -> None:
    refuse_unreadable_in(source, {run.schema: list(run.tables) for run in runs})


def refuse_unreadable_in(source: str, tables: dict[str, list[str]]) -> None:
    """Every schema's ``tables`` readable by this user (PostgreSQL privileges), checked before
    the first schema is written (found in a later schema, the earlier ones were moved), and
    every privilege missing named at once (one per run would take a run per grant)."""
    from arrowmig.endpoints.pg_privileges import refused_error
    from arrowmig.endpoints.postgres import PostgresEndpoint

    refusals, where, who = [], "", ""
    for schema, names in tables.items():
        with open_endpoint(source, schema=schema, read_only=True) as src:
            if not isinstance(src, PostgresEndpoint):
                return
            found = src.read_refusals(names)
            if found:
                refusals += found
                where, who = src.url.redacted, src.current_user()
    if refusals:
        raise refused_error(where, who, refusals, several_schemas=True)


def _with_partitions(source: str, present: dict[str, list[str]]) -> dict[str, list[str]]:
    """Each schema's tables and views, and its partitions (PostgreSQL)."""
    nameable = {}
    for schema, names in present.items():
        with open_endpoint(source, schema=schema, read_only=True) as src:
            nameable[schema] = [*names, *partitions_of(src)]
    return nameable


def _tables_by_schema(
    source: str, named: list[str]
) -> tuple[dict[str, list[str]], dict[str, list[str]], dict[str, list[str]]]:
    """Each schema's tables, and its views and extensions' tables (moved only when named)."""
    schemas = named
    if named == [ALL_SCHEMAS]:
        with open_endpoint(source, read_only=True) as src:
            own = [src.schema] if src.schema and src.list_tables() else []
            schemas = sorted([*own, *src.other_schemas()])
            if not schemas:
                raise SchemaError(f"{src.url.redacted} holds no tables in any schema")
    tables: dict[str, list[str]] = {}
    views: dict[str, list[str]] = {}
    extensions: dict[str, list[str]] = {}
    for schema in schemas:
        with open_endpoint(source, schema=schema, read_only=True) as src:
            # An extension's tables go with views: moved only when named.
            extensions[schema] = list(extension_tables(src))
            views[schema] = [*src.list_views(), *extensions[schema]]
            tables[schema] = [t for t in src.list_tables() if t not in extensions[schema]]
            if not tables[schema] and not views[schema]:
                raise SchemaError(
                    f"schema {schema!r} of {src.url.redacted} holds no tables",
                    hint="check its spelling, or leave it out of --source-schema",
                )
    return tables, views, extensions


def _pick(
    entries: tuple[str, ...] | None, present: dict[str, list[str]], option: str
) -> dict[str, list[str]]:
    """Where each ``--tables`` / ``--exclude`` entry is: ``schema.table`` in its schema, a bare
    name in every schema that has it. A part holding a dot is quoted (``"a.b"."c.d"``, as the
    report prints it); unquoted, the entry is read at whichever dot names a schema holding
    such a table. An entry found nowhere, or in two ways, is refused: every entry found
    nowhere at once."""
    picked: dict[str, list[str]] = {}
    nowhere = []
    for entry in entries or ():
        places = _places(entry, present)
        nowhere += [] if places else [entry]
        for schema, name in places:
            picked.setdefault(schema, []).append(name)
    if nowhere:
        raise _found_nowhere(nowhere, present, option)
    return picked


def _found_nowhere(nowhere: list[str], present: dict[str, list[str]], option: str) -> SchemaError:
    """The refusal of every entry found in no schema, each with the table it may mean."""
    said = ", ".join(repr(entry) for entry in nowhere)
    # Either as --tables takes it: schema.table, or a bare name found in any schema.
    known = [shown(s, t) for s, found in present.items() for t in found]
    known += sorted({t for found in present.values() for t in found})
    close = per_name(nowhere, lambda entry: did_you_mean(entry, known))
    how = (
        f"name {'each' if len(nowhere) > 1 else 'it'} as schema.table, as the report lists "
        'them (a part holding a dot in double quotes: \'"a.b"."c.d"\')'
    )
    return SchemaError(
        f"{option} {said}: no such table{'s' if len(nowhere) > 1 else ''} in schemas "
        f"{', '.join(present)}",
        hint="; ".join([*close, how]),
        table=nowhere[0],
    )


def _places(entry: str, present: dict[str, list[str]]) -> list[tuple[str, str]]:
    """The (schema, table) pairs an entry names."""
    parts = name_parts(entry)
    if len(parts) == 2:
        schema, name = parts
        return [(schema, name)] if name in present.get(schema, ()) else []
    if len(parts) > 2:
        return []
    name = parts[0]
    bare = [(s, name) for s, found in present.items() if name in found]
    if '"' in entry:
        return bare  # one quoted name: a table of that name, dots and all
    dots = [i for i, c in enumerate(name) if c == "."]
    split = [(name[:i], name[i + 1 :]) for i in dots if name[i + 1 :] in present.get(name[:i], ())]
    if len(split) > 1 or (split and bare):
        raise SchemaError(
            f"{entry!r} names {len(split) + len(bare)} tables: "
            f"{', '.join(shown(s, t) for s, t in [*split, *bare])}",
            hint="name one as the report lists it, a part holding a dot in double quotes",
            table=entry,
        )
    if split:
        return split
    schema = name.partition(".")[0]
    return [] if "." in name and schema in present and not bare else bare


def _refuse_existing(target: str, runs: list[SchemaRun]) -> None:
    url = parse_url(target)
    if url.kind != "postgresql" and not url.path.exists():
        return  # a new file holds nothing yet
    for run in runs:
        schema = run.config.target_schema or run.schema
        with open_endpoint(target, schema=schema) as dst:
            for name in run.tables:
                there = target_name(name, run.config.target_names)
                if dst.table_exists(there):
                    raise SchemaError(
                        f"table {shown(schema, there)} already exists in {dst.url.redacted}",
                        hint=table_exists_hint(dst, name, schema),
                        table=shown(run.schema, name),
                    )


class InSchema:
    """Passes a run's events on with each table named ``schema.table``, as the report names
    it (a run of one schema knows its tables by their bare names)."""

    def __init__(self, sink: ProgressSink, schema: str) -> None:
        self.sink = sink
        self.schema = schema

    def emit(self, event: Event) -> None:
        if event.event == "summary":
            return  # one summary, of every schema, ends the run (arrowmig.migrate)
        if event.table is not None:
            event = dataclasses.replace(event, table=shown(self.schema, event.table))
        self.sink.emit(event)


RunOne = Callable[[SchemaRun], MigrationReport]


def migrate_schemas(
    source: str,
    target: str,
    config: MigrationConfig,
    runs: list[SchemaRun],
    run_one: RunOne,
    *,
    started: float,
) -> MigrationReport:
    """Each schema's run (``schema_runs``) in turn (``run_one``), their reports as one, tables
    named ``schema.table``; then the foreign keys between the schemas. The report's seconds
    count from ``started`` (``time.monotonic()``): when the run began, before every schema
    was described and planned."""
    merged = MigrationReport(
        source=parse_url(source).redacted, target=parse_url(target).redacted, mode=config.mode
    )
    done: list[str] = []
    for run in runs:
        try:
            report = run_one(run)
        except ArrowmigError as exc:
            if not done:
                raise
            exc.message = (
                f"schema {run.schema!r}: {exc.message} (schemas already moved: {', '.join(done)})"
            )
            raise
        _merge(merged, run, report)
        if run.extension_tables_left:
            listed = ", ".join(shown(run.schema, t) for t in run.extension_tables_left)
            merged.notes.append(
                f"tables of extensions left out: {listed} (CREATE EXTENSION makes them in the "
                "target; name one with --tables to copy its rows)"
            )
        done.append(run.schema)
        if report.interrupted:
            break
    moved = {f"{r.schema}.{t}" for r in runs for t in r.tables}
    read = several_schemas(config.source_schema) or []
    between = keys_between_schemas(target, config)
    for table in merged.tables:
        table.notes = [
            _in_this_run(n, moved, read, config.target_names, between) for n in table.notes
        ]
    _forget_keys_put_back_early(merged, runs)
    if not merged.interrupted:
        add_foreign_keys_between(source, target, runs, merged)
    merged.seconds = time.monotonic() - started
    return merged


def _forget_keys_put_back_early(merged: MigrationReport, runs: list[SchemaRun]) -> None:
    """A schema's run puts back the foreign keys that tables of other schemas had on a table
    it replaced (loading._restore_foreign_keys); when those tables are moved by a later
    schema of this run, their keys are this run's to add at the end, so what the earlier
    run said of them is dropped."""
    moved = set(tables_of(runs))
    for table in merged.tables:
        table.built = [b for b in table.built if not _names_key_of(b, moved)]
        table.notes = [n for n in table.notes if not _names_key_of(n, moved)]
        table.keys_not_built = [k for k in table.keys_not_built if not _names_key_of(k, moved)]


def _names_key_of(text: str, tables: set[str]) -> bool:
    """Whether ``text`` holds `` of <table> (again)`` or `` of <table> (pointing here)`` for
    one of ``tables``: each such place looked up, not every table tried at every line (the
    square of the tables, a run of thousands)."""
    for marker in (" (again)", " (pointing here)"):
        end = text.find(marker)
        while end != -1:
            start = text.find(" of ")
            while start != -1 and start < end:
                if text[start + 4 : end] in tables:
                    return True
                start = text.find(" of ", start + 1)
            end = text.find(marker, end + 1)
    return False


def _merge(merged: MigrationReport, run: SchemaRun, report: MigrationReport) -> None:
    schema = run.schema
    for table in report.tables:
        table.name = shown(schema, table.name)
        table.target_name = shown(run.config.target_schema or schema, table.target_name)
        merged.tables.append(table)
    merged.done_before.extend(shown(schema, t) for t in report.done_before)
    merged.skipped_views.extend(shown(schema, v) for v in run.views_left)
    merged.notes.extend(f"{schema}: {n}" for n in report.notes)
    merged.peak_rss_bytes = max(merged.peak_rss_bytes, report.peak_rss_bytes)
    merged.baseline_rss_bytes = merged.baseline_rss_bytes or report.baseline_rss_bytes
    merged.interrupted = merged.interrupted or report.interrupted
    merged.run_id = ",".join(filter(None, [merged.run_id, report.run_id])) or None


def add_foreign_keys_between(
    source: str, target: str, runs: list[SchemaRun], merged: MigrationReport
) -> None:
    """Add the foreign keys from a table of one schema to a table of another, both moved by
    this run (into PostgreSQL, checked as the keys of one schema are); otherwise each is
    named as not created. The note a run of one schema left for such a key is replaced.

    A resumed run reports only what it moved now: a table missing from the report was moved
    by the run it resumes, and a key of it that is not in the target yet is added now."""
    if parse_url(source).kind != "postgresql":
        return
    from arrowmig.endpoints.postgres import PostgresEndpoint

    with open_endpoint(source) as src:
        assert isinstance(src, PostgresEndpoint)
        keys = src.foreign_keys_between([r.schema for r in runs])
    config = runs[0].config
    in_run = {f"{r.schema}.{t}" for r in runs for t in r.tables}
    reports = {t.name: t for t in merged.tables}
    with contextlib.ExitStack() as opened:
        targets: dict[str, PostgresEndpoint] = {}

        def target_in(schema: str) -> PostgresEndpoint:
            """One connection per schema, kept for all its keys (one per key cost a
            connection's set-up each)."""
            if schema not in targets:
                dst = opened.enter_context(open_endpoint(target, schema=schema))
                assert isinstance(dst, PostgresEndpoint)
                targets[schema] = dst
            return targets[schema]

        for schema, table, key in keys:
            name, ref_name = f"{schema}.{table}", f"{key.ref_schema}.{key.ref_table}"
            if name not in in_run:
                continue
            report = reports.get(shown(schema, table))
            ref = reports.get(shown(key.ref_schema or schema, key.ref_table))
            # As the target names them (--target-names).
            there_key = foreign_key_for_target(key, config.target_names)
            if report is not None:
                report.notes = [
                    n
                    for n in report.notes
                    if not (_left_by_one_schema(n, key) or _left_by_one_schema(n, there_key))
                ]
            notes = report.notes if report is not None else merged.notes
            said = "" if report is not None else f"{name}: "
            label = there_key.label if ref_name in in_run else key.label
            if ref_name not in in_run:
                notes.append(f"{said}{label} not created: that table is not in this run")
            elif any(r is not None and r.status != "done" for r in (report, ref)):
                notes.append(f"{said}{label} not created: a table was not loaded")
            elif not (config.keys and config.foreign_keys):
                notes.append(f"{said}{label} {_SKIPPED}")
            elif parse_url(target).kind != "postgresql":
                notes.append(f"{said}{label} {_POSTGRES_ONLY}")
            else:
                dst = target_in(target_name(schema, config.target_names))
                there = target_name(table, config.target_names)
                if report is None and there_key.name and dst.has_constraint(there, there_key.name):
                    continue  # added by the run this one resumes
                outcome = dst.add_foreign_keys([(there, there_key)])[0]
                if isinstance(outcome, ArrowmigError):
                    notes.append(f"{said}{label} not created: {outcome}")
                elif report is not None:
                    report.built.append(outcome)
                else:
                    notes.append(f"{said}built {outcome}")


_ELSEWHERE = ": into another schema, which this run does not read"
_OF_THIS_RUN = ": into another schema of this run, added once every schema is in"
_SKIPPED = "skipped (--no-keys or --no-foreign-keys)"
_POSTGRES_ONLY = (
    "not created: between schemas, keys are added into PostgreSQL only (a DuckDB table "
    "declares its keys as it is created)"
)
_BETWEEN = (_OF_THIS_RUN, f" {_SKIPPED}", f" {_POSTGRES_ONLY}")


def keys_between_schemas(target: str, config: MigrationConfig) -> str:
    """What the end of a run does with a foreign key into a table of another schema that it
    moves (``add_foreign_keys_between``), as the plan says it of the key: the plan and the
    run's report must not tell two stories."""
    if not (config.keys and config.foreign_keys):
        return _BETWEEN[1]
    if parse_url(target).kind != "postgresql":
        return _BETWEEN[2]
    return _BETWEEN[0]


_LEFT_OUT = "is not in this run: --tables or --exclude left it out"


def _in_this_run(
    note: str, moved: set[str], read: list[str], how: str = "keep", between: str = _OF_THIS_RUN
) -> str:
    """A plan note on a foreign key into another schema, as a run that moves the tables
    ``moved`` (``schema.table``) of the schemas ``read`` (``several_schemas``) sees it: one
    into a table it moves is dealt with at the end (``between``: ``keys_between_schemas``),
    named as the target will name it (``how``, --target-names); one into a schema it reads,
    whose table it leaves out, does not point outside what it reads."""
    if not note.endswith(_ELSEWHERE):
        return note
    key = note.removesuffix(_ELSEWHERE)
    ref = key.rpartition("-> ")[2]
    if ref in moved:
        # Every name of the key's label is one the target folds, and nothing else in it.
        added = key.removeprefix("not carried: ")
        return (folded(added) if how == "lower" else added) + between
    if ALL_SCHEMAS in read or any(ref.startswith(f"{schema}.") for schema in read):
        return f"{key}: {ref!r} {_LEFT_OUT}"
    return note


def _left_by_one_schema(note: str, key: ForeignKey) -> bool:
    """Whether ``note`` is what postgres_catalog says of this key in a run of one schema (as
    it is, or as ``_in_this_run`` words it), or what pg_own_constraints says of the replaced
    table's key of its name: not kept, as this run adds the source's."""
    ref = f"{key.ref_schema}.{key.ref_table}"
    if note.startswith(f"foreign key {key.name} of the replaced table not kept: it points at "):
        return note.partition(" it points at ")[2].startswith(ref + ", ")
    return f"foreign key {key.name} (" in note and any(
        note.endswith(f"-> {ref}{said}")
        for said in (_ELSEWHERE, *_BETWEEN, f": {ref!r} {_LEFT_OUT}")
    )


@dataclass(frozen=True)
class SeveralPlans:
    """The plans of a run of several schemas, shown as one (``arrowmig plan``)."""

    parts: list[tuple[str, MigrationPlan]]
    read: list[str] = dataclasses.field(default_factory=list)
    """The schemas the run reads, as ``several_schemas`` gives them (``*``: every one)."""
    target_names: str = "keep"
    """--target-names: how each schema is named in the target."""
    between: str = _OF_THIS_RUN
    """What the run does with a foreign key between two of its schemas
    (``keys_between_schemas``)."""

    def to_dict(self) -> dict[str, Any]:
        """One plan's form, each table named ``schema.table``; a foreign key into another
        schema of the run is said as the run's end deals with it."""
        first = self.parts[0][1] if self.parts else None
        out: dict[str, Any] = {
            "source": first.source if first else "",
            "target": first.target if first else "",
            "tables": [],
            "skipped_views": [],
            "notes": [],
        }
        moved = {f"{schema}.{t.source.name}" for schema, plan in self.parts for t in plan.tables}
        for schema, plan in self.parts:
            part = plan.to_dict()
            for table in part["tables"]:
                out["tables"].append(
                    {
                        **table,
                        "name": shown(schema, table["name"]),
                        "target": shown(target_name(schema, self.target_names), table["target"]),
                        "notes": [
                            _in_this_run(n, moved, self.read, self.target_names, self.between)
                            for n in table["notes"]
                        ],
                    }
                )
            out["skipped_views"].extend(shown(schema, v) for v in part["skipped_views"])
            out["notes"].extend(f"{schema}: {n}" for n in part["notes"])
        return out


def verify_schemas(
    source: str,
    target: str,
    tables: list[str] | tuple[str, ...] | None,
    source_schema: str | None,
    target_schema: str | None,
    verify_one: Callable[[str, list[str] | None, list[str], Any], VerifyReport],
    exclude: list[str] | tuple[str, ...],
    hold: Callable[[list[str]], contextlib.AbstractContextManager[Any]],
) -> VerifyReport:
    """``verify`` of several schemas, each against the target schema of its name; one report
    with every table named ``schema.table``. ``exclude`` is named as ``--tables`` is. Every
    schema is read in one snapshot: ``hold`` locks the tables compared (SQL names) and gives
    it, for ``verify_one``'s last argument."""
    named = several_schemas(source_schema)
    assert named is not None
    if parse_url(target).kind == "sqlite" and tables is None:
        # Each schema would be compared with the file's every table; tables named are each
        # compared with the file's table of that name.
        raise UsageError(
            f"{given('source_schema', source_schema)}: the target is a SQLite file, which has "
            "no schemas to compare each against",
            hint="compare one schema per run, with "
            f"{given('source_schema', 'NAME', typed=True)}, or name the tables with "
            f"{arg('tables')}",
        )
    if target_schema is not None:
        raise UsageError(
            f"{arg('target_schema')} names one schema, but {arg('source_schema')} names several",
            hint=f"leave {arg('target_schema')} out: each schema is compared with the target "
            "schema of its name",
        )
    from arrowmig.verify_report import VerifyReport

    found, views, _extensions = _tables_by_schema(source, named)
    present = {s: [*found[s], *views[s]] for s in found}
    # A partition is compared as a table of its own when named, as migrate moves it.
    nameable = _with_partitions(source, present) if tables else present
    wanted = _pick(tuple(tables or ()), nameable, "--tables")
    left_out = _pick(tuple(exclude), present, "--exclude")
    started = time.monotonic()
    merged = VerifyReport(
        source=parse_url(source).redacted, target=parse_url(target).redacted, level=""
    )
    compared: dict[str, list[str] | None] = {}
    for schema in found:
        if tables is not None and schema not in wanted:
            continue
        chosen = wanted.get(schema) if tables is not None else None
        if chosen is not None:
            chosen = [t for t in chosen if t not in left_out.get(schema, [])]
            if not chosen:
                continue
        elif set(found[schema]) <= set(left_out.get(schema, [])):
            continue  # every table of the schema left out
        compared[schema] = chosen
    read = {
        schema: chosen or [t for t in found[schema] if t not in left_out.get(schema, [])]
        for schema, chosen in compared.items()
    }
    # Every missing GRANT named before the lock, which would fail on the first one only.
    refuse_unreadable_in(source, read)
    with hold([qualified(t, schema) for schema, names in read.items() for t in names]) as held:
        for schema, chosen in compared.items():
            report = verify_one(schema, chosen, left_out.get(schema, []), held)
            merged.level = report.level
            for table in report.tables:
                table.name = shown(schema, table.name)
                there = report.target_schema or schema
                table.target_name = table.target_name and shown(there, table.target_name)
                merged.tables.append(table)
            merged.peak_rss_bytes = max(merged.peak_rss_bytes, report.peak_rss_bytes)
            merged.notes.extend(report.notes)
    merged.seconds = time.monotonic() - started
    return merged

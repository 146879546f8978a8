"""The names a run's sequences take in a PostgreSQL target: the source's (a key's, one a default
draws from), where no table, view or index of the target schema, and no table of the run, holds
it; else ``<table>_<column>_seq``, and the plan says so. A sequence shares one namespace with
them: a table taken for the sequence would fail the table's inserts ('"Bar" is not a sequence'),
and a sequence made under a table's name of the run would fail that table."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import replace

from arrowmig.auto_keys import is_identity, sequence_name_note, serial_sequence_name
from arrowmig.loading import suffixed
from arrowmig.model import Column, PgDefinition, Table
from arrowmig.schema import qualified, quote_ident
from arrowmig.target_names import target_name

Held = Callable[[list[str]], dict[str, str]]
"""Which of some names a relation other than a sequence holds in the target schema, each with
what holds it ("a table"): ``PostgresEndpoint.names_held``."""


def with_sequence_names_free(
    table: Table,
    how: str,
    held: Held,
    run_tables: Collection[str],
    claimed: dict[str, str],
    schema: str | None,
) -> tuple[Table, list[str]]:
    """``table`` (under the source's names; ``how``: --target-names) with each sequence whose
    name in the target is held (``held``, or ``run_tables``: the run's tables' target names)
    named ``<table>_<column>_seq`` instead, and a note for each. ``claimed``: the names given
    so far in the run, per source sequence, so that tables that share one share it still;
    ``schema``: the target's, which the notes' SQL names."""
    keys = [c for c in table.columns if c.key_sequence and is_identity(c, "postgresql")]
    made = [d for d in table.pg_definitions if d.kind == "sequence"]
    wanted = [target_name(str(c.key_sequence), how) for c in keys]
    wanted += [target_name(d.name, how) for d in made if d.name not in claimed]
    if not wanted:
        return table, []
    taken = {n: "a table of this run" for n in wanted if n in run_tables}
    there = held([n for n in wanted if n not in taken])
    taken |= {n: f"{what} of the target schema" for n, what in there.items()}
    notes = []
    columns = list(table.columns)
    for i, column in enumerate(columns):
        name = target_name(str(column.key_sequence), how)
        if column in keys and name in taken:
            columns[i] = replace(column, key_sequence=None)
            own = target_name(serial_sequence_name(table.name, column.name), how)
            notes.append(sequence_name_note(column.name, name, own, schema, taken[name]))
    renames = {}
    for definition in made:
        if definition.name in claimed:
            renames[definition.name] = claimed[definition.name]
            continue
        name = target_name(definition.name, how)
        if name not in taken:
            claimed[definition.name] = definition.name
            continue
        drawing = _first_drawing(table, definition.name)
        renames[definition.name] = claimed[definition.name] = suffixed(
            f"{table.name}_{drawing}", "_seq"
        )
        new = target_name(claimed[definition.name], how)
        notes.append(
            f"{target_name(drawing, how)}: sequence {name} is created as {new}: "
            f"{taken[name]} holds the name {name} (rename it, then "
            f"ALTER SEQUENCE {qualified(new, schema)} RENAME TO {quote_ident(name)})"
        )
    renamed = replace(table, columns=tuple(columns))
    if any(old != new for old, new in renames.items()):
        renamed = _sequences_renamed(renamed, renames)
    return renamed, notes


def _first_drawing(table: Table, sequence: str) -> str:
    """The first column of ``table`` whose default draws from ``sequence``."""
    return next(
        d.name for d in table.pg_definitions if d.kind == "sequence_default" and d.sql == sequence
    )


def _sequences_renamed(table: Table, renames: dict[str, str]) -> Table:
    """``table`` with the sequences its defaults draw from renamed (``renames``: old, new):
    the sequence, each default, a key drawing from it and each grant on it."""

    def definition(d: PgDefinition) -> PgDefinition:
        if d.kind == "sequence" and d.name in renames:
            new = renames[d.name]
            return replace(d, name=new, label=f"sequence {new}")
        if d.kind == "sequence_default" and d.sql in renames:
            new = renames[d.sql]
            return replace(d, sql=new, label=f"default nextval({new}) on {d.name}")
        if d.kind == "grant" and d.column is None and d.name in renames:
            old, new = d.name, renames[d.name]
            label = d.label.replace(f" on sequence {old} ", f" on sequence {new} ", 1)
            return replace(d, name=new, label=label)
        return d

    def column(c: Column) -> Column:
        if c.shared_sequence in renames:
            return replace(c, shared_sequence=renames[c.shared_sequence])
        return c

    return replace(
        table,
        columns=tuple(column(c) for c in table.columns),
        pg_definitions=tuple(definition(d) for d in table.pg_definitions),
    )

"""``--target-names lower``: the target's schemas, tables, columns, keys, indexes, constraints
and sequences named in lower case, as PostgreSQL folds a name written without quotes (a Core Data
file's ``ZNOTE.Z_PK`` is queried as ``select z_pk from znote``). The plan folds each target
table once; the rows, read under the source's names, take the target's as they travel."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace

import pyarrow as pa

from arrowmig.config import MigrationConfig
from arrowmig.errors import SchemaError
from arrowmig.model import Column, ForeignKey, Index, PgDefinition, Table
from arrowmig.names import folded, written
from arrowmig.schema import quote_ident


def target_name(name: str, how: str) -> str:
    """A source table's (or column's) name in the target. Only A-Z fold: PostgreSQL folds
    nothing else of an unquoted name in a UTF-8 database (``folded``)."""
    return folded(name) if how == "lower" else name


def with_target_schema(config: MigrationConfig) -> MigrationConfig:
    """``config`` with its --target-schema as the run creates and finds it: in lower case
    too, as every name the run gives."""
    if config.target_schema is None or config.target_names != "lower":
        return config
    return replace(config, target_schema=folded(config.target_schema))


def refuse_clashes(tables: Iterable[Table], how: str) -> None:
    """Two tables, or two columns of a table, that fold to one name would land in one:
    refused before anything is written, naming both."""
    if how != "lower":
        return
    seen: dict[str, str] = {}
    for table in tables:
        other = seen.setdefault(folded(table.name), table.name)
        if other != table.name:
            both = f"tables {other!r} and {table.name!r}"
            way_out = f"move one in a run of its own (--exclude {written(table.name)})"
            raise _clash(both, folded(table.name), table.name, way_out)
        columns: dict[str, str] = {}
        for column in table.columns:
            first = columns.setdefault(folded(column.name), column.name)
            if first != column.name:
                both = f"columns {first!r} and {column.name!r} of table {table.name!r}"
                raise _clash(both, folded(column.name), table.name, "rename one in the source")


def _clash(both: str, name: str, table: str, way_out: str) -> SchemaError:
    return SchemaError(
        f"--target-names lower: {both} would both be named {name!r} in the target",
        hint=f"{way_out}, or keep the source's names (--target-names keep)",
        table=table,
    )


def for_target(table: Table, how: str) -> Table:
    """``table``, planned for the target under the source's names, under the target's: every
    name of it folded, each renamed column knowing its source's (``Column.source_name``)."""
    if how != "lower":
        return table
    # Names a PostgreSQL definition's SQL may quote (its own columns, table, sequences).
    names = {c.name for c in table.columns} | {table.name}
    names |= {d.name for d in table.pg_definitions}
    names |= {c.shared_sequence for c in table.columns if c.shared_sequence}
    definitions = tuple(_definition(d, names) for d in table.pg_definitions)
    # A grant's label names its columns: as the target has them, where the report says it.
    relabelled = {
        old.label: new.label for old, new in zip(table.pg_definitions, definitions, strict=True)
    }
    return replace(
        table,
        name=folded(table.name),
        columns=tuple(_column(c) for c in table.columns),
        primary_key=_each(table.primary_key),
        primary_key_name=folded(table.primary_key_name),
        indexes=tuple(_index(i, names) for i in table.indexes),
        foreign_keys=tuple(foreign_key_for_target(fk, how) for fk in table.foreign_keys),
        pg_definitions=definitions,
        not_carried=tuple(relabelled.get(n, n) for n in table.not_carried),
        split_key=None if table.split_key is None else folded(table.split_key),
    )


def _each(names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(folded(name) for name in names)


def _column(column: Column) -> Column:
    name = folded(column.name)
    sequence, own = column.shared_sequence, column.key_sequence
    if name == column.name and all(s is None or folded(s) == s for s in (sequence, own)):
        return column
    return replace(
        column,
        name=name,
        source_name=column.source_name or (column.name if name != column.name else None),
        shared_sequence=None if sequence is None else folded(sequence),
        key_sequence=None if own is None else folded(own),
    )


def _index(index: Index, names: set[str]) -> Index:
    return replace(
        index,
        name=folded(index.name),
        columns=_each(index.columns),
        include=_each(index.include),
        descending=_each(index.descending),
        collations=tuple((folded(c), how) for c, how in index.collations),
        postgres_keys=index.postgres_keys and folded_sql(index.postgres_keys, names),
    )


def foreign_key_for_target(fk: ForeignKey, how: str) -> ForeignKey:
    """A source's foreign key as the target names it, the schema it points into too (one of
    the run's, which the run names in lower case)."""
    if how != "lower":
        return fk
    return replace(
        fk,
        columns=_each(fk.columns),
        ref_schema=None if fk.ref_schema is None else folded(fk.ref_schema),
        ref_table=folded(fk.ref_table),
        ref_columns=_each(fk.ref_columns),
        name=None if fk.name is None else folded(fk.name),
    )


def _definition(definition: PgDefinition, names: set[str]) -> PgDefinition:
    # A default's name is its column's; a sequence default's SQL is its sequence's bare name.
    bare = definition.kind == "sequence_default"
    sql = folded(definition.sql) if bare else folded_sql(definition.sql, names)
    label = definition.label
    if definition.kind == "grant" and label.startswith(f"grant {definition.sql} "):
        label = f"grant {sql} {label[len(f'grant {definition.sql} ') :]}"
    # A sequence as the target has it, where the report says it (README).
    if definition.kind == "sequence":
        label = f"sequence {folded(definition.name)}"
    elif bare:
        label = f"default nextval({sql}) on {folded(definition.name)}"
    elif definition.kind == "grant" and definition.name:
        on = f" on sequence {definition.name} "
        label = label.replace(on, f" on sequence {folded(definition.name)} ", 1)
    column = None if definition.column is None else folded(definition.column)
    return replace(definition, name=folded(definition.name), sql=sql, label=label, column=column)


_QUOTED = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"")
"""A string literal (passed over) or a quoted identifier, in SQL PostgreSQL wrote
(``pg_get_constraintdef``, ``pg_get_indexdef``)."""


def folded_sql(sql: str, names: set[str]) -> str:
    """A PostgreSQL definition's SQL with each of ``names`` it quotes (an upper-case name is
    always quoted there) as the target names it; literals and other names as they are."""

    def fold(found: re.Match[str]) -> str:
        text = found.group(0)
        if not text.startswith('"'):
            return text
        name = text[1:-1].replace('""', '"')
        return quote_ident(folded(name)) if name in names else text

    return _QUOTED.sub(fold, sql)


def source_named(table: Table, source: Table, how: str) -> Table:
    """``table``, a target table under the target's names, under the source's: an existing
    table appended to is matched with the source's columns by name (a column the source
    lacks keeps its own)."""
    renamed = _back(source, how)
    if not renamed:
        return table
    return _renamed(replace(table, name=source.name), renamed)


def source_names(names: Iterable[str], source: Table, how: str) -> set[str]:
    """Column names of the target as the source names them (a column the source lacks keeps
    its own)."""
    back = _back(source, how)
    return {back.get(name, name) for name in names}


def _back(source: Table, how: str) -> dict[str, str]:
    """The target's name of each column of ``source`` it names otherwise -> the source's."""
    if how != "lower":
        return {}
    return {folded(c.name): c.name for c in source.columns if folded(c.name) != c.name}


def target_named(source: Table, target: Table) -> Table:
    """``source`` under the names of ``target``, the table its rows go into: what screens
    and conforms a batch renamed by ``renamed_batch``."""
    renamed = {c.source_name: c.name for c in target.columns if c.source_name}
    return _renamed(source, renamed) if renamed else source


def renamed_batch(batch: pa.RecordBatch, table: Table) -> pa.RecordBatch:
    """A batch read under the source's names, under those of ``table`` (``target_named``),
    whose columns it holds in order."""
    names = [c.name for c in table.columns]
    if batch.schema.names == names:
        return batch
    return pa.RecordBatch.from_arrays(batch.columns, names=names)


def _renamed(table: Table, names: Mapping[str, str]) -> Table:
    """``table`` with its columns, and the keys naming them, renamed by ``names``."""

    def n(name: str) -> str:
        return names.get(name, name)

    return replace(
        table,
        columns=tuple(replace(c, name=n(c.name)) for c in table.columns),
        primary_key=tuple(n(c) for c in table.primary_key),
        split_key=None if table.split_key is None else n(table.split_key),
    )


def column_notes_renamed(notes: list[str], target: Table) -> list[str]:
    """The plan's notes on columns (``Z_PK: ...``) naming each column as ``target`` does
    (``z_pk: ...``): what they speak of is the column the user will find there."""
    renamed = {f"{c.source_name}: ": f"{c.name}: " for c in target.columns if c.source_name}
    if not renamed:
        return notes
    out = []
    for note in notes:
        said = next((s for s in renamed if note.startswith(s)), None)
        out.append(note if said is None else renamed[said] + note.removeprefix(said))
    return out


def renamed_note(source: Table, target: Table) -> str | None:
    """The plan's (and report's) note on a table the target names otherwise: its name and
    every renamed column, source name -> target name."""
    columns = [f"{c.source_name} -> {c.name}" for c in target.columns if c.source_name]
    if source.name == target.name and not columns:
        return None
    table = f"{source.name} -> {target.name}" if source.name != target.name else source.name
    listed = f"; columns {', '.join(columns)}" if columns else ""
    return f"named in lower case in the target (--target-names lower): table {table}{listed}"

"""A PostgreSQL source table's planner and storage settings: its storage parameters
(``fillfactor``) and per-column statistics targets, as definitions a PostgreSQL target sets
again once the table is loaded (other targets name them as not carried); and what no target
gets, named: extended statistics, comments on indexes, an index's own storage parameters.
"""

from __future__ import annotations

import re

from arrowmig.endpoints.pg_dressing import Query
from arrowmig.model import PgDefinition
from arrowmig.schema import quote_ident, quote_literal

STORAGE_KIND = "storage"
"""The kind of ``PgDefinition`` this module makes: ``sql`` is an ``ALTER TABLE`` action."""

_OPTION = re.compile(r"([a-z_][a-z0-9_]*)=(.*)", re.DOTALL)


def storage_settings(query: Query, oid: int) -> list[PgDefinition]:
    """Table ``oid``'s storage parameters (one definition for them all) and each column's
    statistics target other than the default."""
    rows = query(
        "SELECT '', array_to_string(reloptions, chr(1)) FROM pg_class "
        "WHERE oid = $1 AND reloptions IS NOT NULL UNION ALL "
        "SELECT attname, attstattarget::text FROM pg_attribute WHERE attrelid = $1 "
        "AND attnum > 0 AND NOT attisdropped AND attstattarget >= 0 ORDER BY 1",
        (oid,),
    )
    definitions = []
    for column, value in rows:
        if column:
            definitions.append(
                PgDefinition(
                    STORAGE_KIND,
                    str(column),
                    f"ALTER COLUMN {quote_ident(column)} SET STATISTICS {int(value)}",
                    f"statistics target {int(value)} on {column}",
                )
            )
            continue
        options = [(m[1], m[2]) for m in map(_OPTION.fullmatch, str(value).split("\x01")) if m]
        if options:
            definitions.append(_parameters(options))
    return definitions


def yielding_to(
    definitions: tuple[PgDefinition, ...], kept: list[PgDefinition]
) -> tuple[PgDefinition, ...]:
    """The source's ``definitions`` less the settings a replaced table's own (``kept``, as
    ``storage_settings`` reads them) set: the replaced table keeps its storage parameters and
    statistics targets, given to the new one, and the source's set afterwards overrode them
    while the report said they were kept. A setting the replaced table lacks is the source's."""
    columns = {d.name for d in kept if d.kind == STORAGE_KIND and d.name}
    options = {n for d in kept if d.kind == STORAGE_KIND and not d.name for n, _ in _options(d)}
    wanted = []
    for d in definitions:
        if d.kind == STORAGE_KIND and d.name:
            if d.name not in columns:
                wanted.append(d)
        elif d.kind == STORAGE_KIND:
            left = [(n, v) for n, v in _options(d) if n not in options]
            wanted += [_parameters(left)] if left else []
        else:
            wanted.append(d)
    return tuple(wanted)


def _parameters(options: list[tuple[str, str]]) -> PgDefinition:
    """The definition that sets a table's storage parameters ``options``."""
    settings = ", ".join(f"{name}={quote_literal(v)}" for name, v in options)
    shown = ", ".join(f"{name}={v}" for name, v in options)
    return PgDefinition(STORAGE_KIND, "", f"SET ({settings})", f"storage parameters ({shown})")


def _options(definition: PgDefinition) -> list[tuple[str, str]]:
    """The storage parameters a ``_parameters`` definition sets, from its label (a parameter's
    value is a number, a boolean or a word: no ", " or ")" in it)."""
    shown = definition.label.removeprefix("storage parameters (").removesuffix(")")
    return [(m[1], m[2]) for m in map(_OPTION.fullmatch, shown.split(", ")) if m]


def unkept_settings(query: Query, oid: int, built: set[str]) -> list[str]:
    """What of table ``oid`` no target gets, for the plan and report: extended statistics
    (CREATE STATISTICS), comments on indexes, and the storage parameters of the primary key's
    index and of the others arrowmig builds itself (``built``: their names; the rest keep
    theirs in their definition)."""
    rows = query(
        "SELECT 'extended statistics ' || stxname || ' (CREATE STATISTICS)' "
        "FROM pg_statistic_ext WHERE stxrelid = $1 UNION ALL "
        "SELECT 'comment on index ' || ic.relname FROM pg_index i "
        "JOIN pg_class ic ON ic.oid = i.indexrelid WHERE i.indrelid = $1 "
        "AND obj_description(ic.oid, 'pg_class') <> '' UNION ALL "
        "SELECT '\x01' || ic.relname || '\x01' || array_to_string(ic.reloptions, ', ') "
        "|| '\x01' || i.indisprimary::text "
        "FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid "
        "WHERE i.indrelid = $1 AND ic.reloptions IS NOT NULL ORDER BY 1",
        (oid,),
    )
    unkept = []
    for (text,) in rows:
        if not str(text).startswith("\x01"):
            unkept.append(str(text))
            continue
        _, index, options, primary = str(text).split("\x01")
        if index in built or primary == "true":
            unkept.append(f"storage parameters of index {index} ({options})")
    return unkept

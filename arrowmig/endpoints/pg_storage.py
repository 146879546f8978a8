"""A PostgreSQL source table's planner and storage settings: its storage parameters
(``fillfactor``, ``toast.*``) and per-column statistics targets, ``n_distinct`` and storage, as
definitions a PostgreSQL target sets again once the table is loaded (other targets name them as not carried); and what no target
gets, named: extended statistics, comments on indexes, an index's own storage parameters.
"""

from __future__ import annotations

import re

from arrowmig.endpoints.pg_dressing import Query
from arrowmig.model import PgDefinition
from arrowmig.schema import quote_ident, quote_literal

STORAGE_KIND = "storage"
"""The kind of ``PgDefinition`` this module makes: ``sql`` is an ``ALTER TABLE`` action."""

_OPTION = re.compile(r"((?:toast\.)?[a-z_][a-z0-9_]*)=(.*)", re.DOTALL)

_STORAGE = {"p": "PLAIN", "e": "EXTERNAL", "m": "MAIN", "x": "EXTENDED"}
"""``attstorage`` as ``ALTER COLUMN ... SET STORAGE`` words it."""

_SETTING = re.compile(r"[a-z_]+")


def storage_settings(query: Query, oid: int) -> list[PgDefinition]:
    """Table ``oid``'s storage parameters, its TOAST table's among them as ``toast.*`` (one
    definition for them all), and each column's statistics target other than the default,
    planner options (``n_distinct``) and storage other than its type's (``SET STORAGE``)."""
    rows = query(
        "SELECT '', NULL::int, array_to_string(array_cat(c.reloptions, ARRAY(SELECT 'toast.' "
        "|| o FROM unnest(t.reloptions) o)), chr(1)), NULL::text FROM pg_class c "
        "LEFT JOIN pg_class t ON t.oid = c.reltoastrelid WHERE c.oid = $1 "
        "AND (c.reloptions IS NOT NULL OR t.reloptions IS NOT NULL) UNION ALL "
        "SELECT * FROM (SELECT a.attname, CASE WHEN a.attstattarget >= 0 THEN a.attstattarget "
        "END AS aim, (SELECT string_agg(o, ', ') FROM unnest(a.attoptions) o "
        "WHERE o ~ '^n_distinct(_inherited)?=') AS planner, CASE WHEN a.attstorage <> "
        "ty.typstorage THEN a.attstorage::text END AS storage FROM pg_attribute a "
        "JOIN pg_type ty ON ty.oid = a.atttypid WHERE a.attrelid = $1 AND a.attnum > 0 "
        "AND NOT a.attisdropped) a "
        "WHERE aim IS NOT NULL OR planner IS NOT NULL OR storage IS NOT NULL ORDER BY 1",
        (oid,),
    )
    definitions = []
    for column, aim, value, storage in rows:
        if not column:
            options = [(m[1], m[2]) for m in map(_OPTION.fullmatch, str(value).split("\x01")) if m]
            definitions += [_parameters(options)] if options else []
            continue
        wanted = []
        if aim is not None:
            wanted.append((f"SET STATISTICS {int(aim)}", f"statistics target {int(aim)}"))
        if value:
            wanted.append((f"SET ({value})", str(value)))
        if storage in _STORAGE:
            wanted.append((f"SET STORAGE {_STORAGE[storage]}", f"storage {_STORAGE[storage]}"))
        definitions += [
            PgDefinition(
                STORAGE_KIND,
                str(column),
                f"ALTER COLUMN {quote_ident(column)} {change}",
                f"{label} on {column}",
            )
            for change, label in wanted
        ]
    return definitions


def yielding_to(
    definitions: tuple[PgDefinition, ...], kept: list[PgDefinition]
) -> tuple[PgDefinition, ...]:
    """The source's ``definitions`` less the settings a replaced table's own (``kept``, as
    ``storage_settings`` reads them) set: the replaced table keeps its storage parameters and
    statistics targets, given to the new one, and the source's set afterwards overrode them
    while the report said they were kept. A setting the replaced table lacks is the source's."""
    columns = {_column_setting(d) for d in kept if d.kind == STORAGE_KIND and d.name}
    options = {n for d in kept if d.kind == STORAGE_KIND and not d.name for n, _ in _options(d)}
    wanted = []
    for d in definitions:
        if d.kind == STORAGE_KIND and d.name:
            if _column_setting(d) not in columns:
                wanted.append(d)
        elif d.kind == STORAGE_KIND:
            left = [(n, v) for n, v in _options(d) if n not in options]
            wanted += [_parameters(left)] if left else []
        else:
            wanted.append(d)
    return tuple(wanted)


def of_the_source_type(
    definitions: tuple[PgDefinition, ...], cast: set[str]
) -> tuple[PgDefinition, ...]:
    """``definitions`` less the column settings made for the source's type, which a column
    given another (``cast``: by --cast) may not take (``SET STORAGE EXTERNAL`` on an integer
    fails) or not use (``n_distinct``); a statistics target stays."""
    return tuple(
        d
        for d in definitions
        if not (d.kind == STORAGE_KIND and d.name in cast and _column_setting(d)[1] != "statistics")
    )


def _parameters(options: list[tuple[str, str]]) -> PgDefinition:
    """The definition that sets a table's storage parameters ``options``."""
    settings = ", ".join(f"{name}={quote_literal(v)}" for name, v in options)
    shown = ", ".join(f"{name}={v}" for name, v in options)
    return PgDefinition(STORAGE_KIND, "", f"SET ({settings})", f"storage parameters ({shown})")


def _column_setting(definition: PgDefinition) -> tuple[str, str]:
    """Which setting of which column a column's definition sets: its label's first word
    (``statistics`` target, ``n_distinct``, ``storage``)."""
    found = _SETTING.match(definition.label)
    return definition.name, found[0] if found else definition.label


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

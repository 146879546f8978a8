"""Where a run of one source schema writes: the target's own schema (``public``, ``main`` in
DuckDB) unless ``--target-schema`` names another, which the plan and report say, and an
append that would create a second table beside the one of the source schema's name is refused.
"""

from __future__ import annotations

from arrowmig.config import MigrationConfig
from arrowmig.endpoints.base import Endpoint, Source
from arrowmig.errors import SchemaError
from arrowmig.names import folded, shown

DEFAULT_SCHEMAS = {"postgresql": "public", "duckdb": "main"}


def schemas_apart(
    src: Source, dst: Endpoint | None, config: MigrationConfig, dialect: str
) -> tuple[str | None, str] | None:
    """(source schema, target schema) when a table is written under another schema than it is
    read from; None when they agree or both are their database's default (PostgreSQL's
    ``public`` into DuckDB's ``main`` surprises no one). A SQLite source has no schema (None):
    a target schema other than the default is named all the same."""
    read = src.schema
    written = (
        dst.schema if dst is not None else config.target_schema or DEFAULT_SCHEMAS.get(dialect)
    )
    if written is None or not written_apart(read, src.dialect, written, dialect):
        return None
    return read, written


def written_apart(read: str | None, read_dialect: str, written: str, dialect: str) -> bool:
    """Whether tables read from schema ``read`` (None: a SQLite source) are in schema
    ``written`` of a ``dialect`` target under another schema than they were read from, so
    that plan, report and verify name it."""
    if read == written:
        return False
    default = DEFAULT_SCHEMAS.get(dialect)
    return not (read in (None, DEFAULT_SCHEMAS.get(read_dialect)) and written == default)


def landing_note(schemas: tuple[str | None, str], config: MigrationConfig) -> str:
    read, written = schemas
    if config.target_names == "lower" and read is not None and written == folded(read) != read:
        # Written under its own name: the case is the option's doing, not --target-schema's.
        return (
            f"tables of source schema {read!r} are written into target schema {written!r} "
            "(--target-names lower)"
        )
    chosen = "as --target-schema says" if config.target_schema else "the default schema"
    if read is None:
        return f"tables are written into target schema {written!r} ({chosen})"
    return (
        f"tables of source schema {read!r} are written into target schema {written!r} "
        f"({chosen}; --target-schema names another)"
    )


def refuse_second_table(
    dst: Endpoint, config: MigrationConfig, schemas: tuple[str | None, str], missing: list[str]
) -> None:
    """In append or truncate mode, a table missing from the target schema would be created;
    when the target holds it under the source schema's name, the rows were meant for that
    one (``pg_dump -n sales`` restores into ``sales``), and a second table is a trap."""
    present_in = getattr(dst, "tables_present_in", None)
    if config.mode not in ("append", "truncate") or config.target_schema or present_in is None:
        return
    read, written = schemas
    if read is None:
        return
    there = sorted(present_in(read, missing))
    if there:
        raise SchemaError(
            f"--mode {config.mode}: {', '.join(shown(read, t) for t in there)} "
            f"{'exists' if len(there) == 1 else 'exist'} in the "
            f"target, but the run writes into schema {written!r}, where it would create "
            f"{shown(written, there[0])}",
            hint=f"add --target-schema {read} to {config.mode} into it, or --target-schema "
            f"{written} to create the new table",
            table=there[0],
        )

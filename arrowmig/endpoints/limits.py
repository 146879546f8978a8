"""What a table of each target can hold (how many columns, which names): a table it cannot
is refused at planning, before anything is written, not by its CREATE TABLE in the middle of
the run."""

from __future__ import annotations

import functools
import shlex

from arrowmig.errors import SchemaError
from arrowmig.model import Table
from arrowmig.names import DIALECT_NAMES, folded, written

POSTGRES_MAX_COLUMNS = 1600
"""PostgreSQL's ``MaxHeapAttributeNumber``: fixed when the server is built, not a setting."""
SQLITE_MAX_COLUMNS = 2000
"""SQLite's ``SQLITE_MAX_COLUMN`` for a build that does not name its own."""


def column_limit(dialect: str) -> int | None:
    """The most columns a table of ``dialect`` can have; None for no limit (DuckDB's)."""
    if dialect == "postgresql":
        return POSTGRES_MAX_COLUMNS
    if dialect == "sqlite":
        return sqlite_column_limit()
    return None


@functools.cache
def sqlite_column_limit() -> int:
    """``MAX_COLUMN`` of the SQLite the ADBC driver links (it brings its own, which may be
    built with another limit), read once. Through the driver manager's own API: its DB-API
    module takes a second to import, which a plan that opens no SQLite file would pay."""
    import adbc_driver_manager
    import adbc_driver_sqlite
    import pyarrow as pa

    with (
        adbc_driver_sqlite.connect(":memory:") as database,
        adbc_driver_manager.AdbcConnection(database) as connection,
        adbc_driver_manager.AdbcStatement(connection) as statement,
    ):
        statement.set_sql_query("SELECT * FROM pragma_compile_options")
        handle, _ = statement.execute_query()
        options = pa.RecordBatchReader._import_from_c(handle.address).read_all().column(0)
    given = [o.partition("=")[2] for o in options.to_pylist() if o.startswith("MAX_COLUMN=")]
    return int(given[0]) if given else SQLITE_MAX_COLUMNS


def refuse_too_many_columns(table: Table, dialect: str) -> None:
    """Refuse ``table`` if it has more columns than a ``dialect`` table can have."""
    limit = column_limit(dialect)
    if limit is not None and len(table.columns) > limit:
        raise SchemaError(
            f"table {table.name!r} has {len(table.columns):,} columns; {DIALECT_NAMES[dialect]} "
            f"tables can have at most {limit:,}",
            hint=f"leave it out with --exclude {shlex.quote(written(table.name))}, or move it "
            "into a target without that limit (DuckDB)",
            table=table.name,
        )


def refuse_names_a_file_cannot_hold(table: Table, dialect: str) -> None:
    """SQLite's and DuckDB's own refusals of ``table``'s names (as the target names them),
    which need no open file: a plan into a file the run would create refuses what its run
    would."""
    if dialect == "sqlite":
        refuse_too_many_columns(table, dialect)
    else:
        refuse_empty_names(table, DIALECT_NAMES[dialect])
    seen: dict[str, str] = {}
    for column in table.columns:
        first = seen.setdefault(folded(column.name), column.name)
        if first != column.name:
            raise SchemaError(
                f"table {table.name!r} has columns {first!r} and {column.name!r}, equal but "
                f"for case; {DIALECT_NAMES[dialect]} column names ignore ASCII case",
                hint="rename one of them in the source",
                table=table.name,
            )
    if dialect == "sqlite" and table.name.lower().startswith("sqlite_"):
        # SQLite keeps such names for itself ("object name reserved for internal use"): the
        # table was loaded into a staging table, then failed as it was put in place.
        raise SchemaError(
            f"table {table.name!r}: SQLite reserves names beginning with 'sqlite_' for its "
            "own tables",
            hint="rename it in the source, or leave it out with "
            f"--exclude {shlex.quote(written(table.name))}",
            table=table.name,
        )
    names = [table.name, *(c.name for c in table.columns)]
    if dialect == "sqlite" and any("\x00" in name for name in names):
        raise SchemaError(
            f"table {table.name!r}: names with NUL bytes cannot be stored", table=table.name
        )


def refuse_empty_names(table: Table, target: str) -> None:
    """SQLite takes a table or column named "" (an empty quoted name); PostgreSQL and DuckDB
    cannot create one. Refused at planning, before anything is written."""
    if table.name == "" or any(c.name == "" for c in table.columns):
        where = "is named" if table.name == "" else f"{table.name!r} has a column named"
        raise SchemaError(
            f'table {where} "" (an empty name), which {target} cannot hold',
            hint="rename it in the source (ALTER TABLE ... RENAME), or name the tables to move "
            "with --tables",
            table=table.name,
        )

"""The I/O seam: what every database endpoint can do as a source and as a target.

An endpoint is one open connection, used by one thread. The scheduler opens one per worker.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any, Protocol, Self, runtime_checkable

import pyarrow as pa

from arrowmig.model import KeyRange, Table, TableLoad
from arrowmig.urls import EndpointUrl

CHECKPOINT_TABLE = "_arrowmig_checkpoints"
INTERNAL_PREFIX = "_arrowmig_"


class ClosedOnExit:
    """``with`` support for an endpoint: its ``close()`` runs when the block ends."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


@runtime_checkable
class Source(Protocol):
    """Where tables are read from as Arrow batches (a database, or the dataset generator)."""

    url: EndpointUrl
    dialect: str
    """``sqlite``, ``postgresql`` or ``duckdb``: the rules for names and types."""
    schema: str | None
    """The schema (PostgreSQL, DuckDB) tables are read from and written to."""

    # -- both sides ---------------------------------------------------------------------
    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def list_tables(self) -> list[str]:
        """Base tables in the schema, internal ``_arrowmig_*`` tables left out."""
        ...

    def list_views(self) -> list[str]: ...

    def other_schemas(self) -> dict[str, int]:
        """Schemas other than the one read that hold tables, with how many: a run reads one
        schema, and the plan names what it leaves."""
        ...

    def table_exists(self, name: str) -> bool: ...

    # -- source side --------------------------------------------------------------------
    def describe(
        self, name: str, *, profile: bool = True, workers: int = 1, presume: bool = False
    ) -> Table:
        """The table's columns with the Arrow types its batches will carry, keys, indexes.

        ``profile`` lets a source whose declared types are not binding (SQLite) look at
        the values to choose types that hold every one of them; ``workers`` is how many
        connections that look may use at once. ``presume`` lets it take a type from the
        declaration where its reads prove every value (``Column.proof``) instead of looking.
        """
        ...

    def key_bounds(self, table: Table) -> tuple[Any, Any] | None:
        """Smallest and largest value of ``table.split_key``, or None when not splittable."""
        ...

    def read(
        self,
        table: Table,
        *,
        batch_rows: int,
        key_range: KeyRange | None = None,
        with_key: bool = False,
        batch_bytes: int | None = None,
    ) -> pa.RecordBatchReader:
        """Stream the table (or one key range of it) as batches of ``table.arrow_schema``.

        Batches hold at most ``batch_rows`` rows, and about ``batch_bytes`` where the source
        can size them (the pipeline also cuts larger ones).

        Rows come in split-key order when the table has one. ``with_key`` appends the split
        key as a last int64 column named ``_arrowmig_key`` (for checkpoints and messages).
        """
        ...

    def end_reads(self) -> None:
        """Close every reader this endpoint handed out (a stream stopped early leaves one open)."""
        ...


@runtime_checkable
class Endpoint(Source, Protocol):
    """A database that tables can be read from and written to as Arrow batches."""

    # -- target side --------------------------------------------------------------------
    def check_names(self, table: Table) -> None:
        """Raise SchemaError for a table or column name this database cannot hold."""
        ...

    def create_table(self, table: Table) -> None:
        """Create the table's columns (with NOT NULL); keys and indexes come in finish_table."""
        ...

    def qualify(self, name: str) -> str:
        """``name`` (a table, index or sequence of the schema written to) as this database's
        SQL names it: schema-qualified, and more where that alone could be ambiguous."""
        ...

    def drop_table(self, name: str) -> None: ...

    def truncate_table(self, name: str) -> None: ...

    def existing_table(self, name: str) -> Table:
        """An existing table as batches are written into it: its columns' Arrow types, the
        target's own type where values travel as text (uuid, jsonb on PostgreSQL), and the
        foreign keys the target checks as rows arrive (PostgreSQL's and DuckDB's)."""
        ...

    def declared_columns(self, name: str) -> list[tuple[str, str]]:
        """(name, declared type) of each column of a table, in order, as the catalog has
        them; empty when there is no such table. One catalog query."""
        ...

    def omittable_columns(self, name: str) -> set[str]:
        """The columns of an existing table that an insert may leave out: nullable, with a
        default, auto-assigned (identity, serial, rowid) or generated."""
        ...

    def computed_columns(self, name: str) -> set[str]:
        """The generated columns of an existing table: the database computes their values
        and refuses a write that gives one, so a load leaves them out."""
        ...

    def write_batch(
        self,
        table: Table,
        batch: pa.RecordBatch,
        *,
        after: tuple[str, tuple[Any, ...]] | None = None,
    ) -> None:
        """Append one batch (of ``table.arrow_schema``) in its own transaction and commit it.

        ``after`` is one more statement (SQL, parameters) run in the same transaction: the
        checkpoint that records the batch commits with it or not at all.
        """
        ...

    def param(self, index: int) -> str:
        """The placeholder for the ``index``-th (1-based) parameter in this dialect."""
        ...

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Run one statement in its own transaction; its rows, if it returns any."""
        ...

    def run_in_transaction(
        self, statements: list[str], what: str, table: str | None = None
    ) -> None:
        """Several statements that take effect together or not at all."""
        ...

    def finish_table(self, table: Table) -> TableLoad:
        """Build primary key and indexes once the data is in."""
        ...

    def stop(self) -> None:
        """The run is stopping: cancel the statement running (called from another thread,
        maybe again and again); it fails as ``StatementStopped``, its transaction rolled back."""
        ...


def describe_each(
    src: Source, names: list[str], *, profile: bool = True, workers: int = 1, presume: bool = False
) -> dict[str, Table]:
    """``src.describe`` of each of ``names``: all at once where the source can
    (``describe_many``: PostgreSQL reads its catalogs for them all in a few statements, not a
    dozen per table), else one after the other."""
    many = getattr(src, "describe_many", None)
    if many is not None:
        described: dict[str, Table] = many(names, profile=profile, workers=workers, presume=presume)
        return described
    return {
        name: src.describe(name, profile=profile, workers=workers, presume=presume)
        for name in names
    }

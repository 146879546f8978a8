"""The rows whose values DuckDB's own cast refuses ('banana' as INTERVAL, 'N/A' as a
DECIMAL): found before a batch is written, by the same cast in an in-memory connection
(TRY_CAST), so that each is named or set aside by its row. DuckDB's insert fails the whole
batch on the first such value, in words that may name neither row nor value ('extract
specifier "e" not recognized'), and carries no SQLSTATE to find the row by.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa

from arrowmig.duckdb_connection import connect_duckdb
from arrowmig.endpoints.base import ClosedOnExit

if TYPE_CHECKING:
    import duckdb

_TAKES_ANY_TEXT = frozenset({"VARCHAR", "TEXT", "STRING"})
"""DuckDB types every text converts to: a screen for them can refuse nothing."""


class CastScreen(ClosedOnExit):
    """DuckDB's casts tried on the batches of one stream, in one in-memory connection
    opened at the first value that needs it and closed with the stream. A connection per
    column and batch took tens of milliseconds to open: a table of text-carried columns
    (uuid, json, inet) into DuckDB spent most of its time opening them. A DuckDB connection must not be
    used by two threads at once: a screen belongs to the thread that screens with it."""

    def __init__(self) -> None:
        self._con: duckdb.DuckDBPyConnection | None = None

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    def refused_rows(self, array: pa.Array, type_sql: str) -> list[int]:
        """The rows of ``array`` (as the writer sends it) that DuckDB cannot cast to
        ``type_sql``, in order; none when the cast cannot be tried here (a type only the
        target database knows, such as one of its enums): its insert then speaks for itself."""
        return self.refused_by_column({"v": (array, type_sql)})["v"]

    def refused_by_column(self, columns: dict[str, tuple[pa.Array, str]]) -> dict[str, list[int]]:
        """``refused_rows`` of each named (array, type) of one batch, tried in one query; a
        column whose type DuckDB does not know here is then tried alone, refusing none."""
        tried = {
            name: (array, type_sql)
            for name, (array, type_sql) in columns.items()
            if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type))
            or type_sql.strip().upper() not in _TAKES_ANY_TEXT
        }
        refused: dict[str, list[int]] = {name: [] for name in columns}
        if not tried:
            return refused
        # Imported only here: most batches need no cast, and DuckDB is a heavy import (about
        # 30 MB of a SQLite to PostgreSQL run's memory) that a run without it should not pay.
        import duckdb

        try:
            refused.update(self._try_casts(tried))
        except duckdb.Error:
            if len(tried) == 1:
                return refused
            for name, one in tried.items():
                refused[name] = self.refused_by_column({name: one})[name]
        return refused

    def _try_casts(self, tried: dict[str, tuple[pa.Array, str]]) -> dict[str, list[int]]:
        if self._con is None:
            # A batch is small work: no pool of DuckDB threads kept beside the writer's.
            self._con = connect_duckdb(threads=1)
        rows = len(next(iter(tried.values()))[0])
        arrays = [pa.array(range(rows), pa.int64())] + [array for array, _ in tried.values()]
        names = ["n"] + [f"v{i}" for i in range(len(tried))]
        refusals = [
            f"(v{i} IS NOT NULL AND TRY_CAST(v{i} AS {type_sql}) IS NULL)"
            for i, (_, type_sql) in enumerate(tried.values())
        ]
        self._con.register("cast_values", pa.table(arrays, names=names))
        try:
            found = self._con.execute(
                f"SELECT n, {', '.join(refusals)} FROM cast_values "
                f"WHERE {' OR '.join(refusals)} ORDER BY n"
            ).fetchall()
        finally:
            self._con.unregister("cast_values")
        return {name: [int(row[0]) for row in found if row[1 + i]] for i, name in enumerate(tried)}

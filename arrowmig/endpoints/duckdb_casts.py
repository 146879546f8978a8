"""The rows whose values DuckDB's own cast refuses ('banana' as INTERVAL, 'N/A' as a
DECIMAL): found before a batch is written, by the same cast in a throw-away connection
(TRY_CAST), so that each is named or set aside by its row. DuckDB's insert fails the whole
batch on the first such value, in words that may name neither row nor value ('extract
specifier "e" not recognized'), and carries no SQLSTATE to find the row by.
"""

from __future__ import annotations

import pyarrow as pa

from arrowmig.duckdb_connection import connect_duckdb


def refused_rows(array: pa.Array, type_sql: str) -> list[int]:
    """The rows of ``array`` (as the writer sends it) that DuckDB cannot cast to
    ``type_sql``, in order; none when the cast cannot be tried here (a type only the
    target database knows, such as one of its enums): its insert then speaks for itself."""
    import duckdb

    con = connect_duckdb()
    try:
        con.register("cast_values", pa.table({"n": pa.array(range(len(array))), "v": array}))
        rows = con.execute(
            "SELECT n FROM cast_values WHERE v IS NOT NULL "
            f"AND TRY_CAST(v AS {type_sql}) IS NULL ORDER BY n"
        ).fetchall()
    except duckdb.Error:
        return []
    finally:
        con.close()
    return [int(n) for (n,) in rows]

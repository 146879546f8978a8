"""Table and column comments (COMMENT ON): set again on targets that hold them (PostgreSQL,
DuckDB), and named where they are not carried (SQLite has none)."""

from __future__ import annotations

from arrowmig.model import Table
from arrowmig.schema import quote_ident, quote_literal

CARRIES_COMMENTS = ("postgresql", "duckdb")
"""Targets with COMMENT ON TABLE / COLUMN, both written alike."""


def comment_statements(table: Table, target: str) -> list[str]:
    """``COMMENT ON`` statements giving the table (``target``: as SQL names it) and its
    columns the source's comments; PostgreSQL and DuckDB read them the same way."""
    statements = []
    if table.comment:
        statements.append(f"COMMENT ON TABLE {target} IS {quote_literal(table.comment)}")
    for col in table.columns:
        if col.comment:
            statements.append(
                f"COMMENT ON COLUMN {target}.{quote_ident(col.name)} IS {quote_literal(col.comment)}"
            )
    return statements


def comment_notes(table: Table, dialect: str) -> list[str]:
    """The plan's one note for a table whose comments ``dialect`` cannot hold."""
    if dialect in CARRIES_COMMENTS:
        return []
    columns = sum(1 for c in table.columns if c.comment)
    parts = ["table"] if table.comment else []
    if columns:
        parts.append(f"{columns} column{'s' if columns > 1 else ''}")
    return [f"comments not carried: {' and '.join(parts)}"] if parts else []

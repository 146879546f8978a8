"""Dates and timestamps of a DuckDB source outside PostgreSQL's range, counted for the plan
(``explain``): the run refuses each such row (``validate``), and a plan that said nothing of
them left a failed table to tell. One aggregate query per table, made by the plan alone: the
run finds such values batch by batch anyway, at no cost of its own."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from arrowmig.argument_words import cast_option
from arrowmig.endpoints.pg_ranges import may_be_outside
from arrowmig.errors import TransferError
from arrowmig.model import Column
from arrowmig.plan import MigrationPlan
from arrowmig.schema import quote_ident, travelling_type

_FIRST = "4714-11-24 (BC)"
_LAST = "5874897-12-31"


def with_range_notes(src: Any, plan: MigrationPlan) -> MigrationPlan:
    """``plan`` with a note on each column of a DuckDB source bound for PostgreSQL that holds
    a date or timestamp outside PostgreSQL's range, saying how many."""
    if getattr(src, "dialect", None) != "duckdb" or plan.target_dialect != "postgresql":
        return plan
    for table in plan.tables:
        columns = [c for c in table.source.columns if _looked_at(c)]
        if not columns:
            continue
        try:
            (counts,) = src.select_from(table.source.name, ", ".join(map(_outside, columns)))
        except TransferError:
            continue  # a check the plan could not make: the run screens every value all the same
        table.notes += [
            _note(table.source.name, c, n) for c, n in zip(columns, counts, strict=True) if n
        ]
    return plan


def _looked_at(column: Column) -> bool:
    """Whether the column travels as dates or timestamps that can lie outside the range (as
    ``validate`` screens them; a column cast to text is not)."""
    travels = travelling_type(column)
    dated = pa.types.is_timestamp(travels) or pa.types.is_date(travels)
    return dated and may_be_outside(column.arrow_type)


def _outside(column: Column) -> str:
    """DuckDB SQL counting the column's finite values outside PostgreSQL's range."""
    c = quote_ident(column.name)
    if pa.types.is_date(column.arrow_type):
        test = f"({c} < DATE '{_FIRST}' OR {c} > DATE '{_LAST}')"
    elif column.arrow_type.tz is not None:
        test = f"{c} < TIMESTAMPTZ '{_FIRST} 00:00:00+00'"
    else:
        test = f"{c} < TIMESTAMP '{_FIRST} 00:00:00'"
    return f"count_if({test} AND isfinite({c}))"


def _note(table: str, column: Column, count: int) -> str:
    what = "date" if pa.types.is_date(column.arrow_type) else "timestamp"
    return (
        f"{column.name}: holds {count:,} {what}{'' if count == 1 else 's'} outside PostgreSQL's "
        f"range (4714-11-24 BC to 5874897-12-31 AD): each such row is refused, named; "
        f"{cast_option(table, column.name, 'text')} keeps it as text, --on-error reject sets "
        "such rows aside"
    )

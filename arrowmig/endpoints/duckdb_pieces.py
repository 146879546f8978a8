"""How a DuckDB table's values lie in its file (row groups, bytes, from DuckDB's own statistics),
and the row-id pieces a table of large values is read in so that DuckDB stays within its cap.

DuckDB decompresses a vector (up to 2,048 values of a column, within a row group) whole to scan
it, whatever a ``WHERE`` on another column keeps, and every scan thread holds one: a key range
of three 5 MB blobs in a row group of twelve held all twelve, twice (compressed and not). Only
a filter on ``rowid`` itself narrows what DuckDB decompresses to the rows asked for.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

VECTOR_ROWS = 2048
"""Values of a column DuckDB decompresses at once to scan it (its vector size)."""

FIXED_VALUE_BYTES = 8
"""About the bytes of a value that is not a text or blob (a guess, as ``_size_sql``'s)."""

SHARE_OF_CAP = 4
"""A scan keeps its values within this share of DuckDB's cap (a quarter): DuckDB also holds
the compressed blocks it reads, the sort of a piece, and what its other threads scan."""

LAYOUT_SQL = """
SELECT g, sum(n) FILTER (WHERE p = '[0]'), coalesce(sum(total), 0), coalesce(sum(longest), 0),
       coalesce(sum(vector), 0)
FROM (
  SELECT row_group_id AS g, column_path AS p, sum(count) AS n,
         sum(CAST(stats.total_string_length AS BIGINT)) AS total,
         max(CAST(stats.max_string_length AS BIGINT)) AS longest,
         max(CAST(stats.total_string_length AS BIGINT) * least(count, 2048)
             // greatest(count, 1)) AS vector
  FROM pragma_storage_info(?)
  GROUP BY ALL
)
GROUP BY g ORDER BY g
"""
"""Per row group, in row-id order: its rows, the bytes of its texts and blobs, the sum of each
column's longest one, and the bytes of one vector of every column. Statistics DuckDB keeps with
each segment: no value is read (summing the values' lengths read them all, and held a table of
blobs' vectors as a scan does)."""


@dataclass(frozen=True)
class RowGroup:
    """A row group's rows, from row id ``start``, and the bytes of their values."""

    start: int
    rows: int
    row_bytes: int
    """About the bytes of an average row's values."""
    widest_row: int
    """At most the bytes of one row's values: each column's longest text or blob, summed."""


@dataclass(frozen=True)
class Layout:
    """A table's row groups, in row-id order, and what one scan of it holds."""

    groups: tuple[RowGroup, ...]
    vector_bytes: int
    """The most bytes one vector of every column of a row group holds: what a scan thread
    decompresses at once."""

    @property
    def row_bytes(self) -> int:
        """About the bytes of the table's average row."""
        rows = sum(g.rows for g in self.groups)
        return sum(g.rows * g.row_bytes for g in self.groups) // max(rows, 1)

    def too_wide_to_scan(self, cap_bytes: int, threads: int) -> bool:
        """Whether a plain scan (or a key range's, sorted) could outgrow the cap: each thread
        holds a vector of every column, compressed and not. Tables of short values never do."""
        return 2 * threads * self.vector_bytes > cap_bytes // SHARE_OF_CAP


def layout(rows: Sequence[tuple[Any, ...]], columns: int) -> Layout:
    """A ``Layout`` from the rows of ``LAYOUT_SQL``; ``columns`` is the table's width."""
    groups, start, vector = [], 0, 0
    for _, count, total, longest, vector_bytes in rows:
        count = int(count or 0)
        fixed = FIXED_VALUE_BYTES * columns
        groups.append(
            RowGroup(start, count, int(total) // max(count, 1) + fixed, int(longest) + fixed)
        )
        start += count
        vector = max(vector, int(vector_bytes))
    return Layout(tuple(groups), vector)


def runs(rowids: pa.Array) -> Iterator[tuple[int, int]]:
    """The row ids (in the order rows are to go out) as runs of consecutive ids,
    ``[first, end)``: a table written in key order is a few long runs."""
    if len(rowids) == 0:
        return
    breaks = [0]
    if len(rowids) > 1:
        steps = pc.subtract(rowids[1:], rowids[:-1])
        breaks += [i + 1 for i in pc.indices_nonzero(pc.not_equal(steps, 1)).to_pylist()]
    ends = [*breaks[1:], len(rowids)]
    for at, end in zip(breaks, ends, strict=True):
        yield rowids[at].as_py(), rowids[end - 1].as_py() + 1


def pieces(
    spans: Iterator[tuple[int, int]], groups: Sequence[RowGroup], budget: int, cap_bytes: int
) -> Iterator[tuple[int, int]]:
    """Each span of row ids ``[first, end)`` cut at row groups' edges and into pieces of about
    ``budget`` bytes of values, never more than a share of the cap even if each row were its
    row group's widest (a few blobs of megabytes among small rows)."""
    starts = [g.start for g in groups]
    for first, end in spans:
        at = first
        while at < end:
            group = groups[_group_of(starts, at)]
            rows = max(
                1,
                min(budget // group.row_bytes, cap_bytes // SHARE_OF_CAP // group.widest_row),
            )
            upto = min(end, at + rows, group.start + group.rows)
            if upto <= at:  # past the last row group (rows the statistics did not count)
                upto = end
            yield at, upto
            at = upto


def batch_rows_of(groups: Sequence[RowGroup], batch_rows: int, batch_bytes: int) -> int:
    """Rows in a batch DuckDB hands over: ``batch_rows``, fewer where rows of the table's
    widest row group would make a batch larger than ``batch_bytes``."""
    widest = max((g.row_bytes for g in groups), default=1)
    return max(1, min(batch_rows, batch_bytes // widest))


def _group_of(starts: list[int], rowid: int) -> int:
    """The index of the row group holding ``rowid`` (the last one past the end)."""
    return max(0, bisect.bisect_right(starts, rowid) - 1)

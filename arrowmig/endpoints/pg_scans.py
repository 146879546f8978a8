"""What describing a PostgreSQL table reads of its rows, not of its catalogs: the exact row
count of a small table, and how many NaN or ±Infinity each numeric(p,s) column holds.

Several tables' scans go in one statement: a round trip each was most of what describing
a thousand small tables cost once their catalogs were read for all of them at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from arrowmig.endpoints.pg_dressing import Query
from arrowmig.schema import quote_ident

EXACT_BELOW = 1_000_000
"""Rows the statistics estimate below which (or when never analysed) a table is counted."""

_TABLES_A_STATEMENT = 200
"""Scans joined in one statement (``UNION ALL``): a few kB of SQL each."""


@dataclass(frozen=True)
class TableScan:
    """One table's scan: ``source`` is what it selects from (``from_clause``)."""

    source: str
    count_rows: bool
    """Its rows are counted (the estimate is small or missing)."""
    decimals: tuple[str, ...]
    """The numeric(p,s) columns looked at for NaN and ±Infinity, which NaN sorts above
    every number and no finite value of 38 digits or fewer reaches 1e38."""

    def counts(self) -> list[str]:
        """The scan's aggregates: the rows (when counted), then each decimal's specials."""
        return (["count(*)"] if self.count_rows else []) + [
            f"count(*) FILTER (WHERE {q} >= 1e38 OR {q} <= -1e38)"
            for q in map(quote_ident, self.decimals)
        ]


@dataclass(frozen=True)
class ScanCounts:
    rows: int | None
    """The exact row count, when the scan counted them."""
    specials: dict[str, int]
    """Each decimal column holding NaN or ±Infinity, and how many."""


def read_scans(query: Query, scans: list[TableScan]) -> list[ScanCounts]:
    """Each of ``scans``' counts, in as few statements as their number allows."""
    answers = [ScanCounts(None, {}) for _ in scans]
    wanted = [(nth, scan) for nth, scan in enumerate(scans) if scan.counts()]
    for start in range(0, len(wanted), _TABLES_A_STATEMENT):
        statement = " UNION ALL ".join(
            f"SELECT {nth}, ARRAY[{', '.join(scan.counts())}] FROM {scan.source}"
            for nth, scan in wanted[start : start + _TABLES_A_STATEMENT]
        )
        for nth, counts in query(statement):
            scan = scans[int(nth)]
            rows = int(counts[0]) if scan.count_rows else None
            looked = counts[1:] if scan.count_rows else counts
            specials = {c: int(n) for c, n in zip(scan.decimals, looked, strict=True) if n}
            answers[int(nth)] = ScanCounts(rows, specials)
    return answers

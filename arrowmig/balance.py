"""How many key-range streams each split table of a run is read in, so that the workers finish
together: pure arithmetic on row counts, the way the scheduler hands the streams out.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence


def fit_to_workers(tables: Sequence[tuple[int, int]], workers: int) -> list[int]:
    """For each table, given as (rows, the fewest streams it is read in), the streams to read
    it in: that many, or up to ``workers - 1`` more where they make the run's last worker
    finish sooner (fewer on a tie), counted in rows.

    A table split into 3 streams on 2 workers reads its last stream alone, one worker idle
    for a third of the table; 4 streams keep both busy. But a table of the run that is not
    split can fill that gap already (3 streams and a table of one more stream's rows end
    together), so the count is chosen against the whole run, largest table first, each
    choice keeping the others'. A table of one stream is left whole: ``--split-rows`` says
    which tables are split, this only how finely.
    """
    counts = [fewest for _, fewest in tables]
    if workers < 2:
        return counts
    soonest = -(-sum(rows for rows, _ in tables) // workers)
    best_end = last_worker_done(tables, counts, workers)
    for i, (rows, fewest) in enumerate(tables):
        if fewest < 2:
            continue
        best = fewest
        for count in range(fewest + 1, min(fewest + workers - 1, rows) + 1):
            if best_end <= soonest:
                break  # the workers end together already
            counts[i] = count
            end = last_worker_done(tables, counts, workers)
            if end < best_end:
                best, best_end = count, end
        counts[i] = best
    return counts


def last_worker_done(tables: Sequence[tuple[int, int]], counts: Sequence[int], workers: int) -> int:
    """When the last of ``workers`` is done, in rows, reading each table (rows, _) in its
    count of streams: the largest stream first, each to the worker free first (the
    scheduler's order)."""
    sizes = sorted(
        (
            size
            for (rows, _), count in zip(tables, counts, strict=True)
            for size in _sizes(rows, count)
        ),
        reverse=True,
    )
    loads = [0] * max(1, workers)
    for size in sizes:
        heapq.heapreplace(loads, loads[0] + size)
    return max(loads)


def _sizes(rows: int, count: int) -> list[int]:
    """The rows of each of ``count`` streams of a table of ``rows`` rows (equal key ranges)."""
    share, extra = divmod(rows, count)
    return [share + 1] * extra + [share] * (count - extra)

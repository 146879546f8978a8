"""The batches a stream writes, cut from what its source reads: each ends at ``--batch-rows``
rows or ``--batch-bytes`` bytes, whichever comes first, across the source's own chunks.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa


def rebatched(
    chunks: Iterator[pa.RecordBatch], max_rows: int, max_bytes: int
) -> Iterator[pa.RecordBatch]:
    """``chunks``' rows, in order, in batches of at most ``max_rows`` rows and ``max_bytes``
    bytes (a single row larger than that goes alone), each as full as the limits allow.

    A source reads chunks of its own size, sized from an estimate of the row width: a chunk
    cut at the byte limit leaves a remainder, which starts the next batch rather than going
    as a batch of its own (a transaction and a checkpoint row for a handful of rows). A
    batch is complete only when it is full or the read ends, so rows wait in it for the next
    chunk; a read that breaks hands on what it read before the error is raised.
    """
    pending = _Pending()
    try:
        for chunk in chunks:
            while chunk.num_rows:
                take = _rows_fitting(chunk, max_rows - pending.rows, max_bytes - pending.nbytes)
                if take == 0 and pending.rows:
                    yield pending.pop()  # full: this chunk's next row starts the next batch
                    continue
                take = max(take, 1)  # a row wider than the limit, alone
                pending.add(chunk if take == chunk.num_rows else chunk.slice(0, take))
                chunk = chunk.slice(take)
                if chunk.num_rows or pending.rows >= max_rows:
                    yield pending.pop()
    except Exception:
        if pending.rows:
            yield pending.pop()
        raise
    if pending.rows:
        yield pending.pop()


class _Pending:
    """Rows of a batch not yet complete, as slices of the chunks they came from."""

    def __init__(self) -> None:
        self.pieces: list[pa.RecordBatch] = []
        self.rows = 0
        self.nbytes = 0

    def add(self, piece: pa.RecordBatch) -> None:
        self.pieces.append(piece)
        self.rows += piece.num_rows
        self.nbytes += piece.nbytes

    def pop(self) -> pa.RecordBatch:
        # One piece goes as it is; several are copied into one batch, whose buffers are no
        # larger than the pieces' (the chunks they were cut from are then let go).
        pieces = self.pieces
        self.pieces, self.rows, self.nbytes = [], 0, 0
        return pieces[0] if len(pieces) == 1 else pa.concat_batches(pieces)


def _rows_fitting(chunk: pa.RecordBatch, max_rows: int, max_bytes: int) -> int:
    """How many of ``chunk``'s first rows, at most ``max_rows``, hold at most ``max_bytes``
    (a slice's ``nbytes`` counts only the part of the buffers it refers to)."""
    rows: int = min(chunk.num_rows, max_rows)
    if rows <= 0 or max_bytes <= 0:
        return 0
    if chunk.slice(0, rows).nbytes <= max_bytes:
        return rows
    # Found by bisection, first tried where the chunk's average row width puts it: rows of
    # different widths (short texts, then long ones) make the average a guess, not the answer.
    fits, over = 0, rows
    guess = max(1, min(rows - 1, int(max_bytes * chunk.num_rows / max(1, chunk.nbytes))))
    while over - fits > 1:
        if chunk.slice(0, guess).nbytes <= max_bytes:
            fits = guess
        else:
            over = guess
        guess = (fits + over) // 2
    return fits

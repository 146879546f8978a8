"""DuckDB's memory cap, as it bears on writing a DuckDB file: how often DuckDB checkpoints, and
what to tell the user when DuckDB could not work within the cap."""

from __future__ import annotations

CHECKPOINT_SHARE = 4
"""DuckDB checkpoints once its write-ahead log holds a quarter of its memory cap (160 MB at
640MB), where its default is 16 MiB: rows not yet checkpointed stay in memory (DuckDB does not
spill them), so a share of the cap bounds them, and fewer checkpoints cost less."""

_NO_MERGING = "SET max_vacuum_tasks = 0"
"""A checkpoint holds in memory each value of a column of a row group it writes (a vector of up
to 2,048 values at once), and after one DuckDB starts a new row group for a table without
indexes (a table arrowmig loads has none until it is loaded). But DuckDB also merged adjacent
small row groups at each checkpoint (those of fewer than 2,048 rows at the end of a table
always), rewriting them whole: a table of values of
megabytes stayed one row group, every checkpoint rewrote it so far, held it all in memory, and
failed at the cap (130 blobs of 5 MB: peak RSS 1.4 GiB, 260 failed; 120 texts of 2 MB: the
time grew with the square of the table). Without merging, a row group holds what was written
between two checkpoints (about ``CHECKPOINT_SHARE`` of the cap), so a checkpoint's memory is
bounded by the cap, not by the table (README, *Databases and URLs*). The cost: small row
groups stay small (a table's last one; rows a run deleted stay on disk until DuckDB vacuums
them, which only a checkpoint with merging does)."""


def writer_settings(memory_limit_bytes: int) -> tuple[str, ...]:
    """The SET statements of a DuckDB file arrowmig writes: it checkpoints per
    ``CHECKPOINT_SHARE`` of its cap, and merges no row groups as it does."""
    return (f"SET checkpoint_threshold = '{memory_limit_bytes // CHECKPOINT_SHARE}B'", _NO_MERGING)


_OUT_OF_MEMORY = ("Out of Memory", "failed to pin block")
"""DuckDB's words for a memory cap too small: a query's own, and its checkpoint's, which
holds in memory every value of a row group's column it rewrites."""

_COMMIT_KEPT = "COMMIT succeeded and is durable"
"""DuckDB's words when a transaction committed and the automatic checkpoint after it failed."""


def out_of_memory(message: str) -> bool:
    """Whether DuckDB's ``message`` says it ran out of the memory it was allowed."""
    return any(words in message for words in _OUT_OF_MEMORY)


def commit_kept(message: str) -> bool:
    """Whether DuckDB's ``message`` says the transaction it failed in was committed."""
    return _COMMIT_KEPT in message


def memory_hint(memory_limit: str) -> str:
    """What to do when DuckDB needed more than ``memory_limit``: in words true of every command
    (the endpoint does not know which runs it; only migrate has --resume)."""
    return (
        f"arrowmig caps DuckDB at {memory_limit} to keep memory flat, and DuckDB holds a row "
        "group's values of a column in memory to scan or checkpoint them (values of megabytes "
        "need more); run the same command again with ARROWMIG_DUCKDB_MEMORY_LIMIT=4GB (or more) "
        "in the environment (a migrate with --resume keeps the rows it committed)"
    )

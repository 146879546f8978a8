"""DuckDB's memory cap, as it bears on writing a DuckDB file: how often DuckDB checkpoints, and
what to tell the user when DuckDB could not work within the cap."""

from __future__ import annotations

CHECKPOINT_SHARE = 4
"""DuckDB checkpoints once its write-ahead log holds a quarter of its memory cap (160 MB at
640MB), where its default is 16 MiB. A checkpoint compresses again every value of the row
group rows were added to (up to 122,880 rows: a table of values of megabytes is one row
group), so with 32 MiB inserts of 2 MB texts each checkpoint rewrote the whole table so far
and the time grew with the square of the table (240 rows: 185 s against 35 s for DuckDB's own
CREATE TABLE AS). Rows not yet checkpointed stay in memory (DuckDB does not spill them), so a
share of the cap bounds them."""

_OUT_OF_MEMORY = ("Out of Memory", "failed to pin block")
"""DuckDB's words for a memory cap too small: a query's own, and its checkpoint's, which
holds in memory every value of a row group's column it rewrites."""

_COMMIT_KEPT = "COMMIT succeeded and is durable"
"""DuckDB's words when a transaction committed and the automatic checkpoint after it failed."""


def checkpoint_threshold_sql(memory_limit_bytes: int) -> str:
    """The SET statement that makes DuckDB checkpoint per ``CHECKPOINT_SHARE`` of its cap."""
    return f"SET checkpoint_threshold = '{memory_limit_bytes // CHECKPOINT_SHARE}B'"


def out_of_memory(message: str) -> bool:
    """Whether DuckDB's ``message`` says it ran out of the memory it was allowed."""
    return any(words in message for words in _OUT_OF_MEMORY)


def commit_kept(message: str) -> bool:
    """Whether DuckDB's ``message`` says the transaction it failed in was committed."""
    return _COMMIT_KEPT in message


def memory_hint(memory_limit: str) -> str:
    """What to do when DuckDB needed more than ``memory_limit``."""
    return (
        f"arrowmig caps DuckDB at {memory_limit} to keep memory flat, and DuckDB holds a row "
        "group's values of a column in memory to scan or checkpoint them (values of megabytes "
        "need more); run again (with --resume, to keep the committed rows) with "
        "ARROWMIG_DUCKDB_MEMORY_LIMIT=4GB (or more) in the environment"
    )

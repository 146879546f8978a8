"""How much memory DuckDB needs to build one ART index over an xlarge-sized table.

Usage: python bench/bench_duckdb_index.py [--rows 30000000] [--limits none,640MB,800MB,900MB,1GB]

`arrowmig generate … --scale xlarge` into DuckDB leaves three secondary indexes of the
30M-row large_statcast unbuilt under the DuckDB target's memory cap. This measures why: a table
of the same size and key shape (a BIGINT with 200,000 distinct values, like its player_id) is
written once, then one CREATE INDEX runs per memory limit, each in a fresh process, and the
peak RSS of that process (ru_maxrss) is reported with whether the index was built.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def build_table(path: Path, rows: int) -> None:
    import duckdb

    with duckdb.connect(str(path)) as con:
        con.execute(
            "CREATE TABLE s AS SELECT i AS id, (hash(i) % 200000)::BIGINT AS player_id "
            f"FROM range({int(rows)}) t(i)"
        )


def child(path: str, limit: str) -> None:
    """One CREATE INDEX under ``limit``; prints built/failed, seconds and peak RSS."""
    import duckdb

    con = duckdb.connect(path)
    con.execute("DROP INDEX IF EXISTS ix_player")  # the previous limit's
    con.execute("SET threads = 2")
    if limit != "none":
        con.execute(f"SET memory_limit = '{limit}'")
    started = time.perf_counter()
    try:
        con.execute("CREATE INDEX ix_player ON s (player_id)")
        con.execute("CHECKPOINT")
        outcome = "built"
    except duckdb.Error as exc:
        outcome = "failed: " + str(exc).splitlines()[0][:120]
    seconds = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"| {limit} | {outcome} | {seconds:.1f} | {peak_mib:,.0f} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=30_000_000)
    parser.add_argument("--limits", default="none,640MB,800MB,900MB,1GB")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="arrowmig-art-") as work:
        path = Path(work) / "art.duckdb"
        build_table(path, args.rows)
        print(
            f"One CREATE INDEX over {args.rows:,} BIGINT keys (200,000 distinct), DuckDB, 2 threads"
        )
        print("\n| memory_limit | outcome | seconds | peak RSS MiB |\n|---|---|---|---|")
        for limit in args.limits.split(","):
            subprocess.run([sys.executable, __file__, "--child", str(path), limit], check=True)
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
        sys.exit(0)
    sys.exit(main())

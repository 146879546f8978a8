"""Time SQLite value profiling: every aggregate for every column (the old single scan) against
``describe``'s profile (one aggregate per column, details only where a decision reads them).

Usage: python bench/bench_profile.py [FILE.db] [--tables a,b] [--repeat 5] [--json]

FILE.db defaults to /tmp/perf/p3.db. Both run on one ADBC connection, in alternation (old,
new, new, old, ...), after one warm-up of each that fills the page cache; the type decisions of
both are compared and must be equal. Prints the median, min and max of each and old/new.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

from arrowmig.endpoints import open_endpoint
from arrowmig.endpoints.sqlite import SQLiteEndpoint
from arrowmig.endpoints.sqlite_profile import parse_profile, profile_sql
from arrowmig.endpoints.sqlite_types import choose
from arrowmig.model import Column
from arrowmig.schema import quote_ident


def old_describe(ep: SQLiteEndpoint, table: str) -> tuple[int, list[Column]]:
    """The profile as it was: one scan with every aggregate of every column."""
    info = ep._query('SELECT name, type, "notnull" FROM pragma_table_info(?)', (table,))
    names, declared = [r[0] for r in info], [r[1] or "" for r in info]
    (row,) = ep._query(profile_sql(quote_ident(table), names, declared))
    rows, profiles = parse_profile(row, names, declared)
    return rows, [
        choose(r[0], r[1] or "", p, bool(r[2])) for r, p in zip(info, profiles, strict=True)
    ]


def new_describe(ep: SQLiteEndpoint, table: str) -> tuple[int, list[Column]]:
    described = ep.describe(table)
    return described.row_count or 0, list(described.columns)


def bench(path: str, table: str, repeat: int) -> dict[str, Any]:
    ep = open_endpoint(path)
    assert isinstance(ep, SQLiteEndpoint)
    runs: dict[str, list[float]] = {"old": [], "new": []}
    funcs = {"old": old_describe, "new": new_describe}
    try:
        results = {k: f(ep, table) for k, f in funcs.items()}  # warm-up
        if results["old"] != results["new"]:
            raise SystemExit(f"{table}: the type decisions differ:\n{results}")
        for i in range(repeat):
            for k in ("old", "new") if i % 2 == 0 else ("new", "old"):
                started = time.perf_counter()
                funcs[k](ep, table)
                runs[k].append(time.perf_counter() - started)
    finally:
        ep.close()
    old, new = statistics.median(runs["old"]), statistics.median(runs["new"])
    return {
        "table": table,
        "rows": results["new"][0],
        "columns": len(results["new"][1]),
        "old_s": runs["old"],
        "new_s": runs["new"],
        "old_median_s": old,
        "new_median_s": new,
        "speedup": old / new,
        "same_decisions": True,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", nargs="?", default="/tmp/perf/p3.db")
    parser.add_argument("--tables", default="large_bets,large_statcast")
    parser.add_argument("--repeat", type=int, default=5, help="measured rounds (default 5)")
    parser.add_argument("--json", action="store_true", help="one JSON document on stdout")
    args = parser.parse_args()
    results = []
    for table in args.tables.split(","):
        r = bench(args.file, table, args.repeat)
        results.append(r)
        if not args.json:
            print(
                f"{table}: {r['rows']:,} rows x {r['columns']} columns, {args.repeat} rounds  "
                f"old {r['old_median_s']:.2f} s ({min(r['old_s']):.2f}-{max(r['old_s']):.2f})  "
                f"new {r['new_median_s']:.2f} s ({min(r['new_s']):.2f}-{max(r['new_s']):.2f})  "
                f"old/new {r['speedup']:.1f}x  same decisions",
                flush=True,
            )
    if args.json:
        print(json.dumps({"file": args.file, "repeat": args.repeat, "results": results}))


if __name__ == "__main__":
    main()

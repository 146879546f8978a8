"""Does writing values of megabytes into DuckDB take time in proportion to the table?

Usage: python bench/bench_duckdb_large_values.py [--rows 60,120] [--repeat 3] [--dir DIR]

Builds one SQLite table per row count, ``t (id INTEGER PRIMARY KEY, body TEXT)``, each body
2 MB of hex text of random bytes (which DuckDB cannot compress much), and runs ``arrowmig
migrate SOURCE TARGET.duckdb --progress none`` into a fresh DuckDB file, ``--repeat`` times per
count, each in a fresh process. Printed per count: the median wall and CPU seconds (the child
process's user + system time) and peak RSS, and how the time grew against the smallest count:
1x per 1x more rows is linear; DuckDB checkpointing its table after every 32 MiB insert made
twice the rows cost about three and a half times the time (README, *Performance*). The
machine's load is printed too: on a shared host wall seconds wait for CPU, CPU seconds less so.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VALUE_BYTES = 1_000_000
"""Random bytes per row, stored as their hex text: 2 MB of text."""


def build(path: Path, rows: int) -> None:
    rng = random.Random(rows)
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)")
    con.executemany(
        "INSERT INTO t VALUES (?, ?)", ((i, rng.randbytes(VALUE_BYTES).hex()) for i in range(rows))
    )
    con.commit()
    con.close()


def run_once(source: Path, target: Path) -> tuple[float, float, int, str]:
    """One migrate in a fresh process: wall s, CPU s, peak RSS in KiB, its last line."""
    for leftover in (target, Path(f"{target}.wal")):
        leftover.unlink(missing_ok=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    cmd = [sys.executable, "-m", "arrowmig.cli", "migrate", str(source), str(target)]
    run = subprocess.run([*cmd, "--progress", "none"], capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    last = (run.stderr.strip().splitlines() or ["(no output)"])[-1]
    if run.returncode:
        last = f"exit {run.returncode}: {last}"
    # ru_maxrss of the children is the largest child so far: runs go smallest count first.
    return wall, cpu, after.ru_maxrss, last


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="60,120", help="row counts, comma-separated")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", type=Path, help="keep the sources here")
    args = parser.parse_args(argv)
    counts = sorted(int(n) for n in args.rows.split(","))
    with tempfile.TemporaryDirectory(prefix="arrowmig-large-values-") as tmp:
        work = args.dir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        print("rows  MB  wall s (median; runs)  CPU s (median)  peak RSS MiB  time/first  load")
        first: float | None = None
        for rows in counts:
            source = work / f"large_values_{rows}.db"
            if not source.exists():
                build(source, rows)
            target = work / f"large_values_{rows}.duckdb"
            walls, cpus, peak = [], [], 0
            for _ in range(args.repeat):
                wall, cpu, peak, last = run_once(source, target)
                walls.append(wall)
                cpus.append(cpu)
                print(f"  {rows} rows: {wall:.1f} s wall, {cpu:.1f} CPU s; {last}", flush=True)
            wall_median, cpu_median = statistics.median(walls), statistics.median(cpus)
            first = first or wall_median
            runs = ", ".join(f"{w:.1f}" for w in walls)
            print(
                f"{rows}  {rows * 2 * VALUE_BYTES // 1_000_000}  {wall_median:.1f} ({runs})  "
                f"{cpu_median:.1f}  {peak // 1024}  {wall_median / first:.2f}x  "
                f"{os.getloadavg()[0]:.1f}",
                flush=True,
            )
            for leftover in (target, Path(f"{target}.wal")):
                leftover.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

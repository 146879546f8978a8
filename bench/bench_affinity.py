"""What asking SQLite about its column affinities costs an append, behind a figure in the README.

Usage: python bench/bench_affinity.py [--rows N] [--repeat N] [--dir DIR]

A DuckDB source of ``--rows`` rows ``(id INTEGER PRIMARY KEY, price DECIMAL(12,2), code
VARCHAR)`` (codes are the digits of an integer) is appended (``--mode truncate``) into two
existing SQLite tables that are not STRICT: one declared as Django declares such columns
(``price decimal, code integer``), whose NUMERIC and INTEGER affinities would convert every
value, so each batch's prices and codes are stored into an in-memory SQLite table first to see
what SQLite makes of them; and one declared ``price text, code text``, where nothing is
converted and nothing is asked. Both runs write the same rows (as REALs and INTEGERs, or as
TEXT), alternately, each ``arrowmig migrate`` in a fresh process. Printed: each run's wall and
CPU time, then the medians.
"""

from __future__ import annotations

import argparse
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

DECLARED = {
    "django": "price decimal NOT NULL, code integer",
    "text": "price text NOT NULL, code text",
}


def build_source(path: Path, rows: int) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, price DECIMAL(12,2), code VARCHAR)")
        con.execute(
            "INSERT INTO t SELECT i, ((i * 7919) % 10000000) / 100, ((i * 31) % 100000)::VARCHAR"
            f" FROM range(1, {rows + 1}) r(i)"
        )


def build_target(path: Path, declared: str) -> None:
    with sqlite3.connect(path) as con:
        con.execute(f"CREATE TABLE t (id integer NOT NULL PRIMARY KEY, {declared})")
    con.close()


def run(source: Path, target: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one ``arrowmig migrate``: the CPU, user and system, is
    the figure a host shared with other work disturbs least."""
    command = [sys.executable, "-m", "arrowmig.cli", "migrate", str(source), str(target)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [*command, "--mode", "truncate", "--progress", "none"], check=True, capture_output=True
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", help="keep the source and targets here")
    args = parser.parse_args()
    folder = Path(args.dir or tempfile.mkdtemp(prefix="bench_affinity_"))
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / "source.duckdb"
    if not source.exists():
        build_source(source, args.rows)
    targets = {name: folder / f"{name}.db" for name in DECLARED}
    for name, path in targets.items():
        path.unlink(missing_ok=True)
        build_target(path, DECLARED[name])
    walls: dict[str, list[float]] = {name: [] for name in DECLARED}
    cpus: dict[str, list[float]] = {name: [] for name in DECLARED}
    for _ in range(args.repeat):
        for name, path in targets.items():
            wall, cpu = run(source, path)
            walls[name].append(wall)
            cpus[name].append(cpu)
            print(f"{name:7} {wall:6.2f} s wall, {cpu:6.2f} s CPU", flush=True)
    for name in DECLARED:
        print(
            f"{name:7} median {statistics.median(walls[name]):.2f} s wall, "
            f"{statistics.median(cpus[name]):.2f} s CPU over {args.repeat} runs"
        )


if __name__ == "__main__":
    main()

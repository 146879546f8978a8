"""How much memory does a run from a large, wide DuckDB source take?

Usage: python bench/bench_duckdb_wide_source.py [--rows 2000000] [--dir DIR]
           [--targets sqlite,duckdb,postgresql://postgres@127.0.0.1:5432/postgres] [--verify]

Builds ``fact.wide`` in a DuckDB file: ``--rows`` rows of 105 columns (integers, DECIMAL(18,2),
doubles, short texts, timestamps, dates, booleans, a UBIGINT; about one value in six NULL;
1.5 GiB as Arrow at 2,000,000 rows), then runs ``arrowmig migrate SOURCE TARGET --source-schema
fact --progress none`` into each target in a fresh process. Each PostgreSQL URL names a server:
a throw-away database is created there and dropped. Printed per target: wall seconds, CPU
seconds and the process's own peak RSS (``wait4``), with the machine's load; with
``--verify``, the same of ``arrowmig verify SOURCE TARGET --source-schema fact`` after it. These
are the README's figures for DuckDB sources (*DuckDB files: the memory cap and large values*).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import duckdb
import psycopg

_COLUMN_GROUPS = (
    # (how many, the expression of column k: i is the row, {h} the hash of (i, k + offset))
    (30, 0, "CASE WHEN {h} % 7 = 0 THEN NULL ELSE ({h} % 1000000)::INTEGER END", "int"),
    (
        20,
        100,
        "(CASE WHEN {h} % 9 = 0 THEN NULL ELSE ({h} % 100000000) / 100.0 END)::DECIMAL(18,2)",
        "dec",
    ),
    (20, 200, "CASE WHEN {h} % 11 = 0 THEN NULL ELSE {h}::DOUBLE / 1e10 END", "dbl"),
    (15, 300, "CASE WHEN {h} % 5 = 0 THEN NULL ELSE 'v' || ({h} % 5000)::VARCHAR END", "str"),
    (
        8,
        400,
        "CASE WHEN {h} % 6 = 0 THEN NULL "
        "ELSE TIMESTAMP '2020-01-01' + to_microseconds(({h} % 100000000000000)::BIGINT) END",
        "ts",
    ),
    (
        5,
        500,
        "CASE WHEN {h} % 6 = 0 THEN NULL ELSE DATE '2000-01-01' + ({h} % 10000)::INTEGER END",
        "dt",
    ),
    (5, 600, "CASE WHEN {h} % 4 = 0 THEN NULL ELSE {h} % 2 = 0 END", "flag"),
)


def build(path: Path, rows: int) -> None:
    columns = ["i AS id"]
    for count, offset, expression, prefix in _COLUMN_GROUPS:
        for k in range(count):
            columns.append(f"{expression.replace('{h}', f'hash(i, {k + offset})')} AS {prefix}_{k}")
    columns.append("hash(i) AS ubig_col")
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA fact")
        con.execute(
            f"CREATE TABLE fact.wide AS SELECT {', '.join(columns)} FROM range({rows}) t(i)"
        )
        con.execute("ALTER TABLE fact.wide ADD PRIMARY KEY (id)")


def run_once(verb: str, source: Path, target: str) -> tuple[float, float, int, str]:
    """One ``verb`` (migrate, verify) in a fresh process: wall s, CPU s, its peak RSS in KiB,
    its last line."""
    cmd = [sys.executable, "-m", "arrowmig.cli", verb, str(source), target, "--source-schema"]
    quiet = ["--progress", "none"] if verb == "migrate" else []
    start = time.perf_counter()
    child = subprocess.Popen(
        [*cmd, "fact", *quiet],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stderr is not None
    err = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    last = (err.strip().splitlines() or ["(no output)"])[-1]
    code = os.waitstatus_to_exitcode(status)
    if code:
        last = f"exit {code}: {last}"
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, last


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--targets", default="sqlite,duckdb", help="sqlite, duckdb, or URLs")
    parser.add_argument("--dir", type=Path, help="keep the source here")
    parser.add_argument("--verify", action="store_true", help="verify each copy after it")
    parser.add_argument("--build", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.build is not None:
        build(args.build, args.rows)
        return 0
    with tempfile.TemporaryDirectory(prefix="arrowmig-wide-source-") as tmp:
        work = args.dir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        source = work / f"wide_{args.rows}.duckdb"
        if not source.exists():
            # In a process of its own: a child forked from a parent that built it would count
            # the builder's memory in its peak RSS until it execs.
            subprocess.run(
                [sys.executable, __file__, "--build", str(source), "--rows", str(args.rows)],
                check=True,
            )
        print("verb  target  wall s  CPU s  peak RSS MiB  load")
        for kind in args.targets.split(","):
            database = None
            if kind.startswith("postgresql://"):
                database = f"wide_{uuid.uuid4().hex[:8]}"
                with psycopg.connect(kind, autocommit=True) as con:
                    con.execute(f"CREATE DATABASE {database}")
                target = f"{kind.rsplit('/', 1)[0]}/{database}"
            else:
                target = str(work / f"copy.{'db' if kind == 'sqlite' else kind}")
                Path(target).unlink(missing_ok=True)
            try:
                for verb in ("migrate", "verify") if args.verify else ("migrate",):
                    wall, cpu, peak, last = run_once(verb, source, target)
                    print(
                        f"{verb}  {kind.split('://')[0]}  {wall:.1f}  {cpu:.1f}  "
                        f"{peak // 1024}  {os.getloadavg()[0]:.1f}  ({last})",
                        flush=True,
                    )
            finally:
                if database is not None:
                    with psycopg.connect(kind, autocommit=True) as con:
                        con.execute(f"DROP DATABASE {database} WITH (FORCE)")
                else:
                    Path(target).unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

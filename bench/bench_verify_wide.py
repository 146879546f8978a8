"""How do ``verify``'s time and memory grow with a table's columns?

Usage: python bench/bench_verify_wide.py [--columns 150,300,600] [--rows 20]
       [--type DOUBLE|DECIMAL] [--targets sqlite,duckdb] [--dir DIR]

Per width, builds ``fact.wide`` in a DuckDB file: an integer key and ``--columns`` columns of
``--type`` (DOUBLE, or DECIMAL(12,3), which a SQLite copy holds as numeric text) of ``--rows``
rows, migrates it into a new file of each of ``--targets``, then runs
``arrowmig verify SOURCE TARGET --source-schema fact`` in a fresh process. Printed per width
and target: migrate's and verify's wall seconds and the process's own peak RSS (``wait4``),
with the machine's load. Few rows on purpose: what grows here grows with the columns, not the
data. These are the README's figures for wide tables (*Verify: wide tables*); run with
``PYTHONPATH`` at another checkout for that code's figures (before and after a change).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import duckdb
from bench_duckdb_wide_source import run_once

TYPES = {"DOUBLE": "(i * {k} + 0.5)::DOUBLE", "DECIMAL": "(i * {k} + 0.125)::DECIMAL(12,3)"}
"""Each ``--type``'s value of row ``i``, column ``k``."""

SUFFIXES = {"sqlite": "db", "duckdb": "duckdb"}


def build(path: Path, columns: int, rows: int, kind: str = "DOUBLE") -> None:
    value = TYPES[kind]
    doubles = ", ".join(f"{value.format(k=k)} AS c{k}" for k in range(columns))
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA fact")
        con.execute(f"CREATE TABLE fact.wide AS SELECT i AS id, {doubles} FROM range({rows}) t(i)")
        con.execute("ALTER TABLE fact.wide ADD PRIMARY KEY (id)")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--columns", default="150,300,600", help="widths, comma-separated")
    parser.add_argument("--rows", type=int, default=20)
    parser.add_argument("--type", choices=sorted(TYPES), default="DOUBLE")
    parser.add_argument("--targets", default="sqlite", help="sqlite, duckdb, comma-separated")
    parser.add_argument("--dir", type=Path, help="keep the files here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="arrowmig-verify-wide-") as tmp:
        work = args.dir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        print("columns  target  verb  wall s  peak RSS MiB  load")
        for columns in (int(c) for c in args.columns.split(",")):
            stem = f"wide_{args.type.lower()}_{columns}x{args.rows}"
            source = work / f"{stem}_source.duckdb"
            source.unlink(missing_ok=True)
            build(source, columns, args.rows, args.type)
            for into in args.targets.split(","):
                target = work / f"{stem}.{SUFFIXES[into]}"
                target.unlink(missing_ok=True)
                for verb in ("migrate", "verify"):
                    wall, _, peak, last = run_once(verb, source, str(target))
                    print(
                        f"{columns}  {into}  {verb}  {wall:.1f}  {peak // 1024}  "
                        f"{os.getloadavg()[0]:.1f}  ({last})",
                        flush=True,
                    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

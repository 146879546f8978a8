"""Table shapes the phase3 dataset does not have, behind figures in the README.

Usage: python bench/bench_shapes.py wide|many|tiny|prices|columns|mixed|texts
           [--target sqlite|duckdb|URL] [--repeat N] [--dir DIR] [--tables T,...]
           [--extra=OPTION] [--count N] [--rows N]

- ``wide``: one SQLite table of 2,000 rows of 100 bytes followed by 150 rows of a 5 MB blob
  (715 MiB): is peak RSS bounded by the batch size when the first rows are small?
- ``many``: 300 SQLite tables of 100 rows, each ``(id INTEGER PRIMARY KEY, name TEXT NOT NULL,
  v REAL, created_at DATETIME)`` with an index on ``name``: the cost of a table as such.
- ``tiny``: ``--count`` SQLite tables (default 2,000) ``mN (id INTEGER PRIMARY KEY, name TEXT
  NOT NULL, v REAL)`` of ``--rows`` rows each (default 10), as Python's sqlite3 makes them: the
  cost of a table when there are thousands. ``--repeat 0`` only builds the source (in ``--dir``).
- ``prices``: three SQLite tables of 1,000,000 rows ``(id INTEGER PRIMARY KEY, price T, qty
  INTEGER)`` holding the same two-place reals, with T ``DECIMAL(10,2)`` (``fixed``), a bare
  ``decimal`` (``bare``, as Django declares it) and ``REAL`` (``doubles``): what keeping a
  DECIMAL's type costs against moving the doubles (``--tables fixed`` and so on).
- ``columns``: one SQLite table of 20,000 rows of 901 columns (an integer key, then integers,
  reals and texts in turn; 146 MiB): the cost of a column as such, and of PostgreSQL's ANALYZE
  over many of them (``--extra=--no-analyze`` leaves it out).
- ``mixed``: one SQLite table of 200,000 rows of 300 columns (an integer key, then INTEGER,
  REAL, TEXT, DATE and NUMERIC(10,2) columns in turn; 770 MB): profiling, splitting and
  checking a wide table whose declared types SQLite does not enforce.
- ``texts``: one SQLite table of 150,000 rows ``(id INTEGER PRIMARY KEY, title TEXT NOT NULL,
  body TEXT NOT NULL, views INTEGER)``, each body 1-4 KB of hex text (a 520 MB file): rows that cost
  streaming per byte, while their key costs per row (``bench/bench_eta.py`` on it: the ETA).
  ``--repeat 0`` only builds it (into ``--dir``).

The source is built once in a temporary folder, or in ``--dir``, which keeps it and a SQLite or
DuckDB target afterwards (the blobs are seeded, so every run moves the
same bytes); each run is ``arrowmig migrate SOURCE TARGET --mode replace --progress none`` in a
fresh process, into a throw-away PostgreSQL database (default; created and dropped), or a
scratch SQLite or DuckDB file. Printed: each run's summary line (seconds, peak RSS, growth).
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

from arrowmig.bench import DEFAULT_PG_URL, close_target, open_target


def build_wide(path: Path) -> None:
    rng = random.Random(42)
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE files (id INTEGER PRIMARY KEY, name TEXT, data BLOB)")
    con.executemany(
        "INSERT INTO files (name, data) VALUES (?, ?)", ((f"f{i}", b"x" * 100) for i in range(2000))
    )
    con.executemany(
        "INSERT INTO files (name, data) VALUES (?, ?)",
        ((f"big{i}", rng.randbytes(5_000_000)) for i in range(150)),
    )
    con.commit()
    con.close()


def build_many(path: Path) -> None:
    con = sqlite3.connect(path)
    for i in range(300):
        con.execute(
            f"CREATE TABLE t{i} (id INTEGER PRIMARY KEY, name TEXT NOT NULL, v REAL, "
            "created_at DATETIME)"
        )
        con.executemany(
            f"INSERT INTO t{i} (name, v, created_at) VALUES (?, ?, ?)",
            ((f"n{j}", j * 0.5, "2024-01-01 00:00:00") for j in range(100)),
        )
        con.execute(f"CREATE INDEX ix_t{i} ON t{i} (name)")
    con.commit()
    con.close()


def build_tiny(path: Path, count: int = 2000, rows: int = 10) -> None:
    con = sqlite3.connect(path)
    for i in range(count):
        con.execute(f"CREATE TABLE m{i} (id INTEGER PRIMARY KEY, name TEXT NOT NULL, v REAL)")
        con.executemany(
            f"INSERT INTO m{i} (name, v) VALUES (?, ?)", ((f"n{j}", j * 0.5) for j in range(rows))
        )
    con.commit()
    con.close()


def build_prices(path: Path) -> None:
    rng = random.Random(1)
    rows = [(i, round(rng.uniform(0, 1000), 2), i % 7) for i in range(1, 1_000_001)]
    con = sqlite3.connect(path)
    for table, declared in (("fixed", "DECIMAL(10,2)"), ("bare", "decimal"), ("doubles", "REAL")):
        con.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, price {declared}, qty INTEGER)")
        con.executemany(f"INSERT INTO {table} VALUES (?, ?, ?)", rows)
    con.commit()
    con.close()


def build_columns(path: Path) -> None:
    kinds = ("INTEGER", "REAL", "TEXT")
    declared = ", ".join(f"c{j} {kinds[j % 3]}" for j in range(900))

    def row(i: int) -> tuple[object, ...]:
        return (
            i,
            *(i * j if j % 3 == 0 else i * 0.5 if j % 3 == 1 else f"t{i}" for j in range(900)),
        )

    con = sqlite3.connect(path)
    con.execute(f"CREATE TABLE w (id INTEGER PRIMARY KEY, {declared})")
    con.executemany(
        f"INSERT INTO w VALUES ({', '.join('?' * 901)})", (row(i) for i in range(20_000))
    )
    con.commit()
    con.close()


def build_mixed(path: Path) -> None:
    columns, values = ["id INTEGER PRIMARY KEY"], ["value"]
    for i in range(299):
        kind = i % 5
        if kind == 0:
            columns.append(f"i{i} INTEGER")
            values.append(f"(value * {i + 1}) % 100000")
        elif kind == 1:
            columns.append(f"r{i} REAL")
            values.append(f"(value * {i + 1}) / 7.0")
        elif kind == 2:
            columns.append(f"t{i} TEXT")
            values.append(f"'txt' || (value * {i + 1} % 9973)")
        elif kind == 3:
            columns.append(f"d{i} DATE")
            values.append("date('2020-01-01', '+' || (value % 1000) || ' days')")
        else:
            columns.append(f"n{i} NUMERIC(10,2)")
            values.append(
                "CASE WHEN value % 13 = 0 THEN NULL ELSE round((value % 10000) / 3.0, 2) END"
            )
    con = sqlite3.connect(path)
    con.execute(f"CREATE TABLE wide ({', '.join(columns)})")
    con.execute(
        "INSERT INTO wide WITH RECURSIVE g(value) AS (SELECT 1 UNION ALL SELECT value + 1 "
        f"FROM g WHERE value < 200000) SELECT {', '.join(values)} FROM g"
    )
    con.commit()
    con.close()


def build_texts(path: Path) -> None:
    rng = random.Random(7)
    con = sqlite3.connect(path)
    con.execute(
        "CREATE TABLE articles (id INTEGER PRIMARY KEY, title TEXT NOT NULL, body TEXT NOT NULL, "
        "views INTEGER)"
    )
    con.executemany(
        "INSERT INTO articles VALUES (?, ?, ?, ?)",
        (
            (i, f"Title {i}", rng.randbytes(rng.randint(500, 2000)).hex(), i % 10007)
            for i in range(1, 150_001)
        ),
    )
    con.commit()
    con.close()


BUILDERS = {
    "wide": build_wide,
    "many": build_many,
    "tiny": build_tiny,
    "prices": build_prices,
    "columns": build_columns,
    "mixed": build_mixed,
    "texts": build_texts,
}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shape", choices=tuple(BUILDERS))
    parser.add_argument("--target", default=DEFAULT_PG_URL, help="sqlite, duckdb or a URL")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--dir", type=Path, help="keep the source and target here")
    parser.add_argument("--tables", help="move only these tables (comma-separated)")
    parser.add_argument("--extra", action="append", default=[], help="an arrowmig migrate option")
    parser.add_argument("--count", type=int, default=2000, help="tiny: how many tables")
    parser.add_argument("--rows", type=int, default=10, help="tiny: rows in each table")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="arrowmig-shapes-") as tmp:
        work = args.dir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        source = work / f"{args.shape}.db"
        source.unlink(missing_ok=True)
        if args.shape == "tiny":
            build_tiny(source, args.count, args.rows)
        else:
            BUILDERS[args.shape](source)
        if args.repeat == 0:
            print(source)
            return 0
        notes: list[str] = []
        if args.target == "duckdb":
            target_url, target = str(work / "target.duckdb"), None
        else:
            target = open_target(args.target, work, notes)
            if target is None:
                print("; ".join(notes), file=sys.stderr)
                return 2
            target_url = target.url
        try:
            for _ in range(args.repeat):
                cmd = [sys.executable, "-m", "arrowmig.cli", "migrate", str(source), target_url]
                if args.tables:
                    cmd += ["--tables", args.tables]
                run = subprocess.run(
                    [*cmd, "--mode", "replace", "--progress", "none", *args.extra],
                    capture_output=True,
                    text=True,
                    check=False,
                )
                lines = run.stderr.strip().splitlines() or ["(no output)"]
                print(
                    *[line for line in lines if "statistics (ANALYZE" in line], lines[-1], sep="\n"
                )
        finally:
            if target is not None:
                close_target(target)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""DuckDB's own copy side by side with arrowmig's, on the same rows and host.

DuckDB copies between databases itself: ATTACH the source and the target, then one
``CREATE TABLE ... AS SELECT * FROM ...`` per table. This runs that and ``arrowmig migrate
--no-keys`` (DuckDB builds no keys or indexes either) alternately, for SQLite -> PostgreSQL,
SQLite -> DuckDB and PostgreSQL -> DuckDB, and prints each one's wall time, its own CPU and
the rest of the machine's (PostgreSQL's backends), medians over ``--repeat`` runs.

DuckDB needs its sqlite and postgres extensions, which it downloads on first use; PyPI has
them as packages for DuckDB 1.5.5, so give this script a Python that has them:

    python3 -m venv /tmp/duckvenv
    /tmp/duckvenv/bin/pip install duckdb==1.5.5 duckdb-extension-sqlite==1.5.5 \\
        duckdb-extension-postgres_scanner==1.5.5

Usage:
    python bench/bench_duckdb_copy.py --duckdb-python /tmp/duckvenv/bin/python \\
        --sqlite phase3.db --pg postgresql://postgres@127.0.0.1:5432/postgres [--repeat 3]

The PostgreSQL runs go into throw-away databases on that server, dropped afterwards; the
PostgreSQL -> DuckDB pair reads the copy arrowmig made.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

# Run by the DuckDB Python: loads the extensions from their PyPI packages (DuckDB looks for
# them under extension_directory/v<version>/<platform>/<name>.duckdb_extension), attaches
# both sides and copies every table of the source.
DUCKDB_COPY = r"""
import glob, os, shutil, sys, tempfile, duckdb
kind, src, dst = sys.argv[1:4]
ext = tempfile.mkdtemp()
con = duckdb.connect(dst if kind.endswith("duckdb") else ":memory:",
                     config={"extension_directory": ext})
here = os.path.join(ext, "v" + duckdb.__version__, con.execute("PRAGMA platform").fetchone()[0])
os.makedirs(here)
for package, name in (("duckdb_extension_sqlite", "sqlite_scanner"),
                      ("duckdb_extension_postgres_scanner", "postgres_scanner")):
    folder = os.path.dirname(__import__(package).__file__)
    shutil.copy(glob.glob(os.path.join(folder, "extensions", "*", "*.duckdb_extension"))[0],
                os.path.join(here, name + ".duckdb_extension"))
    con.execute("LOAD " + name)
source_type, schema = ("sqlite", "main") if kind.startswith("sqlite") else ("postgres", "public")
con.execute(f"ATTACH '{src}' AS s (TYPE {source_type}, READ_ONLY)")
into = "main"
if kind.endswith("postgresql"):
    con.execute(f"ATTACH '{dst}' AS t (TYPE postgres)")
    into = "t.public"
tables = [r[0] for r in con.execute(
    "SELECT table_name FROM duckdb_tables() WHERE database_name = 's' AND schema_name = ? "
    "AND NOT starts_with(table_name, '_arrowmig')", [schema]).fetchall()]
for t in tables:
    con.execute(f'DROP TABLE IF EXISTS {into}."{t}"')
    con.execute(f'CREATE TABLE {into}."{t}" AS SELECT * FROM s."{t}"')
con.close()
"""


def timed(cmd: list[str]) -> tuple[float, float, float]:
    """Wall seconds, the command's own CPU seconds, and the rest of the machine's."""
    before = psutil.cpu_times()
    children = psutil.Process().cpu_times()
    started = time.monotonic()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.monotonic() - started
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd[:4])} ...\n{done.stderr.strip()[-2000:]}")
    after, mine = psutil.cpu_times(), psutil.Process().cpu_times()
    total = (after.user + after.system) - (before.user + before.system)
    own = (mine.children_user + mine.children_system) - (
        children.children_user + children.children_system
    )
    return wall, own, total - own


def pg_admin(url: str, sql: str) -> None:
    import psycopg  # the bench extra

    with psycopg.connect(url, autocommit=True) as con:
        con.execute(sql)


def settle(server: str) -> None:
    """Let the server finish what a run left it (dirty pages, autovacuum's first look at the
    new tables) before the next run is timed, whichever tool went first."""
    pg_admin(server, "CHECKPOINT")
    time.sleep(3)


def database_url(server: str, name: str) -> str:
    return server.rsplit("/", 1)[0] + "/" + name


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duckdb-python", required=True)
    parser.add_argument("--sqlite", required=True)
    parser.add_argument("--pg", required=True, help="a database on the server, for admin")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    arrowmig = [sys.executable, "-m", "arrowmig.cli", "migrate"]
    duck = [args.duckdb_python, "-c", DUCKDB_COPY]
    dbs = {"duckdb": "bench_duckdb_copy_a", "arrowmig": "bench_duckdb_copy_b"}
    for name in dbs.values():
        pg_admin(args.pg, f'DROP DATABASE IF EXISTS "{name}"')
        pg_admin(args.pg, f'CREATE DATABASE "{name}"')
    work = Path(tempfile.mkdtemp(prefix="bench_duckdb_copy_"))
    pg_a, pg_b = (database_url(args.pg, dbs[k]) for k in ("duckdb", "arrowmig"))
    flags = ["--mode", "replace", "--progress", "none", "--no-keys"]
    pairs = {
        "SQLite -> PostgreSQL": (
            [*duck, "sqlite-postgresql", args.sqlite, pg_a],
            [*arrowmig, args.sqlite, pg_b, *flags],
        ),
        "SQLite -> DuckDB": (
            [*duck, "sqlite-duckdb", args.sqlite, str(work / "a.duckdb")],
            [*arrowmig, args.sqlite, str(work / "b.duckdb"), *flags],
        ),
        "PostgreSQL -> DuckDB": (
            [*duck, "postgresql-duckdb", pg_b, str(work / "c.duckdb")],
            [*arrowmig, pg_b, str(work / "d.duckdb"), *flags],
        ),
    }
    try:
        print("| copy | tool | wall s (median) | its CPU s | rest of the machine CPU s |")
        print("|---|---|---|---|---|")
        for label, (duck_cmd, ours) in pairs.items():
            runs: dict[str, list[tuple[float, float, float]]] = {"DuckDB": [], "arrowmig": []}
            for _ in range(args.repeat):
                for f in work.glob("*.duckdb*"):
                    f.unlink()
                for tool, cmd in (("DuckDB", duck_cmd), ("arrowmig", ours)):
                    runs[tool].append(timed(cmd))
                    settle(args.pg)
            for tool, measured in runs.items():
                walls = ", ".join(f"{m[0]:.2f}" for m in measured)
                med = [statistics.median(m[i] for m in measured) for i in range(3)]
                print(
                    f"| {label} | {tool} | {med[0]:.2f} ({walls}) | {med[1]:.1f} | {med[2]:.1f} |"
                )
    finally:
        for name in dbs.values():
            pg_admin(args.pg, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())

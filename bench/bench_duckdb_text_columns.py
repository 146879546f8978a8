"""PostgreSQL -> DuckDB of a table whose columns mostly travel as text (uuid, jsonb, text[],
inet, timetz, numeric, text): what screening each batch for DuckDB's casts costs at the default
``--batch-bytes`` (1 MiB) against one batch of 64 MiB.

Usage: python bench/bench_duckdb_text_columns.py [--rows 20000] [--repeat 3] [--tree DIR ...]
           [--db NAME]

The table is built in the throw-away database ``--db`` on ``postgresql://postgres@127.0.0.1:5432``
(dropped at the end). Each run is ``arrowmig migrate SOURCE TARGET.duckdb --batch-bytes B
--progress json`` in a fresh process. Printed: the median of ``--repeat`` runs of the table's
seconds (the report's) and of the process's. ``--tree`` runs the arrowmig of another source tree
(a checkout of an earlier commit) in turn with this one, run by run, so both see the same machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SERVER = "postgresql://postgres@127.0.0.1:5432"
HERE = str(Path(__file__).resolve().parent.parent)
TABLE = """
CREATE TABLE w (id int PRIMARY KEY, u uuid, j jsonb, a text[], i inet, t1 text, t2 text,
                t3 text, n numeric, tz timetz, iv interval);
INSERT INTO w SELECT g, gen_random_uuid(), jsonb_build_object('g', g, 's', repeat('x', 100)),
  array['a' || g, 'b'], '10.0.0.1', repeat('y', 80), md5(g::text), 'z', g / 7.0, '08:00+02',
  make_interval(secs => g) FROM generate_series(1, {rows}) g
"""


def psql(db: str, sql: str) -> None:
    subprocess.run(["psql", f"{SERVER}/{db}", "-qc", sql], check=True, capture_output=True)


def timed(tree: str, source: str, target: Path, batch_bytes: str) -> tuple[float, float]:
    """The table's seconds, as the run reports them, and the whole process's."""
    target.unlink(missing_ok=True)
    args = [sys.executable, "-m", "arrowmig", "migrate", source, str(target)]
    args += ["--batch-bytes", batch_bytes, "--progress", "json"]
    started = time.monotonic()
    # Run from the tree: ``python -m`` puts the working directory before PYTHONPATH.
    env = {**os.environ, "PYTHONPATH": tree}
    run = subprocess.run(args, cwd=tree, env=env, capture_output=True, text=True, check=True)
    whole = time.monotonic() - started
    for line in run.stdout.splitlines():
        if line.startswith("{") and json.loads(line).get("event") == "summary":
            return float(json.loads(line)["report"]["tables"][0]["seconds"]), whole
    raise SystemExit(f"{' '.join(args)} printed no summary")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tree", action="append", default=[])
    parser.add_argument("--db", default="arrowmig_bench_text_columns")
    options = parser.parse_args()
    psql("postgres", f'DROP DATABASE IF EXISTS "{options.db}" WITH (FORCE)')
    psql("postgres", f'CREATE DATABASE "{options.db}"')
    psql(options.db, TABLE.format(rows=int(options.rows)))
    seconds: dict[tuple[str, str], list[tuple[float, float]]] = {}
    try:
        with tempfile.TemporaryDirectory() as folder:
            for _ in range(options.repeat):
                for tree in [HERE, *options.tree]:
                    for batch_bytes in ("1MiB", "64MiB"):
                        table, whole = timed(
                            tree, f"{SERVER}/{options.db}", Path(folder) / "t.duckdb", batch_bytes
                        )
                        seconds.setdefault((tree, batch_bytes), []).append((table, whole))
                        print(
                            f"{tree} --batch-bytes {batch_bytes}: table {table:.2f} s, "
                            f"process {whole:.2f} s",
                            flush=True,
                        )
    finally:
        psql("postgres", f'DROP DATABASE IF EXISTS "{options.db}" WITH (FORCE)')
    print(f"\n{options.rows:,} rows x 11 columns, median of {options.repeat}:")
    for (tree, batch_bytes), runs in seconds.items():
        table = statistics.median(t for t, _ in runs)
        whole = statistics.median(w for _, w in runs)
        print(
            f"  {tree}  --batch-bytes {batch_bytes:<5}  table {table:6.2f} s  process {whole:6.2f} s"
        )


if __name__ == "__main__":
    main()

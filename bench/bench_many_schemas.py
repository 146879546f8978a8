"""A PostgreSQL source of several schemas of many small tables, moved with
``--source-schema '*'``: what planning and describing cost when there are a thousand tables.

Usage: python bench/bench_many_schemas.py [--schemas 5] [--tables 200] [--repeat 3]
           [--targets duckdb,postgresql] [--tree DIR ...] [--db NAME] [--reuse] [--plan]

Each table is ``(id serial PRIMARY KEY, name text NOT NULL, amount numeric(10,2), at
timestamptz DEFAULT now())`` of 10 rows. The source is the database ``--db`` on
``postgresql://postgres@127.0.0.1:5432`` (built, and dropped at the end, unless ``--reuse``
finds it built). Each run is ``arrowmig migrate SOURCE TARGET --source-schema '*'
--progress json`` in a fresh process, into a scratch DuckDB file or a throw-away PostgreSQL
database (``<db>_target``); a SQLite target has no schemas to put each in, and is refused.
Printed per target: the median of ``--repeat`` runs of the whole run's seconds and of the
seconds to its first row (its first ``progress`` event). ``--plan`` times ``arrowmig plan``
too. ``--tree`` runs the arrowmig of another source tree (a checkout of an earlier commit),
in turn with this one, run by run, so that both see the same machine.
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


def psql(db: str, sql: str) -> str:
    url = f"{SERVER}/{db}"
    return subprocess.run(
        ["psql", url, "-qAtc", sql], check=True, capture_output=True, text=True
    ).stdout.strip()


def created_afresh(db: str, reuse: bool) -> bool:
    """Drop and create ``db``; with ``reuse``, keep it when it exists (False: nothing to build)."""
    if reuse and psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{db}'"):
        return False
    psql("postgres", f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    psql("postgres", f'CREATE DATABASE "{db}"')
    return True


def build(db: str, schemas: int, tables: int, reuse: bool) -> None:
    if not created_afresh(db, reuse):
        return
    psql(
        db,
        f"""DO $$ BEGIN
        FOR s IN 1..{schemas} LOOP
          EXECUTE format('CREATE SCHEMA s%s', s);
          FOR t IN 1..{tables} LOOP
            EXECUTE format('CREATE TABLE s%s.t%s (id serial PRIMARY KEY, name text NOT NULL, '
              'amount numeric(10,2), at timestamptz DEFAULT now())', s, t);
            EXECUTE format('INSERT INTO s%s.t%s (name, amount) SELECT ''n'' || g, g * 1.25 '
              'FROM generate_series(1, 10) g', s, t);
          END LOOP;
        END LOOP; END $$""",
    )


def fresh_target(kind: str, db: str, folder: str) -> str:
    if kind == "postgresql":
        psql("postgres", f'DROP DATABASE IF EXISTS "{db}_target" WITH (FORCE)')
        psql("postgres", f'CREATE DATABASE "{db}_target"')
        return f"{SERVER}/{db}_target"
    path = Path(folder) / "target.duckdb"
    path.unlink(missing_ok=True)
    return str(path)


def timed(
    tree: str,
    verb: str,
    source: str,
    target: str,
    options: tuple[str, ...] = ("--source-schema", "*"),
) -> tuple[float, float | None]:
    """The command's seconds, and the seconds to its first row (migrate), run by the arrowmig
    of source tree ``tree``: from inside it, as ``python -m`` puts the working folder first."""
    args = [sys.executable, "-m", "arrowmig", verb, source, target, *options]
    if verb == "migrate":
        args += ["--progress", "json"]
    env = {**os.environ, "PYTHONPATH": tree}
    started = time.monotonic()
    first = None
    with subprocess.Popen(
        args, env=env, cwd=tree, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as run:
        assert run.stdout is not None
        for line in run.stdout:
            if first is None and line.startswith("{"):
                with_rows = json.loads(line)
                if with_rows.get("event") == "progress" and with_rows.get("rows"):
                    first = time.monotonic() - started
    if run.returncode not in (0,):
        raise SystemExit(f"{' '.join(args)} exited {run.returncode}")
    return time.monotonic() - started, first


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schemas", type=int, default=5)
    parser.add_argument("--tables", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--targets", default="duckdb,postgresql")
    parser.add_argument("--tree", action="append", default=[])
    parser.add_argument("--db", default="arrowmig_bench_schemas")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--plan", action="store_true")
    options = parser.parse_args()
    trees = [HERE, *options.tree]
    build(options.db, options.schemas, options.tables, options.reuse)
    source = f"{SERVER}/{options.db}"
    verbs = ["plan", "migrate"] if options.plan else ["migrate"]
    seconds: dict[tuple[str, str, str], list[float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(options.repeat):
            for kind in options.targets.split(","):
                for verb in verbs:
                    for tree in trees:
                        target = fresh_target(kind, options.db, folder)
                        whole, first = timed(tree, verb, source, target)
                        seconds.setdefault((tree, kind, verb), []).append(whole)
                        if first is not None:
                            seconds.setdefault((tree, kind, "first row"), []).append(first)
                        print(f"{tree} {kind} {verb}: {whole:.1f} s, first row {first}", flush=True)
        if "postgresql" in options.targets:
            psql("postgres", f'DROP DATABASE IF EXISTS "{options.db}_target" WITH (FORCE)')
    if not options.reuse:
        psql("postgres", f'DROP DATABASE IF EXISTS "{options.db}" WITH (FORCE)')
    print_medians(f"{options.schemas} schemas x {options.tables} tables", options.repeat, seconds)


def print_medians(
    title: str, repeat: int, seconds: dict[tuple[str, str, str], list[float]]
) -> None:
    """Each (tree, and two words of what ran) with the median of its runs' seconds."""
    print(f"\n{title}, median of {repeat}:")
    for (tree, kind, what), values in seconds.items():
        print(f"  {tree}  {kind:<10} {what:<9} {statistics.median(values):7.1f} s  {values}")


if __name__ == "__main__":
    main()

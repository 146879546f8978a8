"""One PostgreSQL schema of many small tables of a realistic shape, planned and moved: what
describing the tables costs when there are a thousand of them.

Usage: python bench/bench_many_tables.py [--tables 1000] [--repeat 3]
           [--runs plan:sqlite,plan:duckdb,migrate:sqlite] [--tree DIR ...] [--db NAME] [--reuse]

Table ``t<n>`` is ``(id bigserial PRIMARY KEY, name text NOT NULL, qty int, amount
numeric(12,2), at timestamptz DEFAULT now(), note varchar(40), parent_id bigint)`` with an
index on ``name`` and 10 rows; every third table's ``parent_id`` references the table before
it. The source is the database ``--db`` on ``postgresql://postgres@127.0.0.1:5432`` (built, and
dropped at the end, unless ``--reuse`` finds it built). Each run is ``arrowmig VERB SOURCE
TARGET`` in a fresh process into a scratch SQLite or DuckDB file or a throw-away PostgreSQL
database (``<db>_target``; ``migrate:postgresql``), ``migrate`` with ``--progress json``. Printed: the median of ``--repeat`` runs of each verb and target.
``--tree`` runs the arrowmig of another source tree (a checkout of an earlier commit) in turn
with this one, run by run, so that both see the same machine.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bench_many_schemas import (
    HERE,
    SERVER,
    created_afresh,
    fresh_target,
    print_medians,
    psql,
    timed,
)


def build(db: str, tables: int, reuse: bool) -> None:
    if not created_afresh(db, reuse):
        return
    psql(
        db,
        f"""DO $$ BEGIN
        FOR t IN 1..{tables} LOOP
          EXECUTE format('CREATE TABLE t%s (id bigserial PRIMARY KEY, name text NOT NULL, '
            'qty int, amount numeric(12,2), at timestamptz DEFAULT now(), note varchar(40), '
            'parent_id bigint %s)', t,
            CASE WHEN t % 3 = 0 THEN format('REFERENCES t%s (id)', t - 1) ELSE '' END);
          EXECUTE format('CREATE INDEX t%s_name_idx ON t%s (name)', t, t);
          EXECUTE format('INSERT INTO t%s (name, qty, amount, note, parent_id) SELECT ''n'' || g, '
            'g, g * 1.25, ''x'' || g, %s FROM generate_series(1, 10) g', t,
            CASE WHEN t % 3 = 0 THEN '1' ELSE 'NULL' END);
        END LOOP; END $$""",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--runs", default="plan:sqlite,plan:duckdb,migrate:sqlite")
    parser.add_argument("--tree", action="append", default=[])
    parser.add_argument("--db", default="arrowmig_bench_tables")
    parser.add_argument("--reuse", action="store_true")
    options = parser.parse_args()
    trees = [HERE, *options.tree]
    build(options.db, options.tables, options.reuse)
    source = f"{SERVER}/{options.db}"
    runs = [tuple(run.split(":")) for run in options.runs.split(",")]
    seconds: dict[tuple[str, str, str], list[float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(options.repeat):
            for verb, kind in runs:
                for tree in trees:
                    if kind == "sqlite":
                        (Path(folder) / "target.db").unlink(missing_ok=True)
                        target = str(Path(folder) / "target.db")
                    else:
                        target = fresh_target(kind, options.db, folder)
                    whole, _first = timed(tree, verb, source, target, ())
                    seconds.setdefault((tree, verb, kind), []).append(whole)
                    print(f"{tree} {verb} {kind}: {whole:.1f} s", flush=True)
    if any(kind == "postgresql" for _, kind in runs):
        psql("postgres", f'DROP DATABASE IF EXISTS "{options.db}_target" WITH (FORCE)')
    if not options.reuse:
        psql("postgres", f'DROP DATABASE IF EXISTS "{options.db}" WITH (FORCE)')
    print_medians(f"{options.tables} tables", options.repeat, seconds)


if __name__ == "__main__":
    main()

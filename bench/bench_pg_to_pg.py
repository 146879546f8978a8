"""PostgreSQL -> PostgreSQL: `arrowmig migrate` against `pg_dump | psql`, side by side.

Each round copies SOURCE into two fresh databases on the same server, one per tool,
alternating which goes first, with a server CHECKPOINT and a short rest after each run.
Prints each run's wall and CPU seconds, the medians and arrowmig's ratio to pg_dump | psql.

Usage:
    python bench/bench_pg_to_pg.py --source postgresql://postgres@127.0.0.1:5432/perf \
        --repeat 3 [--extra=--no-keys]

The source is any PostgreSQL database (e.g. `arrowmig generate postgresql://…/perf --scale
phase3`), or, with --make-source ROWS, one made first (and kept): ROWS orders (bigint key,
text, numeric(12,2), timestamptz, jsonb; three indexes) with a foreign key to 20,000
customers. The databases bench_pg_to_pg_dump and bench_pg_to_pg_arrowmig (--prefix) are
created and dropped on the source's server.
"""

from __future__ import annotations

import argparse
import shlex
import statistics
import sys

from bench_duckdb_copy import database_url, pg_admin, settle, timed

ORDERS = """
CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL, email text,
  created_at timestamptz NOT NULL);
INSERT INTO customers SELECT i, 'customer ' || i, 'c' || i || '@example.com',
  timestamptz '2020-01-01' + i * interval '17 minutes' FROM generate_series(1, 20000) i;
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers(id),
  status text NOT NULL, note text, amount numeric(12,2) NOT NULL, created_at timestamptz NOT NULL,
  payload jsonb);
INSERT INTO orders SELECT i, 1 + (i * 7919) % 20000,
  (ARRAY['new', 'paid', 'shipped', 'cancelled'])[1 + i % 4],
  CASE WHEN i % 5 = 0 THEN NULL ELSE md5(i::text) || ' order note' END,
  ((i * 31) % 100000) / 100.0, timestamptz '2021-01-01' + i * interval '13 seconds',
  jsonb_build_object('sku', 'SKU-' || (i % 5000), 'qty', 1 + i % 7,
    'tags', jsonb_build_array('a', 'b' || (i % 13)), 'gift', i % 11 = 0)
  FROM generate_series(1::bigint, {rows}) i;
CREATE INDEX ix_orders_customer ON orders (customer_id);
CREATE INDEX ix_orders_created ON orders (created_at);
CREATE INDEX ix_orders_status ON orders (status);
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", required=True, help="the PostgreSQL database to copy")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--prefix", default="bench_pg_to_pg", help="the names of the two target databases"
    )
    parser.add_argument(
        "--extra", default="", help="more options for arrowmig migrate, e.g. --no-keys"
    )
    parser.add_argument("--make-source", type=int, metavar="ROWS", help="create the source first")
    args = parser.parse_args()
    if args.make_source:
        name = args.source.rsplit("/", 1)[1]
        pg_admin(database_url(args.source, "postgres"), f'CREATE DATABASE "{name}"')
        pg_admin(args.source, ORDERS.format(rows=int(args.make_source)))
        pg_admin(args.source, "VACUUM ANALYZE")
    dbs = {"pg_dump | psql": f"{args.prefix}_dump", "arrowmig": f"{args.prefix}_arrowmig"}
    urls = {tool: database_url(args.source, name) for tool, name in dbs.items()}
    commands = {
        "pg_dump | psql": [
            "sh",
            "-c",
            f"pg_dump -d {shlex.quote(args.source)} | "
            f"psql -q -v ON_ERROR_STOP=1 -d {shlex.quote(urls['pg_dump | psql'])} >/dev/null",
        ],
        "arrowmig": [
            sys.executable,
            "-m",
            "arrowmig.cli",
            "migrate",
            args.source,
            urls["arrowmig"],
            "--progress",
            "none",
            *shlex.split(args.extra),
        ],
    }
    runs: dict[str, list[tuple[float, float, float]]] = {tool: [] for tool in commands}
    try:
        for round_no in range(args.repeat):
            order = list(commands) if round_no % 2 == 0 else list(reversed(commands))
            for tool in order:
                pg_admin(args.source, f'DROP DATABASE IF EXISTS "{dbs[tool]}" WITH (FORCE)')
                pg_admin(args.source, f'CREATE DATABASE "{dbs[tool]}"')
                runs[tool].append(timed(commands[tool]))
                wall, own, rest = runs[tool][-1]
                print(
                    f"round {round_no + 1}: {tool}: {wall:.2f} s wall, CPU {own:.1f} + {rest:.1f}"
                )
                settle(args.source)
    finally:
        for name in dbs.values():
            pg_admin(args.source, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print("| tool | wall s, median (runs) | its CPU s | rest of the machine CPU s |")
    print("|---|---|---|---|")
    medians = {}
    for tool, measured in runs.items():
        walls = ", ".join(f"{m[0]:.2f}" for m in measured)
        medians[tool] = [statistics.median(m[i] for m in measured) for i in range(3)]
        med = medians[tool]
        print(f"| {tool} | {med[0]:.2f} ({walls}) | {med[1]:.1f} | {med[2]:.1f} |")
    ratio = medians["arrowmig"][0] / medians["pg_dump | psql"][0]
    print(f"arrowmig / pg_dump | psql: {ratio:.2f}x the time (medians)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

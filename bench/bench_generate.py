"""How fast ``arrowmig generate`` fills DuckDB and SQLite, against each database's own bulk path.

Usage: python bench/bench_generate.py [--scale phase3[,small,...]] [--repeats 3] [--seed 42]
                                      [--targets duckdb,sqlite] [--out bench/out]

Pairs, each measured in the same run, every measurement in a fresh child process so that its
peak RSS is its own:

* DuckDB: ``arrowmig generate duckdb:///x.duckdb`` (load, then primary keys and indexes)
  against ``CREATE TABLE ... AS <the same generating query>`` inside one DuckDB file. The
  reference's index build is timed apart, so both "load only" and "load + indexes" compare.
* SQLite: ``arrowmig generate sqlite:///x.db`` against ``INSERT INTO t SELECT * FROM src.t``
  from an attached SQLite file holding the same rows (built once, untimed), with the same
  column declarations, WAL and synchronous=NORMAL as arrowmig's SQLite target uses.

Each pair is compared twice: loading alone (``generate --no-keys`` against the reference's
load) and loading plus primary keys and indexes (``generate`` against the reference's load plus
the same ``ALTER TABLE ... ADD PRIMARY KEY`` / ``CREATE INDEX`` statements). Prints a markdown
table of medians and writes the raw figures as JSON to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

REQUIRED = {"duckdb": 0.5, "sqlite": 0.35}


# -- child processes: one measurement each ---------------------------------------------------


class PeakRss:
    """Peak resident set size of this process: psutil sampled every 20 ms, and ru_maxrss."""

    def __init__(self) -> None:
        import psutil

        self._proc = psutil.Process()
        self.peak = self._proc.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self._proc.memory_info().rss)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        self.peak = max(self.peak, max_rss)


def child_generate(url: str, scale: str, seed: int, keys: bool) -> dict[str, Any]:
    from arrowmig.generator import generate

    with PeakRss() as rss:
        t0 = time.perf_counter()
        report = generate(url, scale=scale, seed=seed, keys=keys)
        seconds = time.perf_counter() - t0
    if not report.ok:
        raise SystemExit(f"generate failed: {report.to_dict()}")
    return {"seconds": seconds, "rows": report.rows, "peak_rss": rss.peak}


def child_duckdb_ctas(path: str, scale: str, seed: int) -> dict[str, Any]:
    import duckdb

    from arrowmig.generator import TABLES, GeneratedSource

    with PeakRss() as rss, GeneratedSource(scale=scale, seed=seed) as src:
        con = duckdb.connect(path)
        for statement in src.setup_sql(temporary=True):
            con.execute(statement)
        t0 = time.perf_counter()
        for name in TABLES:
            con.execute(f'CREATE TABLE "{name}" AS {src.sql(name)}')
        load = time.perf_counter() - t0
        t1 = time.perf_counter()
        for name in TABLES:
            table = src.describe(name)
            con.execute(f'ALTER TABLE "{name}" ADD PRIMARY KEY (id)')
            for ix in table.indexes:
                con.execute(f'CREATE INDEX "{ix.name}" ON "{name}" ("{ix.columns[0]}")')
        indexes = time.perf_counter() - t1
        rows = sum(con.execute(f'SELECT count(*) FROM "{n}"').fetchall()[0][0] for n in TABLES)
        con.close()
    return {"seconds": load, "index_seconds": indexes, "rows": rows, "peak_rss": rss.peak}


def child_sqlite_insert(path: str, source: str) -> dict[str, Any]:
    with PeakRss() as rss:
        con = sqlite3.connect(path, isolation_level=None)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
        con.execute("ATTACH DATABASE ? AS src", (source,))
        ddl = con.execute(
            "SELECT name, sql FROM src.sqlite_schema WHERE type = 'table' "
            "AND name LIKE 'large\\_%' ESCAPE '\\' ORDER BY name"
        ).fetchall()
        index_ddl = con.execute(
            "SELECT sql FROM src.sqlite_schema WHERE type = 'index' AND sql IS NOT NULL"
        ).fetchall()
        t0 = time.perf_counter()
        con.execute("BEGIN")
        for name, sql in ddl:
            con.execute(sql)
            con.execute(f'INSERT INTO main."{name}" SELECT * FROM src."{name}"')
        con.execute("COMMIT")
        load = time.perf_counter() - t0
        t1 = time.perf_counter()
        con.execute("BEGIN")
        for (sql,) in index_ddl:
            con.execute(sql)
        con.execute("COMMIT")
        indexes = time.perf_counter() - t1
        rows = sum(con.execute(f'SELECT count(*) FROM main."{n}"').fetchone()[0] for n, _ in ddl)
        con.close()
    return {"seconds": load, "index_seconds": indexes, "rows": rows, "peak_rss": rss.peak}


def child_main(argv: list[str]) -> None:
    kind, *args = argv
    if kind == "generate":
        result = child_generate(args[0], args[1], int(args[2]), args[3] == "keys")
    elif kind == "duckdb-ctas":
        result = child_duckdb_ctas(args[0], args[1], int(args[2]))
    elif kind == "sqlite-insert":
        result = child_sqlite_insert(args[0], args[1])
    else:
        raise SystemExit(f"unknown child {kind}")
    print(json.dumps(result))


# -- the parent: pairs, repeats, medians -----------------------------------------------------


def run_child(*args: str, attempts: int = 3) -> dict[str, Any]:
    """Run one measurement in a fresh process; a failed run is reported and tried again."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for attempt in range(1, attempts + 1):
        out = subprocess.run(
            [sys.executable, __file__, "--child", *args],
            capture_output=True,
            text=True,
            env=env,
        )
        if out.returncode == 0:
            result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
            result["attempts"] = attempt
            return result
        last = (out.stderr.strip() or out.stdout.strip()).splitlines()[-1:] or ["?"]
        print(f"  run {args[0]} failed (attempt {attempt}): {last[0][:300]}", file=sys.stderr)
    raise SystemExit(f"{args[0]} failed {attempts} times")


def _fresh(path: Path) -> Path:
    for suffix in ("", "-wal", "-shm", ".wal"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return path


def bench_scale(
    scale: str, seed: int, repeats: int, targets: list[str], work: Path
) -> dict[str, Any]:
    runs: dict[str, list[dict[str, Any]]] = {}
    sqlite_source = work / f"source-{scale}.db"
    if "sqlite" in targets:
        # The reference copies the same rows from an attached file: build it once, untimed.
        run_child("generate", str(_fresh(sqlite_source)), scale, str(seed), "keys")
    for i in range(repeats):
        for target in targets:
            g = work / ("g.duckdb" if target == "duckdb" else "g.db")
            url = f"duckdb:///{g}" if target == "duckdb" else str(g)
            ref: tuple[str, ...] = (
                ("duckdb-ctas", str(work / "r.duckdb"), scale, str(seed))
                if target == "duckdb"
                else ("sqlite-insert", str(work / "r.db"), str(sqlite_source))
            )
            jobs: list[tuple[str, tuple[str, ...]]] = [
                (f"{target}:arrowmig", ("generate", url, scale, str(seed), "keys")),
                (f"{target}:arrowmig-load", ("generate", url, scale, str(seed), "no-keys")),
                (f"{target}:reference", ref),
            ]
            # Rotate which job goes first so drift and caches favour none of them.
            for k in range(len(jobs)):
                label, args = jobs[(k + i) % len(jobs)]
                _fresh(g)
                _fresh(work / "r.duckdb")
                _fresh(work / "r.db")
                runs.setdefault(label, []).append(run_child(*args))
        print(f"  {scale}: repeat {i + 1}/{repeats} done", file=sys.stderr)
    return runs


def _median(runs: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(float(r.get(key, 0.0)) for r in runs))


def summarise(scale: str, runs: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    rows = []
    for target in ("duckdb", "sqlite"):
        mine, ref = runs.get(f"{target}:arrowmig"), runs.get(f"{target}:reference")
        load = runs.get(f"{target}:arrowmig-load")
        if not mine or not ref or not load:
            continue
        n = mine[0]["rows"]
        gen_s = _median(mine, "seconds")
        load_s = _median(load, "seconds")
        ref_s = _median(ref, "seconds")
        ref_all_s = statistics.median(r["seconds"] + r["index_seconds"] for r in ref)
        rows.append(
            {
                "scale": scale,
                "target": target,
                "rows": n,
                "reference_rows": ref[0]["rows"],
                "repeats": len(mine),
                "generate_load_s": load_s,
                "generate_s": gen_s,
                "reference_load_s": ref_s,
                "reference_with_indexes_s": ref_all_s,
                "ratio_load": ref_s / load_s,
                "ratio_with_indexes": ref_all_s / gen_s,
                "required": REQUIRED[target],
                "generate_peak_rss": max(r["peak_rss"] for r in mine + load),
                "generate_load_peak_rss": max(r["peak_rss"] for r in load),
                "generate_keys_peak_rss": max(r["peak_rss"] for r in mine),
                "reference_peak_rss": max(r["peak_rss"] for r in ref),
                "generate_load_runs_s": [round(r["seconds"], 3) for r in load],
                "generate_runs_s": [round(r["seconds"], 3) for r in mine],
                "reference_runs_s": [round(r["seconds"], 3) for r in ref],
                "reference_index_runs_s": [round(r["index_seconds"], 3) for r in ref],
            }
        )
    return rows


def markdown(rows: list[dict[str, Any]]) -> str:
    head = (
        "| scale | target | rows | reference | load only: generate s / ref s | ratio "
        "| with keys+indexes: generate s / ref s | ratio | needed | peak RSS generate | peak RSS ref |"
    )
    out = [head, "|" + "---|" * 11]
    names = {"duckdb": "CREATE TABLE AS", "sqlite": "INSERT … SELECT (attached)"}
    for r in rows:
        out.append(
            f"| {r['scale']} | {r['target']} | {r['rows']:,} | {names[r['target']]} "
            f"| {r['generate_load_s']:.2f} / {r['reference_load_s']:.2f} "
            f"| **{r['ratio_load']:.2f}x** "
            f"| {r['generate_s']:.2f} / {r['reference_with_indexes_s']:.2f} "
            f"| **{r['ratio_with_indexes']:.2f}x** | ≥ {r['required']}x "
            f"| {r['generate_peak_rss'] / 2**20:.0f} MiB | {r['reference_peak_rss'] / 2**20:.0f} MiB |"
        )
    return "\n".join(out)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child_main(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", default="phase3", help="comma-separated scales")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--targets", default="duckdb,sqlite")
    parser.add_argument("--out", default=str(HERE / "out"))
    parser.add_argument("--workdir", default=None, help="where the databases go (default: tmp)")
    args = parser.parse_args()
    targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    work = Path(args.workdir or tempfile.mkdtemp(prefix="arrowmig-bench-gen-"))
    work.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    started = time.time()
    try:
        for scale in [s.strip() for s in args.scale.split(",") if s.strip()]:
            runs = bench_scale(scale, args.seed, args.repeats, targets, work)
            rows.extend(summarise(scale, runs))
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    table = markdown(rows)
    print(table)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(started))
    (out / f"generate-{stamp}.json").write_text(json.dumps(rows, indent=2) + "\n")
    (out / f"generate-{stamp}.md").write_text(table + "\n")
    print(
        f"\nwritten to {out}/generate-{stamp}.{{json,md}} ({os.cpu_count()} cores)", file=sys.stderr
    )


if __name__ == "__main__":
    main()

"""Time ``verify`` against ``migrate`` on the same data, SQLite -> PostgreSQL, with peak RSS.

Usage: python bench/bench_verify.py [--scale phase3|small|tiny] [--repeat 3] [--pg URL]
       [--work DIR] [--json]

Builds the dataset in SQLite (``arrowmig.generate``, or bench/phase3_fallback.py when it is
absent), then runs, each in a fresh process so start-up and memory are counted alike:
``migrate`` SQLite -> a throw-away PostgreSQL database (mode replace), and ``verify`` of the
pair at checksum level. Prints medians, the ratio verify / migrate, and verify's peak RSS.
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
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG = os.environ.get("ARROWMIG_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")

# Each step runs in its own interpreter; it prints one JSON line on stdout.
MIGRATE = """
import json, resource, sys, time
t0 = time.perf_counter()
from arrowmig.config import MigrationConfig
from arrowmig.migrate import migrate
r = migrate(sys.argv[1], sys.argv[2], config=MigrationConfig(mode="replace"))
print(json.dumps({"seconds": time.perf_counter() - t0, "rows": r.rows, "ok": r.ok,
    "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
"""
VERIFY = """
import json, resource, sys, time
t0 = time.perf_counter()
from arrowmig.verifier import verify
r = verify(sys.argv[1], sys.argv[2], level=sys.argv[3])
print(json.dumps({"seconds": time.perf_counter() - t0, "rows": r.rows, "ok": r.ok,
    "tables": [[t.name, t.result, t.rows_source, round(t.seconds, 2)] for t in r.tables],
    "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
"""


def _run(code: str, *args: str) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"step failed with exit code {done.returncode}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall_seconds"] = wall
    return result


def _build(path: Path, scale: str) -> None:
    if path.exists():
        return
    try:
        from arrowmig.generator import SCALES, generate

        if scale in SCALES:
            generate(str(path), scale=scale)
            return
    except ImportError:
        pass
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "phase3_fallback.py"), str(path), "--scale", scale],
        check=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="phase3")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pg", default=DEFAULT_PG, help="a PostgreSQL server to create a db on")
    parser.add_argument("--work", default=None, help="where the SQLite file is kept (reused)")
    parser.add_argument("--level", default="checksum", choices=["count", "checksum", "diff"])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    import psycopg

    work = Path(args.work or tempfile.mkdtemp(prefix="arrowmig-bench-verify-"))
    work.mkdir(parents=True, exist_ok=True)
    source = work / f"{args.scale}.db"
    t0 = time.perf_counter()
    _build(source, args.scale)
    print(f"dataset {source} ready in {time.perf_counter() - t0:.1f}s", file=sys.stderr)

    db = f"arrowmig_bench_verify_{uuid.uuid4().hex[:8]}"
    target = args.pg.rsplit("/", 1)[0] + "/" + db
    with psycopg.connect(args.pg, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{db}"')
    try:
        migrations, verifies = [], []
        for i in range(args.repeat):
            m = _run(MIGRATE, str(source), target)
            v = _run(VERIFY, str(source), target, args.level)
            if not (m["ok"] and v["ok"]):
                raise SystemExit(f"run {i}: migrate ok={m['ok']}, verify ok={v['ok']}: {v}")
            migrations.append(m)
            verifies.append(v)
            print(
                f"run {i + 1}: migrate {m['wall_seconds']:.2f}s, verify {v['wall_seconds']:.2f}s "
                f"(peak RSS {v['peak_rss_bytes'] / 2**20:.0f} MiB) {v['tables']}",
                file=sys.stderr,
            )
    finally:
        with psycopg.connect(args.pg, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')

    m_med = statistics.median(m["wall_seconds"] for m in migrations)
    v_med = statistics.median(v["wall_seconds"] for v in verifies)
    summary = {
        "scale": args.scale,
        "rows": verifies[0]["rows"],
        "level": args.level,
        "repeat": args.repeat,
        "migrate_median_s": round(m_med, 2),
        "verify_median_s": round(v_med, 2),
        "ratio_verify_to_migrate": round(v_med / m_med, 3),
        "verify_peak_rss_mib": round(max(v["peak_rss_bytes"] for v in verifies) / 2**20, 1),
        "migrate_peak_rss_mib": round(max(m["peak_rss_bytes"] for m in migrations) / 2**20, 1),
    }
    if args.json:
        print(json.dumps(summary))
    else:
        for key, value in summary.items():
            print(f"{key:26} {value}")


if __name__ == "__main__":
    main()

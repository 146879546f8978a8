"""Is columnar memory flat as tables grow? RSS growth of default-settings runs, small vs big.

Usage: python bench/bench_memory.py [--pairs table,scales] [--target sqlite|URL] [--repeat N]
                                    [--out bench/out]

Two comparisons, each a fresh interpreter per run (the same child as ``arrowmig bench``):
- ``table``: one table, large_bets at 500K rows vs 5M rows;
- ``scales``: the whole phase3 dataset (2.96M rows) vs large (12.8M rows).
RSS growth is the peak (VmHWM) minus the baseline after imports and connections. Flat means
the big run grows no more than the small one plus noise; the per-1,000-rows figure of the big
run is then a tenth or less of the small one's. Writes memory.json and memory.md into --out.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from arrowmig.bench import (
    DEFAULT_PG_URL,
    close_target,
    ensure_dataset,
    open_target,
    reset_target,
    run_child,
)
from arrowmig.config import (
    DEFAULT_BATCH_BYTES,
    DEFAULT_BATCH_ROWS,
    DEFAULT_PARALLEL,
    MigrationConfig,
)

CACHE = Path("~/.cache/arrowmig/bench").expanduser()


def bets_dataset(rows: int, seed: int = 42) -> str:
    """A SQLite file holding only large_bets with ``rows`` rows (cached)."""
    from arrowmig.generator import generate

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"bets-{rows}-seed{seed}.db"
    if not path.exists():
        part = path.with_name(path.name + ".part")
        part.unlink(missing_ok=True)
        report = generate(
            f"sqlite:///{part}",
            scale="phase3",
            seed=seed,
            tables=["large_bets"],
            rows={"large_bets": rows},
            config=MigrationConfig(parallel=1, foreign_keys=False),
        )
        if not report.ok:
            raise SystemExit(f"generating {rows} bets failed: {report}")
        part.replace(path)
    return f"sqlite:///{path}"


def measure(source: str, target_url: str, label: str, repeat: int) -> list[dict[str, Any]]:
    """``repeat`` default-settings columnar runs of ``source`` into a fresh target each."""
    notes: list[str] = []
    work = Path(tempfile.mkdtemp(prefix="arrowmig-mem-"))
    target = open_target(target_url, work, notes)
    if target is None:
        raise SystemExit("; ".join(notes))
    runs = []
    try:
        for i in range(repeat):
            reset_target(target)
            # No batch or parallel options: the child runs with every default, as the
            # command does (a --batch-rows would lift the byte limit).
            cmd = [sys.executable, "-m", "arrowmig.bench", source, target.url]
            data = run_child(cmd)
            data.update(label=label, run=i + 1)
            print(
                f"{label} run {i + 1}: "
                + (
                    f"{data['rows']:,} rows, growth {data['rss_growth_bytes'] / 1e6:.1f} MB"
                    if data.get("ok")
                    else str(data.get("error"))
                ),
                file=sys.stderr,
            )
            runs.append(data)
    finally:
        close_target(target)
    return runs


def summarise(label: str, runs: list[dict[str, Any]]) -> dict[str, Any]:
    ok = [r for r in runs if r.get("ok")]
    if not ok:
        return {"label": label, "ok": False}
    growth = statistics.median(r["rss_growth_bytes"] for r in ok) / 1e6
    rows = ok[0]["rows"]
    return {
        "label": label,
        "ok": True,
        "n": len(ok),
        "rows": rows,
        "rss_growth_mb": growth,
        "rss_growth_min_mb": min(r["rss_growth_bytes"] for r in ok) / 1e6,
        "rss_growth_max_mb": max(r["rss_growth_bytes"] for r in ok) / 1e6,
        "peak_rss_mb": statistics.median(r["peak_rss_bytes"] for r in ok) / 1e6,
        "mb_per_1000_rows": growth / (rows / 1000),
        "seconds": statistics.median(r["seconds"] for r in ok),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", default="table,scales")
    parser.add_argument("--target", default="sqlite", help=f"sqlite or e.g. {DEFAULT_PG_URL}")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("bench/out"))
    args = parser.parse_args(argv)
    pairs = [p for p in args.pairs.split(",") if p]
    datasets: list[tuple[str, str]] = []
    if "table" in pairs:
        datasets += [
            ("large_bets 500K", bets_dataset(500_000)),
            ("large_bets 5M", bets_dataset(5_000_000)),
        ]
    if "scales" in pairs:
        datasets += [
            ("phase3 (2.96M rows)", ensure_dataset("phase3", 42, CACHE)),
            ("large (12.8M rows)", ensure_dataset("large", 42, CACHE)),
        ]
    results = []
    all_runs = []
    for label, source in datasets:
        runs = measure(source, args.target, label, args.repeat)
        all_runs += runs
        results.append(summarise(label, runs))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "memory.json").write_text(
        json.dumps({"target": args.target, "results": results, "runs": all_runs}, indent=2)
    )
    lines = [
        "# Columnar memory as tables grow",
        "",
        f"Default settings (batches of at most {DEFAULT_BATCH_ROWS:,} rows and "
        f"{DEFAULT_BATCH_BYTES / 2**20:g} MiB, parallel {DEFAULT_PARALLEL}), "
        f"target `{args.target}`, median of {args.repeat} runs, each a fresh interpreter. "
        "Growth = peak RSS (VmHWM) minus the baseline after imports and connections.",
        "",
        "| dataset | rows | RSS growth MB (min–max) | peak RSS MB | MB / 1k rows | seconds |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        if not r["ok"]:
            lines.append(f"| {r['label']} | failed | | | | |")
            continue
        lines.append(
            f"| {r['label']} | {r['rows']:,} | {r['rss_growth_mb']:.1f} "
            f"({r['rss_growth_min_mb']:.1f}–{r['rss_growth_max_mb']:.1f}) | "
            f"{r['peak_rss_mb']:.0f} | {r['mb_per_1000_rows']:.4f} | {r['seconds']:.1f} |"
        )
    (args.out / "memory.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What fixing glibc's mmap threshold (``arrowmig.malloc_tuning``) does to a run's memory.

Usage: python bench/bench_malloc.py SOURCE TARGET [--batch-bytes 2MiB] [--repeat 2]

The ``arrowmig`` command always fixes the threshold, so the comparison runs the library
(``arrowmig.migrate(..., mode="replace")``), which leaves the allocator alone: each run is a
fresh interpreter, with and without ``MALLOC_MMAP_THRESHOLD_=131072`` (the same setting made
from the environment), alternating. Prints seconds and RSS growth per run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

from arrowmig.malloc_tuning import MMAP_THRESHOLD_BYTES


def child(source: str, target: str, batch_bytes: str) -> None:
    from arrowmig import migrate
    from arrowmig.config import BatchConfig, MigrationConfig
    from arrowmig.sizes import parse_size

    config = MigrationConfig(mode="replace", batch=BatchConfig(batch_bytes=parse_size(batch_bytes)))
    report = migrate(source, target, config=config)
    print(f"{report.seconds:.1f} | {report.rss_growth_bytes / 2**20:.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source")
    parser.add_argument("target")
    parser.add_argument("--batch-bytes", default="2MiB")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)
    settings = {
        "glibc's default (dynamic threshold)": {},
        f"fixed at {MMAP_THRESHOLD_BYTES // 1024} KiB": {
            "MALLOC_MMAP_THRESHOLD_": str(MMAP_THRESHOLD_BYTES)
        },
    }
    print(f"batches of {args.batch_bytes}\n\n| allocator | run | seconds | RSS growth MiB |")
    print("|---|---|---|---|")
    for run in range(1, args.repeat + 1):
        for label, extra in settings.items():
            env = {k: v for k, v in os.environ.items() if k != "MALLOC_MMAP_THRESHOLD_"}
            out = subprocess.run(
                [sys.executable, __file__, "--child", args.source, args.target, args.batch_bytes],
                env={**env, **extra},
                capture_output=True,
                text=True,
                check=True,
            )
            print(f"| {label} | {run} | {out.stdout.strip().splitlines()[-1]} |")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], sys.argv[4])
        sys.exit(0)
    sys.exit(main())

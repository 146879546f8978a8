"""Where the CPU goes: the arrowmig process against the rest of the machine (the PostgreSQL
backends, on an otherwise idle host) during one command.

Usage: python bench/bench_cpu.py arrowmig migrate SOURCE TARGET [options ...]
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time

import psutil


def cpu_seconds() -> float:
    t = psutil.cpu_times()
    return float(t.user + t.system + getattr(t, "nice", 0.0))


def main(cmd: list[str]) -> int:
    before, started = cpu_seconds(), time.monotonic()
    proc = subprocess.run(cmd, stderr=subprocess.PIPE, text=True, check=False)
    wall = time.monotonic() - started
    total = cpu_seconds() - before
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    mine = usage.ru_utime + usage.ru_stime
    print((proc.stderr.strip().splitlines() or [""])[-1][:200])
    print(
        f"wall {wall:.1f}s; arrowmig process CPU {mine:.1f}s; rest of the machine (PostgreSQL "
        f"backends, mostly) {total - mine:.1f}s; total CPU {total:.1f}s of "
        f"{psutil.cpu_count() * wall:.1f}s available on {psutil.cpu_count()} cores"
    )
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

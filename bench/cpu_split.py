"""Where the arrowmig process spends its CPU, by stage, from a py-spy recording.

Usage:
    pip install py-spy        # a profiler, not a dependency of arrowmig
    py-spy record --native -r 50 -f raw -o prof.txt -- \\
        arrowmig migrate phase3.db postgresql://postgres@127.0.0.1/perf --mode replace --progress none
    python bench/cpu_split.py prof.txt

Samples of threads that wait (on a lock, a queue, the network) are left out; the rest are put
in the first stage whose function appears in their stack.
"""

from __future__ import annotations

import collections
import sys

WAITING = ("acquire_lock", "PyThread_acquire_lock", "poll", "futex", "pthread_cond", "sem_wait")
STAGES = (
    ("value profiling (describe)", ("profile_table", "_scan_in_parts", "_query_apart")),
    ("reading SQLite into Arrow", ("_typed_batches", "read_next_batch")),
    ("encoding and sending COPY (write_batch)", ("write_batch",)),
    ("screening and conversion", ("screen_batch", "_conform", "to_wire")),
)


def split(lines: list[str]) -> tuple[int, collections.Counter[str]]:
    """Busy samples in all, and per stage."""
    busy, per_stage = 0, collections.Counter[str]()
    for line in lines:
        stack, _, count = line.rstrip().rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [frame.split(" (", 1)[0] for frame in stack.split(";")]
        if any(w in frame for frame in frames[-4:] for w in WAITING):
            continue
        busy += int(count)
        stage = next(
            (name for name, marks in STAGES if any(m in f for f in frames for m in marks)),
            "everything else (start-up, planning queries, keys, metering)",
        )
        per_stage[stage] += int(count)
    return busy, per_stage


def main(argv: list[str]) -> int:
    with open(argv[0]) as f:
        busy, per_stage = split(f.readlines())
    print(f"{busy:,} busy samples\n\n| stage | share of busy samples |\n|---|---|")
    for stage, count in per_stage.most_common():
        print(f"| {stage} | {100 * count / max(1, busy):.0f}% |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""How good is the ETA? Run a migration with --progress json and compare, when 25%, 50% and
90% of the rows are committed, and at the last row, the ETA shown then with the time the run
actually still took (to its end: the ETA counts the key and index builds after the last row,
which a user waits for). Also printed: the streaming's tail, the seconds before the last row
during which fewer streams ran than there are workers (``--parallel``, default 2), from the end
of the stream that left the first worker without one (each stream's end is its last batch).

Usage: python bench/bench_eta.py SOURCE TARGET [more migrate options ...]

The README's table: phase3 (``arrowmig generate``), its ``large_statcast`` alone (``--tables``),
large_bets of 5,000,000 rows (``bench/bench_memory.py`` caches it) and 150,000 rows of 1-4 KB
of text (``python bench/bench_shapes.py texts --dir DIR --repeat 0`` builds DIR/texts.db).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time


def main(argv: list[str]) -> int:
    source, target, *extra = argv
    cmd = [
        sys.executable,
        "-m",
        "arrowmig",
        "migrate",
        source,
        target,
        "--progress",
        "json",
        "--progress-interval",
        "0",
        *extra,
    ]
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    rows_by_table: dict[str, int] = {}
    stream_ends: dict[str, float] = {}
    samples: list[tuple[float, int, float | None]] = []  # (seconds, rows committed in the run, eta)
    total = 0
    for line in proc.stdout:
        event = json.loads(line)
        if event["event"] == "progress":
            rows_by_table[event["table"]] = event["rows"]
            stream_ends[event["stream"]] = time.monotonic() - started
            samples.append(
                (time.monotonic() - started, sum(rows_by_table.values()), event["eta_s"])
            )
        elif event["event"] == "summary":
            total = event["report"]["rows"]
    proc.wait()
    finished = time.monotonic() - started
    last_row = next(s[0] for s in samples if s[1] >= total)
    print(
        f"{' '.join(cmd[3:])}: {total:,} rows in {finished:.1f}s, the last row at {last_row:.1f}s"
    )
    workers = int(extra[extra.index("--parallel") + 1]) if "--parallel" in extra else 2
    ends = sorted(stream_ends.values())
    if len(ends) >= workers:
        tail = ends[-1] - ends[-workers]
        print(
            f"  fewer streams than the {workers} workers for the last {tail:.1f}s before the "
            f"last row ({100 * tail / last_row:.0f}% of the time to it; {len(ends)} streams)"
        )
    for share in (0.25, 0.5, 0.9, 1.0):
        at, _rows, eta = next(s for s in samples if s[1] >= share * total)
        left = finished - at
        shown = (
            "no ETA yet"
            if eta is None
            else f"ETA {eta:.1f}s, error {100 * (eta - left) / left:+.0f}%"
        )
        print(f"  at {share:.0%} of the rows ({at:.1f}s): {shown}; the run took {left:.1f}s more")
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

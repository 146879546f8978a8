"""With ``--verify``, the run's memory figures (peak RSS, growth, MB per 1,000 rows) are the
load's, as its seconds are: they carried the verify's peak (288 MiB where the load's was 167),
which the verify reports on its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.dbutil import sqlite_table

# The real verify, after the process's high-water mark is raised past its mark so far: a
# verify heavier than the load, without a large table.
RUN = """
import json, sys
import arrowmig.verifier
from arrowmig import MigrationConfig, migrate
from arrowmig.rowpath import peak_rss_bytes, rss_bytes

real, seen = arrowmig.verifier.verify, {}

def heavy_verify(*args, **kwargs):
    seen["mark"] = peak_rss_bytes()
    block = b"x" * (seen["mark"] - rss_bytes() + 64 * 2**20)
    del block
    return real(*args, **kwargs)

arrowmig.verifier.verify = heavy_verify
report = migrate(sys.argv[1], sys.argv[2], config=MigrationConfig(verify=True))
print(json.dumps({**seen, "end": peak_rss_bytes(), "report": report.to_dict()}))
"""


def test_the_runs_peak_is_taken_before_its_verify(tmp_path: Path) -> None:
    src = sqlite_table(
        tmp_path / "s.db",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)",
        [(i, f"n{i}") for i in range(1, 1001)],
    )
    # A process of its own: the mark is the process's, and a test worker's is its earlier tests'.
    done = subprocess.run(
        [sys.executable, "-c", RUN, src, str(tmp_path / "t.db")],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    report = out["report"]
    assert report["ok"] and report["verify"]["ok"], report
    assert out["end"] > out["mark"] + 60 * 2**20  # the verify did raise the mark
    # Not the verify's 64 MiB more (a page or so over the mark is the 50 ms samples': Linux
    # updates its high-water mark lazily, so an RSS sampled earlier may stand above it).
    assert 0 < report["peak_rss_bytes"] < out["mark"] + 32 * 2**20
    assert report["rss_growth_bytes"] == report["peak_rss_bytes"] - report["baseline_rss_bytes"]
    assert report["verify"]["peak_rss_bytes"] > 0  # the verify's own, reported apart

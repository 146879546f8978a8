"""Values PostgreSQL cannot hold, from DuckDB: the plan names the nanosecond columns before
the run, and a run that stops on a batch names every column of it that holds such a value,
not one column per run.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb


def _source(path: Path) -> str:
    with duckdb.connect(str(path)) as con:
        con.execute(
            "CREATE TABLE t (id INT PRIMARY KEY, tns TIMESTAMP_NS, tmn TIME_NS, d DATE, "
            "ts TIMESTAMP)"
        )
        con.execute(
            "INSERT INTO t VALUES "
            "(1, '2024-01-01 00:00:00.000000001', '10:00:00.000000001', '5877641-06-25', "
            "'5000-01-01 (BC) 00:00:00'), "
            "(2, '2024-01-01', '10:00:00', 'infinity', '-infinity'), "
            "(3, '2024-01-01', '10:00:00', '4714-11-24 (BC)', '4714-11-24 (BC) 00:00:00')"
        )
    return str(path)


def _run(*args: str) -> tuple[int, str]:
    """The exit code and what the command wrote (the plan and the run's report go to
    stderr)."""
    done = subprocess.run(
        [sys.executable, "-m", "arrowmig", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode, done.stdout + done.stderr


def test_plan_names_nanosecond_columns_bound_for_postgres(tmp_path: Path, pg_url: str) -> None:
    # The plan said nothing of them; the run then failed the table on the first.
    code, said = _run("plan", _source(tmp_path / "s.duckdb"), pg_url)
    assert code == 0, said
    assert (
        "! tns: can hold nanoseconds, which PostgreSQL's microsecond timestamps cannot hold" in said
    )
    assert "--cast t.tns=text keeps every digit" in said
    assert "! tmn: can hold nanoseconds, which PostgreSQL's microsecond times cannot" in said
    # Dates and timestamps outside PostgreSQL's range are counted (±infinity, and its first
    # day, are not outside it).
    assert (
        "! d: holds 1 date outside PostgreSQL's range (4714-11-24 BC to 5874897-12-31 AD)" in said
    )
    assert "! ts: holds 1 timestamp outside PostgreSQL's range" in said
    # Cast to text, they are no longer refused, and no longer named.
    _, cast = _run("plan", str(tmp_path / "s.duckdb"), pg_url, "--cast", "t.tns=text")
    assert "tns: can hold" not in cast and "tmn: can hold" in cast


def test_a_failed_batch_names_every_column_holding_a_refused_value(
    tmp_path: Path, pg_url: str
) -> None:
    # Each run named one column: three runs to learn of three problems in one row.
    code, said = _run("migrate", _source(tmp_path / "s.duckdb"), pg_url, "--progress", "none")
    assert code == 1
    failed = next(line for line in said.splitlines() if "FAILED:" in line)
    assert "column 'tns', id 1: nanoseconds" in failed
    assert "also column 'tmn', id 1: nanoseconds" in failed
    assert "column 'd', id 1: outside PostgreSQL's dates" in failed
    assert "column 'ts', id 1: before 4714-11-24 BC" in failed
    # One way on, said once for all four columns: not a hint per kind of problem, each
    # repeating --on-error reject.
    assert failed.endswith(
        "; keep the values as text with --cast t.tns=text --cast t.tmn=text --cast t.d=text "
        "--cast t.ts=text, or set such rows aside with --on-error reject"
    )
    assert failed.count("--on-error reject") == 1

"""The benchmark runner behind ``arrowmig bench``: row path vs columnar path vs ceilings.

Every measured run is its own interpreter. Configurations run in alternation (one round visits
each once: ABAB, never AAABBB) after a warm-up; the summary gives medians with min-max, rates,
memory, columnar/row ratios and fractions of the ceilings. Writes bench.json, bench.md, bench.png.
Only the standard library is imported here at module level, so child runs start light.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from arrowmig._version import DRIVER_DISTRIBUTIONS

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_BATCHES = (5_000, 25_000, 100_000)
PATHS = ("row", "columnar")
MOVING_KINDS = ("row", "columnar", "defaults", "no-keys")
"""Runs that move the data (the others are ceilings and stages measured alone)."""
JSON_SCHEMA_VERSION = 1
ROWPATH = Path(__file__).with_name("rowpath.py")


@dataclass(frozen=True, kw_only=True)
class BenchOptions:
    """What ``arrowmig bench`` measures; see ``arrowmig bench --help``."""

    source: str | None = None
    """Source URL; None generates the dataset of ``scale`` (cached by scale and seed)."""
    targets: tuple[str, ...] = ("sqlite", DEFAULT_PG_URL)
    """``sqlite`` (a scratch file), a SQLite URL, or a PostgreSQL server URL (a throw-away
    database is created on it and dropped afterwards)."""
    scale: str = "phase3"
    seed: int = 42
    tables: tuple[str, ...] | None = None
    paths: tuple[str, ...] = ("row", "columnar")
    batch_rows: tuple[int, ...] = DEFAULT_BATCHES
    parallel: tuple[int, ...] = (1, 2)
    repeat: int = 3
    warmup: bool = True
    """Keep in bench.json, flagged ``warmup``, the columnar run per target (and the read)
    that precede the measured rounds; False leaves them out (they run either way: the
    measured runs need the tables and files they set up). Never measured."""
    stages: bool = True
    """Also time the stages alone, to say where time goes: arrowmig's source side of a SQLite
    source (describe and the typed read, drained) and the write (Arrow already in memory)."""
    out: Path = Path("bench/out")
    cache_dir: Path = Path(os.environ.get("ARROWMIG_BENCH_CACHE", "~/.cache/arrowmig/bench"))
    command: str = ""
    """The command line as typed, recorded in the report."""

    def __post_init__(self) -> None:
        from arrowmig.errors import UsageError

        bad = [p for p in self.paths if p not in PATHS]
        if bad or not self.paths:
            said = ", ".join(repr(p) for p in bad) if bad else "nothing"
            raise UsageError(
                f"--paths names {said}, no path the bench has",
                hint="use row, columnar, or both (row,columnar)",
            )
        if not self.batch_rows or min(self.batch_rows) < 1:
            raise UsageError("--batch-rows needs one or more sizes of at least 1")
        if not self.parallel or min(self.parallel) < 1:
            raise UsageError("--parallel needs one or more values of at least 1")
        if self.repeat < 1:
            raise UsageError(f"--repeat must be at least 1, not {self.repeat}")
        if not self.targets:
            raise UsageError("give at least one --target")


def parse_paths(text: str) -> tuple[str, ...]:
    """``--paths`` as the paths it names: ``both`` is every path, as its help offers it
    (``row, columnar or both`` read as three choices: ``--paths both`` was refused)."""
    named = [p.strip() for p in text.split(",") if p.strip()]
    return PATHS if named == ["both"] else tuple(named)


def parse_list(text: str, option: str) -> tuple[int, ...]:
    """``"5000,25000"`` as integers, or UsageError naming ``option``."""
    from arrowmig.errors import UsageError

    try:
        return tuple(int(x.replace("_", "")) for x in text.split(",") if x.strip())
    except ValueError:
        raise UsageError(
            f"cannot read {option} {text!r}", hint="write integers separated by commas"
        ) from None


@dataclass(frozen=True)
class Spec:
    """One configuration: a path (or ceiling) into one target with one batch size."""

    target: str
    """Target label: ``sqlite``, ``postgresql`` or ``source`` for source-only measurements."""
    kind: str
    """row, columnar, defaults (columnar at the default settings), no-keys (the same with
    ``--no-keys``: no keys or indexes, like the ceilings), read, write, pg-copy or
    insert-select."""
    batch_rows: int | None = None
    parallel: int | None = None

    @property
    def key(self) -> str:
        parts = [self.target, self.kind]
        if self.batch_rows is not None:
            parts.append(f"b{self.batch_rows}")
        if self.parallel is not None:
            parts.append(f"p{self.parallel}")
        return "/".join(parts)


@dataclass
class Target:
    """A reachable target: its label, the URL runs write to, and how to empty it."""

    label: str
    url: str
    admin_url: str | None = None
    created_db: str | None = None
    sqlite_file: Path | None = None


@dataclass
class BenchResult:
    """Everything one bench produced; ``to_dict`` is bench.json."""

    options: dict[str, Any]
    machine: dict[str, Any]
    dataset: dict[str, Any]
    runs: list[dict[str, Any]] = field(default_factory=list)
    summary: list[dict[str, Any]] = field(default_factory=list)
    ratios: list[dict[str, Any]] = field(default_factory=list)
    checks: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"schema_version": JSON_SCHEMA_VERSION, **asdict(self)}


# -- schedule and statistics (pure) -----------------------------------------------------------


def schedule(specs: Sequence[Spec], repeat: int) -> list[tuple[int, Spec]]:
    """Round-robin: every configuration once per round, ``repeat`` rounds (ABAB, not AABB)."""
    return [(r, spec) for r in range(1, repeat + 1) for spec in specs]


def summarise(runs: Sequence[dict[str, Any]], dataset_bytes: int) -> list[dict[str, Any]]:
    """Median, min and max per configuration over its measured (non-warm-up, ok) runs."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for run in runs:
        if run.get("warmup") or not run.get("ok"):
            continue
        groups.setdefault(run["key"], []).append(run)
    out = []
    for key, group in groups.items():
        secs = [float(r["seconds"]) for r in group]
        med = statistics.median(secs)
        rows = int(group[0]["rows"])
        growth = statistics.median(int(r.get("rss_growth_bytes") or 0) for r in group)
        peak = statistics.median(int(r.get("peak_rss_bytes") or 0) for r in group)
        first = group[0]
        out.append(
            {
                "key": key,
                "target": first["target"],
                "kind": first["kind"],
                "batch_rows": first.get("batch_rows"),
                "parallel": first.get("parallel"),
                "n": len(group),
                "rows": rows,
                "median_s": med,
                "min_s": min(secs),
                "max_s": max(secs),
                "median_wall_s": statistics.median(float(r["wall_s"]) for r in group),
                "index_s": statistics.median(float(r.get("index_seconds") or 0) for r in group),
                "describe_s": statistics.median(
                    sum(
                        float(t.get("describe_seconds", 0))
                        for t in (r.get("tables") or {}).values()
                    )
                    for r in group
                ),
                "rows_per_s": rows / med if med > 0 else 0.0,
                "mb_per_s": dataset_bytes / 1e6 / med if med > 0 and dataset_bytes else 0.0,
                "peak_rss_mb": peak / 1e6,
                "rss_growth_mb": growth / 1e6,
                "mb_per_1000_rows": growth / 1e6 / (rows / 1000) if rows else 0.0,
            }
        )
    return out


def ceiling_for(summary: Sequence[dict[str, Any]], target: str) -> dict[str, Any] | None:
    """The write ceiling of a target: PostgreSQL COPY from file, SQLite INSERT ... SELECT."""
    kind = {"postgresql": "pg-copy", "sqlite": "insert-select"}.get(target)
    for row in summary:
        if row["target"] == target and row["kind"] == kind:
            return row
    return None


def add_fractions(summary: list[dict[str, Any]]) -> None:
    """Set ``of_ceiling`` (write ceiling) and ``of_read`` (source read rate) on each row."""
    read = next((r for r in summary if r["kind"] == "read"), None)
    for row in summary:
        if row["kind"] not in MOVING_KINDS:
            continue
        ceiling = ceiling_for(summary, row["target"])
        if ceiling and ceiling["rows_per_s"]:
            row["of_ceiling"] = row["rows_per_s"] / ceiling["rows_per_s"]
            with_index = ceiling["median_s"] + ceiling.get("index_s", 0.0)
            row["of_ceiling_with_indexes"] = row["median_s"] and with_index / row["median_s"]
        if read and read["rows_per_s"]:
            row["of_read"] = row["rows_per_s"] / read["rows_per_s"]


def ratios(summary: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Columnar rows/s over row rows/s, per target, batch size and parallelism."""
    rows = {(r["target"], r["batch_rows"]): r for r in summary if r["kind"] == "row"}
    out = []
    for col in summary:
        if col["kind"] != "columnar":
            continue
        base = rows.get((col["target"], col["batch_rows"]))
        if base and base["rows_per_s"]:
            out.append(
                {
                    "target": col["target"],
                    "batch_rows": col["batch_rows"],
                    "parallel": col["parallel"],
                    "row_rows_per_s": base["rows_per_s"],
                    "columnar_rows_per_s": col["rows_per_s"],
                    "ratio": col["rows_per_s"] / base["rows_per_s"],
                }
            )
    return out


def checks(
    summary: Sequence[dict[str, Any]],
    ratio_rows: Sequence[dict[str, Any]],
    *,
    default_batch: int,
    default_parallel: int,
) -> list[dict[str, Any]]:
    """The issue's targets, each with the measured value and ok or miss."""
    out: list[dict[str, Any]] = []

    def add(check: str, value: float, goal: str, ok: bool) -> None:
        out.append({"check": check, "value": value, "goal": goal, "ok": ok})

    need = {"postgresql": 5.0, "sqlite": 2.0}
    for r in sorted(ratio_rows, key=lambda r: (r["target"], r["parallel"], r["batch_rows"])):
        goal = need.get(r["target"])
        if goal is not None:
            add(
                f"columnar/row into {r['target']}, batch {r['batch_rows']:,}, "
                f"parallel {r['parallel']}",
                r["ratio"],
                f">= {goal}",
                r["ratio"] >= goal,
            )
    fraction_goal = {"postgresql": 0.8, "sqlite": 0.35}
    for target, goal_f in fraction_goal.items():
        rows = [r for r in summary if r["target"] == target and "of_ceiling" in r]
        cols = [r for r in rows if r["kind"] == "columnar"]
        default = _defaults_row(rows, default_batch, default_parallel)
        best = max(cols, key=lambda r: r["of_ceiling"]) if cols else None
        # The ceilings build no keys; --no-keys is the run that is like them.
        no_keys = next((r for r in rows if r["kind"] == "no-keys"), None)
        for label, row in (
            ("{}", default),
            ("best configuration ({})", best),
            ("{}, like for like", no_keys),
        ):
            if row is not None:
                add(
                    f"columnar into {target} / its write ceiling, " + label.format(_settings(row)),
                    row["of_ceiling"],
                    f">= {goal_f}",
                    row["of_ceiling"] >= goal_f,
                )
    for target in sorted({r["target"] for r in summary}):
        row = _defaults_row(
            [r for r in summary if r["target"] == target], default_batch, default_parallel
        )
        if row is not None:
            add(
                f"columnar RSS growth, MB per 1,000 rows, into {target}, {_settings(row)} "
                f"({row['rss_growth_mb']:.1f} MB over {row['rows']:,} rows)",
                row["mb_per_1000_rows"],
                "<= 0.01",
                row["mb_per_1000_rows"] <= 0.01,
            )
    return out


def _defaults_row(
    rows: Sequence[dict[str, Any]], default_batch: int, default_parallel: int
) -> dict[str, Any] | None:
    """The run at the default settings; else the columnar run at the default batch rows and
    parallelism (byte limit lifted), for benches run without the defaults configuration."""
    for kind in ("defaults", "columnar"):
        for row in rows:
            if row["kind"] == kind and (
                kind == "defaults"
                or (row["batch_rows"] == default_batch and row["parallel"] == default_parallel)
            ):
                return row
    return None


def _settings(row: dict[str, Any]) -> str:
    if row["kind"] == "defaults":
        return "default settings"
    if row["kind"] == "no-keys":
        return "default settings with --no-keys"
    return f"batches of {row['batch_rows']:,} rows, byte limit lifted, parallel {row['parallel']}"


def stage_notes(summary: Sequence[dict[str, Any]]) -> list[str]:
    """Where the columnar time goes per target, from stages measured alone in the same run.

    A columnar run overlaps its source side with its write side, then builds keys and indexes;
    so ``max(source side, write side) + index builds`` is what it could take at best.
    """
    by = {(r["target"], r["kind"]): r for r in summary}
    read = by.get(("source", "read"))
    engine = by.get(("source", "engine-read"))
    notes = []
    for target in sorted({r["target"] for r in summary if r["kind"] == "columnar"}):
        cols = [r for r in summary if r["target"] == target and r["kind"] == "columnar"]
        best = min(cols, key=lambda r: r["median_s"])
        write = by.get((target, "write"))
        ceiling = ceiling_for(summary, target)
        parts = []
        stages: dict[str, float] = {}
        if read:
            parts.append(f"raw read to Arrow {read['median_s']:.2f} s")
        if engine:
            stages["source side (arrowmig's endpoint)"] = engine["median_s"]
            parts.append(
                f"arrowmig's source endpoint {engine['median_s']:.2f} s (of which describe "
                f"with its SQLite type presumptions and profiling {engine['describe_s']:.2f} s)"
            )
        elif read:
            stages["read"] = read["median_s"]
        if write:
            stages["write side (ingest from memory)"] = write["median_s"]
            text = f"write from memory {write['median_s']:.2f} s"
            if ceiling and ceiling["kind"] == "pg-copy":
                text += (
                    f" (server COPY {ceiling['median_s']:.2f} s, client encode and send "
                    f"{max(0.0, write['median_s'] - ceiling['median_s']):.2f} s)"
                )
            parts.append(text)
        index_s = ceiling["index_s"] if ceiling else 0.0
        if index_s:
            parts.append(f"building the same keys, indexes and foreign keys {index_s:.2f} s")
        text = (
            f"Into {target}: best columnar run {best['median_s']:.2f} s (batch "
            f"{best['batch_rows']:,}, parallel {best['parallel']}). Measured alone: "
            + "; ".join(parts)
            + "."
        )
        if stages:
            holder = max(stages, key=lambda k: stages[k])
            floor = stages[holder] + index_s
            text += (
                f" At best it could take {floor:.2f} s (largest side overlapped, then index "
                f"builds). The stage holding the time: {holder}"
                + (f", then index builds ({index_s:.2f} s)." if index_s else ".")
            )
        notes.append(text)
    return notes


# -- machine ----------------------------------------------------------------------------------


def _version(dist: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def machine_info(pg_url: str | None) -> dict[str, Any]:
    """CPU, RAM and the versions that decide the numbers."""
    import sqlite3

    import psutil

    cpu_model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info: dict[str, Any] = {
        "platform": platform.platform(),
        "cpu_model": cpu_model,
        "cpu_count": os.cpu_count(),
        "ram_bytes": psutil.virtual_memory().total,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": None,
    }
    for dist in DRIVER_DISTRIBUTIONS:
        info[dist] = _version(dist)
    if pg_url:
        try:
            import psycopg

            with psycopg.connect(pg_url, connect_timeout=5) as conn:
                row = conn.execute("SHOW server_version").fetchone()
                info["postgresql"] = row[0] if row else None
        except Exception as exc:
            info["postgresql"] = f"unreachable: {type(exc).__name__}"
    return info


# -- targets ----------------------------------------------------------------------------------


def _pg_db_url(url: str, dbname: str) -> str:
    """``url`` naming the database ``dbname`` instead (split where libpq splits it: a raw
    ``?`` or ``#`` in its password is the password's)."""
    from dataclasses import replace

    from arrowmig.libpq_uri import split_uri

    return str(replace(split_uri(url), path=dbname))


def open_target(spec: str, work: Path, notes: list[str]) -> Target | None:
    """Resolve a ``--target``; an unreachable PostgreSQL is skipped with a note."""
    if spec == "sqlite" or spec.startswith("sqlite:") or spec.endswith((".db", ".sqlite")):
        path = work / "target.db" if spec == "sqlite" else Path(_file_of(spec))
        return Target("sqlite", "sqlite:///" + str(path.resolve()), sqlite_file=path.resolve())
    if spec.startswith(("postgresql://", "postgres://")):
        import psycopg

        from arrowmig.endpoints.pg_errors import connect_error, login_refused
        from arrowmig.urls import driver_said, parse_url, redact

        refused = None
        try:
            with psycopg.connect(spec, autocommit=True, connect_timeout=5) as conn:
                dbname = f"arrowmig_bench_{os.getpid()}"
                conn.execute(f'DROP DATABASE IF EXISTS "{dbname}"')
                conn.execute(f'CREATE DATABASE "{dbname}"')
        except Exception as exc:
            said = driver_said(spec, str(exc).strip())
            first = said.splitlines()[0] if said else type(exc).__name__
            if not login_refused(str(exc)):
                notes.append(f"skipped target {redact(spec)}: not reachable ({first})")
                return None
            # A server that answered and refused the login is the user's to mend (a password,
            # a role), not a server to do without: an error, as migrate's.
            refused = connect_error(parse_url(spec), exc, first)
        if refused is not None:
            raise refused  # outside the except: its cause is the driver's error, scrubbed
        return Target("postgresql", _pg_db_url(spec, dbname), admin_url=spec, created_db=dbname)
    if spec.startswith("duckdb:") or spec.endswith(".duckdb"):
        path = Path(_file_of(spec)).resolve()
        return Target("duckdb", "duckdb:///" + str(path), sqlite_file=path)
    notes.append(f"skipped target {spec!r}: not a sqlite, duckdb or postgresql URL")
    return None


def _file_of(url: str) -> str:
    from arrowmig.urls import parse_url

    return parse_url(url).target


def reset_target(target: Target) -> None:
    """Empty a target before a run (not timed)."""
    if target.sqlite_file is not None:
        remove_database_file(target.sqlite_file)
        return
    import psycopg

    with psycopg.connect(target.url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")


def remove_database_file(path: Path) -> None:
    """Delete a SQLite or DuckDB file bench made, with its journal files."""
    for suffix in ("", "-journal", "-wal", "-shm", ".wal"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def close_target(target: Target) -> None:
    if target.created_db and target.admin_url:
        import psycopg

        with psycopg.connect(target.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{target.created_db}" WITH (FORCE)')


def target_schema(target: Target, tables: Sequence[str]) -> dict[str, dict[str, Any]]:
    """How the columnar run created each table, so the row path and ceilings use the same.

    ``create`` holds the columns, their types, NOT NULL and the primary key (and, in SQLite,
    the foreign keys); ``indexes`` the secondary indexes arrowmig built after the load;
    ``foreign_keys`` those PostgreSQL added after every table; ``types`` the (column, type)
    pairs.
    """
    out: dict[str, dict[str, Any]] = {}
    if target.label == "sqlite":
        import sqlite3

        conn = sqlite3.connect(str(target.sqlite_file))
        try:
            for t in tables:
                create = conn.execute(
                    "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (t,)
                ).fetchone()
                indexes = conn.execute(
                    "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                    "AND sql IS NOT NULL ORDER BY name",
                    (t,),
                ).fetchall()
                cols = conn.execute(f'PRAGMA table_info("{t}")').fetchall()
                out[t] = {
                    "create": str(create[0]),
                    "indexes": [str(r[0]) for r in indexes],
                    "types": [(str(c[1]), str(c[2]) or "BLOB") for c in cols],
                }
        finally:
            conn.close()
    elif target.label == "postgresql":
        import psycopg

        with psycopg.connect(target.url) as pg:
            for t in tables:
                rel = f'public."{t}"'
                cols = pg.execute(
                    "SELECT attname, format_type(atttypid, atttypmod), attnotnull FROM "
                    "pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT "
                    "attisdropped ORDER BY attnum",
                    (rel,),
                ).fetchall()
                pk = pg.execute(
                    "SELECT pg_get_constraintdef(oid), conindid FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype = 'p'",
                    (rel,),
                ).fetchone()
                indexes = pg.execute(
                    "SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = "
                    "%s::regclass AND indexrelid <> %s ORDER BY indexrelid",
                    (rel, pk[1] if pk else 0),
                ).fetchall()
                parts = [
                    '"{}" {}{}'.format(str(c[0]).replace('"', '""'), c[1], " NOT NULL" * c[2])
                    for c in cols
                ]
                if pk:
                    parts.append(str(pk[0]))
                foreign_keys = pg.execute(
                    "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
                    (rel,),
                ).fetchall()
                out[t] = {
                    "create": f"CREATE TABLE {rel} ({', '.join(parts)})",
                    "primary_key": str(pk[0]) if pk else None,
                    "indexes": [str(r[0]) for r in indexes],
                    "foreign_keys": [f"ALTER TABLE {rel} ADD {r[0]}" for r in foreign_keys],
                    "types": [(str(c[0]), str(c[1])) for c in cols],
                }
    return out


# -- dataset ----------------------------------------------------------------------------------


DATASET_VERSION = 3
"""Bumped when a generated file changes for the same scale and seed, so a cached one is not
reused (2: SQLite files declare their foreign keys; 3: and money as DECIMAL(12,2), not TEXT)."""


def ensure_dataset(scale: str, seed: int, cache_dir: Path) -> str:
    """A SQLite file of the generated dataset, built once per (scale, seed)."""
    cache = cache_dir.expanduser()
    cache.mkdir(parents=True, exist_ok=True)
    path = (cache / f"{scale}-seed{seed}-v{DATASET_VERSION}.db").resolve()
    if path.exists():
        return "sqlite:///" + str(path)
    part = path.with_name(path.name + ".part")
    part.unlink(missing_ok=True)
    from arrowmig.config import MigrationConfig
    from arrowmig.errors import TransferError
    from arrowmig.generator import generate

    # One stream at a time: the dataset must be whole, and generation speed is not measured.
    report = generate(
        "sqlite:///" + str(part), scale=scale, seed=seed, config=MigrationConfig(parallel=1)
    )
    if not report.ok:
        part.unlink(missing_ok=True)
        failed = "; ".join(f"{t.name}: {t.error}" for t in report.failed)
        raise TransferError(
            f"generating the {scale} dataset failed: {failed or 'incomplete'}",
            hint="run arrowmig generate on its own to see why",
        )
    part.replace(path)
    return "sqlite:///" + str(path)


# -- running one configuration ----------------------------------------------------------------


def command_for(
    spec: Spec, source: str, target: Target | None, tables: Sequence[str], ctx: dict[str, Any]
) -> list[str]:
    """The child command line of a configuration."""
    py = sys.executable
    names = ",".join(tables)
    if spec.kind in ("read", "engine-read"):
        return [py, "-m", "arrowmig.ceilings", spec.kind, source, "--tables", names,
                "--batch-rows", str(spec.batch_rows)]  # fmt: skip
    assert target is not None
    if spec.kind == "row":
        cmd = [py, "-P", str(ROWPATH), source, target.url, "--batch-rows", str(spec.batch_rows),
               "--tables", names]  # fmt: skip
        ddl = ctx["ddl"].get(target.label)
        if ddl:
            cmd += ["--ddl", json.dumps(ddl)]
        return cmd
    if spec.kind == "columnar":
        return [py, "-m", "arrowmig.bench", source, target.url, "--batch-rows",
                str(spec.batch_rows), "--parallel", str(spec.parallel), "--tables", names]  # fmt: skip
    if spec.kind == "defaults":
        return [py, "-m", "arrowmig.bench", source, target.url, "--tables", names]
    if spec.kind == "no-keys":
        return [py, "-m", "arrowmig.bench", source, target.url, "--tables", names, "--no-keys"]
    if spec.kind == "write":
        return [py, "-m", "arrowmig.ceilings", "write", source, target.url, "--tables", names,
                "--batch-rows", str(spec.batch_rows)]  # fmt: skip
    if spec.kind == "pg-copy":
        return [py, "-m", "arrowmig.ceilings", "pg-copy", target.url, "--tables", names,
                "--ddl", json.dumps(ctx["ddl"].get(target.label, {})),
                "--files", ctx["copy_files"]]  # fmt: skip
    if spec.kind == "insert-select":
        return [py, "-m", "arrowmig.ceilings", "insert-select", source, target.url,
                "--ddl", json.dumps(ctx["ddl"]["sqlite"])]  # fmt: skip
    raise ValueError(spec.kind)


def child_environment() -> dict[str, str]:
    """Every child, row path and ceilings included, runs with the allocator setting that the
    arrowmig command makes for itself (``malloc_tuning``), so memory compares like for like."""
    from arrowmig.malloc_tuning import ARROW_POOL, ARROW_POOL_VARIABLE, MMAP_THRESHOLD_BYTES

    return {
        ARROW_POOL_VARIABLE: ARROW_POOL,
        **os.environ,
        "MALLOC_MMAP_THRESHOLD_": str(MMAP_THRESHOLD_BYTES),
    }


def run_child(cmd: Sequence[str]) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter; its last stdout line is its JSON result."""
    t0 = time.perf_counter()
    proc = subprocess.run(
        list(cmd), capture_output=True, text=True, check=False, env=child_environment()
    )
    wall = time.perf_counter() - t0
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        if lines:
            tail = "; ".join(json.loads(lines[-1]).get("failed") or []) or tail
        return {"ok": False, "wall_s": wall, "error": f"exit {proc.returncode}: {tail}"}
    data: dict[str, Any] = json.loads(lines[-1])
    data["ok"] = True
    data["wall_s"] = wall
    base = int(data.get("baseline_rss_bytes") or 0)
    if base:
        data["rss_growth_bytes"] = max(0, int(data.get("peak_rss_bytes") or 0) - base)
    return data


# -- the bench --------------------------------------------------------------------------------


def plan_specs(options: BenchOptions, targets: Sequence[Target], source_kind: str) -> list[Spec]:
    """Every configuration of a round, in the order a round visits them."""
    big = max(options.batch_rows)
    specs = [Spec("source", "read", batch_rows=big)]
    if options.stages and source_kind == "sqlite":
        specs.append(Spec("source", "engine-read", batch_rows=big))
    for target in targets:
        if target.label == "postgresql":
            specs.append(Spec(target.label, "pg-copy"))
        if target.label == "sqlite" and source_kind == "sqlite":
            specs.append(Spec(target.label, "insert-select"))
        if options.stages and target.label in ("postgresql", "sqlite"):
            specs.append(Spec(target.label, "write", batch_rows=big))
        for batch in options.batch_rows:
            if "row" in options.paths:
                specs.append(Spec(target.label, "row", batch_rows=batch))
            if "columnar" in options.paths:
                for par in options.parallel:
                    specs.append(Spec(target.label, "columnar", batch_rows=batch, parallel=par))
        if "columnar" in options.paths:
            # What a user gets without options: the memory target is judged on this run.
            specs.append(Spec(target.label, "defaults"))
            # The same building no keys or indexes, as the ceilings do not.
            specs.append(Spec(target.label, "no-keys"))
    return specs


def run_bench(
    options: BenchOptions, *, log: Callable[[str], None] = lambda _msg: None
) -> BenchResult:
    """Run the whole bench and write bench.json, bench.md and bench.png into ``options.out``."""
    from arrowmig.bench_checks import check_pg_copy_right, check_source, check_target_files
    from arrowmig.ceiling_files import server_copy_files
    from arrowmig.ceilings import source_tables
    from arrowmig.config import DEFAULT_BATCH_ROWS, DEFAULT_PARALLEL
    from arrowmig.folders import check_writable
    from arrowmig.urls import parse_url
    from arrowmig.urls import redact as redact_pg

    def redact(url: str) -> str:
        return redact_pg(url) if url.startswith("postgres") else url

    notes: list[str] = []
    # Written last: a folder that cannot take the report would waste the whole bench.
    check_writable(options.out, "the bench report", "--out")
    created = check_target_files(options.targets)
    check_pg_copy_right(options.targets)
    source = options.source
    if source is None:
        check_writable(options.cache_dir.expanduser(), "the dataset", "--cache-dir")
        log(f"dataset: generating or reusing {options.scale} (seed {options.seed})")
        source = ensure_dataset(options.scale, options.seed, options.cache_dir)
    source_kind = parse_url(source).kind
    check_source(source, options.tables)
    tables = list(options.tables) if options.tables else source_tables(source)
    work = Path(tempfile.mkdtemp(prefix="arrowmig-bench-"))
    targets: list[Target] = []
    try:
        for wanted in options.targets:
            opened = open_target(wanted, work, notes)
            if opened is not None:
                targets.append(opened)
    except BaseException:  # a target refused (a wrong password): its folder goes too
        for target in targets:
            close_target(target)
        shutil.rmtree(work, ignore_errors=True)
        raise
    for note in notes:
        log(note)
    pg_admin = next((t for t in options.targets if t.startswith("postgres")), None)
    result = BenchResult(
        options={
            **{k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(options).items()},
            "source": redact(source),
            "targets": [redact(t) for t in options.targets],
            "out": str(options.out),
            "cache_dir": str(options.cache_dir),
        },
        machine=machine_info(pg_admin),
        dataset={"source": redact(source), "tables": tables},
        notes=notes,
    )
    ctx: dict[str, Any] = {"ddl": {}}
    by_label = {t.label: t for t in targets}
    specs = plan_specs(options, targets, source_kind)

    def run(spec: Spec, round_no: int, warmup: bool) -> dict[str, Any]:
        target = by_label.get(spec.target)
        if target is not None and spec.kind in (*MOVING_KINDS, "insert-select"):
            reset_target(target)
        cmd = command_for(spec, source, target, tables, ctx)
        data = run_child(cmd)
        data.update(asdict(spec), key=spec.key, round=round_no, warmup=warmup)
        data.pop("tables", None) if not data.get("ok") else None
        result.runs.append(data)
        state = f"{data['seconds']:.2f} s" if data.get("ok") else data.get("error", "failed")
        log(f"{'warm-up' if warmup else f'round {round_no}'}: {spec.key}: {state}")
        return data

    # A SIGTERM still drops the throw-away database and the server-side files, and ends the
    # child it waits for (``subprocess.run`` kills it on any exception). The command's own
    # handler (``cli.signals``) raises already, and says so in one line: only where SIGTERM
    # would kill the process outright (a program calling run_bench) is one set here.
    previous = None
    if (
        threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    ):
        previous = signal.signal(signal.SIGTERM, _raise_exit)
    result.machine["loadavg_start"] = list(os.getloadavg())
    server_files = contextlib.ExitStack()
    try:
        # Warm-up: the read ceiling and one columnar load per target. The loads also provide
        # what the references need: column types for the row path and the PostgreSQL file.
        first = run(specs[0], 0, True)
        dataset_bytes = int(first.get("bytes") or 0)
        for target in targets:
            warm = Spec(target.label, "columnar", max(options.batch_rows), max(options.parallel))
            data = run(warm, 0, True)
            if not data.get("ok") and warm.parallel != 1:
                data = run(Spec(target.label, "columnar", warm.batch_rows, 1), 0, True)
            if not data.get("ok"):
                notes.append(f"columnar warm-up into {target.label} failed: {data.get('error')}")
                continue
            if target.label in ("sqlite", "postgresql"):
                ctx["ddl"][target.label] = target_schema(target, tables)
            if target.label == "postgresql":
                ctx["copy_files"] = server_files.enter_context(
                    server_copy_files(target.url, tables, notes)
                )
        if not options.warmup:
            result.runs = [r for r in result.runs if not r["warmup"]]
        for round_no, spec in schedule(specs, options.repeat):
            if spec.kind in ("insert-select", "pg-copy") and spec.target not in ctx["ddl"]:
                continue
            data = run(spec, round_no, False)
            if spec.kind == "read" and data.get("ok"):
                dataset_bytes = dataset_bytes or int(data.get("bytes") or 0)
    finally:
        server_files.close()
        for target in targets:
            close_target(target)
        for path in created:  # the files bench made (an existing one is refused)
            remove_database_file(path)
        shutil.rmtree(work, ignore_errors=True)
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    result.machine["loadavg_end"] = list(os.getloadavg())

    result.dataset["rows"] = int(first.get("rows") or 0)
    result.dataset["arrow_bytes"] = dataset_bytes
    result.dataset["tables_detail"] = first.get("tables", {})
    result.summary = summarise(result.runs, dataset_bytes)
    add_fractions(result.summary)
    result.ratios = ratios(result.summary)
    result.checks = checks(
        result.summary,
        result.ratios,
        default_batch=DEFAULT_BATCH_ROWS,
        default_parallel=DEFAULT_PARALLEL,
    )
    result.notes.extend(stage_notes(result.summary))
    failed = [r for r in result.runs if not r.get("ok")]
    for r in failed:
        result.notes.append(f"run failed: {r['key']} (round {r['round']}): {r.get('error')}")
    write_outputs(result, options.out)
    return result


def _raise_exit(signum: int, _frame: Any) -> None:
    raise SystemExit(128 + signum)


def write_outputs(result: BenchResult, out: Path) -> None:
    """bench.json (every run), bench.md (the tables) and bench.png (the picture)."""
    out.mkdir(parents=True, exist_ok=True)
    data = result.to_dict()
    data["generated_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    (out / "bench.json").write_text(json.dumps(data, indent=2, default=str) + "\n")
    (out / "bench.md").write_text(render_markdown(data))
    render_png(data, out / "bench.png")


# -- rendering --------------------------------------------------------------------------------

_KIND_LABEL = {
    "row": "row path (DB-API)",
    "columnar": "columnar (arrowmig)",
    "defaults": "columnar (arrowmig) at the default settings",
    "no-keys": "columnar (arrowmig) at the default settings, --no-keys (no keys or indexes, as the ceiling)",
    "read": "read ceiling (source to Arrow, no write)",
    "engine-read": "arrowmig's source endpoint alone (describe as a migration does, on 2 connections, + typed read)",
    "write": "write stage alone (Arrow in memory, ADBC ingest)",
    "pg-copy": "ceiling: COPY FROM binary file (server)",
    "insert-select": "ceiling: INSERT INTO ... SELECT (attached)",
}


def _label(row: dict[str, Any]) -> str:
    text = str(_KIND_LABEL.get(row["kind"], row["kind"]))
    if row["kind"] in ("row", "columnar"):
        text += f", batch {row['batch_rows']:,}"
    if row["kind"] == "columnar":
        text += f", parallel {row['parallel']}"
    return text


def _fmt(value: float | None, spec: str = ".2f") -> str:
    return "" if value is None else format(value, spec)


def _loads(values: Sequence[float] | None) -> str:
    return "/".join(f"{v:.1f}" for v in values) if values else "unknown"


def render_markdown(data: dict[str, Any]) -> str:
    """The tables of bench.md."""
    m = data["machine"]
    ds = data["dataset"]
    opts = data["options"]
    lines = [
        "# arrowmig bench",
        "",
        f"Command: `{opts.get('command') or 'arrowmig bench'}`  ",
        f"Run: {data.get('generated_at', '')}, repeat {opts['repeat']} in alternation after a "
        "warm-up; medians with min–max; every run a fresh interpreter.  ",
        f"Machine: {m['cpu_count']} CPUs ({m.get('cpu_model') or 'unknown'}), "
        f"{m['ram_bytes'] / 2**30:.1f} GiB RAM, {m['platform']}  ",
        f"Versions: Python {m['python']}, pyarrow {m.get('pyarrow')}, ADBC "
        f"{m.get('adbc-driver-manager')} (sqlite {m.get('adbc-driver-sqlite')}, postgresql "
        f"{m.get('adbc-driver-postgresql')}), DuckDB {m.get('duckdb')}, psycopg "
        f"{m.get('psycopg')}, PostgreSQL {m.get('postgresql')}, SQLite {m['sqlite']}  ",
        f"Load average (1/5/15 min) at start {_loads(m.get('loadavg_start'))}, at end "
        f"{_loads(m.get('loadavg_end'))}: above {m['cpu_count']} other work shared the CPUs.  ",
        f"Dataset: `{ds['source']}`: {len(ds['tables'])} tables, {ds.get('rows', 0):,} rows, "
        f"{ds.get('arrow_bytes', 0) / 1e6:,.0f} MB as Arrow (MB/s below is of this size).",
        "",
    ]
    for note in data["notes"]:
        if note.startswith("skipped"):
            lines.append(f"> **Note:** {note}")
    summary = data["summary"]
    header = (
        "| configuration | median s (min–max) | rows/s | MB/s | × write ceiling "
        "| × ceiling + index builds | × read | peak RSS MB | RSS growth MB | MB / 1k rows "
        "| wall s incl. start-up |"
    )
    group = {"pg-copy": 0, "insert-select": 0, "read": 0, "engine-read": 1, "write": 1}
    group.update({"row": 2, "columnar": 2, "defaults": 3, "no-keys": 3})
    targets = sorted({r["target"] for r in summary}, key=lambda t: (t != "source", t))
    for target in targets:
        rows = sorted(
            (r for r in summary if r["target"] == target),
            key=lambda r: (
                group.get(r["kind"], 9),
                r["batch_rows"] or 0,
                r["kind"] != "row",
                r["parallel"] or 0,
            ),
        )
        title = "Source read" if target == "source" else f"Into {target}"
        lines += ["", f"## {title}", "", header, "|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in rows:
            # Growth means something only for the two paths; a stage holds its data on purpose.
            moving = r["kind"] in MOVING_KINDS
            if r.get("index_s"):
                r = {**r, "key": r["key"]}
                r["kind_note"] = (
                    f" (+ {r['index_s']:.2f} s to build the same keys, indexes and foreign keys)"
                )
            growth = f"{r['rss_growth_mb']:,.1f}" if moving else ""
            per_k = f"{r['mb_per_1000_rows']:.4f}" if moving else ""
            lines.append(
                f"| {_label(r)}{r.get('kind_note', '')} | {r['median_s']:.2f} ({r['min_s']:.2f}–{r['max_s']:.2f}) "
                f"| {r['rows_per_s']:,.0f} | {r['mb_per_s']:,.1f} | {_fmt(r.get('of_ceiling'))} "
                f"| {_fmt(r.get('of_ceiling_with_indexes'))} "
                f"| {_fmt(r.get('of_read'))} | {r['peak_rss_mb']:,.0f} | {growth} "
                f"| {per_k} | {r['median_wall_s']:.2f} |"
            )
    if data["ratios"]:
        lines += [
            "",
            "## Columnar / row, per batch size",
            "",
            "| target | batch rows | parallel | row rows/s | columnar rows/s | ratio |",
            "|---|---|---|---|---|---|",
        ]
        for r in sorted(
            data["ratios"], key=lambda r: (r["target"], r["batch_rows"], r["parallel"])
        ):
            lines.append(
                f"| {r['target']} | {r['batch_rows']:,} | {r['parallel']} "
                f"| {r['row_rows_per_s']:,.0f} | {r['columnar_rows_per_s']:,.0f} "
                f"| **{r['ratio']:.2f}×** |"
            )
    if data["checks"]:
        lines += ["", "## Targets", "", "| check | measured | goal | |", "|---|---|---|---|"]
        for c in data["checks"]:
            lines.append(
                f"| {c['check']} | {c['value']:.4g} | {c['goal']} | {'ok' if c['ok'] else 'MISS'} |"
            )
    other = [n for n in data["notes"] if not n.startswith("skipped")]
    if other:
        lines += ["", "## Notes: where the time goes", ""] + [f"- {n}" for n in other]
    return "\n".join(lines) + "\n"


def render_png(data: dict[str, Any], path: Path) -> None:
    """Grouped bars of rows/s by path and batch size per target; ceilings as lines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    summary = data["summary"]
    targets = sorted({r["target"] for r in summary if r["kind"] in ("row", "columnar")})
    if not targets:
        return
    read = next((r for r in summary if r["kind"] == "read"), None)
    fig, axes = plt.subplots(1, len(targets), figsize=(7 * len(targets), 5), squeeze=False)
    for ax, target in zip(axes[0], targets, strict=True):
        rows = [r for r in summary if r["target"] == target and r["kind"] in ("row", "columnar")]
        batches = sorted({int(r["batch_rows"]) for r in rows})
        series = sorted(
            {(r["kind"], r["parallel"]) for r in rows}, key=lambda s: (s[0] != "row", s[1] or 0)
        )
        width = 0.8 / max(1, len(series))
        for i, (kind, par) in enumerate(series):
            xs, ys, lo, hi = [], [], [], []
            for j, batch in enumerate(batches):
                r = next(
                    (x for x in rows if x["kind"] == kind and x["parallel"] == par
                     and x["batch_rows"] == batch), None)  # fmt: skip
                if r is None:
                    continue
                xs.append(j - 0.4 + width * (i + 0.5))
                ys.append(r["rows_per_s"] / 1e3)
                lo.append(r["rows_per_s"] / 1e3 - r["rows"] / r["max_s"] / 1e3)
                hi.append(r["rows"] / r["min_s"] / 1e3 - r["rows_per_s"] / 1e3)
            label = "row path (DB-API)" if kind == "row" else f"columnar, parallel {par}"
            bars = ax.bar(xs, ys, width, yerr=[lo, hi], capsize=3, label=label)
            ax.bar_label(bars, labels=[f"{y:,.0f}" for y in ys], fontsize=7, padding=2)
        ceiling = ceiling_for(summary, target)
        if ceiling:
            rate = ceiling["rows_per_s"] / 1e3
            ax.axhline(rate, color="black", linestyle="--",
                       label=f"{_KIND_LABEL[ceiling['kind']]}: {rate:,.0f}k/s")  # fmt: skip
            if ceiling.get("index_s"):
                rate = ceiling["rows"] / (ceiling["median_s"] + ceiling["index_s"]) / 1e3
                ax.axhline(rate, color="black", linestyle="-.", linewidth=0.8,
                           label=f"the same + building the same keys, indexes and foreign keys: "
                                 f"{rate:,.0f}k/s")  # fmt: skip
        if read:
            rate = read["rows_per_s"] / 1e3
            ax.axhline(rate, color="grey", linestyle=":",
                       label=f"read ceiling (source to Arrow): {rate:,.0f}k/s")  # fmt: skip
        ax.set_xticks(range(len(batches)), [f"{b:,}" for b in batches])
        ax.set_xlabel("batch rows")
        ax.set_ylabel("thousand rows/s (median, min–max)")
        ax.set_title(f"{data['dataset'].get('rows', 0):,} rows into {target}")
        ax.legend(fontsize=7, loc="center left")
        ax.set_ylim(0, ax.get_ylim()[1] * 1.15)
    m = data["machine"]
    fig.suptitle(
        f"arrowmig bench: {m['cpu_count']} CPUs, {m['ram_bytes'] / 2**30:.0f} GiB RAM, "
        f"PostgreSQL {m.get('postgresql')}, SQLite {m['sqlite']}",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# -- the columnar child -----------------------------------------------------------------------


def _columnar_child(argv: Sequence[str]) -> int:
    """``python -m arrowmig.bench SRC DST [--batch-rows N --parallel P] [--no-keys]
    --tables a,b``.

    Without --batch-rows and --parallel, the run uses every default, as ``arrowmig migrate``.
    """
    import argparse

    parser = argparse.ArgumentParser(description="One columnar run, measured.")
    parser.add_argument("source")
    parser.add_argument("target")
    parser.add_argument("--batch-rows", type=int)
    parser.add_argument("--parallel", type=int)
    parser.add_argument("--tables", default="")
    parser.add_argument("--no-keys", action="store_true")
    args = parser.parse_args(list(argv))

    from arrowmig.config import BatchConfig, MigrationConfig
    from arrowmig.migrate import migrate
    from arrowmig.rowpath import peak_rss_bytes, rss_bytes

    tables = tuple(t for t in args.tables.split(",") if t) or None
    # The columnar path, always: between two SQLite files arrowmig would otherwise have SQLite
    # copy the rows itself (direct), which is the ceiling's own statement.
    config = MigrationConfig(tables=tables, keys=not args.no_keys, direct=False)
    if args.batch_rows is not None:
        # Same batch sizes as the row path: the batch is set in rows, so the byte limit is
        # lifted (the "defaults" configuration keeps it).
        config = MigrationConfig(
            tables=tables,
            batch=BatchConfig(batch_rows=args.batch_rows, batch_bytes=2**30),
            parallel=args.parallel or config.parallel,
            keys=config.keys,
            direct=False,
        )
    # The baseline is taken after the engine's own imports and connections: open (and close)
    # both endpoints the way the engine will, so driver imports do not count as growth.
    from arrowmig.endpoints import open_endpoint

    with open_endpoint(args.source):
        pass
    with open_endpoint(args.target, create=True):
        pass
    baseline = rss_bytes()
    t0 = time.perf_counter()
    report = migrate(args.source, args.target, config=config)  # the tables are in the config
    seconds = time.perf_counter() - t0
    out = {
        "path": "columnar",
        "rows": report.rows,
        "bytes": report.bytes,
        "seconds": round(seconds, 4),
        "baseline_rss_bytes": max(baseline, int(report.baseline_rss_bytes or 0)),
        "baseline_after_imports_bytes": baseline,
        "report_baseline_rss_bytes": report.baseline_rss_bytes,
        "report_peak_rss_bytes": report.peak_rss_bytes,
        "peak_rss_bytes": peak_rss_bytes(),
        "ok_report": report.ok,
        "failed": [f"{t.name}: {t.error}" for t in report.failed],
    }
    print(json.dumps(out))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(_columnar_child(sys.argv[1:]))

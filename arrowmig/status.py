"""What the checkpoint table of a target says about its runs (``arrowmig status``)."""

from __future__ import annotations

import contextlib
import shlex
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from arrowmig.checkpoint import (
    RUN_ROW,
    SETTLED,
    TABLE_ROW,
    CheckpointStore,
    Row,
    rows_committed,
    run_basis,
    superseded_text,
)
from arrowmig.duplicate_keys import fix_before_resume
from arrowmig.endpoints import open_endpoint
from arrowmig.endpoints.base import CHECKPOINT_TABLE, Endpoint
from arrowmig.generated_runs import again_command
from arrowmig.names import folded, same_but_case, shown
from arrowmig.run_lock import holds_lock
from arrowmig.staging_tables import drop_abandoned_stages, kept_stage


def runs_of(target: str, *, schema: str | None = None) -> list[dict[str, Any]]:
    """Every run recorded in the target: its state and, per table, state and rows committed;
    ``schema`` None: in every schema that holds a checkpoint table (a run of several schemas
    keeps one in each, a run with ``--target-schema`` its own), each run naming its schema.

    A run recorded as running is ``running`` (with its ``pid``) only while its process holds
    the run's lock on the target; else it died (kill -9, a crash, a lost server) and is
    ``interrupted``. A run not complete comes with ``resume``, the command that continues it."""
    if schema is not None:
        return _runs_in(target, schema, schema)
    default, schemas = checkpoint_schemas(target)
    # The default schema's runs resume as before, without --target-schema.
    return [r for s in schemas for r in _runs_in(target, s, None if s == default else s)]


def checkpoint_schemas(target: str) -> tuple[str | None, list[str | None]]:
    """The target's default schema, and the schemas holding a checkpoint table, the default
    first (for SQLite, which has none: ``[None]``)."""
    with open_endpoint(target) as dst:
        if dst.dialect not in ("postgresql", "duckdb"):
            return dst.schema, [dst.schema]
        holding = _checkpoint_schemas(dst)
        default = dst.schema
    return default, [default, *(s for s in holding if s != default)]


def _runs_in(target: str, schema: str | None, named: str | None) -> list[dict[str, Any]]:
    """``runs_of`` one schema; ``named``: the --target-schema its resume command gives."""
    with _checkpoints_of(target, schema) as dst:
        where = dst.schema
        rows = CheckpointStore(dst).rows()
        live = {
            run_id: holds_lock(dst, pid, token)
            for run_id, (pid, token) in recorded_pids(rows).items()
        }
        shown_target = dst.url.redacted
        schema = dst.schema if schema is not None else None
        by_run: dict[str, list[Row]] = defaultdict(list)
        for row in rows:
            by_run[row.run_id].append(row)
        stages = _kept_stages(dst, by_run)
    runs = []
    for run_id, run_rows in by_run.items():
        run_row = next((r for r in run_rows if r.table_name == RUN_ROW), None)
        basis = run_basis(run_row) if run_row is not None else {}
        failed = _failures(basis)
        tables: list[dict[str, Any]] = []
        for name in sorted({r.table_name for r in run_rows if r.table_name != RUN_ROW}):
            mine = [r for r in run_rows if r.table_name == name]
            state = next((r.state for r in mine if r.stream_name == TABLE_ROW), "pending")
            tables.append(
                {
                    "name": name,
                    "target_name": _in_target(name, basis),
                    "state": "failed" if name in failed else state,
                    "rows_done": rows_committed(mine),
                    "error": failed.get(name),
                    **_stage_fields(stages.get((run_id, name))),
                }
            )
        rows_done = sum(int(t["rows_done"]) for t in tables)
        table_count = len(tables)
        if run_row is not None and not tables:
            # A complete run keeps only its own row: what it moved is recorded there.
            rows_done = run_row.rows_done
            # Its tables by name, from the run's basis; how many rows each held is not kept.
            done = run_basis(run_row).get("tables", [])
            state_of = run_row.state if run_row.state in SETTLED else "pending"
            tables = [
                {
                    "name": name,
                    "target_name": _in_target(name, basis),
                    "state": state_of,
                    "rows_done": None,
                    "error": None,
                    **_stage_fields(None),
                }
                for name in done
            ]
            table_count = len(tables)
        state = run_row.state if run_row else "unknown"
        pid = None
        if state == "running" and run_id in live:
            if live[run_id]:
                pid = basis["pid"]
            else:
                state = "interrupted"
        resume = (
            None
            if state in (*SETTLED, "unknown") or pid is not None
            else resume_command(basis, shown_target, named)
        )
        runs.append(
            {
                "run_id": run_id,
                "schema": where,
                "source_schema": basis.get("source_schema"),
                "state": state,
                "pid": pid,
                "resume": resume,
                # What a --resume would meet again unless it is fixed first (a repeated key).
                "fix_first": next(
                    (
                        f
                        for e in failed.values()
                        if (f := fix_before_resume(e, basis.get("mode", "create"))) is not None
                    ),
                    None,
                )
                if resume is not None
                else None,
                # Why a failed run could not finish (its keys or its completion unwritten).
                "unfinished": basis.get("unfinished") if state == "failed" else None,
                "superseded": superseded_text(run_row, shown_target)
                if run_row is not None and state == "superseded"
                else None,
                "updated_at": max((r.updated_at or "" for r in run_rows), default="") or None,
                "rows_done": rows_done,
                "table_count": table_count,
                "tables": tables,
            }
        )
    return runs


def _kept_stages(
    dst: Endpoint, by_run: dict[str, list[Row]]
) -> dict[tuple[str, str], tuple[str, int]]:
    """The staging table (and its rows) each table of a run kept for its --resume, by run and
    table: a settled run keeps none (``CheckpointStore.supersede`` drops them)."""
    kept = {}
    for run_id, run_rows in by_run.items():
        for name in {r.table_name for r in run_rows if r.table_name != RUN_ROW}:
            stage = kept_stage(dst, [r for r in run_rows if r.table_name == name])
            if stage is not None:
                kept[run_id, name] = stage
    return kept


def _stage_fields(stage: tuple[str, int] | None) -> dict[str, Any]:
    """A table's ``staging_table`` and ``staging_rows`` (None, None: it keeps none)."""
    return {
        "staging_table": stage[0] if stage else None,
        "staging_rows": stage[1] if stage else None,
    }


def _in_target(name: str, basis: dict[str, Any]) -> str:
    """A table of the run (named as the source names it) as the target names it: in lower case
    for a run with --target-names lower, as it wrote it."""
    lower = "--target-names=lower" in (basis.get("flags") or [])
    return folded(name) if lower else name


def _failures(basis: dict[str, Any]) -> dict[str, str]:
    """The tables a run that finished with failures recorded as failed, each with its error
    (runs of an arrowmig before this one recorded none)."""
    failed = basis.get("failed")
    if not isinstance(failed, dict):
        return {}
    return {str(name): str(error) for name, error in failed.items()}


def recorded_pids(rows: list[Row]) -> dict[str, tuple[int, str | None]]:
    """The process (pid and ``PROCESS_TOKEN``) of each run recorded as running (runs of older
    versions recorded no pid, or no token)."""
    pids = {}
    for row in rows:
        if row.table_name == RUN_ROW and row.state == "running":
            basis = run_basis(row)
            pid, token = basis.get("pid"), basis.get("run_token")
            if isinstance(pid, int):
                pids[row.run_id] = (pid, token if isinstance(token, str) else None)
    return pids


def resume_command(basis: dict[str, Any], target: str, target_schema: str | None) -> str | None:
    """The ``arrowmig migrate ... --resume`` that continues a run (for a run of ``arrowmig
    generate``, the command that does it again), from what its run row
    recorded (the source as the run resolved it, its tables, mode, casts, on-error, reject
    folder and flags such as --no-keys);
    None for a run that recorded too little to say."""
    again = again_command(basis, target)
    if again is not None:  # generate has no --resume: it is done again
        return again
    source, tables = basis.get("source"), basis.get("tables")
    if not isinstance(source, str) or not isinstance(tables, list):
        return None
    words = ["arrowmig", "migrate", source, target, "--tables", ",".join(map(str, tables))]
    if basis.get("mode", "create") != "create":
        words += ["--mode", str(basis["mode"])]
    for table, column, to in basis.get("casts") or []:
        words += ["--cast", f"{table}.{column}={to}"]
    if basis.get("on_error", "fail") != "fail":
        words += ["--on-error", str(basis["on_error"])]
    if basis.get("reject_dir"):
        words += ["--reject-dir", str(basis["reject_dir"])]
    words += [str(flag) for flag in basis.get("flags") or []]
    if basis.get("source_schema"):
        words += ["--source-schema", str(basis["source_schema"])]
    if target_schema:
        words += ["--target-schema", target_schema]
    return shlex.join([*words, "--resume"])


def where_looked(target: str, *, schema: str | None = None) -> dict[str, Any]:
    """Where ``runs_of`` looked (the target as shown, its checkpoint table in the schema it
    reads, whether that table is there), and the target's other schemas holding one: a run with ``--target-schema``
    keeps its checkpoints there, and status, not told the schema, found none."""
    with _checkpoints_of(target, schema) as dst:
        elsewhere: list[str] = []
        if dst.dialect in ("postgresql", "duckdb") and schema is not None:
            # Not told the schema, status looked in every one.
            elsewhere = [s for s in _checkpoint_schemas(dst) if s != dst.schema]
        return {
            "target": dst.url.redacted,
            "table": CHECKPOINT_TABLE,
            "schema": dst.schema,
            "present": dst.table_exists(CHECKPOINT_TABLE),
            "checkpoints_in_other_schemas": elsewhere,
            "every_schema": schema is None and dst.dialect in ("postgresql", "duckdb"),
        }


def clean_runs(target: str, *, schema: str | None = None) -> int:
    """Remove completed runs' rows (``schema`` None: in every schema holding a checkpoint
    table, as ``runs_of``); returns how many runs were removed."""
    return clean_checkpoints(target, schema=schema)[0]


def clean_checkpoints(target: str, *, schema: str | None = None) -> tuple[int, int, list[str]]:
    """``clean_runs``, how many checkpoint tables it found to clean (with none, there was
    nothing to remove or drop, and ``status --clean`` must not say it dropped one), and the
    staging tables it dropped that no run can use any more (``drop_abandoned_stages``)."""
    schemas = [schema] if schema is not None else checkpoint_schemas(target)[1]
    removed = found = 0
    dropped: list[str] = []
    for one in schemas:
        with _checkpoints_of(
            target, one, ("SELECT", "DELETE"), "remove completed runs from"
        ) as dst:
            found += dst.table_exists(CHECKPOINT_TABLE)
            removed += CheckpointStore(dst).clean()
            dropped += [
                shown(dst.schema, stage) if dst.schema else stage
                for stage in drop_abandoned_stages(dst)
            ]
    return removed, found, dropped


@contextlib.contextmanager
def _checkpoints_of(
    target: str,
    schema: str | None,
    privileges: tuple[str, ...] = ("SELECT",),
    doing: str = "read",
) -> Iterator[Endpoint]:
    """The target, in the schema ``schema`` names: itself; else, where it holds no checkpoint
    table, the one schema equal to it but for case that does (a run with --target-names lower
    keeps its checkpoints in ``sales`` for --target-schema Sales), as verify finds tables.
    Refused, naming the GRANT, where its checkpoint table is another user's that this one
    lacks ``privileges`` on (what status ``doing`` it needs)."""
    with open_endpoint(target, schema=schema) as dst:
        same = None
        if schema is not None and not dst.table_exists(CHECKPOINT_TABLE):
            same = same_but_case(schema, _checkpoint_schemas(dst))
        if same is None or same == schema:
            _refuse_unreadable(dst, privileges, doing)
            yield dst
            return
    with open_endpoint(target, schema=same) as dst:
        _refuse_unreadable(dst, privileges, doing)
        yield dst


def _refuse_unreadable(dst: Endpoint, privileges: tuple[str, ...], doing: str) -> None:
    refuse = getattr(dst, "refuse_unreadable_checkpoints", None)  # PostgreSQL's users
    if refuse is not None:
        refuse(privileges, doing)


def _checkpoint_schemas(dst: Endpoint) -> list[str]:
    """The target's schemas holding a checkpoint table (none for a SQLite file)."""
    if dst.dialect not in ("postgresql", "duckdb"):
        return []
    # current_database() names the DuckDB file's own catalog, not another attached.
    rows = dst.execute(
        "SELECT table_schema FROM information_schema.tables WHERE table_name = "
        f"{dst.param(1)} AND table_catalog = current_database() ORDER BY 1",
        (CHECKPOINT_TABLE,),
    )
    return [str(r[0]) for r in rows]

"""``plan`` and ``migrate --dry-run``: the plan, in the form the run's own output would take
(text on stderr, ``--json`` one document, ``--progress json`` one ``summary`` line), and in
the ``--log-file`` when one is given. Nothing is written to the target."""

from __future__ import annotations

import json
from typing import Any

from arrowmig.cli.console import asked_for, print_out
from arrowmig.cli.render import show_plan
from arrowmig.cli.signals import outcome_stands
from arrowmig.cli.sinks import check_progress_interval
from arrowmig.config import MigrationConfig
from arrowmig.events import Event


def plan_summary_line(plan: dict[str, Any]) -> str:
    """``--progress json`` of a dry run: a run's last line (every event key, ``exit_code``,
    ``report`` null as no run happened), with the plan that ``plan --json`` prints."""
    line = {**Event("summary").to_dict(), "report": None, "ok": True, "exit_code": 0}
    return json.dumps({**line, "plan": plan}, default=str)


def show_dry_run(
    source: str,
    target: str,
    config: MigrationConfig,
    *,
    as_json: bool = False,
    progress_kind: str = "auto",
    progress_interval: float = 5.0,
    log_file: str | None = None,
) -> int:
    """Plan the run and show it; the options that only a run uses (--verify, a progress
    kind other than json) change nothing here."""
    from arrowmig.cli.migrate import open_log
    from arrowmig.errors import ArrowmigError
    from arrowmig.migrate import explain

    asked_for(as_json=as_json, progress_json=progress_kind == "json")
    check_progress_interval(progress_interval)
    log = open_log(log_file, source, target, config) if log_file else None
    try:
        try:
            plan = explain(source, target, config=config).to_dict()
        except ArrowmigError as exc:
            if log is not None:
                log.note(f"error: {exc}")
            raise
        if log is not None:
            log.note("dry run, nothing written; plan " + json.dumps(plan, default=str))
            log.note("exit code 0")
        if progress_kind == "json":
            outcome_stands()  # as show_plan: a signal now would cut the line short
            print_out(plan_summary_line(plan), "the plan")
        else:
            show_plan(plan, as_json)
        return 0
    finally:
        if log is not None:
            log.close()

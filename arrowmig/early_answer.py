"""What stdout gets from a command that ends before its own machine answer (an error, a stop):
``--json`` one document, ``--progress json`` a last ``summary`` line. Standard library and
``events`` only: the handler of a signal that lands while the command still loads uses it."""

from __future__ import annotations

import itertools
import json
from collections.abc import Collection, Sequence

from arrowmig.events import Event


def asked_kind(args: Sequence[str], asked: Collection[str] = ()) -> str | None:
    """``"progress"`` when ``--progress json`` was asked for, else ``"json"`` for ``--json``,
    else None; from the command line ``args`` or ``asked`` (what a job file asked for)."""
    if (
        "progress" in asked
        or "--progress=json" in args
        or ("--progress", "json") in itertools.pairwise(args)
    ):
        return "progress"
    if "json" in asked or "--json" in args:
        return "json"
    return None


def answer_line(kind: str, exit_code: int, message: str) -> str:
    """The line for ``kind`` (``asked_kind``): ``{"ok": false, "exit_code": ..., "error": ...}``,
    as a ``summary`` event with every key every event has for ``--progress json``."""
    document: dict[str, object] = {"ok": False, "exit_code": exit_code, "error": message}
    if kind == "progress":
        # Every key every event has (ts, table, rows...), as a run's own summary line.
        document = {**Event("summary").to_dict(), "report": None, **document}
    return json.dumps(document) + "\n"

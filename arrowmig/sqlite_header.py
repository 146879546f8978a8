"""A SQLite file's own numbers, ``PRAGMA user_version`` and ``application_id``: carried into a
SQLite target that holds only the run's tables, named wherever they are not.

Applications decide which schema migrations to run by ``user_version`` (Android Room, GRDB,
Firefox, hand-written upgrade code): a copy at 0 would have them run again on a schema that is
already migrated.
"""

from __future__ import annotations

from typing import Any

from arrowmig.names import folded


def plan_header(
    src: Any, dst: Any, dialect: str, run_tables: list[str]
) -> tuple[dict[str, int], list[str]]:
    """What to set on the target (pragma -> value) and what the plan and report say.

    ``dst`` is None where the run will create the target file. A SQLite target takes the
    source's numbers when it holds no tables or views but the run's (a file this run makes,
    or resumes) and has none of its own; a file with tables of its own keeps its numbers,
    since they speak of its schema, and the difference is named. Other targets have no such
    numbers: the source's are named as not carried.
    """
    ours = src.header_values() if hasattr(src, "header_values") else {}
    if not any(ours.values()):
        return {}, []
    if dialect != "sqlite":
        return {}, [f"PRAGMA {_listed(ours)} of the source file not carried: {dialect} has none"]
    theirs = dst.header_values() if dst is not None else dict.fromkeys(ours, 0)
    others = _other_tables(dst, run_tables)
    carry = {p: v for p, v in ours.items() if v != theirs[p] and not theirs[p] and not others}
    notes = [f"PRAGMA {_listed(carry)} carried into the target file"] if carry else []
    for p, v in ours.items():
        if p in carry or v == theirs[p]:
            continue
        why = (
            f"has its own, {theirs[p]}"
            if theirs[p]
            else f"holds tables of its own ({', '.join(others[:3])}"
            f"{', ...' if len(others) > 3 else ''}) and keeps its {theirs[p]}"
        )
        notes.append(
            f"PRAGMA {p} not carried: the target file {why}, where the source has {v}; if its "
            f"schema is now the source's, set it with PRAGMA {p} = {v}"
        )
    return carry, notes


def _other_tables(dst: Any, run_tables: list[str]) -> list[str]:
    """The target's tables and views that are not this run's (arrowmig's own are not listed)."""
    if dst is None:
        return []
    run = {folded(t) for t in run_tables}
    return [t for t in [*dst.list_tables(), *dst.list_views()] if folded(t) not in run]


def _listed(values: dict[str, int]) -> str:
    """``user_version 42 and application_id 7``, leaving out the zeros."""
    return " and ".join(f"{p} {v}" for p, v in values.items() if v)

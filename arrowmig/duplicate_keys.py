"""What to do when a target refuses a row because its key is there already (a unique or
primary key), from the driver's message of each database."""

from __future__ import annotations

import re

_KEY_PATTERNS = (
    # PostgreSQL: ... violates unique constraint "t_pkey" (Key (id)=(1) already exists.)
    (re.compile(r"Key (\(.*?\)=\(.*?\)) already exists"), "key {}"),
    # DuckDB: Constraint Error: Duplicate key "id: 1" violates primary key constraint
    (re.compile(r'Duplicate key (".*?") violates (?:primary key|unique) constraint'), "key {}"),
    # SQLite: UNIQUE constraint failed: t.id (the key's columns; it does not say the value)
    (re.compile(r"UNIQUE constraint failed: ([^\n]+?)\s*$", re.MULTILINE), "a value of key {}"),
)


def duplicate_key_hint(message: str) -> str | None:
    """The hint for a refused repeated key, naming the key as the message does; None when
    ``message`` is not about one."""
    for pattern, shown in _KEY_PATTERNS:
        found = pattern.search(message)
        if found is not None:
            key = shown.format(found.group(1))
            return (
                f"{key} is in the target table already (or twice in the rows read): "
                "--mode append adds to the rows there; remove the duplicates (in the source "
                "or the target), or load the table afresh with --mode replace or truncate "
                "(--on-error reject does not set repeated keys aside)"
            )
    return None


def fix_before_resume(error: str) -> str | None:
    """What must be fixed before ``--resume`` can continue a table that failed with ``error``
    (as its report said it), for ``arrowmig status``: a repeated key is refused again by a
    resume that writes the same rows into the same table. None when the error is not that."""
    if duplicate_key_hint(error) is None:
        return None
    return (
        "remove the duplicates first (in the source or the target): a --resume writes the "
        "same rows again and meets the same keys; or load the table afresh with --mode "
        "replace or truncate (a run of its own, without --resume)"
    )

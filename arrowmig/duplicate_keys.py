"""What to do when a target refuses a row because its key is there already (a unique or
primary key), from the driver's message of each database, in the words of the run's mode."""

from __future__ import annotations

import re

from arrowmig.errors import ArrowmigError

_KEY_PATTERNS = (
    # PostgreSQL: ... violates unique constraint "t_pkey" (Key (id)=(1) already exists.)
    (re.compile(r"Key (\(.*?\)=\(.*?\)) already exists"), "key {}", False),
    # PostgreSQL, its DETAIL not given (a server that hides it, a message cut short): the
    # constraint names the key
    (re.compile(r'duplicate key value violates unique constraint (".*?")'), "a key of {}", False),
    # DuckDB, a key the table holds: Duplicate key "id: 1" violates primary key constraint
    (
        re.compile(r'Duplicate key (".*?") violates (?:primary key|unique) constraint'),
        "key {}",
        False,
    ),
    # DuckDB, a key twice in the rows of one insert, which it names by its values alone:
    # PRIMARY KEY or UNIQUE constraint violation: duplicate key "1"
    (re.compile(r'UNIQUE constraint violation: duplicate key (".*?")'), "key {}", True),
    # SQLite: UNIQUE constraint failed: t.id (the key's columns; it does not say the value)
    (
        re.compile(r"UNIQUE constraint failed: ([^\n]+?)\s*$", re.MULTILINE),
        "a value of key {}",
        False,
    ),
)

FIND_THEM = (
    "a GROUP BY of the key's columns HAVING count(*) > 1 on the source finds them (of "
    "lower() of a column that the target's key compares ignoring case: citext, NOCASE)"
)
"""How to find the rows read that repeat a key."""


def duplicate_key_hint(message: str, mode: str | None = None) -> str | None:
    """The hint for a refused repeated key, naming the key as the message does; None when
    ``message`` is not about one. ``mode``: the run's ``--mode``, which says where the key
    can be twice; None where it is not known (an endpoint's own words): both places."""
    found = _repeated(message)
    if found is None:
        return None
    key, in_rows = found
    if in_rows or _afresh(mode):
        # Emptied, created or a staging table of the run's own, the table held only the
        # rows read; or the target says the key is twice among them.
        held = f" (the table held none before them, --mode {mode})" if _afresh(mode) else ""
        return (
            f"{key} is twice in the rows read{held}: remove the duplicates in the source; "
            f"{FIND_THEM} (--on-error reject does not set repeated keys aside)"
        )
    return (
        f"{key} is in the target table already (or twice in the rows read): --mode append "
        "adds to the rows there; remove the duplicates (in the source or the target), or load "
        "the table afresh with --mode replace or truncate (--on-error reject does not set "
        "repeated keys aside)"
    )


def said_for_mode(error: ArrowmigError, mode: str) -> None:
    """Give ``error``'s hint of a repeated key, which its endpoint gave knowing no mode, the
    words of the run's ``mode``: a truncate was told to load the table with --mode truncate."""
    if error.hint is not None and error.hint == duplicate_key_hint(error.message):
        error.hint = duplicate_key_hint(error.message, mode)


def fix_before_resume(error: str, mode: str) -> str | None:
    """What must be fixed before ``--resume`` can continue a table that failed with ``error``
    (as its report said it) in ``mode``, for ``arrowmig status``: a repeated key is refused
    again by a resume that writes the same rows into the same table. None when the error is
    not that."""
    found = _repeated(error)
    if found is None:
        return None
    if found[1] or _afresh(mode):
        return (
            "remove the duplicates in the source first: a --resume reads the same rows again "
            f"and meets the same keys; {FIND_THEM}"
        )
    return (
        "remove the duplicates first (in the source or the target): a --resume writes the "
        "same rows again and meets the same keys; or load the table afresh with --mode "
        "replace or truncate (a run of its own, without --resume)"
    )


def _repeated(message: str) -> tuple[str, bool] | None:
    """The repeated key as ``message`` names it, and whether the message says it is twice
    in the rows written (not in the table already); None when it names none."""
    for pattern, shown, in_rows in _KEY_PATTERNS:
        found = pattern.search(message)
        if found is not None:
            return shown.format(found.group(1)), in_rows
    return None


def _afresh(mode: str | None) -> bool:
    """Whether a run in ``mode`` writes into a table that held no rows before it."""
    return mode is not None and mode != "append"

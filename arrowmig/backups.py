"""The names ``--keep-backup`` gives replaced tables, and telling such a name again."""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Callable, Collection
from datetime import UTC, datetime

from arrowmig.endpoints.base import INTERNAL_PREFIX

MAX_NAME_BYTES = 63
"""The longest name every target takes whole (PostgreSQL's identifiers)."""

_TAG = r"\d{14}(?:_\d+)?"


def name_hash(table: str) -> str:
    """Twelve hex digits that tell a long table name apart within a short internal name."""
    return hashlib.sha1(table.encode()).hexdigest()[:12]


def backup_name(table: str, taken: Callable[[str], bool]) -> tuple[str, str]:
    """The name ``--keep-backup`` gives a replaced table, and its tag (the time, and a count
    when a backup of the same second is ``taken``: two replaces within one second)."""
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    for count in itertools.count(1):
        tag = stamp if count == 1 else f"{stamp}_{count}"
        name = f"{table}_arrowmig_backup_{tag}"
        if len(name.encode()) > MAX_NAME_BYTES:
            name = f"{INTERNAL_PREFIX}backup_{name_hash(table)}_{tag}"
        if not taken(name):
            return name, tag
    raise AssertionError("unreachable")


def backup_of(name: str, tables: Collection[str]) -> str | None:
    """Which of ``tables`` ``name`` is a ``--keep-backup`` backup of, if any."""
    for table in tables:
        if re.fullmatch(re.escape(f"{table}_arrowmig_backup_") + _TAG, name) or re.fullmatch(
            re.escape(f"{INTERNAL_PREFIX}backup_{name_hash(table)}_") + _TAG, name
        ):
            return table
    return None

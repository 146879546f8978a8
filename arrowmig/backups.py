"""The names ``--keep-backup`` gives replaced tables, telling such a name again, and a replaced
table's index or ``ALTER TABLE`` statement made again on another table."""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Callable, Collection
from datetime import UTC, datetime

from arrowmig.endpoints.base import INTERNAL_PREFIX
from arrowmig.schema import quote_ident

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


_NAME = r'(?:"(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\]|[^\s."`\[(]+)'
_TABLE = rf"{_NAME}(?:\s*\.\s*{_NAME}){{0,2}}"
_INDEX_HEAD = re.compile(
    rf"^\s*CREATE\s+(UNIQUE\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?({_NAME}(?:\s*\.\s*{_NAME})?)"
    rf"\s+ON\s+{_TABLE}\s*",
    re.IGNORECASE,
)
_ALTER_HEAD = re.compile(rf"^\s*ALTER\s+TABLE\s+{_TABLE}\s+", re.IGNORECASE)


def index_on_backup(sql: str, index: str, backup: str) -> str | None:
    """The ``CREATE INDEX`` statement ``sql`` made again as ``index`` on table ``backup``
    (quoted as SQL names it): SQLite and DuckDB rename no index, and an index name is the
    database's, so the backup's are built again under names of their own for the new table
    to take the old ones. None where ``sql`` is not such a statement."""
    head = _INDEX_HEAD.match(sql)
    if head is None:
        return None
    return _index_on(sql, head, quote_ident(index), backup)


def on_table(sql: str, table: str) -> str | None:
    """The ``ALTER TABLE`` or ``CREATE INDEX`` statement ``sql`` made again on table
    ``table`` (as SQL names it), an index under its own name: the plan tries what a replaced
    table gives the new one on a stand-in of it (``endpoints.stand_in``). None where ``sql``
    is neither."""
    alter = _ALTER_HEAD.match(sql)
    if alter is not None:
        return f"ALTER TABLE {table} {sql[alter.end() :]}"
    head = _INDEX_HEAD.match(sql)
    if head is None:
        return None
    return _index_on(sql, head, head.group(2), table)


def _index_on(sql: str, head: re.Match[str], index: str, table: str) -> str:
    unique = "UNIQUE " if head.group(1) else ""
    return f"CREATE {unique}INDEX {index} ON {table} {sql[head.end() :].rstrip(';')}"

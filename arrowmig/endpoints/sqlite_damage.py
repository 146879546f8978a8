"""A damaged SQLite file, told the same way wherever SQLite finds the damage: as the file is
opened (its header, its schema) or on any later read of a damaged page (a table's pages, the
header sound), mid-run too. ``.recover`` is the way to read what it still holds."""

from __future__ import annotations

from arrowmig.endpoints.common import short_driver_message
from arrowmig.errors import DamagedFile

# SQLITE_CORRUPT ("database disk image is malformed") and SQLITE_NOTADB ("file is not a
# database"), which a damaged header gives.
_DAMAGE = ("malformed", "not a database")


def damaged_file(
    exc: BaseException, target: str, other: str | None = None, *, table: str | None = None
) -> DamagedFile | None:
    """``exc`` as the error of a damaged SQLite file ``target`` (None when it is another
    error). ``other``: a file attached to the same connection (a SQLite source copied by
    SQLite itself), which SQLite's message does not tell apart from ``target``."""
    if isinstance(exc, DamagedFile):
        return exc
    reason = short_driver_message(exc)
    for prefix in ("Failed to prepare query: ", "Failed to step query: "):
        reason = reason.removeprefix(prefix)
    if not any(word in reason for word in _DAMAGE):
        return None
    if other is None:
        return DamagedFile(
            f"SQLite file {target!r} is damaged ({reason})",
            hint=f'recover what it holds: sqlite3 {target} ".recover" | sqlite3 recovered.db',
            table=table,
        )
    return DamagedFile(
        f"SQLite file {other!r} or {target!r} is damaged ({reason})",
        hint="find which with sqlite3 FILE 'PRAGMA quick_check', and recover what it holds: "
        'sqlite3 FILE ".recover" | sqlite3 recovered.db',
        table=table,
    )

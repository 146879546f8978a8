"""What refuses ``--mode replace`` into DuckDB before anything is written: DuckDB neither
drops nor renames a table another table's foreign key points at, so putting the new table in
its place would fail after every row was loaded (and a --resume would fail alike)."""

from __future__ import annotations

from arrowmig.endpoints.base import Endpoint
from arrowmig.errors import SchemaError


def refuse_replacing_referenced(dst: Endpoint, name: str) -> None:
    """Raise SchemaError when another table has a foreign key to DuckDB table ``name``. One
    the run replaces too is no exception: its old table, or its backup, keeps the key until it
    is dropped, which may come after this one is put in place."""
    keys_pointing_at = getattr(dst, "keys_pointing_at", None)  # DuckDB's
    if keys_pointing_at is None:
        return
    found = keys_pointing_at(name)
    if not found:
        return
    child, definition = found[0]
    raise SchemaError(
        f"cannot replace {name!r} in {dst.url.redacted}: table {child!r} has a foreign key to "
        f"it ({definition}), and DuckDB neither drops nor renames a table a foreign key points "
        "at; nothing has been written",
        hint=f"drop {child!r} first (a run can create it again from the source, without that "
        "key as DuckDB adds none to a loaded table), or use --mode append",
        table=name,
    )

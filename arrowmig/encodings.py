"""PostgreSQL database encodings: whether text can pass between two databases undecoded, and
what a run says about a database that is not UTF8.

Every arrowmig session speaks UTF-8 (``pg_wire.CLIENT_ENCODING_SQL``): the server converts a
LATIN1 database's text as it is read and written. A SQL_ASCII database declares no encoding;
its bytes travel as they are.
"""

from __future__ import annotations

from collections.abc import Callable

NO_ENCODING = "SQL_ASCII"


def holds_every_character(source: str, target: str) -> bool:
    """Whether a target database of encoding ``target`` takes every text a ``source`` database
    sends, so that no row can fail for its encoding: the same encoding, or a UTF8 target and a
    source the server converts (not SQL_ASCII, whose bytes are not always UTF-8)."""
    return source == target or (target == "UTF8" and source != NO_ENCODING)


def encoding_notes(source: Callable[[], str] | None, target: Callable[[], str] | None) -> list[str]:
    """The run's notes on a source or target database that is not UTF8; ``source`` and
    ``target`` ask a PostgreSQL endpoint its encoding (None for SQLite and DuckDB)."""
    notes = []
    if source is not None and source() == NO_ENCODING:
        notes.append(
            "the source database's encoding is SQL_ASCII, which declares none: its text is "
            "read as the bytes it holds and taken as UTF-8; a value that is not UTF-8 is "
            "refused with its row named (--cast TABLE.COLUMN=bytea keeps its bytes)"
        )
    if target is None:
        return notes
    encoding = target()
    if encoding == NO_ENCODING:
        notes.append(
            "the target database's encoding is SQL_ASCII, which declares none: text is "
            "stored as its UTF-8 bytes, unchecked (a client that reads it in another "
            "client_encoding gets those bytes)"
        )
    elif encoding != "UTF8":
        notes.append(
            f"the target database's encoding is {encoding}: text is converted into it, and a "
            f"row holding a character {encoding} lacks is refused with its row named (set "
            "aside with --on-error reject)"
        )
    return notes

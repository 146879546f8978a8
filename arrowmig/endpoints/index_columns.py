"""Which columns a ``CREATE INDEX`` statement (SQLite's or DuckDB's, as the catalog keeps it)
names, for ``--mode replace``: an index of the replaced table on a column the new table lacks
is named as not kept, in the plan as in the run."""

from __future__ import annotations

import re
from collections.abc import Collection

from arrowmig.endpoints.sqlite_ddl import _STRING_OR_COMMENT, _unquoted

NAME = re.compile(r'"(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\]|[A-Za-z_][\w$]*')


def mentioned(create_index: str, gone: Collection[str]) -> str | None:
    """The first column of ``gone`` (lower case) that index ``create_index`` names in its
    keys or its WHERE, quoted or not: SQLite would take a double-quoted name it cannot find
    as a string, and build the index on that constant."""
    code = _STRING_OR_COMMENT.sub(" ", create_index)
    # The first ON outside a quoted name (the index's own may hold one) and the table after it.
    masked = NAME.sub(lambda m: m.group() if m.group()[0].isalpha() else "_" * len(m.group()), code)
    on = re.search(r"\bON\b", masked, re.IGNORECASE)
    start = on.end() if on else len(code)
    names = NAME.findall(code[start:])[1:]  # the table's name first
    return next((n for n in map(_unquoted, names) if n.lower() in gone), None)

"""SQLite virtual tables (FTS5, FTS4, R*Tree): what copying one's rows leaves behind, and the
shadow tables that are their own storage, each with the virtual table it belongs to.

A virtual table moves only when ``--tables`` names it, as a plain table of the rows SQLite
hands back. Its index is not built again, and a contentless full-text table (``content=''``)
hands back no values at all: both are said in the plan and the report. Its shadow tables
(``docs_data``, ``docs_idx``...) are never copied: their rows are index pages.

A contentless FTS4 table refuses every read but a MATCH ("SQL logic error"), where FTS5 reads
its columns as NULL; its rows are counted from its ``_docsize`` shadow table instead, one row
per document (``contentless_fts4_rows``), so it moves as FTS5's does: rows of NULLs.
"""

from __future__ import annotations

import re

from arrowmig.schema import quote_ident

_MODULE = re.compile(r"\bUSING\s+([A-Za-z_][A-Za-z0-9_]*)", re.IGNORECASE)
_CONTENTLESS = re.compile(r"\bcontent\s*=\s*(?:''|\"\")", re.IGNORECASE)
"""FTS4's and FTS5's option for a table that keeps its index only."""


def module_name(create_sql: str) -> str:
    """The virtual table's module as users write it (``FTS5``, ``R*Tree``), from its CREATE
    VIRTUAL TABLE statement; ``virtual`` where it names none."""
    found = _MODULE.search(create_sql)
    module = found.group(1).lower() if found else ""
    if module.startswith("rtree"):
        return "R*Tree"
    return module.upper() if module.startswith("fts") else module or "virtual"


def lost_index(create_sql: str) -> str:
    """What a plain table of a virtual table's rows does not have (``Table.not_carried``):
    the index that is the point of the virtual table."""
    module = module_name(create_sql)
    if module.startswith("FTS"):
        # The rowid is the document's id, the one link from a row (all of a contentless
        # table's) to the application's rows, yet no column: SELECT * leaves it out.
        return (
            f"the {module} full-text index (the rows land in a plain table: build it again), "
            "nor its rowids, each row's document id (no column of it: copy a view that "
            "selects rowid AS id, * from it to keep them)"
        )
    if module == "R*Tree":
        return "the R*Tree index (the rows land in a plain table)"
    return f"the {module} virtual table's module (the rows land in a plain table)"


def contentless_note(create_sql: str, rows: int | None) -> str | None:
    """A column note for a contentless full-text table (``content=''``), which keeps its
    index only: SQLite reads every column of it as NULL (the application that built it holds
    the text elsewhere), so the copy's rows hold nothing but NULLs. None for another table."""
    module = module_name(create_sql)
    if not module.startswith("FTS") or not _CONTENTLESS.search(create_sql):
        return None
    counted = f"in each of its {rows:,} rows" if rows and rows > 1 else "in every row"
    reads = (
        f"SQLite reads none of its columns: NULL is what arrives {counted}"
        if module == "FTS4"
        else f"SQLite reads the column as NULL {counted}: NULL is what arrives"
    )
    return (
        f"no values: a contentless {module} table (content='') keeps its full-text index "
        f"only, and {reads}"
    )


def is_contentless_fts4(create_sql: str) -> bool:
    """A contentless FTS4 table (``content=''``), which SQLite reads by MATCH alone."""
    return module_name(create_sql) == "FTS4" and bool(_CONTENTLESS.search(create_sql))


def contentless_fts4_rows(name: str, columns: list[str], has_docsize: bool) -> str | None:
    """The select that stands for a contentless FTS4 table in reads: a NULL per column for
    each document its ``_docsize`` shadow table counts; None without that table
    (``matchinfo=fts3``), where nothing tells its rows."""
    if not has_docsize:
        return None
    nulls = ", ".join(f"NULL AS {quote_ident(c)}" for c in columns) or "NULL"
    return f"SELECT {nulls} FROM {quote_ident(name + '_docsize')}"


def shadow_owners(tables: list[tuple[str, str, str]]) -> dict[str, tuple[str, str]]:
    """Each shadow table with the virtual table it belongs to and that table's module, from
    (name, type, sql) of the file's tables: a shadow table is named for its virtual table
    and a suffix (``docs_data`` is FTS5 ``docs``'s), the longest such name where several fit."""
    virtual = {name: module_name(sql) for name, kind, sql in tables if kind == "virtual"}
    owners = {}
    for name, kind, _ in tables:
        if kind != "shadow":
            continue
        fitting = [v for v in virtual if name.lower().startswith(v.lower() + "_")]
        if fitting:
            owner = max(fitting, key=len)
            owners[name] = (owner, virtual[owner])
    return owners

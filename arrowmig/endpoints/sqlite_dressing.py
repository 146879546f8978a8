"""What a SQLite table that ``--mode replace`` replaces has beyond the source's table, as
``pg_dressing.Dressing``: its indexes, UNIQUE constraints and triggers are given to the new
table (each index checked against the new rows as it is built); its CHECKs, NOT NULLs,
defaults, collations, foreign keys and primary key are named with the clause that declares
them, since SQLite adds none of those to a table that exists."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Collection

from arrowmig.endpoints.common import split_top_level
from arrowmig.endpoints.index_columns import mentioned
from arrowmig.endpoints.pg_dressing import Dressing, Query
from arrowmig.endpoints.sqlite_ddl import _STRING_OR_COMMENT, _unquoted, column_collations
from arrowmig.schema import quote_ident

_BY_REBUILD = "SQLite adds no constraint, default or collation to a table that exists"
_CHECK = re.compile(
    r'(?:\bCONSTRAINT\s+("(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\]|\w+)\s+)?\bCHECK\s*\(', re.IGNORECASE
)


def read_sqlite_dressing(query: Query, name: str, columns: Collection[str]) -> list[Dressing]:
    """What table ``name`` has that a new table of its name, with ``columns``, should get or
    be told of losing (its columns the new table lacks go with it, and are named apart)."""
    create_sql = _create_sql(query, name)
    wanted = {c.lower() for c in columns}
    dressing: list[Dressing] = []
    collations = column_collations(create_sql)
    info = query('SELECT name, "notnull", dflt_value, pk FROM pragma_table_info(?)', (name,))
    for column, not_null, default, _pk in info:
        if str(column).lower() not in wanted:
            continue
        declared = _column_definition(create_sql, str(column))
        if not_null:
            label = f"NOT NULL on {column}"
            dressing.append(_named(label, f"NOT NULL {column}", declared))
        if default is not None:
            label = f"default {default} on {column}"
            dressing.append(_named(label, f"DEFAULT {column}", declared))
        collation = collations.get(str(column).lower())
        if collation:
            label = f"collation {collation} on {column}"
            dressing.append(_named(label, f"COLLATE {column} {collation}", declared))
    key = [str(r[0]) for r in sorted((r for r in info if r[3]), key=lambda r: r[3])]
    if key:
        clause = f"PRIMARY KEY ({', '.join(quote_ident(c) for c in key)})"
        dressing.append(_named(f"primary key ({', '.join(key)})", _key_key(key), clause))
    for constraint, clause in checks(create_sql):
        label = f"check {constraint}" if constraint else f"check {clause[5:].strip()}"
        dressing.append(_named(label, _check_key(clause), clause))
    for parent, refs in _foreign_keys(query, name).items():
        own = ", ".join(quote_ident(r[0]) for r in refs)
        points = ", ".join(quote_ident(r[1]) for r in refs if r[1] is not None)
        clause = f"FOREIGN KEY ({own}) REFERENCES {quote_ident(parent[0])}" + (
            f" ({points})" if points else ""
        )
        label = f"foreign key ({', '.join(r[0] for r in refs)}) to {parent[0]}"
        dressing.append(_named(label, _foreign_key_key(parent[0], refs), clause))
    have = {str(r[0]).lower() for r in info}
    gone = have - wanted
    dressing += _indexes(query, name, gone)
    for trigger, sql in query(
        # A trigger's tbl_name is spelt as its CREATE TRIGGER wrote it (ON Users for users).
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? "
        "COLLATE NOCASE ORDER BY name",
        (name,),
    ):
        label = f"trigger {trigger}"
        fired_by = _update_of(str(sql))
        if fired_by and all(c.lower() in gone for c in fired_by):
            # SQLite takes it, and it never fires again: no update sets a column that is gone.
            why = f"it fires only on an update of {', '.join(fired_by)}, which the new table lacks"
            dressing.append(Dressing(label, None, why, name=str(trigger), recreate=str(sql)))
            continue
        dressing.append(
            Dressing(
                label,
                str(sql),
                name=str(trigger),
                checks=_compiled(name, [str(c) for c in columns if str(c).lower() in have]),
                undo=f"DROP TRIGGER {quote_ident(str(trigger))}",
            )
        )
    return dressing


_UPDATE_OF = re.compile(r"\bUPDATE\s+OF\s+(.*?)\s+ON\b", re.IGNORECASE | re.DOTALL)


def _update_of(create_trigger: str) -> list[str]:
    """The columns of a trigger's ``UPDATE OF`` (none for another kind of trigger)."""
    match = _UPDATE_OF.search(_STRING_OR_COMMENT.sub(" ", create_trigger))
    if match is None:
        return []
    return [_unquoted(c.strip()) for c in split_top_level(match.group(1))]


def _compiled(table: str, columns: list[str]) -> tuple[str, ...]:
    """Statements that compile every trigger of ``table`` (with ``columns``) without running
    one: EXPLAIN of an insert, an update of every column and a delete."""
    target = quote_ident(table)
    every = ", ".join(f"{quote_ident(c)} = {quote_ident(c)}" for c in columns)
    update = (f"EXPLAIN UPDATE {target} SET {every}",) if every else ()
    return (
        f"EXPLAIN INSERT INTO {target} DEFAULT VALUES",
        *update,
        f"EXPLAIN DELETE FROM {target}",
    )


def _named(label: str, key: str, declared: str) -> Dressing:
    return Dressing(
        label, None, _BY_REBUILD, key=key, recreate=f"build the table again with {declared}"
    )


def _indexes(query: Query, name: str, gone: Collection[str]) -> list[Dressing]:
    """Indexes made with CREATE INDEX, as they were made; UNIQUE constraints (SQLite's own
    ``sqlite_autoindex``) as the unique index that enforces the same; each named instead
    where it is on a column the new table lacks (``gone``, in lower case)."""
    dressing = []
    for index, origin, sql in query(
        "SELECT l.name, l.origin, m.sql FROM pragma_index_list(?) l "
        "LEFT JOIN sqlite_master m ON m.type = 'index' AND m.name = l.name "
        "WHERE l.origin <> 'pk' ORDER BY l.seq DESC",
        (name,),
    ):
        key = index_key(query, str(index), sql)
        if origin == "c":
            unique = "unique " if key.startswith("UNIQUE") else ""
            label = f"{unique}index {index}"
            missing = mentioned(str(sql), gone)
            if missing is not None:
                why = f"the new table has no column {missing!r}"
                item = Dressing(label, None, why, key=key, builds_index=True, recreate=str(sql))
            else:
                item = Dressing(label, str(sql), key=key, name=str(index), builds_index=True)
            dressing.append(item)
            continue
        cols = [str(r[0]) for r in _key_columns(query, str(index))]
        made = f"{name}_{'_'.join(cols)}_key"  # the name a SQLite source's would take
        keys = ", ".join(
            f"{quote_ident(c)}{_collated(o)}" for c, o in _key_options(query, str(index))
        )
        sql = f"CREATE UNIQUE INDEX {quote_ident(made)} ON {quote_ident(name)} ({keys})"
        label = f"unique ({', '.join(cols)}) as unique index {made}"
        missing = next((c for c in cols if c.lower() in gone), None)
        if missing is not None:
            why = f"the new table has no column {missing!r}"
            dressing.append(Dressing(label, None, why, key=key, builds_index=True, recreate=sql))
            continue
        dressing.append(Dressing(label, sql, key=key, name=made, builds_index=True))
    return dressing


def _key_columns(query: Query, index: str) -> list[tuple[object, ...]]:
    return query(
        'SELECT name, coll, "desc" FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno',
        (index,),
    )


def _key_options(query: Query, index: str) -> list[tuple[str, str]]:
    return [(str(c), str(coll)) for c, coll, _ in _key_columns(query, index)]


def _collated(collation: str) -> str:
    return "" if collation.upper() == "BINARY" else f" COLLATE {collation}"


def index_key(query: Query, index: str, sql: object) -> str:
    """What makes two indexes of a table the same, whatever their names: uniqueness and key
    columns (collation and order too); an index on an expression or partial, its text."""
    unique, partial = query(
        'SELECT "unique", partial FROM pragma_index_list((SELECT tbl_name FROM sqlite_master '
        "WHERE name = ?)) WHERE name = ?",
        (index, index),
    )[0]
    cols = _key_columns(query, index)
    kind = "UNIQUE INDEX" if unique else "INDEX"
    if partial or any(c[0] is None for c in cols):
        text = " ".join(str(sql).split())
        return f"{kind} {text[text.upper().find(' ON ') :]}"
    keys = [f"{str(c).lower()} {str(coll).upper()}{' DESC' if d else ''}" for c, coll, d in cols]
    return f"{kind} ({', '.join(keys)})"


def present(query: Query, name: str) -> tuple[set[str], set[str]]:
    """What table ``name`` (the new one) has, as ``Dressing.key``s, and the names its indexes
    and triggers take."""
    have = {d.key for d in read_sqlite_dressing(query, name, _column_names(query, name)) if d.key}
    taken = {
        str(r[0])
        for r in query(
            "SELECT name FROM sqlite_master WHERE type IN ('index', 'trigger') "
            "AND tbl_name = ? COLLATE NOCASE",
            (name,),
        )
    }
    return have, taken


def planned(statements: Collection[str], name: str) -> tuple[set[str], set[str]]:
    """``present`` of the table that ``statements`` (its CREATE TABLE and CREATE INDEXes)
    will build, told before it is built: they are run on an empty in-memory database."""
    with sqlite3.connect(":memory:") as con:
        try:
            for sql in statements:
                con.execute(sql)
        except sqlite3.Error:
            return set(), set()  # a collation only its application defines: nothing assumed

        def query(sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
            return con.execute(sql, params).fetchall()

        return present(query, name)


def checks(create_sql: str) -> list[tuple[str | None, str]]:
    """Each CHECK of a CREATE TABLE statement, a column's or the table's: its name (None if
    it has none) and its clause as written (``CHECK (age >= 0)``)."""
    # Strings and comments blanked to the same length: offsets still point into the text.
    code = _STRING_OR_COMMENT.sub(lambda m: " " * len(m.group()), create_sql)
    found = []
    for match in _CHECK.finditer(code):
        depth, end = 0, match.end() - 1
        for end in range(match.end() - 1, len(code)):
            depth += {"(": 1, ")": -1}.get(code[end], 0)
            if depth == 0:
                break
        name = match.group(1)
        start = code.upper().find("CHECK", match.start())
        found.append((_unquoted(name) if name else None, create_sql[start : end + 1]))
    return found


def _check_key(clause: str) -> str:
    return "CHECK " + " ".join(clause[5:].lower().split()).replace("( ", "(").replace(" )", ")")


def _key_key(columns: Collection[str]) -> str:
    return f"PRIMARY KEY ({', '.join(c.lower() for c in columns)})"


def _foreign_key_key(parent: str, refs: list[tuple[str, str | None]]) -> str:
    return f"FOREIGN KEY {[(a.lower(), (b or '').lower()) for a, b in refs]} -> {parent.lower()}"


def _foreign_keys(query: Query, name: str) -> dict[tuple[str, int], list[tuple[str, str | None]]]:
    found: dict[tuple[str, int], list[tuple[str, str | None]]] = {}
    for key, parent, own, to in query(
        'SELECT id, "table", "from", "to" FROM pragma_foreign_key_list(?) ORDER BY id, seq',
        (name,),
    ):
        found.setdefault((str(parent), int(key)), []).append(
            (str(own), None if to is None else str(to))
        )
    return found


def _column_definition(create_sql: str, column: str) -> str:
    """Column ``column``'s definition as the CREATE TABLE text writes it."""
    start = create_sql.find("(")
    for part in split_top_level(create_sql[start + 1 : create_sql.rfind(")")]):
        words = part.split(None, 1)
        if words and _unquoted(words[0]).lower() == column.lower():
            return " ".join(part.split())
    return quote_ident(column)


def _column_names(query: Query, name: str) -> list[str]:
    return [str(r[0]) for r in query("SELECT name FROM pragma_table_info(?)", (name,))]


def _create_sql(query: Query, name: str) -> str:
    # The replaced table may be spelt otherwise (Users, replaced by the source's users).
    rows = query(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE", (name,)
    )
    return str(rows[0][0] or "") if rows else ""

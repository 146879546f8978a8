"""Foreign keys on a PostgreSQL target: added NOT VALID, then their rows checked (VALIDATE)
on several connections at once, and dropped again where they do not check out; and the keys of
other tables into a table ``--mode replace`` replaces, read before and put back after.
"""

from __future__ import annotations

import contextlib
import random
import re
import threading
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from arrowmig.endpoints import postgres_catalog
from arrowmig.endpoints.pg_dressing import Query
from arrowmig.errors import ArrowmigError, TransientError
from arrowmig.model import NOT_ADDED_AGAIN, ForeignKey
from arrowmig.schema import foreign_key_clause, qualified, quote_ident

Run = Callable[..., None]
"""``PostgresEndpoint._run``: statements whose rows are not wanted, told as ``what``."""


class Checker(Protocol):
    """A connection that checks foreign keys (a ``PostgresEndpoint``)."""

    def validate_or_drop(
        self, table: str, name: str, label: str, stop: threading.Event
    ) -> ArrowmigError | None: ...

    def cancel(self) -> None: ...


def foreign_keys_into(
    query: Query, schema: str, name: str, moved: Collection[str]
) -> list[tuple[str, str, str]]:
    """The foreign keys of other tables, not among ``moved`` (this schema's tables of the
    run), that point at table ``name``: (table, constraint, definition), the table
    qualified."""
    rows = query(
        "SELECT n.nspname, t.relname, c.conname, pg_get_constraintdef(c.oid) "
        "FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
        "JOIN pg_namespace n ON n.oid = t.relnamespace "
        "WHERE c.contype = 'f' AND c.confrelid = $1::regclass AND c.conrelid <> c.confrelid "
        "ORDER BY 1, 2, 3",
        (qualified(name, schema),),
    )
    # A definition is NULL for a key dropped (and committed) by another session after the
    # statement began (``pg_get_constraintdef`` reads the catalog as of its own call): its
    # table replaced by another worker, say. Read again, it is gone, or it is there whole.
    gone = [f"{k} of {qualified(str(t), str(n))}" for n, t, k, d in rows if d is None]
    if gone:
        raise TransientError(
            f"foreign key {', '.join(gone)} was dropped as it was read (by another session, "
            f"or with its table, replaced meanwhile): reading the foreign keys into {name!r} again",
            table=name,
        )
    return [
        (qualified(str(t), str(n)), str(k), str(d))
        for n, t, k, d in rows
        if not (n == schema and t in moved)
    ]


_POINTS_AT = re.compile(r'\bREFERENCES\s+(?:"(?:[^"]|"")*"|[^\s(]+)\(((?:"(?:[^"]|"")*"|[^)])*)\)')
_ON_DELETE = re.compile(r"\bON DELETE (RESTRICT|CASCADE|SET NULL|SET DEFAULT)")


def column_gone(definition: str, columns: Collection[str]) -> str | None:
    """Why a key of another table (``definition``, as ``pg_get_constraintdef`` writes it)
    cannot point at a new table with ``columns``: the first column it points at that the
    new table lacks (None if it has them all)."""
    match = _POINTS_AT.search(definition)
    if match is None:
        return None
    for part in match.group(1).split(", "):
        column = part[1:-1].replace('""', '"') if part.startswith('"') else part
        if column not in columns:
            return f"the new table has no column {column!r}"
    return None


_KEY_COLUMNS_SQL = (
    "SELECT pa.attname, format_type(pa.atttypid, pa.atttypmod), format_type(fa.atttypid, "
    "fa.atttypmod), fa.atttypid FROM pg_constraint c, unnest(c.conkey, c.confkey) k(f, p), "
    "pg_attribute fa, pg_attribute pa WHERE c.conrelid = $1::regclass AND c.conname = $2 "
    "AND c.contype = 'f' AND fa.attrelid = c.conrelid AND fa.attnum = k.f "
    "AND pa.attrelid = c.confrelid AND pa.attnum = k.p"
)

# Whether a key column of type $1 (oid) can point at one of type $2 (a name), as PostgreSQL
# decides as it adds the key: the same type, an equality between them in the btree family of
# the referenced type, or an implicit cast from the key's type to it.
_COMPARABLE_SQL = (
    "WITH p AS (SELECT to_regtype($2) AS t), f AS (SELECT CASE WHEN typtype = 'd' "
    "THEN typbasetype ELSE oid END AS t FROM pg_type WHERE oid = $1::text::oid) "
    "SELECT p.t IS NULL OR f.t = p.t OR EXISTS (SELECT 1 FROM pg_opclass oc "
    "JOIN pg_am am ON am.oid = oc.opcmethod AND am.amname = 'btree' JOIN pg_amop o "
    "ON o.amopfamily = oc.opcfamily AND o.amopstrategy = 3 AND o.amoplefttype = oc.opcintype "
    "AND o.amoprighttype = f.t WHERE oc.opcdefault AND oc.opcintype = p.t) "
    "OR EXISTS (SELECT 1 FROM pg_cast WHERE castsource = f.t AND casttarget = p.t "
    "AND castcontext = 'i') FROM p, f"
)


def type_clash(query: Query, table: str, name: str, types: Mapping[str, str]) -> str | None:
    """Why key ``name`` of ``table`` (qualified) cannot point at a new table whose columns
    have ``types`` (``planned_types``): the first column it points at whose type changed to
    one its own column cannot be compared with (None if there is none)."""
    for column, was, own, own_oid in query(_KEY_COLUMNS_SQL, (table, name)):
        now = types.get(str(column))
        if now is None or now == was:
            continue
        if not query(_COMPARABLE_SQL, (str(own_oid), now))[0][0]:
            return (
                f"the type of column {str(column)!r} changed from {was} to {now}, which its "
                f"column of type {own} cannot point at"
            )
    return None


def not_restored(table: str, name: str, definition: str, why: str) -> str:
    """How the plan and the report name a key of another table (``table``, qualified) that
    is not added again on the table that replaced the one it pointed at."""
    cascade = _ON_DELETE.search(definition)
    action = f", {cascade.group()}" if cascade else ""
    by_hand = f"ALTER TABLE {table} ADD CONSTRAINT {quote_ident(name)} {definition}"
    return (
        f"foreign key {name} of {table} (pointing here{action}{NOT_ADDED_AGAIN}{why} "
        f"(to add it: {by_hand})"
    )


RESTORE_ATTEMPTS = 5
"""How many times a key of another table is tried again on a replaced table when the try
meets a transient failure (a deadlock with the application writing both tables, most often)."""


def restore_foreign_key(
    run: Run,
    query: Query,
    parent: str,
    table: str,
    name: str,
    definition: str,
    *,
    retry: bool = True,
) -> str | None:
    """Put back a foreign key of another table (``table``, qualified) on the table that
    replaced ``parent`` (qualified): added NOT VALID, then checked. None once it is whole (one
    that was NOT VALID stays so, unchecked, as it was); else why it stands NOT VALID, guarding
    new rows only: how many rows break it, the first few, and the statement that checks it.
    ``retry``: a deadlock is tried again, up to ``RESTORE_ATTEMPTS``
    (not inside a transaction of several statements, which it has undone: its caller retries)."""
    label = f"foreign key {name} of {table}"
    key = quote_ident(name)
    unchecked = definition.endswith(" NOT VALID")
    # Both tables locked in one statement, the one replaced first, before anything waits
    # for a lock: ALTER TABLE alone locks the child, then waits for the parent, while an
    # application writing a parent row and then its child holds the parent and waits for
    # the child, and PostgreSQL ends one of the two (deadlock detected). A writer of the
    # other order can still meet the lock: that deadlock is retried.
    add = [
        f"LOCK TABLE {parent}, {table} IN SHARE ROW EXCLUSIVE MODE",
        f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {key}",
        f"ALTER TABLE {table} ADD CONSTRAINT {key} {definition}"
        + ("" if unchecked else " NOT VALID"),
    ]
    attempts = RESTORE_ATTEMPTS if retry else 1
    for attempt in range(attempts):
        try:
            run(";\n".join(add), f"re-adding {label}")
            break
        except TransientError as exc:
            # A deadlock only: a lock wait has already waited --batch-timeout, and is told.
            if exc.sqlstate not in _DEADLOCK or attempt + 1 >= attempts:
                raise
            time.sleep(0.2 * 2**attempt * (1 + random.random()))
    if unchecked:
        return None
    validate = f"ALTER TABLE {table} VALIDATE CONSTRAINT {key}"
    try:
        run(validate, f"checking {label}")
    except ArrowmigError as exc:
        if getattr(exc, "sqlstate", None) != _FOREIGN_KEY_VIOLATION:
            raise
        broken = _breaking_rows(query, table, parent, definition)
        return (
            f"{broken or exc.message}; it checks new rows, not those: fix them (or add their "
            f"parents), then run: {validate}"
        )
    return None


_FOREIGN_KEY_VIOLATION = "23503"
_DEADLOCK = ("40P01", "40001")
"""A deadlock, and a serialization failure, which is one PostgreSQL detects otherwise."""
_KEY_COLUMNS = re.compile(r"^FOREIGN KEY \(((?:\"(?:[^\"]|\"\")*\"|[^)])*)\)")


def _columns(listed: str) -> list[str]:
    """The columns of a list as ``pg_get_constraintdef`` writes it (``a, "B c"``)."""
    return [p[1:-1].replace('""', '"') if p.startswith('"') else p for p in listed.split(", ")]


def _breaking_rows(query: Query, child: str, parent: str, definition: str) -> str | None:
    """How many rows of ``child`` break key ``definition`` into ``parent``, and the first few
    (None if its columns cannot be read from ``definition``)."""
    own, points = _KEY_COLUMNS.search(definition), _POINTS_AT.search(definition)
    if own is None or points is None:
        return None
    columns, ref_columns = _columns(own.group(1)), _columns(points.group(1))
    count, shown = rows_without_parent(query, child, parent, columns, ref_columns)
    rows_word = "1 row refers" if count == 1 else f"{count:,} rows refer"
    return f"{rows_word} to no row of the new table ({shown})"


def restored_label(table: str, name: str, definition: str) -> str:
    """A foreign key of ``table`` put back on a replaced table, as the plan and report name it."""
    unchecked = definition.endswith(" NOT VALID")
    return f"foreign key {name} of {table} (again{', NOT VALID as it was' if unchecked else ''})"


def add_not_valid(
    query: Query,
    run: Run,
    schema: str,
    keys: list[tuple[str, ForeignKey]],
    on_key: Callable[[str, str], None] | None,
) -> tuple[list[str | ArrowmigError], dict[str, list[tuple[int, str]]]]:
    """Add ``keys`` NOT VALID (``PostgresEndpoint.add_foreign_keys``): each one's label, or why
    it was not added; and those whose rows are still to be checked (``check_keys``)."""
    results: list[str | ArrowmigError] = [fk.label for _, fk in keys]
    to_check: dict[str, list[tuple[int, str]]] = {}
    present: dict[str, list[tuple[ForeignKey, bool]]] = {}
    for i, (table, fk) in enumerate(keys):
        target = qualified(table, schema)
        clause = foreign_key_clause(fk, qualified(fk.ref_table, fk.ref_schema or schema))
        try:
            if table not in present:
                present[table] = postgres_catalog.foreign_keys_on(query, target)
            found = _same_key(present[table], fk)
            if found is not None:
                # Added by the interrupted run this one resumes: adding it again would
                # give the table a second copy (PostgreSQL names it *_fkey1), checked on
                # every write, and leave the first unchecked.
                name, checked = found
                if checked or not fk.valid:
                    results[i] = (
                        f"{fk.label} (there already, its rows checked)"
                        if checked
                        else _left_unchecked(fk)
                    )
                    if on_key is not None:
                        on_key(table, "added")
                        on_key(table, "checked")
                    continue
                to_check.setdefault(table, []).append((i, name))
                if on_key is not None:
                    on_key(table, "added")
                continue
            run(f"ALTER TABLE {target} ADD {clause} NOT VALID", f"adding {fk.label}", table)
            if not fk.valid:
                results[i] = _left_unchecked(fk)
                if on_key is not None:
                    on_key(table, "added")
                    on_key(table, "checked")
                continue
            (name,) = query(
                "SELECT conname FROM pg_constraint WHERE conrelid = $1::regclass AND "
                "contype = 'f' AND NOT convalidated ORDER BY oid DESC LIMIT 1",
                (target,),
            )[0]
            to_check.setdefault(table, []).append((i, str(name)))
            if on_key is not None:
                on_key(table, "added")
        except ArrowmigError as exc:
            results[i] = exc
            if on_key is not None:
                on_key(table, "added")
                on_key(table, "checked")

    return results, to_check


def check_keys(
    here: Checker,
    to_check: dict[str, list[tuple[int, str]]],
    keys: list[tuple[str, ForeignKey]],
    results: list[str | ArrowmigError],
    workers: int,
    connect: Callable[[], contextlib.AbstractContextManager[Checker]] | None,
    on_key: Callable[[str, str], None] | None,
) -> None:
    """VALIDATE the keys of ``to_check`` (table -> (index in ``keys``, constraint name)),
    each refusal put in ``results``.

    On ``connect``'s connections (each reused for table after table: a connection per
    table cost more than its checks, 300 small tables: 15 s against 0.4 s) the main
    thread only waits, so a signal reaches it at once: the checks in flight are cancelled
    and the others not started, each key left NOT VALID (not dropped) for --resume to
    check. Without ``connect`` they run here, one after another.
    """
    stop = threading.Event()

    def check(conn: Checker, table: str, added: list[tuple[int, str]]) -> None:
        for i, name in added:
            if stop.is_set():
                return
            error = conn.validate_or_drop(table, name, keys[i][1].label, stop)
            if error is not None:
                results[i] = error
            if on_key is not None:
                on_key(table, "checked")

    if not to_check:
        return
    if connect is None:
        for table, added in to_check.items():
            check(here, table, added)
        return
    queue = list(to_check.items())
    lock = threading.Lock()
    busy: list[Checker] = []

    def drain() -> None:
        with connect() as conn:
            with lock:
                busy.append(conn)
            while not stop.is_set():
                with lock:
                    if not queue:
                        return
                    table, added = queue.pop(0)
                check(conn, table, added)

    with ThreadPoolExecutor(min(workers, len(to_check))) as pool:
        futures = [pool.submit(drain) for _ in range(min(workers, len(to_check)))]
        try:
            for done in futures:
                done.result()
        except BaseException:  # a signal (or a worker's own error): stop, do not wait
            stop.set()
            with lock:
                for conn in busy:
                    conn.cancel()
            raise


def validate_or_drop(
    run: Run, schema: str, table: str, name: str, label: str, stop: threading.Event
) -> ArrowmigError | None:
    target = qualified(table, schema)
    try:
        run(
            f"ALTER TABLE {target} VALIDATE CONSTRAINT {quote_ident(name)}",
            f"checking {label}",
            table,
        )
        return None
    except ArrowmigError as exc:
        if stop.is_set():
            return None  # cancelled by a signal: left NOT VALID for --resume to check
        run(
            f"ALTER TABLE {target} DROP CONSTRAINT {quote_ident(name)}",
            f"dropping {label} again",
            table,
        )
        return exc


def _left_unchecked(fk: ForeignKey) -> str:
    """How the report names a key added NOT VALID, as the source has it."""
    return f"{fk.label} (as in the source: rows already there are not checked, new ones are)"


def _same_key(present: list[tuple[ForeignKey, bool]], fk: ForeignKey) -> tuple[str, bool] | None:
    """The name of a key of ``present`` defined as ``fk`` is (the one of its name first), and
    whether its rows were checked; None when there is none."""
    same = [(key, checked) for key, checked in present if key == fk]
    same.sort(key=lambda found: found[0].name != fk.name)
    if not same:
        return None
    key, checked = same[0]
    return str(key.name), checked


SHOWN_BREAKING = 3
"""How many rows that break a key its refusal names."""


def broken_by_rows(query: Query, schema: str, table: str, fk: ForeignKey) -> str:
    """Why ``fk`` is not built on the loaded ``table`` when its rows break it (a SQLite source
    does not hold its rows to its keys): how many rows refer to no parent, the first few of
    their values, and the statement that adds the key once they are fixed. One scan of the
    table, made only for a key whose check failed."""
    child = qualified(table, schema)
    parent = qualified(fk.ref_table, fk.ref_schema or schema)
    count, shown = rows_without_parent(query, child, parent, fk.columns, fk.ref_columns)
    rows_word = "1 row refers" if count == 1 else f"{count:,} rows refer"
    return (
        f"{fk.label} not built: {rows_word} to no row of {fk.ref_table!r} ({shown}); the "
        "rows are all copied, without the key: fix those rows (or add their parents), then add "
        f"it: ALTER TABLE {child} ADD {foreign_key_clause(fk, parent)}"
    )


def rows_without_parent(
    query: Query, child: str, parent: str, columns: Sequence[str], ref_columns: Sequence[str]
) -> tuple[int, str]:
    """How many rows of ``child`` (qualified) have ``columns`` that match no ``ref_columns``
    of ``parent``, and the first ``SHOWN_BREAKING`` of their values (``a 2; a 7, ...``). One
    scan of the table."""
    cols = [f"c.{quote_ident(c)}" for c in columns]
    # MATCH SIMPLE: a row with a NULL in any key column refers to nothing, and breaks nothing.
    present = " AND ".join(f"{c} IS NOT NULL" for c in cols)
    match = " AND ".join(
        f"p.{quote_ident(r)} = {c}" for r, c in zip(ref_columns, cols, strict=True)
    )
    # Each value as SQL writes it (2, '2025-05-01', 'it''s'): numbers bare, the rest quoted.
    shown_cols = [
        f"CASE WHEN (SELECT typcategory FROM pg_type WHERE oid = pg_typeof({c})) = 'N' "
        f"THEN {c}::text ELSE quote_literal({c}) END"
        for c in cols
    ]
    rows = query(
        f"SELECT {', '.join(shown_cols)}, count(*) OVER () FROM {child} c WHERE {present} AND NOT "
        f"EXISTS (SELECT 1 FROM {parent} p WHERE {match}) ORDER BY {', '.join(cols)} "
        f"LIMIT {SHOWN_BREAKING}"
    )
    count = int(rows[0][-1]) if rows else 0
    shown = "; ".join(
        ", ".join(f"{c} {v}" for c, v in zip(columns, row[:-1], strict=True)) for row in rows
    )
    return count, shown + (", ..." if count > len(rows) else "")

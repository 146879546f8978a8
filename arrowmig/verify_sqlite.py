"""What ``verify`` checks of a SQLite target beyond its values: SQLite queries answer by a
value's storage class and exact text (``WHERE b``, ``date(d)``, ``u = '...'``), which reading
by meaning does not see. Between two SQLite files the classes are compared; from any other
source, each column must hold the classes and text forms arrowmig writes.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pyarrow as pa

from arrowmig.endpoints.sqlite_profile import affinity
from arrowmig.endpoints.sqlite_written import form_test, form_words
from arrowmig.model import Column, Table
from arrowmig.normalise import (
    BINARY,
    DATE,
    TIME,
    TIMESTAMP,
    UUID,
    ColumnPair,
    kind_of,
    plain_type,
    quote,
)
from arrowmig.schema import ddl_type, wire_type
from arrowmig.verify_report import ByteaText, TableResult

CLASSES = ("integer", "real", "text", "blob")
"""SQLite's storage classes, in the order ``Column.class_counts`` counts them."""


def as_stored_text(source: Column, target: Column) -> tuple[Column, Column]:
    """A column of two SQLite files declared alike, read as the text each side stores where
    either side's values read as dates, times or timestamps: SQLite compares that text
    (``WHERE d = '2024-01-02'`` finds no ``'2024-01-02 00:00:00'``), and a copy between
    SQLite files keeps it exactly. Declared otherwise, or cast by the run that loaded it (a
    ``--cast`` to its own type: ``verifier._sqlite_casts``), compared by value."""
    if source.source_type.strip().lower() != target.source_type.strip().lower():
        return source, target
    if not {kind_of(source), kind_of(target)} & {DATE, TIME, TIMESTAMP}:
        return source, target
    return _as_text(source), _as_text(target)


def _as_text(column: Column) -> Column:
    # No proof: a proof checks values against the temporal type this column no longer reads as.
    return replace(column, arrow_type=pa.string(), proof=None)


def classes_apart(pairs: list[ColumnPair]) -> bool:
    """Whether any column's counts of storage classes differ between two SQLite files."""
    return any(_compared_counts(pair) for pair in pairs)


def _compared_counts(pair: ColumnPair) -> tuple[tuple[int, int, int, int], ...] | None:
    """Both sides' counts of storage classes where they differ and are compared."""
    s_count, t_count = pair.source.class_counts, pair.target.class_counts
    # A column declared otherwise in the target was cast on purpose: its values are
    # compared across types, as between any two engines.
    same_declaration = pair.source.source_type.lower() == pair.target.source_type.lower()
    if s_count is None or t_count is None or s_count == t_count or not same_declaration:
        return None
    return s_count, t_count


def compare_storage_classes(
    result: TableResult, pairs: list[ColumnPair], lost: int = 0, extra: int = 0
) -> None:
    """Between two SQLite files a value's storage class is part of it (REAL 9.99 and TEXT
    '9.99' read alike, yet ``amount > 10`` answers differently): a column whose counts of
    INTEGER, REAL, TEXT and BLOB values differ, as both profiles counted them, differs,
    unless the ``lost`` rows only the source holds and the ``extra`` rows only the target
    holds account for it (each takes or adds one value of a column, said as rows already)."""
    changed = []
    for pair in pairs:
        counts = _compared_counts(pair)
        if counts is None:
            continue
        s_count, t_count = counts
        fewer = sum(max(s - t, 0) for s, t in zip(s_count, t_count, strict=True))
        more = sum(max(t - s, 0) for s, t in zip(s_count, t_count, strict=True))
        if fewer <= lost and more <= extra:
            continue
        if _natural_only(t_count, pair.target.source_type) and not _natural_only(
            s_count, pair.source.source_type
        ):
            continue  # converted to what the declared type holds (a --cast to boolean)
        _differs(result, pair.name)
        changed.append(
            f"{pair.name}: source {class_counts(s_count)}, target {class_counts(t_count)}"
        )
    if changed:
        result.add_message("storage classes differ: " + "; ".join(changed))


def compare_blobs_made_text(
    result: TableResult, pairs: list[ColumnPair], cast: frozenset[str]
) -> None:
    """From a SQLite source into another engine: a column holding blobs whose target holds
    text differs, though each blob's bytes spell its text (SQLite's x'41' and 'A' are two
    values: ``x'41' = 'A'`` is false), unless the run that loaded it ``cast`` it so. Read by
    meaning, the blob and its text hash alike; the source's count of blobs tells them apart."""
    made_text = []
    for pair in pairs:
        counts = pair.source.class_counts
        blobs = counts[CLASSES.index("blob")] if counts is not None else 0
        if not blobs or pair.source.name in cast or kind_of(pair.target) in (BINARY, UUID):
            continue
        _differs(result, pair.name)
        made_text.append(f"{pair.name} ({blobs:,})")
    if made_text:
        result.add_message(
            "blobs of the source are text in the target, which SQLite holds apart from the "
            "blob (x'41' is not 'A'): " + ", ".join(made_text)
        )


_NATURAL_CLASSES = {"integer": (0, 1), "numeric": (0, 1), "real": (1,), "text": (2,), "blob": ()}
"""The storage classes (indexes into CLASSES) that a column of each SQLite affinity converts
its values to; a column without affinity (BLOB or untyped) converts none."""


def _natural_only(counts: tuple[int, int, int, int], declared: str) -> bool:
    """Whether every value is of a class the declared type's affinity converts values to."""
    natural = _NATURAL_CLASSES[affinity(declared)]
    return bool(natural) and all(n == 0 for i, n in enumerate(counts) if i not in natural)


def class_counts(counts: tuple[int, ...]) -> str:
    named = [f"{n:,} {kind}" for n, kind in zip(counts, CLASSES, strict=True) if n]
    return " and ".join(named) or "only NULLs"


CountWhere = Any
"""``SQLiteEndpoint.count_where``: (conditions, key) -> [(rows, least key)] in one scan."""


def check_written(
    result: TableResult, pairs: list[ColumnPair], target: Table, count_where: CountWhere
) -> None:
    """A SQLite target of another engine's rows: each column must hold the storage class
    arrowmig writes for its source's type under the column's affinity (integers for
    booleans, blobs for bytes...), and dates, times, timestamps and uuids their one text
    form, exactly. Counted from the profile's class counts and one more scan of the table,
    only where a column has a form or a value of another class."""
    checks = _checks(pairs)
    if not checks:
        return
    conditions = [c for check in checks for c in _conditions(*check)]
    key = target.primary_key[0] if len(target.primary_key) == 1 else None
    found = iter(count_where(conditions, key))
    notes = []
    for pair, storage, form in checks:
        if storage is not None:
            _, first = next(found)
            counts = pair.target.class_counts
            assert counts is not None
            wrong = tuple(
                0 if kind == storage else n for n, kind in zip(counts, CLASSES, strict=True)
            )
            _differs(result, pair.name)
            notes.append(
                f"{pair.name}: {class_counts(wrong)} where arrowmig writes {storage}"
                f"{_first(key, first)}"
            )
        if form is not None:
            bad, first = next(found)
            if bad:
                _differs(result, pair.name)
                notes.append(
                    f"{pair.name}: {bad:,} text not in the form arrowmig writes, "
                    f"{form_words(form)}{_first(key, first)}"
                )
    if notes:
        result.add_message("SQLite holds other values than arrowmig writes: " + "; ".join(notes))


Check = tuple[ColumnPair, str | None, str | None]
"""A column to check: its pair, the storage class it must hold (None: any), its text form."""


def _checks(pairs: list[ColumnPair]) -> list[Check]:
    """The columns whose storage classes or text forms are checked: those holding a value
    of another class than arrowmig writes, and those with a text form."""
    checks: list[Check] = []
    for pair in pairs:
        storage, form = written(pair.source, pair.target.source_type)
        counts = pair.target.class_counts
        others = 0
        if storage is not None and counts is not None:
            others = sum(counts) - counts[CLASSES.index(storage)]
        if others or form:
            checks.append((pair, storage if others else None, form))
    return checks


def _conditions(pair: ColumnPair, storage: str | None, form: str | None) -> list[str]:
    """SQLite conditions true of a value of the column that arrowmig does not write so."""
    c = quote(pair.target.name)
    conditions = [f"typeof({c}) NOT IN ('null', '{storage}')"] if storage is not None else []
    if form is not None:
        conditions.append(f"typeof({c}) = 'text' AND NOT {form_test(c, form)}")
    return conditions


RowsWhere = Any
"""``SQLiteEndpoint.rows_where``: (expressions, condition, limit) -> rows."""

MISFORMED_ROWS_READ = 10_000
"""At most this many such rows are read back and counted among the differing keys: a copy
another tool wrote may hold every row so (its verdict, from ``check_written``, is whole)."""


def misformed_rows(
    pairs: list[ColumnPair], target: Table, rows_where: RowsWhere
) -> dict[str, dict[str, Any]]:
    """The rows of a SQLite target (by their single key's text, as the diff store keeps
    keys) holding a value arrowmig does not write so, each with those values as stored:
    equal by meaning to the source's, they differ all the same (``check_written``). Empty
    for a table without a one-column key."""
    checks = _checks(pairs)
    if len(target.primary_key) != 1 or not checks:
        return {}
    tests = [" OR ".join(f"({c})" for c in _conditions(*check)) for check in checks]
    exprs = [quote(target.primary_key[0])]
    for (pair, _, _), test in zip(checks, tests, strict=True):
        c = quote(pair.target.name)
        # A text as its bytes, decoded here: one that is not UTF-8 (a blob's bytes cast to
        # text) stopped the driver's decoding, and so the verify, with no row named.
        exprs += [
            f"CASE WHEN {test} THEN 1 ELSE 0 END",
            f"CASE WHEN typeof({c}) <> 'text' THEN {c} END",
            f"CASE WHEN typeof({c}) = 'text' THEN CAST({c} AS BLOB) END",
        ]
    found: dict[str, dict[str, Any]] = {}
    for row in rows_where(exprs, " OR ".join(f"({t})" for t in tests), MISFORMED_ROWS_READ):
        values = {}
        for i, (pair, _, _) in enumerate(checks):
            held, text = row[2 + 3 * i], row[3 + 3 * i]
            if row[1 + 3 * i]:
                values[pair.name] = held if text is None else _text_shown(text)
        found[str(row[0])] = values
    return found


def _text_shown(raw: bytes) -> str:
    """A stored text as the report shows it: as itself where it is UTF-8, else as its bytes
    (``'\\x0180'``), as a text column's is."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return ByteaText("\\x" + raw.hex())


def written(source: Column, declared: str) -> tuple[str | None, str | None]:
    """(storage class, text form) arrowmig writes a value of ``source`` in, into a SQLite
    column declared ``declared`` as arrowmig declares it. (None, None) for any other
    declaration, which is compared by value only: a table that was there before (an append
    into Django's schema writes values as into a created table, whatever it declares), or a
    ``--cast``, which verify cannot tell from it."""
    if declared.strip().lower() != ddl_type(source, "sqlite").strip().lower():
        return None, None
    column = source
    wire = wire_type(column, "sqlite")
    form = _form(column) if pa.types.is_string(wire) else None
    storage = _stored_as(wire, declared)
    # A form's text never looks like a number: NUMERIC affinity (DATE, TIME) keeps it text.
    return (storage or ("text" if form else None)), form


_SENT = (
    (pa.types.is_int64, "integer"),
    (pa.types.is_float64, "real"),
    (pa.types.is_binary, "blob"),
)
"""The writer's Arrow types (``schema.wire_type``) and the class SQLite receives each as;
text otherwise."""


def _stored_as(wire: pa.DataType, declared: str) -> str | None:
    """The class SQLite stores a value sent as ``wire`` in, under the declared type's
    affinity; None where the value decides (text or a real under NUMERIC affinity)."""
    sent = "text"
    for test, storage in _SENT:
        if test(wire):
            sent = storage
    kind = affinity(declared)
    if kind == "text" and sent in ("integer", "real"):
        return "text"
    if kind == "real" and sent == "integer":
        return "real"
    if kind in ("numeric", "integer") and sent in ("text", "real"):
        return None
    return sent


def _form(column: Column) -> str | None:
    """The text form ``sqlite_written`` names for the values of ``column``, or None."""
    if kind_of(column) == UUID:
        return "uuid"
    t = plain_type(column.arrow_type)
    if pa.types.is_date(t):
        return "date"
    if pa.types.is_timestamp(t):
        return f"timestamp{'tz' if t.tz else ''}:{t.unit}"
    if pa.types.is_time(t):
        return f"time:{t.unit}"
    return None


def _first(key: str | None, value: Any) -> str:
    return f" (first {key} = {value!r})" if key is not None and value is not None else ""


def _differs(result: TableResult, name: str) -> None:
    if name not in result.differing_columns:
        result.differing_columns.append(name)

"""What an append or a truncate learns of the source's values before it writes anything:
NULLs bound for a NOT NULL column, text longer than a PostgreSQL ``varchar(n)``, integers
beyond the target column's integer type, text that is no label of a PostgreSQL enum or a
DuckDB ENUM, a time of day a cast to date would drop. Any such value would stop its table
halfway (after ``--mode truncate`` has emptied it), so the run is refused first, from one
aggregate scan of the columns concerned. Before a truncate empties a table, the values its
columns would store otherwise (a SQLite column's affinity, a time column's precision) or
PostgreSQL would refuse or cut (a date outside its range, text into a "char", text its input
function cannot read as a uuid, inet, json or time), text DuckDB's insert cannot convert to
the column's type (a UUID, a TIME), and values a --cast or a date column converts on their
way, are looked for too, by the write path's own screening of each batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pyarrow as pa

from arrowmig.argument_words import between_casts, cast_given, given
from arrowmig.array_elements import elements_conform, pg_json_elements
from arrowmig.config import BatchConfig
from arrowmig.endpoints import duckdb_enums, input_changes, lost_zeros, pg_char
from arrowmig.endpoints.common import short_driver_message, without_key
from arrowmig.endpoints.duckdb_casts import CastScreen
from arrowmig.endpoints.pg_ranges import may_be_outside
from arrowmig.endpoints.validate import (
    Problem,
    converted_by_duckdb,
    problem_error,
    problems_error,
    render_value,
    screen_batch,
    stored_otherwise,
    text_into_array,
    text_into_bits,
    text_into_interval,
    text_read_by_server,
)
from arrowmig.errors import DataError, SchemaError, TransferError, TransientError
from arrowmig.model import Column, Table
from arrowmig.pg_nanoseconds import elements_may_round
from arrowmig.schema import (
    forced_arrow_type,
    is_text_type,
    numbers_as_text,
    quote_ident,
    quote_literal,
    text_limit,
    travelling_type,
    type_words,
)


@dataclass(frozen=True)
class _Bound:
    """What the target column holds its values to, as SQL over the source column."""

    column: Column
    """The source column, as it is read."""
    aggregates: tuple[str, ...]
    """What the scan reads of the column (one scan for every bound of the table)."""
    breaks: Callable[[tuple[Any, ...]], str | None]
    """From those aggregates' values: what the column holds beyond the bound, or None."""
    outside: str
    """SQL that is true of a value beyond the bound: the first such row is named."""
    remedy: str = "widen the target column"
    """How the target could take the value."""
    shown: str = ""
    """SQL of the value as the refusal shows it, when not the column itself: text as it
    travels (citext read as is arrives as bytes)."""


def refuse_values_that_cannot_go_in(
    src: Any,
    source: Table,
    existing: Table,
    dialect: str,
    mode: str,
    batch: BatchConfig,
    cast_enums: dict[str, tuple[str, tuple[str, ...]]],
) -> None:
    """Raise SchemaError when a value of ``source`` cannot go into the ``existing`` table's
    columns it is appended to, naming every such column in one line. ``src`` is the source
    endpoint; one without ``select_from`` (the dataset generator) makes values that fit what
    it was asked for. ``cast_enums``: the text columns --cast to an enum of the target, whose
    labels are checked as an enum column's are (the server would refuse the first other
    text after --mode truncate had emptied the table)."""
    select_from = getattr(src, "select_from", None)
    if select_from is None or existing.takes_any_value:  # a SQLite table that is not STRICT
        return
    bounds = list(_bounds(source, existing, dialect, src.dialect))
    bounds += _cast_enum_bounds(source, cast_enums, src.dialect, as_text=False)
    refusals = _bound_refusals(select_from, source, bounds, mode)
    # A HUGEINT into bigint, a DECIMAL(38,10) into numeric(10,2), a DOUBLE into real: no
    # aggregate bounds them, so the write path's screening looks, lest the run name one
    # column, then stop on the next one at the first batch of the following run.
    bounded = {b.column.name for b in bounds}
    refusals += _screened_refusals(src, source, existing, dialect, batch, bounded)
    if len(refusals) == 1 and refusals[0].error is not None:
        error = refusals[0].error
        raise _before_writing(error, source, _nothing(mode)) from error
    if refusals:
        raise _refused(source, mode, refusals)  # every column at once, not one per run


def refuse_texts_no_label_of_cast_enum(
    src: Any, source: Table, enums: dict[str, tuple[str, tuple[str, ...]]], mode: str
) -> None:
    """Raise SchemaError when a text of ``source`` cast to an existing PostgreSQL enum
    (``enums``: column, to the enum's name and labels) is none of its labels, naming every
    such column, a row and the ways past, as an append into an enum column is refused.
    Created by the run, the table would otherwise fail at its first such batch with the
    server's words, naming no column (and a staging table, not the user's)."""
    select_from = getattr(src, "select_from", None)
    if select_from is None or not enums:
        return
    bounds = _cast_enum_bounds(source, enums, src.dialect, as_text=True)
    refusals = _bound_refusals(select_from, source, bounds, mode)
    if refusals:
        raise _refused(source, mode, refusals)


def _cast_enum_bounds(
    source: Table, enums: dict[str, tuple[str, tuple[str, ...]]], dialect: str, as_text: bool
) -> list[_Bound]:
    """The label bound of each text column cast to an enum (``enums``); ``as_text``: a
    column the run creates, which could be carried as text instead."""
    bounds = []
    for name, (enum, labels) in enums.items():
        column = source.column(name)
        there = Column(name, pa.string(), source_type=enum, pg_enum=(enum, labels))
        text = _text_sql(quote_ident(name), dialect)
        leave = f"or carry the column as text ({cast_given(source.name, name, 'text')})"
        bounds.append(_enum_label(column, text, there, leave if as_text else ""))
    return bounds


def _bound_refusals(
    select_from: Any, source: Table, bounds: list[_Bound], mode: str
) -> list[_Refusal]:
    """A refusal for each of ``bounds`` that a value of ``source`` breaks, read in one scan."""
    refusals: list[_Refusal] = []
    if bounds:
        (row,) = _checked(select_from, source, bounds, mode)
        values = iter(row)
        for bound in bounds:
            what = bound.breaks(tuple(next(values) for _ in bound.aggregates))
            if what is not None:
                refusals.append(_refusal(select_from, source, bound, what, mode))
    return refusals


def _screened_refusals(
    src: Any,
    source: Table,
    existing: Table,
    dialect: str,
    batch: BatchConfig,
    bounded: set[str],
) -> list[_Refusal]:
    """A refusal for each column, not ``bounded`` already, of another number type than the
    existing column's, that holds a value the write path's screening refuses (its first such
    row named). Reads those columns and the key only, and stops once each has been named."""
    names = [
        c.name
        for c in source.columns
        if (c.name not in bounded and _into_other_number_type(c, existing))
        or _floats_into_exact_numbers(c, existing)
    ]
    if not names:
        return []
    first: dict[str, _Refusal] = {}
    for data, keys, problems in _screened(src, source, names, dialect, existing, batch):
        for problem in problems:
            # The batches hold the key columns too: a problem there is not one of ``names``.
            if problem.column in names and problem.column not in first:
                first[problem.column] = _screened_refusal(problem, data, source, keys)
        if len(first) == len(names):
            break
    return [first[n] for n in names if n in first]


def _screened_refusal(
    problem: Problem, data: pa.RecordBatch, source: Table, keys: pa.Array
) -> _Refusal:
    """The refusal of one screened column, in the words the write path would stop with."""
    error = problem_error(problem, data, source, keys)
    # Its table is named once, at the head of the refusal of all its columns.
    said = error.message.removeprefix(f"table {source.name!r}, ")
    return _Refusal(said, _Bound.remedy, error)


@dataclass(frozen=True)
class _Refusal:
    """One column whose values cannot go in: what it holds, and how the target could take it."""

    said: str
    remedy: str
    error: DataError | None = None
    """The write path's own error, of a screened column: a table refused for that column
    alone is told in its words and hint, as the append that stops on it would be."""


def _refused(source: Table, mode: str, refusals: list[_Refusal]) -> SchemaError:
    """The one-line refusal of a table, naming each column that cannot go in."""
    remedies = ", ".join(dict.fromkeys(r.remedy for r in refusals))
    return SchemaError(
        f"cannot load {source.name!r} (--mode {mode}): "
        f"{'; '.join(r.said for r in refusals)}; {_nothing(mode)}",
        hint=f"{remedies}, fix the values in the source, or use "
        f"{given('on_error', 'reject', typed=True)} to load "
        "the other rows and set those aside",
        table=source.name,
    )


def _into_other_number_type(column: Column, existing: Table) -> bool:
    """Whether the column's numbers travel as another number type than the existing
    column's, whose values ``screen_batch`` checks one by one."""
    try:
        there = existing.column(column.name)
    except KeyError:
        return False
    travels = travelling_type(column)
    numbers = [
        pa.types.is_integer(t) or pa.types.is_decimal(t) or pa.types.is_floating(t)
        for t in (travels, there.arrow_type)
    ]
    numbers[0] = numbers[0] or numbers_as_text(column, travels)  # a HUGEINT, as its text
    return all(numbers) and travels != there.arrow_type


def _floats_into_exact_numbers(column: Column, existing: Table) -> bool:
    """Whether the column's doubles go into an exact-number column (an unbounded numeric,
    which travels as text, too), which has no -0.0: only screening finds one, which no
    aggregate bound tells from 0."""
    try:
        there = existing.column(column.name)
    except KeyError:
        return False
    return (
        pa.types.is_floating(travelling_type(column))
        and column.target_type is None
        and lost_zeros.holds_no_negative_zero(there)
    )


def _screened(
    src: Any, source: Table, names: list[str], dialect: str, target: Table, batch: BatchConfig
) -> Iterator[tuple[pa.RecordBatch, pa.Array, list[Problem]]]:
    """Each batch of the ``names`` columns (the key beside them, which names a row), its
    key column and what the write path's screening finds in it for the ``target`` table."""
    shown = {*names, *source.primary_key}
    read = replace(source, columns=tuple(c for c in source.columns if c.name in shown))
    reader = src.read(
        read, batch_rows=batch.batch_rows, with_key=True, batch_bytes=batch.batch_bytes
    )
    with reader, CastScreen() as casts:
        for batch_read in reader:
            keys = batch_read.column(batch_read.num_columns - 1)
            data = without_key(batch_read)
            yield data, keys, screen_batch(data, source, dialect, target, casts)


def refuse_values_stored_otherwise(
    src: Any, source: Table, target: Table, dialect: str, batch: BatchConfig
) -> None:
    """Raise SchemaError, with the message the write path would give, when a value of
    ``source`` would be stored otherwise by the existing ``target`` table it is loaded into
    (``stored_otherwise``), or refused or cut by PostgreSQL (``_refused_by_postgres``): met
    after --mode truncate emptied the table, it would stop the
    load with the table's old rows gone. Reads the columns concerned and the key only, batch
    by batch; a source without ``select_from`` (the generator) makes values that fit."""
    if getattr(src, "select_from", None) is None:
        return
    concerned = stored_otherwise(source, target, dialect)
    if dialect == "postgresql":
        concerned += _refused_by_postgres(source, target, src.dialect)
    if dialect == "duckdb":  # text DuckDB's insert would refuse (a UUID's, a TIME's)
        concerned += [n for n in converted_by_duckdb(source, target) if n not in concerned]
        concerned += [n for n in _into_bits(source, target) if n not in concerned]
    concerned += [n for n in _converted_client_side(source, target) if n not in concerned]
    if not concerned:
        return
    for data, keys, problems in _screened(src, source, concerned, dialect, target, batch):
        if problems:
            error = problems_error(problems, data, source, keys)
            raise _before_writing(error, source, "nothing has been emptied or written") from error


def _into_bits(source: Table, target: Table) -> list[str]:
    """The text columns of ``source`` going into the existing DuckDB ``target``'s BIT
    columns, which DuckDB would store an empty bit string in as '0'."""
    return [
        c.name
        for c in source.columns
        if text_into_bits(c.arrow_type, source, target, c.name, "duckdb")
    ]


def _before_writing(error: DataError, source: Table, nothing: str) -> SchemaError:
    """The write path's refusal of a value, said before anything is written."""
    return SchemaError(f"{error.message}; {nothing}", hint=error.hint, table=source.name)


def _refused_by_postgres(source: Table, target: Table, source_dialect: str) -> list[str]:
    """The columns of ``source`` whose values the write path's screening may refuse for the
    existing PostgreSQL ``target``, which no aggregate scan bounds: dates and timestamps
    outside PostgreSQL's range (``pg_ranges``; none of a PostgreSQL source is), text into a
    "char" column (``pg_char``), text that is no interval into an interval column, or that
    the type's input function could not read into a uuid, inet, cidr, macaddr, json, time or
    unbounded numeric column (``pg_input_text``), lists of nanoseconds into an array of
    timestamps or times (``pg_nanoseconds``), a PostgreSQL array into one of another
    element type (``array_elements.pg_json_elements``), text a name column would cut or an
    amount a money column would round (``input_changes``), text that is no JSON array into
    an array column."""
    names = []
    for column in source.columns:
        travels = travelling_type(column)
        # As screen_batch looks: values read as dates or timestamps, written as such.
        dated = (
            source_dialect != "postgresql"
            and (pa.types.is_timestamp(travels) or pa.types.is_date(travels))
            and may_be_outside(column.arrow_type)
        )
        try:
            char = is_text_type(column.arrow_type) and pg_char.screens(
                column, target.column(column.name)
            )
        except KeyError:
            char = False
        interval = text_into_interval(column.arrow_type, source, target, column.name)
        read = text_read_by_server(column.arrow_type, source, target, column.name) is not None
        # Text into an array column, read as a JSON array.
        read = read or text_into_array(column.arrow_type, source, target, column.name)
        try:
            there = target.column(column.name)
        except KeyError:
            there = None
        nanoseconds = there is not None and elements_may_round(column, there)
        # A PostgreSQL source's array into one of another element type: each element checked.
        elements = there is not None and pg_json_elements(column, there) is not None
        # Text a name column would cut, an amount a money column would round.
        changed = there is not None and (
            (is_text_type(column.arrow_type) and input_changes.name_screens(column, there))
            or there.money_digits is not None
        )
        if dated or char or interval or read or nanoseconds or elements or changed:
            names.append(column.name)
    return names


def _converted_client_side(source: Table, target: Table) -> list[str]:
    """The columns of ``source`` whose values are converted before they are written, which
    the write path's screening refuses one by one ('banana' --cast to boolean or bigint, text
    into a date or timestamp column, a list's 0.1 into real[]): no aggregate scan bounds them."""
    names = []
    for column in source.columns:
        cast = travelling_type(column) != column.arrow_type
        try:
            there = target.column(column.name).arrow_type
        except KeyError:
            there = None
        dated = there is not None and (pa.types.is_date(there) or pa.types.is_timestamp(there))
        # Lists into an array column of another element type, converted element by element.
        listed = (
            there is not None
            and there != column.arrow_type
            and elements_conform(column.arrow_type, there)
        )
        # Nanoseconds into an existing column of microseconds (a TIMESTAMP_NS into a
        # PostgreSQL timestamp or a DuckDB TIMESTAMP): each value checked as it is cut.
        finer = there is not None and _finer_unit(travelling_type(column), there)
        if cast or (is_text_type(column.arrow_type) and dated) or listed or finer:
            names.append(column.name)
    return names


def _finer_unit(travels: pa.DataType, there: pa.DataType) -> bool:
    """Whether timestamps or times of ``travels`` go into a column of a coarser unit."""
    units = ("s", "ms", "us", "ns")
    kinds = (pa.types.is_timestamp, pa.types.is_time)
    return any(kind(travels) and kind(there) for kind in kinds) and units.index(
        travels.unit
    ) > units.index(there.unit)


def _bounds(source: Table, existing: Table, dialect: str, source_dialect: str) -> Iterator[_Bound]:
    """The columns whose values the target holds to a bound their source does not."""
    for there in existing.columns:
        try:
            column = source.column(there.name)
        except KeyError:
            continue
        c = quote_ident(column.name)
        if not there.nullable and column.nullable:
            yield _null_into_not_null(column, c)
        if _timestamps_cast_to_date(column, there):
            yield _midnight(column, c, source_dialect)
        if _into_enum_array(column, there, dialect):
            labels = _enum_array_labels(column, c, there, source_dialect)
            if labels is not None:
                yield labels
        if column.target_type:
            continue  # a --cast converts the values first; each is checked as it travels
        if dialect == "postgresql" and is_text_type(column.arrow_type):
            longest = text_limit(there.pg_type or there.target_type or "")
            held = text_limit(column.source_type) if source_dialect == "postgresql" else None
            if longest is not None and (held is None or held > longest):
                yield _longest_text(column, _text_sql(c, source_dialect), longest, there)
            if there.pg_enum is not None and not there.source_type.endswith("]"):
                yield _enum_label(column, _text_sql(c, source_dialect), there)
        elif dialect == "duckdb" and is_text_type(column.arrow_type):
            enum = duckdb_enums.enum_labels(there.duckdb_type or "")
            if enum is not None:
                yield _duckdb_enum_label(column, _text_sql(c, source_dialect), there, enum)
        elif _narrower_integer(column.arrow_type, there.arrow_type):
            value = (
                f"CASE WHEN typeof({c})='integer' THEN {c} END" if source_dialect == "sqlite" else c
            )
            yield _integer_range(column, value, there)


def _null_into_not_null(column: Column, c: str) -> _Bound:
    """A NULL bound for a NOT NULL column (a default does not fill an explicit NULL): the
    most common value an existing table refuses, and one --mode truncate met only after
    emptying the table."""
    return _counted(
        column,
        f"{c} IS NULL",
        lambda n: f"holds {_counting(n, 'NULL', 'NULLs')}, and the target column is NOT NULL",
        "drop NOT NULL on the target column",
    )


def _counted(
    column: Column, outside: str, what: Callable[[int], str], remedy: str, shown: str = ""
) -> _Bound:
    """The bound that no row is ``outside``: the scan counts those that are, and ``what``
    says what that many rows hold."""

    def breaks(found: tuple[Any, ...]) -> str | None:
        (count,) = found
        return what(count) if count else None

    aggregates = (f"count(CASE WHEN {outside} THEN 1 END)",)
    return _Bound(column, aggregates, breaks, outside, remedy, shown)


def _counting(count: int, one: str, many: str) -> str:
    return f"1 {one}" if count == 1 else f"{count:,} {many}"


def _text_sql(c: str, dialect: str) -> str:
    """The column's values as the text that travels: what the target compares with its
    enum's labels and counts against its varchar(n)."""
    if dialect == "sqlite":
        # The texts (a number's own text is short, and no enum label here); a CASE has no
        # collation, so a NOCASE column's text is compared as it is.
        return f"CASE WHEN typeof({c})='text' THEN {c} END"
    # Not the value itself: compared with text, a PostgreSQL enum parses each label as one
    # of its own (one it lacks is an error), a domain over an enum has no operator at all,
    # and citext ignores case, which the target's enum does not. The cast keeps a column's
    # collation (a DuckDB NOCASE, a PostgreSQL nondeterministic one): "C" compares bytes.
    return f'CAST({c} AS VARCHAR) COLLATE "C"'


def _longest_text(column: Column, text: str, longest: int, there: Column) -> _Bound:
    # Characters as Arrow's utf8_length and PostgreSQL count them (code points).
    length = f"length({text})"

    def breaks(found: tuple[Any, ...]) -> str | None:
        (most,) = found
        if most is None or most <= longest:
            return None
        declared = there.pg_type or there.target_type
        return f"holds text of up to {most:,} characters, beyond the target column's {declared}"

    return _Bound(column, (f"max({length})",), breaks, f"{length} > {longest}", shown=text)


def _enum_label(column: Column, text: str, there: Column, otherwise: str = "") -> _Bound:
    assert there.pg_enum is not None
    labels = ", ".join(map(quote_literal, there.pg_enum[1]))
    remedy = f"add the label to the enum (ALTER TYPE {there.source_type} ADD VALUE ...)"
    return _counted(
        column,
        f"{text} NOT IN ({labels})",
        lambda n: (
            f"holds {_counting(n, 'text that is', 'texts that are')} no label of the "
            f"target column's enum {there.source_type}"
        ),
        f"{remedy} {otherwise}".strip(),
        shown=text,
    )


def _duckdb_enum_label(column: Column, text: str, there: Column, labels: tuple[str, ...]) -> _Bound:
    """The label bound of text going into an existing DuckDB ENUM column: DuckDB refuses
    the batch at the first other text, after --mode truncate had emptied the table."""
    listed = ", ".join(map(quote_literal, labels))
    return _counted(
        column,
        f"{text} NOT IN ({listed})" if labels else f"{text} IS NOT NULL",
        lambda n: (
            f"holds {_counting(n, 'text that is', 'texts that are')} no label of the "
            f"target column's {there.duckdb_type}"
        ),
        duckdb_enums.remedy(column.name),
        shown=text,
    )


def _into_enum_array(column: Column, there: Column, dialect: str) -> bool:
    """Whether ``column`` goes as JSON into a PostgreSQL enum array: as it is read, or as
    the JSON a PostgreSQL source's array is carried as (its ``jsonb``), not another --cast.
    An array of a source enum whose every label the target's has needs no scan (it added
    about 0.9 s to a 2.9 s truncate of 200,000 rows between two PostgreSQL databases)."""
    if there.pg_enum is None or not there.source_type.endswith("]"):
        return False
    labels_held = column.pg_enum is not None and set(column.pg_enum[1]) <= set(there.pg_enum[1])
    return dialect == "postgresql" and not labels_held and column.target_type in (None, "jsonb")


def _enum_array_labels(column: Column, c: str, there: Column, dialect: str) -> _Bound | None:
    """The bound of an array of a PostgreSQL enum: every element NULL or one of its labels.
    An array travels as JSON (a SQLite or DuckDB text holds it as written there): a text
    that is no JSON array would stop the load with the server's JSON error, after --mode
    truncate emptied the table. None for a source column of a kind no scan here reads (a
    number into an enum array): the write path refuses it as it goes."""
    assert there.pg_enum is not None
    labels = ", ".join(map(quote_literal, there.pg_enum[1]))
    if dialect == "sqlite":
        outside = (
            f"CASE WHEN {c} IS NULL THEN 0 WHEN typeof({c}) <> 'text' OR NOT json_valid({c}) "
            f"OR json_type({c}) <> 'array' THEN 1 ELSE EXISTS (SELECT 1 FROM json_each({c}) "
            f"WHERE type <> 'null' AND (type <> 'text' OR value NOT IN ({labels}))) END"
        )
        shown = c
    elif dialect == "duckdb" and pa.types.is_string(column.arrow_type):
        outside = (
            f"CASE WHEN {c} IS NULL THEN false WHEN NOT coalesce(json_valid({c}), false) "
            f"OR json_type({c}) <> 'ARRAY' THEN true ELSE len(list_filter("
            f"CAST({c} AS JSON) ->> '$[*]', lambda x: x IS NOT NULL AND x NOT IN ({labels}))) > 0 END"
        )
        shown = f"CAST({c} AS VARCHAR)"
    elif dialect == "duckdb" and pa.types.is_list(column.arrow_type):
        outside = f"len(list_filter({c}, lambda x: x IS NOT NULL AND CAST(x AS VARCHAR) NOT IN ({labels}))) > 0"
        shown = f"CAST({c} AS VARCHAR)"
    elif dialect == "postgresql" and column.source_type.endswith("]"):  # an array, of any type
        outside = (
            f"EXISTS (SELECT 1 FROM unnest({c}) e WHERE e IS NOT NULL "
            f'AND CAST(e AS text) COLLATE "C" NOT IN ({labels}))'
        )
        shown = f"CAST({c} AS text)"
    elif dialect == "postgresql" and is_text_type(column.arrow_type):  # text, jsonb: JSON
        # A text that is no JSON at all fails the cast, and so the check: refused before
        # anything is emptied, as the write path's JSON error would stop it after.
        j = f"CAST(CAST({c} AS text) AS jsonb)"
        outside = (
            f"CASE WHEN {c} IS NULL THEN false WHEN jsonb_typeof({j}) <> 'array' THEN true "
            f"ELSE EXISTS (SELECT 1 FROM jsonb_array_elements({j}) e WHERE e <> 'null' AND "
            f"(jsonb_typeof(e) <> 'string' OR e #>> '{{}}' COLLATE \"C\" NOT IN ({labels}))) END"
        )
        shown = f"CAST({c} AS text)"
    else:
        return None
    return _counted(
        column,
        outside,
        lambda n: (
            f"holds {_counting(n, 'value that is', 'values that are')} no array of labels of "
            f"the target column's enum array {there.source_type}"
        ),
        f"add the label to the enum (ALTER TYPE {there.pg_enum[0]} ADD VALUE ...); from text, "
        'write each value as a JSON array of labels (["a", null])',
        shown=shown,
    )


def _integer_range(column: Column, value: str, there: Column) -> _Bound:
    bounds = np.iinfo(there.arrow_type.to_pandas_dtype())
    lowest, highest = int(bounds.min), int(bounds.max)
    words = there.source_type or type_words(there.arrow_type)

    def breaks(found: tuple[Any, ...]) -> str | None:
        low, high = found
        if low is None or (low >= lowest and high <= highest):
            return None
        return f"holds integers from {low:,} to {high:,}, beyond the target column's {words}"

    outside = f"{value} < {lowest} OR {value} > {highest}"
    return _Bound(column, (f"min({value})", f"max({value})"), breaks, outside)


def _timestamps_cast_to_date(column: Column, there: Column) -> bool:
    forced = forced_arrow_type(column.target_type, column.arrow_type)
    return bool(
        pa.types.is_timestamp(column.arrow_type)
        and forced == pa.date32()
        and pa.types.is_date32(there.arrow_type)
    )


def _midnight(column: Column, c: str, dialect: str) -> _Bound:
    """Timestamps cast to date (``--cast T.C=date``) go in only at midnight: the cast would
    drop any other time of day. ±infinity is none: it becomes the date's ±infinity."""
    # DuckDB has no cast of a TIMESTAMPTZ to TIME and none of an infinite TIMESTAMP: a value
    # is compared with its own date instead (an infinite one equals it), a zoned one as its
    # UTC wall time, as the cast takes its UTC date. PostgreSQL's time of infinity is NULL.
    utc = f"timezone('UTC', {c})" if column.arrow_type.tz is not None else c
    time_of_day = {
        "sqlite": f"strftime('%H:%M:%f', {c}) <> '00:00:00.000'",
        "postgresql": f"CAST({c} AS time) <> '00:00'",
    }.get(dialect, f"CAST({utc} AS DATE) <> {utc}")
    return _counted(
        column,
        time_of_day,
        lambda n: (
            f"holds {_counting(n, 'timestamp', 'timestamps')} with a time of day, which "
            "the cast to date would drop"
        ),
        "make the target column a timestamp (which keeps the time)",
    )


def _narrower_integer(source: pa.DataType, target: pa.DataType) -> bool:
    if not (pa.types.is_integer(source) and pa.types.is_integer(target)):
        return False
    held, taken = np.iinfo(source.to_pandas_dtype()), np.iinfo(target.to_pandas_dtype())
    return bool(held.min < taken.min or held.max > taken.max)


def _refusal(select_from: Any, source: Table, bound: _Bound, what: str, mode: str) -> _Refusal:
    """A bounded column's refusal, naming the first row (in key order) whose value does not
    go in."""
    keys = list(source.primary_key)
    value = bound.shown or quote_ident(bound.column.name)
    shown = ", ".join([*map(quote_ident, keys), value])
    order = ", ".join(map(quote_ident, keys)) or None
    rows = _read(select_from, source, [bound], mode, shown, bound.outside, order)
    example = ""
    if rows:
        *key, value = rows[0]
        named = ", ".join(f"{k} {v!r}" for k, v in zip(keys, key, strict=True))
        example = f" ({named}: {render_value(value)})" if named else f" ({render_value(value)})"
    return _Refusal(f"column {bound.column.name!r} {what}{example}", bound.remedy)


def _checked(
    select_from: Any, source: Table, bounds: list[_Bound], mode: str
) -> list[tuple[Any, ...]]:
    """The aggregates of every bound, read in one scan. When that check cannot be made,
    each bound's is made alone, so that the refusal names the column whose check fails."""
    try:
        return _read(
            select_from, source, bounds, mode, ", ".join(a for b in bounds for a in b.aggregates)
        )
    except SchemaError as together:
        # Every column whose check fails is named at once, not the first one per run.
        reasons: dict[str, list[_Bound]] = {}
        for bound in bounds:
            try:
                _read(select_from, source, [bound], mode, ", ".join(bound.aggregates))
            except SchemaError as alone:
                assert isinstance(alone.__cause__, TransferError)
                reasons.setdefault(_reason(alone.__cause__), []).append(bound)
        if not reasons:
            raise  # only checked together could they not be: said of them all
        raise _unchecked(source, mode, reasons) from together


def _nothing(mode: str) -> str:
    return "nothing has been emptied or written" if mode == "truncate" else "nothing written"


def _read(
    select_from: Any, source: Table, bounds: list[_Bound], mode: str, *query: str | None
) -> list[tuple[Any, ...]]:
    """``select_from(source.name, *query)``, which checks the values of the ``bounds``'
    columns. A failure is no fault of the values but of the check (a source type whose
    comparison it did not foresee): told as the check of those columns that could not be
    made, and how to load them all the same, not as the driver's words for its SQL. A
    connection lost stays what it is."""
    try:
        rows: list[tuple[Any, ...]] = select_from(source.name, *query)
    except TransientError:
        raise
    except TransferError as exc:
        raise _unchecked(source, mode, {_reason(exc): bounds}) from exc
    return rows


def _reason(exc: TransferError) -> str:
    return short_driver_message(exc.__cause__) if exc.__cause__ else exc.message


_NAMED = 3
"""Columns a hint names before "and N more": the message names them all."""


def _unchecked(source: Table, mode: str, reasons: dict[str, list[_Bound]]) -> SchemaError:
    """The refusal of a table whose values of some columns could not be checked, each with
    the reason its check failed, and the ways past: a --cast of each column not cast yet
    (converted as they travel, its values are checked no more), fixing the values of a
    column cast already (its cast is what the check ran on)."""
    said = "; ".join(
        f"the values of {_columns(bounds)} could not be checked against the target's ({reason})"
        for reason, bounds in reasons.items()
    )
    names = list(dict.fromkeys(b.column.name for bs in reasons.values() for b in bs))
    cast = {n: t for n in names if (t := source.column(n).target_type)}
    ways = []
    # Named as the run was given: a cast from Python or a job file is no --cast option.
    uncast = [cast_given(source.name, n, "TYPE") for n in names if n not in cast]
    if uncast:
        its = "its" if len(uncast) == 1 else "their"
        ways.append(
            f"{_some(uncast, between_casts())} (the target column's type) converts {its} "
            "values as they travel"
        )
    if cast:
        fixed = _some([f"{source.name}.{n}" for n in cast], ", ")
        already = _some([cast_given(source.name, n, t) for n, t in cast.items()], ", ")
        ways.append(f"fix the values of {fixed} in the source (cast already: {already})")
    ways.append(
        f"use {given('on_error', 'reject', typed=True)} to load the rows and set aside those the target refuses"
    )
    return SchemaError(
        f"cannot load {source.name!r} (--mode {mode}): {said}; {_nothing(mode)}",
        hint=", or ".join(ways),
        table=source.name,
    )


def _columns(bounds: list[_Bound]) -> str:
    names = list(dict.fromkeys(repr(b.column.name) for b in bounds))
    return f"{'column' if len(names) == 1 else 'columns'} {', '.join(names)}"


def _some(items: list[str], between: str) -> str:
    """The first ``_NAMED`` of ``items``, and how many more."""
    more = len(items) - _NAMED
    return between.join(items[:_NAMED]) + (f" and {more} more" if more > 0 else "")

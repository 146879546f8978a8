"""What ``verify`` reports: per table results, the differing rows, the whole report and its
exit code, as dataclasses that turn into JSON documents scripts can read.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import struct
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from arrowmig.model import Column
from arrowmig.normalise import ColumnPair, plain_type
from arrowmig.sizes import counted

MATCH = "match"
DIFFER = "differ"
MISSING_IN_TARGET = "missing in target"
MISSING_IN_SOURCE = "missing in source"
ERROR = "error"
EXTRA_IN_TARGET = "extra in target"
DUPLICATED_IN_TARGET = "duplicated in target"
FEWER_IN_TARGET = "fewer in target"
CHANGED = "changed"


@dataclass
class RowDiff:
    """One key whose row differs (changed), or one row a key (or a table without a key)
    holds more often on one side: missing in target, extra in target, duplicated in target,
    fewer in target. A key holding several rows lists each such row."""

    kind: str
    key: dict[str, Any] | None
    """Key column values (None for a table without a key: the whole row is the key)."""
    source: dict[str, Any] | None = None
    target: dict[str, Any] | None = None
    columns: list[str] = field(default_factory=list)
    """Columns whose values differ (changed rows)."""
    source_count: int = 0
    """How many times the row occurs on each side (changed: the key, once on each)."""
    target_count: int = 0
    types: dict[str, list[str]] = field(default_factory=dict)
    """Per changed column whose two values print alike (bytea ``\\x0102ff`` against the
    text ``'\\x0102ff'``), the source's and the target's declared types."""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class TableResult:
    """The outcome of one table."""

    name: str
    target_name: str | None
    result: str = MATCH
    """match, differ, missing in target, missing in source, or error."""
    rows_source: int | None = None
    rows_target: int | None = None
    columns_checked: int = 0
    level: str = "checksum"
    differing_columns: list[str] = field(default_factory=list)
    """Columns whose checksum or null count differ."""
    missing_columns: list[str] = field(default_factory=list)
    """Source columns with no match in the target."""
    extra_columns: list[str] = field(default_factory=list)
    """Target columns with no match in the source that the target cannot fill itself (NOT
    NULL without a default): a difference."""
    columns_left_to_target: list[str] = field(default_factory=list)
    """Target columns with no match in the source that the target fills itself (nullable,
    with a default, identity or generated), as ``migrate --mode append`` leaves them: not
    compared, and no difference."""
    key: list[str] = field(default_factory=list)
    """The key rows were matched on at diff level (empty: multiset of whole rows)."""
    diffs: list[RowDiff] = field(default_factory=list)
    differing_keys: int | None = None
    """How many keys differ in all (diffs lists the first --max-diffs of them); without a key,
    how many rows are unmatched, each copy one: a changed row is two, one missing on each side."""
    message: str | None = None
    seconds: float = 0.0
    type_notes: list[str] = field(default_factory=list)
    compared_through_casts: dict[str, str] = field(default_factory=dict)
    """Column -> the ``--cast`` the run that loaded the table recorded, for each column whose
    source values were converted by that cast before they were compared (an epoch as the
    instant it counts, 16 bytes as a uuid: ``verify_cast_values``)."""
    """``column: ...`` for each column whose values match but whose target type is narrower
    than the source's or of another family (``verify_types``)."""

    @property
    def ok(self) -> bool:
        return self.result == MATCH

    def add_message(self, message: str) -> None:
        """Say one more thing of the table, after what was said (one line, '; ' between)."""
        self.message = f"{self.message}; {message}" if self.message else message

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["ok"] = self.ok
        data["seconds"] = round(self.seconds, 3)
        return data


@dataclass
class VerifyReport:
    """Every table compared. ``exit_code``: 0 all match, 1 any difference, 2 any error."""

    source: str
    target: str
    level: str
    tables: list[TableResult] = field(default_factory=list)
    seconds: float = 0.0
    peak_rss_bytes: int = 0
    not_verified: dict[str, str] = field(default_factory=dict)
    """Tables of the run that were not compared, and why (``migrate --verify``: a table that
    failed to load): the report is not a proof for them."""
    notes: list[str] = field(default_factory=list)
    """What the user should know of what was compared (source schemas not read)."""
    target_schema: str | None = None
    """The target's schema compared, where it is not the one the tables were read from nor
    the target's default (``--target-schema staging``), or where the one named holds no table
    and this one, equal to it but for case, does (``--target-names lower`` made ``sales`` of
    ``Sales``)."""

    @property
    def ok(self) -> bool:
        # No table compared proves nothing: never "all tables match".
        return bool(self.tables) and all(t.ok for t in self.tables) and not self.not_verified

    @property
    def exit_code(self) -> int:
        if any(t.result == ERROR for t in self.tables):
            return 2
        return 0 if self.ok else 1

    @property
    def rows(self) -> int:
        return sum(t.rows_source or 0 for t in self.tables)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "target": self.target,
            "level": self.level,
            "target_schema": self.target_schema,
            "ok": self.ok,
            "exit_code": self.exit_code,
            "seconds": round(self.seconds, 3),
            "peak_rss_bytes": self.peak_rss_bytes,
            "tables": [t.to_dict() for t in self.tables],
            "not_verified": dict(self.not_verified),
            "notes": list(self.notes),
        }

    def __str__(self) -> str:
        state = "match" if self.ok else "DIFFERENCES"
        return f"VerifyReport({self.source} vs {self.target}: {counted(len(self.tables), 'table')}, {state})"


def describe_diffs(
    rows: list[tuple[Any, ...]],
    row_counts: list[tuple[int, int, int, int, int]],
    key: list[ColumnPair],
    pairs: list[ColumnPair],
    s_rows: list[tuple[int, int, tuple[int, ...], dict[str, Any]]],
    t_rows: list[tuple[int, int, tuple[int, ...], dict[str, Any]]],
) -> list[RowDiff]:
    """The differing keys ``rows`` (key hash, source rows, target rows, key texts...) as the
    report lists them: a key with one row on each side as *changed*, with the columns that
    differ; any other key as its rows one side holds more often than the other
    (``row_counts``: key hash, row hash, copies in source, in target), each with its counts."""
    s_by = {(kh, rh): (hashes, values) for kh, rh, hashes, values in s_rows}
    t_by = {(kh, rh): (hashes, values) for kh, rh, hashes, values in t_rows}
    per_key: dict[int, list[tuple[int, int, int]]] = {}
    for kh, rh, sn, tn, _ in row_counts:
        per_key.setdefault(kh, []).append((rh, sn, tn))
    out = []
    for row in rows:
        kh, s_n, t_n = int(row[0]), int(row[1]), int(row[2])
        differing = per_key.get(kh, [])
        # One row each side: two rows that differ, or one alike that the target holds in
        # another form than arrowmig writes (a store's marked key).
        if key and s_n == t_n == 1 and len(differing) in (1, 2):
            s_rh = next(rh for rh, sn, _ in differing if sn)
            t_rh = next(rh for rh, _, tn in differing if tn)
            out.append(_changed(row, key, pairs, s_by.get((kh, s_rh)), t_by.get((kh, t_rh))))
            continue
        for rh, sn, tn in differing or [(0, s_n, t_n)]:
            got = s_by.get((kh, rh)) or t_by.get((kh, rh))
            shown = _jsonable_row(got[1]) if got else None
            out.append(
                RowDiff(
                    _kind(sn, tn, keyed=bool(key)),
                    _key_values(row, key, shown, shown),
                    shown if sn else None,
                    shown if tn else None,
                    [],
                    sn,
                    tn,
                )
            )
    # A source row under the target's names, as its key and columns are said.
    renamed = {p.source.name: p.name for p in pairs}
    for diff in out:
        if diff.source is not None:
            diff.source = {renamed.get(k, k): v for k, v in diff.source.items()}
    return out


def _kind(s_n: int, t_n: int, *, keyed: bool) -> str:
    """What a row (or key) held ``s_n`` times in the source and ``t_n`` in the target is:
    without a key, a row held more or less often is extra or missing, counted."""
    if t_n == 0 or (not keyed and t_n < s_n):
        return MISSING_IN_TARGET
    if s_n == 0 or (not keyed and t_n > s_n):
        return EXTRA_IN_TARGET
    return DUPLICATED_IN_TARGET if t_n > s_n else FEWER_IN_TARGET


def _changed(
    row: tuple[Any, ...],
    key: list[ColumnPair],
    pairs: list[ColumnPair],
    s_got: tuple[tuple[int, ...], dict[str, Any]] | None,
    t_got: tuple[tuple[int, ...], dict[str, Any]] | None,
) -> RowDiff:
    """A key's one row on each side, the columns whose hashes differ named."""
    s_row = _jsonable_row(s_got[1]) if s_got else None
    t_row = _jsonable_row(t_got[1]) if t_got else None
    diff = RowDiff(CHANGED, _key_values(row, key, s_row, t_row), s_row, t_row, [], 1, 1)
    if s_got is None or t_got is None or s_row is None or t_row is None:
        return diff
    for i, p in enumerate(pairs):
        if s_got[0][i] == t_got[0][i]:
            continue
        diff.columns.append(p.name)
        before, after = s_row.get(p.source.name), t_row.get(p.target.name)
        if before == after:
            # Shown alike, yet they differ: a float4 as the double it is, else the types.
            before, after = _widened(before, p.source), _widened(after, p.target)
            s_row[p.source.name], t_row[p.target.name] = before, after
        if before == after:
            diff.types[p.name] = [p.source.source_type, p.target.source_type]
    return diff


def _widened(value: Any, column: Column) -> Any:
    """A float4 (shown as its own shortest text, 0.1) as the double it is
    (0.10000000149011612): against the double 0.1 both printed 0.1."""
    if isinstance(value, float) and pa.types.is_float32(plain_type(column.arrow_type)):
        return float(struct.unpack("<f", struct.pack("<f", value))[0])
    return value


def _key_values(
    row: tuple[Any, ...],
    key: list[ColumnPair],
    s_row: dict[str, Any] | None,
    t_row: dict[str, Any] | None,
) -> dict[str, Any] | None:
    """The key's values, typed from the rows read back; the stored text only when neither
    came. None for a table without a key (the whole row is the key)."""
    if not key:
        return None
    values = {}
    for i, p in enumerate(key):
        if s_row is not None and p.source.name in s_row:
            values[p.name] = s_row[p.source.name]
        elif t_row is not None and p.target.name in t_row:
            values[p.name] = t_row[p.target.name]
        else:
            values[p.name] = row[3 + i]
    return values


class ByteaText(str):
    """Bytes as PostgreSQL writes a bytea (``\\x`` and hex digits), shown in a text report as
    psql shows them: ``'\\x3132'``, not with the doubled backslash of a Python text's repr.
    JSON carries it as the plain text it is."""

    def __repr__(self) -> str:
        return f"'{self}'"


def _jsonable_row(row: dict[str, Any]) -> dict[str, Any]:
    return {k: _jsonable(v) for k, v in row.items()}


def _jsonable(value: Any) -> Any:
    """A value as JSON can carry it, without losing what it was (exact numbers as text)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return (
            value if value == value and value not in (float("inf"), float("-inf")) else str(value)
        )
    if isinstance(value, decimal.Decimal):
        return format(value, "f")  # str() writes 1E-8 for 0.00000001
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return ByteaText("\\x" + bytes(value).hex())
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)

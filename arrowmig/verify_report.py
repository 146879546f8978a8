"""What ``verify`` reports: per table results, the differing rows, the whole report and its
exit code, as dataclasses that turn into JSON documents scripts can read.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
from dataclasses import dataclass, field
from typing import Any

from arrowmig.normalise import ColumnPair
from arrowmig.sizes import counted

MATCH = "match"
DIFFER = "differ"
MISSING_IN_TARGET = "missing in target"
MISSING_IN_SOURCE = "missing in source"
ERROR = "error"
EXTRA_IN_TARGET = "extra in target"
DUPLICATED_IN_TARGET = "duplicated in target"
CHANGED = "changed"


@dataclass
class RowDiff:
    """One key whose rows differ: missing in target, extra in target, or changed."""

    kind: str
    key: dict[str, Any] | None
    """Key column values (None for a table without a key: the whole row is the key)."""
    source: dict[str, Any] | None = None
    target: dict[str, Any] | None = None
    columns: list[str] = field(default_factory=list)
    """Columns whose values differ (changed rows)."""
    source_count: int = 0
    """How many times the key (or row, without a key) occurs on each side."""
    target_count: int = 0

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
    """How many keys differ in all (diffs lists the first --max-diffs of them)."""
    message: str | None = None
    seconds: float = 0.0

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
    key: list[ColumnPair],
    pairs: list[ColumnPair],
    s_rows: list[tuple[int, tuple[int, ...], dict[str, Any]]],
    t_rows: list[tuple[int, tuple[int, ...], dict[str, Any]]],
) -> list[RowDiff]:
    s_by: dict[int, list[tuple[tuple[int, ...], dict[str, Any]]]] = {}
    t_by: dict[int, list[tuple[tuple[int, ...], dict[str, Any]]]] = {}
    for kh, hashes, values in s_rows:
        s_by.setdefault(kh, []).append((hashes, values))
    for kh, hashes, values in t_rows:
        t_by.setdefault(kh, []).append((hashes, values))
    out = []
    for row in rows:
        kh, s_n, t_n = int(row[0]), int(row[1]), int(row[2])
        s_got, t_got = s_by.get(kh, []), t_by.get(kh, [])
        s_row = _jsonable_row(s_got[0][1]) if s_got else None
        t_row = _jsonable_row(t_got[0][1]) if t_got else None
        key_values: dict[str, Any] | None = None
        if key:
            # Typed values from the rows read back; the stored text only when neither came.
            key_values = {}
            for i, p in enumerate(key):
                if s_row is not None and p.source.name in s_row:
                    key_values[p.name] = s_row[p.source.name]
                elif t_row is not None and p.target.name in t_row:
                    key_values[p.name] = t_row[p.target.name]
                else:
                    key_values[p.name] = row[3 + i]
        if t_n == 0 or (not key and t_n < s_n):
            kind = MISSING_IN_TARGET
        elif s_n == 0 or (not key and t_n > s_n):
            kind = EXTRA_IN_TARGET
        elif t_n > s_n:
            kind = DUPLICATED_IN_TARGET
        elif t_n < s_n:
            kind = "fewer in target"
        else:
            kind = CHANGED
        if not key:
            # Without a key the row is its own key: show it on the side that has it in excess.
            s_row, t_row = (s_row, None) if kind == MISSING_IN_TARGET else (None, t_row)
        columns: list[str] = []
        if kind == CHANGED and s_got and t_got:
            columns = [p.name for i, p in enumerate(pairs) if s_got[0][0][i] != t_got[0][0][i]]
        out.append(RowDiff(kind, key_values, s_row, t_row, columns, s_n, t_n))
    return out


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
        return "\\x" + bytes(value).hex()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)

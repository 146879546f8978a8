"""Rejected rows (``--on-error reject``): one JSON Lines file per table in a run's reject
directory, written before the batch they were taken out of commits, never twice for one row.

A new run starts each of its tables' files afresh: one an earlier run left in a reused
``--reject-dir`` is kept aside (``set_aside_earlier``); only a retry or ``--resume`` of the run
that wrote a file adds to it.

Each line: ``{"table", "columns", "row", "key", "problems"}`` (and ``"casts"``, those
``replay-rejects`` converts again: ``REPLAYED_CASTS``). Values JSON cannot hold travel
tagged: bytes and text that is not UTF-8 as ``{"base64": ...}``, non-finite floats and -0.0
as ``{"float": "inf" | "-inf" | "nan" | "-0.0"}``. A LIST, STRUCT or MAP value is the JSON a
JSON column gets for it (``nested_json``: ``{"k":1,"z":null}``), every digit kept, and the
record's ``"json"`` names those columns. ``read_rejects`` turns them back.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import decimal
import hashlib
import json
import math
import os
import re
import shlex
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from arrowmig import nested_json
from arrowmig.argument_words import arg, cast_option
from arrowmig.config import MigrationConfig
from arrowmig.endpoints.base import Endpoint
from arrowmig.endpoints.duckdb_casts import CastScreen
from arrowmig.endpoints.validate import NAN_REASON, Problem, problems_error, screen_batch
from arrowmig.errors import DataError, SchemaError, TransferError, UsageError
from arrowmig.folders import check_could_write, check_writable, folder_problem
from arrowmig.infinity import value_at
from arrowmig.model import Column, Table
from arrowmig.names import same_but_case
from arrowmig.normalise import UUID, kind_of
from arrowmig.report import TableReport
from arrowmig.schema import EPOCH_UNITS, INTERVAL_MICROSECONDS, cast_as_asked
from arrowmig.temporal_text import NANOS_PER

DEFAULT_REJECT_ROOT = "arrowmig-rejects"
SUFFIX = ".jsonl"
EARLIER_SUFFIX = ".earlier"
REPLAYED_SUFFIX = ".replayed"
_STAMP = "%Y%m%dT%H%M%SZ"


def new_run_id() -> str:
    """A sortable, unique name for one run's reject directory."""
    stamp = dt.datetime.now(dt.UTC).strftime(_STAMP)
    return f"{stamp}-{uuid.uuid4().hex[:6]}"


def default_reject_dir(run_id: str | None = None) -> Path:
    return Path(DEFAULT_REJECT_ROOT) / (run_id or new_run_id())


def reject_path(directory: str | os.PathLike[str], table: str) -> Path:
    """The reject file of ``table`` in ``directory``."""
    return Path(directory) / (file_safe(table) + SUFFIX)


def file_safe(name: str) -> str:
    """A file name for a table: safe characters kept, others replaced, and a short hash
    added whenever anything was replaced, so that two different names never share a file."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", name).lstrip(".") or "_"
    if safe != name:
        safe = f"{safe[:80]}-{hashlib.sha1(name.encode()).hexdigest()[:8]}"
    return safe


# -- values <-> JSON ----------------------------------------------------------------------


def encode_value(value: Any) -> Any:
    """A JSON-safe form of one Arrow value (as ``as_py()`` gives it)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return {"float": "nan"}
        if math.isinf(value):
            return {"float": "inf" if value > 0 else "-inf"}
        if value == 0.0 and math.copysign(1.0, value) < 0:
            return {"float": "-0.0"}
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return {"base64": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, decimal.Decimal):
        return format(value, "f")  # str() writes 1E-8 for 0.00000001
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list):
        return [encode_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): encode_value(v) for k, v in value.items()}
    return str(value)


def decode_value(value: Any) -> Any:
    """The Python value back from ``encode_value``'s form."""
    if isinstance(value, dict):
        if set(value) == {"base64"}:
            return base64.b64decode(value["base64"])
        if set(value) == {"float"}:
            return float(value["float"])
        return {k: decode_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode_value(v) for v in value]
    return value


class JsonText(str):
    """A value's JSON text, written into the reject file as it is (not as a JSON string)."""


def rows_values(batch: pa.RecordBatch, rows: list[int]) -> list[list[Any]]:
    """The given rows of a batch, each as JSON-safe values; text that is not UTF-8 becomes
    base64, and a nested value its JSON text (``JsonText``). Converted column by column:
    converting a column for each row of it made a table whose every row is rejected cost the
    square of its batch's rows (150,000 rows, 33 s)."""
    taken = batch.take(pa.array(rows, pa.int64()))
    if not taken.num_columns:
        return [[] for _ in rows]
    return [list(row) for row in zip(*(_column_values(a) for a in taken.columns), strict=True)]


def _column_values(array: pa.Array) -> list[Any]:
    if nested_json.is_nested(array.type):
        return [
            None if t is None else JsonText(t) for t in nested_json.json_texts(array).to_pylist()
        ]
    if pa.types.is_timestamp(array.type):
        # As the writers send it ('2024-03-01 10:34:56.123456+00:00', 'infinity'): a
        # SQLite column replayed into keeps the text as it is.
        return nested_json.scalar_texts(array)
    if pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
        return [None if raw is None else _text(raw) for raw in array.cast(pa.binary()).to_pylist()]
    if (
        pa.types.is_date(array.type)
        or pa.types.is_time(array.type)
        or pa.types.is_interval(array.type)
        or pa.types.is_duration(array.type)
    ):
        # Values Python's date and time cannot all hold (year 0, '24:00:00', infinity).
        return [encode_value(value_at(array, row)) for row in range(len(array))]
    return [encode_value(value) for value in array.to_pylist()]


def _text(raw: bytes) -> Any:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return encode_value(raw)


def _key_of(
    table: Table, batch: pa.RecordBatch, values: list[Any], keys: pa.Array | None, row: int
) -> dict[str, Any] | None:
    names = batch.schema.names
    if table.primary_key and all(c in names for c in table.primary_key):
        return {c: values[names.index(c)] for c in table.primary_key}
    if table.split_key and keys is not None and keys[row].is_valid:
        return {table.split_key: keys[row].as_py()}
    return None


# -- writing --------------------------------------------------------------------------------


class RejectWriter:
    """Appends rejected rows to ``<directory>/<table>.jsonl``; safe to share across threads.

    A row whose key is already in the file (a batch retried, or resumed: a new run has set
    the file of an earlier run aside before it starts) is not written again.
    """

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        self.counts: dict[str, int] = {}
        self.nans: dict[str, dict[str, int]] = {}
        """Per table and column, the NaN this run set aside with their rows (SQLite has none)."""
        self._seen: dict[str, set[str]] = {}
        self._lock = threading.Lock()

    def path_for(self, table: str) -> Path:
        return reject_path(self.directory, table)

    def _known_keys(self, table: str) -> set[str]:
        seen = self._seen.get(table)
        if seen is None:
            seen = set()
            path = self.path_for(table)
            if path.exists():
                for record in _records(path):
                    if record.get("key") is not None:
                        seen.add(_key_text(record["key"]))
            self._seen[table] = seen
        return seen

    def write(
        self,
        table: Table,
        batch: pa.RecordBatch,
        problems: list[Problem],
        keys: pa.Array | None,
    ) -> int:
        """Write the rows named by ``problems`` (fsync'd); returns how many rows were new."""
        by_row: dict[int, list[dict[str, str]]] = {}
        for p in problems:
            by_row.setdefault(p.row, []).append({"column": p.column, "reason": p.reason})
        rows = sorted(by_row)
        names, head = batch.schema.names, _record_head(table, batch)
        lines = []
        with self._lock:
            seen = self._known_keys(table.name)
            for row, values in zip(rows, rows_values(batch, rows), strict=True):
                key = _key_of(table, batch, values, keys, row)
                if key is not None:
                    text = _key_text(key)
                    if text in seen:
                        continue
                    seen.add(text)
                lines.append(_one_line(_record_json(head, names, values, key, by_row[row])))
                self._count_nans(table.name, by_row[row])
            if lines:
                try:
                    self.directory.mkdir(parents=True, exist_ok=True)
                    with self.path_for(table.name).open("a", encoding="utf-8") as handle:
                        handle.writelines(lines)
                        handle.flush()
                        os.fsync(handle.fileno())
                except OSError as exc:  # checked at the start: the disk filled up, say
                    raise TransferError(
                        f"cannot write rejected rows to {str(self.directory)!r}: "
                        f"{folder_problem(self.directory, exc)}",
                        hint="free space or give --reject-dir a folder you can write to",
                        table=table.name,
                    ) from None
            self.counts[table.name] = self.counts.get(table.name, 0) + len(lines)
        return len(lines)

    def _count_nans(self, table: str, problems: list[dict[str, str]]) -> None:
        for p in problems:
            if p["reason"] == NAN_REASON:
                counts = self.nans.setdefault(table, {})
                counts[p["column"]] = counts.get(p["column"], 0) + 1

    def rejected(self, table: str) -> int:
        """Rows of ``table`` written so far (by this run)."""
        with self._lock:
            return self.counts.get(table, 0)

    def forget(self, table: str) -> None:
        """Drop a table's rejects (its load starts again from the first row)."""
        with self._lock:
            self._seen.pop(table, None)
            self.counts.pop(table, None)
            self.nans.pop(table, None)
            self.path_for(table).unlink(missing_ok=True)


_ENCODER = json.JSONEncoder(ensure_ascii=False)
"""``json.dumps(value, ensure_ascii=False)`` without making an encoder for each value."""
_KEY_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True)


def _key_text(key: Any) -> str:
    return _KEY_ENCODER.encode(key)


def _dumped(value: Any) -> str:
    """A value's JSON; a nested value's JSON text goes in as it is, so that its numbers keep
    every digit and the file shows the JSON its column gets."""
    if isinstance(value, JsonText):
        return str(value)
    return _ENCODER.encode(value)


REPLAYED_CASTS = frozenset({*EPOCH_UNITS, "boolean", INTERVAL_MICROSECONDS})
"""Casts whose source values (kept in the file as the run read them) no target column takes
as they are: an epoch's integer, a boolean word ('t'), Django's DurationField microseconds
(``interval`` of integers only: text is interval text already). A record names its columns'
such casts (``"casts"``), and ``replay-rejects`` converts their values again as the run did."""


def _record_head(table: Table, batch: pa.RecordBatch) -> str:
    """The start of each record of a batch, the same for all of them: table and columns
    (and the casts ``replay-rejects`` converts again, where there are some)."""
    head = f'"table": {_dumped(table.name)}, "columns": {_dumped(batch.schema.names)}'
    casts = {
        c.name: cast
        for c in table.columns
        if c.name in batch.schema.names
        and (cast := (c.target_type or "").strip().lower()) in REPLAYED_CASTS
        and (cast != INTERVAL_MICROSECONDS or pa.types.is_integer(c.arrow_type))
    }
    return f'{head}, "casts": {_dumped(casts)}' if casts else head


def _record_json(
    head: str,
    names: list[str],
    values: list[Any],
    key: dict[str, Any] | None,
    problems: list[dict[str, str]],
) -> str:
    """One record's line (``head`` from ``_record_head``)."""
    json_columns = [n for n, v in zip(names, values, strict=True) if isinstance(v, JsonText)]
    row = f"[{', '.join(_dumped(v) for v in values)}]" if json_columns else _dumped(values)
    parts = [
        head,
        f'"row": {row}',
        f'"key": {_dumped(key)}',
        f'"problems": {_dumped(problems)}',
    ]
    if json_columns:
        parts.append(f'"json": {_dumped(json_columns)}')
    return "{" + ", ".join(parts) + "}\n"


# -- reading --------------------------------------------------------------------------------


class _Number(str):
    """A JSON number with a fraction or exponent, as its text (a double would round it)."""


def _records(path: Path, *, exact: bool = False) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line, parse_float=_Number) if exact else json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number}: not a JSON object: {exc}") from exc
            if not isinstance(record, dict):
                raise ValueError(f"{path}:{number}: not a JSON object")
            yield record


def reject_files(directory: str | os.PathLike[str]) -> list[Path]:
    """The reject files of a directory, by name."""
    return sorted(Path(directory).glob(f"*{SUFFIX}"))


def read_rejects(path: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """The records of one reject file, values decoded back to Python values."""
    for record in _records(Path(path), exact=True):
        nested = set(record.get("json") or ())
        columns = record.get("columns", [])
        yield {
            **record,
            "row": [
                JsonText(json_text(v))
                if v is not None and i < len(columns) and columns[i] in nested
                else decode_value(_floats(v))
                for i, v in enumerate(record.get("row", []))
            ],
        }


def _floats(value: Any) -> Any:
    """Numbers read as their text (``_Number``) as doubles, where the value is no JSON text."""
    if isinstance(value, _Number):
        return float(value)
    if isinstance(value, list):
        return [_floats(v) for v in value]
    if isinstance(value, dict):
        return {k: _floats(v) for k, v in value.items()}
    return value


def json_text(value: Any) -> str:
    """A nested value read from a reject file as the JSON text it was written as: the same
    separators as ``nested_json``, each number's own digits."""
    if isinstance(value, _Number):
        return str(value)
    if isinstance(value, dict):
        members = (f"{json.dumps(k, ensure_ascii=False)}:{json_text(v)}" for k, v in value.items())
        return "{" + ",".join(members) + "}"
    if isinstance(value, list):
        return "[" + ",".join(json_text(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


# -- wiring into a run ------------------------------------------------------------------------


def check_reject_dir(config: MigrationConfig) -> None:
    """With ``--on-error reject``, refuse a reject directory that cannot be made or written
    before the run writes anything: found at the first rejected row, it failed that row's
    table, good rows and all. The directory is made on first use, as before: what this check
    makes, it removes."""
    if config.on_error != "reject":
        return
    directory = Path(config.reject_dir or DEFAULT_REJECT_ROOT)
    made = [d for d in (directory, *directory.parents) if not d.exists()]  # deepest first
    try:
        check_writable(directory, "rejected rows", arg("reject_dir"))
    finally:
        for folder in made:
            with contextlib.suppress(OSError):
                folder.rmdir()


def check_reject_dir_unmade(config: MigrationConfig) -> None:
    """``check_reject_dir`` for ``plan`` and ``--dry-run``, which make no folder: the run's
    refusal, told before the run is."""
    if config.on_error == "reject":
        check_could_write(
            Path(config.reject_dir or DEFAULT_REJECT_ROOT), "rejected rows", arg("reject_dir")
        )


def set_aside_earlier(config: MigrationConfig, tables: list[str]) -> list[str]:
    """Keep aside, before a new run (not ``--resume``) rejects anything, the files an earlier
    run left for its tables in a ``--reject-dir`` it reuses (a nightly job's): the writer
    takes the keys in a file for rows already written by a retried or resumed batch, so a new
    run's bad rows were skipped, neither loaded nor counted. Each is renamed
    ``<table>.<time it was last written>.jsonl.earlier``, which replay leaves alone (its rows
    may be stale: the new run rejects again those still bad). Returns the report's notes."""
    if config.on_error != "reject" or config.reject_dir is None:
        return []  # the default folder is the run's own
    notes = []
    for table in tables:
        path = reject_path(config.reject_dir, table)
        try:
            written = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
        except FileNotFoundError:
            continue
        aside = _unused(
            path.with_name(f"{path.stem}.{written.strftime(_STAMP)}{SUFFIX}"), EARLIER_SUFFIX
        )
        try:
            path.rename(aside)
        except OSError as exc:
            raise TransferError(
                f"cannot keep aside the earlier run's reject file {str(path)!r}: "
                f"{exc.strerror or exc}",
                hint="move it away, or give --reject-dir a folder of its own",
                table=table,
            ) from None
        notes.append(
            f"{table}: rejected rows of an earlier run, from {path}, are kept in {aside} "
            "(replay-rejects does not load them)"
        )
    return notes


def _unused(path: Path, end: str) -> Path:
    """``path`` with ``end`` added, or, when a file has that name (a reused folder), the
    first of ``<name>-2.jsonl<end>``, ... that none has: renamed there, no file is lost."""
    candidate, number = path.with_name(path.name + end), 1
    while candidate.exists():
        number += 1
        candidate = path.with_name(f"{path.name.removesuffix(SUFFIX)}-{number}{SUFFIX}{end}")
    return candidate


def earlier_files(directory: str | os.PathLike[str]) -> list[Path]:
    """The files of earlier runs kept aside in a directory (``set_aside_earlier``)."""
    return sorted(Path(directory).glob(f"*{SUFFIX}{EARLIER_SUFFIX}"))


def reject_writer(config: MigrationConfig) -> RejectWriter | None:
    """The run's reject writer when ``--on-error reject`` (the directory is made on first use)."""
    if config.on_error != "reject":
        return None
    return RejectWriter(config.reject_dir or default_reject_dir())


def count_rejects(writer: RejectWriter | None, reports: dict[str, TableReport]) -> None:
    """Put each table's rejected-row count and reject file into its report: the rows its
    file holds, which a resumed run shares with the run it resumed (this run's own counts
    leave out the rows whose keys that run had written already)."""
    if writer is None:
        return
    for name, report in reports.items():
        path = writer.path_for(name)
        held = _lines(path)
        if held:
            report.rejected = held
            report.rejected_before = max(0, held - writer.rejected(name))
            report.notes.append(f"rejected rows are in {path}")
        report.notes += _nan_notes(name, writer.nans.get(name, {}))


def _nan_notes(table: str, nans: dict[str, int]) -> list[str]:
    """Per column, the NaN set aside with their rows: the plan said only that one would be,
    and the reject file's reasons are read row by row."""
    return [
        f"{column}: {'1 NaN' if n == 1 else f'{n:,} NaN'} set aside with "
        f"{'its row' if n == 1 else 'their rows'} (SQLite has no NaN; "
        f"{cast_option(table, column, 'text')} keeps NaN as the text 'nan')"
        for column, n in nans.items()
    ]


def _lines(path: Path) -> int:
    """The records of a reject file (0 when there is none)."""
    try:
        with path.open("rb") as handle:
            return sum(1 for line in handle if line.strip())
    except FileNotFoundError:
        return 0


# -- replay ---------------------------------------------------------------------------------

_REPLAY_BATCH_ROWS = 10_000


def replay_rejects(
    directory: str | os.PathLike[str], target: str, *, schema: str | None = None
) -> dict[str, int]:
    """Load every reject file of ``directory`` into the existing tables of ``target``.

    Each file is loaded in batches; a file loaded completely is renamed ``*.jsonl.replayed``
    so that it is never loaded twice. Returns rows loaded per table. Raises DataError naming
    the file and row when a value still cannot be written (the cause is not fixed yet).
    """
    from arrowmig.endpoints import open_endpoint

    files = reject_files(directory)
    if Path(directory).is_file():
        # One run's file named in place of its folder (rejects/odds.jsonl): it exists.
        raise UsageError(
            f"{os.fspath(directory)!r} is a file; replay-rejects takes the folder of a run's "
            "reject files",
            hint=f"arrowmig replay-rejects {shlex.quote(os.fspath(Path(directory).parent))} "
            "TARGET replays every file in it",
        )
    if not Path(directory).is_dir():
        raise UsageError(f"reject directory {os.fspath(directory)!r} does not exist")
    if not files:
        _refuse_run_folders(Path(directory))
    loaded: dict[str, int] = {}
    # One screen of DuckDB's casts for every batch replayed: each takes tens of ms to open.
    with open_endpoint(target, schema=schema) as dst, CastScreen() as casts:
        for path in files:
            loaded_here = 0
            pending: list[dict[str, Any]] = []
            table: Table | None = None
            recorded = None  # the table's name in the file (the source's)
            for record in read_rejects(path):
                if table is None or record["table"] != recorded:
                    if pending and table is not None:
                        loaded_here += _replay_batch(dst, table, pending, path, casts)
                        pending = []
                    table, recorded = _target_table(dst, record["table"]), record["table"]
                pending.append(record)
                if len(pending) >= _REPLAY_BATCH_ROWS:
                    loaded_here += _replay_batch(dst, table, pending, path, casts)
                    pending = []
            if pending and table is not None:
                loaded_here += _replay_batch(dst, table, pending, path, casts)
            if table is not None:
                loaded[table.name] = loaded.get(table.name, 0) + loaded_here
            path.rename(_unused(path, REPLAYED_SUFFIX))  # a reused folder's earlier one kept
    return loaded


def _refuse_run_folders(directory: Path) -> None:
    """The default layout puts each run's files in a folder of its own (arrowmig-rejects/<run
    id>/): given the root, name the run folders that hold reject files rather than report
    nothing to do. Each is replayed on its own, as each run's rows belong to its own target."""
    runs = sorted(p for p in directory.iterdir() if p.is_dir() and reject_files(p))
    if not runs:
        return
    shown = ", ".join(f"{p} ({', '.join(f.name for f in reject_files(p))})" for p in runs[:5])
    more = f" and {len(runs) - 5} more" if len(runs) > 5 else ""
    raise UsageError(
        f"{os.fspath(directory)!r} holds no reject files itself; its run folders do: {shown}{more}",
        hint=f"replay one run's folder into the target that run wrote to, e.g. "
        f"arrowmig replay-rejects {runs[-1]} TARGET",
    )


def _target_table(dst: Endpoint, name: str) -> Table:
    # The source's name is recorded: a run with --target-names lower loaded it as ``znote``.
    there = name if dst.table_exists(name) else same_but_case(name, dst.list_tables())
    if there is None:
        raise SchemaError(
            f"table {name!r} does not exist in {dst.url.redacted}",
            hint="replay rejects into the target the run wrote to",
            table=name,
        )
    described = dst.describe(there, profile=False)
    return described


def _replay_batch(
    dst: Endpoint, table: Table, records: list[dict[str, Any]], path: Path, casts: CastScreen
) -> int:
    names = [c.name for c in table.columns]
    run_casts: dict[str, str] = (records[0].get("casts") or {}) if records else {}
    arrays = []
    for col in table.columns:
        values = []
        for record in records:
            if col.name not in record["columns"]:
                raise DataError(
                    f"{path}: a rejected row of {table.name!r} has no column {col.name!r}",
                    table=table.name,
                    column=col.name,
                )
            values.append(record["row"][record["columns"].index(col.name)])
        if run_casts.get(col.name) in REPLAYED_CASTS:
            arrays.append(_cast_again(values, run_casts[col.name], col, table.name, path))
            continue
        if kind_of(col) == UUID:
            values = [_uuid_text(v, table.name, col.name, path) for v in values]
        arrays.append(_to_array(values, col.arrow_type, table.name, col.name, path))
    batch = pa.RecordBatch.from_arrays(arrays, names=names)
    problems = screen_batch(batch, table, dst.dialect, casts=casts)
    if problems:
        raise problems_error(problems, batch, table, None)
    dst.write_batch(table, batch)
    return int(batch.num_rows)


def _to_array(
    values: list[Any], arrow_type: pa.DataType, table: str, column: str, path: Path
) -> pa.Array:
    if nested_json.is_nested(arrow_type) and any(isinstance(v, JsonText) for v in values):
        try:
            return pa.array([_nested_value(v, arrow_type) for v in values], arrow_type)
        except (ValueError, TypeError, KeyError, decimal.InvalidOperation) as exc:
            raise DataError(
                f"{path}: column {column!r} of {table!r}: a value does not convert to "
                f"{arrow_type}: {exc}",
                hint="fix the value in the reject file, or change the target column's type",
                table=table,
                column=column,
            ) from exc
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        values = [v if not isinstance(v, bytes) else _utf8(v, table, column, path) for v in values]
    if (
        pa.types.is_date32(arrow_type)
        or pa.types.is_timestamp(arrow_type)
        or pa.types.is_time(arrow_type)
        or pa.types.is_interval(arrow_type)
        or pa.types.is_duration(arrow_type)
    ):
        try:
            return _temporal(values, arrow_type)
        except ValueError as exc:
            raise DataError(
                f"{path}: column {column!r} of {table!r}: {exc}",
                hint="fix the value in the reject file, or change the target column's type",
                table=table,
                column=column,
            ) from exc
    try:
        return pa.array(values, type=arrow_type)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        pass
    try:
        texts = [None if v is None else str(v) for v in values]
        return pa.array(texts, pa.string()).cast(arrow_type)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise DataError(
            f"{path}: column {column!r} of {table!r}: a value does not convert to {arrow_type}: {exc}",
            hint="fix the value in the reject file, or change the target column's type",
            table=table,
            column=column,
        ) from exc


def _nested_value(value: Any, arrow_type: pa.DataType) -> Any:
    """A nested value's JSON text (as ``nested_json`` writes it) as the Python value Arrow
    takes for a LIST, STRUCT or MAP column of ``arrow_type`` (a DuckDB target's own)."""
    if value is None:
        return None
    return _member(json.loads(value, parse_float=_Number), arrow_type)


def _member(value: Any, t: pa.DataType) -> Any:
    if value is None:
        return None
    if pa.types.is_struct(t):
        return {f.name: _member(value.get(f.name), f.type) for f in t}
    if pa.types.is_map(t):
        return [(_map_key(k, t.key_type), _member(v, t.item_type)) for k, v in value.items()]
    if nested_json.is_nested(t):  # the lists
        return [_member(v, t.value_type) for v in value]
    if pa.types.is_decimal(t):
        return decimal.Decimal(str(value))
    if pa.types.is_floating(t):
        return float(value)  # "NaN", "Infinity" and "-Infinity" too
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
        return bytes.fromhex(str(value).removeprefix("\\x"))
    if pa.types.is_interval(t):
        return _temporal([value], t)[0].as_py()
    if (
        pa.types.is_date(t)
        or pa.types.is_timestamp(t)
        or pa.types.is_time(t)
        or pa.types.is_duration(t)
    ):
        # As its count of units: Python's datetime holds no nanoseconds, infinity or year 0.
        one = _temporal([value], t if not pa.types.is_date64(t) else pa.date32())
        return one.view(pa.int32() if t.bit_width == 32 else pa.int64())[0].as_py()
    return value


def _map_key(key: str, t: pa.DataType) -> Any:
    """A MAP key back from its object key: a number's or boolean's JSON text, else the text."""
    if (
        pa.types.is_integer(t)
        or pa.types.is_floating(t)
        or pa.types.is_decimal(t)
        or pa.types.is_boolean(t)
    ):
        return _member(json.loads(key, parse_float=_Number), t)
    return _member(key, t)


def _temporal(values: list[Any], arrow_type: pa.DataType) -> pa.Array:
    """Dates, timestamps, times and intervals as the reject file writes them: ISO text of
    any year ('-0043-03-15' is 44 BC, '12000-01-01 00:00:00.000000'), 'infinity' /
    '-infinity', '24:00:00', interval input, which Python's datetime cannot all hold (nor
    the cast of text Arrow has)."""
    from arrowmig.infinity import DATE_INFINITY, TIMESTAMP_INFINITY
    from arrowmig.temporal_text import date_days, time_units, timestamp_units

    if pa.types.is_interval(arrow_type) or pa.types.is_duration(arrow_type):
        return _intervals(values, arrow_type)
    if pa.types.is_time(arrow_type):
        # Times as the file writes them, PostgreSQL's '24:00:00' included (no Python time
        # holds it, and Arrow has no cast from text to time).
        counts = [None if v is None else time_units(str(v), arrow_type.unit) for v in values]
        storage = pa.int64() if arrow_type.bit_width == 64 else pa.int32()
        return pa.array(counts, storage).view(arrow_type)
    is_date = pa.types.is_date32(arrow_type)
    infinity = DATE_INFINITY if is_date else TIMESTAMP_INFINITY
    numbers: list[int | None] = []
    for value in values:
        text = None if value is None else str(value).strip()
        if text is None:
            numbers.append(None)
        elif text.lower() in ("infinity", "-infinity"):
            numbers.append(-infinity if text.startswith("-") else infinity)
        else:
            numbers.append(date_days(text) if is_date else timestamp_units(text, arrow_type.unit))
    storage = pa.int32() if is_date else pa.int64()
    return pa.array(numbers, storage).view(arrow_type)


_INTERVAL_TEXT = re.compile(r"(-?\d+) mons (-?\d+) days (-?\d+(?:\.\d{1,9})?) secs")
_DURATION_TEXT = re.compile(r"(-?\d+(?:\.\d{1,9})?) seconds")


def _intervals(values: list[Any], arrow_type: pa.DataType) -> pa.Array:
    """Intervals as the file writes them (``schema.interval_text``, PostgreSQL interval input):
    '14 mons 3 days 14706.5 secs', and durations as '-0.000001 seconds'."""
    duration = pa.types.is_duration(arrow_type)
    pattern = _DURATION_TEXT if duration else _INTERVAL_TEXT
    parsed: list[Any] = []
    for value in values:
        if value is None:
            parsed.append(None)
            continue
        found = pattern.fullmatch(str(value).strip())
        if found is None:
            raise ValueError(f"not an interval as arrowmig writes one: {value!r}")
        nanos = decimal.Decimal(found.groups()[-1]) * 1_000_000_000
        if duration:
            count, rest = divmod(int(nanos), NANOS_PER[arrow_type.unit])
            if rest:
                raise ValueError(f"{value!r} has digits below the column's {arrow_type.unit}")
            parsed.append(count)
        else:
            parsed.append(pa.MonthDayNano([int(found.group(1)), int(found.group(2)), int(nanos)]))
    if duration:
        return pa.array(parsed, pa.int64()).view(arrow_type)
    return pa.array(parsed, arrow_type)


def _cast_again(values: list[Any], cast: str, column: Column, table: str, path: Path) -> pa.Array:
    """Values the run read (integers, text) converted by its ``--cast`` as the run converted
    them, into the target column's type."""
    try:
        read = pa.array(values)
        converted = cast_as_asked(read, Column(column.name, read.type, target_type=cast))
        if converted.type == column.arrow_type:
            return converted
        if pa.types.is_string(column.arrow_type):
            # As the run wrote them into SQLite's text ('+00:00', '1.5 seconds'), not as
            # Arrow's cast spells them ('Z', '1500000').
            return cast_as_asked(converted, Column(column.name, converted.type, target_type="text"))
        if pa.types.is_duration(converted.type) and pa.types.is_interval(column.arrow_type):
            micros = converted.cast(pa.int64()).to_pylist()
            return pa.array(
                [None if m is None else pa.MonthDayNano([0, 0, m * 1000]) for m in micros],
                column.arrow_type,
            )
        return converted.cast(column.arrow_type)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
        raise DataError(
            f"{path}: column {column.name!r} of {table!r}: a value does not convert by the "
            f"run's --cast to {cast}: {exc}",
            hint="fix the value in the reject file, or change the target column's type",
            table=table,
            column=column.name,
        ) from exc


def _uuid_text(value: Any, table: str, column: str, path: Path) -> Any:
    """A value bound for a uuid column: 16 bytes as their UUID, bytes in order, as the
    ``--cast uuid`` of the run that set the row aside wrote them (the file keeps the
    source's bytes); any other value as it is."""
    if not isinstance(value, bytes):
        return value
    if len(value) != 16:
        raise DataError(
            f"{path}: column {column!r} of {table!r} holds {len(value)} bytes, which are no "
            "UUID (16 bytes)",
            hint="fix the value in the reject file, or change the target column to bytea/BLOB",
            table=table,
            column=column,
        )
    return str(uuid.UUID(bytes=value))


def _utf8(value: bytes, table: str, column: str, path: Path) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{path}: column {column!r} of {table!r} holds bytes that are not UTF-8 text",
            hint="change the target column to bytea/BLOB, or fix the value in the reject file",
            table=table,
            column=column,
        ) from exc


_LINE_BREAKS = {"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}
"""Characters that JSON leaves as they are but many line readers (Python's
``str.splitlines``, ...) break a line at: written escaped, so a record stays one line."""


def _one_line(record_json: str) -> str:
    for char, escaped in _LINE_BREAKS.items():
        record_json = record_json.replace(char, escaped)
    return record_json

"""DuckDB: native Arrow reads and Arrow-scan inserts, one transaction per batch."""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections.abc import Collection, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa

from arrowmig.auto_keys import kept_numbering, key_sequence_name, takes_key_sequence
from arrowmig.comments import comment_statements
from arrowmig.defaults import column_definitions, read_default
from arrowmig.duckdb_connection import connect_duckdb
from arrowmig.duckdb_unions import holds_union
from arrowmig.endpoints import lost_zeros
from arrowmig.endpoints import pg_duckdb_twins as twins
from arrowmig.endpoints.common import (
    KEY_COLUMN,
    KEY_SEQUENCES_LEFT,
    BaseEndpoint,
    build_keys,
    disk_full,
    generated_column,
    holds_sqlite_header,
    index_name_taken,
    key_range_filter,
    leaving,
    raise_if_resumable,
    read_schema,
    short_driver_message,
    split_top_level,
)
from arrowmig.endpoints.duckdb_closing import FileClosing
from arrowmig.endpoints.duckdb_dressing import (
    column_types,
    planned,
    planned_types,
    present,
    read_duckdb_dressing,
)
from arrowmig.endpoints.duckdb_intervals import as_text as interval_text_sql
from arrowmig.endpoints.duckdb_intervals import beyond_arrow as interval_beyond_arrow
from arrowmig.endpoints.duckdb_intervals import guarded as guarded_intervals
from arrowmig.endpoints.duckdb_intervals import read_as_text as intervals_as_text
from arrowmig.endpoints.duckdb_memory import (
    commit_kept,
    memory_hint,
    out_of_memory,
    writer_settings,
)
from arrowmig.endpoints.duckdb_pieces import (
    LAYOUT_SQL,
    Layout,
    RowGroup,
    batch_rows_of,
    layout,
    pieces,
    runs,
)
from arrowmig.endpoints.limits import refuse_names_a_file_cannot_hold
from arrowmig.endpoints.pg_dressing import Dressing, of_same_type, still_to_give
from arrowmig.endpoints.sqlite_ddl import column_collations
from arrowmig.endpoints.stand_in import to_try, tried
from arrowmig.errors import ArrowmigError, ConnectError, SchemaError, TransferError, UsageError
from arrowmig.folders import refuse_unwritable_file
from arrowmig.key_numbering import bounds, furthest, next_value, numbering_of, restart
from arrowmig.model import Column, ForeignKey, Index, KeyNumbering, KeyRange, Table, TableLoad
from arrowmig.schema import (
    ddl_type,
    index_label,
    primary_key_label,
    qualified,
    quote_ident,
    quote_literal,
    to_wire,
)
from arrowmig.stop_grace import closing_after_the_run
from arrowmig.urls import EndpointUrl

DUCKDB_MEMORY_LIMIT = os.environ.get("ARROWMIG_DUCKDB_MEMORY_LIMIT") or "640MB"
"""DuckDB's memory_limit on every DuckDB file arrowmig opens: its buffer pool and index builds
stay within it (it spills beyond). ARROWMIG_DUCKDB_MEMORY_LIMIT=4GB raises it."""
_MEMORY_LIMIT_FORM = re.compile(r"(\d+(?:\.\d+)?)\s*([KMGT]?)(i?)B", re.IGNORECASE)


def memory_limit_bytes(limit: str) -> int:
    """A memory limit as DuckDB reads it, in bytes: ``640MB`` is 640,000,000 (KB, MB, GB and
    TB count in thousands, KiB, MiB, GiB and TiB in 1,024s)."""
    found = _MEMORY_LIMIT_FORM.fullmatch(limit.strip())
    if found is None:
        raise ValueError(f"not a memory limit: {limit!r}")
    number, unit, binary = found.groups()
    power = " KMGT".index(unit.upper() or " ")
    return int(float(number) * (1024 if binary else 1000) ** power)


CHUNK_ROWS = 250_000
"""About the most rows DuckDB sorts at once to hand a table over in key order."""
CHUNK_BYTES = 16 * 1024 * 1024
"""About the most bytes of rows DuckDB sorts at once (rows of megabytes: a few per chunk)."""


class _SharedDatabase:
    """One DuckDB connection per file and process; every endpoint works on a cursor of it.

    Separate duckdb.connect() calls on one file from several threads made concurrent Arrow
    inserts fail inside DuckDB ("python_arrow_scan does not exist"); cursors of one
    connection are DuckDB's way to use a database from several threads, and they did not.
    Writers of one file also take turns (``lock``): DuckDB parallelises each insert itself.
    """

    _registry: ClassVar[dict[str, _SharedDatabase]] = {}
    _guard: ClassVar[threading.Lock] = threading.Lock()
    _kept: ClassVar[dict[str, int]] = {}
    """Files a run keeps open (``kept_open``), by how many runs of the process keep each."""

    def __init__(self, path: str, read_only: bool) -> None:
        self.path = path
        self.read_only = read_only
        self.created = not os.path.exists(path)
        # DuckDB's buffer pool defaults to 80% of RAM and keeps written blocks and index
        # builds in memory; a bound keeps arrowmig's memory flat as tables grow (DuckDB
        # spills to a temporary directory beyond it).
        if not _MEMORY_LIMIT_FORM.fullmatch(DUCKDB_MEMORY_LIMIT):
            raise UsageError(
                f"ARROWMIG_DUCKDB_MEMORY_LIMIT={DUCKDB_MEMORY_LIMIT!r} is not a size",
                hint="give one as DuckDB takes it, e.g. 4GB or 900MB",
            )
        # Capped as it opens: DuckDB replays the rows of a write-ahead log left behind into
        # memory then.
        try:
            self.connection = connect_duckdb(
                path, read_only=read_only, memory_limit=DUCKDB_MEMORY_LIMIT
            )
        except BaseException as exc:
            # A stop, not an error: DuckDB failing to open a new file (another process made
            # it meanwhile, and holds it) leaves it to its owner.
            if self.created and not isinstance(exc, Exception):
                self._remove_if_made_empty()
            raise
        try:
            if not read_only:
                for setting in writer_settings(memory_limit_bytes(DUCKDB_MEMORY_LIMIT)):
                    self.connection.execute(setting)
                if os.path.exists(path + ".wal"):
                    # Rows a process committed and did not checkpoint (it was killed, or its
                    # checkpoint failed) are replayed into memory as the file opens. Written to
                    # the file now, a cap too small for them refuses the file as it opens
                    # (exit 2, with the advice), not the run's first record after planning.
                    self.connection.execute("CHECKPOINT")
        except BaseException:
            self._close()  # a signal to stop as the file opens: no empty new file left
            raise
        self.lock = threading.Lock()
        self.users = 0
        self.kept = False  # a run keeps it open: one user more, until the run ends

    @classmethod
    def acquire(cls, path: Path, read_only: bool) -> _SharedDatabase:
        """The process's connection to ``path``; one opened read-write also serves readers."""
        key = os.path.realpath(path)
        with cls._guard:
            shared = cls._registry.get(key)
            if shared is not None and shared.read_only and not read_only:
                raise ConnectError(
                    f"DuckDB file {str(path)!r} is open read-only in this process (as a "
                    "source): it cannot be written meanwhile",
                    hint="write to another file, or once the reading is done",
                )
            if shared is None:
                shared = cls._registry[key] = _SharedDatabase(key, read_only)
            shared.users += 1
            if key in cls._kept:
                shared._keep()
            return shared

    def _keep(self) -> None:
        # A writer only: a file a run reads is no file it must keep others from writing.
        if not self.kept and not self.read_only:
            self.kept = True
            self.users += 1

    @classmethod
    @contextlib.contextmanager
    def kept_open(cls, path: str) -> Iterator[FileClosing]:
        """Keep the process's connection to ``path``, once opened for writing, open until the
        end: DuckDB lets go of a file's lock when its last connection closes. What yields is
        told, at the end, whether the checkpoint as the file closed failed."""
        key = os.path.realpath(path)
        closing = FileClosing()
        with cls._guard:
            cls._kept[key] = cls._kept.get(key, 0) + 1
            shared = cls._registry.get(key)
            if shared is not None:
                shared._keep()
        try:
            yield closing
        finally:
            with cls._guard:
                cls._kept[key] -= 1
                shared = cls._registry.get(key)
                let_go = shared if shared and shared.kept and not cls._kept[key] else None
                if not cls._kept[key]:
                    del cls._kept[key]
                if let_go is not None:
                    let_go.kept = False
            if let_go is not None:
                # The run has finished: a stop as its file closes is said, not raised (exit
                # 130 without the report, of a run ``status`` then called complete).
                with closing_after_the_run() as stops:
                    closing.unwritten = let_go.release()  # outside the guard: it takes it
                if stops:
                    closing.stopped = stops[0]
                    # DuckDB's close checkpoints too: the log may be in the file after all.
                    closing.in_log_only = os.path.exists(let_go.path + ".wal")

    def release(self) -> str | None:
        """Let go of one use; the last closes the connection. Returns DuckDB's words when the
        checkpoint as it closed the file failed (``_close``), else None."""
        with self._guard:
            self.users -= 1
            if self.users == 0:
                del self._registry[self.path]
                return self._close()
        return None

    def _close(self) -> str | None:
        empty = self.created and self._holds_nothing()
        try:
            unwritten = None if empty or self.read_only else self._checkpoint()
        finally:
            self.connection.close()  # a signal as it checkpoints: the file let go all the same
        if empty:
            # A file this run created and wrote nothing into (a run refused at planning) is
            # removed, not left behind empty.
            for leftover in (self.path, self.path + ".wal"):
                with contextlib.suppress(OSError):
                    os.remove(leftover)
        return unwritten

    def _checkpoint(self) -> str | None:
        """Write the rows of the write-ahead log into the file, as DuckDB's close would, but
        saying so when it fails: DuckDB's close keeps quiet about a checkpoint that failed (a
        full disk), and a run whose rows were then in the log only said done. Returns
        DuckDB's words, else None. Last on the connection: DuckDB takes no statement after
        a failed checkpoint ("The database must be restarted")."""
        try:
            self.connection.execute("CHECKPOINT")
        except Exception as exc:
            return short_driver_message(exc)
        return None

    def _remove_if_made_empty(self) -> None:
        """A signal to stop landed as DuckDB opened the file, which it made (Ctrl-C early in
        ``arrowmig.migrate()``): the connection, never held, was closed as it was let go, and
        the new file is removed (by ``_close``) as one left empty is. Looked at through a
        connection of DuckDB's own settings: were that connection still open somewhere,
        DuckDB refuses it ("a different configuration than existing connections"), and a
        file still open is not removed; so is one another process has taken meanwhile."""
        try:
            self.connection = connect_duckdb(self.path)
        except Exception:
            return
        self._close()

    def _holds_nothing(self) -> bool:
        try:
            rows = self.connection.execute(
                "SELECT (SELECT count(*) FROM duckdb_tables() WHERE NOT internal) + "
                "(SELECT count(*) FROM duckdb_views() WHERE NOT internal) + "
                "(SELECT count(*) FROM duckdb_sequences() WHERE NOT temporary)"
            ).fetchall()
        except Exception:
            return False
        return bool(rows) and rows[0][0] == 0


# DuckDB types that arrive in Arrow as plain strings but mean more on a target.
_TEXT_WITH_TYPE = {
    "UUID": "uuid",
    "JSON": "json",  # each document's text, as DuckDB holds it (jsonb would rewrite it)
    "HUGEINT": "numeric(39,0)",
    "UHUGEINT": "numeric(39,0)",
    "VARINT": "numeric",
    "BIGNUM": "numeric",
}
# Types with no faithful Arrow form, read as their exact text (CAST(... AS VARCHAR)): DuckDB
# hands HUGEINT and UHUGEINT out as decimal128(38, 0), which holds neither's largest values
# (UHUGEINT's maximum arrived as -1), BIT as its internal bytes, UNION and TIMETZ not at all.
_READ_AS_TEXT = {"HUGEINT", "UHUGEINT", "VARINT", "BIGNUM", "BIT", "TIME WITH TIME ZONE"}


_QUOTED_NAME = re.compile(r'"(?:[^"]|"")*"')
_NO_ARROW_MEMBER = re.compile(r"\b(U?HUGEINT|VARINT|BIGNUM|BIT|UNION|TIME WITH TIME ZONE)\b")
_NESTED_MARK = re.compile(r"\[\d*\]|\bSTRUCT\(|\bMAP\(")


def kept_open(path: str) -> contextlib.AbstractContextManager[FileClosing]:
    """Keep the DuckDB file at ``path`` open for writing by this process (from when it is
    first opened so) until the end: a run's connections close between its planning, loading
    and finishing, and another process could take the file in between (``run_lock``)."""
    return _SharedDatabase.kept_open(path)


_HELD_BY = re.compile(r"Could not set lock on file .*\(PID (\d+)\)")


def _in_use(target: str, exc: BaseException) -> ConnectError | None:
    """DuckDB refusing a file another process has open, said as such, naming that process."""
    held = _HELD_BY.search(str(exc))
    if held is None:
        return None
    return ConnectError(
        f"DuckDB file {target!r} is in use by another process (pid {held.group(1)}): "
        "DuckDB lets one process at a time have a file it writes",
        hint="wait for that process to end, or stop it (a stopped arrowmig run goes on with "
        "--resume)",
    )


def _open_here(target: str, exc: BaseException) -> ConnectError | None:
    """DuckDB refusing a file the calling program has open itself: a connection of its own
    (``duckdb.connect``), made with other settings than arrowmig's, which DuckDB lets no
    second connection of the process differ from."""
    if "same database file with a different configuration" not in str(exc):
        return None
    return ConnectError(
        f"DuckDB file {target!r} is open in this process already, by a connection arrowmig "
        "did not make (duckdb.connect() with other settings)",
        hint="close that connection (con.close()) before calling arrowmig, and open it again "
        "after; or give arrowmig a copy of the file",
    )


def _nested_without_arrow_form(data_type: str) -> bool:
    """A LIST, STRUCT or MAP holding a type that Arrow cannot carry (read inside a STRUCT, a
    UHUGEINT's maximum arrived as -1, a VARINT or BIT as its internal bytes, a TIMETZ
    without its offset): the whole value is read as DuckDB's text of it instead."""
    bare = _QUOTED_NAME.sub("", data_type)  # a member named "bit" is no BIT
    return bool(_NESTED_MARK.search(bare) and _NO_ARROW_MEMBER.search(bare))


def is_nested_type(data_type: str) -> bool:
    """A DuckDB LIST, STRUCT, MAP or fixed-size array type (a member named "map(" is none)."""
    return bool(_NESTED_MARK.search(_QUOTED_NAME.sub("", data_type)))


def _same_again_on_duckdb(data_type: str) -> str | None:
    """The type a DuckDB target creates for this source column where it differs from the
    Arrow mapping: those read as their text (DuckDB converts the text back exactly as it
    inserts), an ENUM, by its labels, and every LIST, STRUCT, MAP and fixed-size array as
    declared, members and all (the Arrow mapping made a UUID or JSON member VARCHAR, a
    TIMESTAMP_S one TIMESTAMP and refused a MAP keyed by an ENUM; DuckDB casts each Arrow
    member back into its own type exactly as it inserts)."""
    if holds_union(data_type):
        # Its text does not say which member a value was (5 of an INTEGER member and '5' of a
        # VARCHAR one alike): DuckDB casts it back into the first member that takes text, or
        # refuses it. The column stays VARCHAR, flagged, holding that text.
        return None
    if data_type in _READ_AS_TEXT or data_type.startswith("ENUM("):
        return data_type
    if _read_kind(data_type) == "json":
        return None  # a VARIANT, alone or inside: JSON on every target
    if is_nested_type(data_type):
        return data_type
    if data_type in _COARSE_TIMESTAMPS:
        return data_type  # read as microseconds (every value whole in its unit): kept
    if _is_geometry(data_type):
        return data_type  # read as its WKB bytes, which DuckDB reads back as the geometry
    return None


def _is_geometry(data_type: str) -> bool:
    """DuckDB's GEOMETRY, with or without its coordinate system (``GEOMETRY('OGC:CRS84')``)."""
    return data_type == "GEOMETRY" or data_type.startswith("GEOMETRY(")


_FIXED_ARRAY = re.compile(r"\[\d+\]$")


_COARSE_TIMESTAMPS = ("TIMESTAMP_S", "TIMESTAMP_MS")
"""Read as TIMESTAMP (microseconds), which DuckDB converts exactly, ±infinity included: as
they are, Arrow holds their infinity as the largest count of seconds, which no cast to
microseconds could take (into PostgreSQL the table failed with a raw ArrowInvalid)."""


_VARIANT = re.compile(r'(?<![\w"])VARIANT(?=$|[,)\[])')
"""DuckDB's VARIANT, alone or inside a STRUCT, LIST or MAP (as a type: followed by the end, a
comma, a parenthesis or a bracket; a field named VARIANT is followed by its type). Arrow hands
out its internal encoding (STRUCT(metadata BLOB, value BLOB)), which no one but DuckDB can
read: such a column is read as JSON."""


def _read_kind(data_type: str) -> str | None:
    """How a column of this DuckDB type is read when not as it is: text, json (a VARIANT, as
    its JSON), list (a fixed-size array, as a list) or timestamp (in microseconds). A MAP is
    read as it is: targets that keep JSON get it as a JSON object (nested_json), DuckDB the
    MAP again."""
    if data_type in _READ_AS_TEXT or data_type.startswith("UNION("):
        return "text"
    if _nested_without_arrow_form(data_type):
        return "text"
    if data_type in _COARSE_TIMESTAMPS:
        return "timestamp"
    if _VARIANT.search(data_type):
        return "json"
    if _FIXED_ARRAY.search(data_type):
        return "list"
    return None


def _read_expression(col: Column) -> str:
    c = quote_ident(col.name)
    kind = _read_kind(col.source_type)
    if col.union_tagged:
        return f"CAST(to_json({c}) AS VARCHAR)"  # verify's read: duckdb_unions.tagged_pair
    if kind == "text" and col.source_type.startswith("UNION("):
        return _union_text(c)
    if kind == "text":
        return f"CAST({c} AS VARCHAR)"
    if kind == "json":
        return f"CAST(to_json({c}) AS VARCHAR)"
    if intervals_as_text(col):
        return interval_text_sql(c)  # cast to text by the plan
    if kind == "list":
        return guarded_intervals(f"CAST({c} AS {_FIXED_ARRAY.sub('[]', col.source_type)})", col)
    if kind == "timestamp":
        return f"CAST({c} AS TIMESTAMP)"
    return guarded_intervals(c, col)


def _union_text(c: str) -> str:
    """A UNION's member value as text, NULL where that value is NULL: DuckDB's text of a NULL
    member is the four letters 'NULL', which a VARCHAR member 'NULL' also writes (and verify,
    reading both sides so, called the two equal). Its JSON (``{"num":null}``) tells them apart."""
    return (
        f"CASE WHEN json_type(to_json({c}), '$.*')[1] = 'NULL' THEN NULL"
        f" ELSE CAST({c} AS VARCHAR) END"
    )


def _size_sql(table: Table) -> str:
    """About the bytes of one row: the length of each text and blob, 8 per other value,
    64 per nested one (a guess; measuring would mean writing it out)."""
    sizes = []
    for col in table.columns:
        c = quote_ident(col.name)
        kind = (col.source_type or "").upper()
        if kind == "BLOB":
            sizes.append(f"coalesce(octet_length({c}), 1)")
        elif kind in ("VARCHAR", "JSON") or kind.startswith("ENUM"):
            sizes.append(f"coalesce(strlen(CAST({c} AS VARCHAR)), 1)")
        elif any(mark in kind for mark in ("[", "STRUCT", "MAP", "UNION")):
            sizes.append("64")
        else:
            sizes.append("8")
    return _sum_sql(sizes)


def _sum_sql(terms: list[str]) -> str:
    """``a + b + ...`` added in halves: a chain of one ``+`` per column nests as deep as the
    table is wide, and DuckDB refuses an expression deeper than 1,000 (a table of 1,000
    columns could be written, not read back)."""
    if len(terms) <= 2:
        return " + ".join(terms) or "0"
    half = len(terms) // 2
    return f"({_sum_sql(terms[:half])}) + ({_sum_sql(terms[half:])})"


def _read_type(data_type: str, arrow_type: pa.DataType) -> tuple[pa.DataType, tuple[str, ...]]:
    """The Arrow type a column is read as (``_read_expression``), and what the plan notes."""
    kind = _read_kind(data_type)
    if kind == "text":
        numeric = data_type in _TEXT_WITH_TYPE
        again = " (itself again on DuckDB targets)" if _same_again_on_duckdb(data_type) else ""
        if holds_union(data_type):
            # The text is the member's value alone: a user told only "its text form" took a
            # DuckDB-to-DuckDB copy for a UNION column still.
            again = _UNION_TEXT
        twin = twins.on_postgres(data_type)
        if twin is not None:
            return pa.string(), (twins.postgres_note(data_type, twin),)
        return pa.string(), () if numeric else (
            f"{data_type} has no Arrow equivalent: carried as its text form{again}",
        )
    if kind == "json":
        return pa.string(), (
            f"{data_type} carried as JSON (a value's type beyond JSON's, such as a date, "
            "decimal or blob, as JSON text or number)",
        )
    if kind == "list":
        return pa.list_(arrow_type.value_type), (
            f"{data_type} carried as a list (itself again on DuckDB targets)",
        )
    if kind == "timestamp":
        return pa.timestamp("us"), ()
    if _is_geometry(data_type):
        # Arrow hands it out as plain bytes (geoarrow.wkb): without a word, a DuckDB target
        # made a BLOB of it, and the others a blob the user did not know was a geometry.
        return arrow_type, (
            f"{data_type} carried as its WKB bytes, a blob (itself again on DuckDB targets)",
        )
    return arrow_type, ()


_UNION_TEXT = (
    ", its member's value alone (5 of an INTEGER member and '5' of a VARCHAR one alike): "
    "which member each value was is not kept, on DuckDB targets either (VARCHAR there)"
)


def _meaning(data_type: str) -> str | None:
    """The type a column of ``data_type`` read as text means on a target (its JSON, a uuid, a
    numeric), else None."""
    return "jsonb" if _read_kind(data_type) == "json" else _TEXT_WITH_TYPE.get(data_type)


def as_read(name: str, data_type: str, handed_out: pa.DataType) -> Column:
    """A column of the DuckDB type ``data_type``, which DuckDB hands out to Arrow as
    ``handed_out``, as ``describe`` reads it: its Arrow type and what it means on a target."""
    arrow_type, _ = _read_type(data_type, _normalise(handed_out))
    return Column(name, arrow_type, data_type, target_type=_meaning(data_type))


class DuckDBEndpoint(BaseEndpoint):
    """One connection to a DuckDB database file."""

    dialect = "duckdb"

    def __init__(
        self,
        url: EndpointUrl,
        schema: str | None = None,
        *,
        create: bool = False,
        read_only: bool = False,
    ) -> None:
        super().__init__(url, schema or "main")
        path = Path(url.target)
        if not path.exists() and not create:
            raise ConnectError(
                f"DuckDB file {url.target!r} does not exist",
                hint="check the path (duckdb:///rel.duckdb is relative, duckdb:////abs.duckdb absolute)",
            )
        if create:
            refuse_unwritable_file(url.target, self.dialect)

        shared: _SharedDatabase | None = None
        try:
            shared = self._shared = _SharedDatabase.acquire(path, read_only and not create)
            self._lock = self._shared.lock
            self._conn = self._shared.connection.cursor()
            self._catalog = str(self._query("SELECT current_database()")[0][0])
            self._schema_ready = False
        except BaseException as exc:
            if shared is not None:
                # Not opened after all (a signal to stop, a failed first query): the file let
                # go of, and removed if this opening created it empty.
                with contextlib.suppress(Exception):
                    shared.release()
            if isinstance(exc, ConnectError) or not isinstance(exc, Exception):
                raise
            in_use = _in_use(url.target, exc) or _open_here(url.target, exc)
            if in_use is not None:
                raise in_use from exc
            if holds_sqlite_header(path):
                # DuckDB reads it only through its sqlite extension, which arrowmig never
                # fetches: its words would be of an extension, not of the name.
                raise ConnectError(
                    f"{url.target!r} is a SQLite database, not a DuckDB file",
                    hint=f"name it sqlite:///{url.target}",
                ) from exc
            hint = memory_hint(DUCKDB_MEMORY_LIMIT) if out_of_memory(str(exc)) else None
            if disk_full(exc):  # its write-ahead log replayed, or a checkpoint, as it opens
                hint = (
                    "free space on the disk that holds it, then run the command again (a "
                    "migration with --resume: its committed batches are kept)"
                )
            raise ConnectError(
                f"cannot open DuckDB file {url.target!r}: {short_driver_message(exc)}", hint=hint
            ) from exc

    @property
    def _schema(self) -> str:
        assert self.schema is not None
        return self.schema

    def qualify(self, name: str) -> str:
        """``catalog.schema.name``: DuckDB reads a two-part name as catalog.table as well as
        schema.table, and refuses it as ambiguous where both exist (sales.duckdb holding a
        schema sales, or one named like DuckDB's own catalogs: temp, system)."""
        return qualified(name, self._schema, self._catalog)

    def _free_sequence_name(self, name: str, table: str) -> str:
        """``name``, or ``name_2``, ``_3``, ... where a table other than ``table`` draws from
        a sequence of that name: DuckDB replaces no sequence a default draws from (the
        backup of a replaced table, which keeps its key's default, draws from the old one)."""
        drawn = {
            str(r[0])
            for r in self._query(
                "SELECT s.sequence_name FROM duckdb_sequences() s "
                "JOIN duckdb_dependencies() d ON d.objid = s.sequence_oid "
                "JOIN duckdb_tables() t ON t.table_oid = d.refobjid "
                f"WHERE {_is_named('s.schema_name')} AND s.database_name = current_database() "
                f"AND NOT ({_is_named('t.schema_name')} AND t.table_name = ?)",
                [self._schema, self._schema, table],
            )
        }
        free, number = name, 1
        while free in drawn:
            number += 1
            free = f"{name}_{number}"
        return free

    def _stored_name(self, name: str) -> str:
        """How a column default names a sequence of this schema: ``schema.name``, which stays
        right when the file is renamed or attached under another name; with the catalog only
        where the schema's name is a catalog's too (DuckDB would refuse the default as
        ambiguous on each insert)."""
        clash = self._query(
            f"SELECT 1 FROM duckdb_databases() WHERE {_is_named('database_name')}",
            [self._schema],
        )
        return qualified(name, self._schema, self._catalog if clash else None)

    def close(self) -> None:
        self.end_reads()
        self._rollback()
        try:
            self._conn.close()
        finally:
            self._shared.release()

    def _query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = self._conn.execute(sql, params or []).fetchall()
        return rows

    def _run(self, sql: str, what: str, table: str | None = None) -> None:
        with self._lock:
            try:
                self._conn.execute(sql)
            except Exception as exc:
                raise self.translate(exc, what, table) from exc

    def translate(self, exc: BaseException, what: str, table: str | None = None) -> ArrowmigError:
        past_arrow = interval_beyond_arrow(exc, table)
        if past_arrow is not None:
            return past_arrow
        error = super().translate(exc, what, table)
        if out_of_memory(str(exc)) and error.hint is None:
            error.hint = memory_hint(DUCKDB_MEMORY_LIMIT)
        if isinstance(error, TransferError) and commit_kept(str(exc)):
            error.committed = True
        return error

    # -- catalog --------------------------------------------------------------------------
    def list_tables(self) -> list[str]:
        return self._tables(own_named=False)

    def own_named_tables(self) -> list[str]:
        """The tables ``list_tables`` leaves out as arrowmig's own, by their name."""
        return self._tables(own_named=True)

    def _tables(self, own_named: bool) -> list[str]:
        rows = self._query(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = ? AND database_name = "
            f"current_database() AND NOT internal AND {'' if own_named else 'NOT '}"
            "starts_with(table_name, '_arrowmig_') ORDER BY table_name",
            [self._schema],
        )
        return [r[0] for r in rows]

    def list_views(self) -> list[str]:
        rows = self._query(
            "SELECT view_name FROM duckdb_views() WHERE schema_name = ? AND database_name = "
            "current_database() AND NOT internal ORDER BY view_name",
            [self._schema],
        )
        return [r[0] for r in rows]

    def other_schemas(self) -> dict[str, int]:
        rows = self._query(
            "SELECT schema_name, count(*) FROM duckdb_tables() WHERE schema_name <> ? AND "
            "database_name = current_database() AND NOT internal AND NOT starts_with(table_name, "
            "'_arrowmig_') GROUP BY 1 ORDER BY 1",
            [self._schema],
        )
        return {str(r[0]): int(r[1]) for r in rows}

    def omittable_columns(self, name: str) -> set[str]:
        rows = self._query(
            f"SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND {_is_named('table_name')} "
            "AND database_name = current_database() AND (is_nullable OR column_default IS NOT NULL)",
            [self._schema, name],
        )
        return {str(r[0]) for r in rows}

    def computed_columns(self, name: str) -> set[str]:
        rows = self._query(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND "
            f"{_is_named('table_name')} AND table_catalog = current_database() "
            "AND is_generated = 'ALWAYS'",
            [self._schema, name],
        )
        return {str(r[0]) for r in rows}

    def declared_columns(self, name: str) -> list[tuple[str, str]]:
        # DESCRIBE looks the one table up; duckdb_columns() lists every column of the file
        # first (20 ms a table among 2,000). Both spell the types alike.
        import duckdb

        try:
            rows = self._query(
                f"SELECT column_name, column_type FROM (DESCRIBE {self.qualify(name)})"
            )
        except duckdb.CatalogException:
            return []  # no such table
        return [(str(r[0]), str(r[1])) for r in rows]

    def tables_present(self, names: list[str]) -> set[str]:
        """Which of ``names`` ``table_exists`` finds, in one query for all of them."""
        return self.tables_present_in(self._schema, names)

    def tables_present_in(self, schema: str, names: list[str]) -> set[str]:
        """``tables_present`` in another schema of the file."""
        if not names:
            return set()
        rows = self._query(
            "SELECT n FROM unnest(?::VARCHAR[]) AS asked(n) WHERE "
            f"{_folded('n')} IN (SELECT {_folded('table_name')} FROM duckdb_tables() "
            "WHERE schema_name = ? AND database_name = current_database() UNION ALL "
            f"SELECT {_folded('view_name')} FROM duckdb_views() WHERE schema_name = ? "
            "AND database_name = current_database())",
            [names, schema, schema],
        )
        return {str(r[0]) for r in rows}

    def table_exists(self, name: str) -> bool:
        rows = self._query(
            # DuckDB's names ignore case: "Users" is there when "users" is asked for.
            f"SELECT 1 FROM duckdb_tables() WHERE schema_name = ? AND {_is_named('table_name')} "
            "AND database_name = current_database() UNION ALL SELECT 1 FROM duckdb_views() WHERE "
            f"schema_name = ? AND {_is_named('view_name')} AND database_name = current_database()",
            [self._schema, name, self._schema, name],
        )
        return bool(rows)

    def describe(
        self, name: str, *, profile: bool = True, workers: int = 1, presume: bool = False
    ) -> Table:
        if not self.table_exists(name):
            raise SchemaError(
                f"table {name!r} not found in schema {self._schema!r} of {self.url.redacted}",
                hint="check the name or pick the schema with --source-schema",
                table=name,
            )
        target = self.qualify(name)
        arrow_schema = self._conn.sql(f"SELECT * FROM {target} LIMIT 0").to_arrow_table().schema
        meta = self._query(
            "SELECT column_name, data_type, is_nullable, column_default, nullif(comment, '') "
            "FROM duckdb_columns() "
            "WHERE schema_name = ? "
            f"AND {_is_named('table_name')} AND database_name = current_database() ORDER BY column_index",
            [self._schema, name],
        )
        generated = self.computed_columns(name)
        collations = column_collations(self._create_sql(name))
        columns = []
        for field, (col_name, data_type, nullable, default, comment) in zip(
            arrow_schema, meta, strict=True
        ):
            arrow_type, notes = _read_type(data_type, _normalise(field.type))
            # A generated column's column_default is its expression, not a default.
            expression = str(default) if col_name in generated else None
            parsed = None if expression is not None else read_default(default, "duckdb")
            columns.append(
                Column(
                    name=col_name,
                    arrow_type=arrow_type,
                    source_type=data_type,
                    nullable=bool(nullable),
                    target_type=_meaning(data_type),
                    duckdb_type=_same_again_on_duckdb(data_type),
                    pg_type=twins.on_postgres(data_type),
                    notes=notes,
                    comment=comment,
                    collation=collations.get(str(col_name).lower()),
                    default=parsed,
                    # A key filled from a sequence (DEFAULT nextval('s')) is assigned by DuckDB.
                    auto_increment=parsed is not None
                    and parsed.kind == "sequence"
                    and not nullable
                    and pa.types.is_integer(arrow_type),
                )
            )
            if columns[-1].auto_increment:
                mark, unused, numbering = self._key_sequence(str(default))
                columns[-1] = replace(
                    columns[-1],
                    key_high_water=mark,
                    key_sequence_unused=unused,
                    key_numbering=numbering,
                )
            columns[-1] = generated_column(columns[-1], expression)
        pk: tuple[str, ...] = ()
        uniques = []
        for kind, cols in self._query(
            "SELECT constraint_type, constraint_column_names FROM duckdb_constraints() WHERE "
            f"schema_name = ? AND {_is_named('table_name')} AND database_name = current_database() AND "
            "constraint_type IN ('PRIMARY KEY', 'UNIQUE')",
            [self._schema, name],
        ):
            if kind == "PRIMARY KEY":
                pk = tuple(cols)
            else:
                made = f"{name}_{'_'.join(cols)}_key"
                uniques.append(Index(made, tuple(cols), True, invented=True))
        split_key = None
        if len(pk) == 1 and pa.types.is_integer(
            next(c for c in columns if c.name == pk[0]).arrow_type
        ):
            split_key = pk[0]
        key_type = next((c.arrow_type for c in columns if c.name == split_key), None)
        if key_type == pa.uint64() and self._keys_past_bigint(target, str(split_key)):
            # Key ranges, resume points and checkpoints are BIGINT: a UBIGINT key past
            # 2**63 - 1 failed the read ("can't be cast ... INT64"), and the split key's
            # checkpoint the run. The table loads as one without a usable key.
            split_key = None
            columns = [
                replace(c, notes=(*c.notes, _UNSIGNED_KEY_NOTE)) if c.name == pk[0] else c
                for c in columns
            ]
        count = int(self._query(f"SELECT count(*) FROM {target}")[0][0])
        indexes, unportable = self._indexes(name, [c.name for c in columns])
        return Table(
            name=name,
            columns=tuple(columns),
            primary_key=pk,
            indexes=(*uniques, *indexes),
            foreign_keys=self._foreign_keys(name),
            not_carried=(*unportable, *self._checks(name)),
            row_count=count,
            split_key=split_key,
            comment=self._table_comment(name),
        )

    def _create_sql(self, name: str) -> str:
        """The table's CREATE TABLE as DuckDB keeps it: the one place a column's collation
        (``VARCHAR COLLATE nocase``) shows."""
        rows = self._query(
            "SELECT sql FROM duckdb_tables() WHERE schema_name = ? AND "
            f"{_is_named('table_name')} AND database_name = current_database()",
            [self._schema, name],
        )
        return str(rows[0][0]) if rows and rows[0][0] is not None else ""

    def _table_comment(self, name: str) -> str | None:
        rows = self._query(
            "SELECT nullif(comment, '') FROM duckdb_tables() WHERE schema_name = ? AND "
            f"{_is_named('table_name')} AND database_name = current_database()",
            [self._schema, name],
        )
        return str(rows[0][0]) if rows and rows[0][0] is not None else None

    def _indexes(self, name: str, columns: list[str]) -> tuple[list[Index], list[str]]:
        """The table's CREATE INDEX indexes on its columns, and those on expressions, which
        no target gets, named for the plan and report. DuckDB gives each as its SQL."""
        found: list[Index] = []
        unportable: list[str] = []
        for index_name, unique, sql in self._query(
            "SELECT index_name, is_unique, sql FROM duckdb_indexes() WHERE schema_name = ? AND "
            f"{_is_named('table_name')} AND database_name = current_database() AND NOT "
            "is_primary ORDER BY index_name",
            [self._schema, name],
        ):
            keys = index_columns(str(sql or ""), columns)
            if keys is None:
                unportable.append(f"index {index_name} (on an expression)")
            else:
                found.append(Index(str(index_name), keys, bool(unique)))
        return found, unportable

    def _checks(self, name: str) -> list[str]:
        """CHECK constraints, which no target gets: named for the plan and report."""
        return [
            f"CHECK constraint {check_name} {str(text).removeprefix('CHECK')}"
            for check_name, text in self._query(
                "SELECT constraint_name, constraint_text FROM duckdb_constraints() WHERE "
                f"schema_name = ? AND {_is_named('table_name')} AND database_name = "
                "current_database() AND constraint_type = 'CHECK' ORDER BY constraint_index",
                [self._schema, name],
            )
        ]

    def _keys_past_bigint(self, target: str, key: str) -> bool:
        """Whether the UBIGINT key column holds a value past BIGINT's largest."""
        column = quote_ident(key)
        rows = self._query(f"SELECT max({column}) > 9223372036854775807 FROM {target}")
        return bool(rows and rows[0][0])

    def keys_pointing_at(self, name: str) -> list[tuple[str, str]]:
        """The foreign keys of other tables that point at table ``name``: (table, definition).
        DuckDB neither drops nor renames a table one points at (``duckdb_replace``)."""
        rows = self._query(
            "SELECT table_name, constraint_text FROM duckdb_constraints() WHERE schema_name = ? "
            f"AND {_is_named('referenced_table')} AND database_name = current_database() "
            f"AND constraint_type = 'FOREIGN KEY' AND NOT {_is_named('table_name')} "
            "ORDER BY 1, 2",
            [self._schema, name, name],
        )
        return [(str(table), str(definition)) for table, definition in rows]

    def _foreign_keys(self, name: str) -> tuple[ForeignKey, ...]:
        """The table's foreign keys (DuckDB's have no ON DELETE/UPDATE actions): carried to
        PostgreSQL and SQLite targets, and waited for when appending into this table."""
        return tuple(
            ForeignKey(tuple(cols), str(parent), tuple(parent_cols), name=key_name)
            for cols, parent, parent_cols, key_name in self._query(
                "SELECT constraint_column_names, referenced_table, referenced_column_names, "
                "constraint_name FROM duckdb_constraints() WHERE schema_name = ? AND "
                f"{_is_named('table_name')} AND database_name = current_database() AND "
                "constraint_type = 'FOREIGN KEY'",
                [self._schema, name],
            )
        )

    def read(
        self,
        table: Table,
        *,
        batch_rows: int,
        key_range: KeyRange | None = None,
        with_key: bool = False,
        batch_bytes: int | None = None,
    ) -> pa.RecordBatchReader:
        key = quote_ident(table.split_key) if table.split_key else None
        schema = read_schema(table, with_key)
        budget = max(CHUNK_BYTES, batch_bytes or 0)
        try:
            found = self._layout(table)
            if found is not None and found.too_wide_to_scan(
                memory_limit_bytes(DUCKDB_MEMORY_LIMIT), self._threads()
            ):
                # Values too large for a scan within the cap: read in pieces of row ids.
                rows = batch_rows_of(found.groups, batch_rows, batch_bytes or CHUNK_BYTES)
                batches = self._read_pieces(
                    table, key, key_range, found.groups, budget, rows, with_key, schema
                )
            elif key is None:  # no order to keep: DuckDB streams the scan
                batches = self._read_range(table, None, None, batch_rows, with_key, schema)
            else:
                # Rows go out in key order (a resumed run continues after the last committed
                # key), and DuckDB sorts all it is asked for before the first row: one sort of
                # a whole table held it all (0.12 MB per 1,000 rows of phase3). Key ranges of a
                # bounded size each are sorted one at a time. Batches are not cut to
                # batch_bytes besides: a chunk holds about CHUNK_BYTES at most, and batches of
                # 1 MiB made phase3 into PostgreSQL 20% slower for no memory saved (DuckDB's
                # own buffer pool is most of it).
                row_bytes = found.row_bytes if found is not None else None
                ranges = self._key_ranges(table, key, key_range, batch_rows, budget, row_bytes)
                batches = self._read_ranges(table, key, ranges, batch_rows, with_key, schema)
        except ArrowmigError:
            raise
        except Exception as exc:
            raise self.translate(exc, f"reading {table.name!r}", table.name) from exc
        return self.guarded_reader(table, schema, batches)

    def count_rows(self, table: Table) -> int:
        """The rows ``read(table)`` streams, counted by DuckDB itself."""
        try:
            return int(self._query(f"SELECT count(*) FROM {self.qualify(table.name)}")[0][0])
        except Exception as exc:
            raise self.translate(exc, f"counting {table.name!r}", table.name) from exc

    def _layout(self, table: Table) -> Layout | None:
        """How the table's values lie in the file, from DuckDB's statistics
        (``duckdb_pieces``); None for what keeps no storage of its own (a view)."""
        try:
            rows = self._query(LAYOUT_SQL, [self.qualify(table.name)])
        except Exception:
            return None
        return layout(rows, len(table.columns))

    def _threads(self) -> int:
        return int(self._query("SELECT current_setting('threads')")[0][0])

    def _select_sql(self, table: Table, key: str | None, with_key: bool) -> str:
        exprs = [_read_expression(c) for c in table.columns]
        if with_key:
            alias = quote_ident(KEY_COLUMN)
            exprs.append(f"{key}::BIGINT AS {alias}" if key else f"NULL::BIGINT AS {alias}")
        return f"SELECT {', '.join(exprs)} FROM {self.qualify(table.name)}"

    def _read_range(
        self,
        table: Table,
        key: str | None,
        key_range: KeyRange | None,
        batch_rows: int,
        with_key: bool,
        schema: pa.Schema,
    ) -> Iterator[pa.RecordBatch]:
        """The typed batches of one query over ``key_range``; it runs before this returns."""
        sql = self._select_sql(table, key, with_key) + key_range_filter(key, key_range)
        if key is not None:
            sql += f" ORDER BY {key}"
        return self._batches_of(table, sql, batch_rows, schema)

    def _batches_of(
        self, table: Table, sql: str, batch_rows: int, schema: pa.Schema
    ) -> Iterator[pa.RecordBatch]:
        try:
            raw = self._conn.sql(sql).to_arrow_reader(batch_rows)
        except Exception as exc:
            raise self.translate(exc, f"reading {table.name!r}", table.name) from exc
        self._open_reads.append(raw)
        return self._typed(raw, schema)

    def _read_ranges(
        self,
        table: Table,
        key: str,
        ranges: list[KeyRange],
        batch_rows: int,
        with_key: bool,
        schema: pa.Schema,
    ) -> Iterator[pa.RecordBatch]:
        """One query per key range, in key order, each read to its end before the next."""
        for key_range in ranges:
            yield from self._read_range(table, key, key_range, batch_rows, with_key, schema)

    def _read_pieces(
        self,
        table: Table,
        key: str | None,
        key_range: KeyRange | None,
        groups: tuple[RowGroup, ...],
        budget: int,
        batch_rows: int,
        with_key: bool,
        schema: pa.Schema,
    ) -> Iterator[pa.RecordBatch]:
        """The rows in pieces of consecutive row ids (``duckdb_pieces.pieces``), one query
        each: in key order for a keyed table (its row ids sorted by key, range by range:
        only the key and row id are sorted), in the file's order otherwise."""
        cap = memory_limit_bytes(DUCKDB_MEMORY_LIMIT)
        select = self._select_sql(table, key, with_key)
        if key is None:
            spans: Iterator[tuple[int, int]] = iter([(0, groups[-1].start + groups[-1].rows)])
            ranges: list[KeyRange | None] = [None]
        else:
            # Ranges of CHUNK_ROWS rows (a budget no row reaches: counted, not sized): the
            # row ids of each are sorted at once.
            ranges = [*self._key_ranges(table, key, key_range, batch_rows, budget=None)]
        for part in ranges:
            if key is not None:
                try:
                    rowids = self._conn.sql(
                        f"SELECT rowid FROM {self.qualify(table.name)}"
                        f"{key_range_filter(key, part)} ORDER BY {key}"
                    ).to_arrow_table()
                except Exception as exc:
                    raise self.translate(exc, f"reading {table.name!r}", table.name) from exc
                spans = runs(rowids.column(0).combine_chunks())
            for first, end in pieces(spans, groups, budget, cap):
                # A run's rows are in key order as they are in row-id order.
                where = f" WHERE rowid >= {first} AND rowid < {end}"
                order = f" ORDER BY {key}" if key is not None else ""
                yield from self._batches_of(table, select + where + order, batch_rows, schema)

    def _key_ranges(
        self,
        table: Table,
        key: str,
        key_range: KeyRange | None,
        batch_rows: int,
        budget: int | None,
        row_bytes: int | None = None,
    ) -> list[KeyRange]:
        """Consecutive key ranges covering ``key_range``, each of about CHUNK_ROWS rows and,
        given a ``budget``, at most about that many bytes: rows of ``row_bytes`` each (from
        DuckDB's statistics), or measured where it keeps none."""
        whole = key_range or KeyRange()
        target = self.qualify(table.name)
        where = key_range_filter(key, key_range)
        measured = budget is not None and row_bytes is None
        size = f"sum({_size_sql(table)})" if measured else "0"
        count, total = self._query(f"SELECT count(*), {size} FROM {target}{where}")[0]
        count, total = int(count or 0), int(total or 0)
        if not measured:
            total = count * (row_bytes or 0)
        chunk_rows = max(CHUNK_ROWS, batch_rows)
        n = max(-(-count // chunk_rows), -(-total // (budget or 1)))
        if n <= 1:
            return [whole]
        # Ranges of equal row counts, from one pass over the key alone; as many as the
        # rows' bytes ask for. (A running sum of the sizes, for ranges of equal bytes, made
        # DuckDB hold every value of a table of blobs.)
        fractions = ", ".join(f"{i / n:.6f}" for i in range(1, n))
        quantiles = f"SELECT approx_quantile({key}, [{fractions}]) FROM {target}{where}"
        (ends,) = self._query(quantiles)[0]
        inside = sorted(
            {
                int(e)
                for e in ends
                if e is not None
                and (whole.after is None or e > whole.after)
                and (whole.upto is None or e < whole.upto)
            }
        )
        return [
            KeyRange(after=after, upto=upto)
            for after, upto in zip([whole.after, *inside], [*inside, whole.upto], strict=True)
        ]

    def _typed(self, raw: Any, schema: pa.Schema) -> Iterator[pa.RecordBatch]:
        try:
            for batch in raw:
                arrays = []
                for i, field in enumerate(schema):
                    arr = batch.column(i)
                    if hasattr(arr, "storage"):
                        arr = arr.storage
                    arrays.append(arr if arr.type == field.type else arr.cast(field.type))
                yield pa.RecordBatch.from_arrays(arrays, schema=schema)
        finally:
            self._forget_read(raw)

    # -- writing --------------------------------------------------------------------------
    def type_refusal(self, type_sql: str, arriving: str | None) -> str | None:
        """Why DuckDB would refuse a column of ``type_sql`` (a --cast), or values of type
        ``arriving`` converted to it; None when it takes both (``type_refusal``)."""
        with self._lock:
            return type_refusal(self._conn, type_sql, arriving)

    def check_names(self, table: Table) -> None:
        refuse_names_a_file_cannot_hold(table, self.dialect)

    def ensure_schema(self) -> None:
        # Once per connection, as into PostgreSQL: a run creates many tables.
        if self._schema_ready:
            return
        schema = qualified(self._schema, self._catalog)  # see qualify
        self._run(f"CREATE SCHEMA IF NOT EXISTS {schema}", "creating schema")
        self._schema_ready = True

    def create_table(self, table: Table) -> None:
        self.ensure_schema()
        target = self.qualify(table.name)
        columns = ", ".join(column_definitions(table, "duckdb"))
        self._run(
            f"CREATE TABLE {target} ({columns})",
            f"creating {table.name!r}",
            table.name,
        )
        # As the table is made: a staging table keeps them as it takes the final name.
        for sql in comment_statements(table, target):
            self._run(sql, f"commenting {table.name!r}", table.name)

    def table_dressing(
        self, name: str, columns: Collection[str], moved: Collection[str]
    ) -> list[Dressing]:
        """What table ``name`` has beyond what a new table of its name with ``columns`` gets
        from the source (``duckdb_dressing``): a replace builds a new table, and these would
        go with the old one."""
        return read_duckdb_dressing(self._query, self.qualify(name), self._schema, name, columns)

    def still_to_give(self, table: Table, dressing: list[Dressing]) -> list[Dressing]:
        """``dressing`` less what the new ``table``, in place, has."""
        have = present(self._query, self.qualify(table.name), self._schema, table.name)
        dressing = of_same_type(dressing, column_types(self._query, self._schema, table.name))
        return still_to_give(dressing, *have)

    def planned_dressing(
        self, table: Table, moved: Collection[str], *, keep_backup: bool = False
    ) -> list[Dressing]:
        """What ``--mode replace`` would give the new ``table`` from the one of its name, told
        before it is built (``still_to_give`` once it is)."""
        dressing = self.table_dressing(table.name, [c.name for c in table.columns], moved)
        dressing = of_same_type(dressing, planned_types(self._query, table))
        return self._tried(table, still_to_give(dressing, *planned(table)))

    def _tried(self, table: Table, dressing: list[Dressing]) -> list[Dressing]:
        """``dressing`` tried (``stand_in``) on a temporary table built as the run builds
        ``table``, under its name (an error may name the table), dropped again: this
        connection's own, and made in a file opened read-only too; ``dressing`` as it is
        where no such table can be built (a type the run creates first)."""
        if not to_try(dressing):
            return dressing
        stand_in = qualified(table.name, "main", "temp")
        columns = ", ".join(column_definitions(table, "duckdb"))
        try:
            self._run(f"CREATE TEMP TABLE {stand_in} ({columns})", "building a stand-in")
        except ArrowmigError:
            return dressing
        try:
            return tried(dressing, stand_in, self.execute)
        finally:
            self._run(f"DROP TABLE IF EXISTS {stand_in}", "dropping a stand-in")

    def drop_table(self, name: str) -> None:
        self._run(f"DROP TABLE IF EXISTS {self.qualify(name)}", f"dropping {name!r}", name)

    def truncate_table(self, name: str) -> None:
        self._run(f"DELETE FROM {self.qualify(name)}", f"emptying {name!r}", name)

    def existing_table(self, name: str) -> Table:
        # With its foreign keys, which DuckDB checks as each row arrives: a run loads the
        # tables they point at first.
        return self.describe(name, profile=False)

    def param(self, index: int) -> str:
        return f"${index}"

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Run one statement in its own transaction; rows if it returns any."""
        with self._lock:
            try:
                result = self._conn.execute(sql, list(params))
                rows: list[tuple[Any, ...]] = result.fetchall() if result.description else []
            except Exception as exc:
                raise self.translate(exc, "running a statement") from exc
        return rows

    def run_in_transaction(
        self, statements: list[str], what: str, table: str | None = None
    ) -> None:
        """Several statements that take effect together or not at all."""
        with self._lock:
            try:
                self._conn.begin()
                for sql in statements:
                    self._conn.execute(sql)
                self._conn.commit()
            except Exception as exc:
                self._rollback()
                raise self.translate(exc, what, table) from exc

    def write_batch(
        self,
        table: Table,
        batch: pa.RecordBatch,
        *,
        after: tuple[str, tuple[Any, ...]] | None = None,
    ) -> None:
        zeros = lost_zeros.count(batch, table, "duckdb")  # of the floats, before the wire's
        batch = to_wire(batch, table, "duckdb")
        cols = ", ".join(quote_ident(c.name) for c in table.columns)
        with self._lock:
            self._insert(table, batch, cols, after)
        # Counted once committed: a batch that failed and is tried again counts once.
        lost_zeros.add(self._zeros_key(table.name), zeros)

    def _zeros_key(self, name: str) -> tuple[str, str, str]:
        return (self.url.target, self._schema, name)

    def pop_notes(self, name: str, shown: str | None = None) -> list[str]:
        """What the writes into ``name`` changed that the report must say (``shown``: the
        table's own name where ``name`` is its staging table)."""
        return lost_zeros.notes(self._zeros_key(name), shown or name, "duckdb")

    def _insert(
        self,
        table: Table,
        batch: pa.RecordBatch,
        cols: str,
        after: tuple[str, tuple[Any, ...]] | None,
    ) -> None:
        # DuckDB finds the batch through its replacement scan of this local variable.
        # register()/from_arrow() raced inside DuckDB when several connections of one
        # process inserted at once ("python_arrow_scan does not exist"); this did not.
        _arrowmig_batch = batch
        try:
            self._conn.begin()
            self._conn.execute(
                f"INSERT INTO {self.qualify(table.name)} ({cols}) SELECT * FROM _arrowmig_batch"
            )
            if after is not None:
                self._conn.execute(after[0], list(after[1]))
            self._conn.commit()
        except Exception as exc:
            self._rollback()
            raise self.translate(exc, f"writing {table.name!r}", table.name) from exc

    def finish_table(self, table: Table) -> TableLoad:
        sequences = any(takes_key_sequence(c, self.dialect) for c in table.columns)
        try:
            with leaving(*([KEY_SEQUENCES_LEFT] if sequences else [])):
                load = build_keys(
                    self,
                    table,
                    self._primary_key_in_place(table),
                    self.index_names_taken(table.name, table.indexes),
                )
        except TransferError as exc:
            if out_of_memory(str(exc)):
                exc.hint = _index_memory_hint()  # the table is --resume's to finish, with more
            raise
        load.skipped.extend(self.pop_notes(table.name))
        self.add_key_sequences(table, load)
        self._checkpoint_when_held()
        return load

    def _primary_key_in_place(self, table: Table) -> set[str]:
        """The primary key, when the table holds it already as asked: built by a run that was
        stopped before it recorded the table loaded (a second ALTER TABLE ADD PRIMARY KEY is
        refused, and the key would be reported as not built)."""
        if not table.primary_key:
            return set()
        rows = self._query(
            "SELECT constraint_column_names FROM duckdb_constraints() WHERE schema_name = ? AND "
            "lower(table_name) = lower(?) AND database_name = current_database() AND "
            "constraint_type = 'PRIMARY KEY'",
            [self._schema, table.name],
        )
        there = [tuple(r[0]) for r in rows]
        return {primary_key_label(table.primary_key)} if table.primary_key in there else set()

    def index_names_taken(
        self, table: str, indexes: Sequence[Index], *, replacing: bool = False
    ) -> dict[str, str]:
        """Those of ``indexes`` (to build on ``table``) whose name an index of another table
        of the schema holds, each with why it cannot be built (CREATE INDEX IF NOT EXISTS
        would pass over it in silence). One of ``table``'s own by that name is an earlier
        attempt's, or (``replacing``) goes with the replaced table."""
        wanted = {i.name.lower(): i for i in indexes}
        if not wanted:
            return {}
        rows = self._query(
            "SELECT index_name, table_name FROM duckdb_indexes() WHERE schema_name = ? AND "
            "database_name = current_database() AND lower(table_name) <> lower(?) AND "
            "list_contains(?, lower(index_name))",  # not every index of the file, each table
            [self._schema, table, list(wanted)],
        )
        return {
            index_label(wanted[str(n).lower()], "duckdb"): index_name_taken(
                wanted[str(n).lower()].name, f"an index of {t!r}"
            )
            for n, t in rows
            if str(n).lower() in wanted
        }

    def _checkpoint_when_held(self) -> None:
        """Have DuckDB write what it holds in memory to the file (CHECKPOINT) once that
        passes a quarter of its memory limit. A table's indexes (about 0.8 MB for a primary
        key, however few its rows) stay in memory until a checkpoint, which DuckDB makes by
        itself only as its log grows past 16 MB: 2,000 small tables with a key each ran it
        out of memory after some 700. After a checkpoint they are blocks of the file, which
        the buffer pool lets go of as it needs."""
        with self._lock:
            ((held,),) = self._query(
                "SELECT coalesce(sum(memory_usage_bytes), 0) FROM duckdb_memory() "
                "WHERE tag IN ('ART_INDEX', 'IN_MEMORY_TABLE')"
            )
            if held < memory_limit_bytes(DUCKDB_MEMORY_LIMIT) // 4:
                return
            # Only memory is at stake: the rows are in DuckDB's log either way, and DuckDB
            # checkpoints again as it closes the file.
            with contextlib.suppress(Exception):
                self._conn.execute("CHECKPOINT")

    def advance_key_sequences(self, table: Table, load: TableLoad) -> None:
        """After rows were added to an existing table: move each sequence behind a column's
        default (nextval) past the furthest value now in the column in its direction (the
        largest, the smallest for one counting down), never back."""
        target = self.qualify(table.name)
        defaults = self._query(
            "SELECT column_name, column_default FROM duckdb_columns() WHERE schema_name = ? AND "
            f"{_is_named('table_name')} AND database_name = current_database() AND "
            "column_default LIKE 'nextval(%'",
            [self._schema, table.name],
        )
        for column, default in defaults:
            found = _NEXTVAL.fullmatch(str(default))
            if found is None:
                continue
            text = found.group(1).replace("''", "'")
            schema, name = _sequence_name(text, self._schema)
            try:
                state = self.execute(
                    "SELECT coalesce(last_value, start_value - increment_by), increment_by, "
                    "min_value, max_value, cycle FROM duckdb_sequences() WHERE "
                    f"{_is_named('schema_name')} AND {_is_named('sequence_name')} AND "
                    "database_name = current_database()",
                    (schema, name),
                )
                if not state:
                    continue
                last, step, least, largest, cycle = state[0]
                last, descending = int(last), int(step) < 0
                extreme = "min" if descending else "max"
                ((key,),) = self.execute(f"SELECT {extreme}({quote_ident(column)}) FROM {target}")
                if key is None or (int(key) >= last if descending else int(key) <= last):
                    continue
                self.execute("SELECT setval(?, ?)", (text, int(key)))
                # One left with no value to hand out (a key at its type's largest) is said
                # to be used up, as PostgreSQL's append says it: the next insert fails.
                used_up = not cycle and not int(least) <= int(key) + int(step) <= int(largest)
                way = "used up at" if used_up else "moved below" if descending else "moved past"
                load.built.append(f"key sequence {text} {way} {int(key):,}")
            except TransferError as exc:
                raise_if_resumable(exc, KEY_SEQUENCES_LEFT)  # --resume moves it (never back)
                load.skipped.append(f"key sequence {text} not moved past the appended keys: {exc}")

    def _key_sequence(self, default: str) -> tuple[int | None, bool, KeyNumbering | None]:
        """The last value the sequence of a ``nextval('s')`` default handed out (past the
        largest key when the rows above were deleted), or None, whether it has handed none
        out yet, and how it steps. A sequence never called (its last_value NULL) hands out
        its start next: one step before it, which is past the loaded keys when arrowmig
        started it past a SQLite AUTOINCREMENT's deleted ones."""
        found = _NEXTVAL.search(default)
        if found is None:
            return None, False, None
        schema, name = _sequence_name(found.group(1), self._schema)
        rows = self._query(
            "SELECT coalesce(last_value, start_value - increment_by), last_value IS NULL, "
            "increment_by, min_value, max_value, cycle FROM duckdb_sequences() WHERE "
            "schema_name = ? AND sequence_name = ? AND database_name = current_database()",
            [schema, name],
        )
        if not rows:
            return None, False, None
        last, unused, *steps = rows[0]
        return (None if last is None else int(last)), bool(unused), numbering_of(*steps)

    def add_key_sequences(self, table: Table, load: TableLoad) -> None:
        """Give each auto-assigned integer key of a created table a sequence as its default,
        stepping as the source's did (``kept_numbering``: its increment, bounds and CYCLE),
        its next value past the loaded keys in its direction: keys arrived as explicit
        values, and the next insert that leaves the key out must get a fresh one, as it did
        in the source."""
        target = self.qualify(table.name)
        for col in table.columns:
            if not takes_key_sequence(col, self.dialect):
                continue
            options = kept_numbering(col, self.dialect)
            numbering = col.key_numbering if options else None
            within = bounds(numbering, ddl_type(col, self.dialect))
            assert within is not None  # the default numbering fits every integer type
            name = self._free_sequence_name(key_sequence_name(table.name, col), table.name)
            sequence = self.qualify(name)
            sequence_text = quote_literal(self._stored_name(name))
            descending = numbering is not None and numbering.descending
            try:
                ((loaded,),) = self.execute(
                    f"SELECT {'min' if descending else 'max'}({quote_ident(col.name)}) FROM {target}"
                )
                mark = furthest(descending, loaded, col.key_high_water)
                if mark is None:  # nothing loaded, nothing handed out: its first value
                    value, called = within[1] if descending else within[0], False
                else:
                    value, called = restart(numbering, within, mark)
                # A sequence left by an earlier run's table, now dropped, is replaced (one
                # another table still draws from, a --keep-backup backup, has been passed by).
                # The key's own default, set by an attempt stopped before the table was
                # recorded loaded, is dropped first: DuckDB will not replace what it draws from.
                what = f"creating the key sequence of {table.name!r}"
                column = quote_ident(col.name)
                self._run(f"ALTER TABLE {target} ALTER COLUMN {column} DROP DEFAULT", what)
                self._run(
                    f"CREATE OR REPLACE SEQUENCE {sequence} {options or ''} START WITH {value}",
                    what,
                )
                if called:
                    self._run(f"SELECT setval({sequence_text}, {value})", what)
                self._run(
                    f"ALTER TABLE {target} ALTER COLUMN {column} SET DEFAULT nextval({sequence_text})",
                    what,
                    table.name,
                )
            except TransferError as exc:
                # Cut short by a stop: --resume creates it (its attempt's default dropped first).
                raise_if_resumable(exc, KEY_SEQUENCES_LEFT)
                load.unkept_keys[col.name] = (
                    f"its sequence {name} was not created, so inserts must give the key: {exc}"
                )
                continue
            following = next_value(numbering, within, value, called)
            after = f"next {following:,}" if following is not None else f"used up at {value:,}"
            if following is None:
                load.used_up_keys.add(col.name)
            load.built.append(
                f"sequence {name} for {col.name} ({options + ', ' if options else ''}{after})"
            )


_UNSIGNED_KEY_NOTE = (
    "key values past 2^63 - 1: the table is read as one without a usable key (not split, "
    "and a resumed run loads it again from the start)"
)

_NEXTVAL = re.compile(r"nextval\('((?:[^']|'')+)'\)")
_NAME_PART = re.compile(r'"((?:[^"]|"")*)"|([^."]+)')


def _sequence_name(text: str, schema: str) -> tuple[str, str]:
    """(schema, name) of a sequence as a default's nextval('...') names it."""
    parts = [
        quoted.replace('""', '"') if quoted else bare for quoted, bare in _NAME_PART.findall(text)
    ]
    return (parts[-2] if len(parts) > 1 else schema), parts[-1]


_INDEX_KEY = re.compile(r'\s*(?:"((?:[^"]|"")+)"|([^\s",()]+))\s*')


def index_columns(sql: str, columns: list[str]) -> tuple[str, ...] | None:
    """The columns a ``CREATE [UNIQUE] INDEX name ON table (keys);`` indexes, by their names
    in the table, or None when a key is an expression (or the SQL is not of that form)."""
    keys = split_top_level(_last_parenthesised(sql.strip().rstrip(";").rstrip()))
    if not keys:
        return None
    by_folded = {c.lower(): c for c in columns}  # DuckDB's names ignore case
    found = []
    for key in keys:
        m = _INDEX_KEY.fullmatch(key)
        name = None if m is None else (m.group(1).replace('""', '"') if m.group(1) else m.group(2))
        if name is None or name.lower() not in by_folded:
            return None
        found.append(by_folded[name.lower()])
    return tuple(found)


def _last_parenthesised(sql: str) -> str:
    """What the last, outermost parentheses of ``sql`` (which must end with one) hold; quoted
    names and strings may hold parentheses of their own."""
    if not sql.endswith(")"):
        return ""
    depth, quote, start = 0, "", -1
    for i, ch in enumerate(sql):
        if quote:
            quote = "" if ch == quote else quote  # a doubled quote closes and reopens
        elif ch in "\"'":
            quote = ch
        elif ch == "(":
            if depth == 0:
                start = i
            depth += 1
        elif ch == ")":
            depth -= 1
    return sql[start + 1 : -1] if start >= 0 and depth == 0 else ""


def _index_memory_hint() -> str:
    """What to do when DuckDB ran out of memory building a key or index."""
    return (
        f"DuckDB builds an index in memory, and arrowmig caps DuckDB at {DUCKDB_MEMORY_LIMIT} "
        "to keep memory flat: run the same command with --resume and "
        "ARROWMIG_DUCKDB_MEMORY_LIMIT=4GB (or more) in the environment, which builds it"
    )


def _is_named(column: str) -> str:
    """SQL: ``column`` holds the name the next ``?`` gives, as DuckDB's catalog compares names:
    only A-Z fold to a-z (names.folded). Its lower() folds "Ö" to "ö" as well, two tables
    there."""
    return f"{_folded(column)} = {_folded('?')}"


def _folded(expression: str) -> str:
    """SQL: ``expression`` with A-Z folded to a-z, as DuckDB's catalog folds names."""
    return f"translate({expression}, '{_UPPER}', '{_LOWER}')"


_UPPER, _LOWER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz"


def _normalise(arrow_type: pa.DataType) -> pa.DataType:
    if isinstance(arrow_type, pa.ExtensionType):
        return _normalise(arrow_type.storage_type)
    if pa.types.is_timestamp(arrow_type) and arrow_type.tz:
        return pa.timestamp(arrow_type.unit, tz="UTC")
    if pa.types.is_dictionary(arrow_type):
        return _normalise(arrow_type.value_type)  # ENUM: its labels, as text
    return arrow_type


def type_refusal(connection: Any, type_sql: str, arriving: str | None) -> str | None:
    """Why DuckDB refuses a column of ``type_sql``, or values of ``arriving`` cast to it, on
    ``connection`` (one in memory when the target file does not exist yet); None when it takes
    both. DuckDB finds a missing conversion only as it converts a value, so one sample value
    is converted, and only a missing conversion counts (the sample's own value may not fit)."""
    if connection is None:
        with contextlib.closing(connect_duckdb()) as in_memory:
            return type_refusal(in_memory, type_sql, arriving)
    try:
        connection.execute(f"SELECT CAST(NULL AS {type_sql})").fetchall()
    except Exception as exc:
        return short_driver_message(exc)
    if arriving is None:
        return None
    upper = arriving.upper()
    sample = "2000-01-01" if upper.startswith(("DATE", "TIMESTAMP")) else "0"
    sample = "false" if upper == "BOOLEAN" else sample
    try:
        connection.execute(
            f"SELECT CAST(x AS {type_sql}) FROM (SELECT CAST('{sample}' AS {arriving}) AS x)"
        ).fetchall()
    except Exception as exc:
        if "Unimplemented type for cast" in str(exc):
            return f"DuckDB cannot convert {arriving} values to {type_sql.upper()}"
    return None

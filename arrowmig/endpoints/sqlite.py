"""SQLite through ADBC: profiled, typed reads in rowid order; batched, crash-safe writes."""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
import urllib.parse
from collections.abc import Callable, Collection, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from arrowmig.argument_words import cast_of_column, cast_option
from arrowmig.auto_keys import autoincrement_key
from arrowmig.defaults import column_suffix, read_default
from arrowmig.duplicate_keys import duplicate_key_hint
from arrowmig.endpoints import lost_zeros
from arrowmig.endpoints.common import (
    KEY_COLUMN,
    KEY_SEQUENCES_LEFT,
    BaseEndpoint,
    build_keys,
    holds_sqlite_header,
    index_name_taken,
    key_range_filter,
    leaving,
    raise_if_resumable,
    read_schema,
    short_driver_message,
)
from arrowmig.endpoints.ctrl_c import deliver_ctrl_c
from arrowmig.endpoints.limits import refuse_names_a_file_cannot_hold
from arrowmig.endpoints.load_triggers import sqlite_load_triggers
from arrowmig.endpoints.pg_dressing import Dressing, still_to_give
from arrowmig.endpoints.sqlite_busy import LOCKED, write_in_turns
from arrowmig.endpoints.sqlite_counter import ROWID_LARGEST, used_up_counter, used_up_note
from arrowmig.endpoints.sqlite_damage import damaged_file
from arrowmig.endpoints.sqlite_ddl import column_collations, count_checks
from arrowmig.endpoints.sqlite_dressing import planned, present, read_sqlite_dressing
from arrowmig.endpoints.sqlite_foreign_keys import (
    CHECKED_FILE_BYTES,
    read_foreign_keys,
    rows_breaking,
)
from arrowmig.endpoints.sqlite_keys import keys_the_target_cannot_build
from arrowmig.endpoints.sqlite_keys_into import unheld_keys_into
from arrowmig.endpoints.sqlite_profile import (
    Scan,
    presume_columns,
    presumed_profile,
    profile_table,
)
from arrowmig.endpoints.sqlite_proofs import (
    FirstMisfit,
    StoredValue,
    check_unproven_classes,
    driver_surprise,
    stored_words,
    typed_arrays,
)
from arrowmig.endpoints.sqlite_repeated_keys import (
    staged_key_value,
    with_key_value,
    with_selected_key_value,
)
from arrowmig.endpoints.sqlite_tryout import keys_into, tried
from arrowmig.endpoints.sqlite_types import (
    choose,
    primer_literal,
    read_expression,
    unproven_class_column,
)
from arrowmig.endpoints.sqlite_virtual import (
    contentless_fts4_rows,
    contentless_note,
    is_contentless_fts4,
    lost_index,
    shadow_owners,
)
from arrowmig.endpoints.sqlite_wal import wal_folder_error
from arrowmig.errors import (
    ArrowmigError,
    ConnectError,
    DamagedFile,
    DataError,
    SchemaError,
    TransferError,
)
from arrowmig.folders import refuse_unwritable_file
from arrowmig.model import (
    ROWID_NAMES,
    Column,
    ForeignKey,
    Index,
    KeyRange,
    Table,
    TableLoad,
)
from arrowmig.schema import (
    ddl_type,
    foreign_key_clause,
    index_label,
    key_statements,
    qualified,
    quote_ident,
    to_wire,
)
from arrowmig.urls import EndpointUrl

_BATCH_OPTION = "adbc.sqlite.query.batch_rows"
_LOCKED_HINT = (
    "another connection holds a transaction open on it (a sqlite3 shell inside BEGIN, a long "
    "read or write): end it, then run the same command again"
)
BUSY_TIMEOUT_MS = 60_000
HEADER_PRAGMAS = ("user_version", "application_id")
"""The numbers in a file's header that its application sets and reads (0: none); see
sqlite_header.py."""
BUILT_IN_COLLATIONS = frozenset({"BINARY", "NOCASE", "RTRIM"})
"""The collations every SQLite connection has. Any other is registered by an application on
its own connections, and SQLite refuses here any statement that would compare under it or
open an index ordered by it ("no such collation sequence"), though it reads the values."""
_JOURNAL_MODES = ("delete", "truncate", "persist", "memory", "wal", "off")
"""SQLite's journal modes: a recorded one is put back only if it is one of them."""
_SOURCE_ALIAS = "arrowmig_source"
"""The schema name a SQLite source file is attached as, to be copied by SQLite itself."""
"""How long a statement waits for a lock another process holds before failing (busy)."""
PROFILE_PART_ROWS = 250_000
"""A table whose rowids span more than this is profiled in parts at once, one per worker:
profiling is a full scan on one core, and one big table would otherwise leave the others idle."""
PROFILE_PART_COLUMNS = 20
"""The columns a table may have for ``PROFILE_PART_ROWS`` to apply as it is: the scan costs
per value, so a wider table is split at proportionally fewer rows (300 columns: 16,667)."""
WIDTH_SAMPLE_ROWS = 512
"""Rows sampled to size a table's batches."""
WIDE_BATCH_FACTOR = 4
"""A table whose widest sampled row, times the batch's rows, passes this many batch_bytes is
read in key ranges of about batch_bytes each, not in batches of a fixed row count."""

READ_CACHE_PRAGMA = "cache_size=-256"
"""Page cache of a connection that only reads (256 KiB; SQLite's default is 2 MB): a scan
reads each page once, so a bigger cache only holds memory (README, "Where the memory goes").
A connection that writes gets the default back (WRITE_CACHE_PRAGMA): index builds sort in it."""
WRITE_CACHE_PRAGMA = "cache_size=-2000"
"""SQLite's own default page cache, for a connection that writes (a bigger one made index
builds slower here: 0.77 -> 1.5 s for one index of 2M rows with 64 MiB)."""
SORT_THREADS_PRAGMA = f"threads={min(4, os.cpu_count() or 1)}"
"""Helper threads for SQLite's sorter, which builds indexes (SQLite's default is none). The
file has one writer, so while one stream builds a table's indexes the others can only read:
its sort takes the idle core. One index of 2M rows: 0.77 -> 0.65 s, 1.31 -> 0.96 s."""

# SQLite has one writer per file: the streams of one run that write the same file take
# turns through this lock instead of failing with "database is locked".
_write_locks: dict[str, threading.Lock] = {}
_write_locks_guard = threading.Lock()


# Values of -0.0 written per (file, table) and column: SQLite stores them as 0.0, and the
# report says so.
_negative_zeros: dict[tuple[str, str], dict[str, int]] = {}


def _count_negative_zeros(batch: pa.RecordBatch) -> dict[str, int]:
    found = {}
    for name, array in zip(batch.schema.names, batch.columns, strict=True):
        if pa.types.is_floating(array.type):
            count = lost_zeros.negative_zeros(array)
            if count:
                found[name] = count
    return found


_NO_TRANSACTION = "no transaction is active"
"""SQLite's words for a COMMIT or ROLLBACK with no transaction open (``_rollback``)."""


def _write_lock(path: Path) -> threading.Lock:
    key = os.path.realpath(path)
    with _write_locks_guard:
        return _write_locks.setdefault(key, threading.Lock())


def _size_sql(table: Table) -> str:
    """About the Arrow bytes of one row, from the stored values: 8 bytes per number, the bytes
    plus a 4-byte offset per text or blob. octet_length reads a blob's or a text's size from
    the record header, without loading the value itself."""
    return (
        " + ".join(
            f"(CASE typeof({q}) WHEN 'null' THEN 1 WHEN 'integer' THEN 8 WHEN 'real' THEN 8 "
            f"ELSE 4 + octet_length({q}) END)"
            for q in (quote_ident(c.name) for c in table.columns)
        )
        or "0"
    )


def _open_error(target: str, exc: BaseException) -> ConnectError:
    """Why a SQLite file that exists cannot be read, with what to do about it."""
    reason = short_driver_message(exc).removeprefix("Failed to prepare query: ")
    if "readonly database" in reason and _hot_journal(target):
        # SQLite reads such a file only by rolling the journal back into it first: a write,
        # which a source's read-only connection may not make.
        return ConnectError(
            f"cannot read SQLite file {target!r}: its -journal file holds a transaction a "
            "writer left unfinished (it stopped mid-write), and SQLite must roll that back "
            "into the file before reading it; arrowmig only reads a source",
            hint=f"have SQLite roll it back (sqlite3 {target} 'PRAGMA quick_check'), in place "
            f"or in a copy made with its journal (cp {target} {target}-journal DIR), and read "
            "the file then",
        )
    if "readonly database" in reason:
        return ConnectError(
            f"cannot read SQLite file {target!r}: it is in WAL mode, and SQLite must write "
            "beside it (its -shm index) to read it, which this user may not",
            hint="copy the file (with its -wal file, if there is one) to a folder you may "
            "write, and read the copy; or run as a user who may write the file and its folder",
        )
    damaged = damaged_file(exc, target)
    if damaged is not None:
        return damaged
    if LOCKED.search(reason):
        return ConnectError(
            f"cannot open SQLite file {target!r}: it is locked by another process "
            f"(waited {BUSY_TIMEOUT_MS // 1000} s)",
            hint=_LOCKED_HINT,
        )
    return ConnectError(f"cannot open SQLite file {target!r}: {reason}")


def read_only_uri(path: str) -> str:
    """The URI that opens the SQLite file at ``path`` so that nothing can be written to it."""
    return "file:" + urllib.parse.quote(os.path.abspath(path)) + "?mode=ro"


def _hot_journal(target: str) -> bool:
    """A rollback journal left beside the file (empty or absent once a transaction ends)."""
    try:
        return os.path.getsize(f"{target}-journal") > 0
    except OSError:
        return False


def _connect_error(target: str, path: Path, exc: Exception) -> ConnectError:
    """Why the driver could not open a file. For one this user may not read, its own words
    are "failed to allocate memory", which sends the user looking at memory. (Asked with
    access(), not by opening the file: closing a descriptor drops this process's locks on
    it, a reader's too.)"""
    if path.exists() and not os.access(path, os.R_OK):
        return ConnectError(
            f"cannot read SQLite file {target!r}: permission denied",
            hint="run as a user who may read it, or give this user read permission on it",
        )
    return ConnectError(f"cannot open SQLite file {target!r}: {exc}")


class SQLiteEndpoint(BaseEndpoint):
    """One ADBC connection to a SQLite file."""

    dialect = "sqlite"

    def __init__(
        self,
        url: EndpointUrl,
        schema: str | None = None,
        *,
        create: bool = False,
        read_only: bool = False,
    ) -> None:
        super().__init__(url, None)
        path = Path(url.target)
        if not path.exists():
            if not create:
                raise ConnectError(
                    f"SQLite file {url.target!r} does not exist",
                    hint="check the path (sqlite:///rel.db is relative, sqlite:////abs.db absolute)",
                )
        elif path.is_dir():
            raise ConnectError(
                f"{url.target!r} is a directory, not a SQLite file",
                hint="name the SQLite file itself (a path to a file, not to a folder)",
            )
        elif not create and path.stat().st_size == 0:
            # What sqlite3 leaves after opening a mistyped name: never a database to copy.
            raise ConnectError(
                f"SQLite file {url.target!r} is empty (0 bytes): it holds no tables",
                hint="check the path (sqlite3 creates an empty file for a name it is given)",
            )
        if create:
            refuse_unwritable_file(url.target, self.dialect)
        import adbc_driver_sqlite.dbapi as sqlite_dbapi

        deliver_ctrl_c()

        self._created_file = not path.exists()
        self._path = os.fspath(path)
        # A file only read (a source, a plan's or verify's side) is opened read-only: a
        # read-write connection, the last one to close, folds a -wal file left beside the
        # file into it and deletes -wal and -shm, rewriting a source that plan promises not
        # to touch (a copied browser profile, evidence kept byte for byte).
        self._opened_as = read_only_uri(self._path) if read_only else self._path
        try:
            self._conn = sqlite_dbapi.connect(self._opened_as)
        except Exception as exc:
            raise _connect_error(url.target, path, exc) from exc
        self._cursor = self._conn.cursor()
        self._lock_key = os.path.realpath(path)
        self._lock = _write_lock(path)
        self._attached: str | None = None
        self._attached_path = ""
        self._busy_timeout_ms = BUSY_TIMEOUT_MS
        try:
            # The first statements read the file's header: a damaged file, or a WAL file this
            # user may not write, fails here.
            self._pragma(f"busy_timeout={self._busy_timeout_ms}")
            self._pragma(READ_CACHE_PRAGMA)
            self._query("SELECT count(*) FROM sqlite_schema")
        except BaseException as exc:
            with contextlib.suppress(Exception):
                self._conn.close()
            if not isinstance(exc, Exception):
                # A signal to stop as the file opens: closed here, not by the garbage
                # collector as Python exits (with a traceback for the statement left open).
                raise
            # The header is read only now, when SQLite has refused the file: closing any
            # descriptor of a file drops every POSIX lock this process holds on it, and a read
            # of it beside another connection's read transaction let an outside writer commit
            # under that reader (SQLite then read "database disk image is malformed").
            if path.stat().st_size > 0 and not holds_sqlite_header(path):
                raise _not_sqlite(url.target) from exc
            wal = wal_folder_error(url.target, path, short_driver_message(exc))
            raise (wal or _open_error(url.target, exc)) from exc
        self._write_mode_set = False
        self._journal_mode: str | None = None
        self._binary_selects: dict[str, str | None] = {}
        self._encoding: str | None = None

    # -- both sides -------------------------------------------------------------------------
    def close(self) -> None:
        self.end_reads()
        self._rollback()
        if self._attached is not None:
            # Detached first: the journal mode restored below would apply to it too.
            with contextlib.suppress(Exception):
                self._conn.adbc_connection.set_autocommit(True)
                self._execute(f"DETACH DATABASE {_SOURCE_ALIAS}")
        if self._write_mode_set and self._journal_mode and self._journal_mode != "wal":
            # Succeeds only for the last connection to the file; others leave WAL on, and at
            # once: waiting (busy_timeout) for a worker's connection closed after this one kept
            # a run stopped before its first batch from exiting for a minute.
            with contextlib.suppress(Exception):
                self._pragma("busy_timeout=0")
                self._pragma(f"journal_mode={self._journal_mode}")
        try:
            self._cursor.close()
        finally:
            self._conn.close()
            self._remove_if_never_written()

    def _remove_if_never_written(self) -> None:
        """A target file this connection created and nothing was written to (a run refused
        at planning) is removed, not left behind empty."""
        path = Path(self._path)
        with contextlib.suppress(OSError):
            if self._created_file and path.stat().st_size == 0:
                path.unlink()

    def _query(self, sql: str, params: tuple[Any, ...] | None = None) -> list[tuple[Any, ...]]:
        try:
            if params:
                self._cursor.execute(sql, params)
            else:
                self._cursor.execute(sql)
            rows: list[tuple[Any, ...]] = self._cursor.fetchall()
        except Exception as exc:
            # A damaged page is met by whichever statement reads it first (a count, a key's
            # bounds, a profile): each says so alike, never as an unexpected driver error.
            damaged = self._damaged(exc)
            if damaged is not None:
                raise damaged from exc
            raise
        if self._conn.adbc_connection.get_option("adbc.connection.autocommit") != "true":
            # End the read transaction: a WAL read snapshot kept open would make this
            # connection's next write fail (SQLITE_BUSY_SNAPSHOT) once another one commits.
            self._rollback()
        return rows

    def _execute(self, sql: str) -> None:
        self._cursor.execute(sql)

    def _rollback(self) -> None:
        """Roll back after a failure, and begin again where SQLite already ended the
        transaction itself (a COMMIT, or a statement without a statement journal, that met a
        full disk, memory or an I/O error rolls the whole transaction back). The driver does
        not notice: it takes no new BEGIN, every later statement commits on its own (a
        checkpoint row before the work it records), and each COMMIT and ROLLBACK fails with
        "no transaction is active", hiding the full disk that caused it."""
        try:
            self._conn.rollback()
        except Exception as exc:
            if _NO_TRANSACTION not in str(exc):
                return  # a connection that failed: its first error is the one to tell
            if self._conn.adbc_connection.get_option("adbc.connection.autocommit") == "true":
                return
            with contextlib.suppress(Exception):
                self._cursor.execute("BEGIN")

    def _pragma(self, pragma: str) -> list[tuple[Any, ...]]:
        # PRAGMAs that change the journal cannot run inside the DB-API's open transaction:
        # flip autocommit on for the pragma only (the connection was opened with it off, so
        # commit() keeps working afterwards).
        self._rollback()
        self._conn.adbc_connection.set_autocommit(True)
        try:
            return self._query(f"PRAGMA {pragma}")
        finally:
            self._conn.adbc_connection.set_autocommit(False)

    def list_tables(self) -> list[str]:
        # pragma_table_list tells ordinary tables from virtual ones (FTS5, R*Tree) and from
        # the shadow tables that hold a virtual table's own storage: copied as rows, those
        # would be a full-text index's B-tree pages, meaningless anywhere else.
        rows = self._query(
            "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' "
            "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
            "AND name NOT LIKE '\\_arrowmig\\_%' ESCAPE '\\' ORDER BY name"
        )
        return [r[0] for r in rows]

    def own_named_tables(self) -> list[str]:
        """The tables ``list_tables`` leaves out as arrowmig's own, by their name."""
        rows = self._query(
            "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' "
            "AND name LIKE '\\_arrowmig\\_%' ESCAPE '\\' ORDER BY name"
        )
        return [r[0] for r in rows]

    def shadow_tables(self) -> dict[str, tuple[str, str]]:
        """Each shadow table (``list_tables`` leaves them out) with the virtual table it
        belongs to and that table's module: what a refusal of one named says."""
        rows = self._query(
            "SELECT t.name, t.type, coalesce(s.sql, '') FROM pragma_table_list AS t "
            "LEFT JOIN sqlite_schema AS s ON s.name = t.name "
            "WHERE t.schema = 'main' AND t.type IN ('shadow', 'virtual')"
        )
        return shadow_owners([(str(r[0]), str(r[1]), str(r[2])) for r in rows])

    def other_schemas(self) -> dict[str, int]:
        return {}  # a SQLite file has one namespace

    def list_views(self) -> list[str]:
        """Views and virtual tables: what moves only when named, as a table of its rows."""
        rows = self._query(
            "SELECT name FROM pragma_table_list WHERE schema = 'main' "
            "AND type IN ('view', 'virtual') ORDER BY name"
        )
        return [r[0] for r in rows]

    def table_exists(self, name: str) -> bool:
        # SQLite's names ignore case: "Users" is there when "users" is asked for.
        rows = self._query(
            "SELECT 1 FROM sqlite_schema WHERE type IN ('table','view') AND name = ? "
            "COLLATE NOCASE",
            (name,),
        )
        return bool(rows)

    def omittable_columns(self, name: str) -> set[str]:
        rows = self._query(
            'SELECT name, type, "notnull", dflt_value, pk, hidden FROM pragma_table_xinfo(?)',
            (name,),
        )
        keys = [r for r in rows if r[4]]
        # A rowid table's single INTEGER PRIMARY KEY is the rowid: SQLite assigns it.
        rowid_alias = (
            keys[0][0]
            if len(keys) == 1
            and str(keys[0][1] or "").upper() == "INTEGER"
            and self._rowid_name(name, [str(r[0]) for r in rows]) is not None
            and not self._key_has_own_index(name)
            else None
        )
        return {
            str(r[0])
            for r in rows
            if not r[2] or r[3] is not None or r[5] in (2, 3) or r[0] == rowid_alias
        }

    def computed_columns(self, name: str) -> set[str]:
        # Hidden 2 and 3: a VIRTUAL and a STORED generated column (table_info leaves them out).
        rows = self._query("SELECT name, hidden FROM pragma_table_xinfo(?)", (name,))
        return {str(r[0]) for r in rows if r[1] in (2, 3)}

    def declared_columns(self, name: str) -> list[tuple[str, str]]:
        rows = self._query("SELECT name, type FROM pragma_table_info(?) ORDER BY cid", (name,))
        return [(str(r[0]), str(r[1] or "")) for r in rows]

    # -- source side ------------------------------------------------------------------------
    def describe(
        self, name: str, *, profile: bool = True, workers: int = 1, presume: bool = False
    ) -> Table:
        # table_xinfo, unlike table_info, lists generated columns (hidden 2 and 3): their values
        # are data and are copied. Hidden columns of virtual tables (hidden 1) are not.
        rows = self._query(
            'SELECT name, type, "notnull", pk, dflt_value, hidden FROM pragma_table_xinfo(?)',
            (name,),
        )
        if not rows:
            raise SchemaError(f"table {name!r} not found in {self.url.redacted}", table=name)
        info = [r[:5] for r in rows if r[5] != 1]
        generated = {r[0] for r in rows if r[5] in (2, 3)}
        names = [r[0] for r in info]
        declared = [r[1] or "" for r in info]
        listed = self._listed(name)
        split_key = self._rowid_name(name, names, listed)
        row_count: int | None = None
        profiles: list[Any] = [None] * len(names)
        proofs: list[str | None] = [None] * len(names)
        if profile:
            try:
                scan = self._scan_in_parts(name, split_key, workers, len(names))
                if presume and not self._is_view(name):
                    proofs = presume_columns(
                        self._query, self.from_clause(name), names, declared, scan
                    )
                profiled = [i for i, proof in enumerate(proofs) if proof is None]
                if profiled:
                    row_count, found = profile_table(
                        self._query,
                        self.from_clause(name),
                        [names[i] for i in profiled],
                        [declared[i] for i in profiled],
                        scan,
                    )
                    for i, column_profile in zip(profiled, found, strict=True):
                        profiles[i] = column_profile
                else:
                    row_count = self._count(name)
                for i, proof in enumerate(proofs):
                    if proof is not None:
                        profiles[i] = presumed_profile(proof)
            except Exception as exc:
                raise self.translate(exc, f"profiling {name!r}", name) from exc
        else:
            row_count = self._count(name)
        pk = tuple(r[0] for r in sorted((r for r in info if r[3]), key=lambda r: r[3]))
        create_sql = self._create_sql(name)  # what no pragma tells: read once, used thrice
        key_has_own_index = len(pk) == 1 and self._key_has_own_index(name)
        collations = column_collations(create_sql)
        columns = []
        for i, r in enumerate(info):
            col = choose(r[0], r[1] or "", profiles[i], bool(r[2]), name)
            col = replace(col, notes=tuple(cast_of_column(n, name, r[0]) for n in col.notes))
            # A rowid table's single INTEGER PRIMARY KEY is the rowid: SQLite assigns it.
            rowid_alias = (
                split_key is not None
                and pk == (r[0],)
                and (r[1] or "").upper() == "INTEGER"
                and not key_has_own_index
            )
            col = replace(
                col,
                default=read_default(r[4], "sqlite"),
                auto_increment=rowid_alias,
                key_high_water=self._autoincrement_seq(name, create_sql) if rowid_alias else None,
                proof=proofs[i],
                # A presumed column was proven, not counted.
                class_counts=col.class_counts if proofs[i] is None else None,
                collation=collations.get(str(r[0]).lower()),
            )
            if r[0] in generated:
                note = "generated column: its values are copied, its expression is not recreated"
                col = replace(col, notes=(*col.notes, note))
            columns.append(col)
        foreign_keys = self._foreign_keys(name, create_sql)
        indexes, unportable = self._indexes(name, collations)
        kind, without_rowid, strict = listed
        options = (("WITHOUT ROWID",) if without_rowid else ()) + (("STRICT",) if strict else ())
        virtual = [lost_index(create_sql)] if kind == "virtual" else []
        nothing = contentless_note(create_sql, row_count) if kind == "virtual" else None
        if nothing is not None:
            columns = [replace(c, notes=(*c.notes, nothing)) for c in columns]
        return Table(
            name=name,
            columns=tuple(columns),
            primary_key=pk,
            indexes=tuple(indexes),
            foreign_keys=tuple(foreign_keys),
            not_carried=(*virtual, *unportable, *self._checks_and_triggers(name, create_sql)),
            row_count=row_count,
            split_key=split_key,
            sqlite_options=options,
        )

    def keys_the_target_cannot_build(self, table: Table, target: str, staged: bool) -> list[str]:
        """The plan's words for each key of ``table`` that ``target`` (PostgreSQL, DuckDB)
        will refuse to build on its rows (``sqlite_keys``)."""
        try:
            return keys_the_target_cannot_build(self._query, table, target, staged)
        except Exception as exc:
            raise self.translate(exc, f"checking the keys of {table.name!r}", table.name) from exc

    def count_where(
        self, name: str, conditions: list[str], key: str | None
    ) -> list[tuple[int, Any]]:
        """Per condition, the rows that meet it and the least ``key`` among them (None
        without a key), in one scan of the table: verify counts a SQLite target's values
        that are not what arrowmig writes."""
        if not conditions:
            return []
        k = quote_ident(key) if key is not None else "NULL"
        parts = [
            f"count(CASE WHEN {c} THEN 1 END), min(CASE WHEN {c} THEN {k} END)" for c in conditions
        ]
        try:
            (row,) = self._query(f"SELECT {', '.join(parts)} FROM {self.from_clause(name)}")
        except Exception as exc:
            raise self.translate(exc, f"checking {name!r}", name) from exc
        return [(int(row[2 * i]), row[2 * i + 1]) for i in range(len(conditions))]

    def rows_where(
        self, name: str, exprs: list[str], condition: str, limit: int
    ) -> list[tuple[Any, ...]]:
        """``exprs`` of the first ``limit`` rows that meet ``condition``: verify lists a SQLite
        target's rows holding values arrowmig does not write so."""
        try:
            return self._query(
                f"SELECT {', '.join(exprs)} FROM {self.from_clause(name)} WHERE {condition} "
                f"LIMIT {int(limit)}"
            )
        except Exception as exc:
            raise self.translate(exc, f"checking {name!r}", name) from exc

    def _autoincrement_seq(self, name: str, create_sql: str) -> int | None:
        """The largest rowid an AUTOINCREMENT table has handed out (``sqlite_sequence``),
        which SQLite never hands out again, even once its rows are deleted."""
        if "AUTOINCREMENT" not in create_sql.upper():
            return None
        rows = self._query("SELECT seq FROM sqlite_sequence WHERE name = ?", (name,))
        return int(rows[0][0]) if rows and rows[0][0] is not None else None

    def _count(self, name: str) -> int:
        return int(self._query(f"SELECT count(*) FROM {self.from_clause(name)}")[0][0])

    def count_rows(self, table: Table) -> int:
        """The rows ``read(table)`` streams, counted by SQLite itself."""
        try:
            return self._count(table.name)
        except Exception as exc:
            raise self.translate(exc, f"counting {table.name!r}", table.name) from exc

    def _is_view(self, name: str) -> bool:
        """Views break affinity (a column holds whatever its expression gives): always profiled."""
        return bool(
            self._query("SELECT 1 FROM sqlite_schema WHERE type='view' AND name = ?", (name,))
        )

    def _scan_in_parts(self, name: str, key: str | None, workers: int, columns: int) -> Scan | None:
        """A profile scan split into rowid ranges run at once, each on its own connection
        (SQLite scans on the caller's thread and the driver releases the GIL), or None when
        the table is small (in values: rows times columns), has no rowid, or one worker was
        asked for."""
        if workers <= 1 or key is None:
            return None
        table = self.from_clause(name)
        lo, hi = self._query(f"SELECT min({key}), max({key}) FROM {table}")[0]
        if lo is None:
            return None
        span = (hi - lo) * max(1, columns // PROFILE_PART_COLUMNS)
        if span < PROFILE_PART_ROWS:
            return None
        parts = min(workers, span // PROFILE_PART_ROWS + 1)
        step = (hi - lo) // parts + 1
        ranges = [(lo + i * step, min(hi, lo + (i + 1) * step - 1)) for i in range(parts)]

        def scan(select_list: str, where: str | None) -> list[tuple[Any, ...]]:
            condition = f" AND ({where})" if where else ""
            statements = [
                f"SELECT {select_list} FROM {table} WHERE {key} BETWEEN {a} AND {b}{condition}"
                for a, b in ranges
            ]
            with ThreadPoolExecutor(len(statements) - 1, "arrowmig-profile") as pool:
                others = [pool.submit(self._query_apart, sql) for sql in statements[1:]]
                rows = self._query(statements[0])
                return [rows[0], *(f.result()[0] for f in others)]

        return scan

    def _query_apart(self, sql: str) -> list[tuple[Any, ...]]:
        """Run one read on a connection of its own, opened and closed here."""
        import adbc_driver_sqlite.dbapi as sqlite_dbapi

        conn = sqlite_dbapi.connect(self._opened_as)
        try:
            with conn.cursor() as cursor:
                cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
                cursor.execute(f"PRAGMA {READ_CACHE_PRAGMA}")
                cursor.execute(sql)
                rows: list[tuple[Any, ...]] = cursor.fetchall()
            return rows
        finally:
            conn.close()

    def from_clause(self, name: str, schema: str | None = None) -> str:
        """Table ``name`` (in attached ``schema``) as the FROM clause of a read.

        A table whose columns or indexes use a collation of its application's
        (``BUILT_IN_COLLATIONS``) is read through a subquery that compares those columns
        bytewise and opens no index: the values are the same, and every statement arrowmig
        runs on them prepares. SQLite flattens the subquery, so rowid ranges and min()/max()
        stay seeks.
        """
        table = quote_ident(name) if schema is None else f"{schema}.{quote_ident(name)}"
        if name not in self._binary_selects:
            self._binary_selects[name] = self._binary_select(name)
        select = self._binary_selects[name]
        if select is None:
            return table
        if select.startswith("SELECT "):  # a whole select that stands for the table
            return f"({select}) AS {quote_ident(name)}"
        return f"(SELECT {select} FROM {table} NOT INDEXED) AS {quote_ident(name)}"

    def _binary_select(self, name: str) -> str | None:
        """The select list of ``from_clause``'s subquery: the rowid under the name reads use, and
        each column, one declared with an application's collation as ``COLLATE BINARY``;
        None where the table uses none. A WITHOUT ROWID table with such a column (its rows are
        stored as one index of every column) cannot be read at all: refused. A contentless
        FTS4 table, which SQLite scans not at all, is a whole select of NULLs
        (``sqlite_virtual``)."""
        create_sql = self._create_sql(name)
        if is_contentless_fts4(create_sql):
            return self._contentless_fts4_select(name)
        foreign = {
            column: collation
            for column, collation in column_collations(create_sql).items()
            if collation not in BUILT_IN_COLLATIONS
        }
        indexed = self._query(
            "SELECT DISTINCT l.origin, x.coll FROM pragma_index_list(?) AS l, "
            "pragma_index_xinfo(l.name) AS x WHERE x.key = 1",
            (name,),
        )
        by_index = {
            (str(origin), str(coll))
            for origin, coll in indexed
            if str(coll).upper() not in BUILT_IN_COLLATIONS
        }
        if not foreign and not by_index:
            return None
        listed = self._listed(name)
        stored_by = sorted({*foreign.values(), *(c for origin, c in by_index if origin == "pk")})
        if listed[1] and stored_by:
            raise SchemaError(
                f"table {name!r} cannot be read: it is WITHOUT ROWID and uses collation "
                f"{stored_by[0]!r}, which only the application that made the file defines "
                "(SQLite reads such a table only where the collation is registered)",
                hint=_without_collation_hint(name),
                table=name,
            )
        columns = [
            str(r[0])
            for r in self._query(
                "SELECT name FROM pragma_table_xinfo(?) WHERE hidden <> 1", (name,)
            )
        ]
        key = self._rowid_name(name, columns, listed)
        return ", ".join(
            ([f"{key} AS {key}"] if key is not None else [])
            + [
                f"{quote_ident(c)} COLLATE BINARY AS {quote_ident(c)}"
                if c.lower() in foreign
                else quote_ident(c)
                for c in columns
            ]
        )

    def _key_has_own_index(self, name: str) -> bool:
        """Whether the primary key is an index of its own, not the rowid: so is an ``INTEGER
        PRIMARY KEY DESC`` column (a quirk SQLite keeps), which holds NULLs and is not numbered
        by SQLite."""
        rows = self._query("SELECT 1 FROM pragma_index_list(?) WHERE origin = 'pk'", (name,))
        return bool(rows)

    def _listed(self, name: str) -> tuple[str, bool, bool]:
        """What ``pragma_table_list`` says of a table: its type ('table', 'view', 'virtual'),
        WITHOUT ROWID and STRICT."""
        # Named as the pragma's argument: filtering its whole list read every table's entry
        # (2,000 tables: 5 ms a table); the argument matches any case, the filter exactly.
        rows = self._query(
            "SELECT type, wr, strict FROM pragma_table_list(?) WHERE schema = 'main' AND name = ?",
            (name, name),
        )
        return (str(rows[0][0]), bool(rows[0][1]), bool(rows[0][2])) if rows else ("", False, False)

    def _contentless_fts4_select(self, name: str) -> str:
        columns = self._query("SELECT name FROM pragma_table_xinfo(?) WHERE hidden <> 1", (name,))
        docsize = self._query(
            "SELECT 1 FROM pragma_table_list WHERE schema = 'main' AND name = ?",
            (name + "_docsize",),
        )
        select = contentless_fts4_rows(name, [str(r[0]) for r in columns], bool(docsize))
        if select is None:
            raise SchemaError(
                f"table {name!r} cannot be read: it is a contentless FTS4 table (content='') "
                "made with matchinfo=fts3, which SQLite reads by MATCH alone, and no table of "
                "it counts its rows",
                hint=f"leave {name!r} out of --tables: its text is held elsewhere",
                table=name,
            )
        return select

    def _rowid_name(
        self, name: str, columns: list[str], listed: tuple[str, bool, bool] | None = None
    ) -> str | None:
        kind, without_rowid, _ = listed or self._listed(name)
        if kind and (without_rowid or kind != "table"):
            return None  # WITHOUT ROWID tables and views have no rowid
        lowered = {c.lower() for c in columns}
        for alias in ROWID_NAMES:
            if alias not in lowered:
                return alias
        return None

    def _indexes(self, name: str, collations: dict[str, str]) -> tuple[list[Index], list[str]]:
        """The indexes a target can build, and those it cannot, each named with why. An
        index that compares a column under another collation than the column's own (``ON t
        (name COLLATE NOCASE)``) keeps it where it is SQLite's own (``Index.collations``);
        one of the application's is built without it, and that is named."""
        found: list[Index] = []
        unportable: list[str] = []
        for idx_name, unique, origin, partial in self._query(
            'SELECT name, "unique", origin, partial FROM pragma_index_list(?) ORDER BY seq',
            (name,),
        ):
            if origin == "pk":
                continue
            cols = self._query(
                'SELECT name, coll, "desc" FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno',
                (idx_name,),
            )
            if any(c[0] is None for c in cols):
                unportable.append(f"index {idx_name} (on an expression)")
                continue
            if partial:
                unportable.append(f"index {idx_name} (partial: its WHERE is not carried)")
                continue
            invented = idx_name.startswith("sqlite_autoindex")
            index_name = f"{name}_{'_'.join(c[0] for c in cols)}_key" if invented else idx_name
            descending = tuple(c[0] for c in cols if c[2])
            own = {c[0]: collations.get(str(c[0]).lower(), "BINARY") for c in cols}
            other = [(c[0], str(c[1]).upper()) for c in cols if str(c[1]).upper() != own[c[0]]]
            found.append(
                Index(
                    index_name,
                    tuple(c[0] for c in cols),
                    bool(unique),
                    descending=descending,
                    collations=tuple(c for c in other if c[1] in BUILT_IN_COLLATIONS),
                    invented=invented,
                )
            )
            if any(c[1] not in BUILT_IN_COLLATIONS for c in other):
                unportable.append(f"the collations of index {idx_name} (built without them)")
        return found, unportable

    def _checks_and_triggers(self, name: str, create_sql: str) -> list[str]:
        """CHECK constraints (read from the CREATE TABLE text: SQLite lists them nowhere else)
        and triggers, which no target gets: named for the plan and report."""
        checks = count_checks(create_sql)
        found = ["CHECK constraint" + (f"s ({checks})" if checks > 1 else "")] if checks else []
        triggers = self._query(
            "SELECT name FROM sqlite_master WHERE tbl_name = ? COLLATE NOCASE AND type = 'trigger' "
            "ORDER BY name",
            (name,),
        )
        return found + [f"trigger {r[0]}" for r in triggers]

    def _create_sql(self, name: str) -> str:
        """The table's CREATE TABLE statement as SQLite keeps it ("" for a view)."""
        rows = self._query(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
        )
        return str(rows[0][0] or "") if rows else ""

    def _foreign_keys(self, name: str, create_sql: str) -> list[ForeignKey]:
        return read_foreign_keys(self._query, name, create_sql)

    def foreign_key_breaks(self, name: str) -> dict[tuple[str, ...], int] | None:
        """Rows of table ``name`` that break each of its foreign keys (``rows_breaking``), or
        None for a file too large to check at planning (``CHECKED_FILE_BYTES``)."""
        with contextlib.suppress(OSError):
            if Path(self._path).stat().st_size > CHECKED_FILE_BYTES:
                return None
        # A cursor of its own: one whose statement SQLite refused ("foreign key mismatch")
        # keeps its parameters, and the next statement on it failed.
        with self._conn.cursor() as cursor:

            def query(sql: str, params: tuple[Any, ...] | None = None) -> list[tuple[Any, ...]]:
                cursor.execute(sql, params)
                rows: list[tuple[Any, ...]] = cursor.fetchall()
                return rows

            return rows_breaking(query, name)

    def key_bounds(self, table: Table) -> tuple[Any, Any] | None:
        if table.split_key is None:
            return None
        key = (
            quote_ident(table.split_key) if table.split_key not in ROWID_NAMES else table.split_key
        )
        lo, hi = self._key_bounds(table.name, key)
        return None if lo is None else (lo, hi)

    def _key_bounds(self, name: str, key_sql: str) -> tuple[Any, Any]:
        """The smallest and largest key, two seeks: SQLite answers min() and max() from the
        key's B-tree only when each is alone in its query; together they scan the table."""
        table = self.from_clause(name)
        row = self._query(
            f"SELECT (SELECT min({key_sql}) FROM {table}), (SELECT max({key_sql}) FROM {table})"
        )[0]
        return row[0], row[1]

    def read(
        self,
        table: Table,
        *,
        batch_rows: int,
        key_range: KeyRange | None = None,
        with_key: bool = False,
        batch_bytes: int | None = None,
    ) -> pa.RecordBatchReader:
        key = table.split_key
        key_sql = key if key in ROWID_NAMES else (quote_ident(key) if key else None)
        schema = read_schema(table, with_key)
        batches: Iterator[pa.RecordBatch]
        if batch_bytes:
            # The driver's batches are counted in rows: size them from the table's row width
            # so that a batch in memory is about batch_bytes, however wide the rows are.
            average, widest = self._row_widths(table, key_sql)
            rows_by_width = min(batch_rows, max(1, batch_bytes // average))
            if key_sql is not None and widest * rows_by_width > WIDE_BATCH_FACTOR * batch_bytes:
                # Rows of very different widths (small rows, then megabytes of blobs): a
                # batch of rows_by_width could hold many times batch_bytes. Read key ranges
                # of about batch_bytes each instead.
                ranges = self._byte_ranges(table, key_sql, key_range, batch_bytes)
                batches = self._read_ranges(table, key_sql, ranges, batch_rows, with_key)
                return self.guarded_reader(table, schema, batches)
            batch_rows = rows_by_width
        batches = self._read_range(table, key_sql, key_range, batch_rows, with_key)
        return self.guarded_reader(table, schema, batches)

    def _read_range(
        self,
        table: Table,
        key_sql: str | None,
        key_range: KeyRange | None,
        batch_rows: int,
        with_key: bool,
    ) -> Iterator[pa.RecordBatch]:
        """The typed batches of one query over ``key_range``; the query runs before this returns."""
        exprs = [read_expression(c) for c in table.columns]
        primers = [primer_literal(c) for c in table.columns]
        if key_sql is not None:
            exprs.append(key_sql)
            primers.append("0")
        # Under --no-profile, one more column names a value of another class than its
        # column is read as, which the driver would otherwise convert (``_typed_batches``).
        unproven = unproven_class_column(table.columns)
        if unproven is not None:
            exprs.append(unproven)
            primers.append("0")
        inner = f"SELECT {', '.join(exprs)} FROM {self.from_clause(table.name)}"
        inner += key_range_filter(key_sql, key_range)
        if key_sql is not None:
            inner += f" ORDER BY {key_sql}"
        # The driver infers each column's type from the first batch only; a first row of
        # typed literals (dropped below) fixes the types even when a column starts with NULLs.
        sql = f"SELECT {', '.join(primers)} UNION ALL SELECT * FROM ({inner})"
        cursor = self._conn.cursor()
        self._open_reads.append(cursor)
        try:
            cursor.adbc_statement.set_options(**{_BATCH_OPTION: str(max(1, batch_rows))})
            cursor.execute(sql)
            raw = cursor.fetch_record_batch()
        except Exception as exc:
            self._forget_read(cursor)
            raise self.translate(exc, f"reading {table.name!r}", table.name) from exc
        return self._typed_batches(table, raw, cursor, with_key, key_sql, unproven is not None)

    def _read_ranges(
        self,
        table: Table,
        key_sql: str,
        ranges: list[KeyRange],
        batch_rows: int,
        with_key: bool,
    ) -> Iterator[pa.RecordBatch]:
        """One query per key range, in key order, each finished before the next starts."""
        for key_range in ranges:
            yield from self._read_range(table, key_sql, key_range, batch_rows, with_key)

    def _row_widths(self, table: Table, key_sql: str | None) -> tuple[int, int]:
        """About the average and the largest Arrow bytes per row, from a sample of 512 rows
        spread over the whole key range (the first 512 rows where there is no integer key);
        cached per table.

        Summed by SQLite, value by value: a sample read into Arrow would hold 512 whole rows,
        gigabytes when each holds megabytes of text or blobs.
        """
        cache: dict[str, tuple[int, int]] = self.__dict__.setdefault("_widths", {})
        if table.name not in cache:
            size = _size_sql(table)
            name = self.from_clause(table.name)
            sample = f"SELECT {size} AS s FROM {name} LIMIT {WIDTH_SAMPLE_ROWS}"
            try:
                low = high = None
                if key_sql is not None:
                    low, high = self._key_bounds(table.name, key_sql)
                if isinstance(low, int) and isinstance(high, int):
                    step = max(1, (high - low) // WIDTH_SAMPLE_ROWS)
                    # One seek per sampled key: cheap however large the table.
                    sample = (
                        f"WITH RECURSIVE p(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM p "
                        f"WHERE i < {WIDTH_SAMPLE_ROWS - 1}) SELECT (SELECT {size} FROM {name} "
                        f"WHERE {key_sql} >= {int(low)} + i * {int(step)} ORDER BY {key_sql} "
                        f"LIMIT 1) AS s FROM p"
                    )
                count, total, widest = self._query(
                    f"SELECT count(s), sum(s), max(s) FROM ({sample})"
                )[0]
                average = max(8, int(total or 0) // max(1, int(count)))
                cache[table.name] = (average, max(average, int(widest or 0)))
            except Exception:
                cache[table.name] = (256, 256)  # a sample that does not read is no reason to fail
        return cache[table.name]

    def _byte_ranges(
        self, table: Table, key_sql: str, key_range: KeyRange | None, batch_bytes: int
    ) -> list[KeyRange]:
        """Consecutive key ranges covering ``key_range``, each holding about ``batch_bytes``
        (at most that plus one row), from one scan of the stored sizes."""
        size = _size_sql(table)
        where = key_range_filter(key_sql, key_range)
        rows = self._query(
            f"SELECT max(k) FROM (SELECT {key_sql} AS k, sum({size}) OVER (ORDER BY {key_sql} "
            f"ROWS UNBOUNDED PRECEDING) AS cum FROM {self.from_clause(table.name)}{where}) "
            f"GROUP BY cum / {int(batch_bytes)} ORDER BY 1"
        )
        ends = [int(r[0]) for r in rows]
        first = key_range.after if key_range is not None else None
        last = key_range.upto if key_range is not None else None
        # The last range ends where the stream's range ends (open at the top for the last
        # stream), not at the largest key seen by this scan.
        return [
            KeyRange(after=after, upto=upto)
            for after, upto in zip([first, *ends[:-1]], [*ends[:-1], last], strict=True)
        ]

    def _typed_batches(
        self,
        table: Table,
        raw: Any,
        cursor: Any,
        with_key: bool,
        key_sql: str | None,
        classes_tested: bool = False,
    ) -> Iterator[pa.RecordBatch]:
        n = len(table.columns)
        names = [c.name for c in table.columns]
        try:
            first = True
            for batch in raw:
                if first:
                    batch = batch.slice(1)
                    first = False
                if batch.num_rows == 0:
                    continue
                keys = batch.column(n) if key_sql is not None else None
                stored = self._stored_value(table, key_sql, keys)
                if classes_tested:
                    found = batch.column(batch.num_columns - 1)
                    check_unproven_classes(table, batch.columns[:n], found, keys, stored)
                misfit = self._first_misfit(table, key_sql, keys)
                arrays = typed_arrays(
                    table, [batch.column(i) for i in range(n)], keys, stored, misfit
                )
                out = pa.RecordBatch.from_arrays(arrays, names=names)
                if with_key:
                    key_array = keys if keys is not None else pa.nulls(out.num_rows, pa.int64())
                    out = out.append_column(KEY_COLUMN, key_array)
                yield out
        except OSError as exc:
            surprised = driver_surprise(table, exc)
            if surprised is not None:
                raise surprised from exc
            if "Type mismatch" in str(exc):
                raise DataError(
                    f"table {table.name!r}: a value's storage class differs from the declared type "
                    f"({exc})",
                    hint="run without --no-profile so arrowmig picks types from the values",
                    table=table.name,
                ) from exc
            raise
        finally:
            self._forget_read(cursor)

    def _stored_value(
        self, table: Table, key_sql: str | None, keys: pa.Array | None
    ) -> StoredValue | None:
        """How a batch's value is stored in the source (its class and exact value), asked
        once, for the message of a value that breaks its column's presumed type."""
        if key_sql is None or keys is None:
            return None

        def stored(column: Column, row: int) -> str | None:
            key = keys[row].as_py()
            if not isinstance(key, int):
                return None
            c = quote_ident(column.name)
            sql = (
                f"SELECT typeof({c}), {c} FROM {self.from_clause(table.name)} "
                f"WHERE {key_sql} = {key}"
            )
            try:
                # On a connection of its own: this one's read is still open.
                rows = self._query_apart(sql)
            except Exception:
                return None  # the message then shows the value as the driver read it
            return stored_words(*rows[0]) if rows else None

        return stored

    def _first_misfit(
        self, table: Table, key_sql: str | None, keys: pa.Array | None
    ) -> FirstMisfit | None:
        """The batch's first row whose value is of none of some storage classes, asked of the
        source once, for the message of a column a declared type does not read."""
        if key_sql is None or keys is None or len(keys) == 0:
            return None
        bounds = pc.min_max(keys).as_py()
        first, last = bounds["min"], bounds["max"]
        if not isinstance(first, int) or not isinstance(last, int):
            return None

        def misfit(column: Column, classes: tuple[str, ...]) -> int | None:
            c = quote_ident(column.name)
            fitting = ", ".join(["'null'", *(f"'{k}'" for k in classes)])
            sql = (
                f"SELECT {key_sql} FROM {self.from_clause(table.name)} "
                f"WHERE {key_sql} BETWEEN {first} AND {last} AND typeof({c}) NOT IN ({fitting}) "
                f"ORDER BY {key_sql} LIMIT 1"
            )
            try:
                rows = self._query_apart(sql)
            except Exception:
                return None  # the row is then looked for in the values as the driver read them
            if not rows:
                return None
            at = pc.index(keys, rows[0][0]).as_py()
            return at if at >= 0 else None

        return misfit

    # -- target side ------------------------------------------------------------------------
    def check_names(self, table: Table) -> None:
        refuse_names_a_file_cannot_hold(table, self.dialect)

    def journal_mode(self) -> str:
        """The file's journal mode as it is now (delete, wal, ...)."""
        return str(self._pragma("journal_mode")[0][0]).lower()

    def set_statement_timeout(self, seconds: float) -> None:
        """Wait at most ``seconds`` for a lock another process holds on the file (not
        ``BUSY_TIMEOUT_MS``): the bookkeeping after a stop must not keep it waiting."""
        self._busy_timeout_ms = int(seconds * 1000)
        self._pragma(f"busy_timeout={self._busy_timeout_ms}")

    def restore_journal_mode(self, mode: str) -> None:
        """Set the file's journal mode back to ``mode`` (its own, recorded before a run set
        WAL); takes effect only when no other connection has the file open."""
        if mode not in _JOURNAL_MODES or self.journal_mode() == mode:
            return
        with self._lock, contextlib.suppress(Exception):
            self._pragma(f"journal_mode={mode}")

    def _ensure_write_mode(self) -> None:
        if self._write_mode_set:
            return
        # WAL with synchronous=NORMAL: fast bulk loading and a killed run still leaves a valid
        # file (never journal_mode=OFF or MEMORY). The previous journal mode comes back at close.
        with self._lock:
            self._journal_mode = str(self._pragma("journal_mode")[0][0]).lower()
            self._pragma("journal_mode=WAL")
            self._pragma("synchronous=NORMAL")
            # Foreign keys are declared with their tables and loaded in any order: never
            # enforced on this connection. Renaming a staging table into place, or a replaced
            # table aside, must not rewrite other tables' REFERENCES to it: the legacy rename.
            self._pragma("foreign_keys=OFF")
            self._pragma("legacy_alter_table=ON")
            self._pragma(WRITE_CACHE_PRAGMA)
            self._pragma(SORT_THREADS_PRAGMA)
            self._write_mode_set = True

    def create_table(self, table: Table) -> None:
        self._ensure_write_mode()
        self._run_ddl(_create_statement(table), table.name)

    def table_dressing(
        self, name: str, columns: Collection[str], moved: Collection[str]
    ) -> list[Dressing]:
        """What table ``name`` has beyond what a new table of its name with ``columns`` gets
        from the source (``sqlite_dressing``): a replace builds a new table, and these would
        go with the old one."""
        return read_sqlite_dressing(self._query, name, columns)

    def load_triggers(self, name: str, mode: str) -> list[str]:
        """The triggers loading rows into table ``name`` sets off (``load_triggers``)."""
        return sqlite_load_triggers(self._query, name, mode)

    def still_to_give(self, table: Table, dressing: list[Dressing]) -> list[Dressing]:
        """``dressing`` less what the new ``table``, in place, has."""
        return still_to_give(dressing, *present(self._query, table.name))

    def run_check(self, sql: str) -> None:
        """Run query ``sql`` for whether it fails (``Dressing.checks``), its rows unread."""
        with self._lock:
            try:
                self._query(sql)
            except Exception as exc:
                self._rollback()
                raise self.translate(exc, "checking it") from exc

    def planned_dressing(
        self, table: Table, moved: Collection[str], *, keep_backup: bool = False
    ) -> list[Dressing]:
        """What ``--mode replace`` would give the new ``table`` from the one of its name, told
        before it is built (``still_to_give`` once it is), each item tried on an empty copy
        of the schema as the run will give it (``sqlite_tryout``)."""
        dressing = self.table_dressing(table.name, [c.name for c in table.columns], moved)
        built = _built(table)
        dressing = still_to_give(dressing, *planned(built, table.name))
        return tried(self._query, table.name, built, dressing, keep_backup=keep_backup)

    def planned_keys_into(
        self,
        table: Table,
        moved: Collection[str],
        dressing: Sequence[Dressing],
        *,
        keep_backup: bool = False,
    ) -> list[str]:
        """The foreign keys of other tables that the new ``table``, given ``dressing``
        (``planned_dressing``), would not hold (``sqlite_keys_into``), told before it is
        built."""
        return keys_into(
            self._query, table.name, _built(table), dressing, moved, keep_backup=keep_backup
        )

    def unheld_keys_into(self, name: str, moved: Collection[str]) -> dict[str, str]:
        """The foreign keys of other tables that table ``name`` cannot hold, by key."""
        return unheld_keys_into(self._query, name, moved)

    def add_foreign_key(self, table: str, fk: ForeignKey) -> str:
        """Confirm a foreign key declared with its table (SQLite cannot add one later)."""
        # Timing aside: the CREATE TABLE text cannot tell apart two keys on the same columns
        # to the same parent that differ only in it.
        if replace(fk, timing="") not in [
            replace(d, timing="") for d in self._foreign_keys(table, self._create_sql(table))
        ]:
            raise SchemaError(
                f"{self.dialect} cannot add foreign keys to a table that exists", table=table
            )
        return fk.label

    def _run_ddl(self, sql: str, table: str) -> None:
        with self._lock:
            try:
                self._execute(sql)
                self._conn.commit()
            except Exception as exc:
                self._rollback()
                raise self.translate(exc, f"changing {table!r}", table) from exc

    def drop_table(self, name: str) -> None:
        self._run_ddl(f"DROP TABLE IF EXISTS {quote_ident(name)}", name)

    def truncate_table(self, name: str) -> None:
        self._ensure_write_mode()
        self._run_ddl(f"DELETE FROM {quote_ident(name)}", name)

    def existing_table(self, name: str) -> Table:
        # Without its foreign keys: arrowmig writes with foreign_keys off, load order is free.
        info = self._query("SELECT name, type FROM pragma_table_info(?)", (name,))
        if not info:
            raise SchemaError(f"table {name!r} not found in {self.url.redacted}", table=name)
        strict = self._listed(name)[2]
        columns = tuple(
            _any_marked(choose(col_name, declared or "", None, False), strict)
            for col_name, declared in info
        )
        return Table(name, columns, takes_any_value=not strict)

    def param(self, index: int) -> str:
        return "?"

    def _writer_guard(self) -> contextlib.AbstractContextManager[Any]:
        return self._lock

    def _damaged(self, exc: BaseException, table: str | None = None) -> DamagedFile | None:
        """``exc`` as a damaged file's error (None for another), naming the source attached
        to this connection too, whose pages the same statements read."""
        attached = self._attached_path if self._attached is not None else None
        return damaged_file(exc, self.url.target, attached, table=table)

    def translate(self, exc: BaseException, what: str, table: str | None = None) -> ArrowmigError:
        damaged = self._damaged(exc, table)
        if damaged is not None:
            return damaged
        missing = _MISSING_COLLATION.search(str(exc))
        if missing is not None:
            # What from_clause cannot avoid: a view that sorts or compares under it.
            return SchemaError(
                f"{what}: SQLite needs collation {missing.group(1)!r}, which only the "
                "application that made the file defines",
                hint=_without_collation_hint(table or "TABLE"),
                table=table,
            )
        error = super().translate(exc, what, table)
        if LOCKED.search(str(exc)):
            # Still locked after the busy timeout: another process (not this run, whose
            # writers take turns) holds a transaction open on the file.
            error.message = (
                f"{what}: SQLite file {self.url.target!r} is locked by another process "
                f"(waited {self._busy_timeout_ms / 1000:g} s)"
            )
            error.hint = _LOCKED_HINT
        return error

    def run_in_transaction(
        self, statements: list[str], what: str, table: str | None = None
    ) -> None:
        self._ensure_write_mode()
        try:
            super().run_in_transaction(statements, what, table)
        except TransferError as exc:
            # Staged rows put into their table (an append of a table without an integer
            # key): SQLite names a repeated key's columns only, its value is found here.
            key = staged_key_value(exc.message, statements, self._query)
            if key is None:
                raise
            message = f"{exc.message} ({key})"
            raise TransferError(message, hint=duplicate_key_hint(message), table=table) from exc

    def write_batch(
        self,
        table: Table,
        batch: pa.RecordBatch,
        *,
        after: tuple[str, tuple[Any, ...]] | None = None,
    ) -> None:
        self._ensure_write_mode()
        batch = to_wire(batch, table, "sqlite")
        zeros = _count_negative_zeros(batch)

        def write() -> None:
            try:
                self._cursor.adbc_ingest(table.name, batch, mode="append")
                if after is not None:
                    self._cursor.execute(after[0], after[1])
                self._conn.commit()
            except Exception as exc:
                self._rollback()
                # SQLite names a repeated key's columns only: its value is found here.
                with_key_value(exc, self.from_clause(table.name), batch, self._query)
                raise
            # Counted once committed: a batch that failed and is tried again counts once.
            counts = _negative_zeros.setdefault((self._lock_key, table.name), {}) if zeros else {}
            for column, count in zeros.items():
                counts[column] = counts.get(column, 0) + count

        self._write(write, table.name)

    def _write(self, write: Callable[[], None], table: str) -> None:
        """One transaction of ``table``'s rows, waiting its turn with this run's other writers
        of the file, and with other processes in turns that a stop ends (``write_in_turns``)."""
        with self._lock:
            try:
                write_in_turns(self._cursor, write, lambda: self.stopping, self._busy_timeout_ms)
            except Exception as exc:
                raise self.translate(exc, f"writing {table!r}", table) from exc

    # -- SQLite to SQLite: copied by SQLite itself (attached_copy.py) --------------------------
    @property
    def path(self) -> str:
        return self._path

    def header_values(self) -> dict[str, int]:
        """The file's ``PRAGMA user_version`` and ``application_id`` (sqlite_header.py)."""
        return {p: int(self._query(f"PRAGMA {p}")[0][0]) for p in HEADER_PRAGMAS}

    def set_header_values(self, values: dict[str, int]) -> None:
        """Set those numbers; each is written in the file's header, outside any table."""
        with self._lock:
            for pragma, value in values.items():
                try:
                    self._pragma(f"{pragma} = {int(value)}")
                except Exception as exc:
                    raise self.translate(exc, f"setting PRAGMA {pragma}") from exc

    def text_encoding(self) -> str:
        """UTF-8, UTF-16le or UTF-16be: set when the file was made, the same in every table
        (asked once per connection; asked per table, it was a tenth of a small table's copy)."""
        if self._encoding is None:
            self._encoding = str(self._query("PRAGMA encoding")[0][0])
        return self._encoding

    def average_row_bytes(self, table: Table) -> int:
        """About the Arrow bytes of one row (from the sample that sizes batches): what a
        row copied by SQLite itself counts for in progress and the report."""
        key = table.split_key
        key_sql = key if key in ROWID_NAMES else (quote_ident(key) if key else None)
        return self._row_widths(table, key_sql)[0]

    def attach_source(self, path: str) -> str:
        """Attach the SQLite file at ``path``, read-only, to this target connection (once);
        its schema's name in SQL."""
        uri = read_only_uri(path)
        # Before the source is attached: an unqualified journal_mode PRAGMA changes every
        # attached file, and the source is read-only.
        self._ensure_write_mode()
        with self._lock:
            if self._attached == uri:
                return _SOURCE_ALIAS
            # ATTACH cannot run inside a transaction: autocommit for it alone, as a PRAGMA.
            self._rollback()
            self._conn.adbc_connection.set_autocommit(True)
            try:
                if self._attached is not None:
                    self._execute(f"DETACH DATABASE {_SOURCE_ALIAS}")
                    self._attached = None
                self._cursor.execute(f"ATTACH DATABASE ? AS {_SOURCE_ALIAS}", (uri,))
            except Exception as exc:
                raise self.translate(exc, f"attaching {path!r} to read from it") from exc
            finally:
                self._conn.adbc_connection.set_autocommit(False)
            self._attached, self._attached_path = uri, path
        return _SOURCE_ALIAS

    def first_key_after(self, origin: str, key_sql: str, key_range: KeyRange) -> int | None:
        """The smallest key of ``origin`` in ``key_range`` (one seek), None when it has none."""
        row = self._query(
            f"SELECT min({key_sql}) FROM {origin}{key_range_filter(key_sql, key_range)}"
        )
        return None if row[0][0] is None else int(row[0][0])

    def insert_selected(
        self,
        table: str,
        listed: str,
        select_sql: str,
        after: Callable[[int], tuple[str, tuple[Any, ...]] | None],
    ) -> int:
        """Insert the rows of ``select_sql`` into ``table``'s columns ``listed`` (quoted, by
        commas) and run the checkpoint ``after(rows)`` gives, in one transaction; the rows
        it inserted."""
        self._ensure_write_mode()
        inserted: list[int] = []
        # main.: an unqualified name could also be the attached source file's table.
        target = f"main.{quote_ident(table)}"

        def write() -> None:
            try:
                self._cursor.execute(f"INSERT INTO {target} ({listed}) {select_sql}")
                self._cursor.execute("SELECT changes()")
                rows = int(self._cursor.fetchall()[0][0])
                checkpoint = after(rows)
                if checkpoint is not None:
                    self._cursor.execute(checkpoint[0], checkpoint[1])
                self._conn.commit()
            except Exception as exc:
                self._rollback()
                # SQLite names a repeated key's columns only: its value is found here.
                with_selected_key_value(exc, target, select_sql, self._query)
                raise
            inserted.append(rows)

        self._write(write, table)
        return inserted[0]

    def pop_notes(self, name: str, shown: str | None = None) -> list[str]:
        """What the writes into ``name`` changed that the report must say; ``shown`` is the
        table's own name where ``name`` is its staging table (the --cast it suggests names
        the source's table, as the user writes it)."""
        with self._lock:
            zeros = _negative_zeros.pop((self._lock_key, name), {})
        return [
            f"{column}: {'1 value' if count == 1 else f'{count:,} values'} of -0.0 stored as "
            "0.0: SQLite REAL columns have no negative zero (verify reports them; "
            f"{cast_option(shown or name, column, 'text')} keeps the sign, as text)"
            for column, count in zeros.items()
        ]

    def finish_table(self, table: Table) -> TableLoad:
        with leaving(*([KEY_SEQUENCES_LEFT] if autoincrement_key(table) else [])):
            load = build_keys(
                self, table, refused=self.index_names_taken(table.name, table.indexes)
            )
        load.skipped.extend(self.pop_notes(table.name))
        self.add_key_sequences(table, load)
        return load

    def index_names_taken(
        self, table: str, indexes: Sequence[Index], *, replacing: bool = False
    ) -> dict[str, str]:
        """Those of ``indexes`` (to build on ``table``) whose name another table's index, or
        a table or view, holds (SQLite's names are one namespace per database), each with why
        it cannot be built (CREATE INDEX IF NOT EXISTS would pass over an index in silence).
        One of ``table``'s own by that name is an earlier attempt's, or (``replacing``) goes
        with the replaced table."""
        wanted = {i.name.lower(): i for i in indexes}
        if not wanted:
            return {}
        # Only the rows of the names wanted: every name of the file, read into Python for
        # each table, made a run of many tables cost the square of their number.
        rows = self.execute(
            "SELECT name, type, tbl_name FROM sqlite_master WHERE type IN ('index', 'table', "
            "'view') AND NOT (type = 'index' AND tbl_name = ? COLLATE NOCASE) "
            "AND name COLLATE NOCASE IN (SELECT value FROM json_each(?))",
            (table, json.dumps([i.name for i in indexes])),
        )
        refused = {}
        for name, kind, owner in rows:
            index = wanted.get(str(name).lower())
            if index is not None:
                held_by = f"an index of {owner!r}" if kind == "index" else f"the {kind} {owner!r}"
                refused[index_label(index, "sqlite")] = index_name_taken(index.name, held_by)
        return refused

    def add_key_sequences(self, table: Table, load: TableLoad) -> None:
        """An AUTOINCREMENT key's counter (``sqlite_sequence``) past the source's high-water
        mark: SQLite moved it past the loaded keys itself, not past deleted ones. A source
        sequence counting down handed out keys below the loaded ones: SQLite's counter
        counts up, past the loaded keys, as it is."""
        counter = autoincrement_key(table)
        if counter is None or counter.key_high_water is None:
            return
        if counter.key_numbering is not None and counter.key_numbering.descending:
            return
        mark = int(counter.key_high_water)
        with self._lock:
            try:
                self._cursor.execute(
                    "UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?",
                    (mark, table.name),
                )
                self._cursor.execute(
                    "INSERT INTO sqlite_sequence (name, seq) SELECT ?, ? WHERE NOT EXISTS "
                    "(SELECT 1 FROM sqlite_sequence WHERE name = ?)",
                    (table.name, mark, table.name),
                )
                self._cursor.execute(
                    "SELECT seq FROM sqlite_sequence WHERE name = ?", (table.name,)
                )
                ((counted,),) = self._cursor.fetchall()
                self._conn.commit()
            except Exception as exc:
                self._rollback()
                # Ctrl-C (raised as such) or a stop: --resume moves it (never back).
                error = self.translate(exc, "moving the AUTOINCREMENT counter", table.name)
                raise_if_resumable(error, KEY_SEQUENCES_LEFT)
                load.skipped.append(f"AUTOINCREMENT counter not moved past {mark:,}: {exc}")
                return
        if counted == ROWID_LARGEST:
            # SQLite then refuses the next insert that leaves the key out, as the source did.
            load.built.append(used_up_note(counter.name))
            load.used_up_keys.add(counter.name)
            return
        load.built.append(f"AUTOINCREMENT counter for {counter.name} at {counted:,}")

    def advance_key_sequences(self, table: Table, load: TableLoad) -> None:
        """After rows were added to an existing table: SQLite moved its AUTOINCREMENT counter
        past them itself; one they left used up is said to be, as the create path says it."""
        with self._lock:
            key = used_up_counter(self._query, table.name)
        if key is not None:
            load.built.append(used_up_note(key))


_MISSING_COLLATION = re.compile(r"no such collation sequence: ([^\n]+)")


def _built(table: Table) -> list[str]:
    """The statements that build ``table`` with its keys and indexes."""
    keys = [sql for sql, _ in key_statements(table, "sqlite", None) if sql]
    return [_create_statement(table), *keys]


def _create_statement(table: Table) -> str:
    """The CREATE TABLE statement of ``table``."""
    defs = []
    counter = autoincrement_key(table)
    own_index_key = _integer_key_not_the_rowid(table)
    for col in table.columns:
        d = f"{quote_ident(col.name)} {ddl_type(col, 'sqlite')}" + column_suffix(col, "sqlite")
        if not col.nullable:
            d += " NOT NULL"
        if col is counter:
            d += " PRIMARY KEY AUTOINCREMENT"
        if col is own_index_key:
            d += " PRIMARY KEY DESC"  # SQLite's one spelling of it that is not the rowid
        defs.append(d)
    # SQLite cannot add a primary key to an existing table, so it is declared up front;
    # loading in key order keeps that cheap (an INTEGER key is the rowid itself).
    if table.primary_key and counter is None and own_index_key is None:
        defs.append(f"PRIMARY KEY ({', '.join(quote_ident(c) for c in table.primary_key)})")
    # Nor a foreign key: those the plan kept are declared here too. This connection does
    # not enforce them (foreign_keys is off), so load order does not matter.
    defs += [foreign_key_clause(fk, quote_ident(fk.ref_table)) for fk in table.foreign_keys]
    # The source's STRICT and WITHOUT ROWID, where every column is declared as there
    # (SQLite to SQLite); WITHOUT ROWID needs its primary key (not with --no-keys).
    options = [
        o
        for o in table.sqlite_options
        if all(c.sqlite_type is not None for c in table.columns)
        and (o != "WITHOUT ROWID" or table.primary_key)
    ]
    return f"CREATE TABLE {quote_ident(table.name)} ({', '.join(defs)}) {', '.join(options)}"


def _without_collation_hint(table: str) -> str:
    return (
        f"leave it out with --exclude {table}, or copy it in that application into a table "
        f"without the collation (CREATE TABLE copy AS SELECT * FROM {quote_ident(table)})"
    )


def _integer_key_not_the_rowid(table: Table) -> Column | None:
    """A SQLite source's ``INTEGER PRIMARY KEY DESC`` column, created so again: declared as a
    table's PRIMARY KEY it would become the rowid, and number the source's NULL keys."""
    if len(table.primary_key) != 1 or "WITHOUT ROWID" in table.sqlite_options:
        return None
    col = table.column(table.primary_key[0])
    declared = (col.sqlite_type or "").upper()
    return col if declared == "INTEGER" and not col.auto_increment else None


def _not_sqlite(target: str) -> ConnectError:
    return ConnectError(
        f"{target!r} is not a SQLite database",
        hint="name a SQLite file, or use duckdb:/// for a DuckDB file",
    )


__all__ = ["SQLiteEndpoint", "qualified"]


def _any_marked(column: Column, strict: bool) -> Column:
    """An existing table's column, its ``sqlite_type`` ``ANY`` where a STRICT table declares
    it so: it takes a value of every storage class as it comes, which no Arrow type says (in a
    table that is not STRICT, ANY is only a NUMERIC affinity: ``takes_any_value``)."""
    if strict and column.source_type.strip().upper() == "ANY":
        return replace(column, sqlite_type="ANY")
    return column

"""PostgreSQL through ADBC: COPY-based streaming reads and COPY BINARY writes, one
transaction per batch. ``postgres_catalog`` describes the tables from the server's catalogs.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from arrowmig.argument_words import cast_option
from arrowmig.auto_keys import (
    identity_resets,
    sequence_moved,
    sequence_name_note,
    sequence_names_sql,
    sequence_renames,
    used_up_note,
    used_up_sql,
)
from arrowmig.comments import comment_statements
from arrowmig.defaults import column_definitions
from arrowmig.endpoints import (
    lost_zeros,
    pg_alone,
    pg_connect,
    pg_foreign_keys,
    pg_grants,
    pg_policies,
    pg_replace,
    pg_sequences,
    pg_types,
    postgres_catalog,
    respelled,
)
from arrowmig.endpoints.cancel_guard import CancelGuard
from arrowmig.endpoints.common import (
    KEY_COLUMN,
    KEY_SEQUENCES_LEFT,
    BaseEndpoint,
    NotTogether,
    build_keys,
    key_range_filter,
    leaving,
    lost_connection,
    raise_if_resumable,
    read_schema,
    resumable,
    short_driver_message,
    sqlstate_of,
)
from arrowmig.endpoints.ctrl_c import deliver_ctrl_c
from arrowmig.endpoints.limits import refuse_empty_names, refuse_too_many_columns
from arrowmig.endpoints.load_triggers import pg_foreign_key_checked, pg_load_triggers
from arrowmig.endpoints.pg_binary_forms import UNDECODABLE_COLUMNS_SQL
from arrowmig.endpoints.pg_catalog_bulk import ManyTables
from arrowmig.endpoints.pg_dressing import (
    Dressing,
    Query,
    of_same_type,
    read_dressing,
    still_to_give,
)
from arrowmig.endpoints.pg_errors import connect_error, lock_holder
from arrowmig.endpoints.pg_hold import invalid_snapshot, snapshot_gone, snapshot_lost
from arrowmig.endpoints.pg_keys import definition_sql, index_names_taken, keys_in_place
from arrowmig.endpoints.pg_own_constraints import (
    column_types,
    coming,
    other_actions,
    planned,
    planned_types,
    present,
    read_own_constraints,
)
from arrowmig.endpoints.pg_partial_reads import refuse_partial_reads, refuse_partial_reads_of
from arrowmig.endpoints.pg_privileges import (
    ReadRefusal,
    checkpoint_read_refusal,
    checkpoint_refusal,
    create_refusal,
    read_refusals,
    refused_error,
)
from arrowmig.endpoints.pg_row_size import TOO_BIG_HINT
from arrowmig.endpoints.pg_scans import read_scans
from arrowmig.endpoints.pg_server_reads import with_columns_named
from arrowmig.endpoints.pg_storage import storage_settings
from arrowmig.endpoints.pg_text_types import with_types_read_from_text
from arrowmig.endpoints.pg_values import (
    INTERVAL_OVERFLOW,
    from_driver_batch,
    infinities_apart,
    interval_too_long,
    move_staged_sql,
    read_expression,
    sign_column,
    wire_column,
)
from arrowmig.endpoints.pg_wire import PIN_SESSION_SQL, WireError, named_session_sql
from arrowmig.endpoints.postgres_catalog import DOMAIN_DEFINITION_SQL
from arrowmig.endpoints.stand_in import to_try, tried
from arrowmig.endpoints.validate import check_no_nul, lacked_character_words, refused_character
from arrowmig.errors import (
    LOCK_LOST,
    LOCK_LOST_SQLSTATE,
    ArrowmigError,
    ConnectError,
    SchemaError,
    StatementStopped,
    TransferError,
    TransientError,
)
from arrowmig.model import ForeignKey, Index, KeyRange, PgDefinition, Table, TableLoad
from arrowmig.run_tables import run_tables
from arrowmig.schema import (
    INEXACT,
    INEXACT_HINT,
    PG_ARRAY_LITERAL_FUNCTION,
    PG_EXACT_FUNCTION,
    PG_RECTANGULAR_FUNCTION,
    RAGGED,
    RAGGED_HINT,
    ddl_type,
    pg_array_again,
    pg_server_cast,
    qualified,
    quote_ident,
    quote_literal,
    to_wire,
    unbounded_pg_type,
)
from arrowmig.urls import EndpointUrl

if TYPE_CHECKING:
    from arrowmig.endpoints.pg_hold import HeldSnapshot
    from arrowmig.endpoints.pg_wire import WireConnection

MAX_IDENTIFIER_BYTES = 63
_SNAPSHOT_ID = re.compile(r"[0-9A-Fa-f]+-[0-9A-Fa-f]+-[0-9]+")
_BATCH_BYTES_OPTION = "adbc.postgresql.batch_size_hint_bytes"


class PostgresEndpoint(BaseEndpoint):
    """One ADBC connection to a PostgreSQL database."""

    dialect = "postgresql"

    def __init__(
        self,
        url: EndpointUrl,
        schema: str | None = None,
        *,
        create: bool = False,
        read_only: bool = False,
    ) -> None:
        super().__init__(url, schema or "public")
        deliver_ctrl_c()

        self._schema_ready = False
        """The target schema is there (``ensure_schema`` looked once)."""
        self._durability_deferred = False
        """Commits return before they are on disk (``defer_durability``)."""
        self._together = False
        """Inside ``one_transaction``: statements do not commit on their own."""
        self._broken = False
        """A statement inside ``one_transaction`` failed or was rolled back."""
        self._pending: list[tuple[str, str, str | None]] = []
        """Statements held back by ``_send`` inside ``one_transaction`` (with what each does
        and its table, for an error)."""
        self._durable_together = False
        """Inside a ``one_transaction(durable=True)``."""
        self._broke_with: TransientError | None = None
        """The transient error that broke ``one_transaction``, even if its caller went on."""
        self._server_major: int | None = None
        # All set before the first query: its failure (the server restarting just then) is
        # told by translate and _rollback, which read them.
        self._staged: set[str] = set()
        self._batch_timeout_ms = 0
        self._lock_wait_ms = 0
        self._lock_check = ""
        self._regain_lock: Callable[[], bool] = lambda: False
        self._snapshot: str | None = None
        self._held: HeldSnapshot | None = None
        self._write_prepared: set[str] = set()
        self._wire: WireConnection | None = None
        self._encoding: str | None = None
        self._created_types: dict[str, list[str]] = {}
        """Each table's enum and domain types this connection created (not found there)."""

        refused: ConnectError | None = None
        try:
            self._conn = pg_connect.connect(url.target)
        except Exception as exc:
            refused = connect_error(url, exc, short_driver_message(exc))
        if refused is not None:
            raise refused  # here, not in the except: see connect_error
        self._cursor = self._conn.cursor()
        self._cancels = CancelGuard(self._cursor)
        try:
            pinned = self._query(
                PIN_SESSION_SQL
                if read_only
                else f"{named_session_sql(_WRITING_SESSION_SQL, WRITING)}, {_SERVER_STARTED}"
            )
            # A reading session (a source, verify) never reads a table in part: with row_security
            # off, a policy that would hide rows fails the read instead (as pg_dump reads).
            if read_only:
                self._query(_READ_WHOLE_TABLES_SQL)
        except BaseException:
            # Closed here, not by the garbage collector at exit (which says it could not).
            with contextlib.suppress(Exception):
                self.close()
            raise
        self.server_started: str | None = None if read_only else str(pinned[0][-1])
        """When the server started (a writer's): a session found gone with the server still
        up since is one ended from outside it (``pg_terminate_backend``), not a crash."""
        self._reads_whole_tables = read_only

    @property
    def _schema(self) -> str:
        assert self.schema is not None
        return self.schema

    def end_reads(self) -> None:
        if self._open_reads:
            super().end_reads()
            self._rollback()  # a read stopped early leaves its COPY's transaction open

    def close(self) -> None:
        self._cancels.stop_cancels()
        try:
            self.end_reads()
            self.drop_wire()
            self._rollback()
        finally:
            # Closed whatever failed above (a stop mid-statement): else the garbage
            # collector closes it at exit, and says it could not.
            try:
                self._cursor.close()
            finally:
                self._conn.close()

    def _query(self, sql: str, params: tuple[Any, ...] | None = None) -> list[tuple[Any, ...]]:
        try:
            self._flush()
            if params:
                self._cursor.execute(sql, params)
            else:
                self._cursor.execute(sql)
            rows: list[tuple[Any, ...]] = self._cursor.fetchall()
            # Inside: a connection lost as the read commits is told as one lost while reading.
            self._commit()
        except Exception as exc:
            # A failed statement aborts the transaction until it is rolled back.
            self._rollback()
            if lost_connection(exc):
                # Whatever the read: the connection is what failed (a restart, a network cut,
                # a terminated backend), which planning stops on as a server not reached and
                # a stream retries; the driver's error escaped as "unexpected" (exit 1).
                raise self.translate(exc, "reading the catalog") from exc
            raise
        return rows

    def _query_for(self, what: str, table: str | None = None) -> Query:
        """``_query`` whose driver errors arrive as arrowmig's, told as ``what``: a catalog
        read of a table another session holds locked waits ``--batch-timeout``, and that
        wait is a lock wait (retried, and named with its holder), not an unexpected error."""

        def query(sql: str, params: tuple[Any, ...] | None = None) -> list[tuple[Any, ...]]:
            try:
                return self._query(sql, params)
            except Exception as exc:
                raise self.translate(exc, what, table) from exc

        return query

    def _run(self, sql: str, what: str, table: str | None = None, *, now: bool = False) -> None:
        """Run statements whose rows are not wanted, each commit its own (``_send``; ``now``:
        not held back, even inside ``one_transaction``)."""
        try:
            if now:
                self._flush()
                self._cursor.executemany(sql, None)
            else:
                self._send(sql, what, table)
            self._commit()
        except Exception as exc:
            self._rollback()
            raise self.translate(exc, what, table) from exc

    def _send(self, sql: str, what: str = "running a statement", table: str | None = None) -> None:
        """Run statements whose rows, if any, are not wanted (several, separated by ``;``),
        by PostgreSQL's simple protocol: one round trip, where ``execute`` takes two (prepare,
        then run). The driver does so for a statement run with no parameters as
        ``executemany``; its errors read as ``execute``'s. Inside ``one_transaction`` they
        wait to go with the next statement that returns rows or takes parameters, or with
        the commit, all in one round trip (one that fails undoes the whole transaction
        anyway, whichever it was: its error is told as the first one's, with its ``what``)."""
        if self._together:
            self._pending.append((sql, what, table))
        else:
            self._cursor.executemany(sql, None)

    def _flush(self) -> None:
        """Send the statements ``_send`` held back, in one round trip."""
        if not self._pending:
            return
        sql = ";\n".join(statement for statement, _, _ in self._pending)
        # Told as the first statement that says what it does (not this setting's).
        _, what, table = next((p for p in self._pending if p[1]), ("", "running a statement", None))
        self._pending.clear()
        try:
            self._cursor.executemany(sql, None)
        except Exception as exc:
            self._rollback()
            raise self.translate(exc, what, table) from exc

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if not params and _RETURNS_NO_ROWS.match(sql):
            # An ANALYZE runs at once: its time is reported when long (``loading._analyze``).
            self._run(sql, "running a statement", now=_ANALYZE.match(sql) is not None)
            return []
        try:
            self._flush()
        except Exception as exc:
            self._rollback()
            raise self.translate(exc, "running a statement") from exc
        return super().execute(sql, params)

    def run_in_transaction(
        self, statements: list[str], what: str, table: str | None = None
    ) -> None:
        if statements:  # in one round trip
            self._run(";\n".join(statements), what, table)

    def _commit(self) -> None:
        if not self._together:
            self._conn.commit()

    def _rollback(self) -> None:
        if self._together:
            self._broken = True  # what ran before is undone: the whole block is
        self._pending.clear()
        super()._rollback()

    @contextlib.contextmanager
    def one_transaction(self, *, durable: bool = False) -> Iterator[None]:
        """The statements run inside (``_query``, ``_run``, ``execute``, ``run_in_transaction``)
        commit together at its end, not each on its own. One that fails, or a step that
        rolls back on purpose (a trial), undoes them all: the block then rolls back and raises
        (``NotTogether``, or the error), nothing of it committed, and what this connection
        remembers of its work (a schema made, types created) is as before it. Used through
        ``common.together``, which then does the work again one statement at a time.
        ``durable``: it commits as ``execute_durably`` does (said with its first statements,
        not in a round trip of its own)."""
        if self._together:
            yield  # inside another: its statements are that one's
            return
        remembered = (
            self._schema_ready,
            {table: list(types) for table, types in self._created_types.items()},
            set(self._staged),
        )
        self._together, self._broken, self._broke_with = True, False, None
        if durable and self._durability_deferred:
            self._send(_DURABLE_SQL, "")
            self._durable_together = True
        try:
            yield
            if self._broke_with is not None:
                # A lost connection or a lock held elsewhere: the caller retries the whole.
                raise self._broke_with
            if self._broken:
                raise NotTogether("a statement of the transaction failed or was undone")
            self._together = False
            try:
                self._flush()
                self._conn.commit()
            except Exception as exc:
                raise self.translate(exc, "committing") from exc
        except BaseException:
            self._together = False
            self._rollback()
            self._schema_ready, self._created_types, self._staged = remembered
            raise
        finally:
            self._together = self._durable_together = False

    def defer_durability(self) -> None:
        """Let this connection's commits return before the server has flushed them to disk
        (``synchronous_commit`` off), as each batch's already does: a server crash can then
        lose the last commits, never part of one and never one without those before it,
        which leaves the state a run killed a moment earlier leaves, and --resume continues
        from it. ``execute_durably`` is for what the run reports: a table done, the run's
        end. Each commit that waits for the disk cost about 3 ms; 2,000 small tables made
        eight each (creating, recording, keys, statistics).
        """
        self._run("SET synchronous_commit TO off", "setting up the session")
        self._durability_deferred = True

    def execute_durably(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """``execute``, returning once its commit, and so every commit before it on the
        server, is on disk (whatever ``defer_durability`` set)."""
        if self._durability_deferred and not self._durable_together:
            try:
                self._send(_DURABLE_SQL)
            except Exception as exc:
                self._rollback()
                raise self.translate(exc, "running a statement") from exc
        return self.execute(sql, params)

    def use_snapshot(self, held: HeldSnapshot) -> None:
        """Read every table from ``held``'s snapshot, so that all streams see one moment of
        the source; and take part in the run's relay of lock waits (pg_hold)."""
        if not _SNAPSHOT_ID.fullmatch(held.id):
            raise ValueError(f"not a snapshot id: {held.id!r}")
        self._snapshot = held.id
        self._held = held
        self._query(_READER_SQL, _reader_params(held))

    def _enter_snapshot(self, table: str | None = None) -> None:
        # Each read runs in a fresh transaction that adopts the exported snapshot.
        try:
            self._conn.commit()
            self._cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            self._cursor.execute(f"SET TRANSACTION SNAPSHOT '{self._snapshot}'")
        except Exception as exc:
            self._rollback()
            what = f"reading {table!r}" if table else "reading the source"
            raise self.translate(exc, what, table) from exc

    def snapshot_gone(self) -> bool:
        """Whether the run's snapshot, which this source reads from, is gone (its server
        restarted): then no retry of a read can succeed (``pg_hold.snapshot_gone``)."""
        if self._snapshot is None:
            return False
        return snapshot_gone(self.url.target, self._snapshot)

    # -- raw COPY between two PostgreSQL databases (direct_copy) -----------------------------
    def wire(self) -> WireConnection:
        """A second connection, at the libpq level, for COPY passed on undecoded, and for
        building a table's indexes side by side with this one (``_key_lane``)."""
        if self._wire is None:
            from arrowmig.endpoints.pg_wire import WireConnection

            refused: ConnectError | None = None
            try:
                self._wire = WireConnection(self.url.target)
                if self._reads_whole_tables:
                    self._wire.execute("SET row_security = off")
                if self._held is not None:
                    self._wire.execute(_READER_SQL, _reader_params(self._held))
                if not self._reads_whole_tables:  # a writing session's: for its index builds
                    self._wire.execute(f"SELECT {_KEY_BUILD_MEMORY}")
                if self._lock_wait_ms:  # a target's: as this connection's own (a pinned 0)
                    self._wire.execute(
                        "SELECT set_config('lock_timeout', $1, false)", (str(self._lock_wait_ms),)
                    )
            except Exception as exc:
                refused = connect_error(self.url, exc)
            if refused is not None:
                raise refused  # here, not in the except: see connect_error
        assert self._wire is not None  # set by the try, or refused
        return self._wire

    def drop_wire(self) -> None:
        """Close the libpq connection (after a failure, or mid-COPY); the next use opens one."""
        if self._wire is not None:
            with contextlib.suppress(Exception):
                self._wire.close()
            self._wire = None

    def wire_read_begin(self) -> str:
        """The statement that starts a direct read: in the run's snapshot, when it has one."""
        if self._snapshot is None:
            return "BEGIN"
        return f"BEGIN ISOLATION LEVEL REPEATABLE READ; SET TRANSACTION SNAPSHOT '{self._snapshot}'"

    def batch_settings_sql(self) -> str:
        return _batch_settings_sql(self._batch_timeout_ms)

    def column_types(self, name: str) -> dict[str, tuple[str, bool]]:
        """Each column's type as the server spells it (with its modifier), and whether the
        server computes it (a generated column, which COPY cannot write)."""
        rows = self._query(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attgenerated <> '' "
            "FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 "
            "AND NOT a.attisdropped",
            (qualified(name, self._schema),),
        )
        return {str(n): (str(t), bool(g)) for n, t, g in rows}

    def undecodable_columns(self, name: str) -> set[str]:
        """The columns whose binary COPY form another database cannot take as it is
        (``pg_binary_forms``): a type with no binary form (isbn13, seg), or one whose form
        holds this database's type numbers (a composite, an array of an enum)."""
        rows = self._query(UNDECODABLE_COLUMNS_SQL, (qualified(name, self._schema),))
        return {str(r[0]) for r in rows}

    def database_encoding(self) -> str:
        """The database's character encoding ('UTF8', 'LATIN1', 'SQL_ASCII', ...)."""
        if self._encoding is None:
            self._encoding = str(self._query("SELECT current_setting('server_encoding')")[0][0])
        return self._encoding

    def monetary_locale(self) -> str:
        """The locale money is written in (``lc_monetary``: '$1,234.50' under en_US)."""
        return str(self._query("SELECT current_setting('lc_monetary')")[0][0])

    def database_identity(self) -> tuple[str, ...] | None:
        """What names this database whatever URL reached it (localhost or 127.0.0.1, a host
        name, a socket): the cluster's system identifier (a physical replica shares it, and
        its data too), the server's start time and port (two clusters cloned from one data
        directory share the identifier; the time as a number, as text it follows the
        session's TimeZone), and the database's name. None where it cannot be read
        (pg_control_system is executable by PUBLIC unless revoked)."""
        try:
            row = self._query(
                "SELECT (SELECT system_identifier FROM pg_control_system())::text, "
                "extract(epoch FROM pg_postmaster_start_time())::text, current_setting('port'), "
                "current_database()"
            )[0]
        except Exception:
            return None
        return tuple(str(v) for v in row)

    @contextlib.contextmanager
    def session_mark(self) -> Iterator[tuple[int, int]]:
        """This session holds an advisory lock on a random key inside the block: yields its
        pid and the key, for ``sees_session_mark`` on another connection. It needs no
        privilege (``database_identity`` needs pg_control_system, which may be revoked)."""
        key = secrets.randbits(63)
        pid = self._query("SELECT pg_backend_pid(), pg_advisory_lock($1::int8)", (key,))[0][0]
        try:
            yield int(pid), key
        finally:
            self._query("SELECT pg_advisory_unlock($1::int8)", (key,))

    def sees_session_mark(self, pid: int, key: int) -> bool:
        """Whether session ``pid`` holds the lock of ``session_mark`` in this very database
        (pg_locks, readable by every role; a bigint key is kept as two halves)."""
        rows = self._query(
            "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = $1 "
            "AND classid = $2::int8::oid AND objid = $3::int8::oid AND objsubid = 1 "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            (pid, key >> 32, key & 0xFFFFFFFF),
        )
        return bool(rows)

    def server_major(self) -> int:
        # Asked once per connection (it was asked per table, a round trip each).
        if self._server_major is None:
            version = self._query("SELECT current_setting('server_version_num')::int")[0][0]
            self._server_major = int(version) // 10000
        return self._server_major

    def require_lock(self, check_sql: str, regain: Callable[[], bool]) -> None:
        """Commit a batch only if ``check_sql`` passes in its transaction: the run still
        holds its lock on the target tables (``run_lock``). Failing, the batch is retried if
        ``regain`` took the lock again (after a server restart, most often)."""
        self._lock_check = check_sql
        self._regain_lock = regain

    def lock_check_sql(self) -> str:
        """What a batch's transaction runs last before its commit (``require_lock``), or ''."""
        return self._lock_check

    def held_again(self, error: ArrowmigError, table: str) -> ArrowmigError:
        """A batch's ``error``; one of a lost lock (``require_lock``) the run took again is
        transient: the batch is retried."""
        # By the check's own SQLSTATE as well: a session ended while it ran the check had
        # the check's text, and so LOCK_LOST, in its driver's error, with the lock still held.
        state = getattr(error, "sqlstate", None)  # a TransferError's, from the driver
        lost = state == LOCK_LOST_SQLSTATE and LOCK_LOST in error.message
        if lost and self._regain_lock():
            return TransientError(
                f"writing {table!r}: {LOCK_LOST} (its session was ended): taking them again",
                table=table,
            )
        return error

    def set_statement_timeout(self, seconds: float) -> None:
        """Cancel a batch write that runs longer (SET LOCAL: reads and index builds may take
        longer), and any statement that waits longer for a lock (the whole session: a DROP
        or ALTER of a table another session holds locked would otherwise wait forever).

        The lock wait ends a little sooner than the batch: a batch that waited for a lock all
        along is then told as the lock it waited for, and who holds it, not as a slow batch."""
        self._batch_timeout_ms = int(seconds * 1000)
        self._lock_wait_ms = max(
            1, self._batch_timeout_ms - min(1000, self._batch_timeout_ms // 10)
        )
        self._query("SELECT set_config('lock_timeout', $1, false)", (str(self._lock_wait_ms),))

    def translate(
        self,
        exc: BaseException,
        what: str,
        table: str | None = None,
        *,
        name_holder: bool = True,
    ) -> ArrowmigError:
        """``exc`` in arrowmig's words. ``name_holder``: a lock timeout names the session
        holding the lock, asked on this endpoint's connection (not from another thread while
        that connection is busy: ``_key_lane``)."""
        if self._snapshot is not None and invalid_snapshot(exc):
            return snapshot_lost(table)
        error = super().translate(exc, what, table)
        if self._together and isinstance(error, TransientError) and self._broke_with is None:
            self._broke_with = error  # raised at the end of one_transaction, for a retry
        state = sqlstate_of(exc)
        seconds = f"{self._batch_timeout_ms / 1000:.15g}"
        if state == "55P03" and "lock timeout" in str(exc):  # lock_not_available
            option = "--batch-timeout"
            if self._held is not None:  # a reading connection of a held source
                seconds, option = f"{self._held.lock_wait_s:.15g}", "--lock-wait-timeout"
            elif self._lock_wait_ms:
                seconds = f"{self._lock_wait_ms / 1000:.15g}"
            holder = self._lock_holder(table) if name_holder else ""
            error.message = self._clean(f"{what}: waited {seconds} s for a lock{holder}")
            error.hint = (
                "end that session's transaction (or SELECT pg_terminate_backend(pid)), or "
                f"let arrowmig wait longer with {option} (seconds)"
            )
        elif state == "22P05" and error.hint is None:  # untranslatable_character
            # A batch's rows are named by the pipeline; this is the rest: a default, a CHECK,
            # a comment or an enum label with a character the database's encoding lacks.
            error.hint = (
                "the table's definition holds it (a default, a CHECK, a comment): load into a "
                "database created WITH ENCODING 'UTF8', or change that text in the source"
            )
        elif state == "22000" and error.hint is None and INEXACT in error.message:
            error.hint = INEXACT_HINT  # PG_EXACT's refusal
        elif state == "22000" and error.hint is None and RAGGED in error.message:
            error.hint = RAGGED_HINT  # PG_RECTANGULAR's refusal
        elif state == "54000" and "row is too big" in str(exc) and error.hint is None:
            error.hint = TOO_BIG_HINT  # a table that exists, or rows the plan did not count
        elif state == "57014" and "statement timeout" in str(exc) and error.hint is None:
            error.hint = (
                f"a statement ran longer than --batch-timeout ({seconds} s): raise it if the "
                "batches are slow, or look for what holds them up (a trigger, a lock)"
            )
        return error

    def _lock_holder(self, table: str | None) -> str:
        target = qualified(table, self._schema) if table else ""
        return lock_holder(self._query, target, self._held.holder_pid if self._held else 0)

    def server_version(self) -> str:
        return str(self._query("SHOW server_version")[0][0])

    # -- catalog (postgres_catalog reads it) ----------------------------------------------
    def list_tables(self) -> list[str]:
        return postgres_catalog.list_tables(self._query, self._schema)

    def own_named_tables(self) -> list[str]:
        """The tables ``list_tables`` leaves out as arrowmig's own, by their name."""
        return postgres_catalog.list_tables(self._query, self._schema, own_named=True)

    def list_views(self) -> list[str]:
        return postgres_catalog.list_views(self._query, self._schema)

    def other_schemas(self) -> dict[str, int]:
        return postgres_catalog.other_schemas(self._query, self._schema)

    def partitions(self) -> dict[str, str]:
        return postgres_catalog.partitions(self._query, self._schema)

    def extension_tables(self) -> dict[str, str]:
        return postgres_catalog.extension_tables(self._query, self._schema)

    def foreign_keys_between(self, schemas: list[str]) -> list[tuple[str, str, ForeignKey]]:
        return postgres_catalog.foreign_keys_between(self._query, schemas)

    def views_on(self, name: str) -> list[str]:
        return pg_replace.views_on(self._query, self._schema, name)

    def sequence_users(self, name: str) -> list[tuple[str, str, str]]:
        return pg_replace.sequence_users(self._query, self._schema, name)

    def partitioning_replaced(self, name: str, *, keep_backup: bool) -> list[str]:
        return pg_replace.partitioning_replaced(
            self._query, self._schema, name, keep_backup=keep_backup
        )

    def inheritance_children(self, name: str) -> list[tuple[str, str]]:
        return pg_replace.inheritance_children(self._query, self._schema, name)

    def owner_unless_mine(self, name: str) -> str | None:
        return pg_replace.owner_unless_mine(self._query, self._schema, name)

    def foreign_keys_into(self, name: str, moved: Collection[str]) -> list[tuple[str, str, str]]:
        query = self._query_for(f"reading the foreign keys into {name!r}", name)
        return pg_foreign_keys.foreign_keys_into(query, self._schema, name, moved)

    def planned_keys_into(
        self,
        table: Table,
        moved: Collection[str],
        dressing: Sequence[Dressing] = (),
        *,
        keep_backup: bool = False,
    ) -> list[str]:
        """The foreign keys of other tables into the table ``table`` replaces that point at a
        column ``table`` lacks, or has with a type theirs cannot point at: the run cannot add
        them again (``_restore_foreign_keys``)."""
        return [
            pg_foreign_keys.not_restored(child, name, definition, why)
            for child, name, definition, why in self._keys_into_fates(table, moved)
            if why is not None
        ]

    def planned_keys_again(self, table: Table, moved: Collection[str]) -> list[str]:
        """The foreign keys of other tables into the table ``table`` replaces that the run adds
        again, each as the report names it (checked then against the new rows)."""
        return [
            pg_foreign_keys.restored_label(child, name, definition)
            for child, name, definition, why in self._keys_into_fates(table, moved)
            if why is None
        ]

    def _keys_into_fates(
        self, table: Table, moved: Collection[str]
    ) -> list[tuple[str, str, str, str | None]]:
        """Each foreign key into the table ``table`` replaces, with why the new table cannot
        take it, or None."""
        columns = [c.name for c in table.columns]
        fates = []
        types: dict[str, str] | None = None
        for child, name, definition in self.foreign_keys_into(table.name, moved):
            why = pg_foreign_keys.column_gone(definition, columns)
            if why is None:
                types = planned_types(self._query, table) if types is None else types
                why = pg_foreign_keys.type_clash(self._query, child, name, types)
            fates.append((child, name, definition, why))
        return fates

    def restore_foreign_key(
        self, parent: str, table: str, name: str, definition: str
    ) -> str | None:
        """``pg_foreign_keys.restore_foreign_key``: a deadlock retried here, but inside
        ``one_transaction``, which it undid whole (its caller retries all of it)."""
        query = self._query_for(f"reading the rows of {table} that break {name}")
        return pg_foreign_keys.restore_foreign_key(
            self._run, query, parent, table, name, definition, retry=not self._together
        )

    def policies_on(self, name: str) -> list[str]:
        return pg_replace.policies_on(self._query, self._schema, name)

    def load_triggers(self, name: str, mode: str) -> list[str]:
        """The triggers loading rows into table ``name`` sets off (``load_triggers``)."""
        return pg_load_triggers(self._query, self._schema, name)

    def foreign_key_checked(self, name: str, constraint: str) -> bool:
        """Whether loading into ``name`` checks its foreign key ``constraint`` (enabled)."""
        return pg_foreign_key_checked(self._query, self._schema, name, constraint)

    def schema_usage(self) -> list[tuple[str, bool]]:
        """The roles this schema grants USAGE to (``pg_grants.schema_usage``)."""
        return pg_grants.schema_usage(self._query, self._schema)

    def schema_exists(self) -> bool:
        return bool(self._query("SELECT 1 FROM pg_namespace WHERE nspname = $1", (self._schema,)))

    def lacking_usage(self, roles: list[str]) -> list[str]:
        """Those of ``roles`` without USAGE on this schema."""
        return pg_grants.lacking_usage(self._query, self._schema, roles)

    def roles_missing(self, roles: list[str]) -> list[str]:
        """Those of ``roles`` this server has no role of (a policy naming one cannot be made)."""
        return pg_policies.roles_missing(self._query, roles)

    def table_dressing(
        self, name: str, columns: Collection[str], moved: Collection[str]
    ) -> list[Dressing]:
        """What table ``name`` has beyond the columns, keys and rows a new table of its name
        with ``columns`` gets from the source, each with the statement that gives it to that
        table (a replace builds a new table; these would go with the old one): its own
        constraints, NOT NULLs, defaults and rules (``pg_own_constraints``; ``moved``: the
        run's tables), then privileges, triggers, indexes, ... (``pg_dressing``)."""
        target = qualified(name, self._schema)
        query = self._query_for(f"reading the constraints, indexes and grants of {name!r}", name)
        own = read_own_constraints(query, target, self._schema, columns, run_tables(moved))
        return own + read_dressing(query, target, columns)

    def storage_of(self, name: str) -> list[PgDefinition]:
        """Table ``name``'s own storage parameters and statistics targets (``pg_storage``):
        a replaced table's, which the new one keeps."""
        query = self._query_for(f"reading the storage settings of {name!r}", name)
        found = query("SELECT to_regclass($1)::oid", (qualified(name, self._schema),))
        oid = found[0][0] if found else None
        return storage_settings(query, int(oid)) if oid is not None else []

    def still_to_give(self, table: Table, dressing: list[Dressing]) -> list[Dressing]:
        """``dressing`` less what the new ``table`` has, or will have once every table is
        loaded (its PostgreSQL-only definitions, its foreign keys)."""
        query = self._query_for(
            f"reading the constraints and indexes of {table.name!r}", table.name
        )
        target = qualified(table.name, self._schema)
        have, taken = present(query, target)
        more, names = coming(table)
        types = column_types(query, target)
        dressing = other_actions(of_same_type(dressing, types), table)
        return still_to_give(dressing, have | more, taken | names, types)

    def publishing_every_table(self) -> list[str]:
        return pg_replace.publishing_every_table(self._query, self._schema)

    def planned_dressing(
        self, table: Table, moved: Collection[str], *, keep_backup: bool = False
    ) -> list[Dressing]:
        """What ``--mode replace`` would give the new ``table`` from the one of its name, told
        before it is built (``still_to_give`` once it is)."""
        dressing = self.table_dressing(table.name, [c.name for c in table.columns], moved)
        types = planned_types(self._query, table)
        dressing = of_same_type(dressing, types)
        return self._tried(
            table, still_to_give(other_actions(dressing, table), *planned(table), types)
        )

    def _tried(self, table: Table, dressing: list[Dressing]) -> list[Dressing]:
        """``dressing`` tried (``stand_in``) on a temporary table built as the run builds
        ``table``, under its name (an error may name the table), each item in a transaction
        of its own, rolled back; ``dressing`` as it is where no such table can be built (a
        type the run creates first)."""
        if not to_try(dressing):
            return dressing
        key = f", PRIMARY KEY ({', '.join(map(quote_ident, table.primary_key))})"
        columns = ", ".join(column_definitions(table, "postgresql"))
        stand_in = f"pg_temp.{quote_ident(table.name)}"
        build = f"CREATE TEMP TABLE {stand_in} ({columns}{key if table.primary_key else ''})"
        self._flush()
        try:
            self._cursor.execute(build)
        except Exception:
            return dressing
        finally:
            self._rollback()

        def run(sql: str) -> None:
            # The driver takes no statement after one fails until the transaction is rolled
            # back (a savepoint's too): each is tried on a stand-in of its own.
            try:
                self._cursor.execute(build)
                self._cursor.execute(sql)
            except Exception as exc:
                self._rollback()
                raise self.translate(exc, "running a statement") from exc
            self._rollback()

        return tried(dressing, stand_in, run)

    def has_constraint(self, table: str, name: str) -> bool:
        return bool(
            self._query(
                "SELECT 1 FROM pg_constraint WHERE conrelid = $1::regclass AND conname = $2",
                (qualified(table, self._schema), name),
            )
        )

    def table_exists(self, name: str) -> bool:
        return postgres_catalog.table_exists(self._query, self._schema, name)

    def tables_present(self, names: list[str]) -> set[str]:
        """Which of ``names`` ``table_exists`` finds, in one query for all of them."""
        return postgres_catalog.tables_present(self._query, self._schema, names)

    def tables_present_in(self, schema: str, names: list[str]) -> set[str]:
        """``tables_present`` in another schema of the target."""
        return postgres_catalog.tables_present(self._query, schema, names)

    def declared_columns(self, name: str) -> list[tuple[str, str]]:
        return postgres_catalog.declared_columns(self._query, self._schema, name)

    def declared_columns_of(self, names: list[str]) -> dict[str, list[tuple[str, str]]]:
        """``declared_columns`` of several tables in one query."""
        return postgres_catalog.declared_columns_of(self._query, self._schema, names)

    def omittable_columns(self, name: str) -> set[str]:
        return postgres_catalog.omittable_columns(self._query, self._schema, name)

    def computed_columns(self, name: str) -> set[str]:
        return postgres_catalog.computed_columns(self._query, self._schema, name)

    def describe(
        self, name: str, *, profile: bool = True, workers: int = 1, presume: bool = False
    ) -> Table:
        # A dozen catalog queries, read in one transaction: a commit each cost a round trip.
        with self.one_transaction():
            refuse_partial_reads(self._query, self.url.redacted, self._schema, name)
            try:
                return postgres_catalog.describe(
                    self._query,
                    self._schema,
                    name,
                    where=self.url.redacted,
                    specials="presume" if presume else "look" if profile else "ignore",
                )
            except ArrowmigError:
                raise
            except Exception as exc:
                if sqlstate_of(exc) == "42501":  # insufficient_privilege
                    refused = self.unreadable([name]) or refused_error(
                        self.url.redacted, self.current_user(), [ReadRefusal(self._schema, name)]
                    )
                    raise refused from exc
                raise self.translate(exc, f"describing {name!r}", name) from exc

    def describe_many(
        self, names: list[str], *, profile: bool = True, workers: int = 1, presume: bool = False
    ) -> dict[str, Table]:
        """``describe`` of each of ``names``, the catalogs read for many of them at once
        (``pg_catalog_bulk``): a dozen round trips for each lot of tables, not a dozen per
        table. A lot is one transaction, whose locks (a table's, its sequence's) last until
        it ends: lots keep them within the server's lock table, as tables one at a time did."""
        specials = "presume" if presume else "look" if profile else "ignore"
        described: dict[str, Table] = {}
        for start in range(0, len(names), _TABLES_DESCRIBED_TOGETHER):
            lot = names[start : start + _TABLES_DESCRIBED_TOGETHER]
            try:
                described |= self._describe_together(lot, specials)
            except (StatementStopped, TransientError):
                raise  # a stop, a lost connection: not the tables' doing
            except Exception as exc:
                if self.stopping or lost_connection(exc):
                    raise self.translate(exc, "describing tables") from exc
                # A table that cannot be described (missing, unreadable, refused): one at a
                # time, which names the first such table with the error describe gives it.
                for name in lot:
                    described[name] = self.describe(
                        name, profile=profile, workers=workers, presume=presume
                    )
        return described

    def _describe_together(self, names: list[str], specials: str) -> dict[str, Table]:
        with self.one_transaction():
            # Statements for hundreds of tables are costed high enough to be compiled, which
            # took longer (~0.2 s each) than running them on the catalogs' indexes.
            self._send("SET LOCAL jit = off", "describing tables")
            refuse_partial_reads_of(self._query, self.url.redacted, self._schema, names)
            many = ManyTables(self._query, self._schema, names)
            unscanned = [
                postgres_catalog.describe_unscanned(
                    self._query,
                    self._schema,
                    name,
                    where=self.url.redacted,
                    specials=specials,
                    many=many,
                )
                for name in names
            ]
            counts = read_scans(self._query, [scan for scan, _ in unscanned])
        return {
            name: table(counted)
            for name, (_, table), counted in zip(names, unscanned, counts, strict=True)
        }

    def unreadable(self, names: list[str], several_schemas: bool = False) -> SchemaError | None:
        """Every privilege this user lacks to read the tables ``names``, named with its GRANT
        in one error, or None; ``several_schemas``: the run names tables ``schema.table``."""
        refusals = self.read_refusals(names)
        if not refusals:
            return None
        return refused_error(self.url.redacted, self.current_user(), refusals, several_schemas)

    def read_refusals(self, names: list[str]) -> list[ReadRefusal]:
        """What this user lacks to read the tables ``names`` (USAGE, SELECT, columns)."""
        return read_refusals(self._query, self._schema, names)

    def current_user(self) -> str:
        return str(self._query("SELECT current_user")[0][0])

    def refuse_unusable_checkpoints(self) -> None:
        """Refuse a run, before anything is written, when the checkpoint table it would
        record its progress in is another user's that this one may not write."""
        refused = checkpoint_refusal(self._query, self._schema, self.url.redacted)
        if refused is not None:
            raise refused

    def refuse_uncreatable(self, tables: list[str]) -> None:
        """Refuse a run, before anything is written, when this user may not create the
        tables ``tables`` (and the checkpoint table, not there yet) in the target schema."""
        refused = create_refusal(self._query, self._schema, self.url.redacted, tables)
        if refused is not None:
            raise refused

    def refuse_unreadable_checkpoints(self, privileges: tuple[str, ...], doing: str) -> None:
        """Refuse ``arrowmig status`` (which ``doing`` the checkpoint table, needing
        ``privileges``) when the table is another user's this one lacks them on."""
        refused = checkpoint_read_refusal(
            self._query, self._schema, self.url.redacted, privileges, doing
        )
        if refused is not None:
            raise refused

    # -- reading --------------------------------------------------------------------------
    def read(
        self,
        table: Table,
        *,
        batch_rows: int,
        key_range: KeyRange | None = None,
        with_key: bool = False,
        batch_bytes: int | None = None,
    ) -> pa.RecordBatchReader:
        exprs = [read_expression(c) for c in table.columns]
        key = quote_ident(table.split_key) if table.split_key else None
        if with_key:
            # Named apart: a bare "id"::int8 is also called id, and ORDER BY "id" is ambiguous.
            alias = quote_ident(KEY_COLUMN)
            exprs.append(f"{key}::int8 AS {alias}" if key else f"NULL::int8 AS {alias}")
        source = postgres_catalog.from_clause(self._schema, table.name, table.own_rows_only)
        sql = f"SELECT {', '.join(exprs)} FROM {source}"
        if key_range is not None and key is not None:
            # Ordered only when ranged (a resume needs it); a whole-table read stays a scan.
            sql += key_range_filter(key, key_range) + f" ORDER BY {key}"
        if self._snapshot is not None:
            self._enter_snapshot(table.name)
        cursor = self._conn.cursor()
        self._open_reads.append(cursor)
        try:
            if batch_bytes:
                cursor.adbc_statement.set_options(**{_BATCH_BYTES_OPTION: str(batch_bytes)})
            cursor.execute(sql)
            raw = cursor.fetch_record_batch()
        except Exception as exc:
            self._forget_read(cursor)
            self._rollback()
            raise self.translate(exc, f"reading {table.name!r}", table.name) from exc
        schema = read_schema(table, with_key)
        batches = self._typed(table, raw, cursor, schema)
        return self.guarded_reader(table, schema, batches)

    def count_rows(self, table: Table) -> int:
        """The rows ``read(table)`` streams, counted by the server, in the snapshot read
        from: ``verify --level count`` streamed a column of every row to count them."""
        source = postgres_catalog.from_clause(self._schema, table.name, table.own_rows_only)
        if self._snapshot is not None:
            self._enter_snapshot(table.name)
        try:
            return int(self._query(f"SELECT count(*) FROM {source}")[0][0])
        except Exception as exc:
            raise self.translate(exc, f"counting {table.name!r}", table.name) from exc

    def _typed(
        self, table: Table, raw: Any, cursor: Any, schema: pa.Schema
    ) -> Iterator[pa.RecordBatch]:
        try:
            for batch in raw:
                yield from_driver_batch(table, schema, batch)
            self._conn.commit()
        except Exception as exc:
            if INTERVAL_OVERFLOW in str(exc):
                raise interval_too_long(table) from exc
            raise
        finally:
            self._forget_read(cursor)

    # -- writing --------------------------------------------------------------------------
    def check_names(self, table: Table) -> None:
        refuse_empty_names(table, "PostgreSQL")
        refuse_too_many_columns(table, self.dialect)
        for name in [table.name, *(c.name for c in table.columns)]:
            if len(name.encode()) > MAX_IDENTIFIER_BYTES:
                raise SchemaError(
                    f"name {name!r} in table {table.name!r} is {len(name.encode())} bytes; PostgreSQL "
                    f"would silently cut it to {MAX_IDENTIFIER_BYTES}",
                    hint="rename it in the source or leave the table out with --exclude",
                    table=table.name,
                )
            if "\x00" in name:
                raise SchemaError(f"name {name!r} contains a NUL byte", table=table.name)
        self._refuse_names_the_encoding_lacks(table)

    def _refuse_names_the_encoding_lacks(self, table: Table) -> None:
        """A name with a character the database's encoding lacks ('日' in LATIN1), refused
        before the first query that names it fails with the server's raw message. The server
        itself answers whether it holds the name: its conversion tables are the truth."""
        if self.database_encoding() in ("UTF8", "SQL_ASCII"):
            return  # UTF8 holds every character; SQL_ASCII takes any bytes
        for name in [table.name, *(c.name for c in table.columns)]:
            if name.isascii():
                continue
            try:
                self._query("SELECT $1::text", (name,))
            except Exception as exc:
                character = refused_character(str(exc))
                if sqlstate_of(exc) != "22P05" or character is None:
                    raise self.translate(exc, f"checking the name {name!r}", table.name) from exc
                where = "" if name == table.name else f" in table {table.name!r}"
                raise SchemaError(
                    f"name {name!r}{where}: "
                    + lacked_character_words(character, self.database_encoding()),
                    hint="rename it in the source, load into a database created WITH ENCODING "
                    "'UTF8', or leave the table out with --exclude",
                    table=table.name,
                ) from exc

    def ensure_schema(self) -> None:
        # Once per connection: a run creates many tables, each a round trip and a commit.
        if self._schema_ready:
            return
        # CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when the schema is
        # there: a user who may create tables in public but not schemas was refused. (IF NOT
        # EXISTS stays for the connections of one run that create a new schema at once.)
        if not self._schema_there():
            try:
                self._run(
                    f"CREATE SCHEMA IF NOT EXISTS {quote_ident(self._schema)}", "creating schema"
                )
            except ArrowmigError as exc:
                # Runs started together into a new --target-schema create it at once: IF NOT
                # EXISTS looks before it creates, and the later of two failed on the catalog's
                # unique index once the first committed. The schema is there then.
                if self._schema_there():
                    self._schema_ready = True
                    return
                if not isinstance(exc, SchemaError):
                    raise
                # insufficient_privilege: CREATE on the database
                who, db = self._query("SELECT current_user, current_database()")[0]
                exc.hint = (
                    f"creating schema {self._schema!r} needs CREATE on the database: GRANT "
                    f"CREATE ON DATABASE {quote_ident(db)} TO {quote_ident(who)}, create the "
                    "schema first, or pick an existing schema it may write to with "
                    "--target-schema"
                )
                raise
        self._schema_ready = True

    def _schema_there(self) -> bool:
        return bool(self._query("SELECT 1 FROM pg_namespace WHERE nspname = $1", (self._schema,)))

    def create_table(self, table: Table) -> None:
        self.ensure_schema()
        made_before = len(self._created_types.get(table.name, ()))
        try:
            self._create_table(table)
        except ArrowmigError:
            # The types made for it go too: none is left behind by a table never created.
            made = self._created_types.get(table.name, [])
            self.drop_types(made[made_before:])
            del made[made_before:]
            raise

    def _create_table(self, table: Table) -> None:
        for col in table.columns:
            schema = col.pg_type_schema or self._schema
            if col.pg_enum and col.pg_type:
                self._ensure_enum(table.name, col.name, *col.pg_enum, schema)
            elif col.pg_domain and col.pg_type:
                self._ensure_domain(table.name, col.name, *col.pg_domain, schema)
        defs = column_definitions(table, "postgresql")
        target = qualified(table.name, self._schema)
        # An unlogged source table is unlogged here too, and so is its load (no WAL for its
        # rows); a logged one is never loaded unlogged: SET LOGGED afterwards would write
        # every row to the WAL anyway, and a crash meanwhile would empty what was committed.
        unlogged = "UNLOGGED " if table.unlogged else ""
        self._run(
            f"CREATE {unlogged}TABLE {target} ({', '.join(defs)})",
            f"creating {table.name!r}",
            table.name,
        )
        for sql in comment_statements(table, target):
            self._run(sql, f"commenting {table.name!r}", table.name)
        # The source's own names for its key sequences, where no other relation holds them.
        for sql in sequence_renames(table, self._schema, kept_only=True):
            self._run(sql, f"naming the key sequences of {table.name!r}", table.name)

    def _ensure_enum(
        self, table: str, column: str, name: str, labels: tuple[str, ...], schema: str
    ) -> None:
        """Create enum ``name`` in ``schema`` with the source's labels, then check it."""
        target = qualified(name, schema)
        literals = ", ".join(map(quote_literal, labels))
        self._create_type(table, schema, target, f"TYPE {target} AS ENUM ({literals})")
        self.check_enum(table, column, name, labels, schema)

    def type_refusal(self, type_sql: str, arriving: str | None) -> str | None:
        return pg_types.type_refusal(self._query, type_sql, arriving)

    def enum_of(self, type_sql: str) -> tuple[str, tuple[str, ...]] | None:
        return pg_types.enum_of(self._query, type_sql)

    def check_enum(
        self, table: str, column: str, name: str, labels: tuple[str, ...], schema: str
    ) -> None:
        pg_types.check_enum(self._query, schema, table, column, name, labels)

    def _ensure_domain(
        self, table: str, column: str, name: str, definition: str, schema: str
    ) -> None:
        """Create domain ``name`` in ``schema`` as the source defines it, or check the one
        found there (the plan tried the definition already: see check_domain). One of that
        name created meanwhile by another stream is the same source type (``place_type``)."""
        target = qualified(name, schema)
        found = self._create_type(table, schema, target, f"DOMAIN {target} {definition}")
        mine = any(target in made for made in self._created_types.values())
        if found and not mine:
            self.check_domain(table, column, name, definition, schema)

    def extension_type(self, extension: str, name: str, *, table: str, column: str) -> str | None:
        """The type ``name`` of the target's extension ``extension`` (citext's citext), as
        the server spells it: qualified when the extension's schema is not on the search path
        (``extensions.citext``, as hosted servers install it); None without the extension.
        Refused, for ``column`` of ``table``, when the writing user may not use that schema:
        the table could not be created, and the server's refusal named no grant."""
        found = self._query(
            "SELECT t.oid::regtype::text, n.nspname, has_schema_privilege(n.oid, 'USAGE'), "
            "current_user FROM pg_extension e JOIN pg_type t ON t.typnamespace = e.extnamespace "
            "AND t.typname = $2 JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = $1",
            (extension, name),
        )
        if not found:
            return None
        spelled, schema, usable, user = found[0]
        if not usable:
            raise SchemaError(
                f"table {table!r}, column {column!r}: the target's {name} type is in schema "
                f"{schema!r}, which user {user!r} may not use, so the table cannot be created",
                hint=f"GRANT USAGE ON SCHEMA {quote_ident(str(schema))} TO "
                f"{quote_ident(str(user))} (as the schema's owner), or carry the column as text "
                f"with {cast_option(table, column, 'text')} (case then counts)",
                table=table,
            )
        return str(spelled)

    def has_collation(self, name: str) -> bool:
        """Whether the target has a collation of that name (SQL: ``pg_catalog."en-x-icu"``):
        ICU and libc locales differ from one server to another."""
        found = self._query("SELECT to_regcollation($1) IS NOT NULL", (name,))
        return bool(found and found[0][0])

    def check_domain(
        self, table: str, column: str, name: str, definition: str, schema: str
    ) -> None:
        """Refuse a type ``name`` in ``schema`` that is not this domain (the same base type,
        NOT NULL, default and CHECK constraints), or a domain the target cannot create. No
        such type is fine."""
        found = self._domain_definition(schema, name)
        target = qualified(name, schema)
        base_type = (
            f"carry the column as the type it is built on with {cast_option(table, column, 'TYPE')}"
        )
        if found and found[0] != definition and found[0] != self._as_created(schema, definition):
            raise SchemaError(
                f"type {target} exists in the target but is not the source's domain ({definition})",
                hint=f"drop or rename it, or {base_type}",
                table=table,
            )
        if found:
            return
        # A trial, rolled back, in the schema the run would create if it is not there yet: a
        # check calling a function the target lacks is found now, before anything is written.
        try:
            self._cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(schema)}")
            self._cursor.execute(f"CREATE DOMAIN {target} {definition}")
        except Exception as exc:
            raise SchemaError(
                f"domain {target} cannot be created in the target: {short_driver_message(exc)}",
                hint=base_type,
                table=table,
            ) from exc
        finally:
            self._rollback()

    def _domain_definition(self, schema: str, name: str) -> tuple[str | None] | None:
        """The definition of type ``name`` of ``schema`` as DOMAIN_DEFINITION_SQL reads it
        (None inside for a type that is no domain); None without such a type."""
        found = self._query(
            DOMAIN_DEFINITION_SQL + "JOIN pg_namespace n ON n.oid = t.typnamespace "
            "WHERE n.nspname = $1 AND t.typname = $2",
            (schema, name),
        )
        return (found[0][1],) if found else None

    def _as_created(self, schema: str, definition: str) -> str | None:
        """``definition`` as the target reads it back from a domain it creates with it, or
        None where it cannot: a domain over domains, created as one, has its CHECKs rewritten
        by the server (``(VALUE)::integer < 100`` becomes ``VALUE < 100``)."""
        trial = "_arrowmig_domain_trial"
        try:  # on the cursor: ``_query`` would commit the trial
            self._flush()
            self._cursor.execute(f"CREATE DOMAIN {qualified(trial, schema)} {definition}")
            self._cursor.execute(
                DOMAIN_DEFINITION_SQL + "WHERE t.oid = to_regtype($1)", (qualified(trial, schema),)
            )
            found = self._cursor.fetchall()
        except Exception:
            return None
        finally:
            self._rollback()
        return str(found[0][1]) if found else None

    def _create_type(self, table: str, schema: str, target: str, definition: str) -> bool:
        """``CREATE <definition>`` of type ``target`` unless one of that name is there (then
        True: the caller checks it). Two streams may get here at once.
        One it creates is noted for ``table`` (dropped again with it: ``drop_types``).
        ``schema``, the type's, is created first where it is not the target schema (a type of
        another schema of the source, made in the schema of its name)."""
        there = self._query("SELECT to_regtype($1) IS NOT NULL", (target,))[0][0]
        if schema != self._schema:
            self._run(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(schema)}", f"creating {schema!r}")
        self._run(
            f"DO $arrowmig$ BEGIN CREATE {definition}; "
            "EXCEPTION WHEN duplicate_object THEN NULL; END $arrowmig$",
            f"creating {target}",
            table,
        )
        if not there:
            self._created_types.setdefault(table, []).append(target)
            pg_connect.catalog_changed(self.url.target)
        return bool(there)

    def types_created(self, table: str) -> list[str]:
        """The enum and domain types this connection created for ``table``, in order."""
        return list(self._created_types.get(table, ()))

    def drop_types(self, types: Collection[str]) -> tuple[list[str], list[str]]:
        return pg_types.drop_types(self._run, types)

    def drop_table(self, name: str) -> None:
        self._run(
            f"DROP TABLE IF EXISTS {qualified(name, self._schema)} CASCADE",
            f"dropping {name!r}",
            name,
        )

    def truncate_table(self, name: str) -> None:
        self.truncate_tables([name])

    def partitioned_tables(self, names: list[str]) -> set[str]:
        """Those of tables ``names`` that are partitioned: emptied with their partitions,
        where another table is emptied ONLY, without the inheritance children it has."""
        return pg_replace.partitioned(self._query, self._schema, names)

    def truncate_tables(self, names: list[str], *, checked: bool = False) -> None:
        """Empty these tables in one TRUNCATE, which PostgreSQL allows for tables that
        reference each other (Django's auth_user and blog_post): one at a time it refuses
        any table a foreign key points at. A table outside them that points at one is named,
        and nothing is emptied (CASCADE would empty tables the run was not given); unless
        ``checked``, where the caller's ``check_emptying`` has named it already."""
        if not checked:
            self.check_emptying(names)
        # ONLY: an inheritance child holds rows of its own (the source's parent is read FROM
        # ONLY), which emptying its parent would take too, child tables the run was not
        # given. A partitioned table's partitions hold its rows, and it cannot be ONLY.
        partitioned = self.partitioned_tables(names)
        tables = ", ".join(
            ("" if n in partitioned else "ONLY ") + qualified(n, self._schema) for n in names
        )
        what = f"emptying {', '.join(map(repr, names))}"
        self.take_alone(names, what, names[0])
        self._run(f"TRUNCATE {tables}", what, names[0])

    def take_alone(self, names: list[str], what: str, table: str) -> None:
        """Lock tables ``names`` IN ACCESS EXCLUSIVE MODE for the transaction that the next
        statement (``_run``) commits, in short tries (``pg_alone``): other sessions'
        statements on them go on while the run waits, for as long as one wait would."""
        try:
            self._flush()
            pg_alone.take_alone(
                self._cursor,
                [qualified(n, self._schema) for n in names],
                self._lock_wait_ms,
                url=self.url.target,
                stopping=lambda: self.stopping,
            )
        except pg_alone.Stopped:
            self._rollback()
            raise StatementStopped(
                self._clean(f"{what}: cancelled, the run is stopping"), table=table
            ) from None
        except Exception as exc:
            self._rollback()
            raise self.translate(exc, what, table) from exc

    def check_emptying(self, names: list[str], apart: Collection[tuple[str, str]] = ()) -> None:
        pg_replace.check_emptying(self._query, self._schema, names, apart)

    def existing_table(self, name: str) -> Table:
        table = self.describe(name, profile=False)
        table = with_types_read_from_text(self._query, qualified(name, self._schema), table)
        if not any(c.source_type == "money" for c in table.columns):
            return table
        # The scale of money's cast to numeric is its locale's fraction digits, which its
        # input rounds an amount to: what screening holds appended amounts to.
        digits = int(self._query("SELECT scale('1'::money::numeric)")[0][0])
        columns = tuple(
            replace(c, money_digits=digits) if c.source_type == "money" else c
            for c in table.columns
        )
        return replace(table, columns=columns)

    def param(self, index: int) -> str:
        return f"${index}"

    def write_batch(
        self,
        table: Table,
        batch: pa.RecordBatch,
        *,
        after: tuple[str, tuple[Any, ...]] | None = None,
    ) -> None:
        zeros = lost_zeros.count(batch, table)  # of the nested values, before they are text
        respelled_texts = respelled.count(batch, table)
        batch = to_wire(batch, table, "postgresql")
        check_no_nul(batch, table, None)
        # The driver's binary COPY cannot write +infinity: a batch that holds ±infinity in a
        # date or timestamp column goes through staging, with the infinities apart.
        batch, infinite = infinities_apart(batch)
        staging = (
            self._staging_for(table, infinite)
            if infinite or any(pg_server_cast(c) for c in table.columns)
            else None
        )
        try:
            self._send(_batch_settings_sql(self._batch_timeout_ms))
            if staging is None:
                self._cursor.adbc_ingest(
                    table.name, batch, mode="append", db_schema_name=self._schema
                )
            else:
                self._cursor.adbc_ingest(staging, batch, mode="append", temporary=True)
                self._cursor.execute(move_staged_sql(table, staging, self._schema, infinite))
                self._cursor.execute(f"TRUNCATE {quote_ident(staging)}")
            if self._lock_check:
                # Last before the commit: a lock lost during the COPY commits nothing.
                self._send(self._lock_check)
            if after is not None:
                self._cursor.execute(after[0], after[1])
            self._conn.commit()
        except Exception as exc:
            self._rollback()
            error = self.translate(exc, f"writing {table.name!r}", table.name)
            if staging is not None:
                error = with_columns_named(error, table)
            raise self.held_again(error, table.name) from exc
        # Counted once committed: a batch that failed and is tried again counts once.
        lost_zeros.add(self._zeros_key(table.name), zeros)
        respelled.add(self._zeros_key(table.name), respelled_texts)

    def _zeros_key(self, name: str) -> tuple[str, str, str]:
        return (self.url.target, self._schema, name)

    def pop_notes(self, name: str, shown: str | None = None) -> list[str]:
        """What the writes into ``name`` changed that the report must say (``shown``: the
        table's own name where ``name`` is its staging table)."""
        key = self._zeros_key(name)
        return lost_zeros.notes(key, shown or name) + respelled.notes(key, shown or name)

    def check_write(self, table: Table) -> None:
        """Have the server prepare, without running it, the statement that moves a batch with
        server-converted columns into the existing ``table``: one it cannot prepare (a column
        type it takes no text for) is found before ``--mode truncate`` empties anything. And
        refuse a key sequence this user may not move past the loaded keys: the run would end
        done, and the application's next insert take a loaded key."""
        pg_sequences.refuse_unmovable(self._query, self._schema, table.name)
        if not any(pg_server_cast(c) for c in table.columns):
            return  # COPY straight into the table, which takes the batch's types
        move = move_staged_sql(table, self._staging_for(table, []), self._schema, [])
        what = f"preparing how rows go into {table.name!r}"
        # PREPARE, not EXPLAIN: the driver reads a statement's rows through COPY, which
        # takes no EXPLAIN.
        self._run(f"PREPARE _arrowmig_check_write AS {move}", what, table.name)
        self._run("DEALLOCATE _arrowmig_check_write", what, table.name)

    def _staging_for(self, table: Table, infinite: list[int]) -> str:
        # Types whose binary COPY format differs from their Arrow form (jsonb, uuid, ...)
        # land as text in a temporary table and are converted by the server; the columns
        # ``infinite`` bring their infinities as a sign column each (infinities_apart).
        staging = f"_arrowmig_stage_{abs(hash((table.name, *infinite))) % 10**8}"
        if staging not in self._staged:
            cols = ", ".join(
                [
                    *(
                        f"{quote_ident(c.name)} {ddl_type(wire_column(c), 'postgresql')}"
                        for c in table.columns
                    ),
                    *(f"{quote_ident(sign_column(i))} SMALLINT" for i in infinite),
                ]
            )
            self._run(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {quote_ident(staging)} ({cols})",
                f"staging {table.name!r}",
                table.name,
            )
            if any(pg_array_again(c) for c in table.columns):
                self._run(PG_ARRAY_LITERAL_FUNCTION, f"staging {table.name!r}", table.name)
                self._run(PG_RECTANGULAR_FUNCTION, f"staging {table.name!r}", table.name)
            if any(c.pg_type and unbounded_pg_type(c.pg_type) for c in table.columns):
                self._run(PG_EXACT_FUNCTION, f"staging {table.name!r}", table.name)
            self._staged.add(staging)
        return staging

    def finish_table(self, table: Table) -> TableLoad:
        # Inside one_transaction a table with no index to build skips the look at what is
        # there (a query each): a primary key there already fails the ADD, which undoes the
        # transaction, and the keys are built again one by one, after the look.
        look = not self._together or bool(table.indexes)
        in_place, refused = keys_in_place(self._query, self._schema, table) if look else (set(), {})
        resets = identity_resets(table, self._schema)
        # A stop or a full disk is raised, not noted: the table is not recorded loaded, and
        # --resume builds what is left and restarts the sequences (setval again is harmless).
        with leaving(*([KEY_SEQUENCES_LEFT] if resets else [])):
            load = build_keys(self, table, in_place, refused, second_lane=self._key_lane(table))
            for sql in resets:
                try:
                    self._run(sql, f"restarting the key sequence of {table.name!r}", table.name)
                except TransferError as exc:
                    if resumable(exc):
                        raise  # the whole wrap-up is retried on a new connection, or resumed
                    load.skipped.append(f"key sequence not restarted: {exc}")
        self.note_key_sequences(table, load)
        load.skipped.extend(self.pop_notes(table.name))
        return load

    def _key_lane(self, table: Table) -> Callable[[str], None] | None:
        """The libpq connection (``wire``) as a second lane for building ``table``'s indexes
        side by side (``key_lanes``); None inside ``one_transaction`` (a small table's keys
        commit with its record), or for a table with fewer than two indexes."""
        if self._together or len(table.indexes) < 2:
            return None
        try:
            self.wire()
        except ArrowmigError:
            return None  # only a shortcut: this connection builds them all

        def run(sql: str) -> None:
            # On the lane's own thread, while this endpoint's connection builds another index:
            # nothing here may use that connection (ADBC connections are not thread-safe).
            try:
                self.wire().execute(sql)
            except WireError as exc:
                self.drop_wire()  # lost or mid-statement: the next table's lane opens another
                error = self.translate(exc, "running a statement", table.name, name_holder=False)
                raise error from exc

        return run

    def note_key_sequences(self, table: Table, load: TableLoad) -> None:
        """Say of each identity key whose sequence the loaded keys left with no value to
        hand out (one at its type's largest) that it is used up, as DuckDB's report does:
        "restarted past the largest loaded key" alone read as if inserts would go on; and
        of each whose sequence could not take the source's name for it, what it is named."""
        used_up = self._key_sequence_rows(table, used_up_sql(table, self._schema))
        load.built.extend(used_up_note(table, c, s, int(last)) for c, s, last in used_up)
        load.used_up_keys.update(c for c, _, _ in used_up)
        renamed = self._key_sequence_rows(table, sequence_names_sql(table, self._schema))
        load.skipped.extend(sequence_name_note(c, w, n, self._schema) for c, w, n in renamed)

    def _key_sequence_rows(self, table: Table, sql: str | None) -> list[tuple[Any, ...]]:
        if sql is None:
            return []
        try:
            return self._query_for(f"reading the key sequences of {table.name!r}", table.name)(sql)
        except TransferError as exc:
            if lost_connection(exc):
                raise
            return []  # only a note is lost: the sequence is as it was left

    def names_held(self, names: list[str], replaced: str | None = None) -> dict[str, str]:
        """Which of ``names`` a relation other than a sequence holds in the target schema
        (the indexes of ``replaced``, a table the run replaces, not counted)."""
        return postgres_catalog.names_held(self._query, self._schema, names, replaced)

    def key_sequences(self, table: str) -> list[tuple[str, str, str]]:
        """Each column of existing ``table`` that draws from a sequence, with that sequence
        (as ``regclass`` shows it, and its own name), which appending moves past the loaded
        keys."""
        drawn = pg_sequences.drawn_sequences(self._query, qualified(table, self._schema))
        return [(d.column, d.sequence, d.name) for d in drawn]

    def index_names_taken(
        self, table: str, indexes: Sequence[Index], *, replacing: bool = False
    ) -> dict[str, str]:
        return index_names_taken(self._query, self._schema, table, indexes, replacing=replacing)

    def advance_key_sequences(self, table: Table, load: TableLoad) -> None:
        """After rows were added to an existing table: move each of its key sequences (serial,
        identity, and a sequence it shares with other tables) past the largest value now in
        the column (below the smallest, for one counting down), never back. The rows arrived
        with their keys, which a sequence does not see: the next insert that leaves the key
        out would take one of theirs."""
        target = qualified(table.name, self._schema)
        try:
            for drawn in pg_sequences.drawn_sequences(self._query, target):
                if not drawn.owned:
                    continue
                down = drawn.step < 0
                # Also whether it has no value left (a key at its type's largest): said so,
                # as create and replace say it; "moved past" it read as if inserts went on.
                moved = self._query(
                    f"SELECT setval($1::regclass, m), NOT q.seqcycle AND m::numeric + "
                    f"q.seqincrement NOT BETWEEN q.seqmin AND q.seqmax FROM (SELECT "
                    f"{'min' if down else 'max'}({quote_ident(drawn.column)}) AS m FROM {target}) k "
                    f"JOIN pg_sequence q ON q.seqrelid = $1::regclass "
                    f"WHERE m {'<=' if down else '>='} coalesce(pg_sequence_last_value("
                    f"$1::regclass), q.seqstart)",
                    (drawn.sequence,),
                )
                if moved:
                    mark, used_up = moved[0]
                    way = "used up at" if used_up else "moved below" if down else "moved past"
                    load.built.append(f"key sequence {drawn.sequence} {way} {mark:,}")
        except Exception as exc:
            error = self.translate(exc, "moving key sequences past the appended keys", table.name)
            # Cut short by a stop: --resume moves them (never back: again is harmless).
            raise_if_resumable(error, KEY_SEQUENCES_LEFT)
            load.skipped.append(str(error))
        self.advance_shared_sequences(table, load)

    def advance_shared_sequences(self, table: Table, load: TableLoad) -> None:
        """Move each sequence a column of ``table`` draws from without owning it (one several
        tables share) past the largest value now in the column and the source's last value,
        never back: in every mode, once the table holds its rows and its defaults."""
        target = qualified(table.name, self._schema)
        what = f"moving the sequences {table.name!r} shares past its keys"
        try:
            marks = pg_sequences.shared_marks(self._query, target, table)
            for sequence, (mark, down, shared) in marks.items():
                self.run_in_transaction(pg_sequences.move_forward(sequence, mark), what, table.name)
                load.built.append(sequence_moved(sequence, mark, down=down, shared=shared))
        except Exception as exc:
            if lost_connection(exc):
                raise  # the whole wrap-up is retried on a new connection
            error = self.translate(exc, what, table.name)
            raise_if_resumable(error, KEY_SEQUENCES_LEFT)
            load.skipped.append(str(error))

    def add_definition(self, table: str, definition: PgDefinition) -> str:
        """Build a PostgreSQL source's CHECK or EXCLUDE constraint, an index only PostgreSQL
        has, or a default that is an expression, on ``table`` again, as the source defined it."""
        if definition.kind == "sequence":
            return self._add_sequence(table, definition)
        sql = definition_sql(qualified(table, self._schema), self._schema, definition)
        self._run(sql, f"building {definition.built_label} of {table!r}", table)
        return definition.built_label

    def _add_sequence(self, table: str, definition: PgDefinition) -> str:
        return pg_sequences.add_sequence(
            self._query, self.run_in_transaction, self._schema, table, definition
        )

    def add_foreign_key(self, table: str, fk: ForeignKey) -> str:
        result = self.add_foreign_keys([(table, fk)])
        if isinstance(result[0], ArrowmigError):
            raise result[0]
        return result[0]

    def add_foreign_keys(
        self,
        keys: list[tuple[str, ForeignKey]],
        workers: int = 1,
        connect: Callable[[], contextlib.AbstractContextManager[PostgresEndpoint]] | None = None,
        on_key: Callable[[str, str], None] | None = None,
    ) -> list[str | ArrowmigError]:
        """Add foreign keys to loaded tables: each one's label, or why it was not added.

        Each is added NOT VALID (its definition alone, at once), then its rows are checked
        with VALIDATE on ``workers`` connections opened by ``connect`` (else on this one), each
        reused for table after table; a table's keys one after another: checking takes a lock
        that another check of the same table waits for, but not one of another table.
        ``on_key(table, "added")`` and ``on_key(table, "checked")`` are called as each key
        gets there, refused or not. A key whose rows do not check out is dropped again: the
        target never keeps a key its rows break. (ADD FOREIGN KEY checks as it adds, one
        table after another.) A key NOT VALID in the source stays so, unchecked: the source
        never held its rows to it.
        """
        results, to_check = pg_foreign_keys.add_not_valid(
            self._query, self._run, self._schema, keys, on_key
        )
        pg_foreign_keys.check_keys(self, to_check, keys, results, workers, connect, on_key)
        return results

    def broken_by_rows(self, table: str, fk: ForeignKey) -> str:
        """Why ``fk``, refused by its rows, is not built: ``pg_foreign_keys.broken_by_rows``."""
        return pg_foreign_keys.broken_by_rows(self._query, self._schema, table, fk)

    def cancel(self) -> None:
        """Cancel the statement this connection is running (from another thread; nothing once
        its own thread closes it), and the one of its libpq connection (a COPY passed on
        undecoded, ``wire``)."""
        self._cancels.cancel()
        wire = self._wire
        if wire is not None:
            wire.cancel()

    def validate_or_drop(
        self, table: str, name: str, label: str, stop: threading.Event
    ) -> ArrowmigError | None:
        """Check a foreign key added NOT VALID; drop it again if its rows do not check out."""
        return pg_foreign_keys.validate_or_drop(self._run, self._schema, table, name, label, stop)


KEY_BUILD_MEMORY = "256MB"
"""The least ``maintenance_work_mem`` a writing session builds keys and indexes with (one
the server sets larger is kept). At PostgreSQL's default of 64MB, shared among the parallel
workers of a build, the sorts of a million-row table spill to disk: three indexes over
1,500,000 rows (text, bigint, bigint) took 10.3 and 13.0 s at 64MB, 8.5 and 8.7 s at 256MB
(psql on the shared 2-core host, 2026-11-30). A restore's advice too (PostgreSQL's docs,
"Populating a Database"). Memory the server uses only while a build sorts."""

_KEY_BUILD_MEMORY = (
    "set_config('maintenance_work_mem', CASE WHEN "
    f"pg_size_bytes(current_setting('maintenance_work_mem')) < pg_size_bytes('{KEY_BUILD_MEMORY}') "
    f"THEN '{KEY_BUILD_MEMORY}' ELSE current_setting('maintenance_work_mem') END, false)"
)
_WRITING_SESSION_SQL = f"{PIN_SESSION_SQL}, {_KEY_BUILD_MEMORY}"
"""A writing session's settings: the pinned ones, and more memory for its key builds."""

_SERVER_STARTED = "pg_postmaster_start_time()::text"
"""Read last by a writing session as it starts (``server_started``)."""

WRITING = "arrowmig-write"
"""How a writing session shows in pg_stat_activity (with the process's pid)."""

_READ_WHOLE_TABLES_SQL = "SELECT set_config('row_security', 'off', false)"
_READER_SQL = (
    "SELECT pg_advisory_lock_shared($1::int4, $2::int4), set_config('lock_timeout', $3, false)"
)
"""A reading connection of a held source: the run's advisory lock, shared, for the session
(pg_hold relays through it), and how long its statements wait for a lock at most."""


def _reader_params(held: HeldSnapshot) -> tuple[int, int, str]:
    return (*held.relay_key, str(int(held.lock_wait_s * 1000)))


_TABLES_DESCRIBED_TOGETHER = 250
"""Tables ``describe_many`` reads in one transaction. 1,000 tables in lots of 250 and all at
once took alike within this machine's noise (13-18 s, three runs each, on a loaded host)."""

_DURABLE_SQL = "SET LOCAL synchronous_commit TO on"
"""This transaction's commit waits for the disk (``execute_durably``)."""

_RETURNS_NO_ROWS = re.compile(
    r"\s*(?:ALTER|ANALYZE|COMMENT|CREATE|DO|DROP|GRANT|REVOKE|SET|TRUNCATE)\b", re.IGNORECASE
)
"""Statements ``execute`` sends by the simple protocol (``_send``): they return no rows."""
_ANALYZE = re.compile(r"\s*ANALYZE\b", re.IGNORECASE)


def _batch_settings_sql(timeout_ms: int) -> str:
    """Settings local to one batch's transaction, in one round trip.

    synchronous_commit off: a batch's COMMIT returns without waiting for its WAL to reach
    disk (the WAL writer flushes it moments later). A server crash can then lose the last
    batches, never part of one: each batch commits together with its checkpoint row, so a
    retry (``ledger``) or a resume starts exactly after what survived. The row that marks a
    stream done commits synchronously, which flushes all earlier WAL: a table reported done
    is on disk.
    """
    settings = "SET LOCAL synchronous_commit TO off"
    if timeout_ms:
        settings += f"; SET LOCAL statement_timeout = {int(timeout_ms)}"
    return settings

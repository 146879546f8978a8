"""Faults from outside: a PostgreSQL server restarting mid-run, a source file locked by
another writer, hostile names, and passwords that must never show up anywhere.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, tzinfo
from pathlib import Path

import duckdb
import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import arrowmig
from arrowmig.errors import ConnectError, UsageError
from arrowmig.loading import WRITES_KEPT
from arrowmig.migrate import explain
from arrowmig.runner import FINISHED_TOGETHER_ROWS
from tests.dbutil import as_role, pg_exec, pg_rows, q, rows_of, sqlite_rows
from tests.private_pg import as_postgres, private_cluster


def _numbered_source(path: Path, rows: int) -> Path:
    """A SQLite source of one table ``t``: ids 1 to ``rows``, each with the text 'value <id>'."""
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    con.executemany("INSERT INTO t VALUES (?, ?)", [(i, f"value {i}") for i in range(1, rows + 1)])
    con.commit()
    con.close()
    return path


@pytest.fixture
def private_pg() -> Iterator[tuple[str, str, str]]:
    """A throw-away PostgreSQL cluster of our own (never the shared server): (url, pg_ctl, root dir)."""
    with private_cluster("fsync=off") as cluster:
        yield cluster.url, cluster.pg_ctl, cluster.root


def test_postgres_restart_mid_run_completes_through_retries(
    tmp_path: Path, private_pg: tuple[str, str, str]
) -> None:
    url, pg_ctl, root = private_pg
    # Enough rows that the run is still going when the server restarts, on a fast host too.
    source = _numbered_source(tmp_path / "s.db", 240_000)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "arrowmig",
            "migrate",
            str(source),
            url,
            "--batch-rows",
            "300",
            "--retries",
            "6",
            "--progress",
            "plain",
            "--progress-interval",
            "0.2",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with psycopg.connect(url) as c:
                done = c.execute(
                    "SELECT coalesce(sum(rows_done), 0) FROM _arrowmig_checkpoints"
                ).fetchone()
            if done and int(done[0]) > 3000:
                break
        except psycopg.Error:
            pass
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before the restart: make it slower"
    subprocess.run(
        as_postgres(
            pg_ctl, "-D", f"{root}/data", "-l", f"{root}/log", "-m", "fast", "-w", "restart"
        ),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=60,
    )
    _, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err.decode()[-2000:]
    assert b"retry" in err
    assert pg_rows(url, "t", "id") == sqlite_rows(source, "t", "id")


def test_a_writer_session_ended_by_an_administrator_is_not_called_a_server_crash(
    tmp_path: Path, pg_url: str
) -> None:
    # pg_terminate_backend of the writing session, the server up all along: the failure
    # said "a server crash may have lost the rows committed last".
    source = _numbered_source(tmp_path / "s.db", 240_000)
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "arrowmig", "migrate", str(source), pg_url),
            *("--batch-rows", "300", "--retries", "0", "--progress", "none"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    ended: list[tuple[bool]] = []
    with psycopg.connect(pg_url, autocommit=True) as watch:
        deadline = time.monotonic() + 60
        while not ended and time.monotonic() < deadline and proc.poll() is None:
            with contextlib.suppress(psycopg.errors.UndefinedTable):
                # This test's own database: its writer, not the run's lock session.
                ended = watch.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                    "AND query ILIKE 'COPY%%' AND application_name NOT LIKE 'arrowmig-lock%%' "
                    "AND (SELECT coalesce(sum(rows_done), 0) FROM _arrowmig_checkpoints) > 3000"
                ).fetchall()
            time.sleep(0.05)
    _, err = proc.communicate(timeout=180)
    assert ended == [(True,)], err
    assert proc.returncode == 1, err
    assert "server crash" not in err, err
    assert "the server was not restarted: the session was ended by a terminated" in err, err
    assert re.search(r"this stream's [\d,]+ rows committed before are kept", err), err
    resumed = subprocess.run(
        [sys.executable, "-m", "arrowmig", "migrate", str(source), pg_url, "--resume"],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert pg_rows(pg_url, "t", "id") == sqlite_rows(source, "t", "id")


def test_locked_source_file_is_waited_for(tmp_path: Path) -> None:
    source = tmp_path / "s.db"
    con = sqlite3.connect(source)
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    con.executemany("INSERT INTO t VALUES (?, ?)", [(i, str(i)) for i in range(1000)])
    con.commit()
    con.close()
    # Another process (locks do not conflict within one process) holds the file for 2 s.
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys, time; c = sqlite3.connect(sys.argv[1], isolation_level=None); "
            "c.execute('BEGIN EXCLUSIVE'); print('locked', flush=True); time.sleep(2); c.execute('COMMIT')",
            str(source),
        ],
        stdout=subprocess.PIPE,
    )
    assert holder.stdout is not None and holder.stdout.readline() == b"locked\n"
    started = time.monotonic()
    report = arrowmig.migrate(str(source), str(tmp_path / "w.duckdb"))
    waited = time.monotonic() - started
    holder.communicate()
    assert report.ok and report.rows == 1000
    assert waited >= 1.0, "the run did not wait for the lock"


@pytest.mark.parametrize(
    ("mode", "what"),
    [
        ("replace", "destroy them"),
        ("truncate", "destroy them"),
        ("append", "append them into themselves"),
        ("create", "find every one of them there already"),  # it destroys nothing
    ],
)
def test_writing_the_tables_being_read_is_refused(tmp_path: Path, mode: str, what: str) -> None:
    """Named through a hard link too: replace and truncate failed with 'disk I/O error',
    and append doubled a keyless table in its own source. The plan is refused alike: it
    promised the run that was then refused."""
    source = tmp_path / "s.db"
    con = sqlite3.connect(source)
    con.execute("CREATE TABLE t (a INTEGER)")
    con.execute("INSERT INTO t VALUES (1)")
    con.commit()
    con.close()
    os.link(source, tmp_path / "link.db")
    config = arrowmig.MigrationConfig(mode=mode)
    for target in (f"sqlite:///{source}", str(tmp_path / "link.db")):
        for run in (arrowmig.migrate, explain):
            with pytest.raises(
                UsageError, match=f"same database: mode={mode!r} would {what} "
            ) as e:
                run(str(source), target, config=config)
            # A SQLite file has no schemas: --target-schema would be refused in turn.
            assert e.value.hint == "pick another target file"
    assert sqlite3.connect(source).execute("SELECT count(*) FROM t").fetchone() == (1,)


@pytest.mark.parametrize("target_schema", [None, "main", "copy"])
def test_writing_the_duckdb_file_being_read_is_refused_in_any_schema(
    tmp_path: Path, target_schema: str | None
) -> None:
    """The run opens the file it reads read-only, so another schema of it cannot be written
    either: the plan passed such a run that was then refused, and by a symbolic link too."""
    source = tmp_path / "s.duckdb"
    with duckdb.connect(str(source)) as con:
        con.execute("CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1)")
    (tmp_path / "link.duckdb").symlink_to(source)
    config = arrowmig.MigrationConfig(target_schema=target_schema)
    same_schema = target_schema in (None, "main")
    for target in (str(source), str(tmp_path / "link.duckdb")):
        for run in (arrowmig.migrate, explain):
            with pytest.raises(UsageError) as e:
                run(str(source), target, config=config)
            if same_schema:
                assert str(e.value).startswith("source and target are the same database: ")
            else:
                assert str(e.value) == (
                    "source and target are the same DuckDB file, which the run reads "
                    "read-only: it cannot write it, into schema 'copy' either; pick another target file"
                )
            assert e.value.hint == "pick another target file"
    with duckdb.connect(str(source), read_only=True) as con:
        assert (
            con.execute(
                "SELECT schema_name FROM duckdb_schemas() WHERE schema_name = 'copy'"
            ).fetchall()
            == []
        )
        assert con.execute("SELECT * FROM t").fetchall() == [(1,)]


def _by_other_host_name(url: str) -> str:
    """The same database's URL by localhost where it says 127.0.0.1, and the other way."""
    other = url.replace("@127.0.0.1:", "@localhost:")
    if other == url:
        other = url.replace("@localhost:", "@127.0.0.1:")
    assert other != url, "a test database reached by neither localhost nor 127.0.0.1"
    return other


@pytest.mark.postgres
def test_the_same_postgres_database_by_another_host_name_is_refused(pg_url: str) -> None:
    """localhost and 127.0.0.1 reach one database: truncate waited out --batch-timeout for
    the lock the run's own source held, then named that session as the one to end."""
    pg_exec(pg_url, "CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1)")
    other = _by_other_host_name(pg_url)
    config = arrowmig.MigrationConfig(mode="truncate", batch_timeout_s=5)
    for run in (arrowmig.migrate, explain):
        with pytest.raises(UsageError, match="same database: mode='truncate' would destroy them "):
            run(other, pg_url, config=config)
    with psycopg.connect(pg_url) as con:
        assert con.execute("SELECT count(*) FROM t").fetchone() == (1,)


@pytest.mark.postgres
def test_the_same_database_is_refused_where_pg_control_system_is_revoked(pg_url: str) -> None:
    """The cluster's identity cannot be read then: the same database by another host name
    went unrefused, and truncate waited out --batch-timeout on its own source's lock."""
    role = f"arrowmig_owner_{uuid.uuid4().hex[:8]}"
    pg_exec(pg_url, f"CREATE ROLE {role} LOGIN")
    try:
        pg_exec(
            pg_url,
            "CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1)",
            "REVOKE EXECUTE ON FUNCTION pg_control_system() FROM public",
            f"ALTER TABLE t OWNER TO {role}",
            f"GRANT CREATE ON SCHEMA public TO {role}",  # for its checkpoint table
        )
        target = as_role(pg_url, role)
        source = _by_other_host_name(target)
        config = arrowmig.MigrationConfig(mode="truncate", batch_timeout_s=5)
        with pytest.raises(UsageError, match="same database: mode='truncate' would destroy "):
            arrowmig.migrate(source, target, config=config)
        assert pg_rows(pg_url, "t") == [(1,)]
    finally:
        pg_exec(pg_url, f"DROP OWNED BY {role}", f"DROP ROLE {role}")


IDENT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x00"),
    min_size=1,
    max_size=20,
).filter(lambda s: s.strip() == s and len(s.encode()) <= 63)
NASTY = st.sampled_from(
    ['a"b', "x'; DROP TABLE t; --", "select", "Mixed Case", "ñ ü", "n" * 63, "--", "a;b"]
)


@pytest.mark.postgres
@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    table=NASTY | IDENT,
    columns=st.lists(NASTY | IDENT, min_size=1, max_size=4, unique_by=str.lower),
)
def test_hostile_names_round_trip_and_execute_nothing(
    tmp_path: Path, pg_url: str, table: str, columns: list[str]
) -> None:
    source = tmp_path / "s.db"
    source.unlink(missing_ok=True)
    con = sqlite3.connect(source)
    con.execute(f"CREATE TABLE {q(table)} (" + ", ".join(f"{q(c)} TEXT" for c in columns) + ")")
    con.execute(f"INSERT INTO {q(table)} VALUES (" + ", ".join("?" * len(columns)) + ")", columns)
    con.commit()
    con.close()
    with psycopg.connect(pg_url, autocommit=True) as pc:
        pc.execute("DROP SCHEMA public CASCADE")
        pc.execute("CREATE SCHEMA public")
        pc.execute("CREATE TABLE canary (x int)")
    duck = tmp_path / "w.duckdb"
    duck.unlink(missing_ok=True)
    for target in (pg_url, str(duck)):
        report = arrowmig.migrate(str(source), target, tables=[table])
        assert report.ok, report.tables[0].error
        assert rows_of(target, table) == [tuple(columns)]
    with psycopg.connect(pg_url) as pc:
        assert pc.execute("SELECT count(*) FROM canary").fetchone() == (0,)


@pytest.mark.postgres
@pytest.mark.parametrize(
    "secret",
    [
        "S3cretPw-do-not-print",
        # Generated passwords hold these; libpq takes them unencoded, urlsplit does not.
        "S3cret#Pw?do-not-print",
    ],
)
def test_passwords_never_appear_in_any_output(tmp_path: Path, pg_url: str, secret: str) -> None:
    url = pg_url.replace("postgres@", f"postgres:{secret}@")  # trust auth: accepted, never needed
    source = tmp_path / "s.db"
    con = sqlite3.connect(source)
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT)")
    con.executemany("INSERT INTO t VALUES (?, ?)", [(1, "ok"), (2, "bad\x00nul")])
    con.commit()
    con.close()
    rejects = tmp_path / "rejects"
    runs = [
        [
            "migrate",
            str(source),
            url,
            "--json",
            "--progress",
            "json",
            "--on-error",
            "reject",
            "--reject-dir",
            str(rejects),
        ],
        [
            "migrate",
            str(source),
            url,
            "--progress",
            "plain",
            "--progress-interval",
            "0",
        ],  # exists: error
        ["verify", str(source), url, "--json"],
        ["plan", str(source), url, "--json"],
        ["status", url],
        ["migrate", str(source), url.replace(":5432/", ":1/")],  # unreachable
        ["--debug", "migrate", str(source), url.replace(":5432/", ":1/")],  # and its traceback
        ["migrate", str(source), f"host=127.0.0.1 dbname=x password={secret}"],  # not a URL
        ["migrate", str(source), url, "an-extra-argument"],  # a usage error echoes arguments
    ]
    seen = []
    for args in runs:
        done = subprocess.run(
            [sys.executable, "-m", "arrowmig", *args], capture_output=True, timeout=120
        )
        seen.append(done.stdout + done.stderr)
    with psycopg.connect(pg_url) as pc:
        seen.append(repr(pc.execute("SELECT * FROM _arrowmig_checkpoints").fetchall()).encode())
    for path in rejects.rglob("*"):
        if path.is_file():
            seen.append(path.read_bytes())
    assert seen[0] and any(b"***" in out for out in seen)
    for out in seen:
        assert secret.encode() not in out


@pytest.fixture
def tiny_disk() -> Iterator[Path]:
    """A 2 MB tmpfs: a target that runs out of space mid-run (needs root to mount)."""
    path = Path(tempfile.mkdtemp(prefix="arrowmig-tinyfs-"))
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(path)], capture_output=True
    )
    if mounted.returncode != 0:
        if os.environ.get("CI") == "true" and os.geteuid() == 0:
            pytest.fail(f"cannot mount a tmpfs: {mounted.stderr.decode().strip()}")
        pytest.skip("mounting a small tmpfs needs root")
    try:
        yield path
    finally:
        subprocess.run(["umount", str(path)], capture_output=True)
        shutil.rmtree(path, ignore_errors=True)


def test_full_disk_is_a_clear_error_and_resume_finishes_after_space_is_freed(
    tmp_path: Path, tiny_disk: Path
) -> None:
    source = tmp_path / "s.db"
    con = sqlite3.connect(source)
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    con.executemany("INSERT INTO t VALUES (?, ?)", [(i, f"{i:08d}" * 8) for i in range(1, 60_001)])
    con.commit()
    con.close()
    target = tiny_disk / "t.db"
    args = [
        sys.executable,
        "-m",
        "arrowmig",
        "migrate",
        str(source),
        str(target),
        "--batch-rows",
        "2000",
        "--progress",
        "none",
    ]
    first = subprocess.run(args, capture_output=True, timeout=120)
    assert first.returncode == 1, first.stderr.decode()
    err = first.stderr.decode()
    assert "full" in err and "--resume" in err and "Traceback" not in err
    committed = (
        sqlite3.connect(target)
        .execute("SELECT sum(rows_done) FROM _arrowmig_checkpoints")
        .fetchone()[0]
    )
    assert committed == len(
        sqlite_rows(target, "t")
    )  # the checkpoint matches what is in the target
    subprocess.run(["mount", "-o", "remount,size=64m", str(tiny_disk)], check=True)
    second = subprocess.run([*args, "--resume"], capture_output=True, timeout=120)
    assert second.returncode == 0, second.stderr.decode()
    assert sqlite_rows(target, "t", "id") == sqlite_rows(source, "t", "id")


@pytest.mark.parametrize(
    ("message", "sqlstate", "transient"),
    [
        ("server closed the connection unexpectedly", None, True),
        ("terminating connection due to administrator command", "57P01", True),
        ("the database system is starting up", "57P03", True),
        ("could not serialize access due to concurrent update", "40001", True),
        ("deadlock detected", "40P01", True),
        ("canceling statement due to statement timeout", "57014", True),
        ("canceling statement due to lock timeout", "55P03", True),
        ("database is locked", None, True),
        ('syntax error at or near "SELEC"', "42601", False),
        ("permission denied for table t", "42501", False),
        ('invalid input syntax for type integer: "N/A"', "22P02", False),
    ],
)
def test_which_errors_are_retried_is_decided_in_one_place(
    message: str, sqlstate: str | None, transient: bool
) -> None:
    from arrowmig.endpoints.common import is_transient

    class DriverError(Exception):
        pass

    error = DriverError(message)
    error.sqlstate = sqlstate  # type: ignore[attr-defined]
    assert is_transient(error) is transient


@pytest.mark.postgres
def test_a_hung_batch_is_cancelled_and_retried(tmp_path: Path, pg_url: str) -> None:
    source = tmp_path / "s.db"
    con = sqlite3.connect(source)
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    con.executemany("INSERT INTO t VALUES (?, ?)", [(i, str(i)) for i in range(1, 2001)])
    con.commit()
    con.close()
    with psycopg.connect(pg_url, autocommit=True) as pc:
        pc.execute("CREATE TABLE t (id BIGINT PRIMARY KEY, v TEXT)")
    # Another session locks the target table against writes until the run has cancelled a
    # batch and retried it (a "hang"); reads of the catalog still work.
    locker = psycopg.connect(pg_url)
    locker.execute("LOCK TABLE t IN SHARE MODE")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "arrowmig",
            "migrate",
            str(source),
            pg_url,
            "--mode",
            "append",
            "--batch-timeout",
            "1",
            "--retries",
            "6",
            "--progress",
            "plain",
            "--progress-interval",
            "0",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert proc.stderr is not None
    seen = []  # a time-boxed lock raced a slow start on a loaded host: wait for the retry
    for line in iter(proc.stderr.readline, b""):
        seen.append(line)
        if b"retry" in line:
            break
    locker.rollback()
    locker.close()
    _, rest = proc.communicate(timeout=120)
    err = b"".join(seen) + rest
    assert proc.returncode == 0, err.decode()
    assert b"retry" in err and b"timeout" in err
    assert b"not built" not in err  # appending keeps the table's own keys as they are
    assert pg_rows(pg_url, "t", "id") == sqlite_rows(source, "t", "id")


def _one_row_source(path: Path) -> Path:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    con.execute("INSERT INTO t VALUES (1, 'new')")
    con.commit()
    con.close()
    return path


@pytest.mark.postgres
def test_a_lock_held_on_a_replaced_table_is_retried_then_names_its_holder(
    tmp_path: Path, pg_url: str
) -> None:
    source = _one_row_source(tmp_path / "s.db")
    with psycopg.connect(pg_url, autocommit=True) as pc:
        pc.execute("CREATE TABLE t (id BIGINT PRIMARY KEY, v TEXT)")
        pc.execute("INSERT INTO t VALUES (7, 'old')")
    # Another session (a forgotten BEGIN in psql) holds the table: DROP TABLE would wait on
    # it forever; --batch-timeout bounds the wait, and the wait is retried, then reported.
    locker = psycopg.connect(pg_url, application_name="forgotten")
    locker.execute("LOCK TABLE t")
    holder = locker.info.backend_pid
    events: list[arrowmig.Event] = []
    config = arrowmig.MigrationConfig(mode="replace", batch_timeout_s=0.5, retries=1)
    try:
        report = arrowmig.migrate(str(source), pg_url, config=config, progress=events.append)
    finally:
        locker.rollback()
        locker.close()
    (table,) = report.tables
    assert table.status == "failed" and table.retries == 1
    assert f"lock on t held by pid {holder} (forgotten: 'LOCK TABLE t')" in (table.error or "")
    assert "batch_timeout_s" in (table.error or "")  # the parameter a program gives
    retries = [e.message or "" for e in events if e.event == "retry"]
    assert len(retries) == 1 and f"held by pid {holder}" in retries[0]
    assert pg_rows(pg_url, "t") == [(7, "old")]  # the old table is untouched


@pytest.mark.postgres
@pytest.mark.parametrize("path", ["undecoded", "arrow"])
def test_a_target_table_locked_while_its_rows_are_written_is_said_as_the_lock_and_its_holder(
    tmp_path: Path, pg_url: str, second_pg: str, path: str
) -> None:
    # A statement that waited for a lock all along was cancelled by the batch's statement
    # timeout first (both were --batch-timeout): "a statement ran longer than --batch-timeout
    # ... raise it if the batches are slow", with no word of the session holding the table.
    # The table it had created was then left behind, said only as "not dropped".
    rows = "SELECT g, md5(g::text) FROM generate_series(1, 100000) g"
    if path == "undecoded":  # PostgreSQL to PostgreSQL: COPY passed on as it is
        source, target = pg_url, second_pg
        pg_exec(
            source,
            "CREATE TABLE big (id bigint PRIMARY KEY, p text)",
            f"INSERT INTO big {rows}",
            "CREATE TABLE small (id int PRIMARY KEY, p text)",
            "INSERT INTO small VALUES (1, 'x'), (2, 'y')",
        )
    else:
        source, target = str(tmp_path / "s.duckdb"), pg_url
        con = duckdb.connect(source)
        con.execute("CREATE TABLE big (id BIGINT PRIMARY KEY, p VARCHAR)")
        con.execute("INSERT INTO big SELECT g, md5(g::VARCHAR) FROM range(1, 100001) t(g)")
        con.execute("CREATE TABLE small (id INTEGER PRIMARY KEY, p VARCHAR)")
        con.execute("INSERT INTO small VALUES (1, 'x'), (2, 'y')")
        con.close()
    locker = psycopg.connect(target, application_name="blocker")

    def lock_small(event: arrowmig.Event) -> None:
        if (
            event.event == "progress"
            and event.table == "big"
            and not locker.info.transaction_status
        ):
            locker.execute("LOCK TABLE small IN ACCESS EXCLUSIVE MODE")

    events: list[arrowmig.Event] = []
    config = arrowmig.MigrationConfig(parallel=1, batch_timeout_s=1, retries=1)
    try:
        report = arrowmig.migrate(
            source, target, config=config, progress=lambda e: (events.append(e), lock_small(e))
        )
    finally:
        holder = locker.info.backend_pid
        locker.rollback()
        locker.close()
    small = next(t for t in report.tables if t.name == "small")
    assert small.status == "failed"
    said = f"for a lock on small held by pid {holder} (blocker: 'LOCK TABLE small"
    assert said in (small.error or "") and "statement timeout" not in (small.error or "")
    retries = [e.message or "" for e in events if e.event == "retry"]
    assert retries and all(said in r for r in retries), retries
    assert any(
        n.startswith(
            "the empty table 'small' it created is left in the target: it could not be "
            f"dropped (waited 0.9 s for a lock on small held by pid {holder}"
        )
        and "go on with resume=True" in n
        for n in small.notes
    ), small.notes
    # The way on it gives works once the session is gone.
    again = arrowmig.migrate(source, target, config=replace(config, resume=True))
    assert again.ok and pg_rows(target, "small", "id") == [(1, "x"), (2, "y")]


@pytest.mark.postgres
def test_a_table_locked_after_rows_were_committed_keeps_them_and_says_resume(
    tmp_path: Path, pg_url: str
) -> None:
    # It was said as "the empty table 't' it created is left in the target ... drop it (DROP
    # TABLE ...)": the check for rows waited on the same lock, and its failure was taken for
    # an empty table. The table held the rows committed before the lock, which --resume
    # continues after.
    source = _numbered_source(tmp_path / "s.db", 20_000)
    locker = psycopg.connect(pg_url, application_name="blocker")

    def lock_t(event: arrowmig.Event) -> None:
        if event.event == "progress" and not locker.info.transaction_status:
            locker.execute("LOCK TABLE t IN ACCESS EXCLUSIVE MODE")

    config = arrowmig.MigrationConfig(
        batch=arrowmig.BatchConfig(batch_rows=1000), batch_timeout_s=0.5, retries=0
    )
    try:
        report = arrowmig.migrate(source, pg_url, config=config, progress=lock_t)
    finally:
        locker.rollback()
        locker.close()
    (table,) = report.tables
    assert table.status == "failed" and "for a lock on t held by pid" in (table.error or "")
    held = len(pg_rows(pg_url, "t"))
    assert 0 < held < 20_000 and table.rows == held
    assert (
        f"'t' keeps the {held:,} rows committed before it failed: once the cause is fixed, call "
        "again with resume=True, which continues after them"
    ) in table.notes
    assert not any("empty table" in n or "DROP TABLE" in n for n in table.notes), table.notes
    again = arrowmig.migrate(source, pg_url, config=replace(config, resume=True))
    assert again.ok and again.rows_before == held
    assert pg_rows(pg_url, "t", "id") == sqlite_rows(source, "t", "id")


@pytest.mark.postgres
def test_a_lock_released_while_waiting_lets_the_replace_finish(tmp_path: Path, pg_url: str) -> None:
    source = _one_row_source(tmp_path / "s.db")
    with psycopg.connect(pg_url, autocommit=True) as pc:
        pc.execute("CREATE TABLE t (id BIGINT PRIMARY KEY, v TEXT)")
    locker = psycopg.connect(pg_url)
    locker.execute("LOCK TABLE t")

    def release_once_waited_for() -> None:
        # Held past the put in place's first wait (the plan's reading of the table waits
        # first), however long the run took to get there.
        waits: set[object] = set()
        with psycopg.connect(pg_url, autocommit=True) as watcher:
            for _ in range(1200):
                waits.update(
                    row[0]
                    for row in watcher.execute(
                        "SELECT a.query_start FROM pg_locks l JOIN pg_stat_activity a "
                        "ON a.pid = l.pid WHERE l.relation = 't'::regclass AND NOT l.granted "
                        "AND a.datname = current_database()"
                    ).fetchall()
                )
                if len(waits) >= 2:
                    break
                time.sleep(0.05)
        time.sleep(1.0)
        locker.rollback()

    release = threading.Thread(target=release_once_waited_for)
    release.start()
    config = arrowmig.MigrationConfig(mode="replace", batch_timeout_s=0.5, retries=5)
    try:
        report = arrowmig.migrate(str(source), pg_url, config=config)
    finally:
        release.join()
        locker.close()
    assert report.ok, report.tables[0].error
    assert report.tables[0].retries >= 1
    assert pg_rows(pg_url, "t") == [(1, "new")]


@pytest.mark.postgres
def test_a_lock_met_while_planning_stops_before_writing_with_exit_code_2(
    tmp_path: Path, pg_url: str
) -> None:
    source = _one_row_source(tmp_path / "s.db")
    with psycopg.connect(pg_url, autocommit=True) as pc:
        pc.execute("CREATE TABLE t (id BIGINT PRIMARY KEY, v TEXT)")
    locker = psycopg.connect(pg_url)
    locker.execute("LOCK TABLE t")
    config = arrowmig.MigrationConfig(mode="append", batch_timeout_s=0.5)
    try:
        with pytest.raises(ConnectError, match=r"held by pid \d+.*batch_timeout_s") as caught:
            arrowmig.migrate(str(source), pg_url, config=config)
    finally:
        locker.rollback()
        locker.close()
    assert caught.value.exit_code == 2
    assert pg_rows(pg_url, "t") == []


@pytest.mark.parametrize(
    "hold", ["BEGIN EXCLUSIVE", "BEGIN; SELECT count(*) FROM other"], ids=["writer", "reader"]
)
def test_a_sqlite_target_locked_past_the_busy_timeout_names_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hold: str
) -> None:
    import arrowmig.endpoints.sqlite as sqlite_endpoint

    monkeypatch.setattr(sqlite_endpoint, "BUSY_TIMEOUT_MS", 300)
    source = _one_row_source(tmp_path / "s.db")
    target = tmp_path / "w.db"
    sqlite3.connect(target).execute("CREATE TABLE other (x)").connection.commit()
    # Another process (locks do not conflict within one process) holds the file.
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1], isolation_level=None); "
            "[c.execute(s).fetchall() for s in sys.argv[2].split(';')]; "
            "print('locked', flush=True); sys.stdin.read()",
            str(target),
            hold,
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"locked\n"
        with pytest.raises(ConnectError, match="locked by another process") as caught:
            arrowmig.migrate(str(source), str(target))
    finally:
        holder.communicate(b"")
    assert str(target) in str(caught.value) and "end it" in str(caught.value)
    assert caught.value.exit_code == 2
    assert sqlite_rows(target, "sqlite_master", None)[0][1] == "other"  # nothing written


@pytest.mark.postgres
def test_a_batch_cancelled_by_the_batch_timeout_says_so(tmp_path: Path, pg_url: str) -> None:
    source = _one_row_source(tmp_path / "s.db")
    with psycopg.connect(pg_url, autocommit=True) as pc:
        pc.execute("CREATE TABLE t (id BIGINT PRIMARY KEY, v TEXT)")
        pc.execute(
            "CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS "
            "$$BEGIN PERFORM pg_sleep(2); RETURN NULL; END$$"
        )
        pc.execute(
            "CREATE TRIGGER slow AFTER INSERT ON t FOR EACH STATEMENT EXECUTE FUNCTION slow()"
        )
    config = arrowmig.MigrationConfig(mode="append", batch_timeout_s=0.5, retries=0)
    report = arrowmig.migrate(str(source), pg_url, config=config)
    error = report.tables[0].error or ""
    assert "statement timeout" in error and "batch_timeout_s (0.5 s)" in error


def _one_second(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every replace of the test runs within the same second, as a quick loop's do."""
    import arrowmig.loading

    class Frozen(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> Frozen:
            return cls(2026, 11, 29, 12, 15, 59, tzinfo=tz)

    monkeypatch.setattr(arrowmig.backups, "datetime", Frozen)


@pytest.mark.parametrize(
    "kind", ["sqlite", "duckdb", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_replaces_within_one_second_keep_a_backup_each(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest, kind: str
) -> None:
    _one_second(monkeypatch)
    source = _one_row_source(tmp_path / "s.db")
    target = {
        "sqlite": lambda: str(tmp_path / "kb.db"),
        "duckdb": lambda: str(tmp_path / "kb.duckdb"),
        "postgresql": lambda: str(request.getfixturevalue("pg_url")),
    }[kind]()
    assert arrowmig.migrate(str(source), target).ok
    kept = []
    for _ in range(3):
        report = arrowmig.migrate(
            str(source), target, config=arrowmig.MigrationConfig(mode="replace", keep_backup=True)
        )
        assert report.ok, report.tables[0].error
        kept += [b for b in report.tables[0].built if b.startswith("previous table kept as")]
    assert kept == [
        f"previous table kept as 't_arrowmig_backup_20261129121559' {WRITES_KEPT}",
        f"previous table kept as 't_arrowmig_backup_20261129121559_2' {WRITES_KEPT}",
        f"previous table kept as 't_arrowmig_backup_20261129121559_3' {WRITES_KEPT}",
    ]


@pytest.mark.postgres
def test_replace_keeps_a_backup_when_asked_and_never_leaves_the_table_missing(
    tmp_path: Path, pg_url: str
) -> None:
    source = tmp_path / "s.db"
    con = sqlite3.connect(source)
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    con.execute("CREATE INDEX t_v ON t (v)")
    con.executemany("INSERT INTO t VALUES (?, ?)", [(i, f"new {i}") for i in range(1, 101)])
    con.commit()
    con.close()
    with psycopg.connect(pg_url, autocommit=True) as pc:
        pc.execute("CREATE TABLE t (id BIGINT PRIMARY KEY, v TEXT)")
        pc.execute("CREATE INDEX t_v ON t (v)")
        pc.execute("INSERT INTO t VALUES (1, 'old')")
    report = arrowmig.migrate(
        str(source), pg_url, config=arrowmig.MigrationConfig(mode="replace", keep_backup=True)
    )
    assert report.ok, report.tables[0].error
    assert len(pg_rows(pg_url, "t")) == 100
    with psycopg.connect(pg_url) as pc:
        backups = [
            r[0]
            for r in pc.execute(
                "SELECT tablename FROM pg_tables WHERE tablename LIKE 't_arrowmig_backup_%'"
            )
        ]
        assert len(backups) == 1
        assert pc.execute(f'SELECT v FROM "{backups[0]}"').fetchall() == [("old",)]


@pytest.mark.postgres
@pytest.mark.parametrize("kind", ["sqlite", "postgresql", "duckdb"])
def test_a_second_run_into_the_same_tables_is_refused_before_writing(
    tmp_path: Path, pg_url: str, kind: str
) -> None:
    """Two replaces of a keyless table at once shared its staging table: it ended with the
    rows of both, and one run said done. While a run holds a table, another is refused."""
    from arrowmig.run_lock import exclusive_tables

    source = _keyless_source(tmp_path)
    target = {"postgresql": pg_url, "sqlite": str(tmp_path / "t.db")}.get(
        kind, str(tmp_path / "t.duckdb")
    )
    assert arrowmig.migrate(str(source), target).ok
    replace = arrowmig.MigrationConfig(mode="replace")
    with exclusive_tables(target, None, ["t"]):  # another run, mid-way
        with pytest.raises(UsageError, match="another arrowmig run is writing") as refused:
            arrowmig.migrate(str(source), target, config=replace)
        assert refused.value.exit_code == 2
        # The holder, for the user to find it: PostgreSQL names the process of the lock's
        # session, SQLite the process holding the file's flock (this one: it is the "other
        # run" here).
        holder = (
            f"(arrowmig pid {os.getpid()}, "
            if kind == "postgresql"
            else f"writing {target} (pid {os.getpid()})"
        )
        assert holder in str(refused.value)
    assert len(rows_of(target, "t")) == 10
    assert arrowmig.migrate(str(source), target, config=replace).ok  # once it has ended
    assert len(rows_of(target, "t")) == 10


def _keyless_source(folder: Path) -> Path:
    source = folder / "s.db"
    con = sqlite3.connect(source)
    con.execute("CREATE TABLE t (a INTEGER, b TEXT)")
    con.executemany("INSERT INTO t VALUES (?, ?)", [(i, f"r{i}") for i in range(10)])
    con.commit()
    con.close()
    return source


def test_a_second_thread_of_the_process_is_refused_a_duckdb_file_a_run_writes(
    tmp_path: Path,
) -> None:
    """Threads of one process share its DuckDB connection to a file, so DuckDB's own lock let
    a second replace in: both wrote one staging table, and both failed with a duplicate key
    (or one emptied the other's table). The second is refused, as into PostgreSQL or SQLite."""
    source = _keyless_source(tmp_path)
    target = str(tmp_path / "t.duckdb")
    assert arrowmig.migrate(str(source), target).ok
    replace = arrowmig.MigrationConfig(mode="replace")
    second: list[BaseException | arrowmig.MigrationReport] = []

    def run_second() -> None:
        try:
            second.append(arrowmig.migrate(str(source), target, config=replace))
        except BaseException as exc:
            second.append(exc)

    def on_event(event: arrowmig.Event) -> None:
        # The first run holds the file from before its "planned" events to its end: the
        # second, on a thread of its own, runs meanwhile.
        if event.event == "planned" and not second:
            thread = threading.Thread(target=run_second)
            thread.start()
            thread.join()

    first = arrowmig.migrate(str(source), target, config=replace, progress=on_event)
    assert first.ok, first.to_dict()
    (refused,) = second
    assert isinstance(refused, UsageError), refused
    assert f"another arrowmig run is writing {target} (pid {os.getpid()})" in str(refused)
    assert len(rows_of(target, "t")) == 10
    with duckdb.connect(target, read_only=True) as con:
        tables = con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    assert sorted(n for (n,) in tables) == ["_arrowmig_checkpoints", "t"]


SLEEP_ONCE_IN_CREATE_INDEX = """
CREATE SEQUENCE slept;
CREATE FUNCTION sleep_once() RETURNS event_trigger LANGUAGE plpgsql AS $$
BEGIN
    IF nextval('slept') = 1 THEN  -- a sequence: the kill does not roll the count back
        PERFORM pg_sleep(60);
    END IF;
END $$;
CREATE EVENT TRIGGER sleep_once ON ddl_command_start WHEN TAG IN ('CREATE INDEX')
    EXECUTE FUNCTION sleep_once();
"""


@pytest.mark.parametrize("rows", [500, FINISHED_TOGETHER_ROWS + 1])
def test_keys_built_before_a_lost_connection_are_reported_built_after_the_retry(
    tmp_path: Path, pg_url: str, rows: int
) -> None:
    # A large table's keys commit one by one: the primary key is committed, then the
    # connection is lost during the first index, and the retry finds the key in place, with
    # the same columns, and builds the rest. A small table's commit together: the lost
    # connection undoes them all, and the retry builds them all.
    source = tmp_path / "s.db"
    con = sqlite3.connect(source)
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, b TEXT)")
    con.execute("CREATE INDEX ix_t_a ON t (a)")
    con.execute("CREATE INDEX ix_t_b ON t (b DESC)")
    con.executemany(
        "INSERT INTO t VALUES (?, ?, ?)", [(i, i % 7, f"b{i}") for i in range(1, rows + 1)]
    )
    con.commit()
    con.close()
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(SLEEP_ONCE_IN_CREATE_INDEX)
    database = pg_url.rsplit("/", 1)[1]
    killed: list[str] = []

    def kill_the_sleeping_build() -> None:
        with psycopg.connect(pg_url, autocommit=True) as admin:
            for _ in range(3000):
                # A small table's statements go to the server together, the keys first.
                found = admin.execute(
                    "SELECT pid, query FROM pg_stat_activity WHERE datname = %s "
                    "AND wait_event = 'PgSleep' AND query ILIKE '%%CREATE INDEX%%'",
                    (database,),
                ).fetchall()
                if found:
                    admin.execute("SELECT pg_terminate_backend(%s)", (found[0][0],))
                    killed.append(found[0][1])
                    return
                time.sleep(0.02)

    killer = threading.Thread(target=kill_the_sleeping_build)
    killer.start()
    report = arrowmig.migrate(str(source), pg_url)
    killer.join()
    assert len(killed) == 1
    (table,) = report.tables
    assert report.ok and table.status == "done", table.error
    assert table.retries >= 1
    assert sorted(table.built) == ["index ix_t_a", "index ix_t_b", "primary key (id)"]
    assert not [n for n in table.notes if "not built" in n], table.notes
    with psycopg.connect(pg_url) as c:
        built = c.execute(
            "SELECT indexrelid::regclass::text, indisprimary FROM pg_index "
            "WHERE indrelid = 't'::regclass ORDER BY 1"
        ).fetchall()
    assert built == [("ix_t_a", False), ("ix_t_b", False), ("t_pkey", True)]


def test_an_index_name_another_table_holds_is_reported_not_built(
    tmp_path: Path, pg_url: str
) -> None:
    # Index names are per schema: CREATE INDEX IF NOT EXISTS would pass over this one in
    # silence, and the report said it was built.
    source = tmp_path / "s.db"
    con = sqlite3.connect(source)
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER)")
    con.execute("CREATE INDEX ix_a ON t (a)")
    con.execute("INSERT INTO t VALUES (1, 2)")
    con.commit()
    con.close()
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute("CREATE TABLE other (a int); CREATE INDEX ix_a ON other (a)")
    report = arrowmig.migrate(str(source), pg_url, config=arrowmig.MigrationConfig(tables=("t",)))
    (table,) = report.tables
    assert table.built == ["primary key (id)"]
    assert "index ix_a not built: the name 'ix_a' is taken by an index of 'other'" in "\n".join(
        table.notes
    )


def test_opening_a_sqlite_file_again_keeps_its_readers_locks(tmp_path: Path) -> None:
    """Each endpoint read the file's header with open() and close(): closing any descriptor of
    a file drops every POSIX lock the process holds on it, so a reader's lock was gone, and an
    outside writer committed under it (the run then read 'database disk image is malformed')."""
    import subprocess
    import sys

    import adbc_driver_sqlite.dbapi as sqlite_dbapi

    from arrowmig.endpoints import open_endpoint

    path = str(tmp_path / "s.db")
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (a INTEGER)")
    con.execute("INSERT INTO t VALUES (1)")
    con.commit()
    con.close()
    reader = sqlite_dbapi.connect(path)
    cursor = reader.cursor()
    cursor.execute("SELECT count(*) FROM t")
    cursor.fetchall()  # its read transaction stays open, with its SHARED lock
    try:
        with open_endpoint(path):  # another connection of this process to the file
            pass
        writer = (
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1], timeout=0);"
            "c.execute('BEGIN EXCLUSIVE')"
        )
        outside = subprocess.run(
            [sys.executable, "-c", writer, path], capture_output=True, text=True, check=False
        )
        assert outside.returncode != 0 and "locked" in outside.stderr
    finally:
        cursor.close()
        reader.close()

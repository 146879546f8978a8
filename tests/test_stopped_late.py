"""A real ``arrowmig migrate`` stopped after its rows are in: by a signal or SIGKILL while
it checks foreign keys, or by a target server lost for good. The user gets the report and
the way on, and ``--resume`` finishes the run without adding anything twice.

The checks are held in place by an event trigger that makes each ``VALIDATE CONSTRAINT``
wait for an advisory lock the test holds, so the process is caught in the middle of them
whatever the machine's speed.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from arrowmig.report import MigrationReport
from arrowmig.status import runs_of
from tests.dbutil import as_role, sqlite_table

ARROWMIG = (sys.executable, "-m", "arrowmig")
HOLD_KEY = 730_173
"""The advisory lock each held VALIDATE waits for."""

SOURCE_KEYS = [
    ("games", "games_home_fkey"),
    ("games", "games_player_fkey"),
    ("players", "fk_rails_0a1b2c"),
    ("players", "players_team_id_fkey"),
]
"""The target's foreign keys after a finished run: one each, under the source's names."""


@pytest.fixture(scope="module")
def fk_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("stopped_late") / "league.db"
    con = sqlite3.connect(path)
    con.executescript(
        """
        CREATE TABLE teams (id INTEGER PRIMARY KEY, name TEXT);
        CREATE TABLE players (id INTEGER PRIMARY KEY, team_id INTEGER REFERENCES teams(id),
            CONSTRAINT fk_rails_0a1b2c FOREIGN KEY (id) REFERENCES teams(id));
        CREATE TABLE games (id INTEGER PRIMARY KEY, home INTEGER REFERENCES teams(id),
            player INTEGER REFERENCES players(id));
        WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 300)
        INSERT INTO teams SELECT i, 'team ' || i FROM s;
        INSERT INTO players SELECT id, id FROM teams;
        WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 1000)
        INSERT INTO games SELECT i, i % 300 + 1, i % 300 + 1 FROM s;
        """
    )
    con.commit()
    con.close()
    return path


def _migrate(source: Path, target: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*ARROWMIG, "migrate", str(source), target, "--progress", "none", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@contextmanager
def checks_held(
    pg_url: str, held: str = "%VALIDATE CONSTRAINT%", tag: str = "ALTER TABLE"
) -> Iterator[psycopg.Connection]:
    """Every statement of command ``tag`` like ``held`` (each VALIDATE CONSTRAINT) in
    ``pg_url`` waits until the lock is let go (the yielded connection holds it; ``let_go``
    releases it)."""
    holder = psycopg.connect(pg_url, autocommit=True)
    holder.execute(
        """
        CREATE FUNCTION hold_checks() RETURNS event_trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF current_query() ILIKE '%held' THEN
            PERFORM pg_advisory_xact_lock_shared(%s);
          END IF;
        END $$
        """.replace("%s", str(HOLD_KEY)).replace("%held", held)
    )
    holder.execute(
        f"CREATE EVENT TRIGGER hold_checks ON ddl_command_end WHEN TAG IN ('{tag}') "
        "EXECUTE FUNCTION hold_checks()"
    )
    holder.execute("SELECT pg_advisory_lock(%s)", (HOLD_KEY,))
    try:
        yield holder
    finally:
        let_go(holder)
        holder.close()


def let_go(holder: psycopg.Connection) -> None:
    """End every other session of the database (a killed client's backend would wait on),
    release the lock and remove the trigger."""
    holder.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid() "
        "AND query ILIKE '%%VALIDATE CONSTRAINT%%'"
    )
    holder.execute("SELECT pg_advisory_unlock_all()")
    holder.execute("DROP EVENT TRIGGER IF EXISTS hold_checks")
    holder.execute("DROP FUNCTION IF EXISTS hold_checks()")


def wait_for_a_held_check(
    holder: psycopg.Connection, proc: subprocess.Popen[str], held: str = "%VALIDATE CONSTRAINT%"
) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        held_now = holder.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND query ILIKE %s AND wait_event_type = 'Lock'",
            (held,),  # a key put back is sent after the LOCK TABLE that comes first
        ).fetchone()
        if held_now and held_now[0]:
            return
        time.sleep(0.05)
    proc.kill()  # held by the lock still: it would wait for ever
    raise AssertionError(f"no foreign key check was reached: {proc.communicate()}")


def sigint_while_held(source: Path, pg_url: str, held: str) -> tuple[str, str]:
    """``migrate --json`` stopped by SIGINT as it waits in a statement like ``held``: its
    stdout and stderr. It ends while the statement is still held (cancelled, not waited
    for), with exit code 130."""
    with checks_held(pg_url, held) as holder:
        proc = _migrate(source, pg_url, "--json")
        wait_for_a_held_check(holder, proc, held)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 130, err
    return out, err


def foreign_keys(pg_url: str) -> list[tuple[str, str, bool]]:
    with psycopg.connect(pg_url) as con:
        return [
            (str(t), str(n), bool(v))
            for t, n, v in con.execute(
                "SELECT conrelid::regclass::text, conname, convalidated FROM pg_constraint "
                "WHERE contype = 'f' ORDER BY 1, 2"
            )
        ]


def resume_finishes(source: Path, pg_url: str) -> str:
    proc = _migrate(source, pg_url, "--resume")
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    # One key each, named as in the source, and checked: none added twice (*_fkey1), none
    # left NOT VALID.
    assert foreign_keys(pg_url) == [(t, n, True) for t, n in SOURCE_KEYS]
    return err


def test_killed_while_checking_foreign_keys_resumes_without_adding_them_twice(
    fk_source: Path, pg_url: str
) -> None:
    with checks_held(pg_url) as holder:
        proc = _migrate(fk_source, pg_url)
        wait_for_a_held_check(holder, proc)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
        let_go(holder)
    left = foreign_keys(pg_url)
    assert [(t, n) for t, n, _ in left] == SOURCE_KEYS
    assert not all(valid for _, _, valid in left)  # killed before every key was checked
    err = resume_finishes(fk_source, pg_url)
    assert "FAILED" not in err and "not created" not in err


def test_sigint_while_checking_foreign_keys_stops_at_once_with_a_report(
    fk_source: Path, pg_url: str
) -> None:
    with checks_held(pg_url) as holder:
        proc = _migrate(fk_source, pg_url, "--json")
        wait_for_a_held_check(holder, proc)
        proc.send_signal(signal.SIGINT)
        # The held check is cancelled, not waited for: the lock is still held here.
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 130, err
        assert "Traceback" not in err
        assert "INTERRUPTED: 1,600 rows" in err
        assert "left NOT VALID; --resume checks it" in err
        assert err.rstrip().endswith(
            "run the same command again with --resume (committed rows are kept)"
        )
        assert '"interrupted": "SIGINT"' in out  # --json: the report on stdout
        (run,) = runs_of(pg_url)
        assert run["state"] == "interrupted"
    resume_finishes(fk_source, pg_url)


ADDING = "%FOREIGN KEY%NOT VALID%"
"""The statement that adds a foreign key, unchecked: run on the main thread."""


def test_ctrl_c_while_a_foreign_key_is_added_stops_the_run_with_a_report(
    fk_source: Path, pg_url: str
) -> None:
    # ADBC takes SIGINT during a statement of the main thread and only cancels it: the key
    # was reported "not created: canceling statement due to user request", or the Ctrl-C
    # lost, and the run went on to exit 0.
    out, err = sigint_while_held(fk_source, pg_url, ADDING)
    assert "Traceback" not in err and "Exception ignored" not in err
    assert "canceling statement" not in err
    assert "left NOT VALID; --resume checks it" in err
    assert json.loads(out)["interrupted"] == "SIGINT"
    (run,) = runs_of(pg_url)
    assert run["state"] == "interrupted"
    resume_finishes(fk_source, pg_url)


@pytest.fixture
def role_url(pg_url: str) -> Iterator[str]:
    """``pg_url`` as a role that is not a superuser (a superuser ignores CONNECTION LIMIT)."""
    role = "arrowmig_" + pg_url.rsplit("/", 1)[1][-12:]
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(f'CREATE ROLE "{role}" LOGIN')
        admin.execute(f'GRANT ALL ON DATABASE "{pg_url.rsplit("/", 1)[1]}" TO "{role}"')
        admin.execute(f'GRANT ALL ON SCHEMA public TO "{role}"')
    try:
        yield as_role(pg_url, role)
    finally:
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s",
                (role,),
            )
            admin.execute(f'DROP OWNED BY "{role}"')
            admin.execute(f'DROP ROLE "{role}"')


def _rows_source(path: Path, rows: int) -> Path:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT, amount REAL)")
    con.execute(
        "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ?) "
        "INSERT INTO events SELECT i, 'k' || (i % 7), i / 8.0 FROM s",
        (rows,),
    )
    con.commit()
    con.close()
    return path


def _committed(pg_url: str) -> int:
    with psycopg.connect(pg_url) as con:
        try:
            row = con.execute(
                "SELECT coalesce(sum(rows_done), 0) FROM _arrowmig_checkpoints"
            ).fetchone()
        except psycopg.errors.UndefinedTable:
            return 0
    return int(row[0]) if row else 0


def test_a_server_lost_for_good_mid_run_gives_the_report_exit_1_and_the_resume_hint(
    tmp_path: Path, pg_url: str, role_url: str
) -> None:
    source = _rows_source(tmp_path / "events.db", 60_000)
    database = pg_url.rsplit("/", 1)[1]
    proc = _migrate(source, role_url, "--json", "--batch-rows", "200", "--retries", "1")
    deadline = time.monotonic() + 60
    while _committed(pg_url) < 2_000 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{database}" CONNECTION LIMIT 0')
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (database,),
        )
        out, err = proc.communicate(timeout=120)
        committed = _committed(pg_url)
        admin.execute(f'ALTER DATABASE "{database}" CONNECTION LIMIT -1')
    # Rows were written: not exit code 2 ("nothing happened, fix the configuration").
    assert proc.returncode == 1, err
    assert "Traceback" not in err and "arrowmig: error" not in err
    assert 2_000 <= committed < 60_000
    report = json.loads(out)
    assert report["exit_code"] == 1 and report["failed"] == ["events"]
    assert "too many connections" in report["tables"][0]["error"]
    assert "too many connections" in report["unfinished"]
    assert "NOT FINISHED" in err
    assert err.rstrip().endswith(
        "run the same command again with --resume (committed rows are kept)"
    )
    resumed = _migrate(source, role_url, "--resume")
    _, err = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, err
    with psycopg.connect(pg_url) as con:
        assert con.execute("SELECT count(*), count(DISTINCT id) FROM events").fetchone() == (
            60_000,
            60_000,
        )


@pytest.mark.parametrize("own_mode", ["delete", "wal"])
def test_a_sqlite_target_killed_then_resumed_gets_its_own_journal_mode_back(
    tmp_path: Path, own_mode: str
) -> None:
    source = _rows_source(tmp_path / "events.db", 60_000)
    target = tmp_path / "target.db"
    con = sqlite3.connect(target)  # a file of the user's, in its journal mode
    con.execute(f"PRAGMA journal_mode={own_mode}")
    con.execute("CREATE TABLE notes (line TEXT)")
    con.close()  # (open, it would keep SQLite from changing the file's journal mode)
    # The run sets WAL while it writes; SIGKILL gives it no chance to put the mode back.
    proc = _migrate(source, str(target), "--batch-rows", "200")
    deadline = time.monotonic() + 60
    while _sqlite_committed(target) < 2_000 and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    assert 2_000 <= _sqlite_committed(target) < 60_000
    resumed = _migrate(source, str(target), "--resume")
    _, err = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, err
    con = sqlite3.connect(target)
    assert con.execute("PRAGMA journal_mode").fetchone() == (own_mode,)
    assert con.execute("SELECT count(*) FROM events").fetchone() == (60_000,)
    con.close()


def _sqlite_committed(path: Path) -> int:
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=0.2)
    except sqlite3.Error:
        return 0
    try:
        row = con.execute("SELECT coalesce(sum(rows_done), 0) FROM _arrowmig_checkpoints")
        return int(row.fetchone()[0])
    except sqlite3.Error:
        return 0
    finally:
        con.close()


def test_a_run_whose_wrap_up_failed_is_recorded_failed_with_why_not_interrupted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Exit 1 and NOT FINISHED, yet status said "interrupted", a word kept for signals and
    # runs that died.
    import importlib

    import arrowmig
    from arrowmig.cli import main
    from arrowmig.errors import TransferError

    source = _rows_source(tmp_path / "events.db", 300)
    target = tmp_path / "out.db"

    def disk_full(*_args: object) -> None:
        raise TransferError("could not extend file: No space left on device")

    # arrowmig.migrate is the function: the module is in sys.modules.
    monkeypatch.setattr(
        importlib.import_module("arrowmig.migrate"), "add_pg_definitions", disk_full
    )
    report = arrowmig.migrate(str(source), str(target))
    assert report.exit_code == 1 and report.unfinished is not None
    (run,) = runs_of(str(target))
    assert run["state"] == "failed"
    assert "No space left on device" in run["unfinished"]
    assert run["resume"] is not None
    monkeypatch.undo()
    capsys.readouterr()
    assert main(["status", str(target)]) == 0
    shown = capsys.readouterr().err
    assert " failed " in shown and "interrupted" not in shown
    assert f"{run['run_id']} not finished: the rows committed are kept" in shown


def _append_ended_in_wrap_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ending: BaseException
) -> tuple[MigrationReport, str]:
    """An append of ``events`` into a target holding one of its keys (the table fails), whose
    wrap-up then raises ``ending``: its report and the target."""
    import importlib

    import arrowmig
    from arrowmig.errors import Interrupted

    source = _rows_source(tmp_path / "events.db", 300)
    create = "CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT, amount REAL)"
    target = sqlite_table(tmp_path / "out.db", create, [(7, "there already", 0)])

    def ended(*_args: object) -> None:
        raise ending

    monkeypatch.setattr(importlib.import_module("arrowmig.migrate"), "add_pg_definitions", ended)
    config = arrowmig.MigrationConfig(mode="append")
    try:
        report = arrowmig.migrate(str(source), str(target), config=config)
    except Interrupted as stop:
        assert stop.report is not None
        report = stop.report
    finally:
        monkeypatch.undo()
    assert [t.name for t in report.failed] == ["events"]
    return report, str(target)


def _failed_table_shown(target: str, state: str, capsys: pytest.CaptureFixture[str]) -> str:
    """``arrowmig status`` of a run in ``state`` whose table ``events`` failed: its error, and
    what to fix before a --resume, are shown; the rest of what it printed."""
    from arrowmig.cli import main

    (run,) = runs_of(target)
    assert run["state"] == state
    (table,) = run["tables"]
    assert table["state"] == "failed"
    assert "key (id)=(7) is in the target table already" in table["error"]
    assert run["fix_first"].startswith("remove the duplicates first")
    capsys.readouterr()
    assert main(["status", target]) == 0
    shown = capsys.readouterr().err
    assert f"{run['run_id']} events: failed, 0 rows: writing 'events'" in shown
    assert f"{run['run_id']} before continuing: remove the duplicates first" in shown
    return shown.replace(run["run_id"], "RUN")


def test_a_run_whose_wrap_up_failed_keeps_its_failed_tables_errors_for_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # status called the run failed, and its table that failed "prepared, 0 rows", without
    # its error or what to fix before a --resume: the run's row kept only why it was not
    # finished.
    from arrowmig.errors import TransferError

    disk_full = TransferError("could not extend file: No space left on device")
    report, target = _append_ended_in_wrap_up(tmp_path, monkeypatch, disk_full)
    assert report.unfinished is not None
    shown = _failed_table_shown(target, "failed", capsys)
    assert "RUN not finished: the rows committed are kept" in shown


def test_a_run_stopped_in_its_wrap_up_keeps_its_failed_tables_errors_for_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # As a run whose wrap-up failed: status said "prepared, 0 rows" of the table that failed,
    # without its error or what to fix before the --resume it advises.
    from arrowmig.errors import StopRequested

    report, target = _append_ended_in_wrap_up(tmp_path, monkeypatch, StopRequested("SIGTERM"))
    assert report.interrupted == "SIGTERM"
    _failed_table_shown(target, "interrupted", capsys)

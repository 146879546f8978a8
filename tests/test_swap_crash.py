"""A real ``arrowmig migrate --mode replace`` into PostgreSQL killed (SIGKILL) as a table is
put in place, or whose run lock was lost before it: ``--resume`` finishes the table with
everything a replace keeps (the old table's own indexes, other tables' foreign keys into
it), and a run that no longer holds its table does not put it in place.

Each kill point is held by an event trigger that makes the statement wait for an advisory
lock the test holds, so the process is caught there whatever the machine's speed.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import psycopg
import pytest

from arrowmig.run_lock import lock_session_name
from tests.test_stopped_finishing import _source
from tests.test_stopped_late import _migrate, checks_held, let_go

ROWS = 200_000
"""Past ``FINISHED_TOGETHER_ROWS``: the table is put in place, then given what the replaced
table had, each in a transaction of its own."""


def wait_until_held(holder: psycopg.Connection, proc: subprocess.Popen[str], like: str) -> int:
    """The pid of the backend that waits in a statement ``like``."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and proc.poll() is None:
        row = holder.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND query ILIKE %s AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
            (like,),
        ).fetchone()
        if row:
            return int(row[0])
        time.sleep(0.05)
    raise AssertionError(f"the statement {like!r} was not reached: {proc.communicate()}")


def _replaced_once(source: Path, pg_url: str) -> None:
    """``bets`` loaded, then given what a replace keeps: an index of its own the source
    lacks, and another table's foreign key into it."""
    first = _migrate(source, pg_url)
    _, err = first.communicate(timeout=180)
    assert first.returncode == 0, err
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("CREATE INDEX bets_stake_extra ON bets (stake)")
        con.execute("CREATE TABLE slips (bet_id int REFERENCES bets (id))")
        con.execute("INSERT INTO slips VALUES (1)")


def _kept(pg_url: str) -> tuple[list[str], list[tuple[str, bool]]]:
    """The indexes of ``bets``, and the foreign keys of ``slips`` (checked or not)."""
    with psycopg.connect(pg_url) as con:
        indexes = [
            str(r[0])
            for r in con.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'bets' ORDER BY 1"
            )
        ]
        keys = [
            (str(n), bool(v))
            for n, v in con.execute(
                "SELECT conname, convalidated FROM pg_constraint "
                "WHERE contype = 'f' AND conrelid = 'slips'::regclass"
            )
        ]
    return indexes, keys


EVERYTHING_KEPT = (
    ["bets_pkey", "bets_stake_extra", "ix_bets_player"],
    [("slips_bet_id_fkey", True)],
)


@pytest.mark.parametrize(
    ("tag", "like"),
    [
        # The old table's own index, given to the new one after it is put in place.
        ("CREATE INDEX", '%bets_stake_extra" ON %public%'),
        # The other table's foreign key, put back after that.
        ("ALTER TABLE", "%slips_bet_id_fkey%NOT VALID%"),
    ],
)
def test_killed_after_the_swap_resume_gives_what_replace_keeps(
    tmp_path: Path, pg_url: str, tag: str, like: str
) -> None:
    # Killed once the new table was in place: --resume finished only its key sequences and
    # statistics, exit 0, and the index and the foreign key the old table had were gone.
    source = _source(tmp_path / "bets.db", ROWS)
    _replaced_once(source, pg_url)
    assert _kept(pg_url) == EVERYTHING_KEPT
    with checks_held(pg_url, like, tag) as holder:
        proc = _migrate(source, pg_url, "--mode", "replace")
        wait_until_held(holder, proc, like)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    resumed = _migrate(source, pg_url, "--mode", "replace", "--resume", "--json")
    out, err = resumed.communicate(timeout=180)
    assert resumed.returncode == 0, err
    (table,) = json.loads(out)["tables"]
    assert table["status"] == "done", table
    assert any(n.startswith("put in place by the interrupted run") for n in table["notes"]), table[
        "notes"
    ]
    assert _kept(pg_url) == EVERYTHING_KEPT
    assert any("bets_stake_extra" in b for b in table["built"]), table["built"]


STAGING = "%CREATE TABLE%_arrowmig_stage_%"
"""Creating the staging table the rows are loaded into: before the table is put in place."""


def _lock_session_ended(holder: psycopg.Connection, proc: subprocess.Popen[str]) -> None:
    ended = holder.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = current_database() AND application_name LIKE %s",
        (lock_session_name(proc.pid, "%"),),
    ).fetchall()
    assert ended == [(True,)]


def test_a_run_that_lost_its_lock_to_another_run_stops_without_writing_more(
    tmp_path: Path, pg_url: str
) -> None:
    # The session holding the run's lock was ended as the run loaded, and another run took
    # the lock: this one went on writing the staging table the other was writing too (both
    # runs' rows in it, the key refused as duplicated), its wrap-up said --resume would
    # continue it; before the put in place was checked, it put its table in place, exit 0.
    source = _source(tmp_path / "bets.db", ROWS)
    _replaced_once(source, pg_url)
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("INSERT INTO bets (id, player, stake) VALUES (0, 0, 'old')")
    with (
        checks_held(pg_url, STAGING, "CREATE TABLE") as holder,
        psycopg.connect(pg_url, autocommit=True) as other_run,
    ):
        proc = _migrate(source, pg_url, "--mode", "replace", "--json")
        wait_until_held(holder, proc, STAGING)
        _lock_session_ended(holder, proc)
        # The lock a second run into the table takes ('arm', run_lock's namespace).
        other_run.execute(
            "SELECT pg_advisory_lock(%s, hashtext(current_database() || '/public.bets'))",
            (0x61726D,),
        )
        let_go(holder)
        out, err = proc.communicate(timeout=180)
    assert proc.returncode == 1, err
    report = json.loads(out)
    (table,) = report["tables"]
    assert table["status"] == "failed"
    assert "no longer holds its lock on its target tables" in table["error"], table["error"]
    assert "batch not committed" in table["error"]
    assert "the run stopped, writing nothing more" in report["unfinished"], report["unfinished"]
    assert "run the same command with --resume" in report["unfinished"]
    with psycopg.connect(pg_url) as con:
        assert con.execute("SELECT count(*) FROM bets").fetchone() == (ROWS + 1,)
        (stage,) = con.execute(
            "SELECT relname FROM pg_class WHERE relname LIKE '\\_arrowmig\\_stage\\_%'"
        ).fetchone()
        # No batch committed once the lock was gone.
        assert con.execute(f'SELECT count(*) FROM "{stage}"').fetchone() == (0,)
    resumed = _migrate(source, pg_url, "--mode", "replace", "--resume")
    _, err = resumed.communicate(timeout=180)
    assert resumed.returncode == 0, err
    with psycopg.connect(pg_url) as con:
        assert con.execute("SELECT count(*) FROM bets").fetchone() == (ROWS,)
    assert _kept(pg_url) == EVERYTHING_KEPT


def test_a_run_whose_lock_session_ended_takes_the_lock_again_and_finishes(
    tmp_path: Path, pg_url: str
) -> None:
    # No other run took the lock meanwhile: the run takes it again on a new session and
    # goes on (a server restart ends the lock session too), where it failed its table.
    source = _source(tmp_path / "bets.db", ROWS)
    _replaced_once(source, pg_url)
    with checks_held(pg_url, STAGING, "CREATE TABLE") as holder:
        proc = _migrate(source, pg_url, "--mode", "replace", "--json")
        wait_until_held(holder, proc, STAGING)
        _lock_session_ended(holder, proc)
        let_go(holder)
        out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err
    (table,) = json.loads(out)["tables"]
    assert table["status"] == "done", table
    _replaced_whole(pg_url)


def _replaced_whole(pg_url: str) -> None:
    """``bets`` holds every row once, with what the replace keeps of the old table."""
    with psycopg.connect(pg_url) as con:
        assert con.execute("SELECT count(*), count(DISTINCT id) FROM bets").fetchone() == (
            ROWS,
            ROWS,
        )
    assert _kept(pg_url) == EVERYTHING_KEPT


SWAP = "%arrowmig_lock%RENAME TO%"
"""The transaction that puts the staging table in place: the run lock's check, then the
staging table renamed to the table's name (held at that ALTER TABLE)."""


def _end_the_swap(holder: psycopg.Connection, proc: subprocess.Popen[str]) -> None:
    """End the session putting ``bets`` in place (``pg_terminate_backend``), the run's lock
    session untouched, and let go of what held it."""
    writer = wait_until_held(holder, proc, SWAP)
    assert holder.execute("SELECT pg_terminate_backend(%s)", (writer,)).fetchone() == (True,)
    let_go(holder)


def _retried_with_the_servers_words(proc: subprocess.Popen[str], pg_url: str) -> None:
    """The run ended its ``--progress json`` events with exit 0, ``bets`` put in place after
    one retry told in one line with the server's reason, every row there once."""
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err
    events = [json.loads(line) for line in out.splitlines()]
    # It was told as the first line of the transaction's statements: ~900 characters of the
    # lock check's SQL, whose message says the lock session "is gone" (it was not), without
    # the server's reason.
    (retry,) = [e["message"] for e in events if e["event"] == "retry"]
    assert retry.startswith(
        "putting 'bets' in place: terminating connection due to administrator command (retry 1/"
    ), retry
    for internal in ("arrowmig_lock", "SELECT", "DO $", "is gone", "\n"):
        assert internal not in retry, retry
    (table,) = events[-1]["report"]["tables"]
    assert (table["status"], table["retries"]) == ("done", 1), table
    _replaced_whole(pg_url)


def _killed_at_the_swap(source: Path, pg_url: str) -> None:
    """``migrate --mode replace`` killed (SIGKILL) as it puts ``bets`` in place, its rows all
    loaded: a ``--resume`` has only the put in place left to do."""
    with checks_held(pg_url, SWAP, "ALTER TABLE") as holder:
        killed = _migrate(source, pg_url, "--mode", "replace")
        writer = wait_until_held(holder, killed, SWAP)
        killed.send_signal(signal.SIGKILL)
        killed.communicate(timeout=30)
        # Its transaction, waiting still, would put the table in place once let go.
        holder.execute("SELECT pg_terminate_backend(%s)", (writer,))


@pytest.mark.parametrize("resume", [False, True])
def test_a_write_session_ended_as_the_table_is_put_in_place_is_retried(
    tmp_path: Path, pg_url: str, resume: bool
) -> None:
    source = _source(tmp_path / "bets.db", ROWS)
    _replaced_once(source, pg_url)
    args = ["--mode", "replace", "--progress", "json"]
    if resume:
        # A --resume left only the put in place ran it once, not through retries: the ended
        # session failed the table, exit 1.
        _killed_at_the_swap(source, pg_url)
        args.append("--resume")
    with checks_held(pg_url, SWAP, "ALTER TABLE") as holder:
        proc = _migrate(source, pg_url, *args)
        _end_the_swap(holder, proc)
        _retried_with_the_servers_words(proc, pg_url)

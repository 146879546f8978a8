"""A PostgreSQL login refused once the run is under way (a password changed, a role that may
no longer log in) is not a server restarting: the run says so at once, for every table left,
and spends no retries on it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from arrowmig.endpoints.pg_errors import login_refused
from tests.dbutil import as_role, pg_exec, sqlite_table

pytestmark = pytest.mark.postgres

PASSWORD = "pw-never-shown"


@pytest.fixture
def writer(pg_url: str) -> Iterator[tuple[str, str]]:
    """A login role that may create tables in the test's database, and its URL (with a
    password, which trust authentication ignores)."""
    role = f"arrowmig_writer_{uuid.uuid4().hex[:8]}"
    database = urlsplit(pg_url).path.lstrip("/")
    pg_exec(
        pg_url,
        f"CREATE ROLE {role} LOGIN",
        f'GRANT CREATE ON DATABASE "{database}" TO {role}',
        f"GRANT CREATE, USAGE ON SCHEMA public TO {role}",
    )
    url = as_role(pg_url, role).replace(f"{role}@", f"{role}:{PASSWORD}@", 1)
    try:
        yield role, url
    finally:
        pg_exec(pg_url, f"DROP OWNED BY {role}", f"DROP ROLE {role}")


def test_a_login_refused_mid_run_fails_the_tables_left_at_once(
    tmp_path: Path, pg_url: str, writer: tuple[str, str]
) -> None:
    # The target's login, refused to the streams' connections after planning, was retried
    # as if the server were restarting: --retries times for each table, one after another
    # (minutes for a run of many tables), then failed with a hint to check the server runs.
    role, target = writer
    source = tmp_path / "s.db"
    for name in ("a", "b", "c"):
        sqlite_table(source, f"CREATE TABLE {name} (id INTEGER PRIMARY KEY)", [(1,), (2,)])
    options = ["--parallel", "1", "--retries", "2", "--progress", "json"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "arrowmig", "migrate", str(source), target, *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    read = b""
    try:
        while b'"planned"' not in read:  # planned: its connections are opened from here on
            chunk = os.read(proc.stdout.fileno(), 65536)
            assert chunk, proc.communicate()
            read += chunk
        proc.send_signal(signal.SIGSTOP)
        pg_exec(pg_url, f"ALTER ROLE {role} NOLOGIN")
        proc.send_signal(signal.SIGCONT)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    lines = [json.loads(line) for line in (read + out).decode().splitlines()]

    assert proc.returncode == 1, err.decode()[-2000:]
    assert not [e for e in lines if e["event"] == "retry"]
    report = lines[-1]["report"]
    for table in report["tables"]:
        assert (table["status"], table["retries"]) == ("failed", 0), table
        assert f'role "{role}" is not permitted to log in' in table["error"]
        assert "ALTER ROLE ... LOGIN" in table["error"]  # what to do, not "check the server runs"
    assert PASSWORD not in (read + out + err).decode()


@pytest.mark.parametrize(
    ("said", "refused"),
    [
        ('FATAL:  password authentication failed for user "app"', True),
        ('FATAL:  no pg_hba.conf entry for host "10.0.0.9", user "app", database "d"', True),
        ('FATAL:  role "app" does not exist', True),
        ('FATAL:  role "app" is not permitted to log in', True),
        ("fe_sendauth: no password supplied", True),
        ("FATAL:  the database system is starting up", False),
        ("Connection refused\n\tIs the server running on that host", False),
        ("timeout expired", False),
    ],
)
def test_which_connection_failures_are_a_refused_login(said: str, refused: bool) -> None:
    # libpq's words, as a failed connection carries no SQLSTATE (28P01, 28000) to go by.
    assert login_refused(said) is refused

"""A refused connection's hint points at what is wrong: SSL the server lacks, an sslmode that
is no mode, a raw % in the URL, a socket directory the user named; not at "check that the
server runs" (it did), nor at directories that were not tried.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from arrowmig.cli import main
from arrowmig.endpoints.pg_errors import connect_hint

pytestmark = pytest.mark.postgres

GENERIC = "check that the server runs"


def refused(url: str, capsys: pytest.CaptureFixture[str], tmp_path: object) -> str:
    assert main(["plan", url, f"{tmp_path}/t.db"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    return err


@pytest.mark.parametrize(
    ("ending", "hint"),
    [
        ("?sslmode=bogus", "sslmode takes one of disable, allow, prefer, require, verify-ca, "),
        ("?host=/nonexistent/dir", "no server's socket for port 5432 is in /nonexistent/dir, "),
    ],
)
def test_a_refused_connection_says_what_in_the_url_is_wrong(
    pg_url: str, ending: str, hint: str, capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    url = pg_url + ending
    if "host=" in ending:  # a URL naming only the directory, as psql users write it
        url = "postgresql:///" + pg_url.rsplit("/", 1)[1] + ending
    err = refused(url, capsys, tmp_path)
    assert hint in err and GENERIC not in err
    assert "/tmp or /var/run/postgresql" not in err


def test_a_raw_percent_in_a_password_says_to_encode_it(
    pg_url: str, capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    err = refused(pg_url.replace("postgres@", "postgres:50%off@", 1), capsys, tmp_path)
    assert "must be percent-encoded as %25" in err and GENERIC not in err
    assert "50%off" not in err


def test_ssl_required_of_a_server_without_it_says_it_is_ssl() -> None:
    # libpq's own words, as a server with ssl = off answers sslmode=require.
    said = (
        'Failed to connect: connection to server at "127.0.0.1", port 5432 failed: server '
        "does not support SSL, but SSL was required"
    )
    hint = connect_hint(said, "postgresql://u@127.0.0.1:5432/db?sslmode=require")
    assert "needs a server with SSL on: drop sslmode (or use sslmode=prefer)" in hint
    assert GENERIC not in hint


def test_a_drivers_ssl_option_in_a_url_is_named_as_libpqs_sslmode(
    pg_url: str, capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    err = refused(pg_url + "?ssl=require", capsys, tmp_path)
    assert "libpq has no option ssl" in err and "write sslmode= instead" in err
    assert GENERIC not in err


def test_a_missing_database_named_with_a_space_is_created_by_a_quoted_name() -> None:
    said = 'connection to server at "127.0.0.1", port 5432 failed: FATAL:  database "app db" does not exist'
    assert "(createdb 'app db', or CREATE DATABASE" in connect_hint(said)


def test_a_service_the_service_file_lacks_is_named_not_the_server(
    capsys: pytest.CaptureFixture[str], tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "definition of service "nosuch" not found; check that the server runs and ...": no
    # server was asked.
    service_file = Path(f"{tmp_path}/pg_service.conf")
    monkeypatch.setenv("PGSERVICEFILE", str(service_file))
    err = refused("postgresql://?service=nosuch", capsys, tmp_path)
    assert "make that file, or name the one that defines the service in PGSERVICEFILE" in err
    assert GENERIC not in err
    service_file.write_text("[other]\nhost=127.0.0.1\n")
    err = refused("postgresql://?service=nosuch", capsys, tmp_path)
    assert "no service 'nosuch' is in the service file: check its name" in err
    assert "PGSERVICEFILE" in err and GENERIC not in err

"""A password that is also a name (``postgres:postgres@``, the docker image's and CI's default;
a table's name): masked where it is the password, not where the same word is the scheme, the
user or a table, so errors and the log show the URL as the report does. A password that
cannot be a name is still masked wherever it appears."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from arrowmig.cli import main
from arrowmig.urls import redact_text
from tests.dbutil import sqlite_table


def _with_password(pg_url: str, password: str) -> str:
    """``pg_url`` (user ``postgres``, trust authentication: any password is taken)."""
    return pg_url.replace("postgres@", f"postgres:{password}@", 1)


def _shown(pg_url: str) -> str:
    return pg_url.replace("postgres@", "postgres:***@", 1)


@pytest.mark.parametrize(
    "message",
    [
        "table 'bets' already exists in postgresql://postgres:***@h:5432/db",
        'FATAL:  password authentication failed for user "postgres"',
        'postgres said: relation "bets" does not exist; postgres://bets@h/bets',
    ],
)
@pytest.mark.parametrize("password", ["postgres", "bets"])
def test_a_password_that_is_a_name_leaves_the_same_word_elsewhere(
    message: str, password: str
) -> None:
    assert redact_text(message, [password]) == message


@pytest.mark.parametrize(
    ("said", "shown"),
    [
        ("at postgresql://postgres:postgres@h/db", "at postgresql://postgres:***@h/db"),
        ("at postgres://:postgres@[::1/db", "at postgres://:***@[::1/db"),
        ("host=h user=postgres password=postgres", "host=h user=postgres password=***"),
        ("host=h password = 'postgres' user=u", "host=h password = '***' user=u"),
        (
            "at postgresql://h/db?user=u&Password=postgres&x=1",
            "at postgresql://h/db?user=u&Password=***&x=1",
        ),
    ],
)
def test_a_password_that_is_a_name_is_masked_where_it_is_the_password(
    said: str, shown: str
) -> None:
    """Where a message echoes a URL or libpq string the password is in: its place."""
    assert redact_text(said, ["postgres"]) == shown


@pytest.mark.parametrize(
    "password", ["S3cretPw", "pass-word", "p%41ss", "0123456789abcdef0123456789abcdef"]
)
def test_a_password_that_cannot_be_a_name_is_masked_wherever_it_appears(password: str) -> None:
    # Upper case, a character no name has, or as long as a generated secret (hex of
    # openssl rand -hex 16): what libpq may quote back alone, and no table is called.
    said = f'invalid percent-encoded token: "{password}"; also at {password}.'
    assert redact_text(said, [password]) == 'invalid percent-encoded token: "***"; also at ***.'


def test_the_ci_default_url_is_shown_as_the_report_shows_it(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Errors and the log file showed ``***ql://***:***@host/db``, unlike the ``--json``
    report's ``postgresql://postgres:***@host/db``."""
    url, shown = _with_password(pg_url, "postgres"), _shown(pg_url)
    source = sqlite_table(tmp_path / "s.db", "CREATE TABLE t (id INTEGER PRIMARY KEY)", [(1,)])
    log = tmp_path / "run.log"
    run = ["migrate", source, url, "--progress", "none", "--log-file", str(log), "--json"]
    assert main(run) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["target"] == shown
    assert main(run) == 2  # the table exists now
    again, err_again = capsys.readouterr()
    assert f"table 't' already exists in {shown};" in err_again
    assert f"already exists in {shown};" in json.loads(again)["error"]
    logged = log.read_text()
    assert f"-> {shown}" in logged and f'"target": "{shown}"' in logged
    assert f"already exists in {shown};" in logged
    for text in (out, err, again, err_again, logged):
        assert ":postgres@" not in text and "***ql" not in text


def test_a_password_that_names_a_table_leaves_the_tables_name(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    url = _with_password(pg_url, "bets")
    source = sqlite_table(tmp_path / "s.db", "CREATE TABLE bets (id INTEGER PRIMARY KEY)", [(1,)])
    assert main(["migrate", source, url, "--progress", "none"]) == 0
    assert main(["migrate", source, url, "--progress", "none"]) == 2
    err = capsys.readouterr().err
    assert f"table 'bets' already exists in {_shown(pg_url)};" in err
    assert ":bets@" not in err


def test_a_password_that_is_a_name_is_printed_nowhere(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Not in errors, a --debug traceback, --json, progress, the log, the plan or the
    checkpoints a PostgreSQL source's run leaves in a SQLite target."""
    url = _with_password(pg_url, "postgres")
    source = sqlite_table(tmp_path / "s.db", "CREATE TABLE t (id INTEGER PRIMARY KEY)", [(1,)])
    log, copy = tmp_path / "run.log", str(tmp_path / "copy.db")
    unreachable = url.replace(":5432/", ":1/")
    runs = [
        ["plan", source, url, "--json"],
        ["migrate", source, url, "--progress", "json", "--log-file", str(log)],
        ["migrate", url, copy, "--json", "--progress", "plain", "--progress-interval", "0"],
        ["verify", url, copy, "--json"],
        ["status", url],
        ["--debug", "migrate", source, unreachable, "--log-file", str(log)],
        ["migrate", source, "host=127.0.0.1 user=postgres password=postgres dbname=x"],
    ]
    seen = []
    for args in runs:
        main(args)
        out, err = capsys.readouterr()
        seen.append(out + err)
    seen.append(log.read_text())
    with sqlite3.connect(copy) as con:
        seen.append(repr(con.execute("SELECT * FROM _arrowmig_checkpoints").fetchall()))
    assert "Traceback" in seen[5] and "password=*** dbname=x" in seen[6]
    assert any(_shown(pg_url) in text for text in seen)
    for text in seen:
        assert ":postgres@" not in text and "password=postgres" not in text, text

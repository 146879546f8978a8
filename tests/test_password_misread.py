"""A password holding an unencoded / or @, which libpq reads as a host, port, database or
query: no piece of it is shown by any verb on any channel, and the error says to
percent-encode it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from arrowmig import open_endpoint
from arrowmig.cli import main
from arrowmig.errors import ConnectError
from arrowmig.urls import redact, redact_text
from tests.conftest import require_pg
from tests.dbutil import sqlite_table

# Each password with the pieces of it libpq quoted back before (as a query parameter's
# name, an sslmode's value, a host), percent-decoded.
PASSWORDS = {
    "Pa/ss?word=Tr0ub4dor": ["word", "Tr0ub4dor"],
    "x/y?sslmode=zz": ["zz"],
    "m/d5#p?ss": ["d5#p", "ss"],
    "Ab@cd/Ef?Gh": ["cd", "Ef", "Gh"],
    "Ab/cd?sslmode=%5Azz": ["Zzz"],  # libpq decodes %5A: "Zzz" is in no piece as written
}


def _url(password: str) -> str:
    return f"postgresql://someone:{password}@127.0.0.1:5432/postgres"


def _shows_none_of(text: str, password: str) -> None:
    for piece in [password, *PASSWORDS[password]]:
        assert not re.search(rf"(?<!\w){re.escape(piece)}(?!\w)", text), (piece, text)


@pytest.mark.parametrize("password", list(PASSWORDS))
def test_the_library_error_shows_no_piece_of_the_password(password: str) -> None:
    """Not only the command line: a program calling the library gets a clean error too."""
    require_pg()
    with pytest.raises(ConnectError) as info:
        open_endpoint(_url(password)).close()
    _shows_none_of(f"{info.value.message} {info.value.hint}", password)
    assert "percent-encoded" in (info.value.hint or ""), info.value.hint


@pytest.mark.parametrize("password", list(PASSWORDS))
def test_no_verb_shows_a_piece_of_the_password(
    password: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_pg()
    url, log = _url(password), tmp_path / "run.log"
    other = sqlite_table(tmp_path / "s.db", "CREATE TABLE t (a)", [(1,)])
    runs = [
        ["plan", url, other],
        ["plan", url, other, "--json"],
        ["migrate", url, other, "--json", "--log-file", str(log)],
        ["migrate", other, url, "--progress", "json"],
        ["verify", url, other, "--json"],
    ]
    for args in runs:
        code = main(args)
        out, err = capsys.readouterr()
        shown = out + err + (log.read_text() if log.exists() else "")
        assert code == 2, (args, shown)
        _shows_none_of(shown, password)
        assert "percent-encoded" in err, err


def test_a_user_holding_a_slash_has_all_before_the_last_at_masked() -> None:
    # The password was shown whole: the user part's / made the URL unreadable as
    # user:password@, and nothing was masked.
    assert redact("postgresql://us/er:S3cret@h/db") == "postgresql://***@h/db"


def test_a_query_piece_of_a_password_is_scrubbed_from_any_message() -> None:
    """The command line's last guard, for a message no endpoint cleaned: libpq splits a
    query at & and =, and names a piece so split."""
    said = 'invalid URI query parameter: "word"'
    assert redact_text(said, ["Pa/ss?word=Tr0ub4dor"]) == 'invalid URI query parameter: "***"'

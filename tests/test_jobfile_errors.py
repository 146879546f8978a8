"""A job file's bad value, for every key it may hold: one line naming the file, the key (and
the table it sits in), the value, and what the key takes. ``target_names`` and ``progress``
named neither the file nor the key's place, nor did a wrong type of any other key.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from arrowmig.cli import main
from arrowmig.config import MODES, ON_ERROR, TARGET_NAMES
from arrowmig.errors import UsageError
from arrowmig.jobfile import PROGRESS_KINDS, known_keys, load_job

BASE = 'source = "a.db"\ntarget = "b.db"\n'


def _refusal(tmp_path: Path, text: str) -> UsageError:
    path = tmp_path / "job.toml"
    path.write_text(text)
    with pytest.raises(UsageError) as refused:
        load_job(path)
    assert "\n" not in str(refused.value)
    return refused.value


def test_every_key_is_listed_here() -> None:
    # A key added to job files gets a case below, or this fails.
    assert set(known_keys()) == {*WRONG_TYPE, "source", "target"}


WRONG_TYPE = {
    "analyze": "true or false",
    "batch_bytes": 'a size like "64MiB"',
    "batch_rows": "a whole number",
    "batch_timeout_s": "a number",
    "casts": '"table.column" = "TYPE"',
    "direct": "true or false",
    "exclude": "a list of table names",
    "foreign_keys": "true or false",
    "json": "true or false",
    "keep_backup": "true or false",
    "keys": "true or false",
    "lock_wait_s": "a number",
    "log_file": "a non-empty string",
    "max_memory": 'a size like "64MiB"',
    "mode": ", ".join(MODES),
    "on_error": ", ".join(ON_ERROR),
    "parallel": "a whole number",
    "profile": "true or false",
    "progress": ", ".join(PROGRESS_KINDS),
    "progress_interval": "a number",
    "reject_dir": "a non-empty string",
    "resume": "true or false",
    "retries": "a whole number",
    "source_schema": "a schema name, a list of them or '*'",
    "split_rows": "a whole number",
    "tables": "a list of table names",
    "target_names": ", ".join(TARGET_NAMES),
    "target_schema": "a non-empty string",
    "verify": "true or false",
}
"""Each key, and the words of what it takes."""


@pytest.mark.parametrize(("key", "takes"), sorted(WRONG_TYPE.items()))
def test_a_value_of_the_wrong_type_names_file_key_value_and_what_it_takes(
    tmp_path: Path, key: str, takes: str
) -> None:
    # A TOML date is no key's type.
    refused = _refusal(tmp_path, BASE + f"{key} = 1979-05-27\n")
    path = str(tmp_path / "job.toml")
    assert refused.message.startswith(f"job file {path!r}, key {key!r}: must be "), refused
    assert takes in refused.message
    assert refused.message.endswith("not datetime.date(1979, 5, 27)")


@pytest.mark.parametrize(("key", "value"), [("source", "3"), ("target", "[]")])
def test_a_url_that_is_no_text_names_file_and_key(tmp_path: Path, key: str, value: str) -> None:
    other = "target" if key == "source" else "source"
    refused = _refusal(tmp_path, f'{other} = "a.db"\n{key} = {value}\n')
    path = str(tmp_path / "job.toml")
    assert (
        refused.message
        == f"job file {path!r}, key {key!r}: must be a non-empty string, not {value}"
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('target_names = "Lower"', "key 'target_names': must be one of keep, lower, not 'Lower'"),
        (
            'progress = "fancy"',
            "key 'progress': must be one of auto, bar, plain, json, none, not 'fancy'",
        ),
        (
            'mode = "bogus"',
            "key 'mode': must be one of create, replace, append, truncate, not 'bogus'",
        ),
        ('on-error = "skip"', "key 'on-error': must be one of fail, reject, not 'skip'"),
        ("progress_interval = -1", "key 'progress_interval': must be 0 or more seconds, not -1"),
        ("parallel = 0", "key 'parallel': parallel must be at least 1, not 0"),
        ('max_memory = "lots"', "key 'max_memory': cannot read 'lots' as a size"),
        ("no_profile = 1", "key 'no_profile': must be true or false, not 1"),
        ('[casts]\n"t" = "int"', "[casts] key 't': cannot read cast 't=int'"),
        ('[casts]\n"t.c" = 5', "[casts] key 't.c': cast 't.c' must name a type, not 5"),
    ],
)
def test_a_wrong_value_names_file_key_value_and_choices(
    tmp_path: Path, line: str, message: str
) -> None:
    refused = _refusal(tmp_path, BASE + line + "\n")
    assert refused.message == f"job file {str(tmp_path / 'job.toml')!r}, {message}"


def test_a_database_given_as_the_job_file_says_to_migrate_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # `arrowmig run bets.db` (the database where the job file goes) ended with "unexpected
    # UnicodeDecodeError: 'utf-8' codec can't decode byte ..." and exit 1.
    monkeypatch.chdir(tmp_path)
    with sqlite3.connect(tmp_path / "bets.db") as con:
        con.execute("CREATE TABLE bets (id INTEGER PRIMARY KEY, stake REAL)")
        con.executemany("INSERT INTO bets VALUES (?, ?)", [(i, i / 7) for i in range(500)])
    con.close()
    assert main(["run", "bets.db"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("arrowmig: error: job file 'bets.db' is not a TOML text file ("), err
    assert "UnicodeDecodeError" not in err
    assert err.rstrip().endswith("; to move that database, run arrowmig migrate bets.db TARGET")
    assert "\n" not in err.rstrip()


def test_a_job_file_that_is_not_text_is_refused_saying_so(tmp_path: Path) -> None:
    path = tmp_path / "job.toml"
    path.write_bytes(b'source = "a.db"\n\xff\xfe')
    with pytest.raises(UsageError) as refused:
        load_job(path)
    assert refused.value.message == (
        f"job file {str(path)!r} is not a TOML text file (byte 0xff at offset 16 is not UTF-8)"
    )
    assert refused.value.hint == "arrowmig run takes a TOML job file (see 'arrowmig run --help')"

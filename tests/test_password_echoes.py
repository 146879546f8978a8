"""No password where an error echoes what it was given: the driver's own error behind a
ConnectError (a traceback, ``--debug``, ``logging.exception`` show it), a value refused for its
type (a URL written as a list, or passed as bytes), a Job's repr."""

from __future__ import annotations

import json
import traceback
from pathlib import Path

import pytest

import arrowmig
from arrowmig import open_endpoint
from arrowmig.cli import main
from arrowmig.endpoints.pg_errors import connect_error
from arrowmig.errors import ConnectError, UsageError, raised_by_ctrl_c
from arrowmig.jobfile import load_job
from arrowmig.urls import parse_url, password_of, redact_text
from tests.conftest import require_pg
from tests.dbutil import sqlite_table

# 'hunter2@prod/2024' with only its @ encoded: libpq reads the URL's port as "hunter2@prod".
MISREAD = "postgresql://app:hunter2%40prod/2024@127.0.0.1:5432/postgres"
URL = "postgresql://app:S3cretPassw0rd@127.0.0.1:5432/db"


def test_a_piece_of_a_password_is_scrubbed_as_libpq_decodes_it() -> None:
    said = 'invalid integer value "hunter2@prod" for connection option "port"'
    assert "hunter2" not in redact_text(said, ["hunter2%40prod/2024"])


def test_the_driver_error_behind_a_connect_error_shows_no_password() -> None:
    """Its message was scrubbed, but not the driver's error it was raised from, which every
    traceback prints."""
    require_pg()
    with pytest.raises(ConnectError) as info:
        open_endpoint(MISREAD).close()
    shown = "".join(traceback.format_exception(info.value))
    assert "invalid integer value" in shown  # the driver's words are still there
    assert "hunter2" not in shown, shown
    assert "hunter2" not in repr(info.value.__cause__) + repr(info.value.__context__)


def test_debug_tracebacks_show_no_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_pg()
    other = sqlite_table(tmp_path / "s.db", "CREATE TABLE t (a)", [(1,)])
    for verb in ("plan", "migrate"):
        assert main([verb, MISREAD, other, "--debug"]) == 2
        err = capsys.readouterr().err
        assert "Traceback" in err
        assert "hunter2" not in err, err


def test_a_connect_error_stopped_by_ctrl_c_still_says_so() -> None:
    # The driver's error is replaced by a scrubbed stand-in: the Ctrl-C it was raised from
    # must stay in the chain, or the command reports a failure the user never had.
    try:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as ctrl_c:
            raise RuntimeError(f"connecting with {password_of(URL)}: cancelled") from ctrl_c
    except RuntimeError as exc:
        driver = exc
    error = connect_error(parse_url(URL), driver)
    assert raised_by_ctrl_c(error)
    assert "S3cretPassw0rd" not in "".join(traceback.format_exception(error))


def _job(tmp_path: Path, source: str) -> Path:
    path = tmp_path / "job.toml"
    path.write_text(f'source = {source}\ntarget = "sqlite:///out.db"\n')
    return path


def test_a_url_written_as_a_list_in_a_job_file_is_refused_without_its_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    job = _job(tmp_path, f'["{URL}"]')
    for args in (["run", str(job)], ["run", str(job), "--json"]):
        assert main(args) == 2
        out, err = capsys.readouterr()
        assert "key 'source': must be a non-empty string, not ['postgresql://app:***@" in err
        assert "S3cret" not in out + err
    assert "S3cret" not in json.loads(out)["error"]


@pytest.mark.parametrize("source", [URL.encode(), [URL], (URL,)])
def test_a_url_passed_as_the_wrong_type_is_refused_without_its_password(
    tmp_path: Path, source: object
) -> None:
    with pytest.raises(UsageError) as info:
        arrowmig.migrate(source, str(tmp_path / "out.db"))  # type: ignore[arg-type]
    assert "source must be a URL or a path" in str(info.value)
    assert "S3cret" not in str(info.value) and "app:***@" in str(info.value)


def test_load_jobs_overrides_and_a_jobs_repr_show_no_password(tmp_path: Path) -> None:
    job = _job(tmp_path, f'"{URL}"')
    with pytest.raises(UsageError) as info:
        load_job(job, {"target": [URL]})
    assert "S3cret" not in str(info.value) and "app:***@" in str(info.value)
    shown = repr(load_job(job))
    assert shown.startswith("Job(source='postgresql://app:***@127.0.0.1:5432/db', target=")
    assert "S3cret" not in shown and "config=MigrationConfig(" in shown

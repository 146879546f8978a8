"""Errors before any work: with ``--json`` or ``--progress json`` stdout still gets one JSON
answer with the exit code and the error line (``cmd --json | jq`` reads it), and a --tables
name that cannot be read says how to write it."""

from __future__ import annotations

import json
import socket
import sqlite3
import threading
from pathlib import Path

import pytest

from arrowmig import urls
from arrowmig.cli import main


def make_sqlite(path: Path, create: str) -> Path:
    with sqlite3.connect(path) as con:
        con.execute(create)
    return path


@pytest.mark.parametrize(
    "args",
    [
        ["migrate", "{missing}", "{tmp}/t.db", "--json"],
        ["plan", "{missing}", "{tmp}/t.db", "--json"],
        ["verify", "{missing}", "{tmp}/t.db", "--json"],
        ["status", "{missing}", "--json"],
        ["migrate", "{missing}", "{tmp}/t.db", "--json", "--no-such-option"],
    ],
)
def test_an_early_error_is_one_json_document_on_stdout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    # stdout was empty: a script piping to jq got no input, only the exit code.
    missing = str(tmp_path / "missing.db")
    code = main([a.format(missing=missing, tmp=tmp_path) for a in args])
    out, err = capsys.readouterr()
    assert code == 2
    document = json.loads(out)
    assert document == {
        "ok": False,
        "exit_code": 2,
        "error": err.removeprefix("arrowmig: error: ").strip(),
    }


def test_an_early_error_under_progress_json_ends_with_a_summary_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = str(tmp_path / "missing.db")
    code = main(["migrate", missing, str(tmp_path / "t.db"), "--progress", "json"])
    out, _ = capsys.readouterr()
    assert code == 2
    last = json.loads(out.splitlines()[-1])
    assert last["event"] == "summary" and last["report"] is None
    assert last["exit_code"] == 2 and "does not exist" in last["error"]


@pytest.mark.parametrize("asked", ["json = true", 'progress = "json"'])
def test_a_job_file_asking_for_json_gets_it_for_an_early_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], asked: str
) -> None:
    # `arrowmig run job.toml` with json = true (not --json) printed nothing on stdout.
    job = tmp_path / "job.toml"
    job.write_text(
        f'source = "{tmp_path / "missing.db"}"\ntarget = "{tmp_path / "t.db"}"\n{asked}\n'
    )
    code = main(["run", str(job)])
    out, err = capsys.readouterr()
    assert code == 2
    last = json.loads(out.splitlines()[-1])
    assert last["ok"] is False and last["exit_code"] == 2
    assert last["error"] == err.removeprefix("arrowmig: error: ").strip()
    assert ("event" in last) == asked.startswith("progress")
    # The next command, without it, prints none (the job's ask is not kept).
    assert main(["migrate", str(tmp_path / "missing.db"), str(tmp_path / "t.db")]) == 2
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(
    ("text", "asked"),
    [
        ('mode = "replac"', "json = true"),
        ("tables = []", "json = true"),
        ("parallel = 0", 'progress = "json"'),
    ],
)
def test_a_job_asking_for_json_gets_it_when_another_key_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, asked: str
) -> None:
    # The file was read, but a refused value of another key left stdout empty.
    source = make_sqlite(tmp_path / "s.db", "CREATE TABLE t (a)")
    job = tmp_path / "job.toml"
    job.write_text(f'source = "{source}"\ntarget = "{tmp_path / "t.db"}"\n{text}\n{asked}\n')
    code = main(["run", str(job)])
    out, err = capsys.readouterr()
    assert code == 2 and "job file" in err
    last = json.loads(out.splitlines()[-1])
    assert (last["ok"], last["exit_code"]) == (False, 2)
    assert last["error"] == err.removeprefix("arrowmig: error: ").strip()
    # A flag replacing the ask replaces it for the error too.
    assert main(["run", str(job), "--progress", "none"]) == 2
    assert capsys.readouterr().out == ("" if asked.startswith("progress") else out)


def test_without_json_stdout_stays_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["migrate", str(tmp_path / "missing.db"), str(tmp_path / "t.db")]) == 2
    assert capsys.readouterr().out == ""


def test_a_password_in_the_error_is_redacted_in_the_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = make_sqlite(tmp_path / "s.db", "CREATE TABLE t (a)")
    code = main(["plan", str(source), "postgresql://u:s3cr3t@127.0.0.1:1/x", "--json"])
    out, _ = capsys.readouterr()
    document = json.loads(out)
    assert code == 2 and "cannot connect to postgresql://u:***@127.0.0.1:1/x" in document["error"]
    assert "s3cr3t" not in out


def test_a_server_that_never_answers_is_given_up_on_saying_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A host that drops packets unanswered hung the run for the system's TCP timeout (minutes):
    # libpq waits for ever unless told. Here, a port that takes connections and says nothing.
    monkeypatch.delenv("PGCONNECT_TIMEOUT", raising=False)
    monkeypatch.setattr(urls, "CONNECT_TIMEOUT_S", 1)  # the default (10 s), shortened
    silent = socket.create_server(("127.0.0.1", 0))
    # Should the run wait regardless, the connection is cut, and it fails otherwise.
    cut = threading.Timer(30, silent.close)
    cut.start()
    try:
        url = f"postgresql://u:s3cr3t@127.0.0.1:{silent.getsockname()[1]}/x"
        code = main(["plan", url, str(tmp_path / "t.db"), "--json"])
    finally:
        cut.cancel()
        silent.close()
    out, _ = capsys.readouterr()
    error = json.loads(out)["error"]
    assert code == 2 and "timeout expired" in error, error
    assert "check the host and port" in error and "s3cr3t" not in out


def test_a_name_holding_a_quote_gets_the_doubled_quotes_as_its_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The hint was about dots, which the name does not hold.
    source = make_sqlite(tmp_path / "s.db", 'CREATE TABLE "my ""odd"" table" (a)')
    target = str(tmp_path / "t.db")
    assert main(["migrate", str(source), target, "--tables", 'my "odd" table']) == 2
    err = capsys.readouterr().err
    assert """each quote in it doubled: "my ""odd"" table\"""" in err, err
    assert main(["migrate", str(source), target, "--tables", '"my ""odd"" table"']) == 0


@pytest.mark.parametrize("verb", ["migrate", "plan", "verify"])
def test_debug_after_the_verb_is_taken_as_before_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], verb: str
) -> None:
    # It was "no such option '--debug'. Did you mean '--mode'?", exit 2, and no traceback.
    missing = str(tmp_path / "missing.db")
    assert main([verb, missing, str(tmp_path / "t.db"), "--debug"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):"), err
    assert err.splitlines()[-1] == (
        f"arrowmig: error: SQLite file {missing!r} does not exist; check the path "
        "(sqlite:///rel.db is relative, sqlite:////abs.db absolute)"
    )


def test_a_mistyped_option_gets_its_suggestion_in_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = str(tmp_path / "missing.db")
    assert main(["migrate", missing, str(tmp_path / "t.db"), "--modex", "replace"]) == 2
    assert capsys.readouterr().err == (
        "arrowmig: error: no such option '--modex' (did you mean '--mode'?); "
        "see 'arrowmig migrate --help'\n"
    )


@pytest.mark.postgres
def test_a_connection_lost_while_reading_the_catalog_is_arrowmigs_error(pg_url: str) -> None:
    # A network cut, a failover or a restart while arrowmig plans: the catalog reads met the
    # driver's error, which the CLI called "unexpected" over four lines, exit 1. As
    # arrowmig's (transient: planning stops with exit 2, a stream retries), in one line.
    import psycopg

    from arrowmig.endpoints import open_endpoint
    from arrowmig.errors import TransientError

    with open_endpoint(pg_url) as dst:
        pid = dst.execute("SELECT pg_backend_pid()")[0][0]
        with psycopg.connect(pg_url, autocommit=True) as con:
            con.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with pytest.raises(TransientError) as lost:
            dst.list_tables()
    assert "\n" not in str(lost.value), str(lost.value)


def test_a_driver_error_of_several_lines_is_one_line_and_one_json_string(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # PostgreSQL's HINT reached stderr as a second line, and the JSON's error held a "\n".
    import arrowmig.status

    def refused(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("must be superuser to COPY to a file\nHINT:  Anyone can COPY to stdout")

    monkeypatch.setattr(arrowmig.status, "runs_of", refused)
    code = main(["status", str(tmp_path / "t.db"), "--json"])
    out, err = capsys.readouterr()
    assert code == 1
    assert err == (
        "arrowmig: error: unexpected RuntimeError: must be superuser to COPY to a file; HINT:  "
        "Anyone can COPY to stdout (rerun with --debug for the traceback)\n"
    )
    assert json.loads(out)["error"] == err.removeprefix("arrowmig: error: ").strip()

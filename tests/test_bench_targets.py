"""``arrowmig bench`` never deletes a user's file: a ``--target`` SQLite or DuckDB file that
exists is refused before anything runs (it deleted it, even the ``--source``), and one it
creates is removed at the end. And ``--no-warmup`` does what its help says."""

from __future__ import annotations

import json
import sqlite3
import tempfile
import uuid
from pathlib import Path

import duckdb
import pytest

from arrowmig.cli import main
from tests import test_bench
from tests.dbutil import as_role, pg_exec

tiny_db = test_bench.tiny_db  # the fixture: a small SQLite source

QUICK = ("--paths", "columnar", "--batch-rows", "100", "--parallel", "1", "--repeat", "1")


def _precious(path: Path) -> None:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    con.execute("INSERT INTO customers VALUES (1, 'Ada'), (2, 'Linus')")
    con.commit()
    con.close()


@pytest.mark.parametrize("form", ["url", "path", "source", "duckdb"])
def test_bench_refuses_a_target_file_that_exists(
    form: str,
    tiny_db: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    precious = tmp_path / "precious.db"
    _precious(precious)
    source = str(tiny_db)
    target = {"url": f"sqlite:///{precious}", "path": str(precious), "source": source}.get(form)
    if form == "duckdb":
        target = str(tmp_path / "precious.duckdb")
        duckdb.connect(target).execute("CREATE TABLE t AS SELECT 1 AS x").close()
    assert target is not None
    before = Path(target if form != "url" else precious).read_bytes()
    out = tmp_path / "out"
    args = ["bench", "--source", source, "--target", target, "--out", str(out), *QUICK]
    code = main(args)
    err = capsys.readouterr().err
    assert (code, err) == (
        2,
        f"arrowmig: error: --target {target!r} exists: bench deletes its target before every "
        "run; give the path of a file that does not exist yet, or 'sqlite' for a scratch file\n",
    )
    assert Path(target if form != "url" else precious).read_bytes() == before
    assert not (out / "bench.json").exists()


def test_bench_removes_the_target_file_it_made_and_no_warmup_leaves_warmups_out(
    tiny_db: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    target = tmp_path / "made.db"
    out = tmp_path / "out"
    args = ["bench", "--source", str(tiny_db), "--target", str(target), "--out", str(out)]
    code = main([*args, *QUICK, "--no-stages", "--no-warmup"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert not target.exists() and not Path(f"{target}-wal").exists()
    runs = json.loads((out / "bench.json").read_text())["runs"]
    assert runs and not [r for r in runs if r["warmup"]]
    assert "warm-up:" in err  # it still ran: the measured runs need what it set up
    assert main(["bench", "--help"]) == 0
    shown = " ".join(capsys.readouterr().out.split())
    assert "--no-warmup Leave the warm-up runs out of bench.json (they still run" in shown


@pytest.mark.postgres
def test_bench_refuses_a_postgresql_user_that_may_not_write_server_files_before_any_run(
    tiny_db: Path, tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Met after the warm-up before: "unexpected InsufficientPrivilege", its HINT on a second
    # line, exit 1.
    role = f"arrowmig_nosu_{uuid.uuid4().hex[:8]}"
    pg_exec(pg_url, f"CREATE ROLE {role} LOGIN CREATEDB")
    try:
        out = tmp_path / "out"
        target = as_role(pg_url, role)
        args = ["bench", "--source", str(tiny_db), "--target", target, "--out", str(out)]
        code = main([*args, *QUICK, "--no-stages", "--json"])
        captured = capsys.readouterr()
    finally:
        pg_exec(pg_url, f"DROP ROLE {role}")
    assert code == 2
    assert captured.err == (
        f"arrowmig: error: --target {target}: user {role!r} may not have the server write a "
        "file, which the bench's COPY ceiling (COPY ... TO 'file') needs; GRANT "
        f'pg_write_server_files TO "{role}", or run the bench as a superuser\n'
    )
    assert json.loads(captured.out)["exit_code"] == 2
    assert not (out / "bench.json").exists()


@pytest.mark.postgres
def test_bench_refuses_a_postgresql_login_the_server_refused_with_exit_2(
    tiny_db: Path,
    tmp_path: Path,
    pg_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A server that answered and refused the login was "not reachable": skipped with a note,
    # exit 0, as if no server ran there.
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    target = as_role(pg_url, f"arrowmig_nobody_{uuid.uuid4().hex[:8]}")
    out = tmp_path / "out"
    args = ["bench", "--source", str(tiny_db), "--target", target, "--out", str(out)]
    assert main([*args, *QUICK, "--no-stages"]) == 2
    err = capsys.readouterr().err
    assert (
        err.startswith(f"arrowmig: error: cannot connect to {target}: ")
        and "not reachable" not in err
    )
    assert err.endswith("check the user name in the URL (or PGUSER): the server has no such role\n")
    assert not (out / "bench.json").exists()
    assert list(scratch.iterdir()) == []  # its work folder went with the refusal

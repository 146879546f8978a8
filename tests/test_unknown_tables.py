"""Table names the source does not have, named all in one line: a list with two typos
stopped at the first, and the user ran again to hear of the second. Each name that is close
to one the source has says which (``--tables usres``: did you mean 'users'?)."""

from __future__ import annotations

from pathlib import Path

import pytest

from arrowmig.cli import main
from tests.dbutil import pg_exec
from tests.test_schema_fidelity import make_sqlite


def _source(folder: Path) -> str:
    return make_sqlite(
        folder / "s.db",
        "CREATE TABLE users (id INTEGER PRIMARY KEY); CREATE TABLE orders (id INTEGER);",
    )


def _said(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code = main(list(args))
    err = capsys.readouterr().err
    assert code == 2, err
    assert len(err.splitlines()) == 1, err
    return err


@pytest.mark.parametrize("verb", ["migrate", "plan", "verify"])
def test_every_unknown_table_is_named_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], verb: str
) -> None:
    source = _source(tmp_path)
    target = source if verb == "verify" else str(tmp_path / "t.duckdb")
    err = _said(capsys, verb, source, target, "--tables", "nosuch1,usres,orders,nosuch2")
    assert err == (
        f"arrowmig: error: tables 'nosuch1', 'usres', 'nosuch2' not found in {source}; "
        "'usres': did you mean 'users'?; tables there: orders, users\n"
    )
    assert not (tmp_path / "t.duckdb").exists()


def test_every_unknown_exclusion_is_named_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _source(tmp_path)
    err = _said(capsys, "migrate", source, str(tmp_path / "t.duckdb"), "--exclude", "ordrs,x")
    assert err == (
        f"arrowmig: error: tables 'ordrs', 'x' named by --exclude not found in {source}; "
        "'ordrs': did you mean 'orders'?; tables there: orders, users\n"
    )


def test_one_mistyped_table_is_told_its_likely_name_and_the_tables_there(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _source(tmp_path)
    err = _said(capsys, "migrate", source, str(tmp_path / "t.duckdb"), "--tables", "usres")
    assert err == (
        f"arrowmig: error: table 'usres' not found in {source}; did you mean 'users'?; "
        "tables there: orders, users\n"
    )


def test_a_job_files_unknown_tables_are_named_at_once_by_its_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _source(tmp_path)
    job = tmp_path / "job.toml"
    job.write_text(
        f'source = "{source}"\ntarget = "{tmp_path / "t.duckdb"}"\n'
        'tables = ["nosuch1", "users", "nosuch2"]\n'
    )
    err = _said(capsys, "run", str(job))
    assert err.startswith(
        f"arrowmig: error: job file '{job}', key 'tables': tables 'nosuch1', 'nosuch2' not "
        f"found in {source}; tables there: orders, users"
    ), err


@pytest.mark.postgres
@pytest.mark.parametrize("verb", ["migrate", "verify"])
def test_unknown_tables_across_schemas_are_named_at_once(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str], verb: str
) -> None:
    pg_exec(
        pg_url,
        "CREATE SCHEMA sales",
        "CREATE TABLE sales.orders (id int PRIMARY KEY)",
        "CREATE SCHEMA hr",
        "CREATE TABLE hr.emp (id int PRIMARY KEY)",
    )
    target = pg_url if verb == "verify" else str(tmp_path / "t.duckdb")
    err = _said(
        capsys,
        verb,
        pg_url,
        target,
        "--source-schema",
        "sales,hr",
        "--tables",
        "ordrs,hr.emp,hr.emps,nope",
    )
    assert err.startswith(
        "arrowmig: error: --tables 'ordrs', 'hr.emps', 'nope': no such tables in schemas "
        "sales, hr; 'ordrs': did you mean 'orders'?; 'hr.emps': did you mean 'hr.emp'?; "
        "name each as schema.table"
    ), err


def test_generates_unknown_tables_are_named_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "g.duckdb"
    err = _said(capsys, "generate", str(target), "--tables", "nosuch,large_bet,large_players")
    assert err.startswith(
        "arrowmig: error: unknown generated tables 'nosuch', 'large_bet'; 'large_bet': did you "
        "mean 'large_bets'?; use one of large_players, "
    ), err
    assert not target.exists()

"""A driver older than arrowmig works with is refused in one line, exit 2, before anything is
written; pyproject.toml's lower bounds are the versions the check holds to.

Versions are fed to the check, or an older driver's metadata is laid first on the path of a
real ``arrowmig`` process: no old driver is installed.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import tomllib
from pathlib import Path

import psycopg
import pytest

from arrowmig.endpoints.driver_versions import OLDEST, too_old

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("version", "says"),
    [
        ("1.8.0", "it binds no NULL parameter and writes decimals wrongly"),
        ("1.10.0", "it binds no NULL parameter and writes decimals wrongly"),
        ("1.11.0", "10000.50 into numeric(8,2) arrives as 15000.00"),
        ("1.12.0", "which is tested with 1.13 and later"),
    ],
)
def test_an_old_postgresql_driver_is_named_with_what_it_gets_wrong(version: str, says: str) -> None:
    why = too_old("adbc-driver-postgresql", version)
    assert why is not None
    assert why.startswith(f"adbc-driver-postgresql {version} is too old for arrowmig")
    assert says in why


@pytest.mark.parametrize("version", ["1.13.0", "1.13.0rc1", "1.14.2", "2.0.0"])
def test_a_tested_or_newer_driver_passes(version: str) -> None:
    assert too_old("adbc-driver-postgresql", version) is None
    assert too_old("adbc-driver-sqlite", version) is None


def test_duckdb_before_2_is_refused() -> None:
    assert too_old("duckdb", "1.5.5") == (
        "duckdb 1.5.5 is too old for arrowmig, which is tested with 2.0 and later"
    )
    assert too_old("duckdb", "2.0.1") is None


def test_pyproject_asks_for_the_versions_the_check_holds_to() -> None:
    # pip then refuses to install arrowmig beside an older driver; the check covers one
    # installed after it.
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    bounds = {}
    for requirement in declared:
        match = re.fullmatch(r"([a-z0-9-]+)(?:\[[a-z]+\])?>=([0-9.]+)", requirement)
        assert match, f"{requirement!r} has no lower bound"
        bounds[match[1]] = tuple(int(n) for n in match[2].split("."))
    assert {dist: bounds[dist] for dist in OLDEST} == OLDEST


def _old_driver_on_the_path(folder: Path, distribution: str, version: str) -> dict[str, str]:
    """An environment whose Python finds ``version``'s metadata for ``distribution`` first."""
    info = folder / f"{distribution.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {distribution}\nVersion: {version}\n"
    )
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(folder), str(ROOT)])}


@pytest.mark.postgres
def test_a_migration_into_postgresql_with_driver_1_8_is_refused_before_writing(
    pg_url: str, tmp_path: Path
) -> None:
    source = tmp_path / "dec.db"
    with sqlite3.connect(source) as con:
        con.execute("CREATE TABLE p (id INTEGER PRIMARY KEY, price DECIMAL(6,2))")
        con.execute("INSERT INTO p (price) VALUES (12.00), (NULL)")
    env = _old_driver_on_the_path(tmp_path / "site", "adbc-driver-postgresql", "1.8.0")
    done = subprocess.run(
        [sys.executable, "-m", "arrowmig", "migrate", str(source), pg_url, "--progress", "none"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    # Before: a nanoarrow error about Arrow type 'na' after the run had started, exit 1.
    assert done.returncode == 2, done.stderr
    assert done.stderr == (
        "arrowmig: error: adbc-driver-postgresql 1.8.0 is too old for arrowmig: it binds no "
        "NULL parameter and writes decimals wrongly (12.00 into numeric(6,2) arrives as "
        "1200.00); pip install -U 'adbc-driver-postgresql>=1.13'\n"
    )
    with psycopg.connect(pg_url) as con:
        written = con.execute(
            "SELECT count(*) FROM pg_tables "
            "WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
        ).fetchone()
    assert written == (0,)

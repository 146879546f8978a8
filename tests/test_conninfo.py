"""A libpq key=value string, or a SQLAlchemy URL naming a driver, is refused with the
postgresql:// URL that says the same (its password as ``***``), not a generic "cannot tell
what database"; the URL given connects where the string would have."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from arrowmig.cli import main
from tests.dbutil import pg_exec

pytestmark = pytest.mark.postgres


def test_a_key_value_string_is_refused_with_the_url_that_connects_as_it_would(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pg_exec(pg_url, "CREATE TABLE t (id int PRIMARY KEY)")
    parts = urlsplit(pg_url)
    database = parts.path.lstrip("/")
    given = (
        f"host={parts.hostname} port={parts.port} dbname={database} user={parts.username} "
        "password='s3cret word' sslmode=disable"
    )
    target = str(tmp_path / "t.db")
    assert main(["plan", given, target]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "s3cret" not in err
    assert "is a libpq key=value string, which arrowmig does not take" in err
    url = (
        f"postgresql://{parts.username}:***@{parts.netloc.split('@')[1]}/{database}?sslmode=disable"
    )
    assert f"write it as {url} (its password in PGPASSWORD" in err
    # The URL it names, its password put in (trust authentication ignores it), connects.
    assert main(["plan", url.replace("***", "s3cret%20word"), target]) == 0


def test_a_socket_directory_goes_in_the_query(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["plan", "host=/var/run/postgresql port=5433 dbname=shop", str(tmp_path / "t.db")])
        == 2
    )
    assert (
        "write it as postgresql:///shop?host=/var/run/postgresql&port=5433\n"
        in capsys.readouterr().err
    )


def test_a_sqlalchemy_driver_url_is_refused_with_the_url_without_the_driver(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    given = "postgresql+psycopg2://etl:s3cret@db.internal/shop"
    assert main(["plan", given, str(tmp_path / "t.db")]) == 2
    err = capsys.readouterr().err
    assert "names a driver ('postgresql+psycopg2')" in err and "s3cret" not in err
    assert err.endswith("write it as postgresql://etl:***@db.internal/shop\n")


def _suggested(given: str, target: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["plan", given, target]) == 2
    return capsys.readouterr().err.rstrip("\n").rpartition("write it as ")[2]


def test_a_list_of_hosts_is_given_each_with_its_port(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # host=h1,h2 became h1%2Ch2, one host libpq cannot find.
    pg_exec(pg_url, "CREATE TABLE t (id int PRIMARY KEY)")
    parts = urlsplit(pg_url)
    database, target = parts.path.lstrip("/"), str(tmp_path / "t.db")
    hosts = f"host=nowhere.invalid,{parts.hostname} user={parts.username} dbname={database}"
    url = _suggested(f"{hosts} port=5999,{parts.port}", target, capsys)
    where = f"{parts.hostname}:{parts.port}"
    assert url == f"postgresql://{parts.username}@nowhere.invalid:5999,{where}/{database}"
    assert main(["plan", url, target]) == 0  # libpq tries the second host, on its own port
    # One port is every host's, as libpq has it.
    url = _suggested(f"{hosts} port={parts.port}", target, capsys)
    assert url.startswith(f"postgresql://{parts.username}@nowhere.invalid:{parts.port},")


def test_an_ipv6_address_is_put_in_brackets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # postgresql://::1:5433/db, of which libpq takes "1:5433" for a port.
    given = "host=::1 port=5433 dbname=db"
    assert _suggested(given, str(tmp_path / "t.db"), capsys) == "postgresql://[::1]:5433/db"


def test_an_asyncpg_ssl_option_is_given_as_libpqs_sslmode_in_a_url_that_connects(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # asyncpg's ssl=, kept as it was, is refused by libpq ("invalid URI query parameter").
    pg_exec(pg_url, "CREATE TABLE t (id int PRIMARY KEY)")
    target = str(tmp_path / "t.db")
    given = pg_url.replace("postgresql://", "postgresql+asyncpg://", 1) + "?ssl=prefer"
    url = _suggested(given, target, capsys)
    assert url == f"{pg_url}?sslmode=prefer (the driver's ssl= is libpq's sslmode=)"
    assert main(["plan", url.partition(" ")[0], target]) == 0
    given = pg_url.replace("postgresql://", "postgresql+asyncpg://", 1) + "?ssl=true&x=1"
    assert _suggested(given, target, capsys).startswith(f"{pg_url}?x=1 (the driver's ssl=true")


def test_the_password_hint_names_every_character_that_must_be_encoded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    given = "dbname=shop user=etl host=db password='a b'"
    assert main(["plan", given, str(tmp_path / "t.db")]) == 2
    assert "with / @ % and a space written %2F %40 %25 %20)" in capsys.readouterr().err

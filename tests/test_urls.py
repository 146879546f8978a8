from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

import pytest

from arrowmig import urls
from arrowmig.endpoints import open_endpoint
from arrowmig.errors import UrlError
from arrowmig.run_source import how_sources_differ, without_password
from arrowmig.urls import parse_url, password_of, redact, redact_text

TIMEOUT = f"connect_timeout={urls.CONNECT_TIMEOUT_S}"


@pytest.mark.parametrize(
    ("url", "kind", "target"),
    [
        ("sqlite:///rel/bets.db", "sqlite", "rel/bets.db"),
        ("sqlite:////abs/bets.db", "sqlite", "/abs/bets.db"),
        ("duckdb:///w.duckdb", "duckdb", "w.duckdb"),
        ("duckdb:////data/w.duckdb", "duckdb", "/data/w.duckdb"),
        ("bets.sqlite3", "sqlite", "bets.sqlite3"),
        ("/tmp/x.SQLITE", "sqlite", "/tmp/x.SQLITE"),
        ("warehouse.duckdb", "duckdb", "warehouse.duckdb"),
        ("postgres://u@h/db", "postgresql", "postgresql://u@h/db?connect_timeout=10"),
        (
            "postgresql://u:p@h:5432/db?sslmode=require",
            "postgresql",
            "postgresql://u:p@h:5432/db?sslmode=require&connect_timeout=10",
        ),
    ],
)
def test_urls_resolve_to_their_endpoint(url: str, kind: str, target: str) -> None:
    parsed = parse_url(url)
    assert (parsed.kind, parsed.target) == (kind, target)


@pytest.mark.parametrize("url", ["mysql://x/y", "bets.csv", "", "sqlite://", "sqlite:///:memory:"])
def test_unknown_urls_get_one_line_listing_accepted_forms(url: str) -> None:
    with pytest.raises(UrlError) as info:
        parse_url(url)
    message = str(info.value)
    assert "\n" not in message
    assert "sqlite" in message


def test_passwords_are_redacted_everywhere_in_a_url() -> None:
    assert redact("postgresql://bob:s3cret@h:5432/db") == "postgresql://bob:***@h:5432/db"
    assert "s3cret" not in redact("postgresql://h/db?user=bob&password=s3cret&sslmode=require")
    assert "s3cret" not in parse_url("postgres://bob:s3cret@h/db").redacted
    with pytest.raises(UrlError) as info:
        parse_url("mysql://bob:s3cret@h/db")
    assert "s3cret" not in str(info.value)


@pytest.fixture
def socket_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A distribution's socket directory holding a server's socket on port 5432 (the file's
    presence is what is looked for), with no libpq host in the environment."""
    for var in ("PGHOST", "PGHOSTADDR", "PGSERVICE", "PGPORT", "PGCONNECT_TIMEOUT"):
        monkeypatch.delenv(var, raising=False)
    (tmp_path / ".s.PGSQL.5432").touch()
    monkeypatch.setattr(urls, "SOCKET_DIRECTORIES", (str(tmp_path / "none"), str(tmp_path)))
    return tmp_path


def test_a_url_without_a_host_finds_the_distributions_socket(socket_dir: Path) -> None:
    host = quote(str(socket_dir), safe="")
    assert parse_url("postgresql:///app").target == f"postgresql:///app?host={host}&{TIMEOUT}"
    assert (
        parse_url("postgres://bob@/app?sslmode=disable").target
        == f"postgresql://bob@/app?sslmode=disable&host={host}&{TIMEOUT}"
    )
    # As written when shown: the host was not the user's to see changed.
    assert parse_url("postgresql:///app").redacted == "postgresql:///app"


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://127.0.0.1/app",
        "postgresql:///app?host=/elsewhere",
        "postgresql:///app?service=prod",
        "postgresql://:5433/app",  # no socket for that port
    ],
)
def test_a_url_that_names_its_server_is_left_as_written(socket_dir: Path, url: str) -> None:
    assert parse_url(url).target == urls.with_connect_timeout(url)


def test_a_host_in_the_environment_is_left_to_libpq(
    socket_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGHOST", "db.example")
    assert parse_url("postgresql:///app").target == f"postgresql:///app?{TIMEOUT}"


@pytest.mark.parametrize(
    ("url", "secret"),
    [
        ("postgresql://u:Hunter#2pw@h:5432/db", "Hunter#2pw"),
        ("postgresql://u:S3cr3t?x@h/db", "S3cr3t?x"),
        ("postgresql://u:p@ss:w/rd@h:5432/db", "p@ss:w/rd"),
        ("postgresql://u:LeakMe6@[::1/x", "LeakMe6"),
        ("host=h dbname=x user=u password=S3cr3tDSN", "S3cr3tDSN"),
        ("host=h password='a b c' user=u", "a b c"),
        ("postgresql:///db?password=abc123&sslmode=disable", "abc123"),
    ],
)
def test_a_password_is_masked_whatever_it_holds(url: str, secret: str) -> None:
    """Not only what urlsplit parses: an unencoded # or ? ends its netloc early."""
    assert secret not in redact(url) and "***" in redact(url)
    assert password_of(url) == secret
    assert secret not in redact_text(f"failed: {url}", [secret])


def test_a_short_password_is_scrubbed_only_where_it_stands_alone() -> None:
    assert redact_text("postgresql://u:p@host failed", ["p"]) == "postgresql://u:***@host failed"


def test_a_url_without_a_password_is_shown_as_written() -> None:
    for url in ("postgresql:///db", "postgresql://bob@h/db", "postgresql://h/db?user=a@b"):
        assert redact(url) == url


def test_pieces_of_a_password_libpq_quotes_back_are_scrubbed() -> None:
    # libpq reads 'postgresql://u:Le/ak11@h/db' with host 'u' and port 'Le'.
    message = 'invalid integer value "Le" for connection option "port"; at "ak11@h"'
    assert redact_text(message, ["Le/ak11"]) == (
        'invalid integer value "***" for connection option "port"; at "***@h"'
    )


@pytest.mark.parametrize(
    ("url", "hint"),
    [
        (
            "postgresql://postgres@127.0.0.1:abc/db",
            "the port after the host must be a number (postgresql://user@host:5432/db)",
        ),
        ("postgresql://postgres:pa/ss@127.0.0.1/db", "must be percent-encoded in a URL"),
    ],
)
def test_a_port_that_is_no_number_is_told_apart_from_a_password_read_as_one(
    url: str, hint: str
) -> None:
    # A plain bad port got the hint about passwords holding / # ?, with no password in sight.
    from arrowmig import open_endpoint
    from arrowmig.errors import ConnectError

    with pytest.raises(ConnectError) as info:
        open_endpoint(url).close()
    assert info.value.hint is not None and hint in info.value.hint


@pytest.fixture
def no_libpq_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PGDATABASE", "PGUSER", "PGSERVICE"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.usefixtures("no_libpq_environment")
@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://postgres@127.0.0.1:5432", "postgresql://postgres@127.0.0.1:5432/postgres"),
        ("postgres://app:s3cret@db/", "postgresql://app:***@db/app"),
        ("postgresql://db?user=carol&sslmode=require", "postgresql://db/carol?user=carol&sslmode=require"),
        ("postgresql://db/sales", "postgresql://db/sales"),
        ("postgresql://db?dbname=sales", "postgresql://db?dbname=sales"),
        ("postgresql://db?service=prod", "postgresql://db?service=prod"),
    ],
)  # fmt: skip
def test_a_url_without_a_database_shows_the_one_libpq_connects_to(url: str, shown: str) -> None:
    """libpq (as psql) connects to the database named after the user when the URL names
    none, and nothing said so: the URL is shown with it, the password still masked."""
    assert parse_url(url).redacted == shown
    assert parse_url(url).target == urls.with_connect_timeout(
        urls.with_socket_directory(url.replace("postgres:", "postgresql:"))
    )


@pytest.mark.usefixtures("no_libpq_environment")
def test_pgdatabase_then_pguser_then_the_login_name_the_database(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import pwd

    login = pwd.getpwuid(os.geteuid()).pw_name
    assert parse_url("postgresql://db").redacted == f"postgresql://db/{quote(login, safe='')}"
    monkeypatch.setenv("PGUSER", "ops")
    assert parse_url("postgresql://db").redacted == "postgresql://db/ops"
    monkeypatch.setenv("PGDATABASE", "warehouse")
    assert parse_url("postgresql://app@db").redacted == "postgresql://app@db/warehouse"
    monkeypatch.setenv("PGSERVICE", "prod")  # its file may name another: not guessed
    assert parse_url("postgresql://app@db").redacted == "postgresql://app@db"


@pytest.mark.postgres
def test_plan_migrate_and_verify_name_the_database_a_url_without_one_reached(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import json
    import sqlite3

    from arrowmig.cli import main

    source = tmp_path / "s.db"
    with sqlite3.connect(source) as con:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    database = pg_url.rsplit("/", 1)[1]
    monkeypatch.setenv("PGDATABASE", database)
    monkeypatch.delenv("PGSERVICE", raising=False)
    bare = pg_url.rsplit("/", 1)[0]  # postgresql://postgres@127.0.0.1:5432
    for verb in ("plan", "migrate", "verify"):
        assert main([verb, str(source), bare, "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["target"] == pg_url, verb
    assert main(["plan", str(source), bare, "--mode", "replace"]) == 0
    assert capsys.readouterr().err.startswith(f"{source} -> {pg_url}\n")


@pytest.mark.parametrize(
    ("url", "query", "why"),
    [
        ("sqlite:////data/s.db?mode=ro", "?mode=ro", "sets a target's journal mode itself"),
        ("sqlite:///out/b.db?journal_mode=wal", "?journal_mode=wal", "journal mode"),
        ("duckdb:///w.duckdb?access_mode=read_only", "?access_mode=read_only", "opens a source read-only itself"),
        ("duckdb:///w.duckdb?memory_limit=1GB", "?memory_limit=1GB", "ARROWMIG_DUCKDB_MEMORY_LIMIT"),
    ],
)  # fmt: skip
def test_a_query_string_in_a_file_url_is_refused_not_taken_for_part_of_the_name(
    url: str, query: str, why: str
) -> None:
    with pytest.raises(UrlError) as info:
        parse_url(url)
    message = str(info.value)
    assert f"has a query string ('{query}'), which arrowmig does not read; drop it" in message
    assert "\n" not in message and why in message
    # The DuckDB one gave SQLite's reason, a journal mode DuckDB does not have.
    assert ("journal mode" in message) == url.startswith("sqlite")


def test_a_query_string_makes_no_file_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import sqlite3

    from arrowmig.cli import main

    source = tmp_path / "s.db"
    con = sqlite3.connect(source)
    con.executescript("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    con.close()
    for src, dst in (
        (f"sqlite:///{source}?mode=ro", str(tmp_path / "b.duckdb")),
        (str(source), f"sqlite:///{tmp_path}/b.db?journal_mode=wal"),
        (str(source), f"duckdb:///{tmp_path}/b.duckdb?access_mode=read_write"),
    ):
        assert main(["migrate", src, dst, "--progress", "none"]) == 2
        assert "has a query string" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.db"]


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://h/db?connect_timeout=3",
        "postgresql://h/db?sslmode=require&connect_timeout=60",
        "postgresql://h/db?service=prod",  # its service file may set one
    ],
)
def test_a_connect_timeout_the_user_set_is_kept(url: str) -> None:
    assert parse_url(url).target == url


@pytest.mark.parametrize("ending", ["?", "?sslmode=disable&"])
def test_a_url_whose_options_end_empty_still_connects(pg_url: str, ending: str) -> None:
    # A script's "$BASE?$OPTS" with OPTS empty: libpq takes it as psql does, and the timeout
    # added to it must not make "?&" or "&&" of it, which libpq refuses.
    url = pg_url + ending
    assert parse_url(url).target == f"{url}{TIMEOUT}"
    with open_endpoint(url) as endpoint:
        assert endpoint.list_tables() == []


def test_an_empty_connect_timeout_is_the_users_own() -> None:
    assert parse_url("postgresql://h/db?connect_timeout=").target == (
        "postgresql://h/db?connect_timeout="
    )


def test_pgconnect_timeout_in_the_environment_is_left_to_libpq(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PGCONNECT_TIMEOUT", "3")
    assert parse_url("postgresql://h/db").target == "postgresql://h/db"


@pytest.mark.usefixtures("socket_dir")
@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u:ab?cd@127.0.0.1:5432/db",
        "postgresql://u:ab#cd@127.0.0.1:5432/db",
        "postgresql://u:ab#cd?ef+gh@127.0.0.1:5432/db?sslmode=disable",
        "postgresql://u:a?b#c@h",
        "postgresql://u:pa?ss@/db",  # no host: the socket's directory is added
        "postgresql://h/db?application_name=a#b",  # no fragment to libpq: all of it a value
    ],
)
def test_libpq_reads_the_url_arrowmig_connects_with_as_it_reads_the_users(url: str) -> None:
    """A raw ? or # in a password, which psql takes: connect_timeout (and a socket's
    directory) went into the password or the database's name ("db&connect_timeout=10")."""
    from psycopg.conninfo import conninfo_to_dict  # libpq's own parser (PQconninfoParse)

    read = conninfo_to_dict(parse_url(url).target)
    added = {"connect_timeout": str(urls.CONNECT_TIMEOUT_S)}
    if "@/" in url:
        added["host"] = str(urls.SOCKET_DIRECTORIES[-1])
    assert read == {**conninfo_to_dict(url), **added}


def test_a_password_holding_a_question_mark_connects_to_the_database_named(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from arrowmig.cli import main
    from tests.dbutil import pg_exec

    pg_exec(pg_url, "CREATE TABLE t (id int PRIMARY KEY)")
    url = pg_url.replace("://postgres@", "://postgres:ab?cd@")
    code = main(["plan", url, str(tmp_path / "out.db")])
    shown = "".join(capsys.readouterr())
    assert code == 0 and "t -> t: create" in shown, shown


AT_IN_QUERY = "postgresql://postgres:pw@db-prod:5432/sales?application_name=etl@x"


def test_an_at_in_the_query_is_no_end_of_the_password() -> None:
    # Everything up to the last @ was taken as user and password: shown as
    # postgresql://postgres:***@x/postgres, its host and database gone.
    assert redact(AT_IN_QUERY) == (
        "postgresql://postgres:***@db-prod:5432/sales?application_name=etl@x"
    )
    assert password_of(AT_IN_QUERY) == "pw"
    assert not urls.libpq_misreads(AT_IN_QUERY)
    assert parse_url(AT_IN_QUERY).target == f"{AT_IN_QUERY}&{TIMEOUT}"


def test_an_at_in_the_query_leaves_two_servers_two_sources() -> None:
    # Both were postgresql://postgres@x: a --resume against another server was the same run.
    other = AT_IN_QUERY.replace("db-prod", "db-test")
    assert without_password(AT_IN_QUERY) == (
        "postgresql://postgres@db-prod:5432/sales?application_name=etl@x"
    )
    assert without_password(AT_IN_QUERY) != without_password(other)
    assert how_sources_differ(AT_IN_QUERY, other) == "another host ('db-prod', this run 'db-test')"


def test_a_libpq_password_with_an_escaped_space_is_masked_whole() -> None:
    # "password=a\ bsecret" was shown as "password=*** bsecret".
    text = r"host=127.0.0.1 dbname=db password=a\ bsecret port=5433"
    assert redact(text) == "host=127.0.0.1 dbname=db password=*** port=5433"
    assert password_of(text) == r"a\ bsecret"


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("~/s.db", "~/out/t.duckdb"),
        ("sqlite:///~/s.db", "duckdb:///~/out/t.duckdb"),
    ],
)
def test_a_path_from_the_home_folder_is_read_as_the_shell_reads_it(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    source: str,
    target: str,
) -> None:
    # ~ in quotes, in a URL or a job file reaches arrowmig unexpanded: the source "did not
    # exist", and the target's advice was "folder '~' is missing; create the folder first".
    import sqlite3

    from arrowmig.cli import main

    home, work = tmp_path / "home", tmp_path / "work"
    (home / "out").mkdir(parents=True)
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    con = sqlite3.connect(home / "s.db")
    con.executescript("CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t VALUES (1)")
    con.close()
    assert main(["migrate", source, target, "--progress", "none"]) == 0, capsys.readouterr()
    assert (home / "out" / "t.duckdb").exists()
    assert list(work.iterdir()) == []


def test_a_job_files_path_from_the_home_folder_is_the_home_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from arrowmig.jobfile import load_job

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    job_file = tmp_path / "job.toml"
    job_file.write_text('source = "~/s.db"\ntarget = "duckdb:///~/t.duckdb"\n')
    job = load_job(job_file)
    assert parse_url(job.source).path == tmp_path / "home" / "s.db"
    assert parse_url(job.target).path == tmp_path / "home" / "t.duckdb"


@pytest.mark.parametrize(
    ("url", "written"),
    [
        ("sqlite:bets.db", "sqlite:///bets.db"),
        ("sqlite:/data/bets.db", "sqlite:////data/bets.db"),
        ("DuckDB:w.duckdb", "duckdb:///w.duckdb"),
    ],
)
def test_a_file_url_short_of_slashes_is_refused_with_the_url_meant(url: str, written: str) -> None:
    # Taken for a file of that name: "SQLite file 'sqlite:bets.db' does not exist; check
    # the path", or a new target file named so.
    with pytest.raises(UrlError) as info:
        parse_url(url)
    assert str(info.value).endswith(f"; write {written}")
    assert f"URL {url!r} lacks slashes" in str(info.value)
    assert parse_url(f"./{url}").target == f"./{url}"  # a file so named, written so


def test_a_short_url_naming_no_database_file_is_not_told_to_add_slashes() -> None:
    # sqlite:///:memory: would be refused in turn: "names no file".
    with pytest.raises(UrlError) as info:
        parse_url("sqlite::memory:")
    assert "lacks slashes" not in str(info.value)
    assert "cannot tell what database 'sqlite::memory:' is" in str(info.value)

"""verify and a target column of a narrower type, or of another family, than the source's: a
table another tool created (real for double precision, integer for bigint, text for date)
passed as "match" while every value fitted, with no word of the type the next value may not
fit."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from arrowmig import migrate
from arrowmig.config import MigrationConfig
from arrowmig.verifier import verify
from tests.dbutil import pg_exec, sqlite_table

SOURCE = (
    "CREATE TABLE t (id bigint PRIMARY KEY, big bigint, d double precision, day date, "
    "amount numeric, name text, note text, n integer)"
)
ROW = "INSERT INTO t VALUES (1, 7, 1.5, '2024-01-02', 1.25, 'x', 'y', 3)"


def test_a_narrower_or_other_family_type_is_noted_though_values_match(
    pg_url: str, second_pg: str
) -> None:
    from arrowmig.cli.verify import verify_command as verify_cli

    pg_exec(pg_url, SOURCE, ROW)
    # What another tool made of it: note kept as text (varchar is only its spelling), n wider.
    pg_exec(
        second_pg,
        "CREATE TABLE t (id bigint PRIMARY KEY, big integer, d real, day text, "
        "amount numeric(10,2), name varchar(5), note varchar, n bigint)",
        ROW,
    )
    report = verify(pg_url, second_pg)
    assert report.ok  # the values do match: a note, not a difference
    assert report.tables[0].type_notes == [
        "big: values match, but the target's type is narrower (source bigint, target integer)",
        "d: values match, but the target's type is narrower (source double precision, target real)",
        "day: values match, but the target's type is of another family (source date, target text)",
        "amount: values match, but the target's type is narrower (source numeric, "
        "target numeric(10,2))",
        "name: values match, but the target's type is narrower (source text, "
        "target character varying(5))",
    ]
    shown = CliRunner().invoke(verify_cli, [pg_url, second_pg, "--json"])
    assert shown.exit_code == 0
    assert json.loads(shown.stdout)["tables"][0]["type_notes"] == report.tables[0].type_notes
    assert "t: d: values match, but the target's type is narrower" in shown.stderr


def test_a_target_without_rows_has_no_type_notes(pg_url: str, second_pg: str) -> None:
    # Every row missing: "values match" claimed a match of none.
    pg_exec(pg_url, SOURCE, ROW)
    pg_exec(second_pg, "CREATE TABLE t (id bigint PRIMARY KEY, big integer, d real, day text, "
            "amount numeric, name text, note text, n integer)")  # fmt: skip
    report = verify(pg_url, second_pg)
    assert not report.ok and report.tables[0].type_notes == []


def test_sqlite_text_is_noted_only_into_numbers(tmp_path: Path, pg_url: str) -> None:
    # SQLite has no date, interval or uuid type: its text is how it holds them, no stronger
    # type the target loses. Integers it does have: text into them is still of another family.
    db = sqlite_table(
        tmp_path / "s.db",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, day TEXT, dur TEXT, u TEXT, n TEXT)",
        [(1, "2024-01-02", "1 day 02:00:00", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "7")],
    )
    pg_exec(
        pg_url,
        "CREATE TABLE t (id bigint PRIMARY KEY, day date, dur interval, u uuid, n bigint)",
        "INSERT INTO t VALUES (1, '2024-01-02', '1 day 02:00:00', "
        "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 7)",
    )
    report = verify(db, pg_url)
    assert report.ok, report.tables[0].to_dict()
    assert report.tables[0].type_notes == [
        "n: values match, but the target's type is of another family (source TEXT, target bigint)"
    ]


def test_the_types_a_run_picks_or_casts_are_not_noted(pg_url: str, second_pg: str) -> None:
    pg_exec(pg_url, SOURCE, ROW)
    config = MigrationConfig(casts=(("t", "d", "real"),))
    assert migrate(pg_url, second_pg, config=config).ok
    report = verify(pg_url, second_pg)
    assert report.ok
    assert report.tables[0].type_notes == []


def test_an_interval_into_text_is_noted_as_a_date_into_text_is(pg_url: str, second_pg: str) -> None:
    # A PostgreSQL interval is read as the server's text where its target is text: it was
    # counted as text itself, and its note was lost.
    pg_exec(
        pg_url,
        "CREATE TABLE t (id int PRIMARY KEY, i interval, d date)",
        "INSERT INTO t VALUES (1, '1 day', '2024-01-01'), (2, '02:00:00', '2024-01-02')",
    )
    pg_exec(
        second_pg,
        "CREATE TABLE t (id int PRIMARY KEY, i text, d text)",
        "INSERT INTO t VALUES (1, '1 day', '2024-01-01'), (2, '02:00:00', '2024-01-02')",
    )
    report = verify(pg_url, second_pg)
    assert report.ok
    assert report.tables[0].type_notes == [
        "i: values match, but the target's type is of another family (source interval, "
        "target text)",
        "d: values match, but the target's type is of another family (source date, target text)",
    ]


def test_text_arrowmig_keeps_for_a_sqlite_datetime_is_not_noted(
    tmp_path: Path, pg_url: str
) -> None:
    # Digits below a microsecond: arrowmig creates the column as text (its own pick).
    db = sqlite_table(
        tmp_path / "s.db",
        "CREATE TABLE ev (id INTEGER PRIMARY KEY, at DATETIME)",
        [(1, "2024-01-01 10:00:00.123456789"), (2, "2024-01-01T10:00:00.5")],
    )
    assert migrate(db, pg_url).ok
    report = verify(db, pg_url)
    assert report.ok
    assert report.tables[0].type_notes == []


def test_chinook_nvarchar_columns_are_not_noted_narrower(tmp_path: Path, pg_url: str) -> None:
    # Chinook declares NVARCHAR(n); arrowmig creates varchar(n) for it, its own pick, which
    # verify called "narrower (source NVARCHAR(40), target character varying(40))".
    db = sqlite_table(
        tmp_path / "chinook.db",
        "CREATE TABLE [Customer] ([CustomerId] INTEGER NOT NULL, [FirstName] NVARCHAR(40), "
        "[Email] NATIONAL VARYING CHARACTER(60), CONSTRAINT [PK_Customer] PRIMARY KEY "
        "([CustomerId]))",
        [(1, "Luís", "luisg@embraer.com.br")],
    )
    assert migrate(db, pg_url).ok
    report = verify(db, pg_url)
    assert report.ok
    assert report.tables[0].type_notes == []


def test_a_django_decimal_into_a_numeric_p_s_is_noted_narrower(tmp_path: Path, pg_url: str) -> None:
    # Django's DecimalField in SQLite is `decimal` (reals and integers stored): into the
    # numeric(10,2) the application's PostgreSQL schema declares, it was "of another family".
    db = sqlite_table(
        tmp_path / "db.sqlite3",
        "CREATE TABLE shop_item (id integer NOT NULL PRIMARY KEY, price decimal NOT NULL, "
        "fee decimal(10,3) NOT NULL, rate REAL NOT NULL)",
        [(1, 12.5, 0.25, 0.5), (2, 7, 1, 1.0)],
    )
    pg_exec(
        pg_url,
        "CREATE TABLE shop_item (id integer PRIMARY KEY, price numeric(10,2), "
        "fee numeric(10,2), rate numeric(10,2))",
        "INSERT INTO shop_item VALUES (1, 12.5, 0.25, 0.5), (2, 7, 1, 1.0)",
    )
    report = verify(db, pg_url)
    assert report.ok, report.tables[0].to_dict()
    assert report.tables[0].type_notes == [
        "price: values match, but the target's type is narrower (source decimal, "
        "target numeric(10,2))",
        "fee: values match, but the target's type is narrower (source decimal(10,3), "
        "target numeric(10,2))",
        "rate: values match, but the target's type is of another family (source REAL, "
        "target numeric(10,2))",
    ]

"""Appending into an application's own tables: one refusal names every column of every table
that cannot go in, each with the --cast that converts it where one does, and those casts then
load every row (a refusal named one column per run: one table took five runs).
"""

from __future__ import annotations

import ast
import datetime as dt
import sqlite3
import uuid
from pathlib import Path

import pytest

import arrowmig
from arrowmig.append_refusal import LAST_RESORT
from arrowmig.errors import SchemaError
from arrowmig.migrate import explain
from arrowmig.plan import MigrationPlan
from arrowmig.python_words import in_python_words
from tests.dbutil import duckdb_exec, pg_exec, rows_of, target_of

BLOB_UUID = bytes(range(16))
"""A UUID as Room and Core Data store it: 16 bytes, no UTF-8 text."""

APP_TABLES = {
    "postgres": (
        "CREATE TABLE ev (id int PRIMARY KEY, flag boolean, b2 boolean, seen timestamptz, "
        "n integer, u uuid)",
        "CREATE TABLE tag (id int PRIMARY KEY, name text NOT NULL, k bigint)",
    ),
    "duckdb": (
        "CREATE TABLE ev (id INTEGER PRIMARY KEY, flag BOOLEAN, b2 BOOLEAN, seen TIMESTAMPTZ, "
        "n INTEGER, u UUID)",
        "CREATE TABLE tag (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL, k BIGINT)",
    ),
}
"""An application's schema, made before the rows come: typed as it wants them."""

FIXED = {
    "postgres": ("ALTER TABLE tag ALTER COLUMN name DROP NOT NULL",),
    "duckdb": ("ALTER TABLE tag ALTER COLUMN name DROP NOT NULL",),
}
"""What no cast can do: the target's own changes, which the refusal asks for."""


def _app_file(path: Path) -> str:
    con = sqlite3.connect(path)
    con.execute(
        "CREATE TABLE ev (id INTEGER PRIMARY KEY, flag INTEGER, b2 TEXT, seen INTEGER, n TEXT, "
        "u BLOB)"
    )
    con.executemany(
        "INSERT INTO ev VALUES (?, ?, ?, ?, ?, ?)",
        [
            (1, 0, "t", 1_700_000_000_000, "12", BLOB_UUID),
            (2, 1, "false", 1_700_000_001_500, "-3", BLOB_UUID),
        ],
    )
    con.execute("CREATE TABLE tag (id INTEGER PRIMARY KEY, name TEXT, k TEXT)")
    con.execute("INSERT INTO tag VALUES (1, NULL, '7')")
    con.commit()
    con.close()
    return str(path)


def _run(kind: str, target: str, *statements: str) -> None:
    if kind == "postgres":
        pg_exec(target, *statements)
    else:
        duckdb_exec(target, "; ".join(statements))


@pytest.mark.parametrize("kind", ["postgres", "duckdb"])
def test_one_refusal_names_every_column_and_its_casts_load_the_rows(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    source = _app_file(tmp_path / "app.db")
    target = target_of(kind, tmp_path, request)
    _run(kind, target, *APP_TABLES[kind])
    config = arrowmig.MigrationConfig(mode="append")
    with pytest.raises(SchemaError) as planned:
        explain(source, target, config=config)
    with pytest.raises(SchemaError) as refused:
        arrowmig.migrate(source, target, config=config)
    assert str(refused.value) == in_python_words(str(planned.value))
    assert refused.value.exit_code == 2
    message, hint = refused.value.message, refused.value.hint or ""
    for column in ("flag", "b2", "seen", "n", "u"):
        assert f"column {column!r} is " in message
    assert "column 'u' is bytea in the source but" in message
    assert "(casts={'ev.u': 'uuid'}: 16-byte values as their UUID" in message
    assert "cannot append to 'tag': column 'k' is text in the source but" in message
    assert "cannot load 'tag' (mode='append'): column 'name' holds 1 NULL" in message
    assert hint.endswith(in_python_words(LAST_RESORT))
    casts = ast.literal_eval(hint.split(";")[0].removeprefix("add casts="))
    assert [(*name.split("."), cast) for name, cast in casts.items()] == [
        ("ev", "flag", "boolean"),
        ("ev", "b2", "boolean"),
        ("ev", "seen", "epoch_ms"),
        ("ev", "n", "integer"),
        ("ev", "u", "uuid"),
        ("tag", "k", "bigint"),
    ]
    assert rows_of(target, "ev") == [] and rows_of(target, "tag") == []  # nothing written

    _run(kind, target, *FIXED[kind])
    config = arrowmig.MigrationConfig(mode="append", casts=casts)
    report = arrowmig.migrate(source, target, config=config)
    assert report.ok, [t.error for t in report.tables]
    at = dt.datetime(2023, 11, 14, 22, 13, 20, tzinfo=dt.UTC)
    ev = rows_of(target, "ev", "id")
    uid = uuid.UUID(bytes=BLOB_UUID)
    assert [(r[0], r[1], r[2], r[3].astimezone(dt.UTC), r[4], r[5]) for r in ev] == [
        (1, False, True, at, 12, uid),
        (2, True, False, at + dt.timedelta(seconds=1.5), -3, uid),
    ]
    assert rows_of(target, "tag") == [(1, None, 7)]


def test_a_number_other_than_0_and_1_cast_to_boolean_is_a_bad_value(tmp_path: Path) -> None:
    """Arrow's cast made 2 true without a word: a third state an app kept in the column."""
    source = tmp_path / "s.db"
    con = sqlite3.connect(source)
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, f INTEGER)")
    con.executemany("INSERT INTO t VALUES (?, ?)", [(1, 0), (2, 1), (3, 2)])
    con.commit()
    con.close()
    target = str(tmp_path / "t.duckdb")
    config = arrowmig.MigrationConfig(casts=(("t", "f", "boolean"),))
    report = arrowmig.migrate(str(source), target, config=config)
    assert not report.ok
    [table] = report.tables
    assert "id 3: value does not convert to boolean: 2" in (table.error or "")


def _reals_into_timestamps(folder: Path, pg_url: str, table: str, column: str) -> Path:
    """A SQLite file whose ``column`` holds reals counted from an epoch, and the target's
    table of that name with the column a timestamptz, as an application made it."""
    source = folder / "s.db"
    con = sqlite3.connect(source)
    con.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, {column} REAL)")
    con.executemany(f"INSERT INTO {table} VALUES (?, ?)", [(1, 700000001.5), (2, 700000002.0)])
    con.commit()
    con.close()
    pg_exec(pg_url, f'CREATE TABLE "{table}" (id int PRIMARY KEY, "{column}" timestamptz)')
    return source


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("table", "column", "cast", "since"),
    [
        ("users", "z", "epoch_s", dt.datetime(1970, 1, 1, tzinfo=dt.UTC)),
        # Core Data counts seconds from 2001: epoch_s would put each date 31 years early.
        ("ZNOTE", "ZCREATIONDATE", "epoch_2001_s", dt.datetime(2001, 1, 1, tzinfo=dt.UTC)),
    ],
)
def test_reals_into_a_timestamp_column_are_offered_the_epoch_cast_that_loads_them(
    table: str, column: str, cast: str, since: dt.datetime, tmp_path: Path, pg_url: str
) -> None:
    source = _reals_into_timestamps(tmp_path, pg_url, table, column)
    with pytest.raises(SchemaError) as refused:
        arrowmig.migrate(str(source), pg_url, config=arrowmig.MigrationConfig(mode="append"))
    assert f"add casts={{'{table}.{column}': '{cast}'}};" in str(refused.value)
    assert "=text" not in str(refused.value)
    config = arrowmig.MigrationConfig(mode="append", casts=((table, column, cast),))
    report = arrowmig.migrate(str(source), pg_url, config=config)
    assert report.ok, [t.error for t in report.tables]
    assert [r[1] for r in rows_of(pg_url, table, "id")] == [
        since + dt.timedelta(seconds=700000001.5),
        since + dt.timedelta(seconds=700000002),
    ]


@pytest.mark.postgres
def test_numbers_cast_to_text_for_a_timestamp_column_are_not_called_timestamp_texts(
    tmp_path: Path, pg_url: str
) -> None:
    source = _reals_into_timestamps(tmp_path, pg_url, "users", "z")
    config = arrowmig.MigrationConfig(mode="append", casts=(("users", "z", "text"),))
    planned = explain(str(source), pg_url, config=config)
    assert isinstance(planned, MigrationPlan)
    notes = planned.tables[0].notes
    said = " ".join(n for n in notes if n.startswith("z: "))
    assert "cast to text" in said, notes
    assert "timestamp texts" not in said
    assert "epoch_s" in said


@pytest.mark.postgres
def test_integers_into_a_uuid_column_are_refused_with_no_cast_offered(
    pg_url: str, second_pg: str
) -> None:
    pg_exec(pg_url, "CREATE TABLE t (id int PRIMARY KEY, u int)", "INSERT INTO t VALUES (1, 5)")
    pg_exec(second_pg, "CREATE TABLE t (id int PRIMARY KEY, u uuid)")
    config = arrowmig.MigrationConfig(mode="append", on_error="reject")
    with pytest.raises(SchemaError) as planned:
        explain(pg_url, second_pg, config=config)
    with pytest.raises(SchemaError) as refused:
        arrowmig.migrate(pg_url, second_pg, config=config)
    assert str(refused.value) == in_python_words(str(planned.value))
    assert "column 'u' is integer in the source but uuid in the target (no casts" in (
        refused.value.message
    )
    assert "--cast" not in (refused.value.hint or "")
    assert rows_of(second_pg, "t") == []


@pytest.mark.postgres
def test_a_truncate_refusal_names_missing_not_null_columns_beside_the_others(
    pg_url: str, second_pg: str
) -> None:
    # The NOT NULL column g the source lacks was named only once 'A col' and f were fixed, a
    # run later, and a --mode truncate was told it "cannot append".
    pg_exec(
        pg_url,
        """CREATE TABLE "Wide T" (id int, "A col" text, f int)""",
        """INSERT INTO "Wide T" VALUES (1, 'x', 1)""",
    )
    pg_exec(second_pg, """CREATE TABLE "Wide T" (id int, "A col" int, g int NOT NULL)""")
    with pytest.raises(SchemaError) as refused:
        arrowmig.migrate(pg_url, second_pg, config=arrowmig.MigrationConfig(mode="truncate"))
    message = refused.value.message
    assert "cannot load 'Wide T' (mode='truncate'): column 'A col' is text" in message
    assert (
        "columns only in the source: f, and target columns NOT NULL without a default, "
        "which the source lacks: g"
    ) in message
    assert "cannot append" not in message

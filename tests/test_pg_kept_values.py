"""PostgreSQL values whose text form once changed them on the way: a NULL inet read as '', an
empty "char" read as a zero byte, a domain over an array that became JSONB, and citext in a
schema off the target's search path that became text. Each target is read back with its own
client; ``verify`` must agree, and must see the change when it is made by hand.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import duckdb
import psycopg
import pytest

from arrowmig import migrate, verify
from arrowmig.config import MigrationConfig

pytestmark = pytest.mark.postgres

# A --cast of the key makes a PostgreSQL target take the Arrow way (rows decoded and written
# again) rather than the binary COPY of rows whose columns all keep their types.
DECODED = MigrationConfig(casts={"t.id": "bigint"})
DECODED_AGAIN = MigrationConfig(mode="replace", casts={"t.id": "bigint"})


def _load(url: str, script: str) -> None:
    with psycopg.connect(url, autocommit=True) as con:
        con.execute(script)


def _rows(url: str, sql: str) -> list[tuple[object, ...]]:
    with psycopg.connect(url) as con:
        return con.execute(sql).fetchall()


def _column_types(url: str) -> dict[str, str]:
    return dict(
        _rows(
            url,
            "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = 't'::regclass AND attnum > 0 AND NOT attisdropped",
        )
    )


def _sqlite_rows(path: str, sql: str) -> list[tuple[object, ...]]:
    con = sqlite3.connect(path)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _duckdb_rows(path: str, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(path, read_only=True) as con:
        return con.execute(sql).fetchall()


def _lands_in_sqlite_and_duckdb(
    pg_url: str, tmp_path: Path, select: str, expected: list[tuple[object, ...]]
) -> str:
    """Migrate to a SQLite and a DuckDB file, verify each and read ``select`` back from
    each as ``expected``; the SQLite file's path."""
    lite, duck = str(tmp_path / "t.db"), str(tmp_path / "t.duckdb")
    for target in (lite, duck):
        assert migrate(pg_url, target).ok
        assert verify(pg_url, target).ok
    assert _sqlite_rows(lite, select) == expected
    assert _duckdb_rows(duck, select) == expected
    return lite


def test_a_null_inet_stays_null_on_every_target(
    pg_url: str, second_pg: str, tmp_path: Path
) -> None:
    """inet is read by its output function (format('%s', ...)), which wrote NULL as '': the
    copies held '' where the source had NULL, verify read the source the same way and said
    match, and a PostgreSQL target refused '' for the whole table."""
    _load(
        pg_url,
        "CREATE TABLE t (id int PRIMARY KEY, ip inet, net inet);"
        "INSERT INTO t VALUES (1, '10.0.0.1', '10.0.0.0/8'), (2, NULL, NULL)",
    )
    expected = [(1, "10.0.0.1", "10.0.0.0/8"), (2, None, None)]
    lite = _lands_in_sqlite_and_duckdb(
        pg_url, tmp_path, "SELECT id, ip, net FROM t ORDER BY id", expected
    )
    report = migrate(pg_url, second_pg, config=DECODED)
    assert report.ok, [t.error for t in report.tables]
    assert _rows(second_pg, "SELECT id, ip::text, net::text FROM t ORDER BY id") == [
        (1, "10.0.0.1/32", "10.0.0.0/8"),
        (2, None, None),
    ]
    assert verify(pg_url, second_pg).ok
    # NULL and '' are two values to verify.
    con = sqlite3.connect(lite)
    con.execute("UPDATE t SET ip = '' WHERE id = 2")
    con.commit()
    con.close()
    (table,) = verify(pg_url, lite).tables
    assert table.result == "differ" and table.differing_columns == ["ip"]


def test_an_empty_char_arrives_empty(pg_url: str, second_pg: str, tmp_path: Path) -> None:
    """An empty "char" is a zero byte in binary, which arrived as the text '\\x00' (verify
    agreeing), and a PostgreSQL target refused it as text holding a NUL byte."""
    _load(
        pg_url,
        'CREATE TABLE t (id int PRIMARY KEY, f "char");'
        "INSERT INTO t VALUES (1, 'a'), (2, ''), (3, NULL)",
    )
    expected = [(1, "a"), (2, ""), (3, None)]
    _lands_in_sqlite_and_duckdb(pg_url, tmp_path, "SELECT id, f FROM t ORDER BY id", expected)
    report = migrate(pg_url, second_pg, config=DECODED)
    assert report.ok, [t.error for t in report.tables]
    assert _column_types(second_pg)["f"] == '"char"'
    assert _rows(second_pg, "SELECT id, f::text FROM t ORDER BY id") == expected
    assert verify(pg_url, second_pg).ok


def test_a_domain_over_an_array_is_that_domain_again_in_postgres(
    pg_url: str, second_pg: str, tmp_path: Path
) -> None:
    """A domain over int[] arrived as JSONB (``a @> ARRAY[2]`` failed on the copy), while
    the report said both "carried as JSON (jsonb ...)" and "carried as integer[]". A domain
    over a type carried as text (inet) was written as text into the domain, which the
    server refused, when the rows were decoded on the way."""
    _load(
        pg_url,
        "CREATE DOMAIN intarr AS int[] CHECK (cardinality(VALUE) < 10);"
        "CREATE DOMAIN grid AS text[];"
        "CREATE DOMAIN host AS inet;"
        "CREATE TABLE t (id int PRIMARY KEY, a intarr, g grid, h host);"
        """INSERT INTO t VALUES (1, '{1,2,3}', '{{x,NULL},{"q\\"t",""}}', '10.0.0.1'),"""
        " (2, NULL, '{}', NULL)",
    )
    for config in (MigrationConfig(), DECODED_AGAIN):
        report = migrate(pg_url, second_pg, config=config)
        assert report.ok, [t.error for t in report.tables]
        notes = [n for n in report.tables[0].notes if n.startswith("a: ")]
        assert len(notes) == 1 and "intarr again on PostgreSQL" in notes[0], notes
        assert "jsonb" not in notes[0]
        types = _column_types(second_pg)
        assert (types["a"], types["g"], types["h"]) == ("intarr", "grid", "host")
        assert _rows(second_pg, "SELECT id FROM t WHERE a @> ARRAY[2]") == [(1,)]
        shown = "SELECT id, a::text, g::text, h::text FROM t ORDER BY id"
        assert _rows(second_pg, shown) == _rows(pg_url, shown)
        assert verify(pg_url, second_pg).ok
        with pytest.raises(psycopg.errors.CheckViolation):
            _load(second_pg, "INSERT INTO t VALUES (3, '{1,2,3,4,5,6,7,8,9,10}', NULL)")
    lite = str(tmp_path / "t.db")
    assert migrate(pg_url, lite).ok
    assert _sqlite_rows(lite, "SELECT a FROM t ORDER BY id") == [("[1,2,3]",), (None,)]


def _skip_without_citext(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as con:
        if not con.execute(
            "SELECT 1 FROM pg_available_extensions WHERE name = 'citext'"
        ).fetchone():
            pytest.skip("the server has no citext extension (postgresql-contrib)")


def test_citext_in_a_schema_off_the_search_path_is_citext_again(
    pg_url: str, second_pg: str
) -> None:
    """Hosted servers install citext in a schema of its own (``extensions``): looked for on
    the search path only, it was not found, the column became text (the copy then took
    case-duplicates the source refuses) and the report said to create the extension."""
    _skip_without_citext(pg_url)
    for url in (pg_url, second_pg):
        _load(url, "CREATE SCHEMA extensions; CREATE EXTENSION citext SCHEMA extensions")
    _load(
        pg_url,
        "CREATE TABLE t (id int PRIMARY KEY, email extensions.citext UNIQUE);"
        "INSERT INTO t VALUES (1, 'Ann@Example.com')",
    )
    for config in (MigrationConfig(), DECODED_AGAIN):
        report = migrate(pg_url, second_pg, config=config)
        assert report.ok, [t.error for t in report.tables]
        assert not any("CREATE EXTENSION" in n for n in report.tables[0].notes)
        assert _column_types(second_pg)["email"] == "extensions.citext"
        with pytest.raises(psycopg.errors.UniqueViolation):
            _load(second_pg, "INSERT INTO t VALUES (2, 'ann@example.com')")
        assert verify(pg_url, second_pg).ok


@pytest.mark.parametrize("where", ["public", "extensions"])
def test_a_domain_over_citext_is_that_domain_again_where_the_target_has_citext(
    pg_url: str, second_pg: str, where: str
) -> None:
    """A domain over citext became plain citext in a target that has citext: its CHECK was
    lost, and the target took the e-mail address without an '@' that the source refuses."""
    _skip_without_citext(pg_url)
    for url in (pg_url, second_pg):
        _load(url, f"CREATE SCHEMA IF NOT EXISTS {where}; CREATE EXTENSION citext SCHEMA {where}")
    _load(
        pg_url,
        f"CREATE DOMAIN email AS {where}.citext CHECK (VALUE ~ '@');"
        "CREATE TABLE t (id int PRIMARY KEY, e email UNIQUE);"
        "INSERT INTO t VALUES (1, 'Ann@Example.com')",
    )
    for config in (MigrationConfig(), DECODED_AGAIN):
        report = migrate(pg_url, second_pg, config=config)
        assert report.ok, [t.error for t in report.tables]
        assert _column_types(second_pg)["e"] == "email"
        with pytest.raises(psycopg.errors.CheckViolation):
            _load(second_pg, "INSERT INTO t VALUES (2, 'no-at-sign')")
        with pytest.raises(psycopg.errors.UniqueViolation):  # case is ignored still
            _load(second_pg, "INSERT INTO t VALUES (2, 'ann@example.com')")
        assert verify(pg_url, second_pg).ok


def test_a_domain_over_citext_named_otherwise_in_the_target_arrives_as_citext(
    pg_url: str, second_pg: str
) -> None:
    # Its CHECK names the source's citext ('@'::citext), which a target with citext off its
    # search path cannot read: the domain was refused there, where the column can be citext.
    _skip_without_citext(pg_url)
    _load(pg_url, "CREATE EXTENSION citext")
    _load(second_pg, "CREATE SCHEMA extensions; CREATE EXTENSION citext SCHEMA extensions")
    _load(
        pg_url,
        "CREATE DOMAIN email AS citext CHECK (VALUE ~ '@');"
        "CREATE TABLE t (id int PRIMARY KEY, e email UNIQUE);"
        "INSERT INTO t VALUES (1, 'Ann@Example.com')",
    )
    report = migrate(pg_url, second_pg)
    assert report.ok, [t.error for t in report.tables]
    said = " ".join(report.tables[0].notes)
    assert "email again on PostgreSQL targets that have citext" in said  # not this one
    assert _column_types(second_pg)["e"] == "extensions.citext"
    assert verify(pg_url, second_pg).ok

"""What a DuckDB source table is besides its values: a key that orders and splits it (an
unsigned one past BIGINT's range included), and the indexes and CHECKs DuckDB keeps on it,
carried where the target can build them and named where they are not."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import duckdb
import psycopg
import pytest

from arrowmig import migrate, verify
from arrowmig.config import MigrationConfig
from arrowmig.migrate import explain
from arrowmig.plan import MigrationPlan
from tests.dbutil import target_of

BIG_KEYS = (1, 2**63 - 1, 2**63, 2**64 - 1)


def _unsigned_keys(path: Path) -> str:
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE k (id UBIGINT PRIMARY KEY, v INTEGER)")
        con.executemany("INSERT INTO k VALUES (?, ?)", [(key, i) for i, key in enumerate(BIG_KEYS)])
    return str(path)


@pytest.mark.parametrize("target_kind", ["sqlite", "duckdb", "postgres"])
def test_a_table_keyed_past_bigint_moves_split_or_not(
    tmp_path: Path, target_kind: str, request: pytest.FixtureRequest
) -> None:
    # The key was read as BIGINT ("UINT64 with value 9223372036854775808 can't be cast"),
    # and with key-range splitting the run stopped recording the ranges ("Python int too
    # large to convert to C long", exit 1), leaving an empty table behind.
    source = _unsigned_keys(tmp_path / "s.duckdb")
    target = target_of(target_kind, tmp_path, request)
    planned = explain(source, target, config=MigrationConfig(split_rows=2))
    assert isinstance(planned, MigrationPlan)
    (table,) = planned.tables
    assert table.source.split_key is None
    assert any("key values past 2^63 - 1" in note for note in table.notes)
    report = migrate(source, target, config=MigrationConfig(split_rows=2))
    assert report.ok, [t.error for t in report.tables]
    assert verify(source, target).ok
    if target_kind == "sqlite":
        with sqlite3.connect(target) as con:
            keys = [int(r[0]) for r in con.execute("SELECT id FROM k ORDER BY v")]
    elif target_kind == "duckdb":
        with duckdb.connect(target, read_only=True) as con:
            keys = [r[0] for r in con.execute("SELECT id FROM k ORDER BY v").fetchall()]
    else:
        with psycopg.connect(target) as con:
            keys = [int(r[0]) for r in con.execute("SELECT id FROM k ORDER BY v")]
    assert keys == list(BIG_KEYS)


def test_an_unsigned_key_within_bigint_still_splits(tmp_path: Path) -> None:
    source = str(tmp_path / "s.duckdb")
    with duckdb.connect(source) as con:
        con.execute("CREATE TABLE k AS SELECT range::UBIGINT AS id, range AS v FROM range(100)")
        con.execute("ALTER TABLE k ADD PRIMARY KEY (id)")
    target = str(tmp_path / "t.db")
    report = migrate(source, target, config=MigrationConfig(split_rows=30))
    assert report.ok and report.tables[0].streams > 1
    assert verify(source, target).ok


def _indexed(path: Path) -> str:
    with duckdb.connect(str(path)) as con:
        con.execute(
            'CREATE TABLE t (id INTEGER PRIMARY KEY, email VARCHAR, a INTEGER, "My col" INTEGER,'
            " CHECK (a > 0))"
        )
        con.execute("CREATE UNIQUE INDEX t_email ON t (email)")
        con.execute('CREATE INDEX "by a and col" ON t (a, "MY COL")')
        con.execute("CREATE INDEX t_lower ON t (lower(email))")
        con.execute("INSERT INTO t VALUES (1, 'x@y', 1, 1), (2, 'z@y', 2, 2)")
    return str(path)


@pytest.mark.parametrize("target_kind", ["sqlite", "duckdb", "postgres"])
def test_duckdb_indexes_are_built_and_what_is_not_is_named(
    tmp_path: Path, target_kind: str, request: pytest.FixtureRequest
) -> None:
    # CREATE INDEX and CREATE UNIQUE INDEX indexes were dropped without a word: the target
    # then took the duplicates the source's unique index refused. CHECKs were not named.
    source = _indexed(tmp_path / "s.duckdb")
    target = target_of(target_kind, tmp_path, request)
    report = migrate(source, target)
    assert report.ok, [t.error for t in report.tables]
    (table,) = report.tables
    assert "unique index t_email" in table.built and "index by a and col" in table.built
    assert (
        "not carried: index t_lower (on an expression), CHECK constraint t_a_check ((a > 0))"
        in table.notes
    )
    duplicate = "INSERT INTO t VALUES (3, 'x@y', 3, 3)"
    if target_kind == "sqlite":
        with sqlite3.connect(target) as con:
            indexes = con.execute(
                "SELECT m.name, group_concat(i.name) FROM sqlite_master m, pragma_index_info(m.name) i "
                "WHERE m.type = 'index' AND m.tbl_name = 't' GROUP BY m.name ORDER BY m.name"
            ).fetchall()
            assert indexes == [("by a and col", "a,My col"), ("t_email", "email")]
            with pytest.raises(sqlite3.IntegrityError):
                con.execute(duplicate)
    elif target_kind == "duckdb":
        with duckdb.connect(target) as con:
            names = con.execute(
                "SELECT index_name, is_unique FROM duckdb_indexes() ORDER BY index_name"
            ).fetchall()
            assert names == [("by a and col", False), ("t_email", True)]
            with pytest.raises(duckdb.ConstraintException):
                con.execute(duplicate)
    else:
        with psycopg.connect(target) as con:
            definitions = con.execute(
                "SELECT indexdef FROM pg_indexes WHERE tablename = 't' AND indexname <> 't_pkey' "
                "ORDER BY indexname"
            ).fetchall()
            assert definitions == [
                ('CREATE INDEX "by a and col" ON public.t USING btree (a, "My col")',),
                ("CREATE UNIQUE INDEX t_email ON public.t USING btree (email)",),
            ]
            with pytest.raises(psycopg.errors.UniqueViolation):
                con.execute(duplicate)


def test_index_columns_are_read_from_duckdbs_sql() -> None:
    from arrowmig.endpoints.duckdb import index_columns

    columns = ["a", "My col", 'Q"x', "b,c"]
    assert index_columns('CREATE INDEX i ON s."T (1)"(A, "my col");', columns) == ("a", "My col")
    assert index_columns('CREATE INDEX "i(" ON t("Q""x", "b,c");', columns) == ('Q"x', "b,c")
    assert index_columns("CREATE INDEX i ON t((a + 1));", columns) is None
    assert index_columns("CREATE INDEX i ON t(lower(a), b);", columns) is None
    assert index_columns("CREATE INDEX i ON t(nope);", columns) is None
    assert index_columns("", columns) is None

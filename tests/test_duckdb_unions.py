"""DuckDB UNION and JSON columns between DuckDB files: migrate refuses to write a UNION into an
existing UNION column (only its text travels), and verify tells values apart as DuckDB does.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import duckdb
import pytest

from arrowmig import MigrationConfig, SchemaError, migrate, verify

UNION = "UNION(num INTEGER, str VARCHAR)"


def _table(path: Path, columns: str, rows: str | None = None) -> str:
    with duckdb.connect(str(path)) as con:
        con.execute(f"CREATE TABLE t (id INTEGER PRIMARY KEY, {columns})")
        if rows:
            con.execute(f"INSERT INTO t VALUES {rows}")
    return str(path)


@pytest.mark.parametrize("mode", ["truncate", "append"])
def test_writing_into_an_existing_union_column_is_refused_before_anything_is_emptied(
    tmp_path: Path, mode: str
) -> None:
    # Written through its text, 5 of the INTEGER member came back as the VARCHAR member's '5',
    # and a NULL as a UNION holding NULL (no longer IS NULL); the run said "done".
    source = _table(
        tmp_path / "s.duckdb",
        f"u {UNION}",
        "(1, union_value(num := 5)), (2, NULL), (3, union_value(str := 'x'))",
    )
    target = _table(tmp_path / "t.duckdb", f"u {UNION}", "(9, union_value(num := 9))")
    with pytest.raises(SchemaError) as refused:
        migrate(source, target, config=MigrationConfig(mode=mode))
    assert f"cannot {'append to' if mode == 'append' else 'load'} 't'" in refused.value.message
    assert "column 'u' is a DuckDB UNION" in refused.value.message
    assert "nothing has been emptied or written" in refused.value.message
    assert "mode='replace'" in (refused.value.hint or "")
    with duckdb.connect(target, read_only=True) as con:
        kept = con.execute("SELECT id, union_tag(u), u::VARCHAR FROM t").fetchall()
    assert kept == [(9, "num", "9")]


def test_a_union_nested_in_an_existing_column_is_refused_too(tmp_path: Path) -> None:
    source = _table(tmp_path / "s.duckdb", f"s STRUCT(a {UNION})", "(1, {'a': 5::INTEGER})")
    target = _table(tmp_path / "t.duckdb", f"s STRUCT(a {UNION})")
    with pytest.raises(SchemaError, match="column 's' is a DuckDB UNION"):
        migrate(source, target, config=MigrationConfig(mode="append"))


def test_an_enum_whose_label_spells_union_is_no_union(tmp_path: Path) -> None:
    # The check read the column's type text: ENUM('UNION(x)', 'y') was refused as a UNION.
    labels = "k ENUM('UNION(x)', 'it''s')"
    source = _table(tmp_path / "s.duckdb", labels, "(1, 'UNION(x)'), (2, 'it''s')")
    target = _table(tmp_path / "t.duckdb", labels)
    assert migrate(source, target, config=MigrationConfig(mode="append")).ok
    with duckdb.connect(target, read_only=True) as con:
        assert con.execute("SELECT id, k FROM t ORDER BY id").fetchall() == [
            (1, "UNION(x)"),
            (2, "it's"),
        ]


@pytest.mark.parametrize("level", ["checksum", "diff"])
@pytest.mark.parametrize(
    "copied",
    [
        "(1, union_value(str := '5')), (2, NULL)",  # another member, the same text
        "(1, union_value(num := 5)), (2, union_value(str := NULL))",  # a member that is NULL
    ],
)
def test_verify_tells_a_union_value_of_another_member_or_a_null_member_apart(
    tmp_path: Path, copied: str, level: str
) -> None:
    # DuckDB's EXPORT/IMPORT DATABASE copy made num 5 the str '5' and NULL a str NULL, and
    # verify, reading each value as its member's text, called that a match.
    source = _table(tmp_path / "a.duckdb", f"u {UNION}", "(1, union_value(num := 5)), (2, NULL)")
    target = _table(tmp_path / "b.duckdb", f"u {UNION}", copied)
    report = verify(source, target, level=level)
    assert not report.ok
    assert report.tables[0].differing_columns == ["u"]


def test_verify_matches_a_faithful_union_copy_and_the_varchar_migrate_creates(
    tmp_path: Path,
) -> None:
    source = _table(
        tmp_path / "a.duckdb",
        f"u {UNION}, s STRUCT(a {UNION})",
        "(1, union_value(num := 5), {'a': 5::INTEGER}), (2, NULL, NULL),"
        " (3, union_value(str := NULL), {'a': union_value(str := NULL)})",
    )
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{source}' AS a (READ_ONLY); ATTACH '{tmp_path / 'cp.duckdb'}' AS cp")
        con.execute("COPY FROM DATABASE a TO cp")
    assert verify(source, str(tmp_path / "cp.duckdb"), level="diff").ok
    # Created as VARCHAR holding each member's text (README): compared as that text.
    created = str(tmp_path / "made.duckdb")
    assert migrate(source, created).ok
    assert verify(source, created, level="diff").ok


def test_verify_compares_duckdb_json_as_the_text_duckdb_keeps(tmp_path: Path) -> None:
    # DuckDB's JSON keeps each document as written, as PostgreSQL's json does: its own = tells
    # these apart, and verify, comparing them canonically, said "match".
    source = _table(tmp_path / "a.duckdb", "j JSON", """(1, '{"b":1,"a":2}')""")
    target = _table(tmp_path / "b.duckdb", "j JSON", """(1, '{"a":2,"b":1}')""")
    report = verify(source, target)
    assert not report.ok
    assert report.tables[0].differing_columns == ["j"]
    same = _table(tmp_path / "c.duckdb", "j JSON", """(1, '{"b":1,"a":2}')""")
    assert verify(source, same).ok


def test_sqlite_json_text_reaches_duckdb_json_as_written_and_verifies(tmp_path: Path) -> None:
    source = str(tmp_path / "s.db")
    with sqlite3.connect(source) as lite:
        lite.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, j JSON)")
        lite.execute("""INSERT INTO t VALUES (1, '{"b": 1,  "a":2.50}'), (2, NULL)""")
    lite.close()
    target = str(tmp_path / "t.duckdb")
    assert migrate(source, target).ok
    with duckdb.connect(target, read_only=True) as con:
        assert con.execute("SELECT j FROM t WHERE id = 1").fetchone() == ('{"b": 1,  "a":2.50}',)
    assert verify(source, target).ok


def test_the_note_says_which_member_a_union_value_was_is_not_kept(tmp_path: Path) -> None:
    # The note read "UNION(...) has no Arrow equivalent: carried as its text form", with
    # nothing to say that a DuckDB target gets a VARCHAR and the members are gone.
    source = _table(
        tmp_path / "s.duckdb",
        f"u {UNION}, s STRUCT(a {UNION})",
        "(1, union_value(num := 5), {'a': 5::INTEGER}), (2, union_value(str := '5'), NULL)",
    )
    report = migrate(source, str(tmp_path / "t.duckdb"))
    assert report.ok
    notes = report.tables[0].notes
    for column in ("u", "s"):
        (note,) = [n for n in notes if n.startswith(f"{column}: ")]
        assert "which member each value was is not kept, on DuckDB targets either" in note
        assert "(VARCHAR there)" in note

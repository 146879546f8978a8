"""Appending and truncating into an existing STRICT table's ANY column between two SQLite
files: SQLite copies the rows itself, each value keeping its storage class (as for a table
the run creates), never through a --cast that would fail the blobs or turn numbers into text.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

import arrowmig
from arrowmig.cli import main
from arrowmig.errors import SchemaError
from tests.dbutil import failures

VALUES = [(1, 1), (2, "a"), (3, 2.5), (4, b"\xff"), (5, "0012"), (6, None)]


def _stored(path: Path) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(path)) as con:
        return con.execute("SELECT id, typeof(an), quote(an) FROM st ORDER BY id").fetchall()


def _strict_any(tmp_path: Path) -> tuple[Path, Path]:
    """A STRICT table with an ANY column of every storage class, and its copy by the run."""
    src = tmp_path / "s.db"
    with closing(sqlite3.connect(src)) as con, con:
        con.execute("CREATE TABLE st (id INTEGER PRIMARY KEY, an ANY) STRICT")
        con.executemany("INSERT INTO st VALUES (?, ?)", VALUES)
    dst = tmp_path / "d.db"
    assert arrowmig.migrate(str(src), str(dst)).ok
    return src, dst


@pytest.mark.parametrize("mode", ["truncate", "append"])
def test_each_value_keeps_its_storage_class_in_the_existing_any_column(
    tmp_path: Path, mode: str
) -> None:
    src, dst = _strict_any(tmp_path)
    with closing(sqlite3.connect(dst)) as con, con:
        con.execute("DELETE FROM st" if mode == "append" else "UPDATE st SET an = 0")
    report = arrowmig.migrate(str(src), str(dst), config=arrowmig.MigrationConfig(mode=mode))
    assert report.ok, failures(report)
    assert _stored(dst) == _stored(src)
    assert [c for _, c, _ in _stored(dst)] == ["integer", "text", "real", "blob", "text", "null"]


def test_the_arrow_path_refuses_mixed_classes_before_emptying_the_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # --on-error reject needs the rows in hand: read as one type, 1 and 'a' would become blobs.
    src, dst = _strict_any(tmp_path)
    before = _stored(dst)
    config = arrowmig.MigrationConfig(
        mode="truncate", on_error="reject", reject_dir=str(tmp_path / "r")
    )
    with pytest.raises(SchemaError, match="'an' holds values of several storage classes"):
        arrowmig.migrate(str(src), str(dst), config=config)
    assert _stored(dst) == before
    # Nor is a cast to text advised, which would fail the blob and make the numbers text.
    args = ["migrate", str(src), str(dst), "--mode", "truncate", "--progress", "none"]
    assert main([*args, "--cast", "st.an=text"]) == 2
    assert "=text" not in capsys.readouterr().err.partition("; ")[2]
    assert _stored(dst) == before


def test_bytes_that_are_no_text_are_not_told_to_take_the_cast_to_text_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "b.db"
    with closing(sqlite3.connect(src)) as con, con:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB)")
        con.execute("INSERT INTO t VALUES (1, x'ff')")
    args = ["migrate", str(src), str(tmp_path / "t.duckdb"), "--cast", "t.b=text"]
    assert main([*args, "--progress", "none"]) == 1
    (failed,) = [line for line in capsys.readouterr().err.splitlines() if "FAILED" in line]
    assert "its bytes are not UTF-8 text" in failed
    assert "--cast t.b=text" not in failed and "leave out the --cast to text" in failed


def _untyped(tmp_path: Path) -> tuple[Path, Path]:
    """An app's table without declared types (integers, text and blobs in one column), and
    its copy by the run: each value keeps its class."""
    src = tmp_path / "app.db"
    with closing(sqlite3.connect(src)) as con, con:
        con.execute("CREATE TABLE notype (id INTEGER PRIMARY KEY, a, b)")
        con.executemany(
            "INSERT INTO notype VALUES (?, ?, ?)",
            [(1, 1, "a"), (2, "x", 2), (3, None, b"\x00")],
        )
    dst = tmp_path / "copy.db"
    assert arrowmig.migrate(str(src), str(dst)).ok
    return src, dst


def _classes(path: Path) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(path)) as con:
        return con.execute("SELECT typeof(a), typeof(b) FROM notype ORDER BY id").fetchall()


def test_untyped_columns_of_mixed_classes_are_refused_on_the_arrow_path(
    tmp_path: Path,
) -> None:
    # --on-error reject sent the table the Arrow way: the integer 1 arrived as the text '1',
    # the text 'a' as the blob x'61', with no word and exit 0, before the table was emptied.
    src, dst = _untyped(tmp_path)
    before = _classes(dst)
    config = arrowmig.MigrationConfig(
        mode="truncate", on_error="reject", reject_dir=str(tmp_path / "r")
    )
    with pytest.raises(SchemaError, match=r"columns 'a' \(untyped\), 'b' \(untyped\) hold"):
        arrowmig.migrate(str(src), str(dst), config=config)
    assert _classes(dst) == before == [("integer", "text"), ("text", "integer"), ("null", "blob")]


def test_a_mixed_column_into_a_blob_column_declared_otherwise_is_refused(
    tmp_path: Path,
) -> None:
    # A TEXT column's affinity makes text of the integers as SQLite's own copy would; a BLOB
    # column keeps whatever arrives, here every value made bytes.
    src, _ = _untyped(tmp_path)
    dst = tmp_path / "declared.db"
    with closing(sqlite3.connect(dst)) as con, con:
        con.execute("CREATE TABLE notype (id INTEGER PRIMARY KEY, a TEXT, b BLOB)")
    config = arrowmig.MigrationConfig(mode="append")
    with pytest.raises(SchemaError, match=r"column 'b' holds .* in the target's BLOB column"):
        arrowmig.migrate(str(src), str(dst), config=config)
    assert _classes(dst) == []
    # Asked for by its --cast, the bytes go in.
    config = arrowmig.MigrationConfig(mode="append", casts=(("notype", "b", "bytea"),))
    assert arrowmig.migrate(str(src), str(dst), config=config).ok
    assert _classes(dst) == [("text", "blob"), ("text", "blob"), ("null", "blob")]

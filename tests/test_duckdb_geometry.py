"""DuckDB's GEOMETRY: Arrow hands it out as its WKB bytes. A DuckDB target gets the GEOMETRY
again (its coordinate system too); other targets the bytes, and every plan says so.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import duckdb

from arrowmig import migrate, verify
from tests.dbutil import duckdb_types

WKB_POINT = bytes.fromhex("0101000000000000000000f03f0000000000000040")  # POINT (1 2)


def _source(path: Path) -> str:
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, g GEOMETRY, w GEOMETRY('OGC:CRS84'))")
        con.execute(
            "INSERT INTO t VALUES (1, 'POINT(1 2)', 'LINESTRING(0 0, 1 1)'), (2, NULL, NULL)"
        )
    return str(path)


def test_geometry_stays_geometry_duckdb_to_duckdb(tmp_path: Path) -> None:
    # It arrived as a BLOB of its WKB, and nothing in the plan or report said so.
    source, target = _source(tmp_path / "s.duckdb"), str(tmp_path / "t.duckdb")
    report = migrate(source, target)
    assert report.ok
    assert duckdb_types(target, "t") == ["INTEGER", "GEOMETRY", "GEOMETRY('OGC:CRS84')"]
    with duckdb.connect(target, read_only=True) as con:
        rows = con.execute("SELECT g::VARCHAR, w::VARCHAR FROM t ORDER BY id").fetchall()
    assert rows == [("POINT (1 2)", "LINESTRING (0 0, 1 1)"), (None, None)]
    assert verify(source, target, level="diff").ok
    with duckdb.connect(target) as con:
        con.execute("UPDATE t SET g = 'POINT(1 3)' WHERE id = 1")
    assert verify(source, target).tables[0].differing_columns == ["g"]


def test_geometry_elsewhere_is_its_wkb_and_the_note_says_so(tmp_path: Path) -> None:
    source, target = _source(tmp_path / "s.duckdb"), str(tmp_path / "t.db")
    report = migrate(source, target)
    assert report.ok
    assert (
        "g: GEOMETRY carried as its WKB bytes, a blob (itself again on DuckDB targets)"
        in report.tables[0].notes
    )
    with sqlite3.connect(target) as con:
        assert con.execute("SELECT g FROM t WHERE id = 1").fetchone() == (WKB_POINT,)
    assert verify(source, target).ok

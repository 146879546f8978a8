"""DuckDB values with no faithful Arrow form: HUGEINT and UHUGEINT past 38 digits, BIT, MAP,
UNION, fixed-size arrays, nanosecond timestamps (pandas' kind) and ±infinity. Each target is
read back with its own client, and ``verify`` must agree.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from pathlib import Path

import duckdb
import psycopg
import pyarrow as pa
import pytest

from arrowmig import SchemaError, migrate, verify
from arrowmig.config import MigrationConfig
from arrowmig.model import KeyRange
from tests.dbutil import pg_exec, pg_rows

HUGE = 170141183460469231731687303715884105727  # HUGEINT's largest: 39 digits
UHUGE = 340282366920938463463374607431768211455  # UHUGEINT's largest


def _source(path: Path, ns_value: str = "2024-01-01 00:00:00.123456") -> str:
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE kinds (id INTEGER PRIMARY KEY, hi HUGEINT, uh UHUGEINT, bits BIT,"
        " m MAP(VARCHAR, INTEGER), un UNION(num INTEGER, str VARCHAR), arr INTEGER[3],"
        " tsns TIMESTAMP_NS, ts TIMESTAMP)"
    )
    con.execute(
        f"INSERT INTO kinds VALUES (1, {HUGE}, {UHUGE}, '1010'::BIT, MAP {{'k': 1}},"
        f" 5::UNION(num INTEGER, str VARCHAR), [1, 2, 3], '{ns_value}', 'infinity'),"
        " (2, -170141183460469231731687303715884105728, 0, NULL, MAP {}, 'x', NULL, NULL,"
        " '-infinity')"
    )
    con.close()
    return str(path)


def test_duckdb_values_reach_sqlite_exactly(tmp_path: Path) -> None:
    source = _source(tmp_path / "s.duckdb", ns_value="2024-01-01 00:00:00.123456789")
    target = str(tmp_path / "t.db")
    report = migrate(source, target)
    assert report.ok, [t.error for t in report.tables]
    con = sqlite3.connect(target)
    rows = con.execute(
        "SELECT hi, uh, bits, m, un, arr, tsns, ts FROM kinds ORDER BY id"
    ).fetchall()
    con.close()
    assert rows[0] == (
        str(HUGE),
        str(UHUGE),
        "1010",
        '{"k":1}',
        "5",
        "[1,2,3]",
        "2024-01-01 00:00:00.123456789",
        "infinity",
    )
    assert rows[1][0] == "-170141183460469231731687303715884105728" and rows[1][7] == "-infinity"
    assert verify(source, target).ok


@pytest.mark.postgres
def test_second_and_millisecond_timestamps_far_out_and_wide_decimals_verify(
    tmp_path: Path, pg_url: str
) -> None:
    # epoch_us() of a TIMESTAMP_S or _MS overflows outside about 1677-2262; DECIMAL(38,10)
    # into SQLite must be fixed-point text ('-0.0000000001', not '-1E-10').
    source = str(tmp_path / "s.duckdb")
    con = duckdb.connect(source)
    con.execute(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, ms TIMESTAMP_MS, s TIMESTAMP_S, d DECIMAL(38,10))"
    )
    con.execute(
        "INSERT INTO t VALUES (1, '9999-12-31 23:59:59.999', '0001-01-01', -0.0000000001),"
        " (2, '2024-01-02 03:04:05.5', '2024-01-02 03:04:05', 0)"
    )
    con.close()
    for target in (pg_url, str(tmp_path / "t.db")):
        assert migrate(source, target).ok
        assert verify(source, target).ok
    lite = sqlite3.connect(tmp_path / "t.db")
    try:
        assert [r[0] for r in lite.execute("SELECT d FROM t ORDER BY id")] == [
            "-0.0000000001",
            "0.0000000000",
        ]
    finally:
        lite.close()
    with psycopg.connect(pg_url, autocommit=True) as pg:
        pg.execute("UPDATE t SET ms = ms - interval '1 millisecond' WHERE id = 1")
    changed = verify(source, pg_url)
    assert not changed.ok and changed.tables[0].differing_columns == ["ms"]


def test_timestamps_of_every_unit_reach_sqlite_as_python_writes_them(tmp_path: Path) -> None:
    # Python's str(datetime), which Django queries by: no fraction when it is zero, six digits
    # otherwise (nine only for nanoseconds that are set). '.000000' and '.000' missed lookups.
    source = str(tmp_path / "s.duckdb")
    con = duckdb.connect(source)
    con.execute(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, s TIMESTAMP_S, ms TIMESTAMP_MS, us TIMESTAMP,"
        " ns TIMESTAMP_NS, tz TIMESTAMPTZ)"
    )
    con.execute("SET TimeZone = 'UTC'")
    con.execute(
        "INSERT INTO t VALUES (1, '2024-01-02 03:04:05', '2024-01-02 03:04:05',"
        " '2024-01-02 03:04:05', '2024-01-02 03:04:05', '2024-01-02 03:04:05+00'),"
        " (2, NULL, '2024-01-02 03:04:05.5', '2024-01-02 03:04:05.000001',"
        " '2024-01-02 03:04:05.000001', '2024-01-02 03:04:05.25+00'),"
        " (3, NULL, NULL, NULL, '2024-01-02 03:04:05.000000001', NULL)"
    )
    con.close()
    target = str(tmp_path / "t.db")
    assert migrate(source, target).ok
    assert verify(source, target).ok
    lite = sqlite3.connect(target)
    try:
        rows = lite.execute("SELECT s, ms, us, ns, tz FROM t ORDER BY id").fetchall()
    finally:
        lite.close()
    whole = "2024-01-02 03:04:05"
    assert rows == [
        (whole, whole, whole, whole, whole + "+00:00"),
        (None, whole + ".500000", whole + ".000001", whole + ".000001", whole + ".250000+00:00"),
        (None, None, None, whole + ".000000001", None),
    ]


def test_duckdb_types_are_themselves_again_in_duckdb(tmp_path: Path) -> None:
    # HUGEINT, BIT, TIMETZ and an ENUM landed as VARCHAR, and structs as JSON (a list of them
    # as JSON[], which verify saw as changed): DuckDB to DuckDB kept the values, not the types.
    # A fixed-size array INTEGER[3] became the list INTEGER[].
    source = _source(tmp_path / "s.duckdb")
    con = duckdb.connect(source)
    con.execute(
        'CREATE TABLE nested (id INTEGER PRIMARY KEY, s STRUCT(a INTEGER, "B c" VARCHAR[]),'
        " ls STRUCT(x INTEGER, y DOUBLE)[], e ENUM('sad', 'happy'), tz TIMETZ, v VARINT)"
    )
    con.execute(
        "INSERT INTO nested VALUES (1, {'a': 1, 'B c': ['x', NULL]}, [{'x': 1, 'y': 2.5}, NULL],"
        " 'happy', '10:00:00+02', 123456789012345678901234567890123456789012),"
        " (2, NULL, [], NULL, NULL, NULL)"
    )
    con.close()
    target = str(tmp_path / "t.duckdb")
    report = migrate(source, target)
    assert report.ok, [t.error for t in report.tables]
    declared = (
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE column_name NOT IN ('m', 'un') AND table_name IN ('kinds', 'nested') "
        "ORDER BY ALL"
    )
    with duckdb.connect(source, read_only=True) as src, duckdb.connect(target) as dst:
        assert dst.execute(declared).fetchall() == src.execute(declared).fetchall()
        rows = "SELECT * EXCLUDE (m, un) FROM kinds ORDER BY id"
        assert dst.execute(rows).fetchall() == src.execute(rows).fetchall()
        nested = "FROM nested ORDER BY id"
        assert dst.execute(nested).fetchall() == src.execute(nested).fetchall()
    assert verify(source, target).ok


def test_a_union_arrives_in_duckdb_as_its_flagged_text_not_another_member(
    tmp_path: Path,
) -> None:
    # The text form of a UNION does not say its member: created again as the UNION, [1, 2] of a
    # list member and 5 of an INTEGER one became the VARCHAR member's '[1, 2]' and '5', and
    # verify said "match"; a UNION without a VARCHAR member failed the table.
    source = str(tmp_path / "s.duckdb")
    with duckdb.connect(source) as con:
        con.execute(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, u UNION(l INTEGER[], s VARCHAR, n INTEGER),"
            " w UNION(i INTEGER, d DOUBLE))"
        )
        con.execute(
            "INSERT INTO t VALUES (1, [1, 2]::INTEGER[], 5::INTEGER), (2, 'x', 5.5::DOUBLE),"
            " (3, 5::INTEGER, NULL)"
        )
    target = str(tmp_path / "t.duckdb")
    report = migrate(source, target)
    assert report.ok, [t.error for t in report.tables]
    assert any("u: UNION" in note and "text form" in note for note in report.tables[0].notes)
    with duckdb.connect(target, read_only=True) as con:
        rows = con.execute("SELECT id, u, typeof(u), w, typeof(w) FROM t ORDER BY id").fetchall()
    assert rows == [
        (1, "[1, 2]", "VARCHAR", "5", "VARCHAR"),
        (2, "x", "VARCHAR", "5.5", "VARCHAR"),
        (3, "5", "VARCHAR", None, "VARCHAR"),
    ]


def test_a_union_whose_member_is_null_arrives_as_null_not_the_text_null(tmp_path: Path) -> None:
    # DuckDB's text of a NULL member is 'NULL', as is a VARCHAR member's 'NULL': both arrived as
    # the string, and verify, reading both sides through that text, called it a match.
    source = str(tmp_path / "s.duckdb")
    with duckdb.connect(source) as con:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, un UNION(num INTEGER, str VARCHAR))")
        con.execute(
            "INSERT INTO t VALUES (1, union_value(num := NULL)), (2, union_value(str := 'NULL')),"
            " (3, NULL), (4, union_value(num := 5))"
        )
    for target in (str(tmp_path / "t.db"), str(tmp_path / "t.duckdb")):
        report = migrate(source, target)
        assert report.ok, [t.error for t in report.tables]
        if target.endswith(".db"):
            with contextlib.closing(sqlite3.connect(target)) as lite:
                rows = lite.execute("SELECT id, un FROM t ORDER BY id").fetchall()
        else:
            with duckdb.connect(target, read_only=True) as con:
                rows = con.execute("SELECT id, un FROM t ORDER BY id").fetchall()
        assert rows == [(1, None), (2, "NULL"), (3, None), (4, "5")]
        assert verify(source, target).ok
    with contextlib.closing(sqlite3.connect(str(tmp_path / "t.db"))) as lite:
        lite.execute("UPDATE t SET un = 'NULL' WHERE id = 1")
        lite.commit()
    assert not verify(source, str(tmp_path / "t.db")).ok


@pytest.mark.postgres
def test_duckdb_values_reach_postgres_exactly(tmp_path: Path, pg_url: str) -> None:
    source = _source(tmp_path / "s.duckdb")
    report = migrate(source, pg_url)
    assert report.ok, [t.error for t in report.tables]
    with psycopg.connect(pg_url) as con:
        row = con.execute(
            "SELECT hi::text, uh::text, m::text, un, tsns::text, ts::text FROM kinds WHERE id = 1"
        ).fetchone()
    assert row == (str(HUGE), str(UHUGE), '{"k": 1}', "5", "2024-01-01 00:00:00.123456", "infinity")
    assert verify(source, pg_url).ok


@pytest.mark.postgres
def test_nanoseconds_into_postgres_fail_the_table_in_one_line(tmp_path: Path, pg_url: str) -> None:
    source = _source(tmp_path / "s.duckdb", ns_value="2024-01-01 00:00:00.123456789")
    report = migrate(source, pg_url)
    assert not report.ok
    error = report.tables[0].error or ""
    assert (
        "column 'tsns', id 1: nanoseconds, which PostgreSQL's microsecond timestamps cannot "
        "hold: '2024-01-01 00:00:00.123456789'" in error
    )
    assert "casts={'kinds.tsns': 'text'}" in error
    # Nothing of the table was committed: it is not left behind, so the cast runs as it is.
    as_text = migrate(source, pg_url, config=MigrationConfig(casts=(("kinds", "tsns", "text"),)))
    assert as_text.ok, [t.error for t in as_text.tables]
    with psycopg.connect(pg_url) as con:
        row = con.execute("SELECT tsns FROM kinds WHERE id = 1").fetchone()
    assert row == ("2024-01-01 00:00:00.123456789",)


def _list_source(tmp_path: Path, list_type: str, rows: str) -> str:
    """A DuckDB file whose table t holds ``rows`` of an id and a column ``a`` of ``list_type``."""
    source = str(tmp_path / "s.duckdb")
    with duckdb.connect(source) as con:
        con.execute(f"CREATE TABLE t (id INTEGER PRIMARY KEY, a {list_type})")
        con.execute(f"INSERT INTO t VALUES {rows}")
    return source


@pytest.mark.postgres
def test_nanosecond_lists_into_a_postgres_timestamp_array_are_refused_per_row(
    tmp_path: Path, pg_url: str
) -> None:
    # Appended into timestamp[], each element was read by the server as text and rounded
    # to microseconds without a word (only verify caught it afterwards); naming the value
    # then failed, as Python's datetime holds no nanoseconds.
    source = _list_source(
        tmp_path,
        "TIMESTAMP_NS[]",
        "(1, ['2024-01-01 00:00:00.123456789'::TIMESTAMP_NS]),"
        " (2, ['2024-01-01 00:00:00.123456'::TIMESTAMP_NS, NULL, 'infinity']), (3, []), (4, NULL)",
    )
    pg_exec(pg_url, "CREATE TABLE t (id integer PRIMARY KEY, a timestamp[])")
    report = migrate(source, pg_url, config=MigrationConfig(mode="append"))
    (table,) = report.failed
    assert any("a: its lists can hold nanoseconds" in n for n in table.notes)  # said beforehand
    error = str(table.error)
    assert (
        "table 't', column 'a', id 1: its element '2024-01-01 00:00:00.123456789' holds "
        "nanoseconds, which the target column's timestamp without time zone[] cannot hold"
    ) in error
    assert """'["2024-01-01 00:00:00.123456789"]'""" in error
    assert "make the target column jsonb or text[]" in error
    assert pg_rows(pg_url, "t", "id") == []
    rejects = tmp_path / "rejects"
    config = MigrationConfig(mode="append", on_error="reject", reject_dir=str(rejects))
    assert migrate(source, pg_url, config=config).rejected == 1
    with psycopg.connect(pg_url) as con:
        rows = con.execute("SELECT id, a::text FROM t ORDER BY id").fetchall()
    # Whole microseconds, a NULL element, infinity, an empty and a NULL list arrive exactly.
    assert rows == [(2, '{"2024-01-01 00:00:00.123456",NULL,infinity}'), (3, "{}"), (4, None)]
    assert "holds nanoseconds" in (rejects / "t.jsonl").read_text()
    # --mode truncate says so before it empties the table, whose rows stay.
    with pytest.raises(SchemaError, match=r"id 1: its element .* nothing has been emptied"):
        migrate(source, pg_url, config=MigrationConfig(mode="truncate"))
    with psycopg.connect(pg_url) as con:
        assert con.execute("SELECT count(*) FROM t").fetchone() == (3,)


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("duckdb_type", "pg_type", "value", "element"),
    [
        (
            "TIMESTAMPTZ_NS[]",
            "timestamptz[]",
            "['2024-01-01 00:00:00+00', '2024-01-01 00:00:00.000000001+00']",
            "'2024-01-01 00:00:00.000000001+0000'",
        ),
        ("TIME_NS[]", "time(6)[]", "['12:00:00.000000001']", "'12:00:00.000000001'"),
        (
            "TIMESTAMP_NS[][]",
            "timestamp[]",
            "[['2024-01-01 00:00:00.1'], ['2024-01-01 00:00:00.100000001']]",
            "'2024-01-01 00:00:00.100000001'",
        ),
    ],
)
def test_every_kind_of_nanosecond_list_into_a_postgres_array_is_named(
    tmp_path: Path, pg_url: str, duckdb_type: str, pg_type: str, value: str, element: str
) -> None:
    source = _list_source(tmp_path, duckdb_type, f"(1, {value}::{duckdb_type})")
    pg_exec(pg_url, f"CREATE TABLE t (id integer PRIMARY KEY, a {pg_type})")
    (table,) = migrate(source, pg_url, config=MigrationConfig(mode="append")).failed
    assert f"column 'a', id 1: its element {element} holds nanoseconds" in str(table.error)


@pytest.mark.postgres
def test_a_created_column_keeps_every_digit_of_a_nanosecond_list(
    tmp_path: Path, pg_url: str
) -> None:
    # A created column is jsonb, which keeps the text of each element: nothing to refuse.
    source = _list_source(
        tmp_path, "TIMESTAMP_NS[]", "(1, ['2024-01-01 00:00:00.123456789'::TIMESTAMP_NS])"
    )
    report = migrate(source, pg_url)
    assert report.ok, [t.error for t in report.tables]
    with psycopg.connect(pg_url) as con:
        row = con.execute("SELECT pg_typeof(a)::text, a::text FROM t").fetchone()
    assert row == ("jsonb", '["2024-01-01 00:00:00.123456789"]')
    assert verify(source, pg_url).ok


@pytest.mark.parametrize(
    ("key_range", "expected"),
    [(None, list(range(1, 2001))), (KeyRange(after=500, upto=1700), list(range(501, 1701)))],
)
def test_a_keyed_table_is_read_in_sorted_chunks_every_row_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key_range: KeyRange | None, expected: list[int]
) -> None:
    # DuckDB sorts everything it is asked for before handing over a row: a keyed table is
    # read in key ranges sorted one at a time (here of about 300 rows), still in key order,
    # as a resumed run needs, with every row exactly once.
    from arrowmig.endpoints import duckdb as duckdb_endpoint
    from arrowmig.endpoints import open_endpoint

    monkeypatch.setattr(duckdb_endpoint, "CHUNK_ROWS", 300)
    path = tmp_path / "k.duckdb"
    con = duckdb.connect(str(path))
    # Keys stored out of order, with a gap, and text of varying length.
    con.execute(
        "CREATE TABLE k AS SELECT i AS id, repeat('x', i % 50) AS t FROM range(1, 2001) r(i) "
        "ORDER BY hash(i)"
    )
    con.execute("ALTER TABLE k ADD PRIMARY KEY (id)")
    con.close()
    with open_endpoint(str(path)) as src:
        table = src.describe("k")
        assert table.split_key == "id"
        chunks = src._key_ranges(table, '"id"', key_range, 100, None)
        assert len(chunks) >= 3
        batches = list(src.read(table, batch_rows=100, key_range=key_range, with_key=True))
    got = pa.Table.from_batches(batches)
    assert got.column("id").to_pylist() == expected
    assert got.column("t").to_pylist() == ["x" * (i % 50) for i in expected]
    assert max(b.num_rows for b in batches) <= 100


def test_a_table_of_a_thousand_columns_is_read_back_and_verified(tmp_path: Path) -> None:
    # DuckDB refuses an expression nested deeper than 1,000: the size of a row, summed over
    # its columns one "+" at a time, made a keyed table this wide writable but not readable.
    kinds = ["INTEGER", "VARCHAR", "DOUBLE", "DECIMAL(10,2)", "DATE"]
    values = [
        "g + {i}",
        "'s{i}_' || g",
        "g / {n}.0",
        "(g * {i}) / 100.0",
        "DATE '2000-01-01' + g::INTEGER",
    ]
    width = 1000
    source = str(tmp_path / "wide.duckdb")
    con = duckdb.connect(source)
    columns = ", ".join(f"c{i:04d} {kinds[i % 5]}" for i in range(width))
    con.execute(f"CREATE TABLE wide (id INTEGER PRIMARY KEY, {columns})")
    exprs = ", ".join(values[i % 5].format(i=i, n=i + 1) for i in range(width))
    con.execute(f"INSERT INTO wide SELECT g, {exprs} FROM range(1, 4) r(g)")
    con.close()
    target = str(tmp_path / "wide.db")
    report = migrate(source, target)
    assert report.ok, [t.error for t in report.tables]
    assert report.rows == 3
    checked = verify(source, target)  # reads the DuckDB side as a target is read, too
    assert checked.ok, checked
    con = sqlite3.connect(target)
    row = con.execute("SELECT c0001, c0999 FROM wide WHERE id = 3").fetchone()
    con.close()
    assert row == ("s1_3", "2000-01-04")


def test_second_and_millisecond_timestamps_keep_their_type_duckdb_to_duckdb(
    tmp_path: Path,
) -> None:
    source, target = str(tmp_path / "s.duckdb"), str(tmp_path / "t.duckdb")
    with duckdb.connect(source) as con:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, s TIMESTAMP_S, ms TIMESTAMP_MS)")
        con.execute("INSERT INTO t VALUES (1, '9999-12-31 23:59:59', '0001-01-01 00:00:00.123')")
    report = migrate(source, target)
    assert report.ok and verify(source, target).ok
    with duckdb.connect(target, read_only=True) as con:
        types = con.execute(
            "SELECT data_type FROM duckdb_columns() WHERE table_name = 't' ORDER BY column_index"
        ).fetchall()
        row = con.execute("SELECT s::VARCHAR, ms::VARCHAR FROM t").fetchone()
    assert [t[0] for t in types] == ["INTEGER", "TIMESTAMP_S", "TIMESTAMP_MS"]
    assert row == ("9999-12-31 23:59:59", "0001-01-01 00:00:00.123")


def test_a_duckdb_source_is_read_without_being_written(tmp_path: Path) -> None:
    """A DuckDB file left with a write-ahead log (its application crashed) was opened
    read-write: the log was checkpointed into it, so its bytes changed (an older DuckDB
    could no longer open it). Sources, verify and plan open it read-only."""
    import hashlib
    import subprocess
    import sys

    source = tmp_path / "crashed.duckdb"
    crash = (
        "import duckdb, os, sys; c = duckdb.connect(sys.argv[1]);"
        "c.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, v VARCHAR)'); c.execute('CHECKPOINT');"
        "c.execute('PRAGMA disable_checkpoint_on_shutdown');"
        "c.execute(\"INSERT INTO t SELECT i, 'v' || i FROM range(100) r(i)\"); os._exit(0)"
    )
    subprocess.run([sys.executable, "-c", crash, str(source)], check=True)
    wal = Path(str(source) + ".wal")
    assert wal.exists()

    def fingerprint() -> tuple[str, str]:
        return tuple(hashlib.sha1(p.read_bytes()).hexdigest() for p in (source, wal))  # type: ignore[return-value]

    before = fingerprint()
    target = tmp_path / "copy.db"
    assert migrate(str(source), str(target)).ok
    assert sqlite3.connect(target).execute("SELECT count(*) FROM t").fetchone() == (100,)
    assert verify(str(source), str(target)).ok
    assert fingerprint() == before


# -- nested values (LIST, STRUCT, MAP) where the target keeps them as JSON --------------------


def _nested_source(path: Path, *rows: str, column: str) -> str:
    con = duckdb.connect(str(path))
    con.execute(f"CREATE TABLE t (id INTEGER PRIMARY KEY, c {column})")
    for row in rows:
        con.execute(f"INSERT INTO t VALUES {row}")
    con.close()
    return str(path)


def test_a_map_inside_a_struct_stays_a_map_duckdb_to_duckdb(tmp_path: Path) -> None:
    # It stopped the run with exit 2 after the run's other tables were created empty.
    source = _nested_source(
        tmp_path / "s.duckdb",
        "(1, {'y': MAP {1: 'one'}, 'z': [MAP {'k': 2.5}]})",
        column="STRUCT(y MAP(INTEGER, VARCHAR), z MAP(VARCHAR, DOUBLE)[])",
    )
    target = str(tmp_path / "t.duckdb")
    report = migrate(source, target)
    assert report.ok, [t.error for t in report.tables]
    with duckdb.connect(target) as dst:
        assert dst.execute(
            "SELECT data_type FROM information_schema.columns WHERE column_name = 'c'"
        ).fetchall() == [("STRUCT(y MAP(INTEGER, VARCHAR), z MAP(VARCHAR, DOUBLE)[])",)]
        assert dst.execute("SELECT c FROM t").fetchall() == [
            ({"y": {1: "one"}, "z": [{"k": 2.5}]},)
        ]
    assert verify(source, target).ok


def test_a_fixed_size_array_inside_a_struct_stays_an_array_duckdb_to_duckdb(
    tmp_path: Path,
) -> None:
    # It was refused at planning ("DuckDB cannot hold here"), though the target is DuckDB.
    source = _nested_source(
        tmp_path / "s.duckdb",
        "(1, {'a': [1, 2, 3], 'b': [[1.5, NULL], [2.5, 3.5]]}), (2, NULL)",
        column="STRUCT(a INTEGER[3], b DOUBLE[2][])",
    )
    target = str(tmp_path / "t.duckdb")
    report = migrate(source, target)
    assert report.ok, [t.error for t in report.tables]
    with duckdb.connect(target) as dst:
        assert dst.execute(
            "SELECT data_type FROM information_schema.columns WHERE column_name = 'c'"
        ).fetchall() == [("STRUCT(a INTEGER[3], b DOUBLE[2][])",)]
        assert dst.execute("SELECT c FROM t ORDER BY 1").fetchall() == [
            ({"a": (1, 2, 3), "b": [(1.5, None), (2.5, 3.5)]},),
            (None,),
        ]
    assert verify(source, target).ok


def test_duckdb_clock_defaults_and_generated_columns_duckdb_to_duckdb(tmp_path: Path) -> None:
    # A TIMESTAMP's CURRENT_TIMESTAMP default was dropped ("no same-zone equivalent"), and a
    # generated column was named as a default that is "not a portable literal".
    source = str(tmp_path / "s.duckdb")
    with duckdb.connect(source) as con:
        con.execute(
            "CREATE TABLE t (id INTEGER, stamped TIMESTAMP DEFAULT current_timestamp,"
            " d DATE DEFAULT current_date, x INTEGER, y INTEGER GENERATED ALWAYS AS (x * 2))"
        )
        con.execute("INSERT INTO t (id, x) VALUES (1, 5)")
    target = str(tmp_path / "t.duckdb")
    report = migrate(source, target)
    assert report.ok, [t.error for t in report.tables]
    (table,) = report.tables
    assert any(
        n == "y: generated column AS CAST((x * 2) AS INTEGER): its values are copied, its "
        "expression is not recreated"
        for n in table.notes
    ), table.notes
    assert not any("default" in n for n in table.notes), table.notes
    with duckdb.connect(target) as dst:
        assert dst.execute("SELECT x, y FROM t").fetchall() == [(5, 10)]
        # The session's wall clock, as in the source: DuckDB casts to the session's zone.
        dst.execute("SET TimeZone = 'Pacific/Kiritimati'")
        dst.execute("INSERT INTO t (id, x, y) VALUES (2, 1, 2)")
        stamped, d, now_there = dst.execute(
            "SELECT stamped, d, CAST(now() AS TIMESTAMP) FROM t WHERE id = 2"
        ).fetchone()
    assert abs((now_there - stamped).total_seconds()) < 60
    assert d == now_there.date()


def test_a_type_the_target_cannot_create_is_refused_at_planning() -> None:
    # Refused while planning (before the run's first table is created), naming its table.
    from arrowmig.model import Column, Table
    from arrowmig.plan import _refuse_types_the_target_cannot_hold

    union = pa.sparse_union([pa.field("n", pa.int32()), pa.field("s", pa.string())])
    table = Table("b", (Column("id", pa.int32()), Column("u", pa.list_(union))))
    with pytest.raises(SchemaError, match=r"^table 'b': column 'u' has Arrow type"):
        _refuse_types_the_target_cannot_hold(table, "duckdb")


def test_a_nested_value_arrow_cannot_carry_is_read_as_its_text(tmp_path: Path) -> None:
    # Inside a STRUCT, UHUGEINT's maximum arrived as -1 and a VARINT as its internal bytes.
    source = _nested_source(
        tmp_path / "s.duckdb",
        f"(1, [{{'u': {UHUGE}, 'v': 123456789012345678901234567890123456789012}}])",
        column="STRUCT(u UHUGEINT, v VARINT)[]",
    )
    for target in (str(tmp_path / "t.duckdb"), str(tmp_path / "t.db")):
        report = migrate(source, target)
        assert report.ok, [t.error for t in report.tables]
        assert verify(source, target).ok
    with duckdb.connect(str(tmp_path / "t.duckdb")) as dst:
        assert dst.execute("SELECT c[1].u FROM t").fetchall() == [(UHUGE,)]
    lite = sqlite3.connect(tmp_path / "t.db")
    try:
        text = lite.execute("SELECT c FROM t").fetchone()[0]
    finally:
        lite.close()
    assert str(UHUGE) in text and "123456789012345678901234567890123456789012" in text


_MEMBERS = (
    "STRUCT(b BLOB, i INTERVAL, t TIMESTAMP_NS, d DATE, tz TIMESTAMPTZ, h UBIGINT,"
    " n DECIMAL(38,10), f DOUBLE[], m MAP(VARCHAR, DOUBLE))"
)
_MEMBER_ROWS = (
    r"(1, {'b': '\x00\xff'::BLOB, 'i': INTERVAL '1 year 2 days 3.5 seconds',"
    " 't': '2020-01-01 00:00:00.123456789', 'd': 'infinity', 'tz': '2020-01-01 00:00:00+00',"
    " 'h': 18446744073709551615, 'n': 1.5,"
    " 'f': ['nan'::DOUBLE, 'inf', '-inf', 0.1], 'm': MAP {'x': '-inf'::DOUBLE}})",
    "(2, NULL)",
)
_MEMBERS_AS_JSON = {
    "b": "\\x00ff",
    "i": "12 mons 2 days 3.5 secs",
    "t": "2020-01-01 00:00:00.123456789",
    "d": "infinity",
    "tz": "2020-01-01 00:00:00+00:00",
    "h": 18446744073709551615,
    "n": 1.5,
    "f": ["NaN", "Infinity", "-Infinity", 0.1],
    "m": {"x": "-Infinity"},
}


@pytest.mark.postgres
def test_nested_members_reach_jsonb_as_their_exact_text_and_verify(
    tmp_path: Path, pg_url: str
) -> None:
    # Blobs arrived as Python's repr ("b'\\x00\\xff'"), intervals as [months, days, nanos];
    # nanoseconds and infinite dates failed the table with Python's exception text, NaN with
    # the server's JSON error; verify saw decimals and timestamptz as changed.
    source = _nested_source(tmp_path / "s.duckdb", *_MEMBER_ROWS, column=_MEMBERS)
    report = migrate(source, pg_url)
    assert report.ok, [t.error for t in report.tables]
    with psycopg.connect(pg_url) as con:
        rows = con.execute("SELECT c::text FROM t ORDER BY id").fetchall()

    assert json.loads(rows[0][0]) == _MEMBERS_AS_JSON and rows[1] == (None,)
    assert verify(source, pg_url).ok
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("""UPDATE t SET c = jsonb_set(c, '{n}', '1.6') WHERE id = 1""")
    changed = verify(source, pg_url)
    assert not changed.ok and changed.tables[0].differing_columns == ["c"]


def test_nested_members_reach_sqlite_as_json_text_and_verify(tmp_path: Path) -> None:
    source = _nested_source(tmp_path / "s.duckdb", *_MEMBER_ROWS, column=_MEMBERS)
    target = str(tmp_path / "t.db")
    assert migrate(source, target).ok
    lite = sqlite3.connect(target)
    try:
        text = lite.execute("SELECT c FROM t WHERE id = 1").fetchone()[0]
    finally:
        lite.close()
    assert json.loads(text) == _MEMBERS_AS_JSON
    assert verify(source, target).ok


@pytest.mark.postgres
def test_a_nul_inside_a_nested_value_fails_its_table_in_one_line_or_is_rejected(
    tmp_path: Path, pg_url: str
) -> None:
    source = _nested_source(
        tmp_path / "s.duckdb",
        "(1, {'v': 'ok'})",
        "(2, {'v': 'a' || chr(0) || 'b'})",
        column="STRUCT(v VARCHAR)",
    )
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("CREATE TABLE t (id integer PRIMARY KEY, c jsonb)")
    report = migrate(source, pg_url, config=MigrationConfig(mode="replace"))
    error = report.tables[0].error or ""
    assert error.startswith("table 't', column 'c', id 2: a text inside the nested value")
    assert "casts={'t.c': 'text'}" in error
    with psycopg.connect(pg_url) as con:
        # Replaced only once the new rows are in; the empty staging table is not left behind.
        assert con.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
        ).fetchall() == [("_arrowmig_checkpoints",), ("t",)]
    rejected = migrate(
        source,
        pg_url,
        config=MigrationConfig(mode="replace", on_error="reject", reject_dir=str(tmp_path / "rj")),
    )
    assert rejected.tables[0].rejected == 1
    with psycopg.connect(pg_url) as con:
        assert con.execute("SELECT id FROM t").fetchall() == [(1,)]


@pytest.mark.postgres
@pytest.mark.parametrize("unit", ["TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S"])
def test_infinite_timestamps_of_every_unit_reach_postgres_as_infinity(
    tmp_path: Path, pg_url: str, unit: str
) -> None:
    # TIMESTAMP_NS' infinity was refused as "nanoseconds"; _S and _MS failed on Arrow's cast.
    source = _nested_source(
        tmp_path / "s.duckdb",
        "(1, 'infinity')",
        "(2, '-infinity')",
        "(3, '2020-01-01 00:00:01')",
        column=unit,
    )
    report = migrate(source, pg_url)
    assert report.ok, [t.error for t in report.tables]
    with psycopg.connect(pg_url) as con:
        rows = con.execute("SELECT c::text FROM t ORDER BY id").fetchall()
    assert rows == [("infinity",), ("-infinity",), ("2020-01-01 00:00:01",)]
    assert verify(source, pg_url).ok


def test_duckdb_column_collations_stay_or_are_named(tmp_path: Path) -> None:
    # They were dropped without a word: a NOCASE lookup or unique index answered otherwise.
    source = str(tmp_path / "s.duckdb")
    with duckdb.connect(source) as con:
        con.execute(
            "CREATE TABLE t (id INTEGER, a VARCHAR COLLATE nocase, b VARCHAR COLLATE noaccent)"
        )
        con.execute("INSERT INTO t VALUES (1, 'Abc', 'café')")
    target = str(tmp_path / "t.duckdb")
    assert migrate(source, target).ok
    with duckdb.connect(target) as dst:
        assert dst.execute("SELECT id FROM t WHERE a = 'ABC' AND b = 'cafe'").fetchall() == [(1,)]
    lite = tmp_path / "t.db"
    report = migrate(source, str(lite))
    assert report.ok
    assert report.tables[0].notes == [
        "b: COLLATE NOACCENT not carried (accents count in sqlite: comparisons, sorting and "
        "unique indexes on it can differ)"
    ]
    with sqlite3.connect(lite) as con:
        assert con.execute("SELECT id FROM t WHERE a = 'ABC'").fetchall() == [(1,)]


@pytest.mark.parametrize("mode", ["create", "replace", "append"])
def test_the_negative_zero_note_names_the_table_and_column_to_cast(
    tmp_path: Path, mode: str
) -> None:
    """SQLite REAL columns have no -0.0: the report counts them per column, and its --cast
    names the table the user knows (replace loads a staging table) and the column."""
    source = tmp_path / "z.duckdb"
    con = duckdb.connect(str(source))
    con.execute(
        "CREATE TABLE z (id INTEGER PRIMARY KEY, f4 REAL, f8 DOUBLE, plain DOUBLE);"
        "INSERT INTO z VALUES (1, '-0'::REAL, '-0'::DOUBLE, 0), (2, 0, '-0'::DOUBLE, 1.5)"
    )
    con.close()
    target = str(tmp_path / "z.db")
    if mode != "create":  # a table there already: replaced, or appended to
        assert migrate(str(source), target).ok
        emptied = sqlite3.connect(target)
        emptied.execute("DELETE FROM z")
        emptied.commit()
        emptied.close()
    report = migrate(str(source), target, config=MigrationConfig(mode=mode))
    assert report.ok
    notes = report.tables[0].notes
    cast = "(verify reports them; casts={{'z.{0}': 'text'}} keeps the sign, as text)"
    assert (
        "f4: 1 value of -0.0 stored as 0.0: SQLite REAL columns have no negative zero "
        + cast.format("f4")
    ) in notes
    assert "f8: 2 values of -0.0 stored as 0.0" in "\n".join(notes)
    assert cast.format("f8") in "\n".join(notes)
    assert not [n for n in notes if "NaN" in n]  # none was met
    assert not [n for n in notes if "plain" in n or "_arrowmig" in n or "COLUMN" in n]


@pytest.mark.postgres
def test_a_duckdb_json_document_reaches_postgresql_as_its_exact_text(
    tmp_path: Path, pg_url: str
) -> None:
    # DuckDB's JSON became jsonb, which reorders keys and drops a duplicate key: the document
    # {"b":1,"a":2,"a":3} arrived as {"a": 3, "b": 1}, with no note, and verify said "match".
    source = tmp_path / "s.duckdb"
    document = '{"b":1, "a":2,"a":3}'
    with duckdb.connect(str(source)) as con:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, j JSON)")
        con.execute("INSERT INTO t VALUES (1, ?), (2, NULL)", [document])
    report = migrate(str(source), pg_url)
    assert report.ok, [t.error for t in report.tables]
    with psycopg.connect(pg_url) as con:
        rows = con.execute("SELECT j::text, pg_typeof(j)::text FROM t ORDER BY id").fetchall()
    assert rows == [(document, "json"), (None, "json")]
    assert verify(str(source), pg_url).ok


# -- nested members DuckDB to DuckDB: each member its own type again ------------------------

_TYPED_MEMBERS = {
    "l": "UUID[]",
    "lj": "JSON[]",
    "ls": "TIMESTAMP_S[]",
    "le": "ENUM('sad', 'happy')[]",
    "s": (
        "STRUCT(u UUID, j JSON, t TIMESTAMP_S, ms TIMESTAMP_MS, ns TIMESTAMP_NS, tz TIMESTAMP"
        " WITH TIME ZONE, e ENUM('sad', 'happy'), i INTERVAL, h HUGEINT, d DECIMAL(20,5),"
        ' tm TIME, "B c" BLOB)'
    ),
    "m": "MAP(VARCHAR, TIMESTAMP_MS)",
    "mu": "MAP(UUID, JSON)",
    "me": "MAP(ENUM('sad', 'happy'), TIMESTAMP_S)",
    "a": "UUID[2]",
    "ats": "TIMESTAMP_S[2]",
    "deep": "STRUCT(x TIMESTAMP_S[], y MAP(VARCHAR, UUID), e ENUM('sad', 'happy')[2])[]",
}
_TYPED_ROW = (
    "1, ['00000000-0000-0000-0000-000000000001', NULL], ['{\"b\": 1, \"a\": [2.50]}', '[]'],"
    " ['infinity', '-infinity', '0001-01-01 00:00:01', '9999-12-31 23:59:59'], ['happy', NULL],"
    " {'u': 'ffffffff-ffff-ffff-ffff-ffffffffffff', 'j': '{\"k\": 1}', 't': '2024-01-02 03:04:05',"
    " 'ms': '2024-01-02 03:04:05.999', 'ns': '2024-01-02 03:04:05.123456789',"
    " 'tz': '2024-01-02 03:04:05.25+00', 'e': 'sad', 'i': INTERVAL '1 year 2 days 3.000004 seconds',"
    f" 'h': {HUGE}, 'd': 123456789012345.12345, 'tm': '23:59:59.999999',"
    r" 'B c': '\x00\xff'::BLOB},"
    " MAP {'k': '2024-01-02 03:04:05.123'::TIMESTAMP_MS, 'z': 'infinity'::TIMESTAMP_MS},"
    " MAP {'00000000-0000-0000-0000-000000000002'::UUID: '{\"x\": null}'::JSON},"
    " MAP {'happy'::ENUM('sad', 'happy'): '2020-01-01 00:00:01'::TIMESTAMP_S},"
    " ['00000000-0000-0000-0000-000000000003', '00000000-0000-0000-0000-000000000004'],"
    " ['2024-01-02 03:04:05', 'infinity'],"
    " [{'x': ['1999-12-31 23:59:59'], 'y': MAP {'q': '00000000-0000-0000-0000-000000000005'},"
    " 'e': ['happy', 'sad']}]"
)


def _typed_members_source(path: Path) -> str:
    columns = ", ".join(f"{name} {declared}" for name, declared in _TYPED_MEMBERS.items())
    with duckdb.connect(str(path)) as con:
        con.execute(f"CREATE TABLE t (id INTEGER PRIMARY KEY, {columns})")
        con.execute(f"INSERT INTO t VALUES ({_TYPED_ROW})")
        nulls = ", ".join("NULL" for _ in _TYPED_MEMBERS)
        con.execute(f"INSERT INTO t VALUES (2, {nulls})")
    return str(path)


def _types_and_texts(path: str) -> tuple[list[tuple[str, str]], list[tuple[str, ...]]]:
    """Each column's declared type, and every value as DuckDB's text of it (exact, where the
    Python forms of an infinite TIMESTAMP_S or a HUGEINT member are not)."""
    texts = ", ".join(f"{name}::VARCHAR" for name in _TYPED_MEMBERS)
    with duckdb.connect(path, read_only=True) as con:
        types = con.execute("SELECT column_name, column_type FROM (DESCRIBE t)").fetchall()
        return types, con.execute(f"SELECT {texts} FROM t ORDER BY id").fetchall()


def test_nested_members_keep_their_own_types_duckdb_to_duckdb(tmp_path: Path) -> None:
    # A UUID or JSON member became VARCHAR, a TIMESTAMP_S or _MS one TIMESTAMP and an ENUM one
    # VARCHAR (top-level columns kept theirs), and a MAP keyed by an ENUM was refused ("DuckDB
    # cannot hold here"); verify said every table matched.
    source = _typed_members_source(tmp_path / "s.duckdb")
    target = str(tmp_path / "t.duckdb")
    report = migrate(source, target)
    assert report.ok, [t.error for t in report.tables]
    types, texts = _types_and_texts(target)
    assert types == [("id", "INTEGER"), *((n, d) for n, d in _TYPED_MEMBERS.items())]
    assert (types, texts) == _types_and_texts(source)
    checked = verify(source, target)
    assert checked.ok and checked.tables[0].type_notes == []
    with duckdb.connect(target) as dst:
        dst.execute("UPDATE t SET s = struct_update(s, t := '2024-01-02 03:04:06') WHERE id = 1")
    changed = verify(source, target)
    assert not changed.ok and changed.tables[0].differing_columns == ["s"]


def test_verify_names_each_nested_member_whose_type_the_target_changed(tmp_path: Path) -> None:
    # A target an older arrowmig made (UUID members as VARCHAR, TIMESTAMP_S ones as TIMESTAMP)
    # matched value for value, and verify said nothing of its types.
    source = _nested_source(
        tmp_path / "s.duckdb",
        "(1, {'u': '00000000-0000-0000-0000-000000000001', 't': '2024-01-02 03:04:05',"
        " 'n': 7, 'l': ['2024-01-01 00:00:00.5'], 'k': MAP {'a': 5}}, ['happy'],"
        " ['00000000-0000-0000-0000-000000000002', NULL])",
        column=(
            'STRUCT(u UUID, t TIMESTAMP_S, n BIGINT, l TIMESTAMP[], "k, v" MAP(VARCHAR, BIGINT)),'
            " e ENUM('sad', 'happy')[], a UUID[2]"
        ),
    )
    target = str(tmp_path / "t.duckdb")
    with duckdb.connect(target) as dst:
        dst.execute(f"ATTACH '{source}' AS src (READ_ONLY)")
        dst.execute(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, c STRUCT(u VARCHAR, t TIMESTAMP, n INTEGER,"
            " l TIMESTAMP[], \"k, v\" MAP(VARCHAR, INTEGER)), e ENUM('sad', 'happy')[],"
            " a VARCHAR[])"
        )
        dst.execute("INSERT INTO t SELECT * FROM src.t")
    checked = verify(source, target)
    assert checked.ok
    assert checked.tables[0].type_notes == [
        "c: values match, but members' types differ in the target: c.u is of another family "
        "(source UUID, target VARCHAR); c.t is of another type (source TIMESTAMP_S, target "
        "TIMESTAMP); c.n is narrower (source BIGINT, target INTEGER); c.k, v.value is narrower "
        "(source BIGINT, target INTEGER)",
        "a: values match, but the target's type is nested otherwise (source UUID[2], target "
        "VARCHAR[])",
    ]

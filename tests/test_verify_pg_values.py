"""``verify`` against PostgreSQL values at their edges: ±infinity, exact JSON numbers, deeply
nested documents, intervals no Python timedelta holds. One changed value must be a
difference (exit 1) with its row shown, never "match" and never an error.
"""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path

import duckdb
import psycopg
import pytest

from arrowmig import migrate, verify
from arrowmig.config import MigrationConfig
from arrowmig.verify_report import VerifyReport

pytestmark = pytest.mark.postgres


def _load(url: str, script: str) -> None:
    with psycopg.connect(url, autocommit=True) as con:
        con.execute(script)


def _changed(report: VerifyReport) -> dict[object, tuple[object, object]]:
    """Per changed key, its one differing column's (source value, target value)."""
    [table] = report.tables
    out: dict[object, tuple[object, object]] = {}
    for diff in table.diffs:
        assert diff.kind == "changed" and diff.key and diff.source and diff.target
        [column] = diff.columns
        out[diff.key["id"]] = (diff.source[column], diff.target[column])
    return out


def _target(into: str, second_pg: str, stem: Path) -> str:
    """The second PostgreSQL database, or a DuckDB or SQLite file named ``stem``."""
    return {"postgresql": second_pg, "duckdb": f"{stem}.duckdb", "sqlite": f"{stem}.db"}[into]


def _edit(into: str, target: str, changes: list[str]) -> None:
    """Change the target by hand, as its own engine does."""
    if into == "postgresql":
        _load(target, ";".join(changes))
    elif into == "duckdb":
        con = duckdb.connect(target)
        for sql in changes:
            con.execute(sql)
        con.close()
    else:
        with sqlite3.connect(target) as lite:
            lite.executescript(";".join(changes))
        lite.close()


INFINITE = """
CREATE TABLE r (id int PRIMARY KEY, v timestamp, z timestamptz, w int);
INSERT INTO r VALUES (1, 'infinity', 'infinity', 5), (2, '2021-01-01', '2021-01-01', 6),
  (3, '-infinity', '-infinity', 7), (4, 'infinity', '-infinity', 8);
"""
INFINITIES_CHANGED = {
    1: ("infinity", None),
    3: ("-infinity", "infinity"),
    4: ("-infinity", None),
}


@pytest.mark.parametrize("into", ["postgresql", "duckdb", "sqlite"])
def test_an_infinity_lost_or_turned_is_a_difference(
    into: str, pg_url: str, second_pg: str, tmp_path: Path
) -> None:
    _load(pg_url, INFINITE)
    target = _target(into, second_pg, tmp_path / "r")
    assert migrate(pg_url, target).ok
    assert verify(pg_url, target, level="diff").ok
    changes = [
        "UPDATE r SET v = NULL WHERE id = 1",
        "UPDATE r SET z = 'infinity' WHERE id = 3",
        "UPDATE r SET z = NULL WHERE id = 4",
    ]
    _edit(into, target, changes)
    for level in ("checksum", "diff"):
        report = verify(pg_url, target, level=level)
        assert report.exit_code == 1
        assert report.tables[0].result == "differ"
        assert report.tables[0].differing_columns == ["v", "z"]
        assert _changed(report) == INFINITIES_CHANGED


def test_a_differing_row_with_an_interval_no_timedelta_holds_is_shown(
    pg_url: str, second_pg: str
) -> None:
    _load(
        pg_url,
        "CREATE TABLE r (id int PRIMARY KEY, iv interval, k int);"
        "INSERT INTO r VALUES (1, '178000000 years', 1), (2, '1008000000 days', 1),"
        " (3, '1 mon', 1), (4, '1 day -24:00:00', 1)",
    )
    assert migrate(pg_url, second_pg).ok
    _load(
        second_pg,
        "UPDATE r SET k = 2 WHERE id IN (1, 2);"
        "UPDATE r SET iv = '30 days' WHERE id = 3; UPDATE r SET iv = '0' WHERE id = 4",
    )
    report = verify(pg_url, second_pg)
    assert report.exit_code == 1
    # Intervals as their text: months are not 30 days, '1 day -24:00:00' is not zero.
    assert _changed(report) == {
        1: (1, 2),
        2: (1, 2),
        3: ("1 month", "30 days"),
        4: ("1 day -24:00:00", "00:00:00"),
    }
    diff = report.tables[0].diffs[0]
    assert diff.source is not None and diff.source["iv"] == "178000000 years"


def _deep(depth: int, number: str) -> str:
    return "[" * depth + number + "]" * depth


@pytest.mark.parametrize("into", ["postgresql", "duckdb", "sqlite"])
def test_json_numbers_are_compared_exactly_at_any_depth(
    into: str, pg_url: str, second_pg: str, tmp_path: Path
) -> None:
    _load(
        pg_url,
        "CREATE TABLE r (id int PRIMARY KEY, j jsonb, t json);"
        """INSERT INTO r VALUES (1, '{"amount": 0.1}', '{"b": 2.50, "a": 1}'),"""
        " (2, '123456789012345678901234567890.1234567890123456789', '[1e2]'),"
        f" (3, '{_deep(400, '1.5')}', '{_deep(400, '1')}'),"
        f" (4, '{_deep(5000, '1.5')}', '{_deep(5000, '1')}')",
    )
    target = _target(into, second_pg, tmp_path / "r")
    assert migrate(pg_url, target).ok
    assert verify(pg_url, target, level="diff").ok
    changed = {
        1: '{"amount": 0.10000000000000001}',
        2: "123456789012345678901234567890.1234567890123456788",
        3: _deep(400, "1.50000000000000000001"),
        4: _deep(5000, "1.6"),
    }
    if into == "postgresql":
        with psycopg.connect(second_pg, autocommit=True) as con:
            for key, text in changed.items():
                con.execute("UPDATE r SET j = %s::jsonb WHERE id = %s", (text, key))
    elif into == "duckdb":
        duck = duckdb.connect(target)
        duck.executemany("UPDATE r SET j = ? WHERE id = ?", [(t, k) for k, t in changed.items()])
        duck.close()
    else:
        with sqlite3.connect(target) as lite:
            lite.executemany(
                "UPDATE r SET j = ? WHERE id = ?", [(t, k) for k, t in changed.items()]
            )
        lite.close()
    report = verify(pg_url, target)
    assert report.exit_code == 1
    [table] = report.tables
    assert table.differing_columns == ["j"]
    assert sorted(d.key["id"] for d in table.diffs if d.key) == [1, 2, 3, 4]


@pytest.mark.parametrize("into", ["postgresql", "duckdb", "sqlite"])
def test_a_negative_zero_become_zero_is_a_difference(
    into: str, pg_url: str, second_pg: str, tmp_path: Path
) -> None:
    """-0.0 and 0.0 hash alike in DuckDB, yet an application tells them apart (``atan2(0,
    d)``, ``d::text``). A SQLite target cannot hold -0.0 at all: the report names that."""
    _load(
        pg_url,
        "CREATE TABLE z (id int PRIMARY KEY, d float8, f float4);"
        "INSERT INTO z VALUES (1, '-0', '-0'), (2, 1.5, 0), (3, 0, 2.5)",
    )
    target = _target(into, second_pg, tmp_path / "z")
    assert migrate(pg_url, target).ok
    if into == "sqlite":
        report = verify(pg_url, target)
        assert report.exit_code == 1
        assert report.tables[0].differing_columns == ["d", "f"]
        assert report.tables[0].message == (
            "d: 1 value of -0.0 in the source is 0.0 in the target: SQLite REAL columns "
            "have no negative zero; f: 1 value of -0.0 in the source is 0.0 in the target: "
            "SQLite REAL columns have no negative zero"
        )
        assert _changed_columns(report) == {1: {"d": (-0.0, 0.0), "f": (-0.0, 0.0)}}
        return
    assert verify(pg_url, target, level="diff").ok
    change = "UPDATE z SET d = 0 WHERE id = 1; UPDATE z SET f = '-0' WHERE id = 2"
    if into == "postgresql":
        _load(second_pg, change)
    else:
        con = duckdb.connect(target)
        # DuckDB leaves a value an UPDATE finds equal (-0.0 = 0.0) as it was: change it twice.
        con.execute("UPDATE z SET d = 9 WHERE id = 1; UPDATE z SET f = 9 WHERE id = 2")
        con.execute(change)
        con.close()
    for level in ("checksum", "diff"):
        report = verify(pg_url, target, level=level)
        assert report.exit_code == 1
        assert report.tables[0].differing_columns == ["d", "f"]
        assert report.tables[0].message is None
        changed = _changed_columns(report)
        assert changed == {1: {"d": (-0.0, 0.0)}, 2: {"f": (0.0, -0.0)}}
        signs = [math.copysign(1, v) for c in changed.values() for p in c.values() for v in p]
        assert signs == [-1, 1, 1, -1]


def _changed_columns(report: VerifyReport) -> dict[object, dict[str, tuple[object, object]]]:
    [table] = report.tables
    return {
        d.key["id"]: {c: (d.source[c], d.target[c]) for c in d.columns}
        for d in table.diffs
        if d.key and d.source and d.target
    }


def test_differing_texts_that_print_alike_and_float4s_are_shown_as_they_differ(
    pg_url: str, second_pg: str
) -> None:
    """'é' composed and decomposed look the same on a terminal: the line shows escapes then.
    A float4 shows its own shortest text, not the double it widens to."""
    from click.testing import CliRunner

    from arrowmig.cli.verify import verify_command

    _load(
        pg_url,
        "CREATE TABLE p (id int PRIMARY KEY, name text, f real);"
        "INSERT INTO p VALUES (1, 'é', 1.5), (2, 'a b', 2.5), (3, 'x', 0.1)",
    )
    assert migrate(pg_url, second_pg).ok
    _load(
        second_pg,
        "UPDATE p SET name = 'e' || chr(769), f = '1.5000001' WHERE id = 1;"
        "UPDATE p SET name = 'a' || chr(160) || 'b' WHERE id = 2;"
        "UPDATE p SET name = 'y', f = 0.2 WHERE id = 3",
    )
    shown = CliRunner().invoke(verify_command, [pg_url, second_pg])
    assert shown.exit_code == 1
    changed = [line.strip() for line in shown.output.splitlines() if "changed" in line]
    assert changed == [
        "changed {'id': 1}: name: '\\xe9' -> 'e\\u0301'",
        "changed {'id': 1}: f: 1.5 -> 1.5000001",
        "changed {'id': 2}: name: 'a b' -> 'a\\xa0b'",
        "changed {'id': 3}: name: 'x' -> 'y'",
        "changed {'id': 3}: f: 0.1 -> 0.2",
    ]


def test_between_two_postgresql_databases_numeric_scale_and_json_text_count(
    pg_url: str, second_pg: str, tmp_path: Path
) -> None:
    """PostgreSQL keeps an unbounded numeric's scale (1.50 prints apart from 1.5000) and a
    json's text as written (json_object_keys gives two keys for {"a":1,"a":2}): between two
    PostgreSQL databases those are compared as exact text. jsonb, and other targets, compare
    values."""
    _load(
        pg_url,
        "CREATE TABLE p (id int PRIMARY KEY, price numeric, doc json, jb jsonb);"
        """INSERT INTO p VALUES (1, 1.50, '{"b":1,"a":2}', '{"b":1}'),"""
        """ (2, 100, '{"a":1,"a":2}', '{"a":1}'), (3, 7, '[1, 2]', '[1, 2]')""",
    )
    duck = str(tmp_path / "p.duckdb")
    for target in (second_pg, duck):
        assert migrate(pg_url, target).ok
        assert verify(pg_url, target, level="diff").ok
    _load(
        second_pg,
        "UPDATE p SET price = 1.5000 WHERE id = 1;"
        """UPDATE p SET price = 100.00, doc = '{"a":2}' WHERE id = 2;"""
        "UPDATE p SET jb = '[1,2]' WHERE id = 3",
    )
    report = verify(pg_url, second_pg)
    assert report.exit_code == 1
    assert report.tables[0].differing_columns == ["price", "doc"]
    assert _changed_columns(report) == {
        1: {"price": ("1.50", "1.5000")},
        2: {"price": ("100", "100.00"), "doc": ('{"a":1,"a":2}', '{"a":2}')},
    }


@pytest.mark.parametrize("into", ["duckdb", "sqlite"])
def test_a_zero_of_a_numeric_without_integer_digits_matches_its_copy(
    into: str, pg_url: str, second_pg: str, tmp_path: Path
) -> None:
    """DuckDB prints a DECIMAL(4,4) zero as '.0000': its canonical text came out empty where
    the SQLite copy's '0.0000' came out '0', and a correct copy was reported as differing."""
    _load(
        pg_url,
        "CREATE TABLE a (id int PRIMARY KEY, v numeric(4,4));"
        "INSERT INTO a VALUES (1, 0), (2, 0.5), (3, -0.5), (4, -0.0001)",
    )
    target = _target(into, second_pg, tmp_path / "a")
    assert migrate(pg_url, target).ok
    for level in ("checksum", "diff"):
        assert verify(pg_url, target, level=level).exit_code == 0
    if into == "duckdb":
        con = duckdb.connect(target)
        con.execute("UPDATE a SET v = 0.0001 WHERE id = 1; UPDATE a SET v = 0 WHERE id = 3")
        con.close()
    else:  # as arrowmig writes them: text
        with sqlite3.connect(target) as lite:
            lite.executescript(
                "UPDATE a SET v = '0.0001' WHERE id = 1; UPDATE a SET v = '0.0000' WHERE id = 3"
            )
        lite.close()
    report = verify(pg_url, target)
    assert report.exit_code == 1
    assert sorted(_changed(report)) == [1, 3]


WIDE = """
CREATE TABLE h (id int PRIMARY KEY, n numeric(10,2), w numeric(30,2), big numeric(38,0),
  ts timestamp, tz timestamptz);
INSERT INTO h VALUES
  (1, -0.01, -0.01, 92233720368547758081, '1969-12-31 23:59:59.999999',
   '1969-12-31 23:59:59.999999+00'),
  (2, 5, 5, 18446744073709551617, 'infinity', 'infinity'),
  (3, 1, 1, 1, '2024-01-01', '2024-01-01+00');
"""
WIDE_CHANGES = {
    # -1 unit to 0 (DuckDB hashed HUGEINT -1 as 0), (5 << 64) + 1 to (1 << 64) + 5 (swapped
    # halves), (1 << 64) + 1 to 0 (equal halves), and infinity (2**100 µs as verify reads it)
    # to 2**36 µs: each hashed alike before, and verify said "match".
    "postgresql": [
        "UPDATE h SET n = 0, w = 0, big = 18446744073709551621, ts = '1970-01-01',"
        " tz = '1970-01-01 00:00:00+00' WHERE id = 1",
        "UPDATE h SET big = 0, ts = '1970-01-01 19:05:19.476736',"
        " tz = '1970-01-01 19:05:19.476736+00' WHERE id = 2",
    ],
    "sqlite": [  # as arrowmig writes them: text
        "UPDATE h SET n = '0.00', w = '0.00', big = '18446744073709551621',"
        " ts = '1970-01-01 00:00:00', tz = '1970-01-01 00:00:00+00:00' WHERE id = 1",
        "UPDATE h SET big = '0', ts = '1970-01-01 19:05:19.476736',"
        " tz = '1970-01-01 19:05:19.476736+00:00' WHERE id = 2",
    ],
}


@pytest.mark.parametrize("into", ["postgresql", "duckdb", "sqlite"])
def test_a_value_become_one_hashed_alike_by_duckdb_is_a_difference(
    into: str, pg_url: str, second_pg: str, tmp_path: Path
) -> None:
    """Numerics and timestamps were hashed as DuckDB's 128-bit integers, whose hash XORs the
    two halves': -0.01 became 0.00, 1969-12-31 23:59:59.999999 became 1970-01-01, and
    infinity became 1970-01-01 19:05:19.476736 with verify saying "match", at --level diff
    too."""
    _load(pg_url, WIDE)
    target = _target(into, second_pg, tmp_path / "h")
    assert migrate(pg_url, target).ok
    assert verify(pg_url, target, level="diff").ok
    _edit(into, target, WIDE_CHANGES["postgresql" if into == "duckdb" else into])
    for level in ("checksum", "diff"):
        report = verify(pg_url, target, level=level)
        assert report.exit_code == 1, report.to_dict()
        changed = {key: sorted(columns) for key, columns in _changed_columns(report).items()}
        assert changed == {1: ["big", "n", "ts", "tz", "w"], 2: ["big", "ts", "tz"]}


def test_a_date_past_the_timestamps_range_against_a_timestamp_is_a_differing_row(
    pg_url: str, second_pg: str
) -> None:
    """A date column verified against a timestamp column (an append into one) was cast to
    TIMESTAMP: PostgreSQL's last date, 5874897-12-31, failed the table with DuckDB's raw
    ConversionException (exit 2)."""
    _load(
        pg_url,
        "CREATE TABLE t (id int PRIMARY KEY, d date);"
        "INSERT INTO t VALUES (1, '2020-01-01'), (2, '5874897-12-31'), (3, 'infinity'),"
        " (4, '4713-01-01 BC'), (5, NULL)",
    )
    _load(
        second_pg,
        "CREATE TABLE t (id int PRIMARY KEY, d timestamp);"
        "INSERT INTO t VALUES (1, '2020-01-01'), (2, 'infinity'), (3, 'infinity'),"
        " (4, '4713-01-01 00:00 BC'), (5, NULL)",
    )
    for level in ("checksum", "diff"):
        report = verify(pg_url, second_pg, level=level)
        assert report.exit_code == 1, report.tables[0].message
        assert report.tables[0].result == "differ"
    assert _changed(report) == {2: ("5874897-12-31", "infinity")}
    _load(second_pg, "UPDATE t SET d = '2020-01-01 00:00:01' WHERE id = 1")
    assert sorted(_changed(verify(pg_url, second_pg))) == [1, 2]


def test_text_is_not_the_integer_sqlite_made_of_it(tmp_path: Path, pg_url: str) -> None:
    """What an append left before: '0012' held as 12 in an INTEGER column. verify read both as
    numbers and said the table matched, at --level diff too."""
    _load(
        pg_url,
        "CREATE TABLE t (id int PRIMARY KEY, code text);"
        "INSERT INTO t VALUES (1, '0012'), (2, ' 42'), (3, '+5'), (4, '12'), (5, '-7'), (6, NULL)",
    )
    target = tmp_path / "app.db"
    with sqlite3.connect(target) as con:
        con.execute("CREATE TABLE t (id integer PRIMARY KEY, code integer)")
        con.executemany(
            "INSERT INTO t VALUES (?, ?)", [(1, 12), (2, 42), (3, 5), (4, 12), (5, -7), (6, None)]
        )
    con.close()
    for level in ("checksum", "diff"):
        report = verify(pg_url, str(target), level=level)
        assert report.exit_code == 1
        assert report.tables[0].differing_columns == ["code"]
    assert sorted(d.key["id"] for d in report.tables[0].diffs if d.key) == [1, 2, 3]


def test_a_json_column_written_from_text_compares_its_exact_text(
    tmp_path: Path, pg_url: str
) -> None:
    # arrowmig makes a SQLite or DuckDB JSON column PostgreSQL json to keep each document's
    # text, but verify normalised both sides: a duplicate key dropped or keys reordered by
    # hand in the target was still a match.
    lite, duck = tmp_path / "ev.db", tmp_path / "ev.duckdb"
    documents = [(1, '{"dup":1,"dup":2}'), (2, '{"b":1,"a":2}'), (3, "[1, 2.50]")]
    con = sqlite3.connect(lite)
    con.execute("CREATE TABLE ev (id INTEGER PRIMARY KEY, payload JSON)")
    con.executemany("INSERT INTO ev VALUES (?, ?)", documents)
    con.commit()
    con.close()
    with duckdb.connect(str(duck)) as d:
        d.execute("CREATE TABLE ev (id INTEGER PRIMARY KEY, payload JSON)")
        d.executemany("INSERT INTO ev VALUES (?, ?)", documents)
    edits = {1: '{"dup":2}', 2: '{ "a" : 2, "b" : 1 }', 3: "[1, 2.5]"}
    for source in (lite, duck):
        assert migrate(str(source), pg_url).ok
        assert verify(str(source), pg_url).ok
        with psycopg.connect(pg_url, autocommit=True) as pg:
            assert pg.execute("SELECT pg_typeof(payload)::text FROM ev LIMIT 1").fetchone() == (
                "json",
            )
            for key, text in edits.items():
                pg.execute("UPDATE ev SET payload = %s WHERE id = %s", (text, key))
        changed = _changed(verify(str(source), pg_url, level="diff"))
        assert changed == {k: (dict(documents)[k], text) for k, text in edits.items()}
        _load(pg_url, "DROP TABLE ev")
    # jsonb canonicalises each document: there the normalised comparison stays. The document
    # with a key twice, whose first value jsonb would drop, is set aside (and differs).
    config = MigrationConfig(
        casts=("ev.payload=jsonb",), on_error="reject", reject_dir=str(tmp_path / "rejects")
    )
    assert migrate(str(lite), pg_url, config=config).tables[0].rejected == 1
    with sqlite3.connect(lite) as con:
        con.execute("DELETE FROM ev WHERE id = 1")
    con.close()
    assert verify(str(lite), pg_url).ok


FAR = """
CREATE TABLE far (id int PRIMARY KEY, ts timestamp, tz timestamptz, iv interval);
INSERT INTO far VALUES
  (1, '294270-01-01 00:00:00.25', '294276-12-30 23:59:59+00', '2562048 hours'),
  (2, '2020-01-01', '2020-01-01 10:00+02', '1 day -24:00:00'),
  (3, 'infinity', '-infinity', '-2562047788 hours -0.000001 sec'),
  (4, '0044-03-15 12:00:00.000001 BC', '294270-06-01 00:00+00', NULL),
  (5, NULL, NULL, '3 mons');
"""
FAR_CHANGED = {
    1: ("294270-01-01 00:00:00.250000", "294270-01-01 00:00:00.250001"),
    2: ("0 mons 1 days -86400.0 secs", "0 mons 0 days 0.0 secs"),
    4: ("294270-06-01 00:00:00+00:00", "2020-06-01 00:00:00+00:00"),
}


@pytest.mark.parametrize("into", ["postgresql", "duckdb", "sqlite"])
def test_values_past_arrows_range_cast_to_text_verify_and_a_change_is_found(
    into: str, pg_url: str, second_pg: str, tmp_path: Path
) -> None:
    # verify read the source's timestamp past 294247 AD, or interval past 2,562,047 hours,
    # through Arrow and failed the table with DuckDB's wrapping of migrate's hint.
    _load(pg_url, FAR)
    target = _target(into, second_pg, tmp_path / "far")
    casts = tuple(("far", c, "text") for c in ("ts", "tz", "iv"))
    assert migrate(pg_url, target, config=MigrationConfig(casts=casts)).ok
    for level in ("count", "checksum", "diff"):
        report = verify(pg_url, target, level=level)
        assert report.exit_code == 0, report.tables[0].message
        assert report.tables[0].rows_source == 5
    changes = [
        "UPDATE far SET ts = '294270-01-01 00:00:00.250001' WHERE id = 1",
        "UPDATE far SET iv = '0 mons 0 days 0.0 secs' WHERE id = 2",
        "UPDATE far SET tz = '2020-06-01 00:00:00+00:00' WHERE id = 4",
    ]
    _edit(into, target, changes)
    for level in ("checksum", "diff"):
        report = verify(pg_url, target, level=level)
        assert report.exit_code == 1, report.tables[0].message
        assert report.tables[0].differing_columns == ["ts", "tz", "iv"]
        assert _changed(report) == FAR_CHANGED


def test_values_past_arrows_range_between_two_postgresql_databases_are_compared(
    pg_url: str, second_pg: str
) -> None:
    # Both sides' columns are timestamps and intervals: read as the server's text once a
    # value past Arrow's range is met, on both sides.
    _load(pg_url, FAR)
    _load(second_pg, FAR)
    for level in ("count", "checksum", "diff"):
        report = verify(pg_url, second_pg, level=level)
        assert report.exit_code == 0, report.tables[0].message
    _load(second_pg, "UPDATE far SET ts = '294270-01-01 00:00:00.250001' WHERE id = 1")
    report = verify(pg_url, second_pg)
    assert report.exit_code == 1, report.tables[0].message
    assert report.tables[0].differing_columns == ["ts"]
    assert _changed(report) == {1: FAR_CHANGED[1]}

"""PostgreSQL values with no Arrow twin, as a real database holds them: ±infinity dates and
timestamps, NaN bound for SQLite (which has none), domains, money, geometric and range
types. Each target is read back with its own client, and ``verify`` must agree.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import duckdb
import psycopg
import pytest

from arrowmig import migrate, verify
from arrowmig.cli import main
from arrowmig.config import MigrationConfig
from arrowmig.errors import SchemaError
from arrowmig.migrate import explain

pytestmark = pytest.mark.postgres

TEMPORAL = """
CREATE TABLE temporal (id int PRIMARY KEY, d date, ts timestamp, tz timestamptz, iv interval);
INSERT INTO temporal VALUES
  (1, 'infinity', '-infinity', 'infinity', '0.000001 seconds'),
  (2, '-infinity', 'infinity', '-infinity', '-178000000 years'),
  (3, '2024-02-29', '2024-02-29 12:00:00.123456', '1999-12-31 23:59:59.999999+05',
      '1 year 2 mons 3 days 04:05:06.5'),
  (4, NULL, NULL, NULL, NULL),
  (5, '0044-03-15 BC', '0044-03-15 12:00 BC', '0001-01-01 00:00+00', '-1 day +00:00:00.000001');
"""


def _load(pg_url: str, script: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute(script)


def _pg_text(url: str, table: str, columns: str) -> list[tuple[object, ...]]:
    with psycopg.connect(url) as con:
        return con.execute(f"SELECT {columns} FROM {table} ORDER BY id").fetchall()


def test_infinite_dates_and_timestamps_reach_postgres_exactly(pg_url: str, second_pg: str) -> None:
    # The driver's binary COPY reads them as wrapped values and cannot write +infinity.
    _load(pg_url, TEMPORAL)
    report = migrate(pg_url, second_pg)
    assert report.ok, [t.error for t in report.tables]
    columns = "d::text, ts::text, tz::text, iv::text"
    assert _pg_text(second_pg, "temporal", columns) == _pg_text(pg_url, "temporal", columns)
    assert verify(pg_url, second_pg).ok


def test_infinite_dates_and_timestamps_reach_duckdb_as_its_infinities(
    pg_url: str, tmp_path: Path
) -> None:
    _load(pg_url, TEMPORAL)
    target = str(tmp_path / "t.duckdb")
    assert migrate(pg_url, target).ok
    con = duckdb.connect(target, read_only=True)
    rows = con.execute(
        "SELECT d::VARCHAR, ts::VARCHAR, tz::VARCHAR FROM temporal ORDER BY id"
    ).fetchall()
    con.close()
    assert rows[:2] == [
        ("infinity", "-infinity", "infinity"),
        ("-infinity", "infinity", "-infinity"),
    ]
    assert rows[4][0] == "0044-03-15 (BC)"
    assert verify(pg_url, target).ok


def test_infinite_dates_and_timestamps_reach_sqlite_as_text(pg_url: str, tmp_path: Path) -> None:
    _load(pg_url, TEMPORAL)
    target = str(tmp_path / "t.db")
    assert migrate(pg_url, target).ok
    con = sqlite3.connect(target)
    rows = con.execute("SELECT d, ts, tz, iv FROM temporal ORDER BY id").fetchall()
    con.close()
    assert rows[0] == ("infinity", "-infinity", "infinity", "0 mons 0 days 0.000001 secs")
    assert rows[1] == ("-infinity", "infinity", "-infinity", "-2136000000 mons 0 days 0.0 secs")
    assert rows[2][3] == "14 mons 3 days 14706.5 secs"
    assert verify(pg_url, target).ok  # intervals written as text compare as intervals


def test_nan_into_sqlite_is_loud_and_can_be_set_aside(pg_url: str, tmp_path: Path) -> None:
    # SQLite has no NaN: binding one stores NULL, silently.
    _load(
        pg_url,
        "CREATE TABLE readings (id int PRIMARY KEY, v float8, w real);"
        "INSERT INTO readings VALUES (1, 1.5, 2), (2, 'NaN', 3), (3, '-Infinity', 'NaN'),"
        " (4, 'Infinity', 4)",
    )
    # The plan, which reads no values, says once what a NaN would become; it flags no column
    # and gives the table (whose notes the report repeats) no note of NaN.
    plan = explain(pg_url, str(tmp_path / "fail.db")).to_dict()
    (planned,) = plan["tables"]
    assert all(c["flags"] == [] for c in planned["columns"]), planned["columns"]
    assert not [n for n in planned["notes"] if "NaN" in n], planned["notes"]
    (said,) = [n for n in plan["notes"] if "NaN" in n]
    assert said.startswith("SQLite has no NaN (it would store NULL): a NaN in a float column")
    assert "of readings is refused" in said and "--cast TABLE.COLUMN=text" in said
    failed = migrate(pg_url, str(tmp_path / "fail.db"))
    assert not failed.ok
    error = failed.tables[0].error or ""
    assert "column 'v', id 2: NaN, which SQLite cannot store" in error
    assert "casts={'readings.v': 'text', " in error  # the way past it, for this column
    as_text = migrate(
        pg_url,
        str(tmp_path / "text.db"),
        config=MigrationConfig(casts=(("readings", "v", "text"), ("readings", "w", "text"))),
    )
    assert as_text.ok, [t.error for t in as_text.tables]
    con = sqlite3.connect(tmp_path / "text.db")
    assert con.execute("SELECT v FROM readings ORDER BY id").fetchall() == [
        ("1.5",),
        ("nan",),
        ("-inf",),
        ("inf",),
    ]
    con.close()
    rejected = migrate(
        pg_url,
        str(tmp_path / "reject.db"),
        config=MigrationConfig(on_error="reject", reject_dir=str(tmp_path / "rejects")),
    )
    assert rejected.tables[0].rejected == 2
    # Each NaN set aside is counted in its column, with the way to keep it.
    assert [n for n in rejected.tables[0].notes if "NaN" in n] == [
        "v: 1 NaN set aside with its row (SQLite has no NaN; "
        "casts={'readings.v': 'text'} keeps NaN as the text 'nan')",
        "w: 1 NaN set aside with its row (SQLite has no NaN; "
        "casts={'readings.w': 'text'} keeps NaN as the text 'nan')",
    ]
    assert not [n for n in rejected.notes if "NaN" in n]  # the plan's note is not the run's
    con = sqlite3.connect(tmp_path / "reject.db")
    assert con.execute("SELECT id, v, w FROM readings ORDER BY id").fetchall() == [
        (1, 1.5, 2.0),
        (4, float("inf"), 4.0),
    ]
    con.close()
    lines = (tmp_path / "rejects" / "readings.jsonl").read_text().splitlines()
    assert [json.loads(line)["row"][0] for line in lines] == [2, 3]
    # NaN that became NULL is told apart from NaN by verify.
    con = sqlite3.connect(tmp_path / "reject.db")
    con.execute("INSERT INTO readings VALUES (2, NULL, 3), (3, '-Inf', NULL)")
    con.execute("UPDATE readings SET v = -1e999 WHERE id = 3")
    con.commit()
    con.close()
    (table,) = verify(pg_url, str(tmp_path / "reject.db"), level="diff").tables
    assert not table.ok
    assert sorted(int(d.key["id"]) for d in table.diffs if d.key is not None) == [2, 3]


def test_domains_money_and_types_without_arrow_twin_are_carried(
    pg_url: str, tmp_path: Path
) -> None:
    _load(
        pg_url,
        "CREATE DOMAIN posint AS integer CHECK (VALUE > 0);"
        "CREATE DOMAIN email AS text CHECK (VALUE LIKE '%@%');"
        "CREATE DOMAIN tiny_amount AS numeric(6,2);"
        "CREATE TABLE odd (id int PRIMARY KEY, n posint, e email, a tiny_amount, m money,"
        " p point, r int4range, when_ tstzrange, c circle);"
        "INSERT INTO odd VALUES (1, 7, 'a@b.c', 1234.56, -98765.43, '(1.5,-2)', '[1,10)',"
        " '[2024-01-01 00:00+00,infinity)', '<(0,0),1.25>'), (2, NULL, NULL, NULL, NULL, NULL,"
        " 'empty', NULL, NULL)",
    )
    target = str(tmp_path / "odd.db")
    report = migrate(pg_url, target)
    assert report.ok, [t.error for t in report.tables]
    notes = " | ".join(report.tables[0].notes)
    assert "domain posint carried as integer" in notes and "money carried as" in notes
    con = sqlite3.connect(target)
    row = con.execute(
        "SELECT n, typeof(n), e, a, m, p, r, when_, c FROM odd WHERE id = 1"
    ).fetchone()
    con.close()
    assert row == (
        7,
        "integer",
        "a@b.c",
        "1234.56",
        "-98765.43",
        "(1.5,-2)",
        "[1,10)",
        '["2024-01-01 00:00:00+00",infinity)',
        "<(0,0),1.25>",
    )
    assert verify(pg_url, target).ok


def test_built_in_types_without_arrow_twin_are_themselves_again_in_postgres(
    pg_url: str, second_pg: str
) -> None:
    # Carried as text, parsed back by the target server: the type, not text, as pg_dump would.
    _load(
        pg_url,
        "CREATE TYPE mood AS ENUM ('sad', 'happy');"
        "CREATE TABLE odd (id int PRIMARY KEY, doc tsvector, p point, r int4range,"
        " when_ tstzrange, mr int4multirange, bits bit(3), tz timetz, mac macaddr8, m mood);"
        "INSERT INTO odd VALUES (1, to_tsvector('simple', 'quick brown foxes'), '(1.5,-2)',"
        " '[1,10)', '[2024-01-01 00:00+00,infinity)', '{[1,3),[5,8)}', B'101', '10:00+02',"
        " '08:00:2b:01:02:03:04:05', 'happy'), (2, NULL, NULL, 'empty', NULL, '{}', NULL, NULL,"
        " NULL, NULL)",
    )
    # The enum type is created on the target (it has none yet).
    columns = "doc::text, p::text, r::text, when_::text, mr::text, bits::text, tz::text, mac::text, m::text"
    _assert_same_types_and_text(pg_url, second_pg, "odd", columns, {})
    with psycopg.connect(second_pg) as con:
        labels = con.execute("SELECT enum_range(NULL::mood)::text").fetchone()
    assert labels == ("{sad,happy}",)


def test_catalog_vectors_and_object_names_reach_every_target(
    pg_url: str, second_pg: str, tmp_path: Path
) -> None:
    # oidvector's text is '1 2', not an array literal: taken for an array, it failed DuckDB's
    # JSON. A regclass names an object the target may not have (here the table itself, still
    # staged under another name): cast back on PostgreSQL, it failed the whole table.
    _load(
        pg_url,
        "CREATE TABLE cat (id int PRIMARY KEY, rel regclass, typ regtype, args oidvector,"
        " keys int2vector);"
        "INSERT INTO cat VALUES (1, 'cat', 'int4', '23 25', '1 3'), (2, NULL, NULL, NULL, NULL)",
    )
    columns = "rel::text, typ::text, args::text, keys::text"
    changed = {"rel": "text", "typ": "text"}
    _assert_same_types_and_text(pg_url, second_pg, "cat", columns, changed)
    for target in (str(tmp_path / "cat.duckdb"), str(tmp_path / "cat.db")):
        report = migrate(pg_url, target)
        assert report.ok, [t.error for t in report.tables]
        assert verify(pg_url, target).ok
    con = duckdb.connect(str(tmp_path / "cat.duckdb"))
    assert con.execute("SELECT rel, typ, args, keys FROM cat ORDER BY id").fetchall() == [
        ("cat", "integer", "23 25", "1 3"),
        (None, None, None, None),
    ]
    con.close()


def test_a_generated_always_identity_stays_always_in_postgres(pg_url: str, second_pg: str) -> None:
    # It arrived BY DEFAULT. Kept ALWAYS, the loaded keys must still get in: by COPY, and
    # through the staging table a uuid column needs (which failed on ALWAYS identities,
    # appending into an application's table too).
    _load(
        pg_url,
        "CREATE TABLE orders (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, ref uuid, n int);"
        "INSERT INTO orders (ref, n) SELECT gen_random_uuid(), g FROM generate_series(1, 5) g;"
        "CREATE TABLE plain (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, n int);"
        "INSERT INTO plain (n) VALUES (1), (2)",
    )
    for mode in ("create", "replace"):
        report = migrate(pg_url, second_pg, config=MigrationConfig(mode=mode))
        assert report.ok, [t.error for t in report.tables]
    with psycopg.connect(second_pg) as con:
        kinds = con.execute(
            "SELECT attrelid::regclass::text, attidentity FROM pg_attribute "
            "WHERE attname = 'id' AND attrelid IN ('orders'::regclass, 'plain'::regclass) ORDER BY 1"
        ).fetchall()
        assert kinds == [("orders", "a"), ("plain", "a")]
        assert con.execute("INSERT INTO orders (n) VALUES (6) RETURNING id").fetchone() == (6,)
    assert verify(pg_url, second_pg, tables=["plain"]).ok


def test_an_enum_of_the_same_name_with_other_labels_is_refused(pg_url: str, second_pg: str) -> None:
    _load(
        pg_url,
        "CREATE TYPE mood AS ENUM ('sad', 'happy'); CREATE TABLE m (id int PRIMARY KEY, v mood);"
        "INSERT INTO m VALUES (1, 'happy')",
    )
    _load(second_pg, "CREATE TYPE mood AS ENUM ('happy', 'sad')")  # same labels, other order
    with pytest.raises(SchemaError, match="exists in the target but is not the source's enum"):
        migrate(pg_url, second_pg)
    with psycopg.connect(second_pg) as con:  # refused before anything was written
        assert con.execute("SELECT count(*) FROM pg_tables WHERE tablename = 'm'").fetchone() == (
            0,
        )
    # The way past it that the error names: carry the column as text.
    config = MigrationConfig(casts=(("m", "v", "text"),))
    assert migrate(pg_url, second_pg, config=config).ok
    assert _pg_text(second_pg, "m", "v") == [("happy",)]
    # Appending into a table that exists creates no type: the other enum is no obstacle.
    assert migrate(pg_url, second_pg, config=MigrationConfig(mode="truncate")).ok
    assert _pg_text(second_pg, "m", "v") == [("happy",)]


def test_lengths_and_precisions_stay_in_postgres(pg_url: str, second_pg: str) -> None:
    _load(
        pg_url,
        "CREATE TABLE lim (id int PRIMARY KEY, v varchar(30), c char(3), t time(0),"
        " ts timestamp(3), tz timestamptz(2), d interval day, s interval second(0));"
        "INSERT INTO lim VALUES (1, 'abc', 'x', '10:00:01', '2024-01-01 10:00:00.123',"
        " '2024-01-01 10:00:00.12+00', '3 days', '5 seconds'),"
        " (2, NULL, NULL, NULL, 'infinity', '-infinity', NULL, NULL)",
    )
    columns = "v, c, t::text, ts::text, tz::text, d::text, s::text"
    _assert_same_types_and_text(pg_url, second_pg, "lim", columns, {})


def test_domains_are_domains_again_in_postgres(pg_url: str, second_pg: str) -> None:
    _load(
        pg_url,
        "CREATE DOMAIN posint AS integer NOT NULL DEFAULT 1 CHECK (VALUE > 0);"
        "CREATE DOMAIN email AS text CHECK (VALUE LIKE '%@%') CHECK (length(VALUE) < 100);"
        "CREATE DOMAIN amount AS numeric(6,2);"
        "CREATE TABLE dom (id int PRIMARY KEY, p posint, e email, a amount);"
        "INSERT INTO dom VALUES (1, 5, 'a@b', 12.5), (2, 7, NULL, NULL)",
    )
    _assert_same_types_and_text(pg_url, second_pg, "dom", "p::text, e::text, a::text", {})
    # The checks came along.
    with psycopg.connect(second_pg) as con, pytest.raises(psycopg.errors.CheckViolation):
        con.execute("INSERT INTO dom VALUES (3, 1, 'no at sign', 1)")
    # Into a schema the run creates: the domains are created there too.
    assert migrate(pg_url, second_pg, config=MigrationConfig(target_schema="fresh")).ok
    assert _pg_text(second_pg, "fresh.dom", "pg_typeof(p)::text") == [("fresh.posint",)] * 2


DOMAIN_OVER_DOMAIN = (
    # Each domain holds a constraint "bound": one domain over integer can hold one only.
    "CREATE DOMAIN pos AS integer DEFAULT 3 CONSTRAINT bound CHECK (VALUE > 0);"
    "CREATE DOMAIN small_pos AS pos NOT NULL CONSTRAINT bound CHECK (VALUE < 100);"
    "CREATE TABLE dd (id int PRIMARY KEY, v small_pos, w small_pos DEFAULT 7);"
    "INSERT INTO dd VALUES (1, 5, 6), (2, 99, 1)"
)


def test_a_domain_over_a_domain_keeps_its_checks_default_and_not_null_in_postgres(
    pg_url: str, second_pg: str
) -> None:
    """It arrived as plain integer, without either CHECK nor the default of the domain it is
    built on; it is that domain again, over the built-in type, with the whole chain's rules."""
    _load(pg_url, DOMAIN_OVER_DOMAIN)
    report = migrate(pg_url, second_pg)
    assert report.ok, [t.error for t in report.tables]
    note = next(n for n in report.tables[0].notes if n.startswith("v, w: "))  # said once
    assert "small_pos again on PostgreSQL" in note and "of domain pos it is built on" in note
    assert _pg_text(second_pg, "dd", "pg_typeof(v)::text, v, w") == [
        ("small_pos", 5, 6),
        ("small_pos", 99, 1),
    ]
    assert verify(pg_url, second_pg).ok
    with psycopg.connect(second_pg, autocommit=True) as con:
        for bad in ("(3, 0, 1)", "(3, 100, 1)", "(3, NULL, 1)"):
            with pytest.raises((psycopg.errors.CheckViolation, psycopg.errors.NotNullViolation)):
                con.execute(f"INSERT INTO dd VALUES {bad}")
        con.execute("INSERT INTO dd (id) VALUES (3)")  # the domains' default and the column's
        assert con.execute("SELECT v, w FROM dd WHERE id = 3").fetchone() == (3, 7)
    # A second run meets the domain it created (its checks as the server rewrote them).
    assert migrate(pg_url, second_pg, config=MigrationConfig(mode="replace")).ok


def test_a_domain_over_a_domain_already_in_the_target_as_the_source_has_it_is_used(
    pg_url: str, second_pg: str
) -> None:
    _load(pg_url, DOMAIN_OVER_DOMAIN)
    _load(second_pg, DOMAIN_OVER_DOMAIN.split("CREATE TABLE")[0])  # as pg_dump --schema-only
    assert migrate(pg_url, second_pg).ok
    assert _pg_text(second_pg, "dd", "pg_typeof(v)::text") == [("small_pos",)] * 2
    assert verify(pg_url, second_pg).ok


def test_a_domain_over_a_domain_elsewhere_says_what_it_left_behind(
    pg_url: str, tmp_path: Path
) -> None:
    _load(pg_url, DOMAIN_OVER_DOMAIN)
    for target in (str(tmp_path / "t.db"), str(tmp_path / "t.duckdb")):
        report = migrate(pg_url, target)
        assert report.ok, [t.error for t in report.tables]
        note = next(n for n in report.tables[0].notes if n.startswith("v, w: "))  # said once
        assert "on SQLite and DuckDB without its CHECK constraints and default" in note, note
        assert verify(pg_url, target).ok


def test_a_domain_of_the_same_name_defined_otherwise_is_refused(
    pg_url: str, second_pg: str
) -> None:
    _load(
        pg_url,
        "CREATE DOMAIN posint AS integer CHECK (VALUE > 0);"
        "CREATE TABLE d (id int PRIMARY KEY, v posint); INSERT INTO d VALUES (1, 2)",
    )
    _load(second_pg, "CREATE DOMAIN posint AS integer CHECK (VALUE >= 0)")
    with pytest.raises(SchemaError, match="exists in the target but is not the source's domain"):
        migrate(pg_url, second_pg)
    config = MigrationConfig(casts=(("d", "v", "integer"),))  # the way past it named
    assert migrate(pg_url, second_pg, config=config).ok
    assert _pg_text(second_pg, "d", "v") == [(2,)]


def test_a_domain_the_target_cannot_create_is_refused_before_writing(
    pg_url: str, second_pg: str
) -> None:
    _load(
        pg_url,
        "CREATE FUNCTION is_even(n int) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT n % 2 = 0';"
        "CREATE DOMAIN even AS integer CHECK (is_even(VALUE));"
        "CREATE TABLE e (id int PRIMARY KEY, v even); INSERT INTO e VALUES (1, 2)",
    )
    with pytest.raises(SchemaError, match=r"domain .*even.* cannot be created in the target"):
        migrate(pg_url, second_pg)  # the target has no is_even()
    with psycopg.connect(second_pg) as con:
        assert con.execute("SELECT count(*) FROM pg_type WHERE typname = 'even'").fetchone() == (0,)
        assert con.execute("SELECT to_regclass('e')").fetchone() == (None,)


def test_arrays_of_built_in_types_are_arrays_again_in_postgres(pg_url: str, second_pg: str) -> None:
    # They travel as JSON (array_to_json), the table decoded (``other`` is cast to another
    # type); the target server takes them apart again.
    _load(
        pg_url,
        "CREATE TYPE mood AS ENUM ('a', 'b');"
        "CREATE TABLE arr (id int PRIMARY KEY, i int[], t text[], nested text[], f float8[],"
        " ts timestamptz[], b bytea[], n numeric(5,2)[], j json[], m mood[], other int);"
        "INSERT INTO arr VALUES (1, '{1,NULL,3}',"
        """ '{"a b","q\\"uote","back\\\\slash","{braces}",NULL,"","NULL"}',"""
        """ '{{x,y},{"z,",NULL}}', '{-0,1.5,NaN,Infinity,1e-300}',"""
        """ '{"2024-01-01 10:00:00+02"}', '{"\\\\x00ff"}', '{1.50,NULL}',"""
        """ ARRAY['{"k":  1}'::json, '"s"'], '{a,b}', 1),"""
        " (2, NULL, '{}', '{}', NULL, NULL, NULL, NULL, NULL, NULL, 2)",
    )
    # json[] is json[] again, each element's text as written. The enum is created.
    columns = (
        "i::text, t::text, nested::text, f::text, ts::text, b::text, n::text, j::text, m::text"
    )
    decoded = MigrationConfig(casts=(("arr", "other", "bigint"),))
    _assert_same_types_and_text(pg_url, second_pg, "arr", columns, {"other": "bigint"}, decoded)


def _assert_same_types_and_text(
    source: str,
    target: str,
    table: str,
    columns: str,
    changed: dict[str, str],
    config: MigrationConfig | None = None,
) -> None:
    """Migrate, then: every column of the target has the source's type (but ``changed``),
    ``columns`` read back as the same text, and verify agrees."""
    report = migrate(source, target, config=config)
    assert report.ok, [t.error for t in report.tables]
    # format_type: lengths, precisions, domain and enum names all count.
    types = (
        "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
        "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped"
    )
    with psycopg.connect(target) as con:
        landed = dict(con.execute(types, (table,)).fetchall())
    with psycopg.connect(source) as con:
        declared = dict(con.execute(types, (table,)).fetchall())
    assert landed == {**declared, **changed}
    assert _pg_text(target, table, columns) == _pg_text(source, table, columns)
    assert verify(source, target).ok


def test_timestamp_past_arrows_last_fails_its_table_loudly(pg_url: str, tmp_path: Path) -> None:
    # PostgreSQL's timestamps go to 294276 AD, Arrow's microseconds to 294247 AD: the driver
    # would wrap such a value around to a wrong one in the far past.
    _load(
        pg_url,
        "CREATE TABLE far (id int PRIMARY KEY, t timestamp);"
        "INSERT INTO far VALUES (1, '2024-01-01'), (2, '294270-01-01')",
    )
    report = migrate(pg_url, str(tmp_path / "far.duckdb"))
    assert not report.ok
    assert "column 't': a timestamp later than 294247-01-10 AD" in (report.tables[0].error or "")


def test_numeric_nan_and_infinity(pg_url: str, second_pg: str, tmp_path: Path) -> None:
    # Unconstrained numeric travels as exact text: NaN and ±Infinity arrive as they are. A
    # numeric(p,s) travels as an Arrow decimal, which cannot hold them: the first one read
    # has the table looked at and loaded again, the column as its text (it failed the table).
    _load(
        pg_url,
        "CREATE TABLE free (id int PRIMARY KEY, n numeric);"
        "INSERT INTO free VALUES (1, 'NaN'), (2, 'Infinity'), (3, '-Infinity'), (4, 1.50);"
        "CREATE TABLE fixed (id int PRIMARY KEY, n numeric(10,2));"
        "INSERT INTO fixed VALUES (1, 2.5), (2, 'NaN')",
    )
    report = migrate(pg_url, second_pg, tables=["free"])
    assert report.ok, [t.error for t in report.tables]
    assert _pg_text(second_pg, "free", "n::text") == _pg_text(pg_url, "free", "n::text")
    target = str(tmp_path / "n.db")
    report = migrate(pg_url, target)
    assert report.ok, [t.error for t in report.tables]
    fixed = next(t for t in report.tables if t.name == "fixed")
    assert "n: holds NaN or Infinity (1 of them), which an Arrow decimal cannot hold" in "\n".join(
        fixed.notes
    )
    assert any(n.startswith("loaded again with profiled types") for n in fixed.notes)
    report = migrate(pg_url, second_pg, tables=["fixed"])
    assert report.ok, [t.error for t in report.tables]
    assert _pg_text(second_pg, "fixed", "n::text") == [("2.50",), ("NaN",)]
    with psycopg.connect(second_pg) as con:
        declared = con.execute(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = 'fixed'::regclass AND attname = 'n'"
        ).fetchone()
    assert declared == ("numeric(10,2)",)
    for checked in (target, second_pg):
        assert verify(pg_url, checked, tables=["fixed"]).ok
    con = sqlite3.connect(target)
    assert con.execute("SELECT n FROM fixed ORDER BY id").fetchall() == [("2.50",), ("NaN",)]
    assert con.execute("SELECT n FROM free ORDER BY id").fetchall() == [
        ("NaN",),
        ("Infinity",),
        ("-Infinity",),
        ("1.50",),
    ]
    con.close()


def _through_sqlite(
    pg_url: str, tmp_path: Path, script: str, query: str
) -> list[tuple[object, ...]]:
    """Load ``script`` into PostgreSQL, migrate it into a new SQLite file that verify must
    find equal, and return ``query``'s rows there."""
    _load(pg_url, script)
    target = str(tmp_path / "through.db")
    assert migrate(pg_url, target).ok
    assert verify(pg_url, target).ok
    con = sqlite3.connect(target)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


def test_end_of_day_time_reaches_sqlite_as_text(pg_url: str, tmp_path: Path) -> None:
    # PostgreSQL's time goes up to 24:00:00; Arrow's cast to text wrote it as
    # '<value out of range: 86400000000>' without failing.
    rows = _through_sqlite(
        pg_url,
        tmp_path,
        "CREATE TABLE shifts (id int PRIMARY KEY, ends time);"
        "INSERT INTO shifts VALUES (1, '24:00:00'), (2, '17:30:00.25'), (3, NULL)",
        "SELECT ends FROM shifts ORDER BY id",
    )
    assert rows == [("24:00:00.000000",), ("17:30:00.250000",), (None,)]


def test_numeric_of_scale_7_or_more_reaches_sqlite_as_fixed_point_and_verifies(
    pg_url: str, tmp_path: Path
) -> None:
    # Arrow's decimal-to-text cast writes 0E-8 and 1E-8: the text must keep the column's scale.
    _load(
        pg_url,
        "CREATE TABLE wallet (id int PRIMARY KEY, btc numeric(20,8), wide numeric(38,10));"
        "INSERT INTO wallet VALUES (1, 0, -0.0000000001), (2, 0.00000001, 0), (3, 0.5, 1)",
    )
    out = tmp_path / "w.db"
    assert migrate(pg_url, str(out)).ok
    con = sqlite3.connect(out)
    try:
        rows = con.execute("SELECT btc, wide FROM wallet ORDER BY id").fetchall()
    finally:
        con.close()
    assert rows == [
        ("0.00000000", "-0.0000000001"),
        ("0.00000001", "0.0000000000"),
        ("0.50000000", "1.0000000000"),
    ]
    assert verify(pg_url, str(out)).ok


def test_floats_cast_to_text_verify_as_the_cast_wrote_them(pg_url: str, tmp_path: Path) -> None:
    # The way past NaN into SQLite (--cast T.C=text) writes each float's shortest text.
    _load(
        pg_url,
        "CREATE TABLE fl (id int PRIMARY KEY, f float8, g float4);"
        "INSERT INTO fl VALUES (1, 'NaN', 1), (2, 1e308, 1.17549435e-38), (3, 0.1, 0.1),"
        " (4, 1e20, 1e20), (5, 1e-7, 1e-7)",
    )
    out = tmp_path / "fl.db"
    config = MigrationConfig(casts=(("fl", "f", "text"), ("fl", "g", "text")))
    assert migrate(pg_url, str(out), config=config).ok
    assert verify(pg_url, str(out)).ok
    con = sqlite3.connect(out)
    try:
        con.execute("UPDATE fl SET f = '1.0000000000000001e-7' WHERE id = 5")
        con.commit()
    finally:
        con.close()
    assert not verify(pg_url, str(out)).ok  # another double


def test_dates_past_year_9999_reach_sqlite_exactly(pg_url: str, tmp_path: Path) -> None:
    rows = _through_sqlite(
        pg_url,
        tmp_path,
        "CREATE TABLE farout (id int PRIMARY KEY, d date, tz timestamptz);"
        "INSERT INTO farout VALUES (1, '5874897-12-31', '294247-01-01 00:00+00'),"
        " (2, '0044-03-15 BC', '10000-01-01 12:00+00')",
        "SELECT d, tz FROM farout ORDER BY id",
    )
    assert rows == [
        ("5874897-12-31", "294247-01-01 00:00:00+00:00"),
        ("-0043-03-15", "10000-01-01 12:00:00+00:00"),
    ]


BC_DATES = """
CREATE TABLE bc (id int PRIMARY KEY, d date);
INSERT INTO bc VALUES (1, '2024-01-02'), (2, '0044-03-15 BC'), (3, '0001-01-01 BC'),
  (4, '4713-01-01 BC'), (5, '5874897-12-31'), (6, NULL), (7, '0005-02-29 BC');
CREATE TABLE early (id int PRIMARY KEY, d date);
INSERT INTO early VALUES (1, '0044-03-15 BC'), (2, '2024-01-02');
"""


def test_sqlite_dates_before_year_1_are_read_back_as_dates(
    pg_url: str, second_pg: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """arrowmig writes PostgreSQL's dates before year 1 into SQLite in astronomical years
    ('-0043-03-15' is 44 BC, '0000-01-01' 1 BC). The profile took them for dates and the
    reader did not: verify of that file stopped with a traceback fragment, and migrating it
    onward failed though the plan said DATE."""
    from arrowmig.cli import main

    _load(pg_url, BC_DATES)
    through = str(tmp_path / "bc.db")
    assert migrate(pg_url, through).ok
    con = sqlite3.connect(through)
    texts = [r[0] for r in con.execute("SELECT d FROM bc ORDER BY id")]
    con.close()
    assert texts == [
        "2024-01-02",
        "-0043-03-15",
        "0000-01-01",
        "-4712-01-01",
        "5874897-12-31",
        None,
        "-0004-02-29",
    ]
    for a, b in ((pg_url, through), (through, pg_url)):
        report = verify(a, b, level="diff")
        assert report.ok, [(t.name, t.result, t.message) for t in report.tables]
    # 'bc' is presumed a date from its declaration and first text; 'early' is profiled.
    onward = str(tmp_path / "bc.duckdb")
    capsys.readouterr()
    assert main(["plan", through, onward, "--json"]) == 0
    planned = json.loads(capsys.readouterr().out)["tables"]
    assert {t["name"]: t["columns"][1]["arrow_type"] for t in planned} == {
        "bc": "date32[day]",
        "early": "date32[day]",
    }
    for target in (onward, second_pg):
        report = migrate(through, target)
        assert report.ok, [t.error for t in report.tables]
        assert not any("loaded again" in n for t in report.tables for n in t.notes)
        assert verify(through, target, level="diff").ok
    assert _pg_text(second_pg, "bc", "d::text") == _pg_text(pg_url, "bc", "d::text")
    assert _pg_text(second_pg, "early", "d::text") == _pg_text(pg_url, "early", "d::text")
    duck = duckdb.connect(onward, read_only=True)
    days = duck.execute("SELECT d::VARCHAR FROM bc ORDER BY id").fetchall()
    duck.close()
    assert [d for (d,) in days][:4] == [
        "2024-01-02",
        "0044-03-15 (BC)",
        "0001-01-01 (BC)",
        "4713-01-01 (BC)",
    ]
    # Another year in the SQLite file is a difference.
    con = sqlite3.connect(through)
    con.execute("UPDATE bc SET d = '-0044-03-15' WHERE id = 2")
    con.commit()
    con.close()
    (table, _) = verify(pg_url, through).tables
    assert table.result == "differ" and table.differing_columns == ["d"]


def test_a_cast_to_text_writes_infinities_and_far_years_as_postgresql_does(
    pg_url: str, tmp_path: Path
) -> None:
    # --cast T.C=text is done by the writer's own text conversion, which knows infinity and
    # years past 9999; Arrow's plain cast writes neither.
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("CREATE TABLE far (id int PRIMARY KEY, at timestamp)")
        con.execute(
            "INSERT INTO far VALUES (1, 'infinity'), (2, '10000-01-01 00:00:00'), "
            "(3, '2024-01-02 03:04:05')"
        )
    out = tmp_path / "far.db"
    config = MigrationConfig(casts=(("far", "at", "text"),))
    assert migrate(pg_url, str(out), config=config).ok
    con = sqlite3.connect(out)
    try:
        got = [r[0] for r in con.execute("SELECT at FROM far ORDER BY id")]
    finally:
        con.close()
    assert got == ["infinity", "10000-01-01 00:00:00", "2024-01-02 03:04:05"]
    # Appended into an existing STRICT text column, the cast goes the same way.
    strict = tmp_path / "strict.db"
    con = sqlite3.connect(strict)
    con.execute("CREATE TABLE far (id INTEGER PRIMARY KEY, at TEXT) STRICT")
    con.close()
    append = MigrationConfig(mode="append", casts=(("far", "at", "text"),))
    assert migrate(pg_url, str(strict), config=append).ok
    con = sqlite3.connect(strict)
    try:
        assert [r[0] for r in con.execute("SELECT at FROM far ORDER BY id")] == got
    finally:
        con.close()


def _citext(url: str) -> psycopg.Connection[tuple[object, ...]]:
    """A connection to ``url``, whose database then has citext (the test skipped without it)."""
    con = psycopg.connect(url, autocommit=True)
    if not con.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'citext'").fetchone():
        con.close()
        pytest.skip("the server has no citext extension (postgresql-contrib)")
    con.execute("CREATE EXTENSION citext")
    return con


@pytest.mark.postgres
def test_citext_stays_case_insensitive_wherever_it_can(
    pg_url: str, second_pg: str, tmp_path: Path
) -> None:
    """citext reads as text: without care it became text everywhere, silently, and a query
    or unique index that ignored case in the source no longer did."""
    with _citext(pg_url) as con:
        con.execute("CREATE TABLE u (id int PRIMARY KEY, email citext UNIQUE)")
        con.execute("INSERT INTO u VALUES (1, 'User1@Example.com')")
    ask = "SELECT count(*) FROM u WHERE email = 'USER1@example.com'"

    # A PostgreSQL target without the extension: text, and the report says what is lost.
    report = migrate(pg_url, second_pg)
    assert report.ok and "CREATE EXTENSION citext" in " ".join(report.tables[0].notes)
    with psycopg.connect(second_pg, autocommit=True) as con:
        assert con.execute(ask).fetchone() == (0,)
        con.execute("CREATE EXTENSION citext")
    # With it: citext again (and the rows pass undecoded, the types being the same).
    report = migrate(pg_url, second_pg, config=MigrationConfig(mode="replace"))
    assert report.ok and any("undecoded" in n for n in report.tables[0].notes)
    with psycopg.connect(second_pg) as con:
        assert con.execute(ask).fetchone() == (1,)
    # SQLite and DuckDB: COLLATE NOCASE, which the unique index follows too.
    lite, duck = str(tmp_path / "u.db"), str(tmp_path / "u.duckdb")
    for target in (lite, duck):
        assert migrate(pg_url, target).ok
        assert verify(pg_url, target).ok
    con_lite = sqlite3.connect(lite)
    assert con_lite.execute(ask).fetchone() == (1,)
    with pytest.raises(sqlite3.IntegrityError):
        con_lite.execute("INSERT INTO u VALUES (2, 'USER1@EXAMPLE.COM')")
    con_lite.close()
    with duckdb.connect(duck) as con_duck:
        assert con_duck.execute(ask).fetchone() == (1,)


@pytest.mark.postgres
def test_a_domain_over_citext_arrives_as_citext_arrives(
    pg_url: str, second_pg: str, tmp_path: Path
) -> None:
    """An email domain over citext: the report said "carried as citext" while it arrived as
    case-sensitive text, and a lookup that ignored case in the source no longer matched."""
    with _citext(pg_url) as con:
        con.execute("CREATE DOMAIN email AS citext CHECK (value ~ '@')")
        con.execute("CREATE TABLE u (id int PRIMARY KEY, e email)")
        con.execute("INSERT INTO u VALUES (1, 'Bob@X.com')")
    ask = "SELECT count(*) FROM u WHERE e = 'bob@x.com'"
    report = migrate(pg_url, second_pg)
    assert report.ok
    assert any(n.startswith("e: citext not carried") for n in report.tables[0].notes)
    with psycopg.connect(second_pg, autocommit=True) as con:
        con.execute("CREATE EXTENSION citext")
    assert migrate(pg_url, second_pg, config=MigrationConfig(mode="replace")).ok
    with psycopg.connect(second_pg) as con:
        assert con.execute(ask).fetchone() == (1,)
    lite, duck = str(tmp_path / "u.db"), str(tmp_path / "u.duckdb")
    for target in (lite, duck):
        assert migrate(pg_url, target).ok
    with sqlite3.connect(lite) as con_lite:
        assert con_lite.execute(ask).fetchone() == (1,)
    with duckdb.connect(duck) as con_duck:
        assert con_duck.execute(ask).fetchone() == (1,)


def test_timestamps_reach_sqlite_as_python_writes_them(
    pg_url: str, second_pg: str, tmp_path: Path
) -> None:
    """Django queries SQLite's date columns with ``str(datetime)``: a zero fraction written as
    '.000000' made ``=`` and ``<=`` on '2024-03-01 10:00:00' miss the row stored at that instant."""
    import datetime as dt

    _load(
        pg_url,
        "CREATE TABLE ev (id int PRIMARY KEY, at timestamp NOT NULL, tz timestamptz);"
        "INSERT INTO ev VALUES (1, '2024-03-01 10:00:00', '2024-03-01 10:00:00+00'),"
        " (2, '2024-03-01 10:00:00.5', '2024-03-01 10:00:00.000001+00'),"
        " (3, '2024-03-01 10:00:01', NULL)",
    )
    target = str(tmp_path / "dev.db")
    assert migrate(pg_url, target).ok
    assert verify(pg_url, target).ok
    con = sqlite3.connect(target)
    try:
        assert con.execute("SELECT at, tz FROM ev ORDER BY id").fetchall() == [
            ("2024-03-01 10:00:00", "2024-03-01 10:00:00+00:00"),
            ("2024-03-01 10:00:00.500000", "2024-03-01 10:00:00.000001+00:00"),
            ("2024-03-01 10:00:01", None),
        ]
        ten = str(dt.datetime(2024, 3, 1, 10))  # what Django binds
        assert con.execute("SELECT id FROM ev WHERE at = ?", (ten,)).fetchall() == [(1,)]
        assert con.execute("SELECT id FROM ev WHERE at <= ?", (ten,)).fetchall() == [(1,)]
        assert [r[0] for r in con.execute("SELECT id FROM ev ORDER BY at")] == [1, 2, 3]
        # A changed value is still caught; the fractionless form compares as its instant.
        con.execute("UPDATE ev SET at = '2024-03-01 10:00:00.000001' WHERE id = 1")
        con.commit()
        assert not verify(pg_url, target).ok
        con.execute("UPDATE ev SET at = '2024-03-01 10:00:00' WHERE id = 1")
        # The application's own rows then mix both forms; read back they are timestamps again.
        con.execute("INSERT INTO ev VALUES (4, ?, NULL)", (str(dt.datetime(2024, 3, 2, 9)),))
        con.commit()
    finally:
        con.close()
    report = migrate(target, second_pg)
    assert report.ok, [t.error for t in report.tables]
    assert verify(target, second_pg).ok
    assert _pg_text(second_pg, "ev", "pg_typeof(at)::text, at") == [
        ("timestamp without time zone", dt.datetime(2024, 3, 1, 10)),
        ("timestamp without time zone", dt.datetime(2024, 3, 1, 10, 0, 0, 500000)),
        ("timestamp without time zone", dt.datetime(2024, 3, 1, 10, 0, 1)),
        ("timestamp without time zone", dt.datetime(2024, 3, 2, 9)),
    ]


def test_an_interval_past_arrows_nanoseconds_is_named_and_carried_as_text_when_cast(
    pg_url: str, tmp_path: Path
) -> None:
    _load(
        pg_url,
        "CREATE TABLE iv (id int PRIMARY KEY, iv interval);"
        "INSERT INTO iv VALUES (1, '2562048 hours'), (2, '-2562047788 hours -0.000001 sec'),"
        " (3, '-1 year -2 mons +3 days -04:05:06.789'), (4, NULL), (5, '1 day -24:00:00')",
    )
    out = str(tmp_path / "iv.db")
    report = migrate(pg_url, out)
    assert not report.ok
    error = report.tables[0].error or ""
    assert "column 'iv'" in error and "casts={'iv.iv': 'text'}" in error
    config = MigrationConfig(casts=(("iv", "iv", "text"),))
    report = migrate(pg_url, out, config=config)
    assert report.ok, [t.error for t in report.tables]
    con = sqlite3.connect(out)
    try:
        got = [r[0] for r in con.execute("SELECT iv FROM iv ORDER BY id")]
    finally:
        con.close()
    # The text arrowmig writes for any interval cast to text, every microsecond kept.
    assert got == [
        "0 mons 0 days 9223372800.0 secs",
        "0 mons 0 days -9223372036800.000001 secs",
        "-14 mons 3 days -14706.789 secs",
        None,
        "0 mons 1 days -86400.0 secs",
    ]


def test_a_timestamp_past_arrows_years_is_named_and_carried_as_text_when_cast(
    pg_url: str, tmp_path: Path
) -> None:
    # The way past the failure, as its message names it: --cast T.C=text. The cast was
    # reported as applied while the driver still read the timestamp and failed the table.
    # Both columns hold such a value: one failure names both, and the casts it names are all
    # the next run needs (not one column found a run).
    _load(
        pg_url,
        "CREATE TABLE far (id int PRIMARY KEY, ts timestamp, tz timestamptz(3));"
        "INSERT INTO far VALUES (1, '294276-12-31 23:59:59.25', '294276-12-30 23:59:59+00'),"
        " (2, '2024-01-02 03:04:05', '2024-01-02 03:04:05.5+05'), (3, 'infinity', '-infinity'),"
        " (4, '0044-03-15 12:00:00.000001 BC', '0001-06-01 00:00+00 BC'), (5, NULL, NULL)",
    )
    failed = migrate(pg_url, str(tmp_path / "failed.db"))
    error = failed.tables[0].error or ""
    assert "column 'ts'" in error and "column 'tz' holds one too" in error
    named = re.findall(r"'far\.(\w+)': 'text'", error)
    assert named == ["ts", "tz"]
    # The text arrowmig writes for any timestamp cast to text (astronomical years), the
    # values past Arrow's range written alike.
    expected = [
        ("294276-12-31 23:59:59.250000", "294276-12-30 23:59:59+00:00"),
        ("2024-01-02 03:04:05", "2024-01-01 22:04:05.500000+00:00"),
        ("infinity", "-infinity"),
        ("-0043-03-15 12:00:00.000001", "0000-06-01 00:00:00+00:00"),
        (None, None),
    ]
    config = MigrationConfig(casts=tuple(("far", c, "text") for c in named))
    out = str(tmp_path / "far.db")
    report = migrate(pg_url, out, config=config)
    assert report.ok, [t.error for t in report.tables]
    con = sqlite3.connect(out)
    try:
        assert con.execute("SELECT ts, tz FROM far ORDER BY id").fetchall() == expected
    finally:
        con.close()
    onward = str(tmp_path / "far.duckdb")
    assert migrate(pg_url, onward, config=config).ok
    duck = duckdb.connect(onward, read_only=True)
    try:
        assert duck.execute("SELECT ts, tz FROM far ORDER BY id").fetchall() == expected
    finally:
        duck.close()


def test_network_addresses_arrive_as_postgresql_shows_them(
    pg_url: str, second_pg: str, tmp_path: Path
) -> None:
    # inet's cast to text writes a host's netmask ('10.1.0.2/32'), where psql, COPY and
    # pg_dump show '10.1.0.2': the copies held a form PostgreSQL itself never shows.
    _load(
        pg_url,
        "CREATE TABLE net (id int PRIMARY KEY, i inet, c cidr, m macaddr, m8 macaddr8);"
        "INSERT INTO net VALUES (1, '10.1.0.2', '10.1.0.0/24', '08-00-2b-01-02-03', "
        "'08002b010203'), (2, '10.1.0.2/24', '10.1.0.2/32', NULL, '08:00:2b:01:02:03:04:05'),"
        " (3, '::1', '2001:db8::/32', NULL, NULL), (4, '2001:db8::1/64', NULL, NULL, NULL)",
    )
    with (
        psycopg.connect(pg_url) as con,
        con.cursor() as cur,
        cur.copy("COPY net TO STDOUT") as copy,
    ):
        shown = b"".join(bytes(chunk) for chunk in copy).decode()
    expected = [
        tuple(None if v == "\\N" else v for v in line.split("\t")[1:])
        for line in shown.splitlines()
    ]
    assert expected[0] == (
        "10.1.0.2",
        "10.1.0.0/24",
        "08:00:2b:01:02:03",
        "08:00:2b:ff:fe:01:02:03",
    )
    out, onward = str(tmp_path / "net.db"), str(tmp_path / "net.duckdb")
    for target in (out, onward, second_pg):
        assert migrate(pg_url, target).ok
        assert verify(pg_url, target).ok
    con = sqlite3.connect(out)
    try:
        assert con.execute("SELECT i, c, m, m8 FROM net ORDER BY id").fetchall() == expected
        con.execute("UPDATE net SET i = '10.1.0.3' WHERE id = 1")
        con.commit()
    finally:
        con.close()
    duck = duckdb.connect(onward, read_only=True)
    try:
        assert duck.execute("SELECT i, c, m, m8 FROM net ORDER BY id").fetchall() == expected
    finally:
        duck.close()
    assert _pg_text(second_pg, "net", "i::text, c::text") == _pg_text(
        pg_url, "net", "i::text, c::text"
    )
    (table,) = verify(pg_url, out).tables
    assert table.result == "differ" and table.differing_columns == ["i"]


def _planned_flags(pg_url: str, out: str, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    """Each column's flags in ``plan --json`` of the one table there is, joined."""
    capsys.readouterr()
    assert main(["plan", pg_url, out, "--json"]) == 0
    (planned,) = json.loads(capsys.readouterr().out)["tables"]
    return {c["name"]: " ".join(c["flags"]) for c in planned["columns"]}


def test_exact_numbers_kept_as_sqlite_text_are_flagged_with_the_way_to_numbers(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # numeric(5,2) arrives in SQLite as its exact text, which SQLite compares as text:
    # WHERE price > 9 found one row of three, silently, with no flag in the plan.
    _load(
        pg_url,
        "CREATE TABLE p (id int PRIMARY KEY, price numeric(5,2), n int, whole numeric(30,0));"
        "INSERT INTO p VALUES (1, 9.99, 1, 5), (2, 10.50, 2, 12), (3, 28.99, 3, 7)",
    )
    out = str(tmp_path / "p.db")
    flags = _planned_flags(pg_url, out, capsys)
    assert "SQLite compares" in flags["price"] and "--cast p.price=double" in flags["price"]
    assert "--cast p.whole=bigint" in flags["whole"]
    assert flags["n"] == "" and flags["id"] == ""
    report = migrate(pg_url, out)
    said = " | ".join(report.tables[0].notes)
    assert "price: exact numbers kept as TEXT" in said and "n: " not in said
    con = sqlite3.connect(out)
    try:  # kept exact, as the note says, and compared as text
        assert con.execute("SELECT price FROM p ORDER BY id").fetchall() == [
            ("9.99",),
            ("10.50",),
            ("28.99",),
        ]
    finally:
        con.close()
    # The way the note gives: numbers, which SQLite compares as PostgreSQL does.
    casts = (("p", "price", "double"), ("p", "whole", "bigint"))
    report = migrate(pg_url, out, config=MigrationConfig(mode="replace", casts=casts))
    assert report.ok and "exact numbers kept" not in " ".join(report.tables[0].notes)
    con = sqlite3.connect(out)
    try:
        got = con.execute("SELECT count(*), max(price), max(whole) FROM p WHERE price > 9")
        assert got.fetchone() == (3, 28.99, 12)  # as PostgreSQL answers
    finally:
        con.close()


def test_exact_numbers_kept_as_duckdb_varchar_are_flagged_with_the_way_to_numbers(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Rails' t.decimal is an unbounded numeric: VARCHAR in DuckDB, where max() of 9.99, 10.50
    # and 100 was '9.99' and sum() refused the column, with no flag (SQLite's TEXT had one).
    _load(
        pg_url,
        "CREATE TABLE inv (id int PRIMARY KEY, amount numeric NOT NULL, price numeric(5,2));"
        "INSERT INTO inv VALUES (1, 9.99, 1), (2, 10.50, 2), (3, 100, 3)",
    )
    out = str(tmp_path / "inv.duckdb")
    flags = _planned_flags(pg_url, out, capsys)
    assert "DuckDB compares" in flags["amount"] and "sum() refuses" in flags["amount"]
    assert "--cast 'inv.amount=decimal(38,s)'" in flags["amount"]
    assert "--cast inv.amount=double" in flags["amount"]
    assert flags["price"] == "" and flags["id"] == ""  # DECIMAL(5,2): numbers
    said = " | ".join(migrate(pg_url, out).tables[0].notes)
    assert "amount: exact numbers kept as VARCHAR" in said and "price: " not in said
    # The way the note gives: numbers, which DuckDB compares and adds as PostgreSQL does.
    config = MigrationConfig(mode="replace", casts=(("inv", "amount", "decimal(38,2)"),))
    report = migrate(pg_url, out, config=config)
    assert report.ok and "exact numbers kept" not in " ".join(report.tables[0].notes)
    con = duckdb.connect(out, read_only=True)
    try:
        got = con.execute("SELECT max(amount), sum(amount)::VARCHAR FROM inv").fetchone()
    finally:
        con.close()
    assert got is not None and (str(got[0]), got[1]) == ("100.00", "120.49")


def test_a_numeric_p_s_holding_nan_kept_as_sqlite_text_is_flagged_too(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # NaN sends numeric(12,4) down the "carried as its text" path: the column was TEXT in
    # SQLite (WHERE a > 9 found 2 rows of 3) with no flag, unlike an unconstrained numeric.
    _load(
        pg_url,
        "CREATE TABLE nn (id int PRIMARY KEY, a numeric(12,4), arr numeric(5,1)[]);"
        "INSERT INTO nn VALUES (1, 9.5, '{1.5}'), (2, 10.5, NULL), (3, 'NaN', NULL)",
    )
    out = str(tmp_path / "nn.db")
    flags = _planned_flags(pg_url, out, capsys)
    assert "holds NaN" in flags["a"] and "SQLite compares" in flags["a"]
    assert "--cast nn.a=double" in flags["a"]
    assert "SQLite compares" not in flags["arr"]  # JSON text, not a number
    said = " | ".join(migrate(pg_url, out).tables[0].notes)
    assert "a: exact numbers kept as TEXT" in said and "arr: exact" not in said


def test_money_stays_money_between_servers_that_write_it_alike(pg_url: str, second_pg: str) -> None:
    # pg_dump | psql keeps money; arrowmig made it numeric, so '$1.23' became '1.23'. Only
    # where the target writes money as the source does (the same lc_monetary) is it kept.
    _load(
        pg_url,
        "CREATE TABLE m (id int PRIMARY KEY, amt money);"
        "INSERT INTO m VALUES (1, 1.23), (2, '-92233720368547758.08'), (3, 1234.5), (4, NULL)",
    )
    shown = _pg_text(pg_url, "m", "amt::text")
    for direct in (True, False):  # the rows undecoded, and through Arrow
        report = migrate(pg_url, second_pg, config=MigrationConfig(mode="replace", direct=direct))
        assert report.ok and "money kept as money" in " ".join(report.tables[0].notes)
        assert _pg_text(second_pg, "m", "pg_typeof(amt)::text, amt::text") == [
            ("money", text) for (text,) in shown
        ]
        assert verify(pg_url, second_pg).ok
    _load(second_pg, "UPDATE m SET amt = 1.24 WHERE id = 1")
    assert verify(pg_url, second_pg).tables[0].differing_columns == ["amt"]
    # A target writing money otherwise gets its amount as numeric, as before, flagged.
    _load(second_pg, "DROP TABLE m")
    with psycopg.connect(second_pg, autocommit=True) as con:
        database = con.execute("SELECT current_database()").fetchone()
        assert database is not None
        here = con.execute("SHOW lc_monetary").fetchone()
        other = "C" if here != ("C",) else "POSIX"
        con.execute(f"ALTER DATABASE \"{database[0]}\" SET lc_monetary = '{other}'")
    report = migrate(pg_url, second_pg)
    assert report.ok and "money carried as its exact amount" in " ".join(report.tables[0].notes)
    assert _pg_text(second_pg, "m", "pg_typeof(amt)::text, amt::text")[0] == ("numeric", "1.23")


def test_a_failed_table_dropped_again_takes_the_types_it_created_with_it(
    pg_url: str, second_pg: str
) -> None:
    # The enum and domain the run created for the table stayed behind when the empty table
    # was dropped again. One the target had before, or another table uses, stays.
    _load(
        pg_url,
        "CREATE TYPE colour AS ENUM ('red', 'green'); CREATE TYPE size AS ENUM ('s', 'm');"
        "CREATE DOMAIN posint AS int CHECK (VALUE > 0);"
        "CREATE TABLE lo (id int PRIMARY KEY, c colour, p posint, s size, ts timestamp);"
        "INSERT INTO lo VALUES (1, 'red', 5, 's', '294276-01-01');"
        "CREATE TABLE ok (id int PRIMARY KEY, s size); INSERT INTO ok VALUES (1, 'm')",
    )
    _load(second_pg, "CREATE TYPE colour AS ENUM ('red', 'green')")  # the target's own
    report = migrate(pg_url, second_pg, config=MigrationConfig(casts=(("lo", "id", "bigint"),)))
    lo = next(t for t in report.tables if t.name == "lo")
    assert lo.status == "failed"
    with psycopg.connect(second_pg) as con:
        types = con.execute(
            "SELECT typname FROM pg_type WHERE typnamespace = 'public'::regnamespace "
            "AND typtype IN ('e', 'd') ORDER BY 1"
        ).fetchall()
    assert types == [("colour",), ("size",)]
    said = " ".join(lo.notes)
    assert 'with the types it created for it: "public"."posint"' in said
    assert 'types kept, as another table uses them: "public"."size"' in said

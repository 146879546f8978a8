"""``verify`` end to end on real SQLite, DuckDB and PostgreSQL holding the same rows in
different physical types, with one random mutation in the target (hypothesis picks it)."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import struct
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arrowmig.errors import ArrowmigError
from arrowmig.verifier import verify

PG_URL = os.environ.get("ARROWMIG_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
N = 120
COLUMNS = ("name", "score", "ts", "flag", "amount", "small")


def _row(i: int) -> tuple[Any, ...]:
    return (
        i,
        None if i % 11 == 0 else f"name {i}",
        None if i % 13 == 0 else (i % 40) * 0.25 - 3,  # exact in float32 too
        dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=37 * i, microseconds=i),
        i % 3 == 0,
        Decimal(i * 7) / 4 if i % 17 else None,
        i % 100,
    )


ROWS = [_row(i) for i in range(1, N + 1)]
EVENTS = [(i % 9, f"e{i % 4}") for i in range(40)]  # no key, with repeated rows


def _sqlite_values(r: tuple[Any, ...]) -> tuple[Any, ...]:
    ts = r[3].astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")
    amount = None if r[5] is None else f"{r[5]:.2f}"
    return (r[0], r[1], r[2], ts, int(r[4]), amount, r[6])


def _build_sqlite(path: Path) -> None:
    con = sqlite3.connect(path)
    con.execute(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, score REAL, ts TEXT, flag INTEGER, "
        "amount TEXT, small INTEGER)"
    )
    con.executemany("INSERT INTO t VALUES (?,?,?,?,?,?,?)", [_sqlite_values(r) for r in ROWS])
    con.execute("CREATE TABLE events (kind INTEGER, label TEXT)")
    con.executemany("INSERT INTO events VALUES (?,?)", EVENTS)
    con.commit()
    con.close()


def _build_duckdb(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute("SET TimeZone = 'UTC'")
    con.execute(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR, score FLOAT, ts TIMESTAMP, "
        "flag BOOLEAN, amount DECIMAL(12,2), small SMALLINT)"
    )
    naive = [(*r[:3], r[3].replace(tzinfo=None), *r[4:]) for r in ROWS]
    con.executemany("INSERT INTO t VALUES (?,?,?,?,?,?,?)", naive)
    con.execute("CREATE TABLE events (kind BIGINT, label VARCHAR)")
    con.executemany("INSERT INTO events VALUES (?,?)", EVENTS)
    con.close()


def _pg(url: str) -> Any:
    import psycopg

    return psycopg.connect(url, autocommit=True)


PG_DDL = (
    "CREATE TABLE {s}.t (id bigint PRIMARY KEY, name text, score double precision, "
    "ts timestamptz, flag boolean, amount numeric(12,2), small integer);"
    "CREATE TABLE {s}.events (kind integer, label text)"
)


@pytest.fixture(scope="module")
def pg_db() -> Iterator[str]:
    try:
        admin = _pg(PG_URL)
    except Exception as exc:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"PostgreSQL unreachable at {PG_URL}: {exc}")
    name = f"arrowmig_test_verify_{uuid.uuid4().hex[:8]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    url = PG_URL.rsplit("/", 1)[0] + "/" + name
    with _pg(url) as con:
        for stmt in PG_DDL.format(s="public").split(";"):
            con.execute(stmt)
        with con.cursor() as cur:
            cur.executemany("INSERT INTO t VALUES (%s,%s,%s,%s,%s,%s,%s)", ROWS)
            cur.executemany("INSERT INTO events VALUES (%s,%s)", EVENTS)
    try:
        yield url
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(scope="module")
def bases(tmp_path_factory: pytest.TempPathFactory, pg_db: str) -> dict[str, str]:
    root = tmp_path_factory.mktemp("verify")
    _build_sqlite(root / "base.db")
    _build_duckdb(root / "base.duckdb")
    return {"sqlite": str(root / "base.db"), "duckdb": str(root / "base.duckdb"), "pg": pg_db}


class Target:
    """A fresh copy of one base database to mutate, and how to write to it."""

    def __init__(self, kind: str, bases: dict[str, str], work: Path) -> None:
        self.kind = kind
        self.schema: str | None = None
        if kind == "pg":
            self.url = bases["pg"]
            self.schema = "mutated"
            with _pg(self.url) as con:
                con.execute("DROP SCHEMA IF EXISTS mutated CASCADE")
                con.execute("CREATE SCHEMA mutated")
                for stmt in PG_DDL.format(s="mutated").split(";"):
                    con.execute(stmt)
                con.execute("INSERT INTO mutated.t SELECT * FROM public.t")
                con.execute("INSERT INTO mutated.events SELECT * FROM public.events")
        else:
            suffix = ".db" if kind == "sqlite" else ".duckdb"
            self.url = str(work / f"target{suffix}")
            shutil.copy(bases[kind], self.url)

    def run(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        if self.kind == "pg":
            with _pg(self.url) as con:
                con.execute("SET search_path = mutated")
                con.execute(sql.replace("?", "%s"), params)
        elif self.kind == "sqlite":
            scon = sqlite3.connect(self.url)
            scon.execute(sql, params)
            scon.commit()
            scon.close()
        else:
            dcon = duckdb.connect(self.url)
            dcon.execute("SET TimeZone = 'UTC'")
            dcon.execute(sql, list(params))
            dcon.close()

    def value(self, column: str, r: tuple[Any, ...]) -> Any:
        """The value of ``column`` in base row ``r`` as this target stores it."""
        i = 1 + COLUMNS.index(column)
        if self.kind == "sqlite":
            return _sqlite_values(r)[i]
        if self.kind == "duckdb" and column == "ts":
            return r[i].replace(tzinfo=None)
        return r[i]


def _changed(target: Target, column: str, old: Any) -> Any:
    """A value different from ``old`` that the target's column can hold exactly."""
    if column == "name":
        return "changed" if old is None else old + "!"
    if column == "score":
        if old is None:
            return 1.0
        fmt = "<f" if target.kind == "duckdb" else "<d"
        ifmt = "<i" if target.kind == "duckdb" else "<q"
        (bits,) = struct.unpack(ifmt, struct.pack(fmt, old))
        return struct.unpack(fmt, struct.pack(ifmt, bits + 1))[0]  # the last bit
    if column == "ts":
        if isinstance(old, str):
            return (dt.datetime.fromisoformat(old) + dt.timedelta(microseconds=1)).isoformat(
                sep=" "
            )
        return old + dt.timedelta(microseconds=1)
    if column == "flag":
        return (1 - old) if isinstance(old, int) and not isinstance(old, bool) else not old
    if column == "amount":
        if old is None:
            return "0.01" if target.kind == "sqlite" else Decimal("0.01")
        if isinstance(old, str):
            return f"{Decimal(old) + Decimal('0.01'):.2f}"
        return old + Decimal("0.01")
    return old + 1


def _shift(target: Target, old: Any) -> Any:
    """The timestamp as if read in another time zone: one hour off."""
    if isinstance(old, str):
        return (dt.datetime.fromisoformat(old) + dt.timedelta(hours=1)).isoformat(sep=" ")
    return old + dt.timedelta(hours=1)


PAIRS = [
    ("sqlite", "pg"),
    ("sqlite", "duckdb"),
    ("duckdb", "pg"),
    ("pg", "sqlite"),
    ("pg", "duckdb"),
    ("duckdb", "sqlite"),
]
MUTATIONS = ("change", "delete", "duplicate", "swap", "null", "shift")


def _url(kind: str, bases: dict[str, str]) -> str:
    return bases[kind]


@pytest.mark.postgres
@pytest.mark.parametrize(("source", "target"), PAIRS)
def test_unmutated_pairs_match(
    source: str, target: str, bases: dict[str, str], tmp_path: Path
) -> None:
    tgt = Target(target, bases, tmp_path)
    report = verify(bases[source], tgt.url, target_schema=tgt.schema, level="diff")
    assert report.ok, report.to_dict()
    assert report.exit_code == 0
    assert {t.name: t.rows_source for t in report.tables} == {"t": N, "events": len(EVENTS)}


@pytest.mark.postgres
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    pair=st.sampled_from(PAIRS),
    mutation=st.sampled_from(MUTATIONS),
    row=st.integers(min_value=1, max_value=N),
    other=st.integers(min_value=1, max_value=N),
    column=st.sampled_from(COLUMNS),
    level=st.sampled_from(["checksum", "diff"]),
)
def test_one_mutation_is_caught(
    pair: tuple[str, str],
    mutation: str,
    row: int,
    other: int,
    column: str,
    level: str,
    bases: dict[str, str],
    tmp_path: Path,
) -> None:
    source, kind = pair
    tgt = Target(kind, bases, tmp_path)
    table, keys = "t", {row}
    r = ROWS[row - 1]
    col = f'"{column}"'
    if mutation == "change":
        tgt.run(
            f"UPDATE t SET {col} = ? WHERE id = ?",
            (_changed(tgt, column, tgt.value(column, r)), row),
        )
    elif mutation == "delete":
        tgt.run("DELETE FROM t WHERE id = ?", (row,))
    elif mutation == "duplicate":
        table, keys = "events", set()
        kind_value, label = EVENTS[row % len(EVENTS)]
        tgt.run("INSERT INTO events VALUES (?, ?)", (kind_value, label))
    elif mutation == "swap":
        mine = tgt.value(column, r)
        # the first row from `other` on whose value differs: a swap of equal values is none
        other = next(
            o
            for o in [*range(other, N + 1), *range(1, other)]
            if tgt.value(column, ROWS[o - 1]) != mine
        )
        theirs = tgt.value(column, ROWS[other - 1])
        tgt.run(f"UPDATE t SET {col} = ? WHERE id = ?", (theirs, row))
        tgt.run(f"UPDATE t SET {col} = ? WHERE id = ?", (mine, other))
        keys = {row, other}
    elif mutation == "null":
        old = tgt.value(column, r)
        new = None if old is not None else _changed(tgt, column, old)
        tgt.run(f"UPDATE t SET {col} = ? WHERE id = ?", (new, row))
    else:  # shift a timestamp by a time zone
        tgt.run('UPDATE t SET "ts" = ? WHERE id = ?', (_shift(tgt, tgt.value("ts", r)), row))

    report = verify(bases[source], tgt.url, target_schema=tgt.schema, level=level, max_diffs=5)
    assert report.exit_code == 1
    bad = {t.name: t for t in report.tables if not t.ok}
    assert set(bad) == {table}, report.to_dict()
    result = bad[table]
    if keys:
        found = {d.key["id"] for d in result.diffs if d.key}
        assert keys <= found, result.to_dict()
        if mutation in ("change", "null", "shift"):
            diff = next(d for d in result.diffs if d.key == {"id": row})
            assert diff.kind == "changed"
            assert diff.columns == ["ts" if mutation == "shift" else column]
        if mutation == "delete":
            assert result.diffs[0].kind == "missing in target"
    else:
        assert [d.kind for d in result.diffs] == ["extra in target"]
        assert result.diffs[0].target == {
            "kind": EVENTS[row % len(EVENTS)][0],
            "label": EVENTS[row % len(EVENTS)][1],
        }


def test_nothing_to_compare_is_not_a_match(tmp_path: Path) -> None:
    # "all tables match" over no table at all proved nothing: most likely the tables are in
    # another schema than the one read.
    source = tmp_path / "s.duckdb"
    con = duckdb.connect(str(source))
    con.execute("CREATE SCHEMA sales; CREATE TABLE sales.orders (id INTEGER)")
    con.close()
    target = tmp_path / "t.db"
    con_lite = sqlite3.connect(target)  # a database without tables (a 0-byte file is refused)
    con_lite.executescript("CREATE TABLE gone (a); DROP TABLE gone;")
    con_lite.close()
    with pytest.raises(ArrowmigError) as refused:
        verify(str(source), str(target))
    assert "nothing to compare: neither side has a table" in str(refused.value)
    assert "other schemas hold tables (source: sales)" in str(refused.value)
    assert "--source-schema" in str(refused.value)


def test_other_schemas_holding_tables_are_named_when_not_compared(tmp_path: Path) -> None:
    """After a run of --source-schema '*', the plain verify said "all tables match", exit 0,
    without a word of the schema it did not read, where a value differed."""
    from arrowmig.cli.verify import verify_command as verify_cli

    paths = [tmp_path / "s.duckdb", tmp_path / "t.duckdb"]
    for path, amount in zip(paths, ("10.00", "99.99"), strict=True):
        with duckdb.connect(str(path)) as con:
            con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t VALUES (1)")
            con.execute(
                "CREATE SCHEMA sales; CREATE TABLE sales.orders (id INTEGER, a DECIMAL(10,2))"
            )
            con.execute(f"INSERT INTO sales.orders VALUES (1, {amount})")
    source, target = map(str, paths)
    note = (
        "schema 'main' compared; other schemas hold tables and were not compared: sales "
        "(1 table) (compare them too with --source-schema main,sales, each against the target "
        "schema of its name)"
    )
    shown = CliRunner().invoke(verify_cli, [source, target, "--json"])
    assert shown.exit_code == 0
    assert shown.stderr.splitlines()[-2] == note
    assert json.loads(shown.stdout)["notes"] == [note]
    assert (
        CliRunner().invoke(verify_cli, [source, target, "--source-schema", "main,sales"]).exit_code
        == 1
    )
    # Tables named, or one schema picked, are what the user asked for: no note.
    assert verify(source, target, tables=["t"]).notes == []
    assert verify(source, target, source_schema="main").notes == []


def test_other_schemas_into_a_sqlite_file_are_advised_one_per_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A SQLite file has no schemas: verify advised --source-schema 'main,sales', "each
    against the target schema of its name", which listed the file's tables as missing in
    source under every schema."""
    from arrowmig.cli import main

    source, target = str(tmp_path / "s.duckdb"), str(tmp_path / "t.db")
    with duckdb.connect(source) as con:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t VALUES (1)")
        con.execute("CREATE SCHEMA sales; CREATE TABLE sales.orders (id INTEGER)")
    with sqlite3.connect(target) as con:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
        con.execute("INSERT INTO t VALUES (1)")
    assert verify(source, target).notes == [
        "schema 'main' compared; other schemas hold tables and were not compared: sales "
        "(1 table) (a SQLite file takes one schema per run: compare another with "
        "--source-schema sales)"
    ]
    assert main(["verify", source, target, "--source-schema", "main,sales"]) == 2
    assert capsys.readouterr().err == (
        "arrowmig: error: --source-schema 'main,sales': the target is a SQLite file, which has "
        "no schemas to compare each against; compare one schema per run, with "
        "--source-schema NAME, or name the tables with --tables\n"
    )


def test_rows_missing_on_one_side_are_said_without_naming_every_column(tmp_path: Path) -> None:
    """One row rejected made every column's checksum differ: verify said "columns that
    differ:" with all of them, where no value differs and a row is missing."""
    source, target = str(tmp_path / "s.db"), str(tmp_path / "t.duckdb")
    with sqlite3.connect(source) as con:
        for table in ("keyed", "keyless", "changed", "unkeyed_changed"):
            key = " PRIMARY KEY" if table != "keyless" else ""
            con.execute(f"CREATE TABLE {table} (id INTEGER{key}, v TEXT, n REAL)")
            con.executemany(f"INSERT INTO {table} VALUES (?, ?, ?)", [(1, "a", 1.5), (2, "b", 2.5)])
    with duckdb.connect(target) as con:
        for table in ("keyed", "keyless", "changed"):
            key = " PRIMARY KEY" if table != "keyless" else ""
            con.execute(f"CREATE TABLE {table} (id BIGINT{key}, v VARCHAR, n DOUBLE)")
            con.execute(f"INSERT INTO {table} VALUES (1, 'a', 1.5)")
        con.execute("INSERT INTO keyless VALUES (1, 'a', 1.5), (2, 'b', 2.5)")  # 1 extra row
        con.execute("INSERT INTO changed VALUES (2, 'B', 2.5)")
        con.execute("CREATE TABLE unkeyed_changed (id BIGINT, v VARCHAR, n DOUBLE)")  # no key
        con.execute("INSERT INTO unkeyed_changed VALUES (1, 'a', 1.5), (2, 'B', 2.5)")
    tables = {t.name: t for t in verify(source, target).tables}
    assert tables["keyed"].differing_columns == []
    assert tables["keyed"].message == (
        "rows missing in target: 1; no value of the rows both sides hold differs"
    )
    assert [(d["kind"], d["key"]) for d in tables["keyed"].to_dict()["diffs"]] == [
        ("missing in target", {"id": 2})
    ]
    assert tables["keyless"].differing_columns == []
    assert tables["keyless"].message == (
        "extra copies of a row in target: 1; no value of the rows both sides hold differs"
    )
    # A value changed, by key or (without one) a row missing on each side: columns named.
    assert tables["changed"].differing_columns == ["v"]
    assert tables["changed"].message is None
    assert tables["unkeyed_changed"].differing_columns == ["v"]
    assert tables["unkeyed_changed"].message is None
    assert all(t.result == "differ" for t in tables.values())


@pytest.mark.parametrize("target_kind", ["sqlite", "duckdb"])
def test_float_columns_without_a_value_are_compared(tmp_path: Path, target_kind: str) -> None:
    """An empty table, a REAL column of NULLs only, and a copy that lost every row: verify
    stopped each with "TypeError: int() argument must be ... not 'NoneType'" (DuckDB counts
    no -0.0 among no values as NULL)."""
    source = str(tmp_path / "s.db")
    target = str(tmp_path / ("t.db" if target_kind == "sqlite" else "t.duckdb"))
    tables = {
        "empty": [],
        "nulls": [(1, None), (2, None)],
        "emptied": [(1, 0.5)],
    }
    with sqlite3.connect(source) as con:
        for name, rows in tables.items():
            con.execute(f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, r REAL)")
            con.executemany(f"INSERT INTO {name} VALUES (?, ?)", rows)
    connect = sqlite3.connect if target_kind == "sqlite" else duckdb.connect
    con = connect(target)
    for name, rows in tables.items():
        con.execute(f"CREATE TABLE {name} (id BIGINT PRIMARY KEY, r DOUBLE)")
        if name != "emptied" and rows:
            con.executemany(f"INSERT INTO {name} VALUES (?, ?)", rows)
    if target_kind == "sqlite":
        con.commit()  # type: ignore[union-attr]
    con.close()
    results = {t.name: t for t in verify(source, target).tables}
    assert {n: t.result for n, t in results.items()} == {
        "empty": "match",
        "nulls": "match",
        "emptied": "differ",
    }
    assert results["emptied"].message == "rows missing in target: 1"


@pytest.mark.parametrize("max_diffs", [20, 0])
@pytest.mark.parametrize("target_kind", ["sqlite", "duckdb"])
def test_a_missing_row_beside_a_changed_value_names_only_the_changed_column(
    tmp_path: Path, target_kind: str, max_diffs: int
) -> None:
    """A row missing in the target and one value changed in another row: verify named every
    column, the key too (`columns that differ: id, a, b`), where only `a` differs in the rows
    both sides hold; between two SQLite files the storage classes' counts said so as well."""
    source = tmp_path / "s.db"
    rows = [(1, "x", "p"), (2, "y", "q"), (3, "z", "r")]
    with sqlite3.connect(source) as con:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT)")
        con.executemany("INSERT INTO t VALUES (?, ?, ?)", rows)
    if target_kind == "sqlite":
        target = tmp_path / "t.db"
        shutil.copy(source, target)
        with sqlite3.connect(target) as con:
            con.execute("DELETE FROM t WHERE id = 3")
            con.execute("UPDATE t SET a = 'Y' WHERE id = 2")
    else:
        target = tmp_path / "t.duckdb"
        with duckdb.connect(str(target)) as con:
            con.execute("CREATE TABLE t (id BIGINT PRIMARY KEY, a VARCHAR, b VARCHAR)")
            con.execute("INSERT INTO t VALUES (1, 'x', 'p'), (2, 'Y', 'q')")
    (table,) = verify(str(source), str(target), max_diffs=max_diffs).tables
    assert table.result == "differ"
    assert table.differing_columns == ["a"]
    assert table.differing_keys == 2
    assert table.message is None


@pytest.mark.parametrize(
    ("edit", "columns", "message"),
    [
        (
            "UPDATE nk SET c = 0.75 WHERE a = 4",
            ["c"],
            "rows missing in target: 1; rows missing in source: 1; extra copies of a row in "
            "target: 1 (without a key, a changed row is one of each)",
        ),
        (
            "DELETE FROM nk WHERE a = 4",
            [],
            "rows missing in target: 1; extra copies of a row in target: 1; "
            "no value of the rows both sides hold differs",
        ),
    ],
)
def test_a_duplicated_row_of_a_keyless_table_names_no_column(
    tmp_path: Path, edit: str, columns: list[str], message: str
) -> None:
    """A row duplicated in a table without a key, beside a changed value, named every column
    (its copy changes every column's checksum); beside a deleted row, it was taken for a
    changed value. Only the rows one side alone holds tell which columns differ."""
    source, target = tmp_path / "s.db", tmp_path / "t.db"
    for path in (source, target):
        with sqlite3.connect(path) as con:
            con.execute("CREATE TABLE nk (a INTEGER, b TEXT, c REAL)")
            con.execute("INSERT INTO nk VALUES (1, 'x', 1.5), (2, 'y', 2.5), (4, 'z', 0.5)")
    with sqlite3.connect(target) as con:
        con.execute("INSERT INTO nk VALUES (1, 'x', 1.5)")
        con.execute(edit)
    (table,) = verify(str(source), str(target)).tables
    assert table.result == "differ"
    assert table.differing_columns == columns
    assert table.message == message


@pytest.mark.parametrize(
    ("ts", "f", "differing"),
    [
        ("2024-01-02 00:00:00", 2, []),
        ("2024-01-02 00:00:01", 2, ["d"]),
        ("2024-01-02 00:00:00", 3, ["f"]),
    ],
)
def test_a_target_column_of_another_type_is_compared_by_value(
    tmp_path: Path, ts: str, f: int, differing: list[str]
) -> None:
    """README, normalisation: a target column altered to another type is compared by value
    under its pair's rule (a date as its midnight, a whole double as the integer), and the
    change of type itself is not reported."""
    source, target = tmp_path / "s.duckdb", tmp_path / "t.duckdb"
    with duckdb.connect(str(source)) as con:
        con.execute("CREATE TABLE e (id INTEGER PRIMARY KEY, d DATE, f DOUBLE)")
        con.execute("INSERT INTO e VALUES (1, '2024-01-02', 2.0)")
    with duckdb.connect(str(target)) as con:
        con.execute("CREATE TABLE e (id INTEGER PRIMARY KEY, d TIMESTAMP, f BIGINT)")
        con.execute("INSERT INTO e VALUES (1, ?, ?)", [ts, f])
    (table,) = verify(str(source), str(target), level="diff").tables
    assert table.differing_columns == differing
    assert table.result == ("differ" if differing else "match")
    assert table.message is None


def test_a_storage_class_changed_beside_a_missing_row_is_still_named(tmp_path: Path) -> None:
    """Rows one side lacks account for fewer values of a class, never for more of another:
    REAL 9.99 stored as TEXT '9.99' in a row both hold is named though a row is missing."""
    source, target = tmp_path / "s.db", tmp_path / "t.db"
    with sqlite3.connect(source) as con:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, amount BLOB)")
        con.executemany("INSERT INTO t VALUES (?, ?)", [(1, 9.99), (2, 5.5), (3, 1.25)])
    with sqlite3.connect(target) as con:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, amount BLOB)")
        con.executemany("INSERT INTO t VALUES (?, ?)", [(1, "9.99"), (2, 5.5)])
    (table,) = verify(str(source), str(target)).tables
    assert table.result == "differ"
    assert table.differing_columns == ["amount"]
    assert table.message is not None
    assert "amount: source 3 real, target 1 real and 1 text" in table.message


def test_max_diffs_0_says_rows_missing_and_lists_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--max-diffs 0 named every column of a table whose target lacks a row (no value of it
    differs): the keys were not looked for at all."""
    from arrowmig.cli import main

    source, target = str(tmp_path / "s.db"), str(tmp_path / "t.duckdb")
    with sqlite3.connect(source) as con:
        for table in ("keyed", "changed"):
            con.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, v TEXT)")
            con.executemany(f"INSERT INTO {table} VALUES (?, ?)", [(1, "a"), (2, "b")])
    with duckdb.connect(target) as con:
        for table in ("keyed", "changed"):
            con.execute(f"CREATE TABLE {table} (id BIGINT PRIMARY KEY, v VARCHAR)")
            con.execute(f"INSERT INTO {table} VALUES (1, 'a')")
        con.execute("INSERT INTO changed VALUES (2, 'B')")
    assert main(["verify", source, target, "--max-diffs", "0", "--json"]) == 1
    captured = capsys.readouterr()
    tables = {t["name"]: t for t in json.loads(captured.out)["tables"]}
    assert tables["keyed"]["differing_columns"] == []
    assert tables["keyed"]["message"] == (
        "rows missing in target: 1; no value of the rows both sides hold differs"
    )
    assert tables["changed"]["differing_columns"] == ["v"]
    # Counted, and not one row read back: the user asked for none.
    assert [(t["differing_keys"], t["diffs"]) for t in tables.values()] == [(1, []), (1, [])]
    err = captured.err
    assert "keyed: rows missing in target: 1; no value of the rows both sides hold differs" in err
    assert "keyed: 1 differing keys (not listed: --max-diffs 0)" in err
    assert "keyed: columns that differ" not in err
    assert "changed: columns that differ: v" in err
    assert "  missing in target" not in err and "  changed {" not in err


@pytest.mark.postgres
def test_missing_and_extra_tables_and_columns(bases: dict[str, str], tmp_path: Path) -> None:
    tgt = Target("duckdb", bases, tmp_path)
    tgt.run("DROP TABLE events")
    tgt.run("CREATE TABLE only_here (x INTEGER)")
    tgt.run("CREATE TABLE _arrowmig_checkpoints (x INTEGER)")
    tgt.run("ALTER TABLE t DROP COLUMN small")
    report = verify(bases["sqlite"], tgt.url)
    results = {t.name: t for t in report.tables}
    assert results["events"].result == "missing in target"
    assert results["only_here"].result == "missing in source"
    assert "_arrowmig_checkpoints" not in results
    assert results["t"].result == "differ" and results["t"].missing_columns == ["small"]
    assert report.exit_code == 1


@pytest.mark.postgres
def test_count_level(bases: dict[str, str], tmp_path: Path) -> None:
    tgt = Target("sqlite", bases, tmp_path)
    assert verify(bases["pg"], tgt.url, level="count").ok
    tgt.run("UPDATE t SET name = 'x' WHERE id = 3")
    assert verify(bases["pg"], tgt.url, level="count").ok  # counts cannot see values
    tgt.run("DELETE FROM t WHERE id = 3")
    report = verify(bases["pg"], tgt.url, level="count")
    assert [(t.name, t.rows_source, t.rows_target) for t in report.tables if not t.ok] == [
        ("t", N, N - 1)
    ]


@pytest.mark.postgres
def test_errors_and_exit_codes(bases: dict[str, str], tmp_path: Path) -> None:
    with pytest.raises(ArrowmigError) as info:
        verify(bases["sqlite"], bases["duckdb"], tables=["nope"])
    assert info.value.exit_code == 2
    with pytest.raises(ArrowmigError):
        verify(bases["sqlite"], "postgresql://postgres@127.0.0.1:1/none")
    with pytest.raises(ArrowmigError):
        verify(bases["sqlite"], bases["duckdb"], level="bogus")

    from arrowmig.cli.verify import command as verify_cli

    runner = CliRunner()
    ok = runner.invoke(verify_cli, [bases["sqlite"], bases["pg"], "--json"])
    assert ok.exit_code == 0, ok.output
    doc = json.loads(ok.stdout)
    assert doc["ok"] is True and {t["name"] for t in doc["tables"]} == {"t", "events"}
    assert "match" in ok.stderr

    tgt = Target("duckdb", bases, tmp_path)
    tgt.run("UPDATE t SET name = 'x' WHERE id = 5")
    bad = runner.invoke(verify_cli, [bases["sqlite"], tgt.url, "--tables", "t", "--json"])
    assert bad.exit_code == 1
    doc = json.loads(bad.stdout)
    assert doc["tables"][0]["diffs"][0]["key"] == {"id": 5}
    assert "changed" in bad.stderr

    # Errors go up to arrowmig.cli.main, which prints one line and exits with their code.
    missing = runner.invoke(verify_cli, [bases["sqlite"], tgt.url, "--tables", "nope"])
    assert isinstance(missing.exception, ArrowmigError) and missing.exception.exit_code == 2
    assert str(missing.exception).startswith("table 'nope' not found in ")  # as migrate says
    down = runner.invoke(verify_cli, [bases["sqlite"], "postgresql://postgres@127.0.0.1:1/x"])
    assert isinstance(down.exception, ArrowmigError) and down.exception.exit_code == 2


def test_source_only_table_is_a_difference(tmp_path: Path) -> None:
    """A table one side lacks is a difference, shown with the rows the other side has; the
    last line says how many tables differ of how many."""
    from arrowmig.cli.verify import verify_command as verify_cli

    a, b = tmp_path / "a.db", tmp_path / "b.duckdb"
    con = sqlite3.connect(a)
    con.execute("CREATE TABLE x (i INTEGER)")
    con.execute("CREATE TABLE y (i INTEGER)")
    con.execute("INSERT INTO y VALUES (1), (2), (3)")
    con.commit()
    con.close()
    duck = duckdb.connect(str(b))
    duck.execute("CREATE TABLE x (i BIGINT); CREATE TABLE z (i BIGINT); INSERT INTO z VALUES (7)")
    duck.close()
    report = verify(str(a), str(b), tables=["x", "y"])
    assert [(t.name, t.result) for t in report.tables] == [
        ("x", "match"),
        ("y", "missing in target"),
    ]
    assert report.exit_code == 1
    report = verify(str(a), str(b))
    assert [(t.name, t.result, t.rows_source, t.rows_target) for t in report.tables] == [
        ("x", "match", 0, 0),
        ("y", "missing in target", 3, None),
        ("z", "missing in source", None, 1),
    ]
    shown = CliRunner().invoke(verify_cli, [str(a), str(b)])
    assert shown.exit_code == 1
    lines = shown.output.splitlines()
    assert lines[3].split() == ["y", "3", "-", "0", "missing", "in", "target"]
    assert lines[4].split() == ["z", "-", "1", "0", "missing", "in", "source"]
    assert lines[-1].startswith("DIFFERENCES FOUND: 2 of 3 tables differ (")


def test_wide_differing_rows_are_listed_within_duckdbs_memory_limit(tmp_path: Path) -> None:
    # Listing differing rows re-reads a side and keeps the wanted keys. DuckDB took the
    # stream, guessed at one row, for the small side of its join and held every row of it:
    # under a memory limit smaller than the table, megabyte blobs made that fail.
    from arrowmig.checksum import DiffStore

    blobs = [(i, bytes([i]) * 1_000_000) for i in range(1, 41)]  # 40 MB against 16 MB
    schema = pa.schema([("id", pa.int64()), ("b", pa.binary())])
    key = ['hash("id")']
    store = DiffStore(str(tmp_path), memory_limit="16MB", threads=1)
    try:
        store.prepare("src", ["id"])
        store.prepare("tgt", ["id"])
        reader = pa.RecordBatchReader.from_batches(
            schema, (pa.record_batch([[i], [b]], schema=schema) for i, b in blobs[:20])
        )
        store.load(store.cursor(), "src", reader, ['hash("b")'], key, ["id"])
        total, rows = store.differences(1, 5)
        assert total == 20 and [r[3] for r in rows] == ["1", "2", "3", "4", "5"]
        assert len(store.differing_rows(5)) == 5
        reader = pa.RecordBatchReader.from_batches(
            schema, (pa.record_batch([[i], [b]], schema=schema) for i, b in blobs)
        )
        got = store.fetch_rows(store.cursor(), reader, ['hash("b")'], key)
    finally:
        store.close()
    assert sorted(values["id"] for _kh, _rh, _hashes, values in got) == [1, 2, 3, 4, 5]
    assert all(values["b"] == bytes([values["id"]]) * 1_000_000 for *_, values in got)


def test_long_values_are_cut_short_in_the_text_report(tmp_path: Path) -> None:
    from arrowmig.cli.verify import command as verify_cli

    a, b = tmp_path / "a.db", tmp_path / "b.db"
    for path, body in ((a, "x" * 50_000), (b, "y")):
        con = sqlite3.connect(path)
        con.execute("CREATE TABLE d (id INTEGER PRIMARY KEY, body TEXT)")
        con.execute("INSERT INTO d VALUES (1, ?)", (body,))
        con.commit()
        con.close()
    result = CliRunner().invoke(verify_cli, [str(a), str(b)])
    assert result.exit_code == 1
    line = next(x for x in result.stderr.splitlines() if x.startswith("  changed"))
    assert line.endswith("... (50,000 characters) -> 'y'") and len(line) < 200
    shown = CliRunner().invoke(verify_cli, [str(a), str(b), "--json"])
    doc = json.loads(shown.stdout)
    assert doc["tables"][0]["diffs"][0]["source"]["body"] == "x" * 50_000  # JSON: whole


@pytest.mark.postgres
def test_views_copied_by_name_are_verified(pg_url: str, tmp_path: Path, capsys: Any) -> None:
    # migrate copies a named view's rows; verify read only base tables on the source side,
    # so such a copy was "missing in source" and could never pass.
    from arrowmig.cli import main

    from .dbutil import pg_exec

    pg_exec(
        pg_url,
        "CREATE TABLE f (id integer PRIMARY KEY)",
        "INSERT INTO f VALUES (1), (2)",
        "CREATE VIEW fl AS SELECT * FROM f",
        "CREATE MATERIALIZED VIEW ml AS SELECT * FROM f",
    )
    target = str(tmp_path / "v.duckdb")
    code = main(["migrate", pg_url, target, "--tables", "fl,ml", "--verify", "--progress", "none"])
    assert code == 0, capsys.readouterr().err
    report = verify(pg_url, target, tables=["fl", "ml"])
    assert [(t.name, t.result, t.rows_source) for t in report.tables] == [
        ("fl", "match", 2),
        ("ml", "match", 2),
    ]


def test_exclude_leaves_a_table_out_and_refuses_a_name_the_source_lacks(tmp_path: Path) -> None:
    # verify had no --exclude (migrate has one): it takes the same names, by the same rules.
    from arrowmig.cli.verify import command as verify_cli

    a, b = tmp_path / "a.db", tmp_path / "b.db"
    for path, kv in ((a, "x"), (b, "changed")):
        con = sqlite3.connect(path)
        con.execute('CREATE TABLE "Orders" (id INTEGER PRIMARY KEY)')
        con.execute("CREATE TABLE kv (k INTEGER PRIMARY KEY, v TEXT)")
        con.execute("INSERT INTO kv VALUES (1, ?)", (kv,))
        con.commit()
        con.close()
    runner = CliRunner()
    left_out = runner.invoke(verify_cli, [str(a), str(b), "--exclude", "kv", "--json"])
    assert left_out.exit_code == 0, left_out.output
    assert [t["name"] for t in json.loads(left_out.stdout)["tables"]] == ["Orders"]
    assert runner.invoke(verify_cli, [str(a), str(b)]).exit_code == 1  # kv differs
    mistyped = runner.invoke(verify_cli, [str(a), str(b), "--exclude", "orders"])
    assert isinstance(mistyped.exception, ArrowmigError) and mistyped.exception.exit_code == 2
    assert "'orders' named by --exclude not found" in str(mistyped.exception)
    assert "did you mean 'Orders'?" in str(mistyped.exception)


def test_sqlite_files_whose_values_read_alike_but_differ_in_storage_class_differ(
    tmp_path: Path,
) -> None:
    """REAL 9.99 and TEXT '9.99' read as the same text, yet SQLite queries answer differently
    for them (``amount > 10``): between two SQLite files the classes are compared too."""
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    for path, second in ((a, "9.99"), (b, "'9.99'")):
        con = sqlite3.connect(path)
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, amount, note TEXT)")
        con.execute(f"INSERT INTO t VALUES (1, 12.5, 'x'), (2, {second}, 'y'), (3, 'abc', 'z')")
        con.commit()
        con.close()
    report = verify(str(a), str(b))
    (table,) = report.tables
    assert table.result == "differ" and report.exit_code == 1
    assert table.differing_columns == ["amount"]
    assert table.message == (
        "storage classes differ: amount: source 2 real and 1 text, target 1 real and 2 text"
    )
    assert verify(str(a), str(a)).exit_code == 0


@pytest.mark.postgres
def test_reals_sqlite_prints_with_an_exponent_match_the_exact_numbers_they_became(
    pg_url: str, tmp_path: Path
) -> None:
    """A SQLite NUMERIC column of integers past 2^53 and reals is copied as exact numbers;
    SQLite prints a real below 1e-4 or from 1e15 with an exponent ('1.0e-05'), which the
    target holds written out ('0.000010'): the same number, by the rule for doubles."""
    from arrowmig import migrate

    source = tmp_path / "m.db"
    con = sqlite3.connect(source)
    con.execute("CREATE TABLE m (id INTEGER PRIMARY KEY, n NUMERIC)")
    con.execute(
        "INSERT INTO m VALUES (1, 123456789012345678), (2, 1e-5), (3, 1.2345678901234567e20),"
        " (4, 0.30000000000000004), (5, -2.5e-7), (6, 1e15), (7, 5e-324)"
    )
    con.commit()
    con.close()
    duck = str(tmp_path / "m.duckdb")
    for target in (pg_url, duck):
        assert migrate(str(source), target).ok, target
        assert verify(str(source), target, level="diff").exit_code == 0, target
    with _pg(pg_url) as pg:
        pg.execute("UPDATE m SET n = 0.000011 WHERE id = 2")
        pg.execute("UPDATE m SET n = 123456789012345670001 WHERE id = 3")
    report = verify(str(source), pg_url)
    assert report.exit_code == 1
    assert [(d.key, d.columns) for d in report.tables[0].diffs] == [
        ({"id": 2}, ["n"]),
        ({"id": 3}, ["n"]),
    ]


@pytest.mark.postgres
def test_a_sqlite_target_must_hold_the_classes_and_texts_arrowmig_writes(
    pg_url: str, tmp_path: Path
) -> None:
    """Read by meaning, 'yes' is true and '2024-1-1' a date; SQLite's own queries (``WHERE
    b``, ``date(d)``, ``u = '...'``) answer otherwise. A SQLite copy of another engine's
    rows must hold the storage class and the exact text arrowmig writes."""
    from arrowmig import migrate

    with _pg(pg_url) as pg:
        pg.execute(
            "CREATE TABLE t (id int PRIMARY KEY, b boolean, d date, u uuid, bl bytea,"
            " ts timestamp, tz timestamptz, tm time, n int, x text);"
            "INSERT INTO t VALUES (1, true, '2024-01-01', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',"
            " '\\x6162', '2024-01-01 12:00:00', '2024-01-01 12:00:00.5+02', '12:34:56.789', 7,"
            " 'a'), (2, false, '5874897-12-31', NULL, NULL, '4713-01-01 00:00:00 BC',"
            " 'infinity', '24:00:00', 0, 'b')"
        )
    target = tmp_path / "t.db"
    assert migrate(pg_url, str(target)).ok
    assert verify(pg_url, str(target), level="diff").exit_code == 0
    con = sqlite3.connect(target)
    con.execute(
        "UPDATE t SET b = 'yes', d = '2024-1-1', u = upper(u), bl = CAST(bl AS TEXT),"
        " ts = '2024-01-01T12:00:00Z', tz = '2024-01-01 10:00:00.5+00:00',"
        " tm = '12:34:56.789' WHERE id = 1"
    )
    con.execute("UPDATE t SET n = '0', x = x'62' WHERE id = 2")  # '0' is stored as 0 again
    con.commit()
    con.close()
    for level in ("checksum", "diff"):
        report = verify(pg_url, str(target), level=level)
        (table,) = report.tables
        assert report.exit_code == 1 and table.result == "differ"
        assert table.differing_columns == ["b", "d", "u", "bl", "ts", "tz", "tm", "x"]
        assert table.message == (
            "SQLite holds other values than arrowmig writes: "
            "b: 1 text where arrowmig writes integer (first id = 1); "
            "d: 1 text not in the form arrowmig writes, YYYY-MM-DD (first id = 1); "
            "u: 1 text not in the form arrowmig writes, lower-case 8-4-4-4-12 hex (first id = 1); "
            "bl: 1 text where arrowmig writes blob (first id = 1); "
            "ts: 1 text not in the form arrowmig writes, YYYY-MM-DD HH:MM:SS[.ffffff] "
            "(first id = 1); "
            "tz: 1 text not in the form arrowmig writes, YYYY-MM-DD HH:MM:SS[.ffffff]+00:00 "
            "(first id = 1); "
            "tm: 1 text not in the form arrowmig writes, HH:MM:SS.ffffff (first id = 1); "
            "x: 1 blob where arrowmig writes text (first id = 2)"
        )


@pytest.mark.postgres
def test_an_append_into_a_sqlite_schema_declared_otherwise_is_compared_by_value(
    pg_url: str, tmp_path: Path
) -> None:
    """Django's schema declares its own types; an append writes values as into a created
    table. verify held such columns to the declared types and said 'differ' on a correct
    copy (migrate --verify then exited 1)."""
    from arrowmig import MigrationConfig, migrate

    with _pg(pg_url) as pg:
        pg.execute(
            "CREATE TABLE ev (id int PRIMARY KEY, at timestamptz, ratio float8, raw bytea);"
            "INSERT INTO ev VALUES (1, '2024-01-01 12:00:00+00', 0.5, '\\x6162')"
        )
    target = tmp_path / "dj.db"
    con = sqlite3.connect(target)
    con.execute("CREATE TABLE ev (id integer PRIMARY KEY, at timestamp, ratio integer, raw text)")
    con.close()
    assert migrate(pg_url, str(target), config=MigrationConfig(mode="append")).ok
    report = verify(pg_url, str(target))
    assert report.exit_code == 0, report.tables[0].message


def test_a_sqlite_copy_of_duckdb_values_holds_what_arrowmig_writes(tmp_path: Path) -> None:
    """Every kind DuckDB hands over, years past 9999 and infinities included, matches the
    classes and text forms verify expects of a SQLite target."""
    from arrowmig import migrate

    source, target = tmp_path / "k.duckdb", tmp_path / "k.db"
    con = duckdb.connect(str(source))
    con.execute(
        "CREATE TABLE k (id INTEGER PRIMARY KEY, u UUID, tns TIMESTAMP_NS, ts_s TIMESTAMP_S,"
        " tms TIMESTAMP_MS, t TIME, tz TIMESTAMPTZ, d DATE, h HUGEINT, ub UBIGINT, bl BLOB,"
        " b BOOLEAN, dec DECIMAL(10,3), l INTEGER[], iv INTERVAL, f FLOAT, ts TIMESTAMP)"
    )
    con.execute(
        "INSERT INTO k VALUES (1, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',"
        " '2024-01-01 12:00:00.123456789', '2024-01-01 12:00:00', '2024-01-01 12:00:00.5',"
        " '12:00:00.25', '2024-01-01 12:00:00+02', '2024-01-01', 2::HUGEINT ** 100,"
        " 18446744073709551615, 'ab'::BLOB, true, 1.5, [1, 2], INTERVAL 1 DAY, 1.5,"
        " '2024-01-01 12:00:00.000001'), (2, NULL, '2024-01-01 12:00:00.123456',"
        " '-0044-03-15 00:00:00', '2024-01-01 12:00:00', '00:00:00', 'infinity', '-infinity',"
        " NULL, NULL, NULL, false, NULL, NULL, NULL, NULL, '12345-01-01 00:00:00'),"
        " (3, NULL, '2024-01-01 12:00:00', NULL, NULL, NULL, NULL, '12345-06-07', NULL, NULL,"
        " NULL, NULL, NULL, NULL, NULL, NULL, '-infinity')"
    )
    con.close()
    assert migrate(str(source), str(target)).ok
    report = verify(str(source), str(target), level="diff")
    assert report.exit_code == 0, report.tables[0].message
    lite = sqlite3.connect(target)
    lite.execute("UPDATE k SET tns = '2024-01-01 12:00:00.123456000' WHERE id = 3")
    lite.commit()
    lite.close()
    (table,) = verify(str(source), str(target)).tables
    assert table.differing_columns == ["tns"]
    assert table.message == (
        "SQLite holds other values than arrowmig writes: tns: 1 text not in the form arrowmig "
        "writes, YYYY-MM-DD HH:MM:SS[.ffffff[fff]] (first id = 3)"
    )


def _one_row_files(tmp_path: Path, column: str, values: tuple[Any, Any]) -> tuple[Path, Path]:
    a, b = tmp_path / f"a_{column}.db", tmp_path / f"b_{column}.db"
    for path, value in zip((a, b), values, strict=True):
        con = sqlite3.connect(path)
        con.execute(f"CREATE TABLE d (id INTEGER PRIMARY KEY, v {column})")
        con.execute("INSERT INTO d VALUES (1, ?)", (value,))
        con.commit()
        con.close()
    return a, b


def test_a_blob_too_long_to_read_back_is_shown_by_size_and_digest(tmp_path: Path) -> None:
    # Rows of blobs of tens of MB made the row-diff step run out of its store's memory: a
    # value past a MiB is read back as its size and MD5, enough to tell the two apart.
    import hashlib

    from arrowmig.cli.verify import command as verify_cli

    blob = bytes(range(256)) * 8192  # 2 MiB
    changed = blob[:1000] + b"\x00" + blob[1001:]
    a, b = _one_row_files(tmp_path, "BLOB", (blob, changed))
    result = CliRunner().invoke(verify_cli, [str(a), str(b)])
    assert result.exit_code == 1
    line = next(x for x in result.stderr.splitlines() if x.startswith("  changed"))
    md5 = hashlib.md5(blob).hexdigest(), hashlib.md5(changed).hexdigest()
    assert line == (
        f"  changed {{'id': 1}}: v: <blob of 2,097,152 bytes, MD5 {md5[0]}> -> "
        f"<blob of 2,097,152 bytes, MD5 {md5[1]}>"
    )


def test_long_values_alike_at_first_say_where_they_part(tmp_path: Path) -> None:
    from arrowmig.cli.verify import command as verify_cli

    text = "x" * 5000
    a, b = _one_row_files(tmp_path, "TEXT", (text, text[:4000] + "y" + text[4001:]))
    line = next(
        x
        for x in CliRunner().invoke(verify_cli, [str(a), str(b)]).stderr.splitlines()
        if x.startswith("  changed")
    )
    assert line.endswith("(first differing character at offset 4,000)"), line
    a, b = _one_row_files(tmp_path, "BLOB", (b"x" * 5000, b"x" * 1234 + b"y" + b"x" * 3765))
    line = next(
        x
        for x in CliRunner().invoke(verify_cli, [str(a), str(b)]).stderr.splitlines()
        if x.startswith("  changed")
    )
    assert line.endswith("(first differing byte at offset 1,234)"), line


def test_keys_not_read_back_after_an_error_are_not_blamed_on_max_diffs() -> None:
    from arrowmig.cli.verify import _details
    from arrowmig.verify_report import ERROR, TableResult

    result = TableResult("photos", "photos", ERROR)
    result.message = "OutOfMemoryException: Out of Memory Error"
    result.differing_keys, result.key = 1, ["id"]
    lines = _details(result.to_dict(), "photos")
    assert "photos: 1 differing keys (not listed: the error above stopped reading them)" in lines


def test_a_count_says_it_compared_no_column(tmp_path: Path) -> None:
    """``--level count`` reads no value: its report said 2 columns checked."""
    source, target = str(tmp_path / "s.db"), str(tmp_path / "t.db")
    for path in (source, target):
        with sqlite3.connect(path) as con:
            con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
            con.execute("INSERT INTO t VALUES (1, 'a')")
    counted = verify(source, target, level="count").tables[0]
    summed = verify(source, target).tables[0]
    assert (counted.result, counted.columns_checked) == ("match", 0)
    assert (summed.result, summed.columns_checked) == ("match", 2)


def test_a_changed_row_naming_no_column_lists_only_the_values_apart() -> None:
    """A changed row whose columns were not named (its values hash alike, yet the row was
    marked) was listed with every column, equal values too: email: 'a' -> 'a'."""
    from arrowmig.cli.verify import _details
    from arrowmig.verify_report import CHANGED, DIFFER, RowDiff, TableResult

    result = TableResult("u", "u", DIFFER)
    result.differing_keys, result.key = 1, ["id"]
    source = {"id": "3fe8", "email": "a", "n": 1}
    result.diffs = [RowDiff(CHANGED, {"id": "3fe8"}, source, {**source, "id": "3FE8"}, [], 1, 1)]
    listed = [x for x in _details(result.to_dict(), "u") if x.startswith("  changed")]
    assert listed == ["  changed {'id': '3fe8'}: id: '3fe8' -> '3FE8'"]

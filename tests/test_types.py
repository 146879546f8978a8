"""The type plan: what profiling picks per column, what `plan --json` shows, --cast, rejects
and their replay, and the round trips PostgreSQL -> SQLite and DuckDB -> PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import shlex
import sqlite3
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pytest

from arrowmig import migrate, verify
from arrowmig.cli import main
from arrowmig.config import BatchConfig, MigrationConfig
from arrowmig.endpoints import open_endpoint
from arrowmig.endpoints.validate import screen_batch
from arrowmig.errors import UsageError
from arrowmig.migrate import explain
from arrowmig.rejects import RejectWriter, decode_value, encode_value, file_safe
from tests.dbutil import duckdb_rows


def _sqlite(path: Path, script: str, rows: dict[str, list[tuple[Any, ...]]] | None = None) -> str:
    con = sqlite3.connect(path)
    con.executescript(script)
    for table, values in (rows or {}).items():
        marks = ", ".join("?" * len(values[0]))
        con.executemany(f'INSERT INTO "{table}" VALUES ({marks})', values)
    con.commit()
    con.close()
    return str(path)


def _columns(plan: dict[str, Any], table: str) -> dict[str, dict[str, Any]]:
    t = next(t for t in plan["tables"] if t["name"] == table)
    return {c["name"]: c for c in t["columns"]}


def test_plan_json_shows_the_type_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = _sqlite(
        tmp_path / "s.db",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, price DECIMAL(10,2), cents DECIMAL(10,2), "
        "ok BOOLEAN, bad BOOLEAN, made DATE, seen DATETIME, bad_dt DATETIME, epoch DATETIME, "
        "code VARCHAR(2), big INTEGER, late INTEGER);",
        {
            "t": [
                (
                    1,
                    1.255,  # three places: no NUMERIC(10,2) holds this real
                    100,
                    1,
                    2,
                    "2024-01-31",
                    "2024-01-31 10:00:00",
                    "2024-01-31",
                    17,
                    "ab",
                    2**60,
                    1,
                ),
                (
                    2,
                    0.1,
                    7,
                    0,
                    0,
                    "1999-12-31",
                    "2024-01-31 10:00:00.5",
                    "31/01/2024",
                    18,
                    "c",
                    0.5,
                    "N/A",
                ),
            ]
        },
    )
    assert main(["plan", db, str(tmp_path / "t.duckdb"), "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    (table,) = plan["tables"]
    assert table["name"] == "t" and table["rows"] == 2
    cols = _columns(plan, "t")
    assert cols["price"]["target_type"] == "DOUBLE" and cols["price"]["flags"]
    assert cols["price"]["observed"] == ["real"]
    assert cols["cents"]["target_type"] == "DECIMAL(10,2)" and not cols["cents"]["flags"]
    assert cols["ok"]["target_type"] == "BOOLEAN"
    assert cols["bad"]["target_type"] == "BIGINT" and cols["bad"]["flags"]
    assert cols["made"]["arrow_type"] == "date32[day]"
    assert cols["seen"]["arrow_type"] == "timestamp[us]"
    assert cols["bad_dt"]["target_type"] == "VARCHAR" and "format" in cols["bad_dt"]["flags"][0]
    assert cols["epoch"]["target_type"] == "BIGINT" and "epoch" in cols["epoch"]["flags"][0]
    assert cols["code"]["target_type"] == "VARCHAR(2)"
    assert cols["big"]["target_type"] == "VARCHAR" and "NUMERIC" in cols["big"]["flags"][0]
    assert cols["late"]["observed"] == ["integer", "text"] and cols["late"]["flags"]
    assert not (tmp_path / "t.duckdb").exists()  # nothing written


@pytest.mark.postgres
def test_plan_for_postgres_target(tmp_path: Path, pg_url: str) -> None:
    db = _sqlite(
        tmp_path / "s.db",
        "CREATE TABLE t (big INTEGER, wide DECIMAL(50,5), r REAL);",
        {"t": [(2**60, "1", 1.5), (0.5, "2", None)]},
    )
    cols = _columns(explain(db, pg_url).to_dict(), "t")
    assert cols["big"]["target_type"] == "NUMERIC"
    assert cols["wide"]["target_type"] == "NUMERIC(50,5)"  # integers that fit: as declared
    assert cols["r"]["target_type"] == "DOUBLE PRECISION"


def _run_rejecting_a_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *options: str) -> str:
    """A run in ``tmp_path`` (the working directory) setting one row of table m aside into a
    new DuckDB file; the file's path."""
    db = _sqlite(
        tmp_path / "s.db",
        "CREATE TABLE m (id INTEGER PRIMARY KEY, n TEXT);",
        {"m": [(1, "10"), (2, "N/A")]},
    )
    target = str(tmp_path / "t.duckdb")
    monkeypatch.chdir(tmp_path)
    args = ["migrate", db, target, "--cast", "m.n=integer", "--on-error", "reject"]
    assert main([*args, *options, "--progress", "none"]) == 1
    return target


def test_replay_of_the_default_reject_folder_names_its_run_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The default layout is arrowmig-rejects/<run id>/: the root holds no file itself."""
    target = _run_rejecting_a_row(tmp_path, monkeypatch)
    (run_folder,) = (tmp_path / "arrowmig-rejects").iterdir()
    capsys.readouterr()
    assert main(["replay-rejects", "arrowmig-rejects", target]) == 2
    err = capsys.readouterr().err
    assert f"its run folders do: arrowmig-rejects/{run_folder.name} (m.jsonl)" in err
    assert len(err.strip().splitlines()) == 1
    assert list(run_folder.glob("*.jsonl"))  # nothing replayed


def test_replay_of_one_reject_file_names_its_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The file, given in place of its folder, was said not to exist: "reject directory
    # 'rejects/m.jsonl' does not exist".
    target = _run_rejecting_a_row(tmp_path, monkeypatch, "--reject-dir", "my rejects")
    capsys.readouterr()
    assert main(["replay-rejects", "my rejects/m.jsonl", target]) == 2
    assert capsys.readouterr().err == (
        "arrowmig: error: 'my rejects/m.jsonl' is a file; replay-rejects takes the folder of a "
        "run's reject files; arrowmig replay-rejects 'my rejects' TARGET replays every file in "
        "it\n"
    )
    assert (tmp_path / "my rejects" / "m.jsonl").exists()  # nothing replayed


def test_a_reject_folder_that_cannot_be_made_is_refused_before_writing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """It was found at the first rejected row, which failed the table (its good rows too)
    with a raw 'FileNotFoundError'; a run without a bad row never noticed it."""
    db = _sqlite(
        tmp_path / "s.db",
        "CREATE TABLE m (id INTEGER PRIMARY KEY, n TEXT);",
        {"m": [(1, "10"), (2, "N/A")]},
    )
    (tmp_path / "a_file").write_text("")
    target = tmp_path / "t.duckdb"
    args = ["migrate", db, str(target), "--cast", "m.n=integer", "--on-error", "reject"]
    capsys.readouterr()
    assert main([*args, "--reject-dir", str(tmp_path / "a_file" / "rej")]) == 2
    assert capsys.readouterr().err == (
        f"arrowmig: error: cannot write rejected rows to '{tmp_path / 'a_file' / 'rej'}': "
        f"'{tmp_path / 'a_file'}' is a file, not a folder; give --reject-dir a folder you can "
        "write to\n"
    )  # was the OS's "Not a directory" (and "File exists" for the file itself)
    assert main([*args, "--reject-dir", str(tmp_path / "a_file")]) == 2
    assert f"'{tmp_path / 'a_file'}' is a file, not a folder" in capsys.readouterr().err
    assert not target.exists()
    # A folder that can be made is made when a row is rejected, and only then.
    monkeypatch.chdir(tmp_path)
    good = ["migrate", db, str(target), "--on-error", "reject", "--progress", "none"]
    assert main([*good, "--reject-dir", "new/rej"]) == 0
    assert not (tmp_path / "new").exists() and not (tmp_path / "arrowmig-rejects").exists()
    assert main([*args, "--mode", "replace", "--reject-dir", "new/rej", "--progress", "none"]) == 1
    assert [p.name for p in (tmp_path / "new" / "rej").iterdir()] == ["m.jsonl"]


@pytest.mark.parametrize("folder", ["a_file/rej", "a_file", "/proc/rej"])
def test_plan_and_dry_run_refuse_a_reject_folder_as_the_run_does_and_make_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], folder: str
) -> None:
    """plan and --dry-run said exit 0 for a --reject-dir the run then refused (exit 2)."""
    if folder.startswith("/proc") and not Path("/proc/self").exists():
        pytest.skip("needs /proc")
    db = _sqlite(tmp_path / "s.db", "CREATE TABLE m (id INTEGER PRIMARY KEY, n TEXT);")
    (tmp_path / "a_file").write_text("")
    monkeypatch.chdir(tmp_path)
    args = [db, str(tmp_path / "t.duckdb"), "--on-error", "reject", "--reject-dir", folder]
    assert main(["migrate", *args, "--progress", "none"]) == 2
    refused = capsys.readouterr().err
    assert refused.startswith(f"arrowmig: error: cannot write rejected rows to '{folder}': ")
    for verb in (["plan"], ["migrate", "--dry-run"]):
        assert main([*verb, *args]) == 2, verb
        assert capsys.readouterr().err == refused, verb
    # A folder that can be made is left unmade by the plan, as by a run that rejects nothing.
    assert main(["plan", *args[:4], "--reject-dir", "new/rej"]) == 0
    assert not (tmp_path / "new").exists() and not (tmp_path / "t.duckdb").exists()


@pytest.mark.postgres
def test_cast_with_rejects_and_replay(tmp_path: Path, pg_url: str) -> None:
    import psycopg

    db = _sqlite(
        tmp_path / "s.db",
        "CREATE TABLE m (id INTEGER PRIMARY KEY, n TEXT, price DECIMAL(10,2));",
        {"m": [(1, "10", 1.005), (2, "N/A", 2.5), (3, "30", None)]},
    )
    rejects = tmp_path / "rej"
    code = main(
        [
            "migrate",
            db,
            pg_url,
            "--cast",
            "m.n=integer",
            "--cast",
            "m.price=numeric(10,2)",
            "--on-error",
            "reject",
            "--reject-dir",
            str(rejects),
            "--progress",
            "none",
        ]
    )
    assert code == 1  # rows were rejected
    (path,) = rejects.glob("*.jsonl")
    (record,) = [json.loads(line) for line in path.read_text().splitlines()]
    assert record == {
        "table": "m",
        "columns": ["id", "n", "price"],
        "row": [2, "N/A", 2.5],
        "key": {"id": 2},
        "problems": [{"column": "n", "reason": "value does not convert to integer"}],
    }
    with psycopg.connect(pg_url) as con:
        assert con.execute("SELECT id, n, price FROM m ORDER BY id").fetchall() == [
            (1, 10, decimal.Decimal("1.01")),  # the user asked for numeric(10,2): rounded
            (3, 30, None),
        ]
        # The cause gets fixed: the column becomes text; then the rejects are replayed.
        con.execute("ALTER TABLE m ALTER COLUMN n TYPE text")
        con.commit()
    assert main(["replay-rejects", str(rejects), pg_url]) == 0
    assert not list(rejects.glob("*.jsonl"))  # renamed *.replayed: never loaded twice
    with psycopg.connect(pg_url) as con:
        assert con.execute("SELECT id, n FROM m ORDER BY id").fetchall() == [
            (1, "10"),
            (2, "N/A"),
            (3, "30"),
        ]


@pytest.mark.postgres
@pytest.mark.parametrize("into", ["postgresql", "duckdb"])
def test_rejected_times_and_intervals_replay_exactly(
    tmp_path: Path, pg_url: str, second_pg: str, into: str
) -> None:
    """24:00:00 stays 24:00:00 (Python's time would make it 00:00:00) and an interval is
    written as PostgreSQL interval input, which replay reads back into time/interval columns."""
    values = "id, t, iv::text, tm::text, tz::text"
    with psycopg.connect(pg_url) as con:
        con.execute("CREATE TABLE rj (id int PRIMARY KEY, t text, iv interval, tm time, tz timetz)")
        con.execute(
            "INSERT INTO rj VALUES (1, 'a', '1 year 2 mons 3 days 04:05:06.5', '24:00:00', "
            "'24:00:00+02'), (2, 'b', '-1 day +00:00:00.000001', '23:59:59.999999', "
            "'23:59:59.999999-05:30')"
        )
        source = con.execute(f"SELECT {values} FROM rj ORDER BY id").fetchall()
    target = second_pg if into == "postgresql" else str(tmp_path / "t.duckdb")
    rejects = tmp_path / "rej"
    args = ["--cast", "rj.t=integer", "--on-error", "reject", "--reject-dir", str(rejects)]
    assert main(["migrate", pg_url, target, *args, "--progress", "none"]) == 1
    rows = [json.loads(line)["row"] for line in (rejects / "rj.jsonl").read_text().splitlines()]
    assert [r[2:4] for r in rows] == [
        ["14 mons 3 days 14706.5 secs", "24:00:00.000000"],
        ["0 mons -1 days 0.000001 secs", "23:59:59.999999"],
    ]
    fix = "ALTER TABLE rj ALTER COLUMN t TYPE text"
    if into == "postgresql":
        with psycopg.connect(target) as con:
            con.execute(fix)
    else:
        with duckdb.connect(target) as con:
            con.execute(fix)
    assert main(["replay-rejects", str(rejects), target]) == 0
    if into == "postgresql":
        with psycopg.connect(target) as con:
            assert con.execute(f"SELECT {values} FROM rj ORDER BY id").fetchall() == source
    else:
        with duckdb.connect(target) as con:
            got = con.execute(f"SELECT {values} FROM rj ORDER BY id").fetchall()
        # DuckDB writes the same intervals its own way.
        assert got == [
            (1, "a", "1 year 2 months 3 days 04:05:06.5", *source[0][3:]),
            (2, "b", "-1 day 00:00:00.000001", *source[1][3:]),
        ]


@pytest.mark.postgres
def test_date_and_time_text_casts(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """timestamptz takes text without a zone as UTC (as appending does); a time refuses a text
    that holds a date (it would be dropped); a failed cast suggests another cast, not bytea."""
    db = _sqlite(
        tmp_path / "s.db",
        "CREATE TABLE c (id INTEGER PRIMARY KEY, ts TEXT, tm TEXT);",
        {"c": [(1, "2024-01-02 03:04:05.123456", "03:04:05"), (2, "2024-01-02 03:04:05+02", None)]},
    )
    casts = ["--cast", "c.ts=timestamptz", "--cast", "c.tm=time", "--progress", "none"]
    assert main(["plan", db, pg_url, "--cast", "c.ts=timestamptz"]) == 0
    assert (
        "timestamptz by --cast (text without a time zone is taken as UTC)"
        in capsys.readouterr().err
    )
    assert main(["migrate", db, pg_url, *casts]) == 0
    with psycopg.connect(pg_url) as con:
        con.execute("SET TIME ZONE 'UTC'")
        assert con.execute("SELECT ts::text, tm::text FROM c ORDER BY id").fetchall() == [
            ("2024-01-02 03:04:05.123456+00", "03:04:05"),
            ("2024-01-02 01:04:05+00", None),
        ]
    dated = _sqlite(
        tmp_path / "d.db",
        "CREATE TABLE c (id INTEGER PRIMARY KEY, ts TEXT, tm TEXT);",
        {"c": [(1, "2024-01-02", "2024-01-02 03:04:05"), (2, "x", "03:04:05")]},
    )
    target = str(tmp_path / "t.duckdb")
    rejects = tmp_path / "rej"
    args = ["--cast", "c.tm=time", "--on-error", "reject", "--reject-dir", str(rejects)]
    assert main(["migrate", dated, target, *args, "--progress", "none"]) == 1
    (record,) = [json.loads(line) for line in (rejects / "c.jsonl").read_text().splitlines()]
    assert record["key"] == {"id": 1}
    assert record["problems"] == [
        {"column": "tm", "reason": "value does not convert to time: it holds a date"}
    ]
    capsys.readouterr()
    assert main(["migrate", dated, str(tmp_path / "u.duckdb"), "--cast", "c.ts=date"]) == 1
    err = capsys.readouterr().err
    assert "id 2: value does not convert to date: 'x'; fix the value in the source, --cast" in err
    assert "(e.g. --cast c.ts=text)" in err
    assert "bytea" not in err


@pytest.mark.postgres
def test_date_cast_takes_midnight_timestamp_texts(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Rails and Laravel write dates into TEXT as '2024-01-02 00:00:00': --cast T.C=date takes
    them as PostgreSQL's '...'::date does, creating or appending, on every target; a time of day
    other than midnight is a bad value of its row."""
    days = [
        (1, "2024-01-02 00:00:00"),
        (2, "2024-01-03T00:00:00.000"),
        (3, "2024-01-04"),
        (4, None),
    ]
    db = _sqlite(
        tmp_path / "s.db",
        "CREATE TABLE m (id INTEGER PRIMARY KEY, d TEXT); CREATE TABLE n (id INTEGER PRIMARY KEY, d TEXT);",
        {"m": days, "n": [(1, "2024-01-02 00:00:00"), (2, "2024-01-03 10:00:00")]},
    )
    dates = [
        (1, dt.date(2024, 1, 2)),
        (2, dt.date(2024, 1, 3)),
        (3, dt.date(2024, 1, 4)),
        (4, None),
    ]
    quiet = ["--progress", "none"]
    assert main(["migrate", db, pg_url, "--tables", "m", "--cast", "m.d=date", *quiet]) == 0
    with psycopg.connect(pg_url) as con:
        assert con.execute("SELECT id, d FROM m ORDER BY id").fetchall() == dates
    duck = str(tmp_path / "t.duckdb")
    with duckdb.connect(duck) as con:
        con.execute("CREATE TABLE m (id BIGINT PRIMARY KEY, d DATE)")
    assert main(["migrate", db, duck, "--tables", "m", "--mode", "append", *quiet]) == 0
    assert duckdb_rows(duck, "m", "id") == dates
    copy = tmp_path / "t.db"
    assert main(["migrate", db, str(copy), "--tables", "m", "--cast", "m.d=date", *quiet]) == 0
    with sqlite3.connect(copy) as con:
        assert con.execute("SELECT d FROM m ORDER BY id").fetchall() == [
            ("2024-01-02",),
            ("2024-01-03",),
            ("2024-01-04",),
            (None,),
        ]
    capsys.readouterr()
    args = ["--tables", "n", "--cast", "n.d=date", *quiet]
    assert main(["migrate", db, str(tmp_path / "u.duckdb"), *args]) == 1
    assert "id 2: value does not convert to date: '2024-01-03 10:00:00'" in capsys.readouterr().err


@pytest.mark.postgres
def test_uuid_cast_takes_16_byte_blobs(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Room and Core Data keep UUIDs as 16-byte BLOBs: appending them into an app's uuid column
    names --cast T.C=uuid, which writes each as its UUID (PostgreSQL and DuckDB); a value of
    another length is a bad value of its row, and verify finds the rest equal."""
    uid = "550e8400-e29b-41d4-a716-446655440000"
    db = _sqlite(
        tmp_path / "s.db",
        "CREATE TABLE ev (id INTEGER PRIMARY KEY, u BLOB);",
        {"ev": [(1, bytes.fromhex(uid.replace("-", ""))), (2, b"\x01\x02"), (3, None)]},
    )
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("CREATE TABLE ev (id bigint PRIMARY KEY, u uuid)")
    duck = str(tmp_path / "t.duckdb")
    with duckdb.connect(duck) as con:
        con.execute("CREATE TABLE ev (id BIGINT PRIMARY KEY, u UUID)")
    for target in (pg_url, duck):
        capsys.readouterr()
        assert main(["migrate", db, target, "--mode", "append", "--progress", "none"]) == 2
        assert "(--cast ev.u=uuid: 16-byte values as their UUID" in capsys.readouterr().err
        rejects = tmp_path / f"rej{target == duck}"
        args = ["--cast", "ev.u=uuid", "--on-error", "reject", "--reject-dir", str(rejects)]
        assert main(["migrate", db, target, "--mode", "append", *args, "--progress", "none"]) == 1
        (record,) = [json.loads(line) for line in (rejects / "ev.jsonl").read_text().splitlines()]
        assert (record["key"], record["problems"][0]["reason"]) == (
            {"id": 2},
            "value does not convert to uuid: it is not 16 bytes",
        )
    with psycopg.connect(pg_url) as con:
        got = con.execute("SELECT id, u::text FROM ev ORDER BY id").fetchall()
    assert got == [(1, uid), (3, None)]
    assert [(i, u and str(u)) for i, u in duckdb_rows(duck, "ev", "id")] == got
    report = verify(db, pg_url, tables=["ev"])
    (table,) = report.tables
    assert [(d.kind, d.key) for d in table.diffs] == [("missing in target", {"id": 2})]
    # Cast to text, bytes that are no UTF-8 say so.
    rejects = tmp_path / "as_text"
    args = ["--cast", "ev.u=text", "--on-error", "reject", "--reject-dir", str(rejects)]
    assert main(["migrate", db, str(tmp_path / "u.duckdb"), *args, "--progress", "none"]) == 1
    reasons = {
        p["reason"]
        for line in (rejects / "ev.jsonl").read_text().splitlines()
        for p in json.loads(line)["problems"]
    }
    assert reasons == {"value does not convert to text: its bytes are not UTF-8 text"}


@pytest.mark.postgres
def test_core_data_dates_are_read_from_2001(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Core Data counts seconds from 2001-01-01: its plan named epoch_s (1970), which put every
    date 31 years early. It names epoch_2001_s, which reads reals and whole seconds alike."""
    db = _sqlite(
        tmp_path / "s.db",
        "CREATE TABLE ZNOTE (Z_PK INTEGER PRIMARY KEY, ZCREATIONDATE TIMESTAMP, "
        "ZMODIFIED TIMESTAMP);",
        {"ZNOTE": [(1, 725846400.5, 725846400), (2, None, 0)]},
    )
    assert main(["plan", db, pg_url]) == 0
    err = capsys.readouterr().err
    assert "--cast ZNOTE.ZCREATIONDATE=epoch_2001_s reads seconds since 2001-01-01 UTC" in err
    assert "--cast ZNOTE.ZMODIFIED=epoch_2001_s" in err and "=epoch_s" not in err
    casts = ["--cast", "ZNOTE.ZCREATIONDATE=epoch_2001_s", "--cast", "ZNOTE.ZMODIFIED=epoch_2001_s"]
    assert main(["migrate", db, pg_url, *casts, "--progress", "none"]) == 0
    utc = dt.UTC
    with psycopg.connect(pg_url) as con:
        assert con.execute('SELECT * FROM "ZNOTE" ORDER BY 1').fetchall() == [
            (1, dt.datetime(2024, 1, 2, 0, 0, 0, 500000, utc), dt.datetime(2024, 1, 2, tzinfo=utc)),
            (2, None, dt.datetime(2001, 1, 1, tzinfo=utc)),
        ]


@pytest.mark.postgres
def test_text_cast_to_bytea_takes_its_bytes_nul_included(tmp_path: Path, pg_url: str) -> None:
    # The NUL error's advice: PostgreSQL text cannot hold a NUL, bytea can.
    db = _sqlite(
        tmp_path / "s.db",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);",
        {"t": [(1, "a\x00b"), (2, "ok"), (3, "ü")]},
    )
    report = migrate(db, pg_url, config=MigrationConfig(casts=(("t", "v", "bytea"),)))
    assert report.ok, report.to_dict()
    with psycopg.connect(pg_url) as con:
        got = con.execute("SELECT id, v FROM t ORDER BY id").fetchall()
    assert [(i, bytes(v)) for i, v in got] == [(1, b"a\x00b"), (2, b"ok"), (3, "ü".encode())]


@pytest.mark.postgres
@pytest.mark.parametrize("cast", ["t.v=foobar", "t.v=varchar(abc)", "t.id=blob"])
def test_a_cast_the_target_cannot_take_is_refused_at_planning(
    tmp_path: Path, pg_url: str, cast: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # An unknown type, or one the values cannot be converted to (integers to blob): exit 2
    # before anything is written, not a failure while creating tables.
    db = _sqlite(
        tmp_path / "s.db", "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);", {"t": [(1, "a")]}
    )
    duck = tmp_path / "out.duckdb"
    for target in (str(duck), pg_url):
        if target == pg_url and cast == "t.id=blob":
            continue  # PostgreSQL has no type blob: refused as unknown above
        for verb in ("plan", "migrate"):
            assert main([verb, db, target, "--cast", cast]) == 2
            assert f"--cast {shlex.quote(cast)}: " in capsys.readouterr().err
    assert not duck.exists()
    with psycopg.connect(pg_url) as con:
        assert con.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        ).fetchone() == (0,)


@pytest.mark.postgres
def test_a_mistyped_cast_is_refused_in_the_callers_words_with_the_cast_meant(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # "--cast t.z=epoch_2001: Catalog Error: Type with name EPOCH_2001 does not exist!" from a
    # job file and from Python alike, and no word of epoch_2001_s.
    db = _sqlite(
        tmp_path / "s.db", "CREATE TABLE t (id INTEGER PRIMARY KEY, z REAL);", {"t": [(1, 1.5)]}
    )
    job = tmp_path / "job.toml"
    for target in (str(tmp_path / "out.duckdb"), pg_url):
        job.write_text(f'source = "{db}"\ntarget = "{target}"\n[casts]\n"t.z" = "epoch_2001"\n')
        assert main(["run", str(job)]) == 2
        said = capsys.readouterr().err
        assert f"""job file '{job}', key 'casts' ("t.z" = "epoch_2001"): """ in said
        assert "has no type 'epoch_2001' (did you mean epoch_2001_s?)" in said
        assert "epoch_s, epoch_ms, epoch_us, epoch_2001_s, julian, interval, uuid" in said
        assert "--cast" not in said and "Catalog Error" not in said and len(said.splitlines()) == 1
        with pytest.raises(UsageError) as refused:
            migrate(db, target, config=MigrationConfig(casts={"t.z": "epoch_2001"}))
        assert str(refused.value).startswith("casts={'t.z': 'epoch_2001'}: ")
        assert "did you mean epoch_2001_s?" in str(refused.value)
        assert main(["migrate", db, target, "--cast", "t.z=epoch_2001"]) == 2
        assert "--cast t.z=epoch_2001: " in capsys.readouterr().err


@pytest.mark.parametrize("cast", ["t.v=varchar(abc)", "t.v=text, evil integer"])
def test_a_sqlite_target_takes_a_type_name_only(
    tmp_path: Path, cast: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """SQLite takes any declared type, but what is not a type name went into CREATE TABLE as
    it was (a column 'evil' added, or a syntax error after the file was made)."""
    db = _sqlite(
        tmp_path / "s.db", "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);", {"t": [(1, "a")]}
    )
    out = tmp_path / "out.db"
    for verb in ("plan", "migrate"):
        assert main([verb, db, str(out), "--cast", cast]) == 2
        # Quoted as a shell takes it back.
        assert f"--cast {shlex.quote(cast)}: not a type name" in capsys.readouterr().err
    assert not out.exists()
    assert main(["migrate", db, str(out), "--cast", "t.v=VARCHAR(10)"]) == 0


@pytest.mark.postgres
def test_integers_cast_to_interval_are_microseconds(tmp_path: Path, pg_url: str) -> None:
    # Django's DurationField: bigint microseconds in SQLite, interval in Django's PostgreSQL
    # schema. The refusal names the cast that works, and the cast loads into both targets.
    micros = [1, 90_000_000_000, -1_500_000, None]
    db = _sqlite(
        tmp_path / "s.db",
        "CREATE TABLE blog_post (id INTEGER PRIMARY KEY, duration bigint);",
        {"blog_post": list(enumerate(micros, 1))},
    )
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("CREATE TABLE blog_post (id bigint PRIMARY KEY, duration interval)")
    truncate = MigrationConfig(mode="truncate")
    with pytest.raises(
        Exception, match=r"casts=\{'blog_post\.duration': 'interval'\}: integers read as"
    ):
        migrate(db, pg_url, config=truncate)
    cast = (("blog_post", "duration", "interval"),)
    assert migrate(db, pg_url, config=MigrationConfig(mode="truncate", casts=cast)).ok
    wanted = [
        (i, None if m is None else dt.timedelta(microseconds=m)) for i, m in enumerate(micros, 1)
    ]
    with psycopg.connect(pg_url) as con:
        assert con.execute("SELECT id, duration FROM blog_post ORDER BY id").fetchall() == wanted
    duck = str(tmp_path / "out.duckdb")
    assert migrate(db, duck, config=MigrationConfig(casts=cast)).ok
    with duckdb.connect(duck) as con:
        assert con.execute("SELECT id, duration FROM blog_post ORDER BY id").fetchall() == wanted


def test_boolean_words_are_flagged_and_cast_as_postgresql_reads_them(tmp_path: Path) -> None:
    # Older Rails wrote 't'/'f' into SQLite BOOLEAN columns. Kept as text and flagged;
    # --cast boolean takes PostgreSQL's boolean words, and sets aside a text that is none.
    words = ["t", "f", " Yes", "NO", "on", "off", "true", "FALSE", None, "maybe"]
    db = _sqlite(
        tmp_path / "b.db",
        "CREATE TABLE b (id INTEGER PRIMARY KEY, ok BOOLEAN DEFAULT 'f');",
        {"b": list(enumerate(words, 1))},
    )
    target = tmp_path / "b.duckdb"
    columns = _columns(explain(db, str(target)).to_dict(), "b")
    assert "declared BOOLEAN but holds text: kept as text" in " ".join(columns["ok"]["flags"])
    # Once cast, the advice to cast is gone, and the default 'f' reads as the cast reads 'f'.
    cast = explain(db, str(target), config=MigrationConfig(casts=(("b", "ok", "boolean"),)))
    notes = " ".join(_columns(cast.to_dict(), "b")["ok"]["flags"])
    assert "kept as text" not in notes and "cast to boolean by --cast" in notes
    assert "not copied" not in " ".join(cast.to_dict()["tables"][0]["notes"])
    rejects = tmp_path / "rej"
    options = ["--cast", "b.ok=boolean", "--on-error", "reject", "--reject-dir", str(rejects)]
    code = main(["migrate", db, str(target), *options, "--progress", "none"])
    assert code == 1  # 'maybe' was set aside
    (path,) = rejects.glob("*.jsonl")
    assert [json.loads(line)["row"] for line in path.read_text().splitlines()] == [[10, "maybe"]]
    con = duckdb.connect(str(target), read_only=True)
    try:
        got = con.execute("SELECT ok FROM b ORDER BY id").fetchall()
    finally:
        con.close()
    assert [r[0] for r in got] == [True, False, True, False, True, False, True, False, None]
    with duckdb.connect(str(target)) as con:
        assert con.execute("INSERT INTO b (id) VALUES (11) RETURNING ok").fetchall() == [(False,)]


@pytest.mark.parametrize(
    ("values", "counted"), [(["t", 1, 0, "no"], ""), (["True", "False", 1, 0, "maybe"], "1 of 3")]
)
def test_booleans_mixed_with_words_get_the_cast_and_its_count(
    tmp_path: Path, values: list[Any], counted: str
) -> None:
    # Rails 5's 1/0 beside Rails 4's 't'/'f', and a word no cast reads among them: the
    # flag names the cast and counts the texts it would not convert, as for a column of text.
    db = _sqlite(
        tmp_path / "b.db",
        "CREATE TABLE b (id INTEGER PRIMARY KEY, ok BOOLEAN);",
        {"b": list(enumerate(values, 1))},
    )
    (flag,) = _columns(explain(db, str(tmp_path / "b.duckdb")).to_dict(), "b")["ok"]["flags"]
    assert flag.startswith("declared BOOLEAN but holds 0/1 and text: kept as text (")
    assert "--cast b.ok=boolean converts" in flag
    assert flag.endswith(f"; {counted} texts are none of them)" if counted else "opposites)")


def test_fail_mode_message_names_table_column_key_value(tmp_path: Path) -> None:
    db = _sqlite(
        tmp_path / "s.db",
        "CREATE TABLE good (a INTEGER); CREATE TABLE bad (id INTEGER PRIMARY KEY, s TEXT);"
        "INSERT INTO good VALUES (1);"
        "INSERT INTO bad VALUES (1, 'fine'), (2, CAST(x'ff' AS TEXT));",
    )
    report = migrate(db, str(tmp_path / "t.duckdb"), config=MigrationConfig())
    by_name = {t.name: t for t in report.tables}
    assert by_name["good"].status == "done"
    assert by_name["bad"].status == "failed"
    assert by_name["bad"].error is not None
    assert by_name["bad"].error.startswith(
        "table 'bad', column 's', id 2: text is not valid UTF-8: b'\\xff'"
    )
    assert "on_error='reject'" in by_name["bad"].error


def test_reject_values_round_trip_through_json() -> None:
    values = [b"\x00", float("inf"), float("-inf"), -0.0, 1.5, "x", None, 2**70]
    encoded = json.loads(json.dumps([encode_value(v) for v in values]))
    assert encoded[:4] == [
        {"base64": "AA=="},
        {"float": "inf"},
        {"float": "-inf"},
        {"float": "-0.0"},
    ]
    back = [decode_value(v) for v in encoded]
    assert back[0] == b"\x00" and back[1:3] == [float("inf"), float("-inf")]
    assert str(back[3]) == "-0.0" and back[4:] == [1.5, "x", None, 2**70]
    assert encode_value(float("nan")) == {"float": "nan"}
    assert encode_value(decimal.Decimal("1E-8")) == "0.00000001"  # not str()'s 1E-8
    assert file_safe("plain_name") == "plain_name"
    assert file_safe("a/b") != file_safe("a_b") and "/" not in file_safe("a/b")


def test_a_new_run_into_a_reused_reject_dir_rejects_its_rows_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A nightly job's fixed reject_dir: the second night skipped the bad row as 'written
    already' (a retry's rule), so it was neither loaded nor counted and the run exited 0."""
    db = tmp_path / "s.db"
    _sqlite(db, "CREATE TABLE m (id INTEGER PRIMARY KEY, n TEXT);", {"m": [(1, "10"), (2, "N/A")]})
    target = str(tmp_path / "t.duckdb")
    rejects = tmp_path / "rej"
    run = ["migrate", str(db), target, "--cast", "m.n=integer", "--mode", "replace"]
    run += ["--on-error", "reject", "--reject-dir", str(rejects), "--progress", "none"]
    assert main(run) == 1
    with sqlite3.connect(db) as con:  # the bad row changed since: the new run has the new value
        con.execute("UPDATE m SET n = 'n/a' WHERE id = 2")
    capsys.readouterr()
    assert main(run) == 1
    err = capsys.readouterr().err
    assert "1 row rejected" in err
    (earlier,) = rejects.glob("m.*.jsonl.earlier")
    assert f"are kept in {earlier}" in err
    assert [json.loads(line)["row"] for line in earlier.read_text().splitlines()] == [[2, "N/A"]]
    lines = (rejects / "m.jsonl").read_text().splitlines()
    assert [json.loads(line)["row"] for line in lines] == [[2, "n/a"]]
    # Replay loads this run's rows only, and names the file it leaves.
    with duckdb.connect(target) as con:
        con.execute("ALTER TABLE m ALTER n TYPE VARCHAR")
    assert main(["replay-rejects", str(rejects), target]) == 0
    said = capsys.readouterr().err
    assert f"not loaded: 1 file kept aside from earlier runs ({earlier.name})" in said
    with duckdb.connect(target) as con:
        assert con.execute("SELECT id, n FROM m ORDER BY id").fetchall() == [(1, "10"), (2, "n/a")]
    # A third night after the replay: nothing more to keep aside, and the file replayed
    # earlier is not overwritten by the next replay.
    assert main(run) == 1
    assert list(rejects.glob("m.*.jsonl.earlier")) == [earlier]
    with duckdb.connect(target) as con:
        con.execute("ALTER TABLE m ALTER n TYPE VARCHAR")
    assert main(["replay-rejects", str(rejects), target]) == 0
    assert sorted(p.name for p in rejects.glob("*.replayed")) == [
        "m-2.jsonl.replayed",
        "m.jsonl.replayed",
    ]


def test_rows_of_a_retried_batch_are_not_rejected_twice(tmp_path: Path) -> None:
    db = _sqlite(
        tmp_path / "s.db",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT);"
        "INSERT INTO t VALUES (1, CAST(x'ff' AS TEXT)), (2, 'ok');",
    )
    with open_endpoint(db) as src:
        table = src.describe("t")
        batch = src.read(table, batch_rows=10).read_next_batch()
    problems = screen_batch(batch, table, "postgresql")
    writer = RejectWriter(tmp_path / "rej")
    assert [writer.write(table, batch, problems, None) for _ in range(2)] == [1, 0]
    lines = (tmp_path / "rej" / "t.jsonl").read_text().splitlines()
    assert [json.loads(line)["row"] for line in lines] == [[1, {"base64": "/w=="}]]


@pytest.mark.postgres
def test_a_resumed_run_adds_to_the_reject_file_of_the_run_it_continues(
    tmp_path: Path, pg_url: str
) -> None:
    db = _sqlite(
        tmp_path / "s.db",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT);",
        {"t": [(i, "bad\x00" if i in (2, 8) else "ok") for i in range(1, 10)]},
    )
    with psycopg.connect(pg_url) as con:  # a key that repeats fails the table at its 2nd batch
        con.execute("CREATE TABLE t (id int PRIMARY KEY, s text); INSERT INTO t VALUES (5, 'x')")
    rejects = tmp_path / "rej"
    run = ["migrate", db, pg_url, "--mode", "append", "--batch-rows", "3", "--progress", "none"]
    run += ["--on-error", "reject", "--reject-dir", str(rejects)]
    assert main(run) == 1
    with psycopg.connect(pg_url) as con:
        con.execute("DELETE FROM t WHERE id = 5")
    assert main([*run, "--resume"]) == 1
    assert [p.name for p in rejects.iterdir()] == ["t.jsonl"]  # kept, not set aside
    lines = (rejects / "t.jsonl").read_text().splitlines()
    assert [json.loads(line)["key"] for line in lines] == [{"id": 2}, {"id": 8}]
    with psycopg.connect(pg_url) as con:
        ids = [r[0] for r in con.execute("SELECT id FROM t ORDER BY id")]
    assert ids == [1, 3, 4, 5, 6, 7, 9]


# -- round trips ------------------------------------------------------------------------------


@pytest.mark.postgres
def test_postgres_to_sqlite_keeps_types(tmp_path: Path, pg_url: str) -> None:
    import psycopg

    with psycopg.connect(pg_url) as con:
        con.execute(
            "CREATE TABLE rt (id serial PRIMARY KEY, n numeric(12,3), big numeric(50,2), "
            "tz timestamptz, t time, u uuid, j json, jb jsonb, a int[], a2 text[], b bytea, "
            "iv interval)"
        )
        con.execute(
            "INSERT INTO rt (n, big, tz, t, u, j, jb, a, a2, b, iv) VALUES (1.5, "
            "123456789012345678901234567890123456789012345678.25, '2024-01-02 03:04:05.123456+02', "
            "'13:14:15.5', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{\"a\": 1}', '{\"b\": [1, 2]}', "
            "'{1,NULL,3}', '{{x,y},{z,\"w w\"}}', '\\x00ff', '1 day 02:00:00')"
        )
    target = tmp_path / "out.db"
    report = migrate(pg_url, str(target))
    assert report.ok, [t.error for t in report.tables]
    con2 = sqlite3.connect(target)
    row = con2.execute("SELECT n, big, tz, t, u, j, jb, a, a2, b FROM rt").fetchone()
    con2.close()
    assert row[0] == "1.500" and row[1] == "123456789012345678901234567890123456789012345678.25"
    assert dt.datetime.fromisoformat(row[2]) == dt.datetime(
        2024, 1, 2, 1, 4, 5, 123456, tzinfo=dt.UTC
    )
    assert row[2].endswith("+00:00")
    assert dt.time.fromisoformat(row[3]) == dt.time(13, 14, 15, 500000)
    assert row[4] == "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
    assert json.loads(row[5]) == {"a": 1} and json.loads(row[6]) == {"b": [1, 2]}
    assert json.loads(row[7]) == [1, None, 3]
    assert json.loads(row[8]) == [["x", "y"], ["z", "w w"]]  # never flattened
    assert row[9] == b"\x00\xff"


@pytest.mark.postgres
def test_duckdb_to_postgres_keeps_types(tmp_path: Path, pg_url: str) -> None:
    import psycopg

    src = tmp_path / "s.duckdb"
    con = duckdb.connect(str(src))
    con.execute("CREATE TYPE mood AS ENUM ('x', 'y')")
    con.execute(
        "CREATE TABLE dd (id INTEGER PRIMARY KEY, d DECIMAL(18,4), h HUGEINT, u UUID, j JSON, "
        "tz TIMESTAMPTZ, t TIME, iv INTERVAL, l INTEGER[], s STRUCT(a INTEGER, b VARCHAR), "
        "b BLOB, ub UBIGINT, e mood)"
    )
    con.execute(
        "INSERT INTO dd VALUES (1, 12.3456, 170141183460469231731687303715884105727, "
        "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{\"a\": [1, 2]}', "
        "'2024-01-02 03:04:05.123456+02', '13:14:15.5', INTERVAL '1 year 2 days 3 seconds', "
        "[1, 2, NULL], {'a': 1, 'b': 'x'}, '\\x00\\xFF'::BLOB, 18446744073709551615, 'y')"
    )
    con.close()
    report = migrate(str(src), pg_url)
    assert report.ok, [t.error for t in report.tables]
    with psycopg.connect(pg_url) as pg:
        types = dict(
            pg.execute(
                "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                "WHERE attrelid = 'dd'::regclass AND attnum > 0"
            ).fetchall()
        )
        row = pg.execute(
            "SELECT d, h, u::text, j, tz, t, iv::text, l, s, b, ub, e FROM dd"
        ).fetchone()
    assert types["d"] == "numeric(18,4)" and types["j"] == "json" and types["u"] == "uuid"
    assert types["tz"] == "timestamp with time zone" and types["iv"] == "interval"
    assert row is not None
    assert row[0] == decimal.Decimal("12.3456")
    assert row[1] == 170141183460469231731687303715884105727
    assert row[2] == "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
    assert row[3] == {"a": [1, 2]}
    assert row[4] == dt.datetime(2024, 1, 2, 1, 4, 5, 123456, tzinfo=dt.UTC)
    assert row[5] == dt.time(13, 14, 15, 500000)
    assert row[6] == "1 year 2 days 00:00:03"
    assert row[7] == [1, 2, None] and row[8] == {"a": 1, "b": "x"}
    assert row[9] == b"\x00\xff" and row[10] == 18446744073709551615 and row[11] == "y"


def test_sqlite_dates_and_decimals_to_duckdb(tmp_path: Path) -> None:
    db = _sqlite(
        tmp_path / "s.db",
        "CREATE TABLE d (id INTEGER PRIMARY KEY, day DATE, at TIMESTAMP, qty DECIMAL(6,2));",
        {"d": [(1, "2024-02-29", "2024-01-02T03:04:05.000001", 12), (2, None, None, -3)]},
    )
    target = tmp_path / "t.duckdb"
    report = migrate(db, str(target), config=MigrationConfig(batch=BatchConfig(batch_rows=1)))
    assert report.ok
    con = duckdb.connect(str(target), read_only=True)
    try:
        rows = con.execute('SELECT day, "at", qty FROM d ORDER BY id').fetchall()
        types = [r[1] for r in con.execute("DESCRIBE d").fetchall()]
    finally:
        con.close()
    assert rows == [
        (dt.date(2024, 2, 29), dt.datetime(2024, 1, 2, 3, 4, 5, 1), decimal.Decimal("12.00")),
        (None, None, decimal.Decimal("-3.00")),
    ]
    assert types == ["BIGINT", "DATE", "TIMESTAMP", "DECIMAL(6,2)"]


def test_no_profile_reads_decimal_reals_as_their_exact_text(tmp_path: Path) -> None:
    # Without a profile a NUMERIC column is text; the driver would write a real into text as
    # C's %e (3.14159265358979 as 3.141593e+00), so SQLite writes it, as it reads back.
    db = _sqlite(
        tmp_path / "p.db",
        "CREATE TABLE prices (id INTEGER PRIMARY KEY, amount NUMERIC(10,2), price decimal, "
        "qty numeric, note);",
        {
            "prices": [
                (1, 12345.67, 3.14159265358979, 1234567.891, 0.30000000000000004),
                (2, 0.1, 2.5, 7, "x"),
                (3, None, 1e20, "abc", 5e-324),
            ]
        },
    )
    target = tmp_path / "p.duckdb"
    report = migrate(db, str(target), config=MigrationConfig(profile=False))
    assert report.ok, [t.error for t in report.tables]
    con = duckdb.connect(str(target), read_only=True)
    try:
        rows = con.execute("SELECT amount, price, qty, note FROM prices ORDER BY id").fetchall()
    finally:
        con.close()
    assert rows[:2] == [
        ("12345.67", "3.14159265358979", "1234567.891", "0.30000000000000004"),
        ("0.1", "2.5", "7", "x"),
    ]
    assert rows[2][:3] == (None, "1.0e+20", "abc") and float(rows[2][3]) == 5e-324
    assert verify(db, str(target)).ok


def test_no_profile_names_the_value_its_declared_type_cannot_read(tmp_path: Path) -> None:
    db = _sqlite(
        tmp_path / "m.db",
        "CREATE TABLE events (id INTEGER PRIMARY KEY, n INTEGER, flag BOOL);",
        {"events": [(1, 1, 1), (2, 2, 0), (3, 3, "t"), (4, 4, "f")]},
    )
    report = migrate(db, str(tmp_path / "m.duckdb"), config=MigrationConfig(profile=False))
    error = report.tables[0].error or ""
    assert error == (
        "table 'events', column 'flag' holds 't' (id 3), which its declared type BOOL does not "
        "read as bool; run without profile=False, so that arrowmig picks the column's type from "
        "its values"
    )


def test_no_profile_names_the_first_misfit_as_the_source_stores_it(tmp_path: Path) -> None:
    # A blob among them makes the driver hand every value over as bytes in its own words
    # (b'1.000000e+00' for the integer 1): the row and value come from the source.
    db = _sqlite(
        tmp_path / "m.db",
        "CREATE TABLE m (id INTEGER PRIMARY KEY, iv INTEGER);",
        {"m": [(1, 1), (2, 2.5), (3, "three"), (4, b"\xde\xad")]},
    )
    report = migrate(db, str(tmp_path / "m.duckdb"), config=MigrationConfig(profile=False))
    error = report.tables[0].error or ""
    assert error.startswith(
        "table 'm', column 'iv' holds the real 2.5 (id 2), which its declared type INTEGER "
        "does not read as int64"
    ), error


@pytest.mark.postgres
def test_sqlite_decimal_prices_stored_as_reals_keep_their_declared_type(
    tmp_path: Path, pg_url: str
) -> None:
    # Chinook's InvoiceLine: NUMERIC(10,2) prices that SQLite's affinity stored as reals.
    # Each is the double nearest a two-place decimal, so NUMERIC(10,2) holds it both ways.
    db = _sqlite(
        tmp_path / "c.db",
        "CREATE TABLE line (id INTEGER PRIMARY KEY, price NUMERIC(10,2) NOT NULL);",
        {"line": [(1, 0.99), (2, 1.99), (3, 13.86), (4, 7), (5, -0.01)]},
    )
    duck = tmp_path / "c.duckdb"
    for target in (pg_url, str(duck)):
        assert migrate(db, target).ok
        assert verify(db, target).ok
    expected = [decimal.Decimal(v) for v in ("0.99", "1.99", "13.86", "7.00", "-0.01")]
    with psycopg.connect(pg_url) as con:
        assert con.execute("SELECT price FROM line ORDER BY id").fetchall() == [
            (v,) for v in expected
        ]
        kind = con.execute(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = 'line'::regclass AND attname = 'price'"
        ).fetchone()
        assert kind == ("numeric(10,2)",)
        con.execute("UPDATE line SET price = 0.98 WHERE id = 1")
    assert not verify(db, pg_url).ok  # a cent off is a difference, not a rounding
    con = duckdb.connect(str(duck), read_only=True)
    try:
        assert con.execute("SELECT price FROM line ORDER BY id").fetchall() == [
            (v,) for v in expected
        ]
    finally:
        con.close()


@pytest.mark.postgres
def test_bare_decimal_reals_are_numeric_in_postgresql_and_doubles_elsewhere(
    tmp_path: Path, pg_url: str
) -> None:
    # Django declares DecimalField as a bare `decimal`; SQLite stores '12.50' as the real 12.5.
    # PostgreSQL's unbounded numeric keeps each real's shortest text (0.1 + 0.2 included), which
    # reads back as the same double; DuckDB's bare DECIMAL is (18,3), so it keeps the double.
    db = _sqlite(
        tmp_path / "d.db",
        'CREATE TABLE item (id INTEGER PRIMARY KEY, "price" decimal NOT NULL);',
        {"item": [(1, "12.50"), (2, 7), (3, 0.1 + 0.2), (4, 1e20)]},
    )
    duck = tmp_path / "d.duckdb"
    for target in (pg_url, str(duck)):
        assert migrate(db, target).ok
        assert verify(db, target).ok
    with psycopg.connect(pg_url) as con:
        rows = con.execute("SELECT price, pg_typeof(price)::text FROM item ORDER BY id").fetchall()
    assert rows == [
        (decimal.Decimal("12.5"), "numeric"),
        (decimal.Decimal("7"), "numeric"),
        (decimal.Decimal("0.30000000000000004"), "numeric"),
        (decimal.Decimal("1E+20"), "numeric"),
    ]
    con = duckdb.connect(str(duck), read_only=True)
    try:
        assert con.execute("SELECT price FROM item ORDER BY id").fetchall() == [
            (12.5,), (7.0,), (0.1 + 0.2,), (1e20,)
        ]  # fmt: skip
        kind = con.execute("SELECT data_type FROM duckdb_columns() WHERE column_name = 'price'")
        assert kind.fetchone() == ("DOUBLE",)
    finally:
        con.close()


@pytest.mark.postgres
def test_epoch_integers_become_instants_only_in_the_unit_named(tmp_path: Path, pg_url: str) -> None:
    # Prisma stores SQLite DateTime as milliseconds since 1970. A plain --cast to timestamp
    # read them as microseconds (January 1970) without a word: refused; epoch_ms says the unit.
    db = _sqlite(
        tmp_path / "p.db",
        "CREATE TABLE ev (id INTEGER PRIMARY KEY, at DATETIME NOT NULL);",
        {"ev": [(1, 1700000000000), (2, 1700000001234), (3, -1)]},
    )
    with pytest.raises(UsageError, match="holds integers, and their unit is not guessed at"):
        migrate(db, pg_url, config=MigrationConfig(casts=(("ev", "at", "timestamp"),)))
    report = migrate(db, pg_url, config=MigrationConfig(casts=(("ev", "at", "epoch_ms"),)))
    assert report.ok
    utc = dt.UTC
    with psycopg.connect(pg_url) as con:
        rows = con.execute("SELECT at, pg_typeof(at)::text FROM ev ORDER BY id").fetchall()
    assert rows == [
        (dt.datetime(2023, 11, 14, 22, 13, 20, tzinfo=utc), "timestamp with time zone"),
        (dt.datetime(2023, 11, 14, 22, 13, 21, 234000, tzinfo=utc), "timestamp with time zone"),
        (dt.datetime(1969, 12, 31, 23, 59, 59, 999000, tzinfo=utc), "timestamp with time zone"),
    ]


@pytest.mark.postgres
def test_epoch_reals_become_instants_to_the_microsecond(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # time.time() and Rails' Time#to_f write REAL seconds: epoch_s passed the plan, then
    # failed every value, 1700000001.0 too. A cast that counts nothing is refused at planning.
    db = _sqlite(
        tmp_path / "r.db",
        "CREATE TABLE e (id INTEGER PRIMARY KEY, ts REAL, d DATE);",
        {
            "e": [
                (1, 1700000001.0, "2024-01-02"),
                (2, 1700000000.5, None),
                (3, 1672537182.8658521, None),
                (4, 1700000000.1234567, None),  # finer than a microsecond: rounded
                (5, -1.5, None),
                (6, None, None),
            ]
        },
    )
    assert main(["plan", db, pg_url, "--cast", "e.ts=epoch_s"]) == 0
    assert "(each real to the nearest microsecond" in capsys.readouterr().err
    report = migrate(db, pg_url, config=MigrationConfig(casts=(("e", "ts", "epoch_s"),)))
    assert report.ok, [t.error for t in report.tables]
    with psycopg.connect(pg_url) as con:
        rows = con.execute("SELECT ts FROM e ORDER BY id").fetchall()
    utc = dt.UTC
    assert [r[0] for r in rows] == [
        dt.datetime(2023, 11, 14, 22, 13, 21, tzinfo=utc),
        dt.datetime(2023, 11, 14, 22, 13, 20, 500000, tzinfo=utc),
        dt.datetime(2023, 1, 1, 1, 39, 42, 865852, tzinfo=utc),
        dt.datetime(2023, 11, 14, 22, 13, 20, 123457, tzinfo=utc),
        dt.datetime(1969, 12, 31, 23, 59, 58, 500000, tzinfo=utc),
        None,
    ]
    config = MigrationConfig(mode="replace", casts=(("e", "d", "epoch_s"),))
    with pytest.raises(UsageError, match="date values do not convert to epoch_s"):
        migrate(db, pg_url, config=config)


@pytest.mark.postgres
def test_sqlite_times_of_day_land_as_time(tmp_path: Path, pg_url: str) -> None:
    # Django's TimeField: SQLite keeps 'HH:MM:SS[.ffffff]' text; PostgreSQL and DuckDB get
    # time, the end of the day included. Rails' '2000-01-01 09:30:00' is no time: text.
    db = _sqlite(
        tmp_path / "t.db",
        "CREATE TABLE shop (id INTEGER PRIMARY KEY, opens time NOT NULL, rails time);",
        {"shop": [(1, "09:30:00", "2000-01-01 09:30:00"), (2, "17:45:30.5", None),
                  (3, "24:00:00", None), (4, "00:00:00.000001", None)]},
    )  # fmt: skip
    duck = tmp_path / "t.duckdb"
    for target in (pg_url, str(duck)):
        assert migrate(db, target).ok
        assert verify(db, target).ok
    with psycopg.connect(pg_url) as con:
        rows = con.execute("SELECT opens::text, pg_typeof(opens)::text, pg_typeof(rails)::text "
                           "FROM shop ORDER BY id").fetchall()  # fmt: skip
    assert [r[0] for r in rows] == ["09:30:00", "17:45:30.5", "24:00:00", "00:00:00.000001"]
    assert {r[1:] for r in rows} == {("time without time zone", "text")}
    con = duckdb.connect(str(duck), read_only=True)
    try:
        got = con.execute("SELECT opens FROM shop WHERE id IN (1, 2) ORDER BY id").fetchall()
    finally:
        con.close()
    assert got == [(dt.time(9, 30),), (dt.time(17, 45, 30, 500000),)]


@pytest.mark.postgres
def test_sqlite_zoned_times_land_as_timestamptz(tmp_path: Path, pg_url: str) -> None:
    # SQLAlchemy and pandas write zoned datetimes with their offset; each is an instant.
    db = _sqlite(
        tmp_path / "z.db",
        "CREATE TABLE ev (id INTEGER PRIMARY KEY, at DATETIME);",
        {"ev": [(1, "2024-01-02 03:04:05+02:00"), (2, "2024-06-30T23:59:59.5-05:30"),
                (3, "2024-01-02 00:00:00Z"), (4, None)]},
    )  # fmt: skip
    assert migrate(db, pg_url).ok
    assert verify(db, pg_url).ok
    utc = dt.UTC
    with psycopg.connect(pg_url) as con:
        rows = con.execute("SELECT at, pg_typeof(at)::text FROM ev ORDER BY id").fetchall()
    assert [r[0] for r in rows] == [
        dt.datetime(2024, 1, 2, 1, 4, 5, tzinfo=utc),
        dt.datetime(2024, 7, 1, 5, 29, 59, 500000, tzinfo=utc),
        dt.datetime(2024, 1, 2, tzinfo=utc),
        None,
    ]
    assert {r[1] for r in rows} == {"timestamp with time zone"}


@pytest.mark.postgres
def test_sqlite_datetimes_with_a_space_or_a_t_land_as_one_timestamp(
    tmp_path: Path, pg_url: str
) -> None:
    # One app writes datetime()'s space, another isoformat()'s T, into the same column: both
    # are the same instants to PostgreSQL and DuckDB, so the column is a timestamp, compared
    # exactly by verify; a copy into SQLite keeps each text as it was.
    rows = [(1, "2024-01-02 10:00:00"), (2, "2024-01-02T10:00:00"),
            (3, "2024-01-02T23:59:59.123456"), (4, None)]  # fmt: skip
    db = _sqlite(tmp_path / "m.db", "CREATE TABLE ev (id INTEGER PRIMARY KEY, at DATETIME);",
                 {"ev": rows})  # fmt: skip
    (table,) = explain(db, str(tmp_path / "t.duckdb")).tables  # a full profile, as plan does
    assert str(table.source.columns[1].arrow_type) == "timestamp[us]"
    assert not [n for n in table.notes if n.startswith("at:")]
    expected = [dt.datetime(2024, 1, 2, 10), dt.datetime(2024, 1, 2, 10),
                dt.datetime(2024, 1, 2, 23, 59, 59, 123456), None]  # fmt: skip
    duck, copy = tmp_path / "t.duckdb", tmp_path / "copy.db"
    for target in (pg_url, str(duck), str(copy)):
        report = migrate(db, target)
        assert report.ok and not [n for t in report.tables for n in t.notes if "again" in n]
        assert verify(db, target).ok
    with psycopg.connect(pg_url) as con:
        got = con.execute("SELECT at, pg_typeof(at)::text FROM ev ORDER BY id").fetchall()
        assert [r[0] for r in got] == expected
        assert {r[1] for r in got} == {"timestamp without time zone"}
        con.execute("UPDATE ev SET at = at + interval '1 microsecond' WHERE id = 2")
    assert [r[1] for r in duckdb_rows(duck, "ev", "id")] == expected
    assert sqlite3.connect(copy).execute("SELECT at FROM ev ORDER BY id").fetchall() == [
        (r[1],) for r in rows
    ]
    changed = verify(db, pg_url)
    assert not changed.ok and [d.key for d in changed.tables[0].diffs] == [{"id": 2}]


@pytest.mark.postgres
def test_timestamptz_survives_a_trip_through_sqlite(tmp_path: Path, pg_url: str) -> None:
    # arrowmig writes zoned times to SQLite as TIMESTAMPTZ text with +00:00; read back, that
    # column is timestamptz again (it came back as text).
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("CREATE TABLE ev (id int PRIMARY KEY, at timestamptz)")
        con.execute("INSERT INTO ev VALUES (1, '2024-01-02 03:04:05.5+02'), (2, NULL)")
    lite = str(tmp_path / "ev.db")
    assert migrate(pg_url, lite).ok
    back = migrate(lite, pg_url, config=MigrationConfig(target_schema="back"))
    assert back.ok and not any("at:" in n for n in back.tables[0].notes)
    with psycopg.connect(pg_url) as con:
        rows = con.execute(
            "SELECT a.at = b.at, pg_typeof(b.at)::text FROM ev a JOIN back.ev b USING (id) "
            "WHERE a.at IS NOT NULL"
        ).fetchall()
    assert rows == [(True, "timestamp with time zone")]


JSON_DOCS = ['{"b": 1,  "a": [1, 2.50]}', '{"a": 1, "a": 2}', "[]", '"text"', None]


def test_declared_json_lands_as_json_with_every_document_exact(tmp_path: Path, pg_url: str) -> None:
    # Rails declares t.json columns JSON; SQLite keeps the text. PostgreSQL's json keeps it
    # exactly (key order, duplicate keys, spacing, 2.50); jsonb would not.
    db = _sqlite(
        tmp_path / "j.db",
        "CREATE TABLE j (id INTEGER PRIMARY KEY, doc JSON, loose JSON);",
        {"j": [(i, d, d if i != 2 else "{not json") for i, d in enumerate(JSON_DOCS, 1)]},
    )
    columns = _columns(explain(db, pg_url).to_dict(), "j")
    assert columns["doc"]["target_type"] == "JSON" and not columns["doc"]["flags"]
    assert columns["loose"]["target_type"] == "TEXT"
    assert "1 of 4 values are not well-formed JSON" in " ".join(columns["loose"]["flags"])
    report = migrate(db, pg_url)
    assert report.ok, str(report.to_dict())
    with psycopg.connect(pg_url) as con:
        rows = con.execute(
            "SELECT doc::text, doc -> 'a', pg_typeof(doc)::text FROM j ORDER BY id"
        ).fetchall()
    assert [r[0] for r in rows] == JSON_DOCS
    assert rows[0][1] == [1, 2.5] and rows[0][2] == "json"


def test_a_rejected_row_is_one_line_whatever_its_text_holds(tmp_path: Path, pg_url: str) -> None:
    # U+0085, U+2028 and U+2029 end a line for str.splitlines and others: escaped in the file.
    source = tmp_path / "s.db"
    con = sqlite3.connect(source)
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT, u TEXT)")
    con.execute("INSERT INTO t VALUES (?, ?, ?)", (1, "nul\x00", "a\x85b\u2028c\u2029d"))
    con.commit()
    con.close()
    config = MigrationConfig(on_error="reject", reject_dir=str(tmp_path / "rejects"))
    report = migrate(str(source), pg_url, config=config)
    assert report.tables[0].rejected == 1
    (path,) = (tmp_path / "rejects").glob("*.jsonl")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0])["row"][2] == "a\x85b\u2028c\u2029d"


@pytest.mark.postgres
def test_a_rejected_row_with_a_year_python_cannot_hold_is_written_as_its_text(
    tmp_path: Path, pg_url: str
) -> None:
    """Python's date stops at 1 AD and 9999: such a row's date goes to the file as its
    exact ISO text, and the table's other rows load (it failed whole before)."""
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("CREATE TABLE rj (id int PRIMARY KEY, f float8, d date, ts timestamp)")
        con.execute(
            "INSERT INTO rj VALUES (1, 'NaN', '0044-03-15 BC', '0044-03-15 12:00 BC'), "
            "(2, 1.5, '2020-01-01', '2020-01-01'), (3, 'NaN', '12000-01-01', '12000-01-01')"
        )
    config = MigrationConfig(on_error="reject", reject_dir=str(tmp_path / "rejects"))
    report = migrate(pg_url, str(tmp_path / "t.db"), config=config)
    assert report.tables[0].rejected == 2 and report.rows == 1, report.tables[0].error
    (path,) = (tmp_path / "rejects").glob("*.jsonl")
    rows = [json.loads(line)["row"] for line in path.read_text(encoding="utf-8").splitlines()]
    assert [r[2:] for r in rows] == [
        ["-0043-03-15", "-0043-03-15 12:00:00"],  # as the writers send it
        ["12000-01-01", "12000-01-01 00:00:00"],
    ]


@pytest.mark.postgres
def test_a_cast_to_a_type_arrowmig_does_not_convert_is_converted_by_the_server(
    tmp_path: Path, pg_url: str
) -> None:
    """The values go as text, for PostgreSQL to read: sent as binary integers, money read
    them as cents (5 became $0.05, and the run said done)."""
    db = _sqlite(
        tmp_path / "m.db",
        "CREATE TABLE m (id INTEGER PRIMARY KEY, amount INTEGER, price REAL);"
        "INSERT INTO m VALUES (1, 5, 1.25), (2, NULL, -0.5);",
    )
    casts = (("m", "amount", "money"), ("m", "price", "money"))
    report = migrate(db, pg_url, config=MigrationConfig(casts=casts))
    assert report.ok, report.tables[0].error
    with psycopg.connect(pg_url) as con:
        got = con.execute("SELECT amount::numeric, price::numeric FROM m ORDER BY id").fetchall()
    assert got == [
        (decimal.Decimal("5.00"), decimal.Decimal("1.25")),
        (None, decimal.Decimal("-0.50")),
    ]


def test_durations_become_intervals_exactly_nulls_and_slices_included() -> None:
    """Built as a buffer: a batch is often a slice, whose null bitmap starts mid-byte."""
    import pyarrow as pa

    from arrowmig.conform import conform

    micros = [1, None, -5, 86_400_000_000 * 3, None, 2**40]
    durations = pa.array(micros, pa.duration("us"))
    for start in range(len(micros)):
        got = conform(durations.slice(start), pa.month_day_nano_interval()).to_pylist()
        assert [None if v is None else (v.months, v.days, v.nanoseconds) for v in got] == [
            None if m is None else (0, 0, m * 1000) for m in micros[start:]
        ]


@pytest.mark.postgres
def test_replay_loads_the_dates_and_infinities_it_wrote(
    tmp_path: Path, pg_url: str, second_pg: str
) -> None:
    """A reject file holds dates of any year and ±infinity as text; replay read them back
    through Python's datetime, which holds neither, and refused the whole file."""
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("CREATE TABLE rj (id int PRIMARY KEY, d date, ts timestamptz, t text)")
        con.execute(
            "INSERT INTO rj VALUES (1, '0044-03-15 BC', 'infinity', 'a'), "
            "(2, '2020-01-01', '2020-01-01 10:00:00.5+02', 'b'), "
            "(3, '5874897-12-31', '-infinity', 'c'), (4, NULL, NULL, 'd')"
        )
    rejects = tmp_path / "rejects"
    config = MigrationConfig(
        casts=(("rj", "t", "integer"),), on_error="reject", reject_dir=str(rejects)
    )
    assert migrate(pg_url, second_pg, config=config).tables[0].rejected == 4
    with psycopg.connect(second_pg, autocommit=True) as con:
        con.execute("ALTER TABLE rj ALTER t TYPE text")  # the cause, fixed
    assert main(["replay-rejects", str(rejects), second_pg]) == 0
    as_text = "SELECT id, d::text, ts::text, t FROM rj ORDER BY id"
    with psycopg.connect(pg_url) as a, psycopg.connect(second_pg) as b:
        assert b.execute(as_text).fetchall() == a.execute(as_text).fetchall()


def test_a_cast_to_numeric_p_s_says_it_rounds(tmp_path: Path) -> None:
    db = _sqlite(tmp_path / "s.db", "CREATE TABLE n (v REAL);", {"n": [(1234.56789,)]})
    config = MigrationConfig(casts=(("n", "v", "numeric(12,4)"),))
    plan = explain(db, str(tmp_path / "t.duckdb"), config=config).to_dict()
    flags = " ".join(_columns(plan, "n")["v"]["flags"])
    assert "(each value is rounded to 4 decimal places)" in flags


def test_a_cast_to_numeric_p_s_says_what_each_target_does_with_its_values(
    tmp_path: Path,
) -> None:
    # Into SQLite the note said only "cast to numeric(10,2)", as if the values were rounded;
    # SQLite has no such type and keeps them as they are (text, in a table it creates).
    db = _sqlite(
        tmp_path / "s.db",
        "CREATE TABLE n (id INTEGER PRIMARY KEY, v REAL);",
        {"n": [(1, 1.23456), (2, 2.5), (3, None)]},
    )
    config = MigrationConfig(casts=(("n", "v", "numeric(10,2)"),))

    into_sqlite = tmp_path / "t.db"
    report = migrate(db, str(into_sqlite), config=config)
    assert (
        "v: cast to numeric(10,2) by casts (SQLite has no numeric(10,2): each value is kept as "
        "it is, not rounded to 2 decimal places)" in report.tables[0].notes
    )
    with sqlite3.connect(into_sqlite) as con:
        stored = con.execute("SELECT v, typeof(v) FROM n ORDER BY id").fetchall()
    assert stored == [("1.23456", "text"), ("2.5", "text"), (None, "null")]

    # DuckDB's DECIMAL(10,2) rounds, as the note says.
    into_duckdb = tmp_path / "t.duckdb"
    report = migrate(db, str(into_duckdb), config=config)
    assert (
        "v: cast to numeric(10,2) by casts (each value is rounded to 2 decimal places)"
        in report.tables[0].notes
    )
    assert [row[1] for row in duckdb_rows(into_duckdb, "n", "id")] == [
        decimal.Decimal("1.23"),
        decimal.Decimal("2.50"),
        None,
    ]


@pytest.mark.postgres
def test_values_the_server_refuses_after_a_cast_are_set_aside_row_by_row(
    tmp_path: Path, pg_url: str
) -> None:
    """A --cast the server converts (a uuid's brace unclosed) is checked by the server: its
    batch failed whole, the table with it, though --on-error reject asked for the row alone.
    ('nope' is no uuid by its shape, and screened before it reaches the server.)"""
    nope = "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
    db = _sqlite(
        tmp_path / "s.db",
        "CREATE TABLE r (id INTEGER PRIMARY KEY, u TEXT);",
        {"r": [(i, nope if i in (7, 30) else f"a0eebc99-9c0b-4ef8-bb6d-6bb9bd38{i:04d}")
               for i in range(1, 41)]},
    )  # fmt: skip
    rejects = tmp_path / "rejects"
    config = MigrationConfig(
        casts=(("r", "u", "uuid"),), on_error="reject", reject_dir=str(rejects)
    )
    report = migrate(db, pg_url, config=config)
    assert report.tables[0].rejected == 2 and report.rows == 38
    (path,) = rejects.glob("*.jsonl")
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["key"] for r in records] == [{"id": 7}, {"id": 30}]
    assert records[0]["problems"][0]["reason"] == f'invalid input syntax for type uuid: "{nope}"'
    with psycopg.connect(pg_url) as con:
        ids = [r[0] for r in con.execute("SELECT id FROM r ORDER BY id").fetchall()]
    assert ids == [i for i in range(1, 41) if i not in (7, 30)]


def test_the_last_line_counts_a_failed_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Rows rejected and keys not built were counted in the last line, a failed table was not.
    db = _sqlite(
        tmp_path / "u.db",
        "CREATE TABLE texts (id INTEGER PRIMARY KEY, t TEXT);"
        "INSERT INTO texts VALUES (1, 'plain'), (2, CAST(x'c328' AS TEXT));"
        "CREATE TABLE fine (id INTEGER PRIMARY KEY);",
    )
    code = main(["migrate", db, str(tmp_path / "u.duckdb"), "--progress", "none"])
    err = capsys.readouterr().err
    assert code == 1
    last = err.splitlines()[-1]
    assert last.startswith("FINISHED WITH FAILURES: ") and ", 1 table failed;" in last, last

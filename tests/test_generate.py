"""The generated sports-betting dataset: shape, counts, determinism, integrity, value rules,
and the whole ``generate`` path into real SQLite, DuckDB and PostgreSQL targets.

Checksums here are computed from what a database holds, read back with its own driver and
canonicalised in Python, never by the generator.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import sqlite3
import uuid
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from arrowmig.endpoints import open_endpoint
from arrowmig.errors import SchemaError, TransferError, UsageError
from arrowmig.generator import SCALES, TABLES, GeneratedSource, table_counts
from arrowmig.model import Column, Index, KeyRange, Table
from tests.dbutil import sqlite_rows

TINY = {
    "large_players": 300,
    "large_matches": 700,
    "large_bets": 3_000,
    "large_odds": 1_500,
    "large_statcast": 4_000,
}
"""Small row counts that still exercise every table, sport and status."""

PG_URL = os.environ.get("ARROWMIG_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


# -- helpers: an independent checksum of what a database holds --------------------------------


def _canon(value: Any) -> str:
    """One canonical text per value, whatever type the database handed it back as."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return value
    return str(value)


def _digest(rows: Iterator[tuple[Any, ...]]) -> str:
    h = hashlib.sha256()
    for row in rows:
        h.update("\x1f".join(_canon(v) for v in row).encode())
        h.update(b"\x1e")
    return h.hexdigest()


def _source_digests(src: GeneratedSource, *, batch_rows: int, splits: int = 1) -> dict[str, str]:
    """Read every table in ``splits`` key ranges into a fresh DuckDB; hash its ordered rows."""
    con = duckdb.connect()
    out = {}
    for name in src.list_tables():
        table = src.describe(name)
        n = table.row_count or 0
        edges = [n * i // splits for i in range(splits + 1)]
        for i, (lo, hi) in enumerate(itertools.pairwise(edges)):
            reader = src.read(table, batch_rows=batch_rows, key_range=KeyRange(lo, hi))
            _ingest(con, name, reader, create=i == 0)
        out[name] = _digest(iter(con.execute(f'SELECT * FROM "{name}" ORDER BY id').fetchall()))
    con.close()
    return out


def _load(src: GeneratedSource, batch_rows: int = 10_000) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for name in src.list_tables():
        _ingest(con, name, src.read(src.describe(name), batch_rows=batch_rows), create=True)
    return con


def _ingest(
    con: duckdb.DuckDBPyConnection, name: str, reader: pa.RecordBatchReader, *, create: bool
) -> None:
    con.register("rdr", reader)
    verb = "CREATE TABLE" if create else "INSERT INTO"
    con.execute(f'{verb} "{name}" {"AS " if create else ""}SELECT * FROM rdr')
    con.unregister("rdr")


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    return con.execute(sql).fetchall()[0][0]


# -- scales and shape ------------------------------------------------------------------------


def test_scale_totals_are_exact() -> None:
    totals = {name: sum(counts.values()) for name, counts in SCALES.items()}
    assert totals == {
        "small": 560_000,
        "phase3": 2_959_920,
        "medium": 2_560_000,
        "large": 12_800_000,
        "xlarge": 55_000_000,
    }
    assert SCALES["phase3"] == {
        "large_players": 10_000,
        "large_matches": 50_000,
        "large_bets": 500_000,
        "large_odds": 399_920,
        "large_statcast": 2_000_000,
    }
    assert all(list(counts) == list(TABLES) for counts in SCALES.values())


def test_small_scale_streams_exact_row_counts() -> None:
    with GeneratedSource(scale="small", seed=1) as src:
        con = duckdb.connect()
        for name in TABLES:
            con.register("rdr", src.read(src.describe(name), batch_rows=100_000))
            got = _one(con, "SELECT count(*) FROM rdr")
            con.unregister("rdr")
            assert got == SCALES["small"][name], name


def test_describe_gives_keys_indexes_and_reader_schema() -> None:
    with GeneratedSource(rows=TINY) as src:
        assert src.list_tables() == list(TABLES)
        assert src.list_views() == []
        assert src.url.kind == "generated"
        assert src.url.target == src.url.redacted
        bets = src.describe("large_bets")
        assert bets.primary_key == ("id",)
        assert bets.split_key == "id"
        assert bets.row_count == TINY["large_bets"]
        assert {fk.ref_table for fk in bets.foreign_keys} == {"large_players", "large_matches"}
        assert {ix.columns for ix in bets.indexes} == {
            ("player_id",),
            ("match_id",),
            ("placed_at",),
        }
        assert bets.column("stake").arrow_type == pa.decimal128(12, 2)
        assert src.key_bounds(bets) == (1, TINY["large_bets"])
        for name in TABLES:
            table = src.describe(name)
            reader = src.read(table, batch_rows=1000, key_range=KeyRange(10, 20))
            batch = reader.read_all()
            assert batch.schema == table.arrow_schema
            assert batch.column("id").to_pylist() == list(range(11, 21))
        keyed = src.read(bets, batch_rows=7, key_range=KeyRange(None, 5), with_key=True).read_all()
        assert keyed.schema.names[-1] == "_arrowmig_key"
        assert keyed.column("_arrowmig_key").to_pylist() == [1, 2, 3, 4, 5]
        with pytest.raises(SchemaError):
            src.describe("nope")


def test_only_chosen_tables_and_their_foreign_keys() -> None:
    with GeneratedSource(rows=TINY, tables=["large_bets", "large_matches"]) as src:
        assert src.list_tables() == ["large_matches", "large_bets"]
        assert not src.table_exists("large_players")
        fks = src.describe("large_bets").foreign_keys
        assert [fk.ref_table for fk in fks] == ["large_matches"]


# -- determinism ------------------------------------------------------------------------------


def test_same_seed_same_data_whatever_the_chunking_or_threads() -> None:
    with GeneratedSource(rows=TINY, seed=7, threads=1) as one:
        base = _source_digests(one, batch_rows=100_000)
    with GeneratedSource(rows=TINY, seed=7, threads=2) as two:
        assert _source_digests(two, batch_rows=333, splits=5) == base
    with GeneratedSource(rows=TINY, seed=7) as again:
        assert _source_digests(again, batch_rows=2048, splits=2) == base


def test_table_data_does_not_depend_on_which_tables_are_chosen() -> None:
    with GeneratedSource(rows=TINY, seed=3) as everything:
        base = _source_digests(everything, batch_rows=4096)
    with GeneratedSource(rows=TINY, seed=3, tables=["large_statcast"]) as one:
        assert _source_digests(one, batch_rows=4096) == {"large_statcast": base["large_statcast"]}


def test_different_seed_different_data() -> None:
    with GeneratedSource(rows=TINY, seed=1) as a, GeneratedSource(rows=TINY, seed=2) as b:
        da, db = _source_digests(a, batch_rows=5000), _source_digests(b, batch_rows=5000)
    assert all(da[name] != db[name] for name in TABLES)


# -- integrity and plausibility ----------------------------------------------------------------


@pytest.fixture(scope="module")
def loaded() -> Iterator[duckdb.DuckDBPyConnection]:
    rows = {**TINY, "large_bets": 20_000, "large_statcast": 10_000}
    with GeneratedSource(rows=rows, seed=42) as src:
        con = _load(src)
    yield con
    con.close()


@pytest.mark.parametrize(
    ("child", "column", "parent"),
    [
        ("large_bets", "player_id", "large_players"),
        ("large_bets", "match_id", "large_matches"),
        ("large_odds", "match_id", "large_matches"),
        ("large_statcast", "player_id", "large_players"),
        ("large_statcast", "match_id", "large_matches"),
    ],
)
def test_every_foreign_key_points_at_a_row(
    loaded: duckdb.DuckDBPyConnection, child: str, column: str, parent: str
) -> None:
    orphans = _one(
        loaded,
        f"SELECT count(*) FROM {child} c LEFT JOIN {parent} p ON c.{column} = p.id "
        "WHERE p.id IS NULL",
    )
    assert orphans == 0
    assert _one(loaded, f"SELECT count(*) FROM {child} WHERE {column} IS NULL") == 0


def test_primary_keys_are_unique_and_dense(loaded: duckdb.DuckDBPyConnection) -> None:
    for name in TABLES:
        n, distinct, lo, hi = loaded.execute(
            f"SELECT count(*), count(DISTINCT id), min(id), max(id) FROM {name}"
        ).fetchall()[0]
        assert n == distinct == hi and lo == 1


def test_bet_rules(loaded: duckdb.DuckDBPyConnection) -> None:
    con = loaded
    assert _one(con, "SELECT min(odds) FROM large_bets") > 1.0
    assert _one(con, "SELECT count(*) FROM large_bets WHERE settled_at < placed_at") == 0
    assert _one(con, "SELECT count(*) FROM large_bets WHERE stake <= 0") == 0
    # Settled exactly when not pending; payouts follow the status.
    assert (
        _one(
            con,
            "SELECT count(*) FROM large_bets WHERE (status = 'pending') <> (settled_at IS NULL)"
            " OR (status = 'pending') <> (payout IS NULL)",
        )
        == 0
    )
    assert _one(con, "SELECT count(*) FROM large_bets WHERE status = 'lost' AND payout <> 0") == 0
    assert (
        _one(con, "SELECT count(*) FROM large_bets WHERE status = 'void' AND payout <> stake") == 0
    )
    bad_win = (
        "SELECT count(*) FROM large_bets WHERE status = 'won' AND abs(payout - stake * odds) > 0.01"
    )
    assert _one(con, bad_win) == 0
    assert set(r[0] for r in con.execute("SELECT DISTINCT status FROM large_bets").fetchall()) == {
        "pending",
        "won",
        "lost",
        "void",
    }
    # Bets follow their match: pending only on scheduled matches, void on called-off ones,
    # won/lost only on finished ones, and a winning match_winner pick is the real result.
    wrong = _one(
        con,
        """SELECT count(*) FROM large_bets b JOIN large_matches m ON b.match_id = m.id
        WHERE (m.status = 'scheduled') <> (b.status = 'pending')
           OR (m.status IN ('cancelled', 'postponed') AND b.status <> 'void')
           OR (b.status IN ('won', 'lost') AND m.status <> 'finished')
           OR (b.market = 'match_winner' AND b.status IN ('won', 'lost') AND
               (b.status = 'won') <> (b.selection = CASE
                   WHEN m.home_score > m.away_score THEN 'home'
                   WHEN m.home_score < m.away_score THEN 'away' ELSE 'draw' END))""",
    )
    assert wrong == 0


def test_odds_are_consistent_with_how_often_bets_win(loaded: duckdb.DuckDBPyConnection) -> None:
    rows = loaded.execute(
        """SELECT odds < 2.0 AS favourite, avg((status = 'won')::INT), avg(1.0 / odds), count(*)
        FROM large_bets WHERE market = 'match_winner' AND status IN ('won', 'lost')
        GROUP BY ALL ORDER BY 1"""
    ).fetchall()
    (_, long_won, long_implied, n_long), (_, fav_won, fav_implied, n_fav) = rows
    assert n_long > 1000 and n_fav > 1000
    assert fav_won > long_won
    # Implied chance includes the bookmaker's 4-8% margin, so bets win a bit less often.
    assert fav_implied * 0.85 < fav_won < fav_implied * 1.02
    assert long_implied * 0.8 < long_won < long_implied * 1.05


def test_scores_only_when_finished_and_bets_match_outcomes(
    loaded: duckdb.DuckDBPyConnection,
) -> None:
    con = loaded
    assert (
        _one(
            con,
            "SELECT count(*) FROM large_matches WHERE (status = 'finished') <> "
            "(home_score IS NOT NULL) OR (status = 'finished') <> (away_score IS NOT NULL)",
        )
        == 0
    )
    assert _one(con, "SELECT count(*) FROM large_matches WHERE home_team = away_team") == 0
    statuses = {r[0] for r in con.execute("SELECT DISTINCT status FROM large_matches").fetchall()}
    assert statuses == {"finished", "scheduled", "cancelled", "postponed"}
    draws = "SELECT count(*) FROM large_matches WHERE sport <> 'soccer' AND home_score = away_score"
    assert _one(con, draws) == 0


def test_odds_and_statcast_are_plausible(loaded: duckdb.DuckDBPyConnection) -> None:
    con = loaded
    assert (
        _one(con, "SELECT least(min(home_odds), min(draw_odds), min(away_odds)) FROM large_odds")
        > 1.0
    )
    before = """SELECT count(*) FROM large_odds o JOIN large_matches m ON o.match_id = m.id
        WHERE o.captured_at >= m.start_time"""
    assert _one(con, before) == 0
    mean, sd = con.execute(
        "SELECT avg(release_speed), stddev(release_speed) FROM large_statcast"
    ).fetchall()[0]
    assert 91.5 < mean < 92.5 and 4.5 < sd < 5.5
    pitchers = """SELECT count(*) FROM large_statcast s JOIN large_players p ON s.player_id = p.id
        JOIN large_matches m ON s.match_id = m.id WHERE p.position <> 'P' OR m.sport <> 'baseball'"""
    assert _one(con, pitchers) == 0
    contact = """SELECT count(*) FROM large_statcast WHERE (launch_speed IS NULL) <>
        (description NOT IN ('foul', 'hit_into_play'))"""
    assert _one(con, contact) == 0


def test_nulls_where_a_real_system_has_them(loaded: duckdb.DuckDBPyConnection) -> None:
    for table, column in [
        ("large_players", "birth_date"),
        ("large_players", "height_cm"),
        ("large_players", "rating"),
        ("large_matches", "venue"),
        ("large_statcast", "spin_rate"),
        ("large_statcast", "release_speed"),
    ]:
        share = _one(loaded, f"SELECT avg(({column} IS NULL)::INT) FROM {table}")
        assert 0.004 < share < 0.12, (table, column, share)


def test_stakes_are_skewed(loaded: duckdb.DuckDBPyConnection) -> None:
    median, p99, top = loaded.execute(
        "SELECT median(stake), quantile_cont(stake, 0.99), max(stake) FROM large_bets"
    ).fetchall()[0]
    assert 5 <= median <= 20
    assert p99 > 8 * median and top > p99


# -- clear errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"scale": "huge"}, "unknown scale='huge'"),
        ({"seed": -1}, "seed must be"),
        ({"seed": "42"}, "seed must be"),
        ({"seed": 2**64}, "seed must be"),
        ({"tables": ["large_nope"]}, "unknown generated table 'large_nope'"),
        ({"rows": {"large_nope": 5}}, "unknown generated table"),
        ({"rows": {"large_bets": -5}}, "at least 0"),
        ({"rows": {"large_players": 0}}, "needs rows in large_players"),
    ],
)
def test_bad_arguments_raise_usage_errors(kwargs: Mapping[str, Any], words: str) -> None:
    with pytest.raises(UsageError) as info:
        GeneratedSource(**kwargs).close()
    assert words in str(info.value)
    assert info.value.hint
    assert "\n" not in str(info.value)


def test_an_empty_parent_is_fine_when_no_chosen_child_needs_it() -> None:
    with GeneratedSource(rows={"large_players": 0}, tables=["large_matches", "large_odds"]) as src:
        assert src.list_tables() == ["large_matches", "large_odds"]
        assert src.describe("large_odds").row_count == SCALES["small"]["large_odds"]


def test_table_counts_applies_overrides() -> None:
    counts = table_counts("phase3", {"large_bets": 5})
    assert counts["large_bets"] == 5 and counts["large_players"] == 10_000


def test_a_generated_source_cannot_be_written() -> None:
    with GeneratedSource(rows=TINY) as src, pytest.raises(SchemaError):
        src.create_table(src.describe("large_players"))


# -- the whole path: generate() into real databases -------------------------------------------

E2E_ROWS = {
    "large_players": 200,
    "large_matches": 500,
    "large_bets": 2_000,
    "large_odds": 1_000,
    "large_statcast": 2_500,
}


def _sqlite_digests(path: Path) -> dict[str, str]:
    con = sqlite3.connect(path)
    try:
        return {name: _digest(_sqlite_rows(con, name)) for name in TABLES}
    finally:
        con.close()


def _sqlite_rows(con: sqlite3.Connection, name: str) -> Iterator[tuple[Any, ...]]:
    """SQLite hands back text and numbers; shape them by the declared type of each column."""
    decl = {r[1]: (r[2] or "").upper() for r in con.execute(f'PRAGMA table_info("{name}")')}
    names = list(decl)
    for row in con.execute(f'SELECT * FROM "{name}" ORDER BY id'):
        out: list[Any] = []
        for col, value in zip(names, row, strict=True):
            kind = decl[col]
            if value is None:
                out.append(None)
            elif "TIMESTAMP" in kind or "DATETIME" in kind:
                out.append(datetime.fromisoformat(str(value)))
            elif kind == "DATE":
                out.append(date.fromisoformat(str(value)))
            elif "NUMERIC" in kind or "DECIMAL" in kind:
                out.append(Decimal(str(value)))
            elif "BOOL" in kind:
                out.append(bool(value))
            else:
                out.append(value)
        yield tuple(out)


def _duckdb_digests(path: Path) -> dict[str, str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {
            name: _digest(iter(con.execute(f'SELECT * FROM "{name}" ORDER BY id').fetchall()))
            for name in TABLES
        }
    finally:
        con.close()


@pytest.fixture
def pg_db() -> Iterator[str]:
    psycopg = pytest.importorskip("psycopg")
    name = f"arrowmig_gen_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(PG_URL, autocommit=True)
    except psycopg.OperationalError as exc:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _pg_digests(url: str) -> dict[str, str]:
    import psycopg

    with psycopg.connect(url) as con:
        return {
            name: _digest(iter(con.execute(f'SELECT * FROM "{name}" ORDER BY id').fetchall()))
            for name in TABLES
        }


def _pg_indexes(url: str) -> set[tuple[str, str]]:
    import psycopg

    with psycopg.connect(url) as con:
        rows = con.execute(
            "SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = 'public'"
        ).fetchall()
    return {(t, d) for t, d in rows}


def _generate(target: str, **kwargs: Any) -> Any:
    from arrowmig.generator import generate

    report = generate(target, **{"rows": E2E_ROWS, "seed": 42, **kwargs})
    assert report.ok, [(t.name, t.status, t.error) for t in report.tables if t.status != "done"]
    return report


@pytest.fixture(scope="module")
def reference_digests() -> dict[str, str]:
    with GeneratedSource(rows=E2E_ROWS, seed=42) as src:
        return _source_digests(src, batch_rows=100_000)


def test_generate_into_duckdb_same_data_whatever_the_batch_size(
    tmp_path: Path, reference_digests: dict[str, str]
) -> None:
    from arrowmig.config import BatchConfig, MigrationConfig

    events: list[Any] = []
    report = _generate(f"duckdb:///{tmp_path / 'a.duckdb'}", progress=events.append)
    assert report.ok and report.rows == sum(E2E_ROWS.values())
    assert {t.name: t.rows for t in report.tables} == E2E_ROWS
    assert any(e.event == "summary" for e in events)
    small = MigrationConfig(batch=BatchConfig(batch_rows=97), parallel=1)
    assert _generate(f"duckdb:///{tmp_path / 'b.duckdb'}", config=small).ok
    a, b = _duckdb_digests(tmp_path / "a.duckdb"), _duckdb_digests(tmp_path / "b.duckdb")
    assert a == b == reference_digests
    con = duckdb.connect(str(tmp_path / "a.duckdb"), read_only=True)
    try:
        indexed = {r[0] for r in con.execute("SELECT index_name FROM duckdb_indexes()").fetchall()}
        pk = con.execute(
            "SELECT count(*) FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY'"
            " AND table_name LIKE 'large\\_%' ESCAPE '\\'"
        ).fetchall()[0][0]
    finally:
        con.close()
    assert "ix_large_bets_match_id" in indexed and pk == len(TABLES)


def test_generate_into_sqlite_matches_duckdb(
    tmp_path: Path, reference_digests: dict[str, str]
) -> None:
    report = _generate(str(tmp_path / "gen.db"))
    assert report.ok and report.rows == sum(E2E_ROWS.values())
    assert _sqlite_digests(tmp_path / "gen.db") == reference_digests
    # Its floats are never NaN: no warning of NaN SQLite cannot store, with options it lacks.
    assert not [n for t in report.tables for n in t.notes if "NaN" in n]
    con = sqlite3.connect(tmp_path / "gen.db")
    try:
        indexes = {r[1] for r in con.execute("SELECT * FROM sqlite_master WHERE type = 'index'")}
        orphans = con.execute(
            "SELECT count(*) FROM large_bets b LEFT JOIN large_players p ON b.player_id = p.id "
            "WHERE p.id IS NULL"
        ).fetchall()[0][0]
    finally:
        con.close()
    assert "ix_large_bets_placed_at" in indexes and orphans == 0


@pytest.mark.postgres
def test_generate_into_postgres_matches_duckdb(
    pg_db: str, reference_digests: dict[str, str]
) -> None:
    report = _generate(pg_db)
    assert report.ok and report.rows == sum(E2E_ROWS.values())
    assert _pg_digests(pg_db) == reference_digests
    indexes = _pg_indexes(pg_db)
    assert any(t == "large_statcast" and "(recorded_at)" in d for t, d in indexes)
    assert any(t == "large_bets" and "pkey" in d for t, d in indexes)


def test_generate_rejects_bad_arguments_before_touching_the_target(tmp_path: Path) -> None:
    target = tmp_path / "never.duckdb"
    with pytest.raises(UsageError, match="unknown scale"):
        _generate(f"duckdb:///{target}", scale="gigantic")
    assert not target.exists()


# -- the command line ----------------------------------------------------------------------------

CLI_ROWS = [f"--rows={name}={n}" for name, n in E2E_ROWS.items()]


def test_cli_generates_and_prints_the_report_as_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from arrowmig.cli.generate import command

    target = tmp_path / "cli.db"
    args = [str(target), *CLI_ROWS, "--seed", "42", "--progress", "none", "--json"]
    assert command.main(args, standalone_mode=False) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] and out["rows"] == sum(E2E_ROWS.values())
    assert out["source"].startswith("scale=small,seed=42")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--scale", "enormous"], "unknown --scale 'enormous'"),
        (["--tables", "large_bets,large_nope"], "unknown generated table 'large_nope'"),
        (["--rows", "large_bets"], "cannot read --rows"),
        (["--rows", "large_bets=-1"], "cannot read --rows"),
        (["--rows", "large_nope=5"], "unknown generated table 'large_nope'"),
    ],
)
def test_cli_bad_options_are_usage_errors(tmp_path: Path, args: list[str], words: str) -> None:
    from arrowmig.cli.generate import command

    target = tmp_path / "never.db"
    with pytest.raises(UsageError) as info:
        command.main([str(target), *args, "--progress", "none"], standalone_mode=False)
    assert words in str(info.value)
    assert info.value.exit_code == 2
    assert not target.exists()


def test_cli_tables_given_twice_generates_both_as_migrate_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """generate -t a -t b generated b alone (the last --tables won) and took no -t; migrate,
    plan and verify join repeated --tables."""
    from arrowmig.cli import main

    target = tmp_path / "two.db"
    rows = ["--rows", "large_players=20", "--rows", "large_matches=30", "--progress", "none"]
    assert (
        main(["generate", str(target), "-t", "large_players", "--tables", "large_matches", *rows])
        == 0
    )
    capsys.readouterr()
    assert len(sqlite_rows(target, "large_players", "id")) == 20
    assert len(sqlite_rows(target, "large_matches", "id")) == 30


def test_cli_empty_tables_generates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--tables "$EMPTY" generated all five tables, where generate(tables=[]) and migrate's
    --tables "" are refused (an empty list never means every table)."""
    from arrowmig.cli import main

    target = tmp_path / "never.db"
    assert main(["generate", str(target), "--tables", "", "--progress", "none"]) == 2
    assert (
        "arrowmig: error: --tables names no table; name at least one table, or leave "
        "--tables out" in capsys.readouterr().err
    )
    assert not target.exists()


@pytest.mark.parametrize("seed", ["-3", "abc", "1.5", str(2**63)])
def test_generate_and_bench_take_the_same_seeds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], seed: str
) -> None:
    """generate's --seed took TEXT (its own message), bench's INTEGER (click's, and -3 failed
    only once the dataset was being generated): one option, one message, exit 2."""
    from arrowmig.cli import main

    messages = []
    for verb in (["generate", str(tmp_path / "never.db")], ["bench"]):
        assert main([*verb, "--seed", seed]) == 2
        messages.append(capsys.readouterr().err.split("; see")[0])
        assert main([verb[0], "--help"]) == 0
        assert "--seed INTEGER" in capsys.readouterr().out
    assert messages[0] == messages[1]
    assert f"invalid value for '--seed': '{seed}' is not a whole number from 0 to" in messages[0]
    assert not (tmp_path / "never.db").exists()


def test_a_seed_spelled_otherwise_gives_the_same_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The seed is read as int() reads it, as generate read its TEXT before: 042 is seed 42,
    the README's figures' data."""
    from arrowmig.cli import main

    rows = ["--rows", "large_players=50", "--tables", "large_players", "--progress", "none"]
    for name, seed in (("a.db", "42"), ("b.db", "042")):
        assert main(["generate", str(tmp_path / name), "--seed", seed, *rows]) == 0
    capsys.readouterr()
    assert sqlite_rows(tmp_path / "a.db", "large_players", "id") == sqlite_rows(
        tmp_path / "b.db", "large_players", "id"
    )


def test_players_beyond_bigint_arithmetic_of_sign_up_times() -> None:
    # xlarge has more players than (id - 1) * five years in microseconds fits in a BIGINT
    # (about 58,000): their sign-up times are computed wide and stay in order and in range.
    rows = {**TINY, "large_players": 60_000}
    with GeneratedSource(rows=rows) as src:
        table = src.describe("large_players")
        batch = src.read(table, batch_rows=100_000, key_range=KeyRange(58_000, 60_000)).read_all()
    created = batch.column("created_at").to_pylist()
    assert len(created) == 2_000 and None not in created
    assert created == sorted(created)  # sign-up order follows the ids
    assert created[0].year >= 2018 and created[-1].year <= 2023  # five years from 2018


def test_duckdb_index_that_does_not_fit_its_memory_cap_is_left_for_resume_with_advice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # DuckDB builds an ART index in memory; under arrowmig's cap a big one fails. The table
    # is kept, not finished: the error names the index left and how to build it (--resume
    # with a larger cap), never a note of a table then recorded loaded.
    import arrowmig.endpoints.duckdb as duckdb_endpoint

    monkeypatch.setattr(duckdb_endpoint, "DUCKDB_MEMORY_LIMIT", "16MB")
    with open_endpoint(str(tmp_path / "cap.duckdb"), create=True) as ep:
        ep.execute("CREATE TABLE t AS SELECT range AS id, hash(range) AS h FROM range(3000000)")
        table = Table(
            name="t",
            columns=(Column("id", pa.int64()), Column("h", pa.uint64())),
            indexes=(Index("ix_t_h", ("h",)),),
        )
        with pytest.raises(TransferError) as failed:
            ep.finish_table(table)
        (count,) = ep.execute("SELECT count(*) FROM t")[0]
    assert count == 3_000_000
    assert failed.value.unfinished == ("index ix_t_h",)
    said = str(failed.value)
    assert said.startswith("index ix_t_h not built: ") and "Out of Memory" in said
    assert "--resume and ARROWMIG_DUCKDB_MEMORY_LIMIT=4GB" in said and "16MB" in said


def test_generating_into_tables_that_exist_advises_what_generate_can_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The advice was migrate's "--resume to continue an interrupted run", which generate lacks.
    from arrowmig.cli import main

    target = str(tmp_path / "again.duckdb")
    args = ["generate", target, "--rows=large_players=50", "--tables", "large_players"]
    assert main([*args, "--progress", "none"]) == 0
    capsys.readouterr()
    assert main([*args, "--progress", "none"]) == 2
    err = capsys.readouterr().err
    assert "--resume" not in err
    assert err.strip().endswith(
        "generate it again with --mode replace (the same seed gives the same rows), "
        "or drop it first"
    )
    # What it says works.
    assert main([*args, "--mode", "replace", "--progress", "none"]) == 0

"""``--mode replace`` of tables linked by foreign keys into PostgreSQL: the run's workers put
them in place one at a time, never deadlocking with or reading past one another; an old
table a failed replace keeps keeps its foreign keys, those a replaced parent dropped too; and
a lock one of the run's own sessions holds is said to be the run's own."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg
import pytest

import arrowmig
from arrowmig.config import MigrationConfig
from arrowmig.endpoints.pg_errors import lock_holder
from arrowmig.endpoints.pg_hold import Blocker
from arrowmig.endpoints.pg_wire import session_name
from arrowmig.endpoints.postgres import WRITING
from arrowmig.linked_swaps import LinkedSwaps
from tests.dbutil import failures

_KEYS_SQL = (
    "SELECT conrelid::regclass::text, conname, convalidated FROM pg_constraint "
    "WHERE contype = 'f' ORDER BY 1, 2"
)


def _keys(url: str) -> list[tuple[str, str, bool]]:
    with psycopg.connect(url) as con:
        return [tuple(r) for r in con.execute(_KEYS_SQL).fetchall()]  # type: ignore[misc]


def _source(path: Path, *statements: str, rows: int = 300) -> str:
    con = sqlite3.connect(path)
    with con:
        for sql in statements:
            con.execute(sql)
        for table in ("a", "b", "c"):
            con.executemany(
                f"INSERT INTO {table} VALUES (?, ?, ?)",
                [(i, i, f"row {i}") for i in range(1, rows + 1)],
            )
    con.close()
    return str(path)


def _parent_and_child_loaded(
    tmp_path: Path, pg_url: str
) -> tuple[str, list[tuple[str, str, bool]]]:
    """A source of parent a and child b (and c, not moved), a and b loaded into ``pg_url``:
    the source and the target's foreign keys."""
    src = _source(
        tmp_path / "s.db",
        "CREATE TABLE a (id INTEGER PRIMARY KEY, r INTEGER, v TEXT)",
        "CREATE TABLE b (id INTEGER PRIMARY KEY, r INTEGER REFERENCES a(id), v TEXT)",
        "CREATE TABLE c (id INTEGER PRIMARY KEY, r INTEGER, v TEXT)",
        rows=5,
    )
    assert arrowmig.migrate(src, pg_url, tables=["a", "b"]).ok
    return src, _keys(pg_url)


def _replace_both(src: str, pg_url: str, **settings: Any) -> arrowmig.MigrationReport:
    """a and b replaced with no retries, and ``settings``."""
    config = MigrationConfig(mode="replace", retries=0, **settings)
    return arrowmig.migrate(src, pg_url, tables=["a", "b"], config=config)


def test_tables_linked_by_keys_share_one_lock_and_others_none() -> None:
    swaps = LinkedSwaps(
        {"a": [], "b": ["a"], "c": ["b"], "x": ["y"], "y": ["x"], "alone": [], "self": ["self"]}
    )
    chain = {swaps.lock_for(name) for name in ("a", "b", "c")}
    cycle = {swaps.lock_for(name) for name in ("x", "y")}
    assert len(chain) == len(cycle) == 1
    assert chain != cycle and None not in chain | cycle
    assert swaps.lock_for("alone") is None and swaps.lock_for("self") is None


@pytest.mark.postgres
@pytest.mark.parametrize("shape", ["chain", "cycle"])
def test_replacing_linked_tables_again_and_again_never_fails(
    tmp_path: Path, pg_url: str, shape: str
) -> None:
    # a <- b <- c, or a -> c -> b -> a: each replace drops the old tables with the keys
    # between them, which two workers at once took in opposite orders (a deadlock).
    first = "" if shape == "chain" else "REFERENCES c(id)"
    src = _source(
        tmp_path / "s.db",
        f"CREATE TABLE a (id INTEGER PRIMARY KEY, r INTEGER {first}, v TEXT)",
        "CREATE TABLE b (id INTEGER PRIMARY KEY, r INTEGER REFERENCES a(id), v TEXT)",
        "CREATE TABLE c (id INTEGER PRIMARY KEY, r INTEGER REFERENCES b(id), v TEXT)",
    )
    config = MigrationConfig(parallel=3, retries=0)
    first_report = arrowmig.migrate(src, pg_url, config=config)
    assert first_report.ok, failures(first_report)
    keys = _keys(pg_url)
    assert len(keys) == (2 if shape == "chain" else 3)
    for _ in range(4):
        report = arrowmig.migrate(src, pg_url, config=replace(config, mode="replace"))
        assert report.ok, failures(report)
        assert sum(t.retries for t in report.tables) == 0
        assert _keys(pg_url) == keys


@pytest.mark.postgres
def test_an_old_child_kept_by_its_failed_replace_keeps_its_key_into_a_replaced_parent(
    tmp_path: Path, pg_url: str
) -> None:
    src, before = _parent_and_child_loaded(tmp_path, pg_url)
    # b's replace fails on a value its column's type cannot take (its profile left out);
    # a's goes in place, dropping the old a with b's key into it.
    with sqlite3.connect(src) as con:
        con.execute("INSERT INTO b VALUES (6, 'not a key', 'x')")
    report = _replace_both(src, pg_url, profile=False)
    assert [t.status for t in sorted(report.tables, key=lambda t: t.name)] == ["done", "failed"]
    assert _keys(pg_url) == before
    child = next(t for t in report.tables if t.name == "b")
    assert any(
        "lost foreign key b_r_fkey as 'a' was replaced: added again" in n for n in child.notes
    )


@pytest.mark.postgres
def test_a_swap_that_times_out_on_a_lock_leaves_the_old_tables_with_their_keys(
    tmp_path: Path, pg_url: str
) -> None:
    src, before = _parent_and_child_loaded(tmp_path, pg_url)
    with psycopg.connect(pg_url) as holder:
        # Another session reads b and keeps its lock: a's put in place (dropping b's key into
        # it) and b's own both wait, time out, and roll back.
        holder.execute("LOCK TABLE b IN ACCESS SHARE MODE")
        report = _replace_both(src, pg_url, batch_timeout_s=1.0)
        holder.rollback()
    assert {t.status for t in report.tables} == {"failed"}
    assert _keys(pg_url) == before
    with psycopg.connect(pg_url) as con:
        assert con.execute("SELECT count(*) FROM b").fetchone() == (5,)


def test_a_lock_held_by_the_runs_own_session_is_said_to_be_its_own() -> None:
    own = session_name(WRITING)
    row = [(4242, "public.b", own, "ALTER TABLE b DROP CONSTRAINT b_r_fkey")]
    said = lock_holder(lambda *_: row, '"public"."b"', 0)
    assert said.startswith(" on public.b held by pid 4242 (this run's own session, ")
    blocker = Blocker("public.b", 4242, own, "ALTER TABLE b", None)
    assert blocker.said().startswith("pid 4242 (this run's own session, ")
    # Another process's (another run's) session is not the run's own.
    other = own.replace(" run ", " run x")
    assert "own session" not in lock_holder(lambda *_: [(1, "b", other, "")], "b", 0)
    assert "own session" not in Blocker("b", 1, "psql", "", None).said()

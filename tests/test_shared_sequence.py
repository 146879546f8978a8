"""A key several tables draw from one sequence (a "global ticket number"): after a run, an
insert that leaves the key out, into any of those tables, must succeed, and the tables must
keep numbering together (distinct numbers across them), whatever the mode.
Every check inserts with psycopg, as the application would.
"""

from __future__ import annotations

import importlib
import json
import signal
import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import duckdb
import psycopg
import pytest

import arrowmig
from arrowmig.config import MigrationConfig
from arrowmig.migrate import explain
from tests.dbutil import as_role, pg_exec
from tests.run_events import signal_at_event

SOURCE = """
CREATE SEQUENCE ticket_no START 1000;
CREATE TABLE tickets (id int PRIMARY KEY DEFAULT nextval('ticket_no'), subject text);
CREATE TABLE notes (id bigint PRIMARY KEY DEFAULT nextval('ticket_no'), body text);
INSERT INTO tickets (subject) VALUES ('a'), ('b');
INSERT INTO notes (body) VALUES ('x');
"""
"""tickets 1000 and 1001, notes 1002: the sequence's last value is 1002."""

MORE_ROWS = """
INSERT INTO tickets (id, subject) VALUES (5000, 'given its key');
INSERT INTO notes (body) VALUES ('y');
SELECT nextval('ticket_no') FROM generate_series(1, 10);
"""
"""A key past the sequence (5000), a note drawn (1003), and numbers handed out to rows
deleted since (the source's last value is 1013)."""

APPLICATION_SCHEMA = """
CREATE SEQUENCE {schema}.ticket_no;
CREATE TABLE {schema}.tickets (id int PRIMARY KEY DEFAULT nextval('{schema}.ticket_no'),
                               subject text);
CREATE TABLE {schema}.notes (id bigint PRIMARY KEY DEFAULT nextval('{schema}.ticket_no'),
                             body text);
"""
"""The tables as the application created them in the target (its migrations), its sequence
at 1."""


def insert_without_keys(url: str, schema: str = "public") -> list[int]:
    """Insert into each table sharing the sequence, leaving the key out (twice each, in
    turn); the keys they got, every one new to both tables."""
    with psycopg.connect(url, autocommit=True) as con:
        before = {
            int(r[0])
            for r in con.execute(
                f"SELECT id FROM {schema}.tickets UNION ALL SELECT id FROM {schema}.notes"
            ).fetchall()
        }
        got = []
        for _ in range(2):
            for sql in (
                f"INSERT INTO {schema}.tickets (subject) VALUES ('new') RETURNING id",
                f"INSERT INTO {schema}.notes (body) VALUES ('new') RETURNING id",
            ):
                row = con.execute(sql).fetchone()
                assert row is not None
                got.append(int(row[0]))
    assert len(set(got)) == len(got), got  # distinct across the tables
    assert not set(got) & before, got
    return got


def run(source: str, target: str, **options: object) -> arrowmig.MigrationReport:
    tables = options.pop("tables", None)
    report = arrowmig.migrate(
        source,
        target,
        tables=tables,  # type: ignore[arg-type]
        config=MigrationConfig(**options),  # type: ignore[arg-type]
    )
    assert report.ok, report.to_dict()
    return report


@pytest.mark.postgres
def test_created_tables_keep_drawing_from_the_sequence_they_share(
    pg_url: str, second_pg: str
) -> None:
    pg_exec(pg_url, SOURCE, MORE_ROWS)
    report = run(pg_url, second_pg)
    tickets = next(t for t in report.tables if t.name == "tickets")
    assert "default nextval(ticket_no) on id" in tickets.built
    assert "shared sequence ticket_no past 5,000" in tickets.built
    # Past the largest key of both tables (5000), not only the sequence's 1013.
    assert insert_without_keys(second_pg) == [5001, 5002, 5003, 5004]
    with psycopg.connect(second_pg) as con:
        kinds = con.execute(
            "SELECT attidentity FROM pg_attribute WHERE attname = 'id' "
            "AND attrelid IN ('tickets'::regclass, 'notes'::regclass)"
        ).fetchall()
    assert kinds == [("",), ("",)]  # no identity of their own


@pytest.mark.postgres
def test_the_plan_says_the_key_keeps_its_shared_sequence(pg_url: str, second_pg: str) -> None:
    pg_exec(pg_url, SOURCE)
    plan = explain(pg_url, second_pg).to_dict()
    notes = [n for t in plan["tables"] for n in t["notes"]]
    assert any(
        "id: auto-assigned key kept: it draws from sequence ticket_no, shared with other "
        "tables, moved past the largest key of each of the run's tables and key 1,002" in n
        for n in notes
    ), notes


@pytest.mark.postgres
def test_a_value_alone_on_its_sequence_is_said_as_what_it_is(pg_url: str, second_pg: str) -> None:
    """A non-key column numbered by a sequence no other table draws from: the plan said it
    draws from it "which no other table draws from", the report then moved a "shared
    sequence", and both called the column an auto-assigned key."""
    pg_exec(
        pg_url,
        "CREATE SEQUENCE inv_no START 1000",
        "CREATE TABLE p (id int PRIMARY KEY, n int NOT NULL DEFAULT nextval('inv_no'))",
        "INSERT INTO p (id) VALUES (1)",
    )
    (table,) = run(pg_url, second_pg).tables
    assert (
        "n: auto-assigned value kept: it draws from sequence inv_no, which no other table draws "
        "from, moved past the largest value of each of the run's tables and value 1,000, the "
        "last the source handed out"
    ) in table.notes
    assert "sequence inv_no moved past 1,000" in table.built
    assert not [b for b in table.built if "shared" in b], table.built
    with psycopg.connect(second_pg) as con:
        assert con.execute("INSERT INTO p (id) VALUES (2) RETURNING n").fetchone() == (1001,)


@pytest.mark.postgres
@pytest.mark.parametrize("mode", ["replace", "truncate"])
def test_a_target_that_has_the_sequence_already_is_moved_past_the_new_keys(
    pg_url: str, second_pg: str, mode: str
) -> None:
    """The sequence there is the one the first run made (at 1002): kept, it must be moved
    past the keys the second run brings (1003 in notes, 5000 in tickets)."""
    pg_exec(pg_url, SOURCE)
    run(pg_url, second_pg)
    pg_exec(pg_url, MORE_ROWS)
    run(pg_url, second_pg, mode=mode)
    assert insert_without_keys(second_pg) == [5001, 5002, 5003, 5004]


@pytest.mark.postgres
@pytest.mark.parametrize("mode", ["append", "truncate"])
def test_the_applications_own_tables_are_moved_past_the_loaded_keys(
    pg_url: str, second_pg: str, mode: str
) -> None:
    pg_exec(pg_url, SOURCE, MORE_ROWS)
    pg_exec(second_pg, APPLICATION_SCHEMA.format(schema="public"))
    report = run(pg_url, second_pg, mode=mode)
    notes = next(t for t in report.tables if t.name == "notes")
    assert "shared sequence ticket_no past 1,013" in notes.built  # the source's last value
    assert insert_without_keys(second_pg) == [5001, 5002, 5003, 5004]


@pytest.mark.postgres
def test_into_another_schema(pg_url: str, second_pg: str) -> None:
    pg_exec(pg_url, SOURCE, MORE_ROWS)
    run(pg_url, second_pg, target_schema="app")
    with psycopg.connect(second_pg) as con:
        defaults = con.execute(
            "SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef "
            "WHERE adrelid IN ('app.tickets'::regclass, 'app.notes'::regclass)"
        ).fetchall()
    assert defaults == [("nextval('app.ticket_no'::regclass)",)] * 2
    assert insert_without_keys(second_pg, "app") == [5001, 5002, 5003, 5004]
    pg_exec(pg_url, "INSERT INTO notes (id, body) VALUES (7000, 'later')")
    run(pg_url, second_pg, target_schema="app", mode="replace")
    assert insert_without_keys(second_pg, "app") == [7001, 7002, 7003, 7004]


@pytest.mark.postgres
def test_moving_one_of_the_tables_keeps_the_others_numbers_free(
    pg_url: str, second_pg: str
) -> None:
    """Only tickets moves again; notes, there already, drew numbers the source never gave
    (the application's 1003 and 1004): the sequence never goes back below them."""
    pg_exec(pg_url, SOURCE)
    run(pg_url, second_pg)
    pg_exec(second_pg, "INSERT INTO notes (body) VALUES ('app'), ('app')")
    run(pg_url, second_pg, mode="replace", tables=["tickets"])
    assert insert_without_keys(second_pg) == [1005, 1006, 1007, 1008]
    pg_exec(pg_url, "INSERT INTO tickets (id, subject) VALUES (6000, 'given its key')")
    pg_exec(second_pg, "DELETE FROM tickets")
    run(pg_url, second_pg, mode="append", tables=["tickets"])
    assert insert_without_keys(second_pg) == [6001, 6002, 6003, 6004]


@pytest.mark.postgres
def test_a_run_stopped_before_its_wrap_up_moves_the_sequence_when_resumed(
    pg_url: str, second_pg: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pg_exec(pg_url, SOURCE)
    run(pg_url, second_pg)
    pg_exec(pg_url, MORE_ROWS)

    def stop(*_args: object) -> None:
        raise KeyboardInterrupt  # every table is in place; the defaults are not set yet

    # arrowmig.migrate is the function: the module is in sys.modules.
    monkeypatch.setattr(importlib.import_module("arrowmig.migrate"), "add_pg_definitions", stop)
    config = MigrationConfig(mode="replace")
    with pytest.raises(arrowmig.Interrupted) as stopped:
        arrowmig.migrate(pg_url, second_pg, config=config)
    assert stopped.value.report is not None
    assert stopped.value.report.interrupted == "SIGINT"
    # The tables are in, but their wrap-up, which moves the sequence, never came.
    for table in stopped.value.report.tables:
        assert any("ticket_no, shared with other tables, not moved" in n for n in table.notes)
    monkeypatch.undo()
    resumed = arrowmig.migrate(pg_url, second_pg, config=replace(config, resume=True))
    assert resumed.ok, resumed.to_dict()
    assert insert_without_keys(second_pg) == [5001, 5002, 5003, 5004]


@pytest.mark.postgres
def test_a_sequence_the_user_may_not_move_is_refused_before_appending(
    pg_url: str, second_pg: str
) -> None:
    pg_exec(pg_url, SOURCE)
    pg_exec(second_pg, APPLICATION_SCHEMA.format(schema="public"))
    role = f"seq_{second_pg.rsplit('_', 2)[-2]}"
    pg_exec(
        second_pg,
        f"CREATE ROLE {role} LOGIN",
        f"GRANT ALL ON SCHEMA public TO {role}",
        f"GRANT ALL ON tickets, notes TO {role}",
        f"GRANT SELECT, USAGE ON ticket_no TO {role}",
    )
    try:
        with pytest.raises(arrowmig.SchemaError, match="may not move its key sequence ticket_no"):
            arrowmig.migrate(
                pg_url,
                as_role(second_pg, role),
                tables=["tickets"],
                config=MigrationConfig(mode="append"),
            )
        with psycopg.connect(second_pg) as con:
            assert con.execute("SELECT count(*) FROM tickets").fetchone() == (0,)
    finally:
        pg_exec(second_pg, f"DROP OWNED BY {role}", f"DROP ROLE {role}")


@pytest.mark.postgres
@pytest.mark.parametrize("kind", ["duckdb", "sqlite"])
def test_other_targets_number_each_key_on_its_own_past_its_keys(
    pg_url: str, tmp_path: Path, kind: str
) -> None:
    """DuckDB and SQLite get no shared sequence: each key numbers on its own, past its
    loaded keys and the sequence's last value, and the plan says they number apart."""
    pg_exec(pg_url, SOURCE, MORE_ROWS)
    target = str(tmp_path / f"t.{'duckdb' if kind == 'duckdb' else 'db'}")
    report = run(pg_url, target)
    notes = "\n".join(next(t for t in report.tables if t.name == "notes").notes)
    assert "apart from the tables it shared sequence ticket_no with" in notes
    inserts = [
        "INSERT INTO tickets (subject) VALUES ('new') RETURNING id",
        "INSERT INTO notes (body) VALUES ('new') RETURNING id",
    ]
    if kind == "duckdb":
        with duckdb.connect(target) as con:
            got = [con.execute(sql).fetchone() for sql in inserts]
    else:
        with sqlite3.connect(target) as con3:
            got = [con3.execute(sql).fetchone() for sql in inserts]
    assert got == [(5001,), (1014,)]


@pytest.mark.postgres
@pytest.mark.parametrize("kind", ["postgresql", "duckdb"])
def test_a_run_stopped_before_the_tables_load_says_no_sequence_was_moved(
    pg_url: str, second_pg: str, tmp_path: Path, kind: str
) -> None:
    # The largest table loads first, one at a time: stopped during it, tickets and notes
    # loaded nothing, and neither their shared sequence nor a sequence of their own moved.
    pg_exec(
        pg_url,
        SOURCE,
        "CREATE TABLE big (id int PRIMARY KEY, v text);"
        "INSERT INTO big SELECT i, 'v' FROM generate_series(1, 20000) i",
    )
    target = second_pg if kind == "postgresql" else str(tmp_path / "t.duckdb")
    command = [sys.executable, "-m", "arrowmig", "migrate", pg_url, target, "--parallel", "1"]
    run = subprocess.Popen(
        [*command, "--batch-rows", "100", "--progress", "json", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    signal_at_event(run, lambda e: e["event"] == "progress" and e["table"] == "big", signal.SIGINT)
    rest, _ = run.communicate(timeout=120)
    assert run.returncode == 130
    report = json.loads(rest.splitlines()[-1])
    report = report.get("report", report)
    notes = {t["name"]: t["notes"] for t in report["tables"]}
    said = [n for name in ("tickets", "notes") for n in notes[name] if n.startswith("id: ")]
    assert len(said) == 2 and not any("past the largest" in n for n in said), said
    if kind == "postgresql":
        assert all("ticket_no, shared with other tables, not moved past" in n for n in said), said
    else:
        assert all(
            "sequence not created past the loaded keys: the run was stopped" in n for n in said
        )

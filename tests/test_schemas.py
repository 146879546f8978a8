"""Several schemas in one run: `--source-schema a,b` or `'*'` moves each schema into the
target schema of its name, from one snapshot, and adds the foreign keys between them."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import duckdb
import psycopg
import pytest

import arrowmig
from arrowmig import MigrationConfig, SchemaError, UsageError, migrate
from arrowmig.events import Event
from arrowmig.migrate import explain
from arrowmig.python_words import in_python_words
from tests.dbutil import as_role, pg_exec
from tests.private_pg import private_cluster
from tests.run_events import killed_at_event, signal_at_event

pytestmark = pytest.mark.postgres

SCHEMAS = """
CREATE SCHEMA person; CREATE SCHEMA sales; CREATE SCHEMA "Human Resources";
CREATE TABLE person.person (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE person.address (id serial PRIMARY KEY, city text, person_id int REFERENCES person.person);
CREATE TABLE sales.customer (id serial PRIMARY KEY,
    person_id int REFERENCES person.person ON DELETE CASCADE, account text);
CREATE TABLE sales.orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id int NOT NULL REFERENCES sales.customer, ship_to int REFERENCES person.address,
    total numeric(12,2));
CREATE TABLE "Human Resources"."Employee" (id int PRIMARY KEY REFERENCES person.person, title text);
CREATE TABLE sales.notes (id int PRIMARY KEY, body text);
CREATE TABLE sales.reviews (id int PRIMARY KEY,
    employee_id int REFERENCES "Human Resources"."Employee");
CREATE TABLE person.notes (id int PRIMARY KEY, body text);
CREATE VIEW sales.big_orders AS SELECT * FROM sales.orders WHERE total > 100;
INSERT INTO person.person SELECT i, 'name ' || i FROM generate_series(1, 300) i;
INSERT INTO person.address (city, person_id) SELECT 'city ' || i, i FROM generate_series(1, 300) i;
INSERT INTO sales.customer (person_id, account) SELECT i, 'a' || i FROM generate_series(1, 100) i;
INSERT INTO sales.orders (customer_id, ship_to, total)
    SELECT 1 + i % 100, 1 + i % 300, i * 1.25 FROM generate_series(1, 2000) i;
INSERT INTO "Human Resources"."Employee" SELECT i, 'title ' || i FROM generate_series(1, 20) i;
INSERT INTO sales.notes VALUES (1, 'sales note');
INSERT INTO sales.reviews VALUES (1, 7), (2, NULL);
INSERT INTO person.notes VALUES (1, 'person note'), (2, 'another');
"""

ALL_TABLES = [
    "Human Resources.Employee",
    "person.address",
    "person.notes",
    "person.person",
    "sales.customer",
    "sales.notes",
    "sales.orders",
    "sales.reviews",
]


def rows(url: str, table: str) -> list[str]:
    with psycopg.connect(url) as con:
        return [r[0] for r in con.execute(f"SELECT t::text FROM {table} t ORDER BY 1")]


def foreign_keys(url: str) -> list[tuple[str, str, bool]]:
    with psycopg.connect(url) as con:
        return con.execute(
            "SELECT conrelid::regclass::text, pg_get_constraintdef(oid), convalidated "
            "FROM pg_constraint WHERE contype = 'f' ORDER BY 1, 2"
        ).fetchall()


def test_every_schema_lands_in_its_own_with_the_keys_between_them(
    pg_url: str, second_pg: str
) -> None:
    pg_exec(pg_url, SCHEMAS)
    report = migrate(pg_url, second_pg, config=MigrationConfig(source_schema="*"))
    assert report.ok, [(t.name, t.error) for t in report.tables]
    assert sorted(t.name for t in report.tables) == ALL_TABLES
    assert report.skipped_views == ["sales.big_orders"]
    for table in ('"Human Resources"."Employee"', "person.address", "sales.orders"):
        assert rows(second_pg, table) == rows(pg_url, table)
    # Every key, within a schema and between two, as the source has it, and checked.
    assert foreign_keys(second_pg) == foreign_keys(pg_url)
    assert all(valid for _, _, valid in foreign_keys(second_pg))
    customer = next(t for t in report.tables if t.name == "sales.customer")
    assert "foreign key (person_id) -> person.person on delete cascade" in customer.built
    assert not any("does not read" in n for t in report.tables for n in t.notes)
    checked = arrowmig.verify(pg_url, second_pg, source_schema="*")
    assert checked.ok and sorted(t.name for t in checked.tables) == ALL_TABLES


def test_source_schema_given_twice_reads_both_as_tables_given_twice_does(
    pg_url: str, second_pg: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--source-schema sales --source-schema person planned and compared person alone (the
    last one given, without a word), where --tables given twice takes both."""
    from arrowmig.cli import main

    pg_exec(pg_url, SCHEMAS)
    twice = ["--source-schema", "sales", "--source-schema", "person"]
    assert main(["plan", pg_url, str(tmp_path / "p.duckdb"), *twice, "--json"]) == 0
    planned = {t["name"] for t in json.loads(capsys.readouterr().out)["tables"]}
    assert {"sales.orders", "person.person"} <= planned
    assert main(["migrate", pg_url, second_pg, *twice, "--progress", "none"]) == 0
    capsys.readouterr()
    assert main(["verify", pg_url, second_pg, *twice, "--json"]) == 0
    compared = {t["name"] for t in json.loads(capsys.readouterr().out)["tables"]}
    assert {"sales.orders", "person.person"} <= compared


def test_tables_are_named_with_their_schema_or_bare_in_every_schema(
    pg_url: str, second_pg: str
) -> None:
    pg_exec(pg_url, SCHEMAS)
    config = MigrationConfig(
        source_schema="sales,person", tables=("notes", "sales.orders", "sales.customer")
    )
    plan = explain(pg_url, second_pg, config=config).to_dict()
    assert sorted(t["name"] for t in plan["tables"]) == [
        "person.notes",
        "sales.customer",
        "sales.notes",
        "sales.orders",
    ]
    report = migrate(
        pg_url,
        second_pg,
        config=MigrationConfig(source_schema="sales,person", exclude=("notes", "person.address")),
    )
    assert report.ok
    assert sorted(t.name for t in report.tables) == [
        "person.person",
        "sales.customer",
        "sales.orders",
        "sales.reviews",
    ]
    orders = next(t for t in report.tables if t.name == "sales.orders")
    assert any(
        "ship_to) -> person.address not created: that table is not in this run" in n
        for n in orders.notes
    )


def test_what_cannot_work_is_refused_before_anything_is_written(
    pg_url: str, second_pg: str, tmp_path: Path
) -> None:
    pg_exec(pg_url, SCHEMAS)
    pg_exec(second_pg, "CREATE SCHEMA sales", "CREATE TABLE sales.notes (id int)")
    with pytest.raises(SchemaError, match=r"sales\.notes already exists"):
        migrate(pg_url, second_pg, config=MigrationConfig(source_schema="*"))
    with pytest.raises(SchemaError, match="no such table"):
        migrate(pg_url, second_pg, config=MigrationConfig(source_schema="*", tables=("nope",)))
    with pytest.raises(UsageError, match=r"^target_schema names one schema"):
        migrate(pg_url, second_pg, config=MigrationConfig(source_schema="*", target_schema="x"))
    with pytest.raises(UsageError, match="no schemas"):
        migrate(pg_url, str(tmp_path / "t.db"), config=MigrationConfig(source_schema="*"))
    with pytest.raises(SchemaError, match="holds no tables"):
        migrate(pg_url, second_pg, config=MigrationConfig(source_schema="sales,nowhere"))
    with psycopg.connect(second_pg) as con:
        left = con.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
        ).fetchone()
    assert left == (1,)  # only the table that was there


def test_every_schema_is_read_from_one_snapshot(pg_url: str, second_pg: str) -> None:
    pg_exec(pg_url, SCHEMAS)
    meddled: list[bool] = []

    def meddle(event: Event) -> None:
        # Rows added to the last schema while the first is being moved must not arrive.
        if event.event == "progress" and not meddled:
            pg_exec(pg_url, "INSERT INTO sales.notes VALUES (2, 'late')")
            meddled.append(True)

    report = migrate(
        pg_url, second_pg, config=MigrationConfig(source_schema="person,sales"), progress=meddle
    )
    assert meddled and report.ok
    assert rows(second_pg, "sales.notes") == ['(1,"sales note")']


def test_into_duckdb_each_schema_is_a_schema_and_keys_between_them_are_named(
    pg_url: str, tmp_path: Path
) -> None:
    pg_exec(pg_url, SCHEMAS)
    target = tmp_path / "aw.duckdb"
    report = migrate(pg_url, str(target), config=MigrationConfig(source_schema="*"))
    assert report.ok
    con = duckdb.connect(str(target), read_only=True)
    try:
        assert con.execute('SELECT count(*) FROM "Human Resources"."Employee"').fetchone() == (20,)
        assert con.execute("SELECT sum(total) FROM sales.orders").fetchone() == (
            sum(i * 1.25 for i in range(1, 2001)),
        )
    finally:
        con.close()
    customer = next(t for t in report.tables if t.name == "sales.customer")
    assert any("-> person.person" in n and "not created" in n for n in customer.notes)


@pytest.mark.parametrize("foreign", [True, False])
def test_the_plan_says_of_a_key_between_schemas_what_the_run_does(
    pg_url: str, second_pg: str, tmp_path: Path, foreign: bool
) -> None:
    # The DuckDB plan said "added once every schema is in (PostgreSQL targets)"; the run
    # then named the key as not created. Each target's plan, as its run says it.
    pg_exec(
        pg_url,
        "CREATE SCHEMA s1",
        "CREATE SCHEMA s2",
        "CREATE TABLE s1.p (id int PRIMARY KEY)",
        "CREATE TABLE s2.c (id int PRIMARY KEY, p_id int REFERENCES s1.p)",
        "INSERT INTO s1.p VALUES (1)",
        "INSERT INTO s2.c VALUES (1, 1)",
    )
    config = MigrationConfig(source_schema="*", foreign_keys=foreign)
    key = "foreign key c_p_id_fkey (p_id) -> s1.p"
    for target in (str(tmp_path / "t.duckdb"), second_pg):
        tables = explain(pg_url, target, config=config).to_dict()["tables"]
        planned = next(t for t in tables if t["name"] == "s2.c")
        (said,) = [n for n in planned["notes"] if n.startswith(key)]
        (moved,) = [t for t in migrate(pg_url, target, config=config).tables if t.name == "s2.c"]
        if foreign and target == second_pg:
            assert said == f"{key}: into another schema of this run, added once every schema is in"
            assert "foreign key (p_id) -> s1.p" in moved.built
        else:
            # The run's own words, for its label of the key.
            (done,) = [n for n in moved.notes if "-> s1.p" in n]
            assert in_python_words(said.removeprefix(key)) == done.removeprefix(
                "foreign key (p_id) -> s1.p"
            )
            assert "not created" in said if foreign else "skipped" in said


def test_a_duckdb_file_named_like_its_schema_is_written_read_and_verified(
    pg_url: str, second_pg: str, tmp_path: Path
) -> None:
    # sales.duckdb holding schema sales: DuckDB read "sales"."orders" as catalog.table or
    # schema.table and refused it as ambiguous (a raw Binder error, exit 1, nothing written).
    pg_exec(
        pg_url,
        "CREATE SCHEMA sales; CREATE TABLE sales.orders (id serial PRIMARY KEY, v text UNIQUE);"
        "CREATE INDEX ON sales.orders (v); INSERT INTO sales.orders (v) VALUES ('a'), ('b')",
    )
    whole, one = tmp_path / "whole" / "sales.duckdb", tmp_path / "one" / "sales.duckdb"
    whole.parent.mkdir()
    one.parent.mkdir()
    assert migrate(pg_url, str(whole), config=MigrationConfig(source_schema="*")).ok
    as_sales = MigrationConfig(source_schema="sales", target_schema="sales")
    explain(pg_url, str(one), config=as_sales)
    report = migrate(pg_url, str(one), config=as_sales)
    assert report.ok and report.exit_code == 0
    assert arrowmig.verify(pg_url, str(whole), source_schema="*").ok
    assert arrowmig.verify(pg_url, str(one), source_schema="sales", target_schema="sales").ok
    assert migrate(pg_url, str(one), config=replace(as_sales, mode="replace")).ok
    con = duckdb.connect(str(one))
    try:  # the key's sequence default resolves too
        con.execute("INSERT INTO sales.sales.orders (v) VALUES ('c')")
        assert con.execute("SELECT max(id) FROM sales.sales.orders").fetchone() == (3,)
    finally:
        con.close()

    # And back, the file as the source.
    back = migrate(str(one), second_pg, config=MigrationConfig(source_schema="sales"))
    assert back.ok
    assert rows(second_pg, "orders") == ["(1,a)", "(2,b)", "(3,c)"]
    assert arrowmig.verify(str(one), second_pg, source_schema="sales").ok


def test_the_command_line_names_tables_with_their_schema(pg_url: str, second_pg: str) -> None:
    pg_exec(pg_url, SCHEMAS)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "arrowmig",
            "migrate",
            pg_url,
            second_pg,
            "--source-schema",
            "*",
            "--json",
            "--progress",
            "none",
            "--verify",
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert sorted(t["name"] for t in report["tables"]) == ALL_TABLES
    assert report["verify"]["ok"] is True
    assert "sales.orders" in done.stderr


def test_progress_names_each_table_with_its_schema(pg_url: str, second_pg: str) -> None:
    pg_exec(pg_url, SCHEMAS)
    events: list[Event] = []
    migrate(pg_url, second_pg, config=MigrationConfig(source_schema="*"), progress=events.append)
    started = sorted(e.table or "" for e in events if e.event == "start")
    assert started == ALL_TABLES


def test_a_stopped_run_of_several_schemas_resumes_with_every_key(
    pg_url: str, second_pg: str
) -> None:
    pg_exec(pg_url, SCHEMAS)
    command = [sys.executable, "-m", "arrowmig", "migrate", pg_url, second_pg]
    options = ["--source-schema", "*", "--batch-rows", "50", "--parallel", "1"]
    run = subprocess.Popen(
        [*command, *options, "--progress", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # The last schema (sales) is under way: its first batch of orders is committed.
    orders_moving = {"event": "progress", "table": "sales.orders"}
    signal_at_event(run, lambda e: orders_moving.items() <= e.items(), signal.SIGTERM)
    rest, _ = run.communicate(timeout=60)
    assert run.returncode == 143
    assert foreign_keys(second_pg) != foreign_keys(pg_url)
    # A key into another schema of the run is not said to be outside what the run reads.
    stopped = json.loads(rest.splitlines()[-1])["report"]
    customer = next(t for t in stopped["tables"] if t["name"] == "sales.customer")
    assert not any("does not read" in n for n in customer["notes"]), customer["notes"]
    assert any("-> person.person: into another schema of this run" in n for n in customer["notes"])
    resumed = subprocess.run(
        [*command, *options, "--resume", "--progress", "none", "--verify", "--json"],
        capture_output=True,
        text=True,
    )
    assert resumed.returncode == 0, resumed.stderr
    # --verify checks every table of the run, those the stopped run finished included.
    report = json.loads(resumed.stdout)
    assert sorted(t["name"] for t in report["verify"]["tables"]) == ALL_TABLES
    assert set(report["done_before"]) >= {"person.person", "Human Resources.Employee"}
    assert "finished by the earlier run" in resumed.stderr
    for table in ('"Human Resources"."Employee"', "person.address", "sales.orders"):
        assert rows(second_pg, table) == rows(pg_url, table)
    assert foreign_keys(second_pg) == foreign_keys(pg_url)


def test_keys_between_schemas_missing_after_a_crash_are_added_by_resume(
    pg_url: str, second_pg: str
) -> None:
    # A run killed after every schema was loaded, before the keys between them were added.
    pg_exec(pg_url, SCHEMAS)
    config = MigrationConfig(source_schema="*")
    assert migrate(pg_url, second_pg, config=config).ok
    pg_exec(
        second_pg,
        "ALTER TABLE sales.customer DROP CONSTRAINT customer_person_id_fkey",
        'ALTER TABLE "Human Resources"."Employee" DROP CONSTRAINT "Employee_id_fkey"',
    )
    report = migrate(pg_url, second_pg, config=replace(config, resume=True))
    assert report.ok and report.rows == 0
    assert foreign_keys(second_pg) == foreign_keys(pg_url)
    assert any("sales.customer: built foreign key (person_id)" in n for n in report.notes)


def test_a_schema_refused_at_planning_is_refused_before_any_schema_is_moved(
    pg_url: str, tmp_path: Path
) -> None:
    # DuckDB cannot hold two columns whose names differ only by case: found as the second
    # schema is planned, before the first is moved.
    pg_exec(
        pg_url,
        "CREATE SCHEMA a",
        "CREATE SCHEMA b",
        "CREATE TABLE a.t (id int PRIMARY KEY)",
        'CREATE TABLE b.t (id int PRIMARY KEY, "Name" text, name text)',
    )
    target = tmp_path / "x.duckdb"
    with pytest.raises(SchemaError) as refused:
        migrate(pg_url, str(target), config=MigrationConfig(source_schema="a,b"))
    assert str(refused.value).startswith("schema 'b': ")
    assert "already moved" not in str(refused.value)
    if target.exists():
        with duckdb.connect(str(target)) as con:
            assert (
                con.sql("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'a'").fetchall()
                == []
            )


APPEND_TWO_SCHEMAS = (
    "CREATE SCHEMA a",
    "CREATE SCHEMA b",
    "CREATE TABLE a.t1 (id int PRIMARY KEY, v text)",
    "CREATE TABLE b.t2 (id int PRIMARY KEY, flag int)",
)


def test_an_append_a_later_schema_refuses_is_refused_with_nothing_written(
    pg_url: str, second_pg: str
) -> None:
    pg_exec(
        pg_url,
        *APPEND_TWO_SCHEMAS,
        "INSERT INTO a.t1 VALUES (1, 'x')",
        "INSERT INTO b.t2 VALUES (1, 1)",
    )
    pg_exec(
        second_pg,
        "CREATE SCHEMA a",
        "CREATE SCHEMA b",
        "CREATE TABLE a.t1 (id int PRIMARY KEY, v text)",
        "CREATE TABLE b.t2 (id int PRIMARY KEY, flag boolean)",
    )
    common = [pg_url, second_pg, "--source-schema", "a,b", "--mode", "append", "--progress", "none"]
    done = subprocess.run(
        [sys.executable, "-m", "arrowmig", "migrate", *common], capture_output=True, text=True
    )
    assert done.returncode == 2
    # The cast it offers names the schema, and is one the same command takes.
    assert "--cast b.t2.flag=boolean" in done.stderr
    assert "already moved" not in done.stderr
    assert rows(second_pg, "a.t1") == []
    again = subprocess.run(
        [sys.executable, "-m", "arrowmig", "migrate", *common, "--cast", "b.t2.flag=boolean"],
        capture_output=True,
        text=True,
    )
    assert again.returncode == 0, again.stderr
    assert rows(second_pg, "a.t1") == ["(1,x)"]
    assert rows(second_pg, "b.t2") == ["(1,t)"]


def test_an_interrupted_append_of_several_schemas_run_again_is_refused_before_any_is_written(
    pg_url: str, second_pg: str
) -> None:
    """The same append again without --resume, its second schema interrupted with rows
    committed: refused before the first schema, which had finished, is appended a second
    time (checked as each schema started, its rows were doubled before the refusal)."""
    pg_exec(
        pg_url,
        *APPEND_TWO_SCHEMAS,
        "INSERT INTO a.t1 SELECT i, 'x' FROM generate_series(1, 10) i",
        "INSERT INTO b.t2 SELECT i, 1 FROM generate_series(1, 20000) i",
    )
    # The application's tables, keyless: a row appended twice is there twice.
    pg_exec(
        second_pg,
        "CREATE SCHEMA a",
        "CREATE SCHEMA b",
        "CREATE TABLE a.t1 (id int, v text)",
        "CREATE TABLE b.t2 (id int, flag int)",
    )
    command = [sys.executable, "-m", "arrowmig", "migrate", pg_url, second_pg]
    options = ["--source-schema", "a,b", "--mode", "append", "--batch-rows", "100"]
    b_committed = {"event": "progress", "table": "b.t2"}
    killed_at_event(
        [*command, *options, "--parallel", "1"], lambda e: b_committed.items() <= e.items()
    )
    held = len(rows(second_pg, "b.t2"))
    assert len(rows(second_pg, "a.t1")) == 10 and held > 0
    again = subprocess.run(
        [*command, *options, "--progress", "none"], capture_output=True, text=True, timeout=120
    )
    assert again.returncode == 2, again.stderr
    assert len(rows(second_pg, "a.t1")) == 10  # not appended again
    assert len(rows(second_pg, "b.t2")) == held
    assert again.stderr.startswith("arrowmig: error: schema 'b': run "), again.stderr
    assert "without --resume this run would append them a second time" in again.stderr
    assert "already moved" not in again.stderr
    # The way on it names, the same command with --resume, finishes the run.
    assert "continue it with this same command with --resume;" in again.stderr
    resumed = subprocess.run(
        [*command, *options, "--resume", "--progress", "none"], capture_output=True, text=True
    )
    assert resumed.returncode == 0, resumed.stderr
    assert rows(second_pg, "a.t1") == rows(pg_url, "a.t1")
    assert sorted(rows(second_pg, "b.t2")) == rows(pg_url, "b.t2")


def _flag_types(source: str, target: str, table: str) -> dict[str, object]:
    """Each table's flag column in the plan of a run of schemas a and b casting
    ``table.flag`` to boolean."""
    casts = ((table, "flag", "boolean"),)
    plan = explain(source, target, config=MigrationConfig(source_schema="a,b", casts=casts))
    return {
        t["name"]: c for t in plan.to_dict()["tables"] for c in t["columns"] if c["name"] == "flag"
    }


def test_a_cast_names_a_table_of_one_schema_or_of_every_schema_that_has_it(
    pg_url: str, second_pg: str
) -> None:
    pg_exec(pg_url, *APPEND_TWO_SCHEMAS, "CREATE TABLE a.t2 (id int PRIMARY KEY, flag int)")
    pg_exec(pg_url, "INSERT INTO b.t2 VALUES (1, 1)", "INSERT INTO a.t2 VALUES (1, 0)")
    every = _flag_types(pg_url, second_pg, "t2")
    assert every["a.t2"] == every["b.t2"]
    assert "bool" in str(every["b.t2"]).lower()
    one = _flag_types(pg_url, second_pg, "b.t2")
    assert one["a.t2"] != one["b.t2"] == every["b.t2"]
    with pytest.raises(UsageError, match=r"'c\.t2', which is not part of this run"):
        _flag_types(pg_url, second_pg, "c.t2")


def test_replacing_every_schema_keeps_every_key_between_them(pg_url: str, second_pg: str) -> None:
    pg_exec(pg_url, SCHEMAS)
    assert migrate(pg_url, second_pg, config=MigrationConfig(source_schema="*")).ok
    report = migrate(pg_url, second_pg, config=MigrationConfig(source_schema="*", mode="replace"))
    assert report.ok
    assert foreign_keys(second_pg) == foreign_keys(pg_url)
    # Each key is named once, where this run added it: a replaced table's own key into a
    # schema of the run is the run's to add, as one within its schema is (carried from the
    # replaced table, it pointed at the old table of a schema moved later, until then).
    built = [b for t in report.tables for b in t.built if "foreign key" in b]
    assert len(built) == len(foreign_keys(pg_url))
    assert not any("again" in b or "there already" in b for b in built)
    assert not any("foreign key" in n for t in report.tables for n in t.notes)


KEY_BETWEEN_TWO_SCHEMAS = (
    "CREATE SCHEMA p",
    "CREATE SCHEMA c",
    "CREATE TABLE p.parent (id int PRIMARY KEY, name text)",
    "CREATE TABLE c.child (id int PRIMARY KEY, parent_id int REFERENCES p.parent)",
)


def test_truncate_refuses_a_key_between_schemas_before_any_schema_is_emptied(
    pg_url: str, second_pg: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each schema's tables are emptied by a TRUNCATE of their own, which PostgreSQL refuses
    for p.parent while c.child's key points at it: schema c, run first, was emptied and its
    load failed on the key (the old parents were still there), leaving c.child empty."""
    from arrowmig.cli import main

    pg_exec(
        pg_url,
        *KEY_BETWEEN_TWO_SCHEMAS,
        "INSERT INTO p.parent SELECT i, 'new ' || i FROM generate_series(1, 10) i",
        "INSERT INTO c.child SELECT i, i FROM generate_series(1, 10) i",
    )
    pg_exec(
        second_pg,
        *KEY_BETWEEN_TWO_SCHEMAS,
        "INSERT INTO p.parent VALUES (100, 'old')",
        "INSERT INTO c.child VALUES (100, 100)",
    )
    said = []
    for schemas in ("c,p", "p,c"):
        args = [pg_url, second_pg, "--source-schema", schemas, "--mode", "truncate"]
        for command in (["plan", *args], ["migrate", *args, "--dry-run"], ["migrate", *args]):
            capsys.readouterr()
            assert (
                main([*command, "--progress", "none"] if command[0] == "migrate" else command) == 2
            )
            said.append(capsys.readouterr().err)
    assert said == [said[0]] * 6, said
    assert said[0].count("\n") == 1
    assert (
        "schema 'p': cannot empty p.parent for --mode truncate: foreign key "
        "child_parent_id_fkey of c.child points at it" in said[0]
    )
    assert "ALTER TABLE c.child DROP CONSTRAINT child_parent_id_fkey" in said[0]
    assert "does not load" not in said[0]  # c.child is in the run
    # Nothing emptied, in either order, and no run left behind.
    assert rows(second_pg, "p.parent") == ["(100,old)"]
    assert rows(second_pg, "c.child") == ["(100,100)"]
    with psycopg.connect(second_pg) as con:
        checkpoints = con.execute(
            "SELECT count(*) FROM pg_tables WHERE tablename = '_arrowmig_checkpoints'"
        ).fetchone()
    assert checkpoints == (0,)
    # The ways out it names: with the key dropped, the run adds the source's back.
    pg_exec(second_pg, "ALTER TABLE c.child DROP CONSTRAINT child_parent_id_fkey")
    config = MigrationConfig(source_schema="c,p", mode="truncate")
    report = migrate(pg_url, second_pg, config=config)
    assert report.ok, [(t.name, t.error) for t in report.tables]
    assert rows(second_pg, "c.child") == rows(pg_url, "c.child")
    assert rows(second_pg, "p.parent") == rows(pg_url, "p.parent")
    assert foreign_keys(second_pg) == foreign_keys(pg_url)
    assert all(valid for _, _, valid in foreign_keys(second_pg))
    # And --mode replace, the key in place.
    pg_exec(second_pg, "TRUNCATE c.child, p.parent", "INSERT INTO p.parent VALUES (100, 'old')")
    assert migrate(pg_url, second_pg, config=replace(config, mode="replace")).ok
    assert rows(second_pg, "p.parent") == rows(pg_url, "p.parent")
    assert foreign_keys(second_pg) == foreign_keys(pg_url)


def test_truncate_names_a_key_from_a_schema_the_run_leaves_out_as_outside_it(
    pg_url: str, second_pg: str
) -> None:
    """c.child is not in the run (--tables): its key is refused as one from outside it."""
    pg_exec(pg_url, *KEY_BETWEEN_TWO_SCHEMAS, "CREATE SCHEMA q", "CREATE TABLE q.t (id int)")
    pg_exec(second_pg, *KEY_BETWEEN_TWO_SCHEMAS, "INSERT INTO p.parent VALUES (1, 'old')")
    config = MigrationConfig(source_schema="p,q", mode="truncate")
    with pytest.raises(SchemaError, match=r"c\.child, which this run does not load, has a foreign"):
        migrate(pg_url, second_pg, config=config)
    assert rows(second_pg, "p.parent") == ["(1,old)"]


def test_a_key_into_a_table_left_out_is_kept_beside_a_name_that_spells_it(
    pg_url: str, second_pg: str
) -> None:
    """Schema a moves a table named '"b"."t"' and b.t is left out: the key a.x -> b.t of the
    replaced a.x was taken for one into a table the run moves (its name, qualified, spells
    the same), so neither kept nor added: lost."""
    pg_exec(
        pg_url,
        "CREATE SCHEMA a; CREATE SCHEMA b",
        "CREATE TABLE b.t (id int PRIMARY KEY); INSERT INTO b.t VALUES (1)",
        "CREATE TABLE a.x (id int PRIMARY KEY, tid int REFERENCES b.t); INSERT INTO a.x VALUES (1, 1)",
        'CREATE TABLE a."""b"".""t""" (id int PRIMARY KEY); INSERT INTO a."""b"".""t""" VALUES (7)',
    )
    assert migrate(pg_url, second_pg, config=MigrationConfig(source_schema="a,b")).ok
    config = MigrationConfig(source_schema="a,b", mode="replace", exclude=("b.t",))
    report = migrate(pg_url, second_pg, config=config)
    assert report.ok, report.to_dict()
    assert foreign_keys(second_pg) == foreign_keys(pg_url)
    (x,) = (t for t in report.tables if t.name == "a.x")
    assert "kept from the replaced table: foreign key x_tid_fkey" in x.built + x.notes


def test_a_key_into_a_table_of_a_schema_read_but_left_out_says_so(
    pg_url: str, tmp_path: Path
) -> None:
    # It said "into another schema, which this run does not read": the run reads person;
    # --tables left person.person out.
    pg_exec(pg_url, SCHEMAS)
    config = MigrationConfig(source_schema="sales,person", tables=("sales.customer",))
    key = "not carried: foreign key customer_person_id_fkey (person_id) -> person.person: "
    left_out = key + "'person.person' is not in this run: --tables or --exclude left it out"
    (planned,) = explain(pg_url, str(tmp_path / "plan.duckdb"), config=config).to_dict()["tables"]
    assert left_out in planned["notes"]
    (moved,) = migrate(pg_url, str(tmp_path / "a.duckdb"), config=config).tables
    assert in_python_words(left_out) in moved.notes
    # A schema the run does not read is said to be one.
    elsewhere = MigrationConfig(source_schema="sales,Human Resources", tables=("sales.customer",))
    (moved,) = migrate(pg_url, str(tmp_path / "b.duckdb"), config=elsewhere).tables
    assert key + "into another schema, which this run does not read" in moved.notes


def test_verify_result_is_in_the_one_summary_event_of_a_json_run(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Under --progress json the verify result was lost (the summary came before it, once per
    # schema, its tables named without their schema), and a failed table was left out of
    # verify silently while it said "all tables match".
    from arrowmig.cli import main

    pg_exec(
        pg_url,
        "CREATE SCHEMA a",
        "CREATE SCHEMA b",
        "CREATE TABLE a.t (id int)",  # no key: appended again, its rows are twice in the target
        "CREATE TABLE b.u (id int PRIMARY KEY)",  # appended again, it fails on its key
        "INSERT INTO a.t VALUES (1), (2)",
        "INSERT INTO b.u VALUES (1)",
    )
    target = str(tmp_path / "m.duckdb")
    common = ["migrate", pg_url, target, "--source-schema", "*", "--verify", "--json"]

    def summaries(code: int, *options: str) -> dict[str, object]:
        assert main([*common, *options, "--progress", "json"]) == code
        lines = capsys.readouterr().out.splitlines()
        events = [json.loads(line) for line in lines]
        assert [e["event"] for e in events].count("summary") == 1
        assert events[-1]["event"] == "summary"
        report = events[-1]["report"]
        assert isinstance(report, dict) and report["exit_code"] == code
        assert [t["name"] for t in report["tables"]] == ["a.t", "b.u"]
        return report

    report = summaries(0)
    assert report["ok"] is True and report["verify"]["ok"] is True
    assert [t["name"] for t in report["verify"]["tables"]] == ["a.t", "b.u"]

    report = summaries(1, "--mode", "append")
    verified = report["verify"]
    assert report["ok"] is False and verified["ok"] is False
    assert [(t["name"], t["result"]) for t in verified["tables"]] == [("a.t", "differ")]
    assert verified["not_verified"] == {"b.u": "failed to load"}

    assert main([*common, "--mode", "append", "--progress", "none"]) == 1
    err = capsys.readouterr().err
    assert "b.u: NOT VERIFIED: failed to load" in err and "all tables match" not in err


def test_a_schema_the_user_may_not_use_is_refused_before_any_schema_is_written(
    pg_url: str, tmp_path: Path
) -> None:
    # The earlier schemas were written, then exit 2 said to grant SELECT on the table, which
    # changed nothing: USAGE on the schema was missing.
    import uuid

    role = f"arrowmig_reader_{uuid.uuid4().hex[:8]}"
    pg_exec(
        pg_url,
        "CREATE SCHEMA a; CREATE SCHEMA secret; CREATE TABLE a.t (id int PRIMARY KEY);"
        "CREATE TABLE secret.salaries (id int PRIMARY KEY); CREATE TABLE secret.bonus (id int)",
        f"CREATE ROLE {role} LOGIN",
        f"GRANT USAGE ON SCHEMA a TO {role}",
        f"GRANT SELECT ON ALL TABLES IN SCHEMA a, secret TO {role}",
    )
    as_reader = as_role(pg_url, role)
    target = tmp_path / "out.duckdb"
    config = MigrationConfig(source_schema="*")
    try:
        with pytest.raises(SchemaError) as refused:
            migrate(as_reader, str(target), config=config)
        assert refused.value.exit_code == 2 and not target.exists()
        said = str(refused.value)
        assert "USAGE on the schema is missing" in said and "grant select" not in said.lower()
        assert f'GRANT USAGE ON SCHEMA "secret" TO "{role}"' in said
        assert "exclude='secret.bonus,secret.salaries'" in said
        pg_exec(pg_url, f"GRANT USAGE ON SCHEMA secret TO {role}", f"REVOKE ALL ON a.t FROM {role}")
        with pytest.raises(SchemaError) as refused:
            migrate(as_reader, str(target), config=config)
        assert not target.exists()
        assert "no permission to read table 't'" in str(refused.value)
        assert f'GRANT SELECT ON "a"."t" TO "{role}"' in str(refused.value)
        pg_exec(pg_url, f"GRANT SELECT ON a.t TO {role}")
        assert migrate(as_reader, str(target), config=config).ok
    finally:
        pg_exec(pg_url, f"DROP OWNED BY {role}", f"DROP ROLE {role}")


def test_each_schema_rejects_into_a_folder_of_its_own(
    pg_url: str, second_pg: str, tmp_path: Path
) -> None:
    """sales.notes and person.notes shared notes.jsonl: the second schema's run took the
    first's file for an earlier run's, and a key of one for a row of the other."""
    pg_exec(
        pg_url,
        "CREATE SCHEMA person; CREATE SCHEMA sales;"
        "CREATE TABLE person.notes (id int PRIMARY KEY, body bytea);"
        "CREATE TABLE sales.notes (id int PRIMARY KEY, body bytea);"
        "INSERT INTO person.notes VALUES (1, '\\xff'); INSERT INTO sales.notes VALUES (1, '\\xfe')",
    )
    config = MigrationConfig(
        source_schema="person,sales",
        casts=(("notes", "body", "text"),),
        on_error="reject",
        reject_dir=str(tmp_path / "rej"),
    )
    report = migrate(pg_url, second_pg, config=config)
    assert report.rejected == 2
    for schema, body in (("person", "/w=="), ("sales", "/g==")):
        (line,) = (tmp_path / "rej" / schema / "notes.jsonl").read_text().splitlines()
        assert json.loads(line)["row"] == [1, {"base64": body}]


def test_tables_named_like_quoted_names_move_and_verify_in_every_schema(
    pg_url: str, second_pg: str
) -> None:
    # A table named "q" (quotes and all) or x.y was "table 'q' not found": each schema's run
    # was given its tables' own names, which its plan read again as names written in --tables.
    pg_exec(
        pg_url,
        *(
            f'CREATE SCHEMA {s}; CREATE TABLE {s}."""q""" (id int PRIMARY KEY);'
            f'CREATE TABLE {s}."x.y" (id int, q int REFERENCES a."""q""");'
            f"CREATE TABLE {s}.plain (id int);"
            f'INSERT INTO {s}."""q""" VALUES (1), (2); INSERT INTO {s}."x.y" VALUES (3, 1);'
            f"INSERT INTO {s}.plain VALUES (4);"
            for s in ("a", "b")
        ),
    )
    tables = [f"{s}.{t}" for s in "ab" for t in ('"""q"""', '"x.y"', "plain")]
    locked: list[str] = []

    def look(event: Event) -> None:
        # Every table is locked for the run (a TRUNCATE meanwhile waits), these ones too.
        if event.event == "progress" and not locked:
            with psycopg.connect(pg_url) as con:
                locked.extend(
                    r[0]
                    for r in con.execute(
                        "SELECT relation::regclass::text FROM pg_locks WHERE granted "
                        "AND mode = 'AccessShareLock' AND pid <> pg_backend_pid() "
                        "AND database = (SELECT oid FROM pg_database "
                        "WHERE datname = current_database())"
                    )
                )

    config = MigrationConfig(source_schema="a,b", verify=True)
    report = migrate(pg_url, second_pg, config=config, progress=look)
    assert report.ok and report.verify is not None and report.verify.ok
    assert sorted(t.name for t in report.tables) == sorted(tables)
    assert sorted(t.name for t in report.verify.tables) == sorted(tables)
    for table in tables:
        assert rows(second_pg, table) == rows(pg_url, table)
        assert table in locked
    # The key from b's table into a's, between two schemas of the run, is added at the end.
    assert foreign_keys(second_pg) == foreign_keys(pg_url)


def test_status_shows_and_cleans_the_runs_of_every_schema(
    pg_url: str, second_pg: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Each schema's run keeps its checkpoints in its own schema: status, told no schema,
    # showed only public's, and --clean had to be run once per schema.
    from arrowmig.cli import main
    from arrowmig.status import runs_of

    pg_exec(pg_url, SCHEMAS)
    assert migrate(pg_url, second_pg, config=MigrationConfig(source_schema="*")).ok
    runs = runs_of(second_pg)
    assert sorted(r["schema"] for r in runs) == ["Human Resources", "person", "sales"]
    assert {r["state"] for r in runs} == {"complete"}
    capsys.readouterr()
    assert main(["status", second_pg, "--clean"]) == 0
    assert "removed the checkpoint rows of 3 completed" in capsys.readouterr().err
    with psycopg.connect(second_pg) as con:
        left = con.execute(
            "SELECT count(*) FROM pg_class WHERE relname = '_arrowmig_checkpoints'"
        ).fetchone()
    assert left == (0,)


def test_each_table_of_several_schemas_is_described_once_for_the_checks_and_the_run(
    tmp_path: Path,
) -> None:
    # Every table was described for the checks made before anything is written, then again
    # as its schema's run planned: 1,000 tables in 5 schemas spent 50 s more in the catalogs.
    # The server counts the describing query itself (pg_stat_statements, a cluster of the
    # test's own, as the extension must be loaded at start), which runs once for all the
    # tables of a schema (describe_many).
    with private_cluster("fsync=off", "shared_preload_libraries=pg_stat_statements") as server:
        pg_exec(server.url, "CREATE EXTENSION pg_stat_statements", SCHEMAS)
        pg_exec(server.url, "SELECT pg_stat_statements_reset()")
        target = tmp_path / "aw.duckdb"
        report = migrate(server.url, str(target), config=MigrationConfig(source_schema="*"))
        assert report.ok, [(t.name, t.error) for t in report.tables]
        assert sorted(t.name for t in report.tables) == ALL_TABLES
        with psycopg.connect(server.url) as con:
            described = con.execute(
                "SELECT coalesce(sum(calls), 0)::int FROM pg_stat_statements WHERE query LIKE "
                "'%FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid%'"
            ).fetchone()
    assert described == (len({name.split(".")[0] for name in ALL_TABLES}),)
    con = duckdb.connect(str(target), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM person.address").fetchone() == (300,)
    finally:
        con.close()


def test_verify_of_one_schema_says_which_target_schema_holds_its_missing_tables(
    pg_url: str, tmp_path: Path
) -> None:
    # A run of several schemas writes public's tables into DuckDB's schema public; a verify of
    # public alone looks in DuckDB's default, main, and called every table missing in target
    # with no word of where they are: to a user, data loss.
    pg_exec(
        pg_url,
        "CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1);"
        "CREATE TABLE u (id int PRIMARY KEY); INSERT INTO u VALUES (1);"
        "CREATE SCHEMA other; CREATE TABLE other.t (id int PRIMARY KEY);"
        "INSERT INTO other.t VALUES (2)",
    )
    target = str(tmp_path / "o.duckdb")
    assert migrate(pg_url, target, config=MigrationConfig(source_schema="public,other")).ok
    report = arrowmig.verify(pg_url, target, source_schema="public")
    assert report.exit_code == 1  # the tables are missing where it looked
    assert [t.result for t in report.tables] == ["missing in target"] * 2
    (note,) = [n for n in report.notes if "target_schema=" in n]
    assert note == (
        "all 2 tables missing in target schema 'main' are in its schema 'public': "
        "compare them there with target_schema='public'"
    )
    there = note.rsplit("=", 1)[1].strip("'")
    assert arrowmig.verify(pg_url, target, source_schema="public", target_schema=there).ok
    # A table of the source missing from every schema of the target gets no such note.
    pg_exec(pg_url, "CREATE TABLE nowhere (id int PRIMARY KEY)")
    report = arrowmig.verify(pg_url, target, source_schema="public", tables=["nowhere"])
    assert not any("target_schema" in n for n in report.notes)

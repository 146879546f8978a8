"""Many small tables: what a table costs is asked of the target in one query for all of
them, prepared in lots, and put in place in one transaction each; none of it may change what a
run does, reports or resumes.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psycopg

import arrowmig
from arrowmig.config import MigrationConfig
from arrowmig.endpoints import open_endpoint
from arrowmig.migrate import explain
from arrowmig.model import Index
from arrowmig.plan import MigrationPlan, tables_present
from tests.dbutil import pg_exec, pg_rows, q

ODD_NAMES = ("plain", "Mixed Case", 'quo"te', "ünïcode", "dot.ted", "with,comma", "semi;colon")
"""Table names that a query about many tables at once must carry exactly."""


def _many(path: Path, tables: int, rows: int = 10, prefix: str = "m") -> str:
    con = sqlite3.connect(path)
    for i in range(tables):
        con.execute(
            f"CREATE TABLE {prefix}{i} (id INTEGER PRIMARY KEY, name TEXT NOT NULL, v REAL)"
        )
        con.executemany(
            f"INSERT INTO {prefix}{i} (name, v) VALUES (?, ?)",
            [(f"n{j}", j * 0.5) for j in range(rows)],
        )
    con.commit()
    con.close()
    return str(path)


def _pg(url: str, sql: str) -> list[tuple[object, ...]]:
    with psycopg.connect(url) as pg:
        return list(pg.execute(sql).fetchall())  # type: ignore[arg-type]


def _plan_of(source: str, target: str, mode: str, tables: tuple[str, ...] | None) -> MigrationPlan:
    plan = explain(source, target, config=MigrationConfig(mode=mode, tables=tables))
    assert isinstance(plan, MigrationPlan)
    return plan


def test_which_tables_a_postgres_target_holds_is_one_query_with_each_tables_answer(
    pg_url: str,
) -> None:
    pg_exec(
        pg_url,
        *(f"CREATE TABLE {q(n)} (id int)" for n in ODD_NAMES),
        'CREATE VIEW "a view" AS SELECT 1 AS x',
        'CREATE SEQUENCE "a sequence"',
        "CREATE INDEX plain_idx ON plain (id)",
    )
    asked = [*ODD_NAMES, "a view", "a sequence", "plain_idx", "missing", "PLAIN", "Mixed case"]
    with open_endpoint(pg_url) as dst:
        each = {name for name in asked if dst.table_exists(name)}
        assert tables_present(dst, asked) == each
        assert each == {*ODD_NAMES, "a view", "a sequence", "plain_idx"}
        shapes = dst.declared_columns_of([*ODD_NAMES, "missing"])  # type: ignore[attr-defined]
        assert shapes == {n: dst.declared_columns(n) for n in [*ODD_NAMES, "missing"]}
        assert shapes["missing"] == [] and shapes['quo"te'] == [("id", "integer")]


def test_which_tables_a_duckdb_target_holds_is_one_query_with_each_tables_answer(
    tmp_path: Path,
) -> None:
    target = str(tmp_path / "t.duckdb")
    with open_endpoint(target, create=True) as dst:
        for name in ODD_NAMES:
            dst.execute(f"CREATE TABLE {dst.qualify(name)} (id INTEGER)")
        dst.execute('CREATE VIEW "a view" AS SELECT 1 AS x')
        asked = [*ODD_NAMES, "a view", "missing", "PLAIN", "mixed case", "ÜNÏCODE"]
        each = {name for name in asked if dst.table_exists(name)}
        assert tables_present(dst, asked) == each
        # DuckDB ignores case, A-Z only: "ÜNÏCODE" is another table than "ünïcode".
        assert each == {*ODD_NAMES, "a view", "PLAIN", "mixed case"}


def test_a_duckdb_tables_shape_is_what_duckdb_columns_says(tmp_path: Path) -> None:
    """declared_columns asks DuckDB to DESCRIBE the one table, not to list every column of the
    file: the shape a resume compares must read as before, type for type."""
    target = str(tmp_path / "t.duckdb")
    with open_endpoint(target, create=True) as dst:
        dst.execute("CREATE TYPE mood AS ENUM ('sad', 'ok')")
        dst.execute(
            'CREATE TABLE "Odd ""one""" (a DECIMAL(10,2), b mood, c STRUCT(x INT, y VARCHAR), '
            "d INT[], e TIMESTAMPTZ, f VARCHAR COLLATE NOCASE, g UNION(n INT, s VARCHAR), "
            "h MAP(VARCHAR, INT), i UUID, j INTERVAL, k TIMESTAMP_NS, l BLOB, m VARCHAR[3])"
        )
        listed = dst.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE lower(table_name) = "
            "lower(?) ORDER BY column_index",
            ('Odd "one"',),
        )
        assert dst.declared_columns('odd "ONE"') == [(str(n), str(t)) for n, t in listed]
        assert dst.declared_columns("missing") == []


def test_planning_many_tables_gives_each_the_plan_it_gets_alone(
    tmp_path: Path, pg_url: str
) -> None:
    """Planning asks the target once which tables it holds; each table's plan (create where
    it is missing, append to what it holds, the conversions that takes) is the one it gets
    planned alone."""
    source = _many(tmp_path / "many.db", 40)
    con = sqlite3.connect(source)
    con.execute(f"CREATE TABLE {q('Odd name')} (id INTEGER PRIMARY KEY, v TEXT)")
    con.commit()
    con.close()
    # Some tables are there already, one with another column type to convert to.
    pg_exec(
        pg_url,
        "CREATE TABLE m3 (id bigint PRIMARY KEY, name text NOT NULL, v double precision)",
        "CREATE TABLE m17 (id integer PRIMARY KEY, name varchar(20) NOT NULL, v numeric)",
        f"CREATE TABLE {q('Odd name')} (id bigint, v text)",
    )
    together = _plan_of(source, pg_url, "append", None)
    appended = {p.source.name for p in together.tables if p.action == "append"}
    assert appended == {"Odd name", "m17", "m3"} and len(together.tables) == 41
    for table_plan in together.tables:
        alone = _plan_of(source, pg_url, "append", (table_plan.source.name,)).tables[0]
        assert table_plan.to_dict("postgresql") == alone.to_dict("postgresql")


def test_a_table_that_cannot_be_created_fails_alone_and_a_resume_finishes_it(
    tmp_path: Path, pg_url: str
) -> None:
    """Tables are created and recorded in lots of 16, each in one transaction. A table the
    target refuses (a type of its name is there) fails its lot, which is then done again
    table by table: that table fails alone, every other table of the run is loaded, and
    --resume, once the cause is gone, finishes it."""
    source = _many(tmp_path / "many.db", 20)
    # Plan order is by size, then name: m0, m1, m10, m11 ... m19, m2, m3 ...
    order = sorted(f"m{i}" for i in range(20))
    blocked = order[5]
    pg_exec(pg_url, f"CREATE TYPE {blocked} AS ENUM ('x')")  # CREATE TABLE makes a type of its name
    report = arrowmig.migrate(source, pg_url, config=MigrationConfig(parallel=1))
    assert not report.ok
    tables = {t.name: t for t in report.tables}
    assert tables[blocked].status == "failed"
    assert f'type "{blocked}" already exists' in (tables[blocked].error or "")
    assert all(tables[name].status == "done" for name in order if name != blocked)
    for name in order:
        if name != blocked:
            assert len(pg_rows(pg_url, name, "id")) == 10, name
    pg_exec(pg_url, f"DROP TYPE {blocked}")
    report = arrowmig.migrate(source, pg_url, config=MigrationConfig(parallel=1, resume=True))
    assert report.ok, report.to_dict()
    for name in order:
        assert len(pg_rows(pg_url, name, "id")) == 10, name


def test_a_key_the_rows_break_is_noted_and_the_small_table_still_put_in_place(
    tmp_path: Path, pg_url: str
) -> None:
    """A small table is put in place in one transaction (keys, key sequences, statistics,
    checkpoint). A key its rows break (SQLite keeps NULLs in a TEXT primary key) undoes that
    transaction: everything is done again one statement at a time, the key named as not
    built (which fails the run: exit code 1) and the rest done."""
    source = tmp_path / "s.db"
    con = sqlite3.connect(source)
    con.execute("CREATE TABLE t (code TEXT PRIMARY KEY, v INTEGER, k INTEGER UNIQUE)")
    con.executemany("INSERT INTO t VALUES (?, ?, ?)", [(None, 1, 1), (None, 2, 2), ("a", 3, 3)])
    con.commit()
    con.close()
    report = arrowmig.migrate(str(source), pg_url)
    table = report.tables[0]
    assert table.status == "done" and report.exit_code == 1, report.to_dict()
    (unbuilt,) = table.keys_not_built
    assert unbuilt.startswith("primary key (code) not built") and "contains null values" in unbuilt
    assert table.built == ["unique index t_k_key"], table.built
    with psycopg.connect(pg_url) as pg:
        analyzed = pg.execute(
            "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 't'"
        ).fetchone()
        indexes = pg.execute("SELECT count(*) FROM pg_indexes WHERE tablename = 't'").fetchone()
        loaded = pg.execute(
            "SELECT state FROM _arrowmig_checkpoints WHERE table_name = 't' AND stream_name = '*'"
        ).fetchall()
    assert analyzed == (True,) and indexes == (1,)
    assert loaded in ([], [("loaded",)])  # a complete run keeps only its own row


def test_what_a_run_reports_commits_durably_and_the_rest_need_not_wait(
    tmp_path: Path, pg_url: str
) -> None:
    """A run's commits into PostgreSQL return before they are on disk (a server crash loses
    the last of them, as a kill a moment earlier would), except what it reports: each table
    loaded and the run's end commit with synchronous_commit on, which flushes all before."""
    source = _many(tmp_path / "many.db", 20)
    pg_exec(
        pg_url,
        "CREATE TABLE _arrowmig_checkpoints (run_id TEXT NOT NULL, table_name TEXT NOT NULL, "
        "stream_name TEXT NOT NULL, physical_table TEXT, after_key BIGINT, upto_key BIGINT, "
        "last_key BIGINT, rows_done BIGINT NOT NULL, state TEXT NOT NULL, detail TEXT, "
        "updated_at TEXT, PRIMARY KEY (run_id, table_name, stream_name))",
        "CREATE TABLE commit_log (table_name text, stream_name text, state text, sync text)",
        "CREATE FUNCTION log_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "INSERT INTO commit_log VALUES (NEW.table_name, NEW.stream_name, NEW.state, "
        "current_setting('synchronous_commit')); RETURN NEW; END $$",
        "CREATE TRIGGER log_commit AFTER INSERT OR UPDATE ON _arrowmig_checkpoints "
        "FOR EACH ROW EXECUTE FUNCTION log_commit()",
    )
    report = arrowmig.migrate(source, pg_url, config=MigrationConfig(parallel=2))
    assert report.ok
    log = pg_rows(pg_url, "commit_log", "table_name")
    durable = {(t, s, state) for t, s, state, sync in log if sync == "on"}
    lazy = {(t, s, state) for t, s, state, sync in log if sync == "off"}
    loaded = {(t, s, state) for t, s, state, _ in log if state == "loaded"}
    assert len(loaded) == 20 and loaded <= durable
    assert {("*", "*", "running"), ("*", "*", "complete")} <= durable
    assert {state for _, _, state in lazy} >= {"pending", "prepared"}  # these need not wait


def test_killed_while_preparing_tables_in_lots_a_run_resumes_to_every_row_once(
    tmp_path: Path, pg_url: str
) -> None:
    source = _many(tmp_path / "many.db", 120, rows=30)
    proc = subprocess.Popen(
        [sys.executable, "-m", "arrowmig", "migrate", source, pg_url, "--progress", "none"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with psycopg.connect(pg_url, autocommit=True) as pg:
            while proc.poll() is None:
                made = pg.execute("SELECT count(*) FROM pg_tables WHERE tablename ~ '^m[0-9]+$'")
                if made.fetchone() != (0,):  # a lot has committed: others are on their way
                    break
                time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()
    resumed = subprocess.run(
        [sys.executable, "-m", "arrowmig", "migrate", source, pg_url, "--resume"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    with psycopg.connect(pg_url) as pg:
        for i in range(120):
            ids = pg.execute(f"SELECT id FROM m{i} ORDER BY id").fetchall()
            assert [r[0] for r in ids] == list(range(1, 31)), f"m{i}"


def test_a_duckdb_target_of_many_keyed_tables_stays_within_its_memory_limit(
    tmp_path: Path,
) -> None:
    """Each table's primary key holds DuckDB memory until a checkpoint, which small tables
    never bring about by themselves: the run checkpoints as that memory grows, and 150 keyed
    tables fit in 64 MB (without, about 75 did)."""
    source = _many(tmp_path / "many.db", 150, rows=3)
    target = tmp_path / "t.duckdb"
    run = subprocess.run(
        [sys.executable, "-m", "arrowmig", "migrate", source, str(target), "--progress", "none"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "ARROWMIG_DUCKDB_MEMORY_LIMIT": "64MB"},
    )
    assert run.returncode == 0, run.stderr[-2000:]
    import duckdb

    with duckdb.connect(str(target), read_only=True) as con:
        counts = con.execute(
            "SELECT count(*), sum(estimated_size) FROM duckdb_tables() WHERE table_name LIKE 'm%'"
        ).fetchone()
        keys = con.execute(
            "SELECT count(*) FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY' "
            "AND table_name LIKE 'm%'"
        ).fetchone()
    assert counts == (150, 450) and keys == (150,)


def _rows_read(endpoint: object, method: str) -> list[int]:
    """The number of rows each call of ``endpoint``'s ``method`` returns from then on (the
    real database answers; only the count is kept)."""
    counts: list[int] = []
    real = getattr(endpoint, method)

    def counted(*args: object) -> object:
        rows = real(*args)
        counts.append(len(rows))
        return rows

    setattr(endpoint, method, counted)
    return counts


def test_whether_an_index_name_is_taken_reads_that_name_only_not_every_index_of_the_target(
    tmp_path: Path,
) -> None:
    """Each table put in place asks whether its index names are free: read every name of the
    file each time, a run of N tables read N² rows (1,000 tables: minutes). The answer is as
    before, for a name held in another case too."""
    wanted = (Index("ix_a", ("id",)), Index("Free_One", ("id",)))
    for kind, method in (("db", "execute"), ("duckdb", "_query")):
        with open_endpoint(str(tmp_path / f"t.{kind}"), create=True) as dst:
            for i in range(40):
                dst.execute(f"CREATE TABLE other{i} (id INTEGER)")
                dst.execute(f"CREATE INDEX other{i}_idx ON other{i} (id)")
            dst.execute("CREATE TABLE t (id INTEGER)")
            dst.execute("CREATE INDEX IX_A ON other0 (id)")
            counts = _rows_read(dst, method)
            taken = dst.index_names_taken("t", wanted)  # type: ignore[attr-defined]
        assert taken == {
            "index ix_a": "the name 'ix_a' is taken by an index of 'other0'; rename or drop "
            "that one, then create this index by hand"
        }, kind
        assert counts == [1], kind

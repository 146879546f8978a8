"""``--target-names lower``: a source's mixed-case names (Core Data's ``ZNOTE.Z_PK``) arrive in
lower case, so that unquoted queries find them, with keys, indexes, foreign keys, appends,
resumes, rejects and verify all under the target's names."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import duckdb
import psycopg
import pytest

from arrowmig import MigrationConfig, SchemaError, migrate, verify
from arrowmig.jobfile import build_job
from arrowmig.migrate import explain
from arrowmig.rejects import replay_rejects
from arrowmig.status import runs_of
from tests.dbutil import pg_exec, pg_rows, rows_of, target_of
from tests.run_events import killed_at_event

LOWER = MigrationConfig(target_names="lower")
ARROWMIG = (sys.executable, "-m", "arrowmig")


def core_data(path: Path, notes: int = 3) -> str:
    """A Core Data style file: upper-case tables and columns, an AUTOINCREMENT key, a unique
    column, a foreign key, an index and a default."""
    con = sqlite3.connect(path)
    con.executescript(
        """
        CREATE TABLE ZFOLDER (Z_PK INTEGER PRIMARY KEY AUTOINCREMENT, ZNAME TEXT UNIQUE);
        CREATE TABLE ZNOTE (Z_PK INTEGER PRIMARY KEY, ZTITLE VARCHAR NOT NULL DEFAULT 'x',
                            ZFOLDER INTEGER REFERENCES ZFOLDER (Z_PK));
        CREATE INDEX ZNOTE_ZTITLE ON ZNOTE (ZTITLE);
        INSERT INTO ZFOLDER (ZNAME) VALUES ('inbox'), ('work');
        """
    )
    con.executemany(
        "INSERT INTO ZNOTE VALUES (?, ?, ?)",
        [(i, f"note {i}", 1 + i % 2 if i % 3 else None) for i in range(1, notes + 1)],
    )
    con.commit()
    con.close()
    return str(path)


_COLUMNS = (
    "SELECT table_name || '.' || column_name FROM information_schema.columns WHERE "
    "table_schema IN ('public', 'main') AND table_name NOT LIKE '\\_arrowmig%' ESCAPE '\\'"
)
_FOREIGN_KEYS = (
    "SELECT c.conrelid::regclass || '.' || a.attname || '->' || c.confrelid::regclass || '.' "
    "|| r.attname FROM pg_constraint c "
    "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
    "JOIN pg_attribute r ON r.attrelid = c.confrelid AND r.attnum = c.confkey[1] "
    "WHERE c.contype = 'f'"
)


def _catalog(target: str) -> tuple[set[str], set[str], set[str]]:
    """The target's (table.column)s, index names and foreign keys (table.column->table.column),
    each as its own catalog names them."""
    if target.startswith("postgresql"):
        with psycopg.connect(target) as con:
            found = [
                {r[0] for r in con.execute(sql).fetchall()}
                for sql in (_COLUMNS, "SELECT indexname FROM pg_indexes", _FOREIGN_KEYS)
            ]
        return found[0], found[1], found[2]
    if target.endswith(".duckdb"):
        with duckdb.connect(target) as con:
            columns = {r[0] for r in con.execute(_COLUMNS).fetchall()}
            indexes = {
                r[0] for r in con.execute("SELECT index_name FROM duckdb_indexes()").fetchall()
            }
        return columns, indexes, set()
    con3 = sqlite3.connect(target)
    try:
        tables = [
            r[0] for r in con3.execute("SELECT name FROM pragma_table_list WHERE schema = 'main'")
        ]
        tables = [t for t in tables if not t.startswith(("sqlite", "_arrowmig"))]
        columns = {f"{t}.{r[1]}" for t in tables for r in con3.execute(f'PRAGMA table_info("{t}")')}
        indexes = {
            r[0] for r in con3.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
        }
        keys = {
            f"{t}.{r[3]}->{r[2]}.{r[4]}"
            for t in tables
            for r in con3.execute(f'PRAGMA foreign_key_list("{t}")')
        }
    finally:
        con3.close()
    return columns, indexes, keys


@pytest.mark.parametrize("kind", ["postgres", "sqlite", "duckdb"])
def test_a_core_data_file_arrives_under_lower_case_names_with_its_keys(
    tmp_path: Path, kind: str, request: pytest.FixtureRequest
) -> None:
    source = core_data(tmp_path / "notes.sqlite")
    target = target_of(kind, tmp_path, request)

    report = migrate(source, target, config=LOWER)

    assert report.exit_code == 0
    columns, indexes, keys = _catalog(target)
    assert columns == {
        "zfolder.z_pk",
        "zfolder.zname",
        "znote.z_pk",
        "znote.ztitle",
        "znote.zfolder",
    }
    assert {"znote_ztitle", "zfolder_zname_key"} <= indexes
    if kind != "duckdb":  # DuckDB adds no foreign keys to loaded tables
        assert keys == {"znote.zfolder->zfolder.z_pk"}
    # The report names the renaming, as the plan does.
    (notes,) = [t.notes for t in report.tables if t.name == "ZNOTE"]
    assert any("ZNOTE -> znote" in n and "Z_PK -> z_pk" in n for n in notes)
    assert {t.target_name for t in report.tables} == {"znote", "zfolder"}

    checked = verify(source, target)
    assert checked.exit_code == 0, checked.to_dict()
    pairs = {(t.name, t.target_name, t.columns_checked) for t in checked.tables}
    assert pairs == {("ZNOTE", "znote", 3), ("ZFOLDER", "zfolder", 2)}

    # What an application writes, unquoted: its key numbering goes on past the source's.
    if kind == "postgres":
        with psycopg.connect(target, autocommit=True) as con:
            assert con.execute("SELECT count(*) FROM znote WHERE z_pk < 10").fetchone() == (3,)
            new = con.execute("INSERT INTO zfolder (zname) VALUES ('new') RETURNING z_pk")
            assert new.fetchone() == (3,)


def test_the_plan_shows_each_name_the_target_takes(tmp_path: Path) -> None:
    source = core_data(tmp_path / "notes.sqlite")
    shown = subprocess.run(
        [*ARROWMIG, "plan", source, str(tmp_path / "t.db"), "--target-names", "lower"],
        capture_output=True,
        text=True,
    )
    assert shown.returncode == 0, shown.stderr
    assert "ZNOTE -> znote: create" in shown.stderr
    # Each renamed column's row of the table, not only the note.
    assert re.search(r"^ +ZTITLE -> ztitle +VARCHAR ", shown.stderr, re.MULTILINE)
    assert "columns Z_PK -> z_pk, ZTITLE -> ztitle, ZFOLDER -> zfolder" in shown.stderr
    assert "builds primary key (z_pk), index znote_ztitle, foreign key (zfolder)" in shown.stderr
    # A job file takes it too.
    assert (
        build_job({"source": source, "target": "t.db", "target_names": "lower"}).config.target_names
        == "lower"
    )


def test_the_notes_name_the_keys_and_sequences_the_target_gets(tmp_path: Path) -> None:
    # DuckDB: a sequence for the key, no foreign keys; each said as the target names it.
    source = core_data(tmp_path / "notes.sqlite")
    report = migrate(source, str(tmp_path / "t.duckdb"), config=LOWER)
    (notes,) = [t.notes for t in report.tables if t.name == "ZNOTE"]
    assert any(
        n.startswith("z_pk: auto-assigned key kept (sequence 'znote_z_pk_seq' as its default")
        for n in notes
    ), notes
    assert any(n.startswith("foreign key (zfolder) -> zfolder not created") for n in notes)
    assert not any(n.startswith("Z_PK: ") or "ZFOLDER) ->" in n for n in notes)


def test_a_columns_notes_name_it_as_the_target_does(tmp_path: Path, pg_url: str) -> None:
    pg_exec(pg_url, 'CREATE TABLE "Bets" ("Id" int PRIMARY KEY, "Stake" money)')
    plan = explain(pg_url, str(tmp_path / "t.db"), config=LOWER).to_dict()
    (notes,) = [t["notes"] for t in plan["tables"]]
    assert any(n.startswith("stake: money carried as its exact amount") for n in notes), notes
    assert not any(n.startswith("Stake: ") for n in notes)


def test_names_that_fold_alike_are_refused_before_anything_is_written(
    pg_url: str, second_pg: str
) -> None:
    pg_exec(second_pg, 'CREATE TABLE "Users" (id int)', "CREATE TABLE users (id int)")
    with pytest.raises(SchemaError) as tables:
        migrate(second_pg, pg_url, config=LOWER)
    assert "tables 'Users' and 'users' would both be named 'users'" in tables.value.message
    pg_exec(second_pg, 'DROP TABLE users; CREATE TABLE p ("Name" text, name text)')
    with pytest.raises(SchemaError) as columns:
        migrate(second_pg, pg_url, config=LOWER)
    assert "columns 'Name' and 'name' of table 'p'" in columns.value.message
    assert "\n" not in columns.value.message
    with psycopg.connect(pg_url) as con:
        tables = con.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        assert tables.fetchone() == (0,)


APP_SCHEMA = (
    "CREATE TABLE zfolder (z_pk bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "
    "zname text UNIQUE, created_at timestamptz NOT NULL DEFAULT now())",
    "CREATE TABLE znote (z_pk bigserial PRIMARY KEY, ztitle varchar(40) NOT NULL, "
    "zfolder bigint REFERENCES zfolder (z_pk))",
)
"""The same tables as an application's framework made them: unquoted, so lower case."""


@pytest.mark.parametrize("mode", ["append", "truncate"])
def test_a_file_loads_into_the_lower_case_tables_an_application_made(
    tmp_path: Path, pg_url: str, mode: str
) -> None:
    source = core_data(tmp_path / "notes.sqlite")
    pg_exec(pg_url, *APP_SCHEMA)

    # Without the option, the table missing by its exact name is refused, pointing at it.
    with pytest.raises(SchemaError) as kept:
        migrate(source, pg_url, config=MigrationConfig(mode=mode))
    assert "target_names='lower'" in (kept.value.hint or "")

    report = migrate(source, pg_url, config=MigrationConfig(mode=mode, target_names="lower"))

    assert report.exit_code == 0, [t.error for t in report.tables]
    assert sorted(rows_of(pg_url, "znote", "z_pk")) == [
        (1, "note 1", 2),
        (2, "note 2", 1),
        (3, "note 3", None),
    ]
    assert verify(source, pg_url).exit_code == 0
    with psycopg.connect(pg_url, autocommit=True) as con:
        # Loaded parents first (the app's foreign key checks each batch), sequences moved on.
        assert con.execute("INSERT INTO znote (ztitle) VALUES ('n') RETURNING z_pk").fetchone() == (
            4,
        )
        assert con.execute("SELECT count(*) FROM zfolder WHERE created_at IS NULL").fetchone() == (
            0,
        )


def test_a_postgresql_tables_definitions_follow_its_renamed_columns(
    pg_url: str, second_pg: str
) -> None:
    pg_exec(
        second_pg,
        'CREATE SEQUENCE "Ticket_No"',
        'CREATE TABLE "Parts" ("ID" int PRIMARY KEY, "Name" text CHECK ("Name" <> \'"Name"\'), '
        '"Code" text, "No" bigint DEFAULT nextval(\'"Ticket_No"\'))',
        'CREATE INDEX "Parts_Lower" ON "Parts" (lower("Name")) WHERE "Code" IS NOT NULL',
        'CREATE UNIQUE INDEX "Parts_Code" ON "Parts" ("Code" text_pattern_ops)',
        """INSERT INTO "Parts" VALUES (1, 'a', 'x'), (2, 'b', NULL)""",
        "SELECT setval('\"Ticket_No\"', 41)",
    )

    report = migrate(second_pg, pg_url, config=LOWER)

    assert report.exit_code == 0, report.tables[0].notes
    with psycopg.connect(pg_url) as con:
        constraints = con.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'parts'::regclass"
        ).fetchall()
        indexes = con.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'parts'"
        ).fetchall()
    definitions = dict(indexes) | dict(constraints)
    assert definitions["parts_name_check"] == "CHECK ((name <> '\"Name\"'::text))"
    assert "(lower(name)) WHERE (code IS NOT NULL)" in definitions["parts_lower"]
    assert "(code text_pattern_ops)" in definitions["parts_code"]
    assert definitions["parts_pkey"] == "PRIMARY KEY (id)"
    assert verify(second_pg, pg_url).exit_code == 0
    # The sequence it draws from, lower-cased as well, goes on past the source's.
    with psycopg.connect(pg_url, autocommit=True) as con:
        added = con.execute("INSERT INTO parts (id) VALUES (3) RETURNING no").fetchone()
        sequences = con.execute("SELECT relname FROM pg_class WHERE relkind = 'S'").fetchall()
    assert added == (42,) and sequences == [("ticket_no",)]
    # The report names the sequence as the target has it; one no other table draws from is
    # not called shared.
    built = report.tables[0].built
    assert "sequence ticket_no, at 41" in built
    assert "default nextval(ticket_no) on no" in built
    assert "Ticket_No" not in "\n".join(built)


@pytest.mark.postgres
def test_a_key_alone_on_its_sequence_is_not_said_to_share_it(pg_url: str, second_pg: str) -> None:
    pg_exec(
        second_pg,
        'CREATE SEQUENCE "Solo Seq"',
        "CREATE TABLE solo (id bigint PRIMARY KEY DEFAULT nextval('\"Solo Seq\"'))",
        "INSERT INTO solo DEFAULT VALUES",
    )
    notes = "\n".join(migrate(second_pg, pg_url, config=LOWER).tables[0].notes)
    assert "it draws from sequence solo seq, which no other table draws from" in notes
    assert "shared with other tables" not in notes


def test_rejected_rows_replay_into_the_lower_case_table(tmp_path: Path, pg_url: str) -> None:
    source = tmp_path / "s.db"
    con = sqlite3.connect(source)
    con.executescript(
        "CREATE TABLE ZITEM (Z_PK INTEGER PRIMARY KEY, ZCOUNT TEXT);"
        "INSERT INTO ZITEM VALUES (1, '10'), (2, 'N/A'), (3, '30');"
    )
    con.commit()
    con.close()
    rejects = tmp_path / "rejects"
    config = MigrationConfig(
        target_names="lower",
        casts={"ZITEM.ZCOUNT": "bigint"},
        on_error="reject",
        reject_dir=str(rejects),
    )

    report = migrate(str(source), pg_url, config=config)

    assert report.tables[0].rejected == 1
    (file,) = rejects.glob("*.jsonl")
    record = json.loads(file.read_text())
    assert record["columns"] == ["z_pk", "zcount"]
    file.write_text(file.read_text().replace('"N/A"', '"20"'))
    assert replay_rejects(rejects, pg_url) == {"zitem": 1}
    assert rows_of(pg_url, "zitem", "z_pk") == [(1, 10), (2, 20), (3, 30)]


def test_a_run_stopped_midway_resumes_under_the_same_names(tmp_path: Path, pg_url: str) -> None:
    source = core_data(tmp_path / "notes.sqlite", notes=20_000)
    args = (*ARROWMIG, "migrate", source, pg_url, "--target-names", "lower")
    committed = {"event": "progress", "table": "ZNOTE"}
    killed_at_event([*args, "--batch-rows", "100"], lambda e: committed.items() <= e.items())

    # Resumed without the option, it would load under other names: refused.
    other = subprocess.run([*args[:-2], "--resume"], capture_output=True, text=True)
    assert other.returncode == 2
    assert "ran with --target-names=lower, this run without it" in other.stderr

    resumed = subprocess.run(
        [*args, "--resume", "--json", "--progress", "none"], capture_output=True, text=True
    )
    assert resumed.returncode == 0, resumed.stderr
    assert len(rows_of(pg_url, "znote")) == 20_000
    assert verify(source, pg_url).exit_code == 0


def test_verify_shows_the_changed_value_under_the_targets_lower_case_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """verify paired `Note` with `note`, and its text report then looked the target's value
    up under `Note` and printed `'b' -> None` (--json had it right). The lines named the table
    as the target holds it (`bets:`), but its columns and keys as the source spells them
    (`columns that differ: Note`, `{'BetId': 2}`): all are now the target's names."""
    from arrowmig.cli import main

    src, dst = tmp_path / "s.db", tmp_path / "t.duckdb"
    con = sqlite3.connect(src)
    con.execute('CREATE TABLE "Bets" ("BetId" INTEGER PRIMARY KEY, "Note" TEXT)')
    con.execute("INSERT INTO \"Bets\" VALUES (1, 'a'), (2, 'b'), (3, 'c')")
    con.commit()
    con.close()
    migrate(str(src), str(dst), config=MigrationConfig(target_names="lower"))
    with duckdb.connect(str(dst)) as duck:
        duck.execute("UPDATE bets SET note = 'CHANGED' WHERE betid = 2")
        duck.execute("DELETE FROM bets WHERE betid = 3")
    assert main(["verify", str(src), str(dst)]) == 1
    err = capsys.readouterr().err
    assert "bets: columns that differ: note\n" in err
    assert "  changed {'betid': 2}: note: 'b' -> 'CHANGED'\n" in err
    assert "  missing in target {'betid': 3}: {'betid': 3, 'note': 'c'}\n" in err


SALES = """
CREATE SCHEMA "Sales";
CREATE TABLE "Sales"."Orders" ("Id" int PRIMARY KEY, "Total" int);
CREATE TABLE "Notes" ("Id" int PRIMARY KEY, "OrderId" int REFERENCES "Sales"."Orders" ("Id"));
INSERT INTO "Sales"."Orders" VALUES (10, 1), (20, 2);
INSERT INTO "Notes" VALUES (1, 10), (2, 20);
"""


def _schemas(url: str) -> set[str]:
    with psycopg.connect(url) as con:
        found = con.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' "
            "AND nspname <> 'information_schema'"
        )
        return {r[0] for r in found}


def test_several_schemas_land_in_lower_case_schemas(pg_url: str, second_pg: str) -> None:
    # "Sales" lands as sales, so that `select * from sales.orders` finds it.
    pg_exec(pg_url, SALES)
    config = MigrationConfig(target_names="lower", source_schema="Sales,public")
    plan = explain(pg_url, second_pg, config=config).to_dict()
    assert {t["target"] for t in plan["tables"]} == {"sales.orders", "public.notes"}
    # The key it adds at the end, as the target will have it.
    (notes,) = [t["notes"] for t in plan["tables"] if t["name"] == "public.Notes"]
    added = "foreign key notes_orderid_fkey (orderid) -> sales.orders: into another schema of"
    assert any(n.startswith(added) for n in notes), notes

    report = migrate(pg_url, second_pg, config=config)
    assert report.exit_code == 0, report.to_dict()
    assert _schemas(second_pg) == {"public", "sales"}
    assert {t.target_name for t in report.tables} == {"sales.orders", "public.notes"}
    assert _catalog_keys(second_pg) == {"notes.orderid->sales.orders.id"}

    checked = verify(pg_url, second_pg, source_schema="Sales,public")
    assert checked.exit_code == 0, checked.to_dict()
    assert {t.target_name for t in checked.tables} == {"sales.orders", "public.notes"}
    assert len(runs_of(second_pg, schema="Sales")) == 1

    # Again, with the second schema's table there: refused before the first is moved.
    pg_exec(second_pg, "DROP SCHEMA sales CASCADE")
    with pytest.raises(SchemaError, match=r"table public\.notes already exists"):
        migrate(pg_url, second_pg, config=config)
    assert _schemas(second_pg) == {"public"}


def test_verify_of_several_schemas_names_each_difference_as_the_target_has_it(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Into DuckDB with --target-names lower, verify's lines named Sales.Orders, a table the
    target does not hold: the differences are in sales.orders."""
    from arrowmig.cli import main

    pg_exec(pg_url, SALES)
    target = str(tmp_path / "t.duckdb")
    config = MigrationConfig(target_names="lower", source_schema="Sales,public")
    assert migrate(pg_url, target, config=config).exit_code == 0
    with duckdb.connect(target) as duck:
        duck.execute("UPDATE sales.orders SET total = 5 WHERE id = 20")
        duck.execute("DELETE FROM public.notes WHERE id = 2")
    capsys.readouterr()
    assert main(["verify", pg_url, target, "--source-schema", "Sales,public"]) == 1
    err = capsys.readouterr().err
    assert "Sales.Orders -> sales.orders " in err  # the pair, once
    assert "sales.orders: columns that differ: total\n" in err
    assert "sales.orders: 1 differing keys (first 1):\n  changed {'id': 20}: total: 2 -> 5" in err
    assert "public.notes: rows missing in target: 1; " in err
    assert "Sales.Orders:" not in err and "public.Notes:" not in err


def test_the_target_schema_named_is_created_in_lower_case(pg_url: str, second_pg: str) -> None:
    pg_exec(pg_url, SALES)
    config = MigrationConfig(target_names="lower", source_schema="Sales", target_schema="Sales")
    assert migrate(pg_url, second_pg, config=config).exit_code == 0
    assert _schemas(second_pg) == {"public", "sales"}
    assert pg_rows(second_pg, "orders", "id", schema="sales") == [(10, 1), (20, 2)]
    checked = verify(pg_url, second_pg, source_schema="Sales", target_schema="Sales")
    assert checked.exit_code == 0, checked.to_dict()
    # status, told the schema as the run was, finds the run's checkpoints.
    (run,) = runs_of(second_pg, schema="Sales")
    assert run["state"] == "complete"


def _catalog_keys(url: str) -> set[str]:
    with psycopg.connect(url) as con:
        return {r[0] for r in con.execute(_FOREIGN_KEYS)}

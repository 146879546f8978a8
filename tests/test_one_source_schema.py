"""One ``--source-schema`` writes into the target's default schema unless ``--target-schema``
names another: the plan and report name both schemas, and an append that would create a
second table beside the one under the source schema's name is refused."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import psycopg
import pytest

from arrowmig.cli import main
from tests.dbutil import pg_exec

pytestmark = pytest.mark.postgres

ITEMS = (
    "CREATE SCHEMA sales; CREATE TABLE sales.items (id int PRIMARY KEY, v text);"
    "INSERT INTO sales.items SELECT i, 'v' FROM generate_series(1, 10) i"
)


def _items(url: str) -> list[tuple[str, int]]:
    with psycopg.connect(url) as con:
        return [
            (schema, con.execute(f'SELECT count(*) FROM "{schema}".items').fetchone()[0])  # type: ignore[index]
            for (schema,) in con.execute(
                "SELECT table_schema FROM information_schema.tables WHERE table_name = 'items' "
                "ORDER BY 1"
            ).fetchall()
        ]


def test_the_plan_names_both_schemas_when_they_differ(
    pg_url: str, second_pg: str, capsys: pytest.CaptureFixture[str]
) -> None:
    pg_exec(pg_url, ITEMS)
    assert main(["plan", pg_url, second_pg, "--source-schema", "sales"]) == 0
    said = capsys.readouterr().err
    assert "sales.items -> public.items: create, 10 rows" in said
    assert "tables of source schema 'sales' are written into target schema 'public'" in said
    assert main(["plan", pg_url, second_pg, "--source-schema", "sales", "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert (plan["source_schema"], plan["target_schema"]) == ("sales", "public")
    # The same schema on both sides needs no naming.
    assert (
        main(["plan", pg_url, second_pg, "--source-schema", "sales", "--target-schema", "sales"])
        == 0
    )
    said = capsys.readouterr().err
    assert "items -> items: create" in said and "sales.items" not in said


def test_an_append_beside_the_source_schemas_table_is_refused(
    pg_url: str, second_pg: str, capsys: pytest.CaptureFixture[str]
) -> None:
    pg_exec(pg_url, ITEMS)
    assert main(["migrate", pg_url, second_pg, "--source-schema", "*", "--progress", "none"]) == 0
    pg_exec(pg_url, "INSERT INTO sales.items VALUES (11, 'new')")
    pg_exec(second_pg, "DELETE FROM sales.items")
    capsys.readouterr()
    for verb in ("plan", "migrate"):
        args = [verb, pg_url, second_pg, "--source-schema", "sales", "--mode", "append"]
        assert main(args) == 2
        said = capsys.readouterr().err
        assert "sales.items exists in the target, but the run writes into schema 'public'" in said
        assert "add --target-schema sales to append into it" in said
    assert _items(second_pg) == [("sales", 0)]  # no public.items made beside it
    args = ["migrate", pg_url, second_pg, "--source-schema", "sales", "--mode", "append"]
    assert main([*args, "--target-schema", "sales", "--progress", "none"]) == 0
    assert _items(second_pg) == [("sales", 11)]


def test_a_target_schema_is_named_by_plan_report_and_verify(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--target-schema staging from a SQLite file: the plan said `bets -> bets`, and neither
    the report nor verify named the schema the tables went to."""
    source = str(tmp_path / "s.db")
    with sqlite3.connect(source) as con:
        con.execute("CREATE TABLE bets (id INTEGER PRIMARY KEY, v TEXT)")
        con.execute("INSERT INTO bets VALUES (1, 'a'), (2, 'b')")
    con.close()
    pg_exec(pg_url, "CREATE SCHEMA staging")
    into = ["--target-schema", "staging"]
    assert main(["plan", source, pg_url, *into]) == 0
    said = capsys.readouterr().err
    assert "bets -> staging.bets: create, 2 rows" in said
    assert "tables are written into target schema 'staging' (as --target-schema says)" in said
    assert main(["plan", source, pg_url, *into, "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert (plan["source_schema"], plan["target_schema"]) == (None, "staging")
    assert main(["migrate", source, pg_url, *into, "--progress", "none", "--json"]) == 0
    shown = capsys.readouterr()
    assert shown.err.splitlines()[0].endswith("(mode create, target schema staging)")
    assert json.loads(shown.out)["target_schema"] == "staging"
    assert main(["verify", source, pg_url, *into, "--json"]) == 0
    shown = capsys.readouterr()
    lines = shown.err.splitlines()
    assert lines[0].endswith("(level checksum, target schema staging)")
    assert lines[2].split() == ["bets", "->", "staging.bets", "2", "2", "2", "match"]
    assert json.loads(shown.out)["target_schema"] == "staging"
    # The target's default schema needs no naming.
    assert main(["plan", source, pg_url]) == 0
    said = capsys.readouterr().err
    assert "bets -> bets: create" in said and "public" not in said

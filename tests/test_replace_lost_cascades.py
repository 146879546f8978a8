"""``--mode replace`` into PostgreSQL: what a foreign key did (ON DELETE CASCADE) is never lost
unsaid. A key of another table into the replaced one that the new table cannot take (the
column it points at is gone) is named in the plan and the report; a key of the replaced table
that the source's key on the same columns replaces, doing something else, is named too."""

from __future__ import annotations

import json

import psycopg
import pytest

from arrowmig.cli import main
from tests.dbutil import pg_exec

pytestmark = pytest.mark.postgres


def _plan_and_report(
    source: str, target: str, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[dict[str, dict[str, list[str]]], dict[str, dict[str, list[str]]]]:
    args = [source, target, "--mode", "replace", *extra]
    assert main(["plan", *args, "--json"]) == 0
    plan = {t["target"]: t for t in json.loads(capsys.readouterr().out)["tables"]}
    assert main(["migrate", *args, "--progress", "none", "--json"]) == 0
    report = {t["name"]: t for t in json.loads(capsys.readouterr().out)["tables"]}
    return plan, report


def test_a_cascade_into_a_column_that_is_gone_is_named(
    pg_url: str, second_pg: str, capsys: pytest.CaptureFixture[str]
) -> None:
    pg_exec(pg_url, "CREATE TABLE users (id int PRIMARY KEY)", "INSERT INTO users VALUES (1)")
    pg_exec(
        second_pg,
        "CREATE TABLE users (id int PRIMARY KEY, code text UNIQUE)",
        "CREATE TABLE tags (ucode text CONSTRAINT tags_ucode_fkey REFERENCES users (code) "
        "ON DELETE CASCADE)",
    )
    plan, report = _plan_and_report(pg_url, second_pg, capsys, "--tables", "users")
    lost = (
        'foreign key tags_ucode_fkey of "public"."tags" (pointing here, ON DELETE CASCADE) not '
        "added again: the new table has no column 'code' (to add it: ALTER TABLE "
        '"public"."tags" ADD CONSTRAINT "tags_ucode_fkey" FOREIGN KEY (ucode) REFERENCES '
        "users(code) ON DELETE CASCADE)"
    )
    assert lost in plan["users"]["drops"]
    # Named once, as the plan named it.
    assert [n for n in report["users"]["notes"] if "tags_ucode_fkey" in n] == [lost]


def test_a_cascade_the_sources_key_does_not_do_is_named(
    pg_url: str, second_pg: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for url, action in ((pg_url, ""), (second_pg, " ON DELETE CASCADE")):
        pg_exec(
            url,
            "CREATE TABLE users (id int PRIMARY KEY)",
            "CREATE TABLE orders (id int PRIMARY KEY, uid int CONSTRAINT "
            f"{'src' if not action else 'old'}_fk REFERENCES users{action})",
        )
    pg_exec(pg_url, "INSERT INTO users VALUES (1)", "INSERT INTO orders VALUES (1, 1)")
    plan, report = _plan_and_report(pg_url, second_pg, capsys)
    named = (
        "foreign key old_fk of the replaced table not kept: the source's key on (uid) to users, "
        "which the new table has instead, is ON DELETE NO ACTION ON UPDATE NO ACTION, where "
        "this one is ON DELETE CASCADE ON UPDATE NO ACTION (to add it: ALTER TABLE "
        '"public"."orders" ADD CONSTRAINT "old_fk" FOREIGN KEY (uid) REFERENCES users(id) '
        "ON DELETE CASCADE)"
    )
    assert named in plan["orders"]["drops"]
    assert [n for n in report["orders"]["notes"] if "old_fk" in n] == [named]
    with psycopg.connect(second_pg) as con:
        keys = con.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'orders'::regclass "
            "AND contype = 'f'"
        ).fetchall()
    assert keys == [("src_fk",)]  # the source's, as the note says


def test_a_key_onto_a_unique_kept_from_the_old_table_is_added_again(
    pg_url: str, second_pg: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # The source lacks the UNIQUE the key leans on: the new table has it only as kept from
    # the old one, which must come before the key is added again.
    pg_exec(pg_url, "CREATE TABLE parent (id int PRIMARY KEY, code text)")
    pg_exec(pg_url, "INSERT INTO parent VALUES (1, 'x'), (2, 'y')")
    pg_exec(
        second_pg,
        "CREATE TABLE parent (id int PRIMARY KEY, code text UNIQUE)",
        "INSERT INTO parent VALUES (1, 'x'), (2, 'y')",
        "CREATE TABLE child (cid int PRIMARY KEY, pcode text CONSTRAINT child_pcode_fkey "
        "REFERENCES parent (code) ON DELETE SET NULL)",
        "INSERT INTO child VALUES (10, 'x')",
    )
    plan, report = _plan_and_report(pg_url, second_pg, capsys, "--tables", "parent")
    assert not [d for d in plan["parent"]["drops"] if "child_pcode_fkey" in d]
    assert not [n for n in report["parent"]["notes"] if "child_pcode_fkey" in n]
    pg_exec(second_pg, "DELETE FROM parent WHERE code = 'x'")
    with psycopg.connect(second_pg) as con:
        assert con.execute("SELECT cid, pcode FROM child").fetchall() == [(10, None)]


def test_a_key_onto_a_column_whose_type_changed_is_named_in_the_plan(
    pg_url: str, second_pg: str, capsys: pytest.CaptureFixture[str]
) -> None:
    pg_exec(pg_url, "CREATE TABLE parent (id text PRIMARY KEY, n bigint UNIQUE)")
    pg_exec(pg_url, "INSERT INTO parent VALUES ('1', 1)")
    pg_exec(
        second_pg,
        "CREATE TABLE parent (id int PRIMARY KEY, n int UNIQUE)",
        "INSERT INTO parent VALUES (1, 1)",
        "CREATE TABLE child (pid int CONSTRAINT child_pid_fkey REFERENCES parent (id) "
        "ON DELETE CASCADE, pn int CONSTRAINT child_pn_fkey REFERENCES parent (n))",
        "INSERT INTO child VALUES (1, 1)",
    )
    plan, report = _plan_and_report(pg_url, second_pg, capsys, "--tables", "parent")
    by_hand = (
        '(to add it: ALTER TABLE "public"."child" ADD CONSTRAINT "child_pid_fkey" FOREIGN KEY '
        "(pid) REFERENCES parent(id) ON DELETE CASCADE)"
    )
    (planned,) = [d for d in plan["parent"]["drops"] if "child_pid_fkey" in d]
    assert planned.startswith(
        'foreign key child_pid_fkey of "public"."child" (pointing here, ON DELETE CASCADE) '
        "not added again: the type of column 'id' changed from integer to text"
    )
    assert planned.endswith(by_hand)
    # Named once in the report, in the server's words.
    (noted,) = [n for n in report["parent"]["notes"] if "child_pid_fkey" in n]
    assert "incompatible types" in noted and noted.endswith(by_hand)
    # int onto bigint: PostgreSQL compares them, the key is added again, unsaid.
    assert not [d for d in plan["parent"]["drops"] if "child_pn_fkey" in d]
    with psycopg.connect(second_pg) as con:
        keys = con.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'child'::regclass"
        ).fetchall()
    assert keys == [("child_pn_fkey",)]

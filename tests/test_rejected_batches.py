"""``--on-error reject`` where every row of a batch is set aside: the table goes on with the
next batch. The checks that followed saw an empty batch, and ``pc.all`` of no values is null,
not true: 'a text that is no boolean word' failed the table (the Rails events table, its
1 MB payloads making batches small, after 26,045 rows).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from arrowmig import migrate
from arrowmig.config import BatchConfig, MigrationConfig
from tests.dbutil import pg_exec, pg_rows
from tests.test_schema_fidelity import make_sqlite


@pytest.mark.postgres
def test_a_batch_rejected_whole_beside_a_boolean_cast_leaves_the_table_done(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each batch written alone, as the Rails table's payloads made it: the first, emptied,
    # went on its own.
    monkeypatch.setattr("arrowmig.pipeline.GATHER_BYTES", 1)
    source = make_sqlite(
        tmp_path / "r.db",
        "CREATE TABLE ev (id INTEGER PRIMARY KEY, ts DATETIME, flag BOOLEAN);"
        "INSERT INTO ev VALUES (1, 'yesterday', 't'), (2, 'today', 'f'),"
        "(3, '2024-01-02 10:00:00', 't'), (4, 'tomorrow', 'f');",
    )
    rejects = tmp_path / "rejects"
    config = MigrationConfig(
        batch=BatchConfig(batch_rows=2),
        on_error="reject",
        reject_dir=str(rejects),
        casts=(("ev", "flag", "boolean"), ("ev", "ts", "timestamp")),
    )
    (table,) = migrate(source, pg_url, config=config).tables
    assert (table.status, table.error, table.rows, table.rejected) == ("done", None, 1, 3)
    assert [r[0] for r in pg_rows(pg_url, "ev")] == [3]
    set_aside = [json.loads(line) for line in (rejects / "ev.jsonl").read_text().splitlines()]
    assert len(set_aside) == 3


@pytest.mark.postgres
def test_an_append_with_every_value_inexact_rejects_them_all_and_is_done(
    tmp_path: Path, pg_url: str
) -> None:
    # Django's bare decimal holds 0.1 + 0.2; numeric(12,2) would round it.
    source = make_sqlite(
        tmp_path / "d.db",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, price decimal);"
        "INSERT INTO t VALUES (1, 0.1 + 0.2), (2, 0.1 + 0.7);",
    )
    pg_exec(pg_url, "CREATE TABLE t (id bigint PRIMARY KEY, price numeric(12,2) NOT NULL)")
    config = MigrationConfig(mode="append", on_error="reject", reject_dir=str(tmp_path / "rej"))
    (table,) = migrate(source, pg_url, config=config).tables
    assert (table.status, table.error, table.rows, table.rejected) == ("done", None, 0, 2)
    assert pg_rows(pg_url, "t") == []


@pytest.mark.postgres
def test_a_value_the_server_refuses_is_set_aside_under_its_own_column(
    pg_url: str, second_pg: str, tmp_path: Path
) -> None:
    # The server's "invalid input syntax for type uuid" names no column: its value does. (A
    # brace unclosed: 'nope', no uuid by its shape, is screened before it reaches the server.)
    pg_exec(
        pg_url,
        "CREATE TABLE t (id int PRIMARY KEY, note text, u text)",
        "INSERT INTO t VALUES (1, 'a', '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'), "
        "(2, 'b', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11')",
    )
    pg_exec(second_pg, "CREATE TABLE t (id int PRIMARY KEY, note text, u uuid)")
    rejects = tmp_path / "rej"
    config = MigrationConfig(mode="append", on_error="reject", reject_dir=str(rejects))
    (table,) = migrate(pg_url, second_pg, config=config).tables
    assert (table.rows, table.rejected) == (1, 1)
    [set_aside] = [json.loads(line) for line in (rejects / "t.jsonl").read_text().splitlines()]
    assert [p["column"] for p in set_aside["problems"]] == ["u"]

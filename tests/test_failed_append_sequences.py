"""An append that fails part-way keeps the batches it committed in the existing table: its
key sequence is moved past their keys, as a finished append's is. Before, it stayed behind
them while the report said "key sequence ... moves past the appended keys", and the
application's next insert that left the key out took a key already there.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

import arrowmig
from tests.dbutil import pg_exec, pg_rows, sqlite_table

BAD_ID = 1700  # in the seventh batch of 100: six are committed before it


def _source(tmp_path: Path) -> str:
    rows = [(i, "bad" if i == BAD_ID else str(i)) for i in range(1001, 2001)]
    return sqlite_table(tmp_path / "s.db", "CREATE TABLE t (id INTEGER PRIMARY KEY, n TEXT)", rows)


def _append(source: str, target: str) -> arrowmig.MigrationReport:
    config = arrowmig.MigrationConfig(
        mode="append", casts=(("t", "n", "integer"),), batch=arrowmig.BatchConfig(batch_rows=100)
    )
    return arrowmig.migrate(source, target, config=config)


@pytest.mark.postgres
def test_a_failed_append_moves_the_key_sequence_past_the_rows_it_committed(
    tmp_path: Path, pg_url: str
) -> None:
    pg_exec(pg_url, "CREATE TABLE t (id serial PRIMARY KEY, n int)")
    report = _append(_source(tmp_path), pg_url)
    (table,) = report.tables
    assert table.status == "failed" and table.rows == 600
    assert "key sequence t_id_seq moved past 1,600" in table.built
    assert not [n for n in table.notes if "moves past the appended keys" in n]
    # The application's next insert takes a key after them, not one of theirs.
    pg_exec(pg_url, "INSERT INTO t (n) VALUES (0)")
    assert pg_rows(pg_url, "t", "id")[-1] == (1601, 0)


@pytest.mark.postgres
def test_a_failed_append_with_no_row_committed_says_nothing_of_its_sequence(
    tmp_path: Path, pg_url: str
) -> None:
    source = sqlite_table(
        tmp_path / "s.db", "CREATE TABLE t (id INTEGER PRIMARY KEY, n TEXT)", [(1, "bad")]
    )
    pg_exec(pg_url, "CREATE TABLE t (id serial PRIMARY KEY, n int)")
    (table,) = _append(source, pg_url).tables
    assert table.status == "failed" and table.rows == 0
    assert not [n for n in table.notes + table.built if "t_id_seq" in n]


def test_a_failed_append_into_duckdb_moves_its_sequence_too(tmp_path: Path) -> None:
    target = tmp_path / "t.duckdb"
    with duckdb.connect(str(target)) as con:
        con.execute("CREATE SEQUENCE s; CREATE TABLE t (id BIGINT DEFAULT nextval('s'), n INT)")
    report = _append(_source(tmp_path), str(target))
    assert report.tables[0].status == "failed" and report.tables[0].rows == 600
    with duckdb.connect(str(target)) as con:
        con.execute("INSERT INTO t (n) VALUES (0)")
        assert con.execute("SELECT max(id) FROM t").fetchone() == (1601,)

"""Rows an application writes to a PostgreSQL target table while ``--mode replace`` loads its
new one are not in the new table: with --keep-backup they are in the backup, and the report's
note on the backup says so."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import psycopg
import pytest

import arrowmig
from arrowmig import MigrationConfig
from arrowmig.events import Event
from arrowmig.loading import WRITES_KEPT

pytestmark = pytest.mark.postgres


def test_rows_written_to_the_old_table_during_a_replace_are_in_its_backup(
    tmp_path: Path, pg_url: str
) -> None:
    # A trial: 400 of an application's 577 committed orders vanished with the old table,
    # and nothing said so.
    source = tmp_path / "src.db"
    with closing(sqlite3.connect(source)) as con:
        con.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, v TEXT)")
        con.executemany("INSERT INTO items VALUES (?, ?)", [(i, "new") for i in range(1, 101)])
        con.commit()
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("CREATE TABLE items (id int PRIMARY KEY, v text)")
        con.execute("INSERT INTO items SELECT g, 'old' FROM generate_series(1, 10) g")

    def on_event(event: Event) -> None:
        if event.event == "start":  # loading into the staging table: the old one in use
            with psycopg.connect(pg_url, autocommit=True) as app:
                app.execute("INSERT INTO items VALUES (1000, 'order')")

    config = MigrationConfig(mode="replace", keep_backup=True)
    report = arrowmig.migrate(str(source), pg_url, config=config, progress=on_event)
    assert report.ok
    (kept,) = [b for b in report.tables[0].built if b.startswith("previous table kept as")]
    assert kept.endswith(WRITES_KEPT)
    backup = kept.split("'")[1]
    with psycopg.connect(pg_url) as con:
        assert con.execute("SELECT count(*) FROM items WHERE id = 1000").fetchone() == (0,)
        assert con.execute(f'SELECT v FROM "{backup}" WHERE id = 1000').fetchone() == ("order",)

"""``--mode truncate`` into a schema restored by ``pg_dump -s`` whose foreign keys point at each
other, as pagila's ``staff.store_id`` -> ``store`` (DEFERRABLE INITIALLY DEFERRED) and
``store.manager_staff_id`` -> ``staff`` do. The run's tables load one after another, each batch
committed: ``staff`` loaded first, into the emptied ``store``, and the target refused its rows
(a deferred key is checked as each batch commits). The run had emptied every table and failed
``staff``, ``store`` and every table pointing at them, exit 1, the plan having said nothing.
Such a run is now refused before anything is emptied, exit 2, with the statements that let the
rows in; with them, it loads every row.
"""

from __future__ import annotations

import pytest

from arrowmig.cli import main
from tests.dbutil import pg_exec, pg_rows

SCHEMA = """
CREATE TABLE staff (staff_id int PRIMARY KEY, name text NOT NULL, store_id int NOT NULL);
CREATE TABLE store (store_id int PRIMARY KEY, manager_staff_id int NOT NULL
  REFERENCES staff ON UPDATE CASCADE ON DELETE RESTRICT);
CREATE TABLE customer (customer_id int PRIMARY KEY, store_id int NOT NULL REFERENCES store);
ALTER TABLE staff ADD CONSTRAINT staff_store_id_fkey FOREIGN KEY (store_id) REFERENCES store
  DEFERRABLE INITIALLY DEFERRED;
"""
ROWS = """
BEGIN;
INSERT INTO staff VALUES (1, 'Mike', 1), (2, 'Jon', 2);
INSERT INTO store VALUES (1, 1), (2, 2);
COMMIT;
INSERT INTO customer SELECT g, 1 + g % 2 FROM generate_series(1, 50) g;
"""
KEPT = [(7, "old", 7)]
"""The target's own rows: still there when the run is refused."""


@pytest.mark.postgres
def test_truncate_into_tables_pointing_at_each_other_is_refused_before_emptying(
    pg_url: str, second_pg: str, capsys: pytest.CaptureFixture[str]
) -> None:
    pg_exec(pg_url, SCHEMA, ROWS)
    pg_exec(
        second_pg,
        SCHEMA,
        "BEGIN; INSERT INTO staff VALUES (7, 'old', 7); INSERT INTO store VALUES (7, 7); COMMIT",
    )
    for verb in ("plan", "migrate"):
        assert main([verb, pg_url, second_pg, "--mode", "truncate", "--progress", "none"]) == 2
        said = capsys.readouterr().err
        assert "'staff' and 'store' point at each other" in said, said
        assert "the first (store_id)=(1)" in said, said
        assert "nothing has been emptied or written" in said, said
        assert 'ALTER TABLE "public"."staff" DROP CONSTRAINT "staff_store_id_fkey"' in said, said
        assert "or use --mode replace, which adds foreign keys once every table" in said, said
        assert "Traceback" not in said
        assert pg_rows(second_pg, "staff") == KEPT
    # The way the message gives: drop the key, run, add it again.
    pg_exec(second_pg, 'ALTER TABLE "public"."staff" DROP CONSTRAINT "staff_store_id_fkey"')
    assert main(["migrate", pg_url, second_pg, "--mode", "truncate", "--progress", "none"]) == 0
    pg_exec(
        second_pg,
        'ALTER TABLE "public"."staff" ADD CONSTRAINT "staff_store_id_fkey" FOREIGN KEY '
        '("store_id") REFERENCES "public"."store" ("store_id") DEFERRABLE INITIALLY DEFERRED',
    )
    assert pg_rows(second_pg, "staff", "staff_id") == [(1, "Mike", 1), (2, "Jon", 2)]
    assert len(pg_rows(second_pg, "customer")) == 50


@pytest.mark.postgres
def test_a_cycle_whose_first_table_points_nowhere_yet_loads(pg_url: str, second_pg: str) -> None:
    # A nullable key left NULL in every row refuses no row: the run goes ahead.
    nullable = SCHEMA.replace("store_id int NOT NULL);", "store_id int);", 1)
    pg_exec(pg_url, nullable, "INSERT INTO staff VALUES (1, 'Mike', NULL)")
    pg_exec(pg_url, "INSERT INTO store VALUES (1, 1)")
    pg_exec(second_pg, nullable)
    assert main(["migrate", pg_url, second_pg, "--mode", "truncate", "--progress", "none"]) == 0
    assert pg_rows(second_pg, "staff", "staff_id") == [(1, "Mike", None)]
    assert pg_rows(second_pg, "store") == [(1, 1)]


@pytest.mark.postgres
def test_appending_into_the_empty_tables_of_a_restored_schema_is_refused_too(
    pg_url: str, second_pg: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # pg_dump -s, then --mode append: store is empty as staff loads, as after a truncate.
    pg_exec(pg_url, SCHEMA, ROWS)
    pg_exec(second_pg, SCHEMA)
    assert main(["migrate", pg_url, second_pg, "--mode", "append", "--progress", "none"]) == 2
    said = capsys.readouterr().err
    assert "'store' is empty in the target, so the target would refuse" in said, said
    assert pg_rows(second_pg, "customer") == []


@pytest.mark.postgres
def test_a_cycle_whose_key_check_is_disabled_for_the_load_is_not_refused(
    pg_url: str, second_pg: str
) -> None:
    # pg_restore --disable-triggers' way: the key's check trigger is off, the rows go in.
    pg_exec(pg_url, SCHEMA, ROWS)
    pg_exec(second_pg, SCHEMA, "ALTER TABLE staff DISABLE TRIGGER ALL")
    assert main(["migrate", pg_url, second_pg, "--mode", "truncate", "--progress", "none"]) == 0
    pg_exec(second_pg, "ALTER TABLE staff ENABLE TRIGGER ALL")
    assert pg_rows(second_pg, "staff", "staff_id") == [(1, "Mike", 1), (2, "Jon", 2)]

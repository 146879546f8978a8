"""`--mode replace` puts back another table's foreign key into the replaced table while an
application writes both: neither the run nor the application is ended by a deadlock, and a
deadlock met all the same is tried again, the key put back whole."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import psycopg
import pytest

from arrowmig import open_endpoint
from tests.dbutil import pg_exec

pytestmark = pytest.mark.postgres

PARENT, CHILD, KEY = '"public"."parent"', '"public"."child"', "child_parent_id_fkey"
DEFINITION = "FOREIGN KEY (parent_id) REFERENCES parent(id)"


@pytest.fixture
def after_the_swap(pg_url: str) -> Iterator[None]:
    """A new parent put in place, its child's key into it not back yet."""
    pg_exec(
        pg_url,
        "CREATE TABLE parent (id int PRIMARY KEY)",
        "INSERT INTO parent VALUES (1)",
        "CREATE TABLE child (id int PRIMARY KEY, parent_id int)",
        "INSERT INTO child VALUES (1, 1)",
    )
    yield


def _restoring(pg_url: str, outcome: dict[str, object]) -> threading.Thread:
    """The run's putting back of the key, on a thread of its own, its outcome in ``outcome``."""

    def restore() -> None:
        try:
            with open_endpoint(pg_url) as dst:
                outcome["result"] = dst.restore_foreign_key(PARENT, CHILD, KEY, DEFINITION)  # type: ignore[attr-defined]
        except Exception as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=restore)
    thread.start()
    return thread


def _wait_until_blocked(pg_url: str) -> None:
    """Until a session waits for a lock on parent or child (the run's)."""
    with psycopg.connect(pg_url, autocommit=True) as con:
        for _ in range(500):
            if con.execute(
                "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation IN "
                "('parent'::regclass, 'child'::regclass)"
            ).fetchone() == (1,):
                return
            time.sleep(0.01)
    raise AssertionError("the run never waited for the application's lock")


def _key(pg_url: str) -> list[tuple[str, bool]]:
    with psycopg.connect(pg_url) as con:
        return con.execute(
            "SELECT conname::text, convalidated FROM pg_constraint WHERE contype = 'f'"
        ).fetchall()


def _written_around_the_restore(
    pg_url: str, first: str, then: str, deadlock_timeout: str
) -> dict[str, object]:
    """An application transaction that runs ``first``, then, once the run's putting back of
    the key waits for it, ``then``, and commits: the run's outcome. ``deadlock_timeout``: the
    application's, which decides whose check finds a cycle first (that session is ended)."""
    with psycopg.connect(pg_url) as app:
        app.execute(f"SET deadlock_timeout = '{deadlock_timeout}'")
        app.execute(first)
        outcome: dict[str, object] = {}
        thread = _restoring(pg_url, outcome)
        _wait_until_blocked(pg_url)
        app.execute(then)
        app.commit()
        thread.join()
    return outcome


def test_a_writer_of_parent_then_child_is_not_ended_by_the_key_put_back(
    pg_url: str, after_the_swap: None
) -> None:
    """The application's usual order (a parent, then its child) holds the parent as the run
    asks for both: the run takes neither until it can have the parent, so the application
    writes its child and commits, then the key is added and checked. (Had the two made a
    cycle, PostgreSQL would have ended the application's transaction: its check comes first.)"""
    outcome = _written_around_the_restore(
        pg_url, "INSERT INTO parent VALUES (2)", "INSERT INTO child VALUES (2, 2)", "100ms"
    )
    assert outcome == {"result": None}
    assert _key(pg_url) == [(KEY, True)]


def test_a_deadlock_with_a_writer_of_child_then_parent_is_tried_again(
    pg_url: str, after_the_swap: None
) -> None:
    """The other order (a child, then a parent) makes a cycle with the run, which PostgreSQL
    breaks by ending the run's statement (its check comes first): it is tried again once the
    application has committed, and the key is put back whole."""
    outcome = _written_around_the_restore(
        pg_url, "INSERT INTO child VALUES (2, 1)", "INSERT INTO parent VALUES (2)", "10s"
    )
    assert outcome == {"result": None}
    assert _key(pg_url) == [(KEY, True)]

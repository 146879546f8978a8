"""What a PostgreSQL statement's failure says to the user: the server's message, without what
the driver was doing when it came (``Failed to execute prepared statement:
PGRES_FATAL_ERROR ERROR:``), which names nothing the user ran."""

from __future__ import annotations

import pytest

from arrowmig.endpoints import open_endpoint
from arrowmig.endpoints.common import short_driver_message
from arrowmig.errors import ArrowmigError

pytestmark = pytest.mark.postgres


@pytest.mark.parametrize(
    ("sql", "params", "said"),
    [
        ("SELECT $1::int", ("x",), 'invalid input syntax for type integer: "x"'),
        ("SELECT 1 / $1::int", (0,), "division by zero"),
        ("SELECT * FROM no_such_table", (), 'relation "no_such_table" does not exist'),
    ],
)
def test_a_failed_statement_says_the_servers_words_only(
    pg_url: str, sql: str, params: tuple[object, ...], said: str
) -> None:
    with open_endpoint(pg_url) as endpoint, pytest.raises(ArrowmigError) as failed:
        endpoint.execute(sql, params)
    assert str(failed.value).startswith(f"running a statement: {said}")
    for noise in ("PGRES_", "Failed to", "ERROR:", "Execution error"):
        assert noise not in str(failed.value)


def test_a_message_of_many_driver_steps_without_the_servers_words_is_said_as_it_is() -> None:
    """Split into its steps by a regex that could backtrack in ever more ways, a message of
    a few dozen ``Failed to … '…':`` pieces and no ``ERROR:`` would never have been said."""
    message = "".join(f"Failed to execute query 'SELECT {i}': " for i in range(500)) + "gone"
    assert short_driver_message(Exception(message)) == message.strip()


def test_a_quoted_statement_with_literals_is_dropped_before_the_servers_words() -> None:
    message = "Failed to execute query 'SELECT 'a' || x': ERROR:  boom\nDETAIL: why"
    assert short_driver_message(Exception(message)) == "boom (why)"


def test_a_quoted_statement_with_casts_is_dropped_before_the_servers_words() -> None:
    """An append's INSERT ... SELECT holds casts of literals ('infinity'::TIMESTAMP): the
    statement, kilobytes of it, came before the server's words."""
    message = (
        "Failed to execute query 'INSERT INTO t SELECT CASE x WHEN 1 THEN 'infinity'::TIMESTAMP "
        'END FROM "_arrowmig_stage_1"\': ERROR:  duplicate key value violates unique '
        'constraint "t_pkey"\nDETAIL:  Key (id)=(1) already exists.'
    )
    assert short_driver_message(Exception(message)) == (
        'duplicate key value violates unique constraint "t_pkey" (Key (id)=(1) already exists.)'
    )


def test_a_session_ended_mid_statement_is_said_as_the_servers_reason() -> None:
    # libpq's words for a transaction whose session pg_terminate_backend ended: no ERROR:,
    # so the quoted statements (the run lock's check first) were the message.
    message = (
        "IO: [libpq] Failed to execute query 'DO $x$ BEGIN RAISE EXCEPTION USING MESSAGE = "
        "''the session is gone''; END $x$;\nALTER TABLE s RENAME TO t': FATAL:  terminating "
        "connection due to administrator command\nserver closed the connection unexpectedly\n"
        "\tThis probably means the server terminated abnormally\n"
    )
    said = short_driver_message(Exception(message))
    assert said == "terminating connection due to administrator command"
    lost = (
        "Failed to execute query 'SELECT 1;\nSELECT 2': server closed the connection unexpectedly"
    )
    assert short_driver_message(Exception(lost)) == "server closed the connection unexpectedly"

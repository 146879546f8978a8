"""What a PostgreSQL statement's failure says to the user: the server's message, without what
the driver was doing when it came (``Failed to execute prepared statement:
PGRES_FATAL_ERROR ERROR:``), which names nothing the user ran."""

from __future__ import annotations

import pytest

from arrowmig.endpoints import open_endpoint
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

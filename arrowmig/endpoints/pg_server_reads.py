"""A batch a PostgreSQL target refused as it read a column's text as the column's type (an
hstore, a composite, a tsrange, a uuid by --cast): the columns it read that way named, with
what to do, where the server's message ("Unexpected end of string") names none."""

from __future__ import annotations

import re

from arrowmig.endpoints.pg_binary_forms import OID_ALIASES
from arrowmig.errors import ArrowmigError, TransientError
from arrowmig.model import Column, Table
from arrowmig.schema import pg_server_cast

SERVER_READ_STATES = ("22", "XX000")
"""A data exception, or the internal error an extension's input function raises for text it
cannot read (hstore's and ltree's ``elog(ERROR)`` carry no SQLSTATE of their own)."""


SERVER_READ_HINT = "--on-error reject sets each row it refuses aside, named, and loads the others"
"""The way past a value such a column's type refused, which the error names no row of."""


def server_read_columns(table: Table) -> list[Column]:
    """The columns whose text the server reads as their type as a batch goes in."""
    return [c for c in table.columns if pg_server_cast(c)]


NAME_LOOKUP_STATES = ("42P01", "42704", "42883", "42725", "3F000")
"""An object a name does not name in the target (undefined table, object, function; an
ambiguous function; no such schema): an OID alias column's text (regclass 'app.gone') is
looked up as it is read, and a name the target lacks is that row's value refused."""


def refused_reading(error: ArrowmigError, table: Table) -> bool:
    """Whether ``error`` is the server refusing a value of such a column: a row's own
    problem, set aside with ``--on-error reject``."""
    state = getattr(error, "sqlstate", None) or ""
    read = server_read_columns(table)
    if isinstance(error, TransientError) or not read:
        return False
    if state.startswith(SERVER_READ_STATES):
        return True
    return state in NAME_LOOKUP_STATES and any(_names_objects(c) for c in read)


def _names_objects(column: Column) -> bool:
    """Whether the column is of an OID alias type (regclass, regtype[], ...)."""
    cast = pg_server_cast(column) or ""
    return cast.removesuffix("[]").rsplit(".", 1)[-1] in OID_ALIASES


def with_columns_named(error: ArrowmigError, table: Table) -> ArrowmigError:
    """``error`` with the columns the server read from text named and the way past it, when
    it refused one of their values."""
    if error.hint is not None or not refused_reading(error, table):
        return error
    read = [f"{c.name} (as {pg_server_cast(c)})" for c in server_read_columns(table)]
    which = f"column {read[0]}" if len(read) == 1 else f"one of the columns {', '.join(read)}"
    error.message += f": a value of {which}{_READ_AS_TYPE}"
    error.hint = SERVER_READ_HINT
    return error


_READ_AS_TYPE = ", text the server reads as the column's type"
_COLUMNS_NAMED = re.compile(
    r": a value of (?:column|one of the columns) .*" + re.escape(_READ_AS_TYPE) + "$"
)


def without_columns_named(message: str) -> str:
    """The server's own reason in ``message``, without the columns ``with_columns_named``
    added: once its row is found, the row's column is named where the row is."""
    return _COLUMNS_NAMED.sub("", message)

"""Type overrides (``--cast``), read from each way they are written: ``table.column=TYPE`` on the
command line, a ``[casts]`` table or list in a job file, a mapping or list from Python.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from arrowmig.errors import UsageError
from arrowmig.names import name_parts, shown

Cast = tuple[str, str, str]
"""(table, column, target type)."""

SHAPES = 'a mapping {"table.column": "TYPE"} or a list of "table.column=TYPE"'
"""What ``MigrationConfig(casts=...)`` takes, in words."""


def read_casts(value: object, given_as: str = "casts") -> tuple[Cast, ...]:
    """The casts ``value`` holds: a mapping of ``"table.column"`` to a type, a list of
    ``"table.column=TYPE"`` (a lone one too, as a lone table name is one table), or of
    (table, column, type) triples. The column is what follows the last dot (a table name may
    hold dots). Anything else is refused naming ``given_as`` and the forms it takes."""
    if isinstance(value, str):
        return (read_cast(value, given_as),)
    if isinstance(value, Mapping):
        return tuple(_mapped(name, type_name, given_as) for name, type_name in value.items())
    if isinstance(value, bytes | bytearray) or not isinstance(value, Iterable):
        raise UsageError(f"{given_as} must be {SHAPES}, not {value!r}")
    return tuple(_listed(item, given_as) for item in value)


_QUOTED = r'"(?:[^"]|"")*"'
_PART = rf'(?:{_QUOTED}|[^."=]+)'
_SQL_NAME = re.compile(rf"\s*({_PART}(?:\.{_PART})*)\s*(?:=(.*))?", re.DOTALL)
"""A name written as SQL writes it, its parts joined by dots, a part holding a dot, comma,
``=``, space or quote in double quotes (``"a,b"."y,z"``), and what follows its ``=``."""


def read_cast(item: str, given_as: str = "--cast") -> Cast:
    """One ``table.column=TYPE``: the name ends at the first ``=`` outside double quotes."""
    sql = _SQL_NAME.fullmatch(item)
    if sql is not None and sql[2] is not None and '"' in sql[1]:
        return _split(sql[1], sql[2], item, given_as)
    name, _, type_name = item.partition("=")
    return _split(name, type_name, item, given_as)


def _mapped(name: object, type_name: object, given_as: str) -> Cast:
    if not isinstance(name, str):
        raise UsageError(f'{given_as} must be {SHAPES}; {name!r} is not a "table.column" name')
    if not isinstance(type_name, str):
        raise UsageError(f"{given_as} {name!r} must name a type, not {type_name!r}")
    return _split(name, type_name, f"{name}={type_name}", given_as)


def _listed(item: object, given_as: str) -> Cast:
    if isinstance(item, str):
        return read_cast(item, given_as)
    # The triples the planner keeps (and what arrowmig took from Python before any other form).
    if isinstance(item, tuple | list) and len(item) == 3 and all(isinstance(p, str) for p in item):
        table, column, type_name = item
        if table and column and type_name.strip():
            return table, column, type_name.strip()
    raise UsageError(f"{given_as} must be {SHAPES}; cannot read {item!r} in it")


def _split(name: str, type_name: str, item: str, given_as: str) -> Cast:
    table, dot, column = _table_column(name.strip(), item, given_as)
    if not dot or not table or not column or not type_name.strip():
        option = f"{given_as} " if given_as.startswith("--") else ""
        raise UsageError(
            f"cannot read {given_as} {item!r}", hint=f"write {option}table.column=TYPE"
        )
    return table, column, type_name.strip()


def _table_column(name: str, item: str, given_as: str) -> tuple[str, str, str]:
    """(table, ".", column) of a name: written as SQL writes names (``"a,b"."y,z"``,
    ``s."t.1"."c=d"``, a quote inside doubled), each part is taken exactly and the table is
    a one-schema name or ``schema.table`` as --tables takes it; otherwise, as ever, the column
    is what follows the last dot, the table what comes before it (a table name may hold dots).
    The forms meet in ``argument_words.cast_option``, which prints whichever reads back."""
    sql = _SQL_NAME.fullmatch(name)
    if sql is None or sql[2] is not None or '"' not in name:
        return name.rpartition(".")
    parts = name_parts(name)
    if len(parts) > 3:
        option = f"{given_as} " if given_as.startswith("--") else ""
        raise UsageError(
            f"cannot read {given_as} {item!r}: a name has at most three parts, schema.table.column",
            hint=f"write {option}table.column=TYPE or schema.table.column=TYPE, a part holding "
            'a dot in double quotes ("a.b"."c.d".e=TYPE)',
        )
    if len(parts) < 2:
        return "", "", parts[0]
    table = parts[0] if len(parts) == 2 else shown(parts[0], parts[1])
    return table, ".", parts[-1]


def casts_in_schema(casts: tuple[Cast, ...], schema: str | None) -> tuple[Cast, ...]:
    """The casts of a run of one schema, a table named ``schema.table`` in quotes
    (``"a,b".t``, as a run of several schemas prints it) named as that schema's table."""
    resolved = []
    for table, column, type_name in casts:
        if '"' in table and schema is not None:
            try:
                parts = name_parts(table)
            except UsageError:
                parts = [table]  # a name holding a quote, given as it is
            if len(parts) == 2 and parts[0] == schema:
                table = parts[1]
        resolved.append((table, column, type_name))
    return tuple(resolved)

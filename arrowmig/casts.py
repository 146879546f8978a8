"""Type overrides (``--cast``), read from each way they are written: ``table.column=TYPE`` on the
command line, a ``[casts]`` table or list in a job file, a mapping or list from Python.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from arrowmig.errors import UsageError

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


def read_cast(item: str, given_as: str = "--cast") -> Cast:
    """One ``table.column=TYPE``."""
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
    table, dot, column = name.strip().rpartition(".")
    if not dot or not table or not column or not type_name.strip():
        option = f"{given_as} " if given_as.startswith("--") else ""
        raise UsageError(
            f"cannot read {given_as} {item!r}", hint=f"write {option}table.column=TYPE"
        )
    return table, column, type_name.strip()

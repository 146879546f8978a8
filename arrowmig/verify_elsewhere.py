"""Where the tables verify found missing in the target schema are: another schema of the
target that holds them, named with the ``--target-schema`` that compares them there.

A run of several schemas writes each into the target schema of its name, while a verify of
one of them (``--source-schema public``) looks in the target's default schema (DuckDB's
``main``): every table "missing in target" reads as data loss unless the note says where
they are."""

from __future__ import annotations

import shlex
from collections.abc import Callable

from arrowmig.names import same_but_case

MAX_SCHEMAS_LOOKED_IN = 16
"""Schemas opened at most to look for the missing tables (one connection each): a target
with hundreds of schemas is not searched; the one named like the source's is looked in first."""


def elsewhere_note(
    target: str,
    here: str,
    source_schema: str | None,
    missing: list[str],
    others: list[str],
    match: Callable[[str, list[str]], str | None],
) -> str | None:
    """The note naming the schema of ``target`` (among ``others``, those holding tables) that
    holds the most of the ``missing`` source tables, matched by ``match`` as verify pairs
    tables; None when none holds any. ``here``: the target schema compared."""
    if not missing or not others:
        return None
    first = [s for s in (source_schema,) if s in others]
    if source_schema is not None and not first:
        first = [s for s in (same_but_case(source_schema, others),) if s is not None]
    candidates = [*first, *(s for s in others if s not in first)][:MAX_SCHEMAS_LOOKED_IN]
    from arrowmig.endpoints import open_endpoint  # as verify's sides open theirs

    best, found = "", 0
    for schema in candidates:
        with open_endpoint(target, schema=schema, read_only=True) as there:
            names = there.list_tables()
        held = sum(match(name, names) is not None for name in missing)
        if held > found:
            best, found = schema, held
        if found == len(missing):
            break
    if not found:
        return None
    if found == len(missing):
        said = "the table" if found == 1 else f"all {found} tables"
    else:
        said = f"{found} of the {len(missing)} tables"
    return (
        f"{said} missing in target schema {here!r} {'is' if found == 1 else 'are'} in its "
        f"schema {best!r}: compare {'it' if found == 1 else 'them'} there with "
        f"--target-schema {shlex.quote(best)}"
    )

"""The name a run's primary key takes in a PostgreSQL target: the source's own (``CONSTRAINT
"PK Odd" PRIMARY KEY``), where no table, view or index of the target schema, and nothing of the
run, holds it; else PostgreSQL's own (``<table>_pkey``), and the plan says so. A key's index
shares one namespace with them: ADD CONSTRAINT under a name taken would fail the key after
every row is loaded ('relation "PK Odd" already exists')."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

from arrowmig.model import Table
from arrowmig.sequence_names import Held
from arrowmig.target_names import target_name


def with_key_name_free(
    table: Table, how: str, held: Held, run_names: Collection[str], claimed: set[str]
) -> tuple[Table, list[str]]:
    """``table`` (under the source's names; ``how``: --target-names) with its primary key's
    own name dropped, and a note, where the target name is held (``held``; ``run_names``: the
    run's tables and sequences as the target names them; ``claimed``: the keys named so far
    in the run, this one added)."""
    if not table.primary_key_name:
        return table, []
    name = target_name(table.primary_key_name, how)
    if name in run_names or name in claimed:
        holder = "another table, sequence or key of this run"
    elif there := held([name]):
        holder = f"{there[name]} of the target schema"
    else:
        claimed.add(name)
        return table, []
    own = target_name(f"{table.name}_pkey", how)
    return replace(table, primary_key_name=""), [
        f"primary key {name} is built under PostgreSQL's own name ({own}): {holder} holds the name"
    ]

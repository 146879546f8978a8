"""The target tables a run moves, whose foreign keys are the run's to add: this schema's by
name, and, in a run of several schemas, every schema's as (schema, name) pairs.

Kept apart, not in one set of plain and qualified names: a table named ``"b"."t"`` in
schema ``a`` spells the same as ``b.t`` qualified, and a key into ``b.t``, which the run
does not move, was taken as one the run adds, and lost.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class RunTables(Collection[str]):
    """A collection of this schema's table names (``here``), with every schema's tables of
    a run of several schemas beside them (``everywhere``)."""

    here: frozenset[str] = frozenset()
    everywhere: frozenset[tuple[str, str]] = frozenset()
    """(schema, table) of every table a run of several schemas moves; empty otherwise."""

    def __contains__(self, name: object) -> bool:
        return name in self.here

    def __iter__(self) -> Iterator[str]:
        return iter(self.here)

    def __len__(self) -> int:
        return len(self.here)

    def moves(self, schema: str, name: str) -> bool:
        """Whether the run moves table ``name`` of ``schema``, one of another schema too."""
        return (schema, name) in self.everywhere


def run_tables(moved: Collection[str]) -> RunTables:
    """``moved`` as RunTables: a plain collection names this schema's tables alone."""
    return moved if isinstance(moved, RunTables) else RunTables(frozenset(moved))

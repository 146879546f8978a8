"""What a replaced table had that its successor is given once it is in place (its dressing,
other tables' foreign keys into it), kept in the table's checkpoint row as it is given.

The old table is gone with the put in place, and what it had was read from it before: the
list is recorded in the same transaction as the put in place, and each item given is struck
off in the same transaction as its statement, so a run killed at any point between leaves
``--resume`` exactly what is still to give (``loading.finish_placed``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from arrowmig.endpoints.base import Endpoint
from arrowmig.endpoints.pg_dressing import Dressing, given
from arrowmig.endpoints.pg_foreign_keys import column_gone, not_restored, restored_label
from arrowmig.errors import ArrowmigError
from arrowmig.model import KEPT_FROM_REPLACED, NOT_KEPT, Table, TableLoad

ForeignKeyInto = tuple[str, str, str]
"""(table, constraint name, definition) of another table's foreign key into a replaced one."""


@dataclass(frozen=True)
class Left:
    """What is still to give a table put in place, and what giving it has said so far."""

    dressing: tuple[Dressing, ...] = ()
    keys_into: tuple[ForeignKeyInto, ...] = ()
    kept: tuple[str, ...] = ()
    """Labels of the dressing given (``KEPT_FROM_REPLACED``)."""
    built: tuple[str, ...] = ()
    """The foreign keys put back."""
    skipped: tuple[str, ...] = ()
    """What was not given, and why; caveats of what was."""
    not_built: tuple[str, ...] = ()
    """Foreign keys into it not put back whole (NOT VALID, or not at all): the table fails."""

    def data(self) -> dict[str, Any] | None:
        """As JSON data for the checkpoint row; None when there is nothing to tell."""
        if self == Left():
            return None
        return {
            "dressing": [dataclasses.asdict(d) for d in self.dressing],
            "keys_into": [list(k) for k in self.keys_into],
            "kept": list(self.kept),
            "built": list(self.built),
            "skipped": list(self.skipped),
            "not_built": list(self.not_built),
        }

    @classmethod
    def parse(cls, data: Any) -> Left:
        if not isinstance(data, dict):
            return cls()
        dressing = []
        for item in data.get("dressing", []):
            typed = item.get("typed")
            item = {**item, "checks": tuple(item.get("checks", ())), "typed": None}
            dressing.append(replace(Dressing(**item), typed=tuple(typed) if typed else None))
        return cls(
            tuple(dressing),
            tuple((str(t), str(n), str(d)) for t, n, d in data.get("keys_into", [])),
            tuple(map(str, data.get("kept", []))),
            tuple(map(str, data.get("built", []))),
            tuple(map(str, data.get("skipped", []))),
            tuple(map(str, data.get("not_built", []))),
        )


Record = Callable[[Left], str]
"""The statement that records a table put in place with what is ``Left`` to give it."""


def give_left(
    dst: Endpoint, table: Table, left: Left, load: TableLoad, record: Record | None
) -> None:
    """Give the new ``table`` what is ``left`` (``record``: strike each off as it is given),
    and tell in ``load`` all that giving it said, including before an interruption."""
    giving = _Giving(dst, left, record)
    _dress(table, giving)
    # After the replaced table's own are given: a key of another table may point at a
    # UNIQUE the new table has only as kept from the old one.
    _restore_foreign_keys(table, giving)
    done = giving.left
    load.skipped.extend(done.skipped)
    load.keys_not_built.extend(done.not_built)
    if done.kept:
        load.built.append(KEPT_FROM_REPLACED + ", ".join(done.kept))
    load.built.extend(done.built)


@dataclass
class _Giving:
    """What is left as the giving goes, recorded with each step."""

    dst: Endpoint
    left: Left
    record: Record | None

    def step(self, after: Left, sql: str | None = None) -> None:
        """Go on to ``after``: recorded, with ``sql`` in the same transaction when given."""
        recorded = [self.record(after)] if self.record is not None else []
        statements = ([sql] if sql is not None else []) + recorded
        if statements:
            self.dst.run_in_transaction(
                statements,
                # As ``execute`` tells a statement of its own that fails (an item not kept).
                "running a statement" if sql is not None else "recording a table put in place",
            )
        self.left = after


def _dress(table: Table, giving: _Giving) -> None:
    """Give the new table what the one it replaced had (``pg_dressing``: privileges, triggers,
    indexes, statistics, publications, owner, ...), each on its own: one that fails, or that
    the new table cannot take, is named, the others still apply."""
    if not giving.left.dressing:
        return
    dst = giving.dst
    still = dst.still_to_give(table, list(giving.left.dressing))  # type: ignore[attr-defined]
    giving.left = replace(giving.left, dressing=tuple(still))
    for item in still:
        left = giving.left
        rest = left.dressing[1:]
        caveat = (item.caveat,) if item.caveat else ()
        if_kept = replace(
            left, dressing=rest, kept=(*left.kept, item.label), skipped=(*left.skipped, *caveat)
        )

        def run(sql: str, item: Dressing = item, if_kept: Left = if_kept) -> None:
            if sql == item.sql and not item.checks:
                # Given and struck off together: a run killed before gives it again.
                giving.step(if_kept, sql)
            else:
                dst.execute(sql)  # checked after (SQLite's): recorded once they pass

        # A check is a query only SQLite's items have (``Dressing.checks``).
        outcome = given(item, run, getattr(dst, "run_check", dst.execute), ArrowmigError)
        if giving.left is if_kept:
            continue
        if outcome.sql is None:
            by_hand = f" (to add it: {outcome.recreate})" if outcome.recreate else ""
            note = f"{outcome.label}{NOT_KEPT}{outcome.why}{by_hand}"
            giving.step(replace(left, dressing=rest, skipped=(*left.skipped, note)))
        else:
            giving.step(if_kept)


_DATATYPE_MISMATCH = "42804"


def _restore_foreign_keys(final: Table, giving: _Giving) -> None:
    """The foreign keys other tables had on a replaced table: the old table took them with it
    (dropped, or renamed as the backup), so each is added again on the new one, checked
    (one that was NOT VALID stays so); one pointing at a column the new table lacks, or whose
    type changed, is named as the plan named it. One a run was killed in the middle of
    putting back is put back again whole (``restore_foreign_key`` drops it first). One the
    plan did not foresee failing, not put back or only NOT VALID (rows point at rows the new
    table lacks), is a key not built: the table fails (exit 1), as a table outside the run is
    otherwise left unguarded, or holding rows that point nowhere, with only a note to say so."""
    columns = [c.name for c in final.columns]
    parent = giving.dst.qualify(final.name)
    for table, name, definition in giving.left.keys_into:
        left = giving.left
        rest = left.keys_into[1:]
        why = column_gone(definition, columns)
        if why is not None:
            note = not_restored(table, name, definition, why)
            giving.step(replace(left, keys_into=rest, skipped=(*left.skipped, note)))
            continue
        try:
            unchecked = giving.dst.restore_foreign_key(parent, table, name, definition)  # type: ignore[attr-defined]
        except ArrowmigError as exc:
            failed = not_restored(table, name, definition, str(exc))
            if getattr(exc, "sqlstate", None) == _DATATYPE_MISMATCH:
                # A key column's type the new one's cannot be compared with: the plan named
                # it as not kept (``type_clash`` decides as PostgreSQL does), a note as there.
                giving.step(replace(left, keys_into=rest, skipped=(*left.skipped, failed)))
            else:
                giving.step(replace(left, keys_into=rest, not_built=(*left.not_built, failed)))
            continue
        if unchecked is not None:
            failed = (
                f"foreign key {name} of {table} (pointing here) added again NOT VALID: {unchecked}"
            )
            giving.step(replace(left, keys_into=rest, not_built=(*left.not_built, failed)))
            continue
        label = restored_label(table, name, definition)
        giving.step(replace(left, keys_into=rest, built=(*left.built, label)))

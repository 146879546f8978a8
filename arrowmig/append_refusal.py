"""Why rows cannot be appended into existing tables, said for every column of every table in
one refusal, each column with the --cast that converts its values where one does: a refusal
that named one column per run made a user run five times before a row moved.
"""

from __future__ import annotations

from dataclasses import dataclass

from arrowmig.argument_words import cast_option
from arrowmig.errors import SchemaError

LAST_RESORT = (
    "only as a last resort, --mode replace recreates the table in the source's shape (an "
    "application's own definition of it is then lost)"
)
"""An existing table is most often an application's own: recreating it is seldom an answer."""


@dataclass(frozen=True)
class ColumnConflict:
    """One column whose values cannot go into the existing target column as they are."""

    table: str
    column: str
    what: str
    """What differs: "column 'flag' is bigint in the source but boolean in the target"."""
    cast: str | None = None
    """The --cast type that converts the column's values to the target column's (None: none)."""
    advice: str | None = None
    """What that cast does, where its name alone does not say."""

    def said(self) -> str:
        if self.cast is None:
            return f"{self.what} (no --cast converts them: change the target column's type)"
        advice = f": {self.advice}" if self.advice else ""
        return f"{self.what} ({self.option()}{advice})"

    def option(self) -> str:
        """The --cast as a shell takes it (``--cast 't.r=double precision'``), and as the
        option reads it back (``--cast 't."y.z"=double'``)."""
        return cast_option(self.table, self.column, self.cast or "")


def cannot_load(table: str | None, mode: str) -> str:
    """How a refusal of an existing table begins, in the words of the run's mode: a
    truncate told "cannot append" read as if the wrong mode had been taken."""
    return (
        f"cannot append to {table!r}"
        if mode == "append"
        else f"cannot load {table!r} (--mode {mode})"
    )


class AppendRefused(SchemaError):
    """Columns of one or more tables that cannot be appended to, each named with its way in."""

    def __init__(
        self, conflicts: list[ColumnConflict], others: list[SchemaError], mode: str = "append"
    ) -> None:
        self.conflicts = conflicts
        self.others = others
        self.mode = mode
        tables = list(dict.fromkeys([*(c.table for c in conflicts), *(e.table for e in others)]))
        parts = []
        for table in tables:
            said = [c.said() for c in conflicts if c.table == table]
            if said:
                parts.append(f"{cannot_load(table, mode)}: {', '.join(said)}")
            parts += [_with_hint(e) for e in others if e.table == table]
        super().__init__("; ".join(parts), hint=_hint(conflicts), table=tables[0])


def _with_hint(error: SchemaError) -> str:
    return f"{error.message} ({error.hint})" if error.hint else error.message


def _hint(conflicts: list[ColumnConflict]) -> str | None:
    if not conflicts:
        return None  # each other refusal carries its own way out
    casts = [c.option() for c in conflicts if c.cast]
    uncast = [f"{c.table}.{c.column}" for c in conflicts if not c.cast]
    ways = [f"add {' '.join(casts)}"] if casts else []
    if uncast:
        ways.append(f"change the target's type of {', '.join(uncast)}")
    return "; ".join([*ways, LAST_RESORT])


def one_refusal(errors: list[SchemaError]) -> SchemaError:
    """The refusals of a run's tables as one error: a single one as it is, several (or one
    of several columns) as one line naming them all."""
    conflicts = [c for e in errors if isinstance(e, AppendRefused) for c in e.conflicts]
    others = [o for e in errors for o in (e.others if isinstance(e, AppendRefused) else [e])]
    if len(errors) == 1 and not conflicts:
        return errors[0]
    if not conflicts and len(others) == 1:
        return others[0]
    modes = [e.mode for e in errors if isinstance(e, AppendRefused)]
    return AppendRefused(conflicts, others, *modes[:1])

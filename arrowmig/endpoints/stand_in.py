"""For the plan of ``--mode replace`` into PostgreSQL and DuckDB: what the replaced table gives
the new one where the new columns' types decide whether it takes it (``Dressing.tried``: a
CHECK, an index's expressions or predicate), tried on an empty stand-in of the new table as
the run gives it (``pg_dressing.given``), so that the plan names what the run would refuse,
with the run's reason."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from arrowmig.backups import on_table
from arrowmig.endpoints.pg_dressing import Dressing, given
from arrowmig.errors import ArrowmigError, TransientError


class _Refused(Exception):
    """The stand-in refused a statement: the new table would refuse it alike."""


def to_try(dressing: Sequence[Dressing]) -> bool:
    """Whether ``dressing`` holds an item for ``tried``: else no stand-in is built."""
    return any(item.tried and item.sql is not None for item in dressing)


def tried(
    dressing: Sequence[Dressing], stand_in: str, run: Callable[[str], object]
) -> list[Dressing]:
    """``dressing`` with each item to try that table ``stand_in`` (as SQL names it) refuses
    named not kept, with the error the run's ``execute`` would raise: ``run`` runs one
    statement on its own (one that fails undoes itself alone), raising an ``ArrowmigError``."""

    def refused(sql: str) -> None:
        try:
            run(sql)
        except TransientError:
            raise  # the connection's failure, not the statement's (``replaced``)
        except ArrowmigError as exc:
            raise _Refused(str(exc)) from exc

    checked = []
    for item in dressing:
        sql = on_table(item.sql, stand_in) if item.tried and item.sql is not None else None
        if sql is not None:
            trial = given(replace(item, sql=sql), refused, refused, _Refused)
            if trial.sql is None:
                item = item.not_kept(trial.why)  # with the statement on the new table
        checked.append(item)
    return checked

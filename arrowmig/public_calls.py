"""The verbs as a program calls them (``arrowmig.migrate``, ``verify``, ``generate``): a
signal that stops one reaches the caller as ``Interrupted``, a KeyboardInterrupt, and the
process's signal set-up is left as the call found it (``ctrl_c.left_as_found``).

The engine's functions (``arrowmig.migrate.migrate``, ``arrowmig.verifier.verify``,
``arrowmig.generator.generate``) return the report of a run a signal stopped mid-way, which
the command line prints before it exits 130 or 143; a program's loop of calls must stop
instead, as it does for Ctrl-C anywhere else, not go on to its next call.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from arrowmig.endpoints.ctrl_c import left_as_found
from arrowmig.endpoints.pg_connect import close_databases
from arrowmig.errors import Interrupted, StopRequested

P = ParamSpec("P")
R = TypeVar("R")


def interrupting(call: Callable[P, R]) -> Callable[P, R]:
    """``call`` raising ``Interrupted`` (with the report of the run so far, if any) where a
    signal stopped it, whether it returned the report of a stopped run or raised."""

    @functools.wraps(call)
    def public(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            with left_as_found():  # the process's signal set-up as the program had it
                result = call(*args, **kwargs)
        except Interrupted:
            raise
        except (StopRequested, KeyboardInterrupt) as stop:
            # StopRequested is the engine's own (a stop while planning: nothing written).
            name = getattr(stop, "signal_name", "SIGINT")
            untouched = getattr(stop, "nothing_written", False)
            raise Interrupted(name, nothing_written=untouched).with_traceback(
                stop.__traceback__
            ) from None
        finally:
            # A program's next call opens its servers' catalogs afresh: types made between
            # calls (by the program or anyone) are known to it.
            close_databases()
        stopped = getattr(result, "interrupted", None)
        if isinstance(stopped, str):
            raise Interrupted(stopped, report=result)  # type: ignore[arg-type]
        return result

    return public

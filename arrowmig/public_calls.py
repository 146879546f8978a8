"""The verbs as a program calls them (``arrowmig.migrate``, ``verify``, ``generate``): a
signal that stops one reaches the caller as ``Interrupted``, a KeyboardInterrupt, and the
process's signal set-up is left as the call found it (``ctrl_c.left_as_found``), and what
its errors and report advise is said in a program's words (``python_words``).

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
from arrowmig.errors import ArrowmigError, Interrupted, StopRequested
from arrowmig.python_words import for_a_program, report_to_a_program, said_to_a_program

P = ParamSpec("P")
R = TypeVar("R")


def interrupting(call: Callable[P, R]) -> Callable[P, R]:
    """``call`` raising ``Interrupted`` (with the report of the run so far, if any) where a
    signal stopped it, whether it returned the report of a stopped run or raised; its errors
    and report in a program's words (``in_python_words``)."""
    speaking = in_python_words(call)

    @functools.wraps(call)
    def public(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            with left_as_found():  # the process's signal set-up as the program had it
                result = speaking(*args, **kwargs)
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


def in_python_words(call: Callable[P, R]) -> Callable[P, R]:
    """``call`` (``migrate``, ``verify``, ``generate``, ``open_endpoint``) whose errors, and
    the report it returns or an interruption carries, name parameters, not options: the
    engine's advice is the command line's (``--mode replace``), a program gives
    ``mode='replace'``. The command line calls the engine itself, so its words stay."""
    verb = call.__name__

    @functools.wraps(call)
    def public(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            result = call(*args, **kwargs)
        except ArrowmigError as error:
            if for_a_program():
                said_to_a_program(error, verb)
            raise
        except Interrupted as stop:
            if for_a_program() and stop.report is not None:
                report_to_a_program(stop.report, verb)
            raise
        if for_a_program() and hasattr(result, "tables"):
            report_to_a_program(result, verb)
        return result

    return public

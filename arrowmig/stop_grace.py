"""A stop the command has begun is not cut short by the same request again: people press
Ctrl-C two or three times, and the second one, raised in the wind-down, lost the report.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

GRACE_S = 5.0
"""How long after a signal stopped the command another SIGINT or SIGTERM counts as the same
request: the wind-down (the batches under way, the run's record, the report) took 1-3 s
here. One after that is raised, giving up the rest of the wind-down and the report, so a
wind-down that hangs can still be left (Ctrl-\\, SIGQUIT, always can)."""

_taken: list[float] = []
"""When the command's signal handler last raised a stop; empty when none has."""


def stop_taken() -> None:
    """The command's signal handler is raising a stop now."""
    _taken[:] = [time.monotonic()]


def same_stop() -> bool:
    """Whether a signal now is the stop already taken, pressed again: it is to be neither
    raised nor passed on as a cancel of what the wind-down runs."""
    return bool(_taken) and time.monotonic() - _taken[0] < GRACE_S


def command_ended() -> None:
    """Forget the stop (tests run several commands in one process)."""
    _taken.clear()


_closing: list[list[str]] = []
"""While a finished run closes its target (``closing_after_the_run``): the signals taken."""


@contextlib.contextmanager
def closing_after_the_run() -> Iterator[list[str]]:
    """While inside, the first SIGINT or SIGTERM is taken (``taken_as_closing``), not raised:
    the run has finished, and its report is to say done. Yields the names of those taken."""
    taken: list[str] = []
    _closing.append(taken)
    try:
        yield taken
    finally:
        _closing.remove(taken)


def taken_as_closing(name: str) -> bool:
    """Whether the signal ``name`` is taken by a finished run closing its target: the first
    stop of the command is; one after it is left to ``same_stop`` and, past the grace,
    raised (a close that hangs can still be left), as is one as a stopped run closes."""
    if not _closing or _closing[-1] or _taken:
        return False
    _closing[-1].append(name)
    return True

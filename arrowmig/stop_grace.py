"""A stop the command has begun is not cut short by the same request again: people press
Ctrl-C two or three times, and the second one, raised in the wind-down, lost the report.
"""

from __future__ import annotations

import time

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

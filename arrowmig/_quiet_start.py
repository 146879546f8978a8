"""A Ctrl-C while the ``arrowmig`` command is still loading (pyarrow and the command modules take
about half a second) ends it with the command's one line and exit 130, not a traceback.

Only in the console script: a program that imports arrowmig keeps Python's KeyboardInterrupt.
``cli.main`` puts Python's own handler back as it starts, and handles Ctrl-C from then on.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from types import FrameType


def _interrupted_while_loading(_signum: int, _frame: FrameType | None) -> None:
    # Nothing has started: no file is open for writing, nothing to clean up.
    with contextlib.suppress(OSError):  # stderr closed: the exit code still says it
        os.write(2, b"arrowmig: error: interrupted\n")
    os._exit(130)


def restore_python_handler() -> None:
    """Give Ctrl-C back to Python (KeyboardInterrupt), if this module had taken it."""
    if signal.getsignal(signal.SIGINT) is _interrupted_while_loading:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def _started_as_the_command() -> bool:
    return bool(sys.argv) and os.path.basename(sys.argv[0]) == "arrowmig"


if _started_as_the_command() and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
    # ValueError: imported outside the main thread, so not the command starting.
    with contextlib.suppress(ValueError):
        signal.signal(signal.SIGINT, _interrupted_while_loading)

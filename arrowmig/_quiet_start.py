"""SIGINT or SIGTERM while the ``arrowmig`` command still loads (pyarrow and the command modules
take about a second) ends it at once, as a stop while planning does: one line on stderr, the
``--json`` document (or ``--progress json`` summary line) on stdout, exit 130 / 143. Not a
traceback, and not a silent death by SIGTERM with nothing on stdout for ``| jq``.

Only in the command (the console script or ``python -m arrowmig``): a program that imports
arrowmig keeps its own handlers. ``cli.main`` replaces these with its own as the command starts,
and as it ends, puts back no handler at all (``after_the_command``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from types import FrameType
from typing import Any, NoReturn

_state = {"ready": False}
"""ready: what answering needs is loaded."""

_pending: list[int] = []
"""A signal that came before ``ready`` (the few milliseconds of this module's own imports)."""


def _stopped_while_loading(signum: int, _frame: FrameType | None) -> None:
    if not _state["ready"]:
        _pending.append(signum)  # answered once this module has loaded (below)
        return
    _answer_and_exit(signum)


def _answer_and_exit(signum: int) -> NoReturn:
    # Nothing has started: no file is open for writing, nothing to clean up. Written with
    # os.write: Python's streams may be in the middle of anything, and nothing else is on them.
    name = signal.Signals(signum).name
    code = 128 + signum  # 130 / 143, as a run stopped by the signal (report.EXIT_SIGNAL)
    message = f"interrupted by {name} while starting, before anything was written"
    kind = asked_kind(sys.argv[1:])
    with contextlib.suppress(OSError):  # stderr closed: the exit code still says it
        os.write(2, f"arrowmig: error: {message}\n".encode())
    if kind is not None:
        with contextlib.suppress(OSError):  # stdout closed or nobody reads it
            os.write(1, answer_line(kind, code, message).encode())
    os._exit(code)


def after_the_command(handler: Any) -> Any:
    """What takes a signal in place of ``handler`` once the command that replaced it has ended:
    for these handlers, nothing (SIG_IGN). The command's outcome is printed and the process
    ends with its exit code; a signal ignored by the kernel does not cut a write short (where
    CPython's buffered write drops what it had not written) nor, after Python's finalization has
    put back the default of the handlers it set, end the process by the signal."""
    return signal.SIG_IGN if handler is _stopped_while_loading else handler


def _started_as_the_command() -> bool:
    if not sys.argv:
        return False
    if os.path.basename(sys.argv[0]) == "arrowmig":
        return True
    # `python -m arrowmig`: argv[0] is "-m" while the package loads; orig_argv names the module.
    after = sys.orig_argv[sys.orig_argv.index("-m") + 1 :] if "-m" in sys.orig_argv else []
    return sys.argv[0] == "-m" and after[:1] in (["arrowmig"], ["arrowmig.cli"])


def _take_signals() -> None:
    """The handlers, for each signal still as Python starts it (not one the parent ignores)."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(signum) in (signal.default_int_handler, signal.SIG_DFL):
            with contextlib.suppress(ValueError):  # not the main thread: not the command starting
                signal.signal(signum, _stopped_while_loading)


# First of all (the interpreter's own start is the only time left without them); then what the
# answer is made of, a signal meanwhile waiting for it.
if _started_as_the_command():
    _take_signals()

from arrowmig.early_answer import answer_line, asked_kind  # noqa: E402

_state["ready"] = True
if _pending:
    _answer_and_exit(_pending[0])

"""stdout and stderr for a command that must finish whoever reads them: a reader that went
away (``| head -1``), a stream closed at start (``>&-``, a daemon's closed fd 2) or a stderr
that takes no writes (a full disk, an fd open read-only) drops what would have been printed,
and the exit code stays the command's own."""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from collections.abc import Sequence
from typing import IO

from arrowmig.early_answer import answer_line, asked_kind
from arrowmig.errors import ArrowmigError


def reopen_closed_streams() -> None:
    """Put /dev/null on fds 0, 1 and 2 when they are closed, and give Python a stream for
    them. Else the first file the run opens (a database) would take the number of a closed
    fd, and output meant for the console would land in it; and ``sys.stderr`` is None."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            devnull = os.open(os.devnull, os.O_RDWR)
            if devnull != fd:
                os.dup2(devnull, fd)
                os.close(devnull)
    if sys.stdin is None:
        sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115 (process-long)
    for name, fd in (("stdout", 1), ("stderr", 2)):
        if getattr(sys, name) is None:
            stream = open(fd, "w", encoding="utf-8", errors="backslashreplace", closefd=False)  # noqa: SIM115
            setattr(sys, name, stream)


def drop_stream(out: IO[str]) -> None:
    """Point a stream whose reader went away (``2>&1 | head``) at /dev/null, so that the run
    goes on and what it would have printed is dropped (the --log-file keeps the record)."""
    try:
        fd = out.fileno()
    except (OSError, ValueError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)
    # What the stream still buffers would fail again at exit: it goes to /dev/null now.
    with contextlib.suppress(OSError, ValueError):
        out.flush()


def write_or_drop(out: IO[str], text: str) -> None:
    """Write and flush ``text``; a closed reader (EPIPE) is not the run's failure. Other
    errors are raised: on stdout they cost the reader its document (``output_error``)."""
    try:
        out.write(text)
        out.flush()
    except BrokenPipeError:
        drop_stream(out)


def tell(out: IO[str], text: str) -> None:
    """Write and flush human text (stderr): whatever stops it (EPIPE, a full disk, an fd open
    read-only) drops the stream. The text is also in the --log-file, and a failed write must
    not become the command's exit code nor cost stdout its --json document."""
    try:
        write_or_drop(out, text)
    except OSError:
        drop_stream(out)


def say(text: str) -> None:
    """A line of human text on stderr; dropped when it cannot be written."""
    tell(sys.stderr, text + "\n")


_answered: list[bool] = []
"""Holds True once stdout got the command's own answer (``--json``'s document, the
``summary`` event of ``--progress json``): an error after it needs no document of its own."""

_asked: set[str] = set()
"""The machine output a command said it was asked for (``asked_for``), beyond its arguments:
``run`` reads ``json`` and ``progress`` from its job file."""


def answered(given: bool = True) -> None:
    """The command's own machine answer is on stdout (``failed_early``); False as a command
    begins (tests run several in one process), which forgets ``asked_for`` too."""
    _answered[:] = [True] if given else []
    if not given:
        _asked.clear()


def asked_for(*, as_json: bool, progress_json: bool) -> None:
    """The command was asked for ``--json`` or ``--progress json`` (from its options or a job
    file): an error or a stop before its answer still gives stdout one (``failed_early``)."""
    _asked.update(
        name for name, wanted in (("json", as_json), ("progress", progress_json)) if wanted
    )


def failed_early(exit_code: int, message: str, args: Sequence[str] = ()) -> None:
    """An error or a stop before the command's machine answer (a bad URL, a refused plan, a
    signal while planning): with ``--json`` stdout still gets one document, and with
    ``--progress json`` a last ``summary`` line, so that ``cmd --json | jq`` always has
    something to read. ``args``: the command line, for an error before any option was read."""
    kind = asked_kind(args, _asked)
    if _answered or kind is None:
        return
    with contextlib.suppress(OSError):  # the error line on stderr is said already
        write_or_drop(sys.stdout, answer_line(kind, exit_code, message))


def print_out(text: str, what: str = "the report") -> None:
    """Machine output (``--json``) on stdout; dropped when nobody reads it any more."""
    answered()
    try:
        write_or_drop(sys.stdout, text + "\n")
    except OSError as exc:
        raise output_error(sys.stdout, exc, what) from None


def output_error(out: IO[str], exc: OSError, what: str) -> ArrowmigError:
    """A write to stdout that failed other than by a closed reader (a full disk): an error,
    exit 2, as one line; exit 1 (and 'unexpected OSError') said the data differed or failed.
    The stream is dropped: what it still buffers would fail again at exit."""
    drop_stream(out)
    return ArrowmigError(
        f"cannot write {what} to stdout: {exc.strerror or exc}",
        hint=_STDOUT_HINTS.get(exc.errno or 0, "send it to another file or a pipe"),
    )


_FULL = "free space where stdout goes, or send it elsewhere"
_NOT_WRITABLE = "stdout is not open for writing; send it to a file or a pipe"
_STDOUT_HINTS = {
    errno.ENOSPC: _FULL,
    errno.EDQUOT: _FULL,
    # fd 1 open read-only (``1</dev/null``; a wrapper script run with ``>&-`` has its own
    # file there) or on something that takes no writes
    errno.EBADF: _NOT_WRITABLE,
    errno.EINVAL: _NOT_WRITABLE,
}
"""What to do about a write to stdout that failed, by its errno ("free space" only fits a
full disk)."""

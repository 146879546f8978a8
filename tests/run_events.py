"""Stopping a real ``arrowmig migrate --progress json`` process at a chosen event."""

from __future__ import annotations

import json
import signal
import subprocess
from collections.abc import Callable
from typing import Any


def signal_at_event(
    proc: subprocess.Popen[str], wanted: Callable[[dict[str, Any]], bool], signal: int
) -> None:
    """Send ``signal`` to ``proc`` at the first event of its stdout that ``wanted`` accepts
    (the events after it stay unread, for ``communicate``)."""
    assert proc.stdout is not None
    for line in proc.stdout:
        if wanted(json.loads(line)):
            proc.send_signal(signal)
            return


def killed_at_event(args: list[str], wanted: Callable[[dict[str, Any]], bool]) -> None:
    """Run ``args`` (an ``arrowmig migrate``) with ``--progress json`` and SIGKILL it at the
    first event ``wanted`` accepts, as a crash would stop it."""
    proc = subprocess.Popen(
        [*args, "--progress", "json"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    signal_at_event(proc, wanted, signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL, "the run ended before it could be interrupted"

"""Stopping a real ``arrowmig migrate --progress json`` process at a chosen event."""

from __future__ import annotations

import json
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

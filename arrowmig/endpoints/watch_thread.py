"""A watch kept on a daemon thread while a block runs (a lock waited for, said as it lasts)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator


@contextlib.contextmanager
def watch_thread(
    name: str, watch: Callable[[threading.Event], None], join_s: float | None = None
) -> Iterator[None]:
    """``watch(stop)`` on a thread of its own while inside; at the end ``stop`` is set and the
    thread waited for (up to ``join_s``)."""
    stop = threading.Event()
    thread = threading.Thread(target=watch, args=(stop,), name=name, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=join_s)

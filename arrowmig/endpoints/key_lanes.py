"""A table's key and index statements run on several connections at once, as ``pg_restore
-j`` builds the indexes of one table side by side.

Two plain CREATE INDEX on one table do not wait for each other in PostgreSQL (each takes a
SHARE lock), and a build leaves CPU idle while it merges its sorted runs and writes the index:
four indexes over 1,500,000 rows took 14.2 and 15.1 s one after the other, 11.0 and 9.5 s two
at a time on two connections (psql on the shared 2-core host, 2026-11-30). Any other
statement (a primary key, a unique constraint: ALTER TABLE, which locks out the others) runs
first, alone, in order.
"""

from __future__ import annotations

import re
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence

from arrowmig.errors import TransferError

Lane = Callable[[str], object]
"""Runs one statement on one connection, committed; raises TransferError when it fails."""

_SIDE_BY_SIDE = re.compile(r"CREATE (?:UNIQUE )?INDEX ", re.IGNORECASE)


def run_in_lanes(
    statements: Mapping[int, str],
    lanes: Sequence[Lane],
    gives_up: Callable[[TransferError], bool],
) -> dict[int, TransferError | None]:
    """Run ``statements`` (by their place among the table's steps) on ``lanes``: each one's
    outcome, None when it succeeded. Once one fails so that ``gives_up`` (a stop, a lost
    connection: the rest is done again later), no lane starts another; those never started
    have no outcome."""
    outcomes: dict[int, TransferError | None] = {}
    lock = threading.Lock()
    alone = deque(at for at, sql in statements.items() if not _SIDE_BY_SIDE.match(sql))
    shared = deque(at for at, sql in statements.items() if _SIDE_BY_SIDE.match(sql))

    def lane_loop(run: Lane, queue: deque[int]) -> None:
        while True:
            with lock:
                if not queue or any(e is not None and gives_up(e) for e in outcomes.values()):
                    return
                at = queue.popleft()
            outcome: TransferError | None = None
            try:
                run(statements[at])
            except TransferError as exc:
                outcome = exc
            with lock:
                outcomes[at] = outcome

    first, others = lanes[0], lanes[1:]
    lane_loop(first, alone)
    if len(shared) < 2 or not others:
        lane_loop(first, shared)
        return outcomes
    crashed: list[BaseException] = []

    def helper(run: Lane) -> None:
        try:
            lane_loop(run, shared)
        except BaseException as exc:  # raised on the caller's thread, below
            crashed.append(exc)

    threads = [
        threading.Thread(target=helper, args=(run,), name="arrowmig-keys", daemon=True)
        for run in others[: len(shared) - 1]
    ]
    for thread in threads:
        thread.start()
    try:
        lane_loop(first, shared)
    finally:
        with lock:
            shared.clear()  # stopped here (a signal): the helpers start nothing more
        for thread in threads:
            thread.join()
    if crashed:
        raise crashed[0]
    return outcomes

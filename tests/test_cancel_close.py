"""A statement cancelled from another thread while its connection closes: the close waits for
the cancel under way, and no cancel reaches the driver once the close has begun (the driver
frees what a cancel reads: a race there ended a run in a segmentation fault)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import adbc_driver_manager.dbapi as dbapi
import pytest

from arrowmig.endpoints.pg_hold import _Link
from arrowmig.endpoints.postgres import PostgresEndpoint
from arrowmig.urls import parse_url

pytestmark = pytest.mark.postgres

SLOW_CANCEL_S = 0.3
"""How long the driver's cancel takes here (as against a far server): the close comes meanwhile."""


class DriverCalls:
    """What reached the driver, in order: each cancel's start and end, each cursor's close."""

    def __init__(self) -> None:
        self.said: list[str] = []
        self.cancelling = threading.Event()


@pytest.fixture
def driver_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[DriverCalls]:
    calls = DriverCalls()
    cancel, close = dbapi.Cursor.adbc_cancel, dbapi.Cursor.close

    def slow_cancel(cursor: dbapi.Cursor) -> None:
        calls.said.append("cancel begins")
        calls.cancelling.set()
        time.sleep(SLOW_CANCEL_S)
        try:
            cancel(cursor)
        finally:
            calls.said.append("cancel ends")

    def said_close(cursor: dbapi.Cursor) -> None:
        if not cursor._closed:
            calls.said.append("close")
        close(cursor)

    monkeypatch.setattr(dbapi.Cursor, "adbc_cancel", slow_cancel)
    monkeypatch.setattr(dbapi.Cursor, "close", said_close)
    yield calls


def _the_hold_link(url: str) -> Any:
    return _Link(url)


def _a_run_connection(url: str) -> Any:
    return PostgresEndpoint(parse_url(url), read_only=True)


@pytest.mark.parametrize("connect", [_the_hold_link, _a_run_connection])
def test_a_close_waits_for_the_cancel_under_way_and_a_cancel_after_it_does_nothing(
    pg_url: str, driver_calls: DriverCalls, connect: Callable[[str], Any]
) -> None:
    conn = connect(pg_url)
    cancelling = threading.Thread(target=conn.cancel)
    cancelling.start()
    assert driver_calls.cancelling.wait(5)
    conn.close()
    cancelling.join(5)
    assert driver_calls.said[:3] == ["cancel begins", "cancel ends", "close"]

    started = time.monotonic()
    conn.cancel()
    assert driver_calls.said.count("cancel begins") == 1
    assert time.monotonic() - started < SLOW_CANCEL_S

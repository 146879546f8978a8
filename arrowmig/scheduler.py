"""Runs streams on a pool of worker threads, largest first, under a memory budget.

Each worker keeps its own source and target connection for all the streams it runs (one
connection per thread), and every connection is closed at the end, on every path. A stream
that fails fails its table only; the others go on.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from arrowmig.endpoints.base import Endpoint, Source
from arrowmig.errors import StopRequested

EndpointFactory = Callable[[], Endpoint]
SourceFactory = Callable[[], Source]


class StopFlag(Protocol):
    """What a stream polls to know it should stop: a threading.Event, or a table's stop."""

    def is_set(self) -> bool: ...


class EitherStop:
    """Set when any of its flags is: the run stopping, or the stream's table being abandoned."""

    def __init__(self, *flags: StopFlag) -> None:
        self.flags = flags

    def is_set(self) -> bool:
        return any(flag.is_set() for flag in self.flags)


class MemoryBudget:
    """Bytes of Arrow data in flight across all streams; readers wait when it is full.

    A batch larger than the whole budget may still pass when nothing else is in flight, so
    one oversized batch slows the run down instead of stopping it.
    """

    def __init__(self, limit_bytes: int) -> None:
        self.limit = limit_bytes
        self.in_flight = 0
        self.peak = 0
        self._cond = threading.Condition()

    def acquire(self, n_bytes: int, stop: StopFlag) -> bool:
        """Wait for room for ``n_bytes``; False when the run is stopping."""
        with self._cond:
            while self.in_flight > 0 and self.in_flight + n_bytes > self.limit:
                if stop.is_set():
                    return False
                self._cond.wait(0.1)
            self.in_flight += n_bytes
            self.peak = max(self.peak, self.in_flight)
            return True

    def release(self, n_bytes: int) -> None:
        with self._cond:
            self.in_flight -= n_bytes
            self._cond.notify_all()


class WorkerConnections:
    """The source and target connections of one worker thread, opened on first use."""

    def __init__(
        self,
        open_source: SourceFactory,
        open_target: EndpointFactory,
        opened: tuple[Source, Endpoint] | None = None,
    ) -> None:
        """``opened``: a source and target connection opened already, used first."""
        self._open_source = open_source
        self._open_target = open_target
        self._source: Source | None = opened[0] if opened else None
        self._target: Endpoint | None = opened[1] if opened else None

    @property
    def source(self) -> Source:
        if self._source is None:
            self._source = self._open_source()
        return self._source

    @property
    def target(self) -> Endpoint:
        if self._target is None:
            self._target = self._open_target()
        return self._target

    @property
    def opened_source(self) -> Source | None:
        """The source connection, when one is open (none is opened for asking)."""
        return self._source

    @property
    def opened_target(self) -> Endpoint | None:
        """The target connection, when one is open."""
        return self._target

    def reset_source(self) -> None:
        """Drop a source connection that failed, so the next use opens a fresh one."""
        if self._source is not None:
            with contextlib.suppress(Exception):
                self._source.close()
            self._source = None

    def reset_target(self) -> None:
        if self._target is not None:
            with contextlib.suppress(Exception):
                self._target.close()
            self._target = None

    def close(self) -> None:
        self.reset_source()
        self.reset_target()

    def stop(self) -> None:
        """The run is stopping: cancel what the target connection runs (from another thread;
        a batch waiting for a lock would otherwise wait out --batch-timeout)."""
        target = self._target  # read once: its own thread may reconnect it meanwhile
        if target is not None:
            target.stop()


@dataclass
class StreamOutcome:
    """What one stream did."""

    stream: Any
    rows: int = 0
    error: BaseException | None = None
    skipped: bool = False


@dataclass
class Scheduler:
    """A thread pool whose workers each own a ``WorkerConnections``."""

    parallel: int
    open_source: SourceFactory
    open_target: EndpointFactory
    spares: list[tuple[Source, Endpoint]] = field(default_factory=list)
    """Connections opened already (preparing the tables), each pair taken by a worker
    before it opens its own: a connection to PostgreSQL costs the driver three reads of
    pg_type, which grows by two rows per table."""
    stop: threading.Event = field(default_factory=threading.Event)
    _local: threading.local = field(default_factory=threading.local)
    _all: list[WorkerConnections] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _added: queue.SimpleQueue[Any] = field(default_factory=queue.SimpleQueue)

    def add(self, streams: list[Any]) -> None:
        """Queue more streams while ``run`` is running (from ``work`` or ``on_done``): they
        run before ``run`` returns."""
        for stream in streams:
            self._added.put(stream)

    def connections(self) -> WorkerConnections:
        conns: WorkerConnections | None = getattr(self._local, "conns", None)
        if conns is None:
            with self._lock:
                spare = self.spares.pop() if self.spares else None
                conns = WorkerConnections(self.open_source, self.open_target, spare)
                self._all.append(conns)
            self._local.conns = conns
        return conns

    def run(
        self,
        streams: list[Any],
        work: Callable[[Any, WorkerConnections], int],
        on_done: Callable[[StreamOutcome, WorkerConnections], None],
    ) -> list[StreamOutcome]:
        """Run ``work(stream, conns)`` for each stream; ``on_done`` runs on the same worker.

        Returns the outcomes; a signal (KeyboardInterrupt, ``StopRequested``) sets ``stop``
        and is raised again once every worker has ended (``run_stoppable``).
        """
        outcomes: list[StreamOutcome] = []

        def task(stream: Any) -> StreamOutcome:
            outcome = StreamOutcome(stream)
            if self.stop.is_set():  # before connecting: a stop is not kept waiting by it
                outcome.skipped = True
                return outcome
            conns = self.connections()
            if self.stop.is_set():  # stopped while it connected
                outcome.skipped = True
                return outcome
            try:
                outcome.rows = work(stream, conns)
            except Exception as exc:
                outcome.error = exc
            try:
                on_done(outcome, conns)
            except Exception as exc:
                outcome.error = outcome.error or exc
            return outcome

        def schedule() -> None:
            pool = ThreadPoolExecutor(
                max_workers=self.parallel, thread_name_prefix="arrowmig-worker"
            )
            # Each future says it is done on this queue: waiting on all pending futures at
            # once costs a lock per future per wait, and 2,000 small tables kept the thread
            # busy for seconds, holding the GIL the workers need.
            finished: queue.SimpleQueue[Future[StreamOutcome]] = queue.SimpleQueue()
            pending: set[Future[StreamOutcome]] = set()

            def submit(stream: Any) -> None:
                future = pool.submit(task, stream)
                pending.add(future)
                future.add_done_callback(finished.put)

            try:
                for stream in streams:
                    submit(stream)
                while not self.stop.is_set():
                    # A stream added by on_done is queued before its own future completes,
                    # so nothing added is missed when the last future ends.
                    while not self._added.empty():
                        submit(self._added.get())
                    if not pending:
                        break
                    try:
                        future = finished.get(timeout=0.2)
                    except queue.Empty:
                        continue
                    pending.discard(future)
                    outcomes.append(future.result())
            finally:
                # Stopping: streams not begun are cancelled, and those running end at their
                # next batch; every worker has ended when this returns.
                pool.shutdown(wait=True, cancel_futures=self.stop.is_set())
                outcomes.extend(f.result() for f in pending if f.done() and not f.cancelled())

        try:
            run_stoppable(schedule, self.stop, self.stop_statements)
        finally:
            self.close_all()
        return outcomes

    def stop_statements(self) -> None:
        """Cancel the statement each worker's target connection runs: the batch rolls back,
        and the worker ends at once (``WorkerConnections.stop``)."""
        with self._lock:
            workers = list(self._all)
        for conns in workers:
            conns.stop()

    def close_all(self) -> None:
        with self._lock:
            for conns in self._all:
                conns.close()
            self._all.clear()
            for source, target in self.spares:  # never taken: fewer streams than workers
                with contextlib.suppress(Exception):
                    source.close()
                with contextlib.suppress(Exception):
                    target.close()
            self.spares.clear()


def run_stoppable(
    action: Callable[[], None],
    stop: threading.Event,
    cancel: Callable[[], None] | None = None,
) -> None:
    """Run ``action`` (which starts and joins worker threads) on a thread of its own while
    the main thread waits; a signal the wait gets (KeyboardInterrupt, ``StopRequested``)
    sets ``stop``, waits for ``action`` to end, and is raised again. While it waits,
    ``cancel`` cancels the workers' statements, every ``_WAIT_S``: one begun just after a
    cancel is not waited for either.

    Signals are raised in the main thread only, between any two of its bytecodes: one raised
    inside a thread pool's bookkeeping (a worker thread started but not yet recorded, a
    future queued but not yet tracked) left a worker that was never waited for, writing
    after the report was printed. Here no signal can reach that bookkeeping."""
    failed: list[BaseException] = []
    ended = threading.Event()

    def run() -> None:
        try:
            if not stop.is_set():  # else a signal cut ``start`` short: nothing began
                action()
        except BaseException as exc:  # raised again in the main thread, below
            failed.append(exc)
        finally:
            ended.set()

    coordinator = threading.Thread(target=run, name="arrowmig-scheduler")
    try:
        coordinator.start()
        # An event, not Thread.join: a join a signal interrupts takes the thread for ended
        # (CPython 3.11's _wait_for_tstate_lock), and the next join returns at once.
        while not ended.wait(_WAIT_S):
            pass
    except BaseException:
        stop.set()
        if coordinator.ident is not None:
            _wait_through_signals(ended, cancel)
        raise
    if failed:
        raise failed[0]


_WAIT_S = 0.2
"""How often the main thread looks whether the workers have ended (and, stopping, cancels
their statements again)."""


def _wait_through_signals(ended: threading.Event, cancel: Callable[[], None] | None) -> None:
    """Wait for what was told to stop; another Ctrl-C meanwhile does not cut the wait short
    (the workers end at their next batch, or their cancelled statement): the report comes
    after them."""
    while not ended.is_set():
        with contextlib.suppress(KeyboardInterrupt, StopRequested):
            if cancel is not None:
                cancel()
            ended.wait(_WAIT_S)

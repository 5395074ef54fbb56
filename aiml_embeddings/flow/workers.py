"""Daemon threads for the sync path's batches.

``concurrent.futures.ThreadPoolExecutor`` joins its threads when the
interpreter exits, so after a Ctrl-C the process waited for every request
still in flight (seconds, up to the timeout). These threads are daemons:
an interrupted caller gets control back at once and the process exits
promptly; the requests left in flight finish (or die with the process) on
their own and give their slots back through the flow's cleanup.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

T = TypeVar("T")
IDLE_SECONDS = 30.0
"""A thread with no work for this long ends (a client dropped without ``close`` leaves no threads behind)."""
_Task = tuple[Callable[[], object], "Future[object]"]


class Workers:
    def __init__(self, size: int, name: str) -> None:
        self._size = size
        self._name = name
        self._tasks: queue.SimpleQueue[_Task | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, fn: Callable[[], T]) -> Future[T]:
        future: Future[T] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("the client's worker threads were shut down")
            self._tasks.put((fn, future))  # type: ignore[arg-type]
            self._threads = [t for t in self._threads if t.is_alive()]
            if len(self._threads) < self._size:
                thread = threading.Thread(target=self._work, daemon=True, name=f"{self._name}-{len(self._threads)}")
                self._threads.append(thread)
                thread.start()
        return future

    def shutdown(self) -> None:
        """Let the threads end once the queued work is done; never waits for them."""
        with self._lock:
            self._closed = True
            for _ in self._threads:
                self._tasks.put(None)

    def _work(self) -> None:
        while True:
            try:
                task = self._tasks.get(timeout=IDLE_SECONDS)
            except queue.Empty:
                with self._lock:
                    if self._tasks.empty():
                        self._threads.remove(threading.current_thread())
                        return
                continue
            if task is None:
                return
            fn, future = task
            del task
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(fn())
                except BaseException as exc:  # the caller's future carries it, as an executor's would
                    future.set_exception(exc)
            del fn, future  # an idle thread must not keep its last batch's call alive: its texts and vectors

"""One ``embed`` call's batches as a run: which start, what they reported, when the rest stop.

The sync and async drivers both go through this one description, so they
cannot drift: a batch skipped because another failed fatally is recorded
as not started and does not move the progress bar; a batch that ran
(vectors or a final error) moves it by its size; a fatal failure (auth,
credits, an outage: anything but one over-long input) stops the batches
not yet started; so does an interrupted caller (``stop``) and an exception
escaping a batch (``stops_if_raised``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ..errors import InputTooLongError
from .batch import Failure

ProgressCallback = Callable[[int], None]
"""Called with the number of inputs each finished batch covered."""


class Run:
    def __init__(self, on_progress: ProgressCallback | None) -> None:
        self.failures: list[Failure] = []
        self._on_progress = on_progress
        self._stopped = False
        self._lock = threading.Lock()

    def starts(self, batch: range) -> bool:
        """Whether ``batch`` should run; if not, it is recorded as never started."""
        with self._lock:
            if self._stopped:
                self.failures.append((batch, None))
                return False
            return True

    def finished(self, batch: range, failures: list[Failure]) -> None:
        with self._lock:
            self.failures += failures
            if _fatal(failures):
                self._stopped = True
        if self._on_progress is not None:
            self._on_progress(len(batch))

    def stop(self) -> None:
        with self._lock:
            self._stopped = True

    @contextmanager
    def stops_if_raised(self) -> Iterator[None]:
        """Around one batch: an exception escaping it (an ``on_batch`` callback's, an interrupt) stops the
        batches not yet started at once, before the worker or the slot it frees can start another."""
        try:
            yield
        except BaseException:
            self.stop()
            raise


def _fatal(failures: list[Failure]) -> bool:
    """A failure that would hit every other batch too (auth, credits, outage), unlike one long input."""
    return any(e is not None and not isinstance(e, InputTooLongError) for _, e in failures)

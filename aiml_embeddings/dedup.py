"""One request per distinct text: corpora repeat themselves, and every repeat sent is billed again.

A call's texts are reduced to their first occurrences before batching; the
vector of each first occurrence is then written to every later position
that repeats it, as its own list (or its own numpy row), so no caller can
change one position's vector by mutating another's.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from .output import Batch, BatchCallback, Sink
from .wire import RawVector


def first_occurrences(
    texts: Sequence[str], positions: Sequence[int]
) -> tuple[list[str], list[int], dict[int, list[int]]]:
    """The distinct texts with their positions, and for each kept position the later positions repeating it."""
    seen: dict[str, int] = {}
    kept_texts: list[str] = []
    kept_positions: list[int] = []
    copies: dict[int, list[int]] = {}
    for text, position in zip(texts, positions, strict=True):
        first = seen.get(text)
        if first is None:
            seen[text] = position
            kept_texts.append(text)
            kept_positions.append(position)
        else:
            copies.setdefault(first, []).append(position)
    return kept_texts, kept_positions, copies


class FanOut:
    """A call's sink: it also writes each vector to the positions repeating its text, and so is the one
    place that knows every position a finished batch filled, which it tells ``on_batch``.

    Reports never overlap (one at a time, whichever thread lands them), and
    stop for good once one raises or the call is over (``hush``): a caller
    never hears of a batch after its call has returned or raised.
    """

    def __init__(self, inner: Sink, copies: dict[int, list[int]], on_batch: BatchCallback | None = None) -> None:
        self.inner = inner
        self.copies = copies
        self.repeats = sum(map(len, copies.values()))
        self._on_batch = on_batch
        self._reporting = threading.Lock()
        self._hushed = False

    def put(self, positions: Sequence[int], vectors: Sequence[RawVector]) -> None:
        self.inner.put(positions, vectors)
        for position, vector in zip(positions, vectors, strict=False) if self.copies else ():
            targets = self.copies.get(position)
            if targets:
                # bytes are immutable and decoded afresh per row; a float list is copied per row
                self.inner.put(targets, [vector if isinstance(vector, bytes) else list(vector) for _ in targets])
        if self._on_batch is not None:
            self._report(self.spread(positions))

    def zeros(self, positions: Sequence[int]) -> None:
        self.inner.zeros(positions)
        if self._on_batch is not None:
            self._report(sorted(positions))

    def hush(self) -> None:
        """The call is over: batches it left running (an interrupted sync call cannot stop them) report nothing."""
        with self._reporting:
            self._hushed = True

    def _report(self, positions: list[int]) -> None:
        assert self._on_batch is not None
        if not positions:
            return
        with self._reporting:
            if self._hushed:
                return
            try:
                self._on_batch(Batch(positions, self.inner.rows_at(positions)))
            except BaseException:
                self._hushed = True  # the call ends with this error; its other batches stay unreported
                raise

    def result(self) -> Any:
        return self.inner.result()

    def partial(self) -> list[list[float] | None]:
        return self.inner.partial()

    def rows_at(self, positions: Sequence[int]) -> Any:
        return self.inner.rows_at(positions)

    def spread(self, positions: Sequence[int]) -> list[int]:
        """``positions`` with the positions repeating them: what a failed batch leaves without a vector."""
        if not self.copies:
            return sorted(positions)
        return sorted(p for position in positions for p in (position, *self.copies.get(position, ())))

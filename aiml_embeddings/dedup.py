"""One request per distinct text: corpora repeat themselves, and every repeat sent is billed again.

A call's texts are reduced to their first occurrences before batching; the
vector of each first occurrence is then written to every later position
that repeats it, as its own list (or its own numpy row), so no caller can
change one position's vector by mutating another's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .output import Sink
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
    """A sink that also writes each vector to the positions repeating its text."""

    def __init__(self, inner: Sink, copies: dict[int, list[int]]) -> None:
        self.inner = inner
        self.copies = copies
        self.repeats = sum(map(len, copies.values()))

    def put(self, positions: Sequence[int], vectors: Sequence[RawVector]) -> None:
        self.inner.put(positions, vectors)
        if not self.copies:
            return
        for position, vector in zip(positions, vectors, strict=False):
            targets = self.copies.get(position)
            if targets:
                # bytes are immutable and decoded afresh per row; a float list is copied per row
                self.inner.put(targets, [vector if isinstance(vector, bytes) else list(vector) for _ in targets])

    def zeros(self, positions: Sequence[int]) -> None:
        self.inner.zeros(positions)

    def result(self) -> Any:
        return self.inner.result()

    def partial(self) -> list[list[float] | None]:
        return self.inner.partial()

    def spread(self, positions: Sequence[int]) -> list[int]:
        """``positions`` with the positions repeating them: what a failed batch leaves without a vector."""
        return sorted(p for position in positions for p in (position, *self.copies.get(position, ())))

"""The length of a client's vectors, kept in one place.

It is known before any request for a registry model or ``dimensions=``;
for a model the registry does not know it is learned from the first
answer and then remembered for the client's life (and travels with its
pickled copies). Every later answer is checked against it, every call's
numpy array and every blank input's zero vector take it, so two calls of
one client can never return vectors of two lengths.
"""

from __future__ import annotations


class VectorLength:
    def __init__(self, known: int | None) -> None:
        self.known = known
        """From ``dimensions=`` or the registry; never changed by an answer (a cache name may use it)."""
        self._learned: dict[str, int] = {}

    @property
    def value(self) -> int | None:
        """The length every vector has, or None for an unknown model that has not answered yet."""
        return self.known if self.known is not None else self._learned.get("length")

    def expect(self, length: int) -> int:
        """The length every vector must have; for an unknown model the first answer's (``length``) sets it for good.

        ``dict.setdefault`` is one atomic step, so of two first answers
        landing at once on two threads one wins and both are checked
        against it; no lock is needed, and none can be left held by a fork.
        """
        if self.known is not None:
            return self.known
        return self._learned.setdefault("length", length)

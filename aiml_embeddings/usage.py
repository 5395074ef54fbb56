"""What embedding cost: requests, retries, tokens and credits, per call and per client.

The AI/ML API reports ``usage.prompt_tokens`` and ``meta.usage.credits_used``
on every answer; summing them here is what lets a user see a job's bill
without tokenizing locally to guess.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Usage:
    """Counts of what embedding calls sent and what the server billed for them.

    ``prompt_tokens``, ``total_tokens`` and ``credits`` are the sums of what
    the server reported; a field the server leaves out counts as 0 (Inworld
    reports neither tokens nor credits, Voyage answers null tokens), so a 0
    there means "not reported" as often as "free".
    """

    requests: int = 0
    """HTTP requests sent, retries and hedged copies included."""
    retries: int = 0
    """Requests sent again after a failed or refused attempt (429s included)."""
    rate_limited: int = 0
    """Answers 429 (too many requests)."""
    inputs: int = 0
    """Texts sent (a text in a retried request counts once)."""
    deduplicated: int = 0
    """Texts not sent because they repeat an earlier text of the same call."""
    prompt_tokens: int = 0
    total_tokens: int = 0
    credits: float = 0.0
    """Summed ``meta.usage.credits_used``."""

    def __add__(self, other: Usage) -> Usage:
        return Usage(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(Usage)})


class Meter:
    """A running ``Usage`` that many threads and event loops add to; each addition also reaches ``parent``.

    A call gets its own meter whose parent is the client's, so one addition
    counts both the call (for per-call events) and the client's total.
    """

    def __init__(self, parent: Meter | None = None) -> None:
        self._lock = threading.Lock()
        self._total = Usage()
        self._parent = parent

    def add(self, usage: Usage) -> None:
        with self._lock:
            self._total = self._total + usage
        if self._parent is not None:
            self._parent.add(usage)

    def count(
        self, *, requests: int = 0, retries: int = 0, rate_limited: int = 0, inputs: int = 0, deduplicated: int = 0
    ) -> None:
        """Add whole-number counts (what the flow sees happen, one event at a time)."""
        self.add(
            Usage(
                requests=requests,
                retries=retries,
                rate_limited=rate_limited,
                inputs=inputs,
                deduplicated=deduplicated,
            )
        )

    @property
    def usage(self) -> Usage:
        with self._lock:
            return self._total


__all__ = ["Meter", "Usage"]

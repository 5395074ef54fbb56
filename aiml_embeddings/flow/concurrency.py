"""How many requests may be in flight: a limit that settles where the server is happy.

It starts at ``INITIAL`` and grows by one per round trip while latency
stays flat and the limit is what holds requests back, up to the ceiling
(``max_concurrency``). Not faster: a server's limit is found by
overshooting it, and the requests out at that moment are refused
together, so growth by doubling (TCP's slow start) would have a whole
doubled window refused at once.
Latency is compared per request size (an answer for 10 inputs is not an
answer for 250): when the recent median of a size rises past twice the
best such median seen, the server is queueing and the limit is scaled down by the
ratio (as Netflix's Gradient2 does), once per round trip. On a
concurrency refusal (the controller decides which 429s are) the limit
drops to what is still in flight, and probing above it waits for more
successes each time it is refused again.
"""

from __future__ import annotations

import math
import statistics
from collections import deque

INITIAL = 8
"""Requests in flight before any evidence: a first wave that a strict server refuses only in part."""
TOLERANCE = 2.0
"""A size's recent median latency may reach this many times its best before the limit shrinks."""
SAMPLES = 9
"""Recent latencies kept per size class: their median ignores a slow tail (hedging's business)."""
HOLD = 4
"""After a concurrency refusal, successes needed per request of the new limit before probing above it (doubling)."""


class Concurrency:
    def __init__(self, ceiling: int) -> None:
        self.ceiling = ceiling
        self.limit = float(min(INITIAL, ceiling))
        self.in_flight = 0
        self._best: dict[int, float] = {}
        self._recent: dict[int, deque[float]] = {}
        self._last_cut = float("-inf")
        self._refused_above: int | None = None
        self._hold = 0
        self._hold_left = 0

    def open(self) -> bool:
        return self.in_flight < int(self.limit)

    def succeeded(self, cost: int, in_flight_at_send: int, sent_at: float, latency: float, now: float) -> None:
        size = round(4 * math.log2(max(1, cost)))  # classes a fifth apart in size
        recent = self._recent.setdefault(size, deque(maxlen=SAMPLES))
        recent.append(latency)
        if len(recent) >= 3:
            median = statistics.median(recent)
            best = self._best[size] = min(self._best.get(size, median), median)
            if median > TOLERANCE * best > 0:
                if sent_at >= self._last_cut:
                    self._cut(max(0.5, TOLERANCE * best / median) * self.limit, now)
                return
        if in_flight_at_send < self.limit / 2:
            return  # the limit was not what held us back: this success says nothing about a higher one
        if self._hold_left > 0:
            self._hold_left -= 1
            if self._refused_above is not None and self.limit + 1 > self._refused_above:
                return
        self.limit = min(float(self.ceiling), self.limit + 1.0 / self.limit)

    def refused(self, in_flight_at_send: int, now: float) -> None:
        """A concurrency refusal: keep what the server is still serving, and hold back probing above it."""
        self._refused_above = in_flight_at_send - 1
        self.limit = float(max(1, min(int(self.limit), self.in_flight, in_flight_at_send - 1)))
        self._hold = max(HOLD * int(self.limit), 2 * self._hold)
        self._hold_left = self._hold
        self._last_cut = now

    def _cut(self, to: float, now: float) -> None:
        self.limit = max(1.0, min(self.limit, to))
        self._last_cut = now

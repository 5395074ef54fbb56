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
ratio (as Netflix's Gradient2 does), once per round trip. A 429 that
the requests in flight explain (see ``explains``) is a concurrency refusal: the limit drops to what is still in flight, and
probing above it waits for more successes each time it is refused again.
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
REFUSALS_KEPT = 64
"""Recent refusals remembered to discount them from the successes they overlapped."""


class Concurrency:
    def __init__(self, ceiling: int) -> None:
        self.ceiling = ceiling
        self.limit = float(min(INITIAL, ceiling))
        self.in_flight = 0
        self.proven = 0
        """The most requests in flight at once (counting the new one) that the server has answered, not counting
        those that were refused while it was out (a refused request leaves the server at once)."""
        self._sent = 0
        self._refusals: deque[tuple[float, int]] = deque(maxlen=REFUSALS_KEPT)
        """(answered at, send number) of recent refusals."""
        self._refusal_cut: tuple[float, int] | None = None
        """(when, to what) the last concurrency refusal cut the limit, until a request sent since has succeeded."""
        self._best: dict[int, float] = {}
        self._recent: dict[int, deque[float]] = {}
        self._last_cut = float("-inf")
        self._refused_above: int | None = None
        self._hold = 0
        self._hold_left = 0

    def open(self) -> bool:
        return self.in_flight < int(self.limit)

    def sent(self) -> int:
        """Count a request leaving; returns its send number (refusals are matched by it to what they overlapped)."""
        self.in_flight += 1
        self._sent += 1
        return self._sent

    def succeeded(
        self, cost: int, in_flight_at_send: int, sent_at: float, latency: float, now: float, number: int = 0
    ) -> None:
        overlapped = sum(1 for at, n in self._refusals if n < number and at >= sent_at)
        if self._refusal_cut is not None and sent_at >= self._refusal_cut[0]:
            self._refusal_cut = None  # the server serves the lowered limit: the cut was right
        self.proven = max(self.proven, in_flight_at_send - overlapped)
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

    def note_refusal(self, number: int, now: float) -> None:
        self._refusals.append((now, number))

    def refused(self, in_flight_at_send: int, now: float) -> None:
        """A concurrency refusal: keep what the server is still serving, and hold back probing above it."""
        self._refused_above = in_flight_at_send - 1
        self.limit = float(max(1, min(int(self.limit), self.in_flight, in_flight_at_send - 1)))
        self._hold = max(HOLD * int(self.limit), 2 * self._hold)
        self._hold_left = self._hold
        self._last_cut = now
        self._refusal_cut = (now, int(self.limit))

    def explains(self, in_flight_at_send: int, sent_at: float, *, last_slot: bool = False) -> bool:
        """Whether a refusal is explained by concurrency: the request took the last slot the limit allowed, or as
        many were in flight as ever succeeded at once, or more; but not a request sent within the limit that a
        concurrency refusal had just lowered, before anything sent since has succeeded: a server that refuses
        even below a lowered limit, serving nothing new, has spent its rate.

        A request refused in the last slot says the limit is too high, whatever
        succeeded before: the server's own count of what it serves runs behind
        ours when it is busy, so a success at a level does not prove the level.
        "As many": a server still counts a request while its last bytes are on
        the way, so a request sent the moment an answer arrives can find it
        one over; a rate refusal with that many out costs one more 429 (its
        retry, with fewer out, is then read as rate).
        """
        cut = self._refusal_cut
        if cut is not None and sent_at >= cut[0] and in_flight_at_send <= cut[1]:
            return False
        return in_flight_at_send > 1 and (last_slot or in_flight_at_send >= self.proven)

    def _cut(self, to: float, now: float) -> None:
        self.limit = max(1.0, min(self.limit, to))
        self._last_cut = now

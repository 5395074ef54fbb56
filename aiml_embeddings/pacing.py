"""How fast to send: an adaptive in-flight limit (AIMD) and an optional quota limiter.

A fixed concurrency either wastes a generous limit or hammers a strict one.
On a 429 that carries no ``Retry-After`` the server has not said how long to
wait, only that we are too fast: halve the requests in flight, then grow back
by one per round of successes, so a long job settles just under the limit
instead of drawing a storm of 429s. Users who know their quota can also set
requests and tokens per minute, and requests then wait their turn here
rather than being refused there.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

POLL = 0.02
"""Seconds a request waits before asking again for a slot the AIMD limit has closed."""


@dataclass
class _Bucket:
    """A token bucket refilled continuously at ``per_minute``, holding at most one minute's worth."""

    per_minute: float
    level: float
    stamp: float

    def wait_for(self, amount: float, now: float) -> float:
        self.level = min(self.per_minute, self.level + (now - self.stamp) * self.per_minute / 60)
        self.stamp = now
        needed = min(amount, self.per_minute) - self.level
        return 0.0 if needed <= 0 else needed * 60 / self.per_minute

    def take(self, amount: float) -> None:
        self.level -= min(amount, self.per_minute)


class Pacer:
    """Shared by every batch of one client, across threads and event loops."""

    def __init__(
        self,
        max_concurrency: int,
        *,
        requests_per_minute: float | None = None,
        tokens_per_minute: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ceiling = max_concurrency
        self.limit = float(max_concurrency)
        self.in_flight = 0
        self.rate_limited = 0
        self._clock = clock
        self._lock = threading.Lock()
        self._last_cut = float("-inf")
        now = clock()
        self._requests = _Bucket(requests_per_minute, requests_per_minute, now) if requests_per_minute else None
        self._tokens = _Bucket(tokens_per_minute, tokens_per_minute, now) if tokens_per_minute else None

    def admit(self, tokens: int) -> float:
        """0 and a slot taken, or the seconds to wait before asking again."""
        with self._lock:
            if self.in_flight >= int(self.limit):
                return POLL
            now = self._clock()
            wait = max(
                self._requests.wait_for(1, now) if self._requests else 0.0,
                self._tokens.wait_for(tokens, now) if self._tokens else 0.0,
            )
            if wait > 0:
                return wait
            if self._requests:
                self._requests.take(1)
            if self._tokens:
                self._tokens.take(tokens)
            self.in_flight += 1
            return 0.0

    def started(self) -> float:
        """A stamp for the request just admitted, to tell old 429s from new ones."""
        return self._clock()

    def finished(self, sent_at: float, *, rate_limited: bool = False, hinted: bool = False) -> None:
        """Release the slot and adapt: multiplicative cut on an unhinted 429, additive growth otherwise."""
        with self._lock:
            self.in_flight -= 1
            if rate_limited:
                self.rate_limited += 1
                # One cut per round trip: 429s from requests sent before the last cut say nothing new.
                if not hinted and sent_at >= self._last_cut:
                    self.limit = max(1.0, int(self.limit) / 2)
                    self._last_cut = self._clock()
            else:
                self.limit = min(float(self.ceiling), self.limit + 1 / max(1.0, self.limit))

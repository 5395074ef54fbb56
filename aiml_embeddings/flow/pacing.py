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

from .quota import SharedQuota

LEARNED_CUT = 0.9
"""Each unhinted 429 while pacing at a learned rate lowers that rate by a tenth."""
LEARNED_GROWTH = 1.05
"""Each success raises it by a hundredth, so a limit that was lifted is found again."""

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
        if needed <= 1e-6 * max(1.0, amount):  # float dust is not worth a wait (nor an endless one)
            return 0.0
        return max(0.001, needed * 60 / self.per_minute)

    def take(self, amount: float) -> None:
        """Spend ``amount`` (a negative amount gives back what a refused request took)."""
        self.level = min(self.per_minute, self.level - min(amount, self.per_minute))


class Pacer:
    """Shared by every batch of one client, across threads and event loops.

    A 429 pauses the whole client, not just the request that drew it: the
    other batches would only draw their own 429s. The pause is the server's
    ``Retry-After`` when it sends one, else a jittered exponential step that
    grows while 429s keep coming and resets on a success.
    """

    def __init__(
        self,
        max_concurrency: int,
        *,
        requests_per_minute: float | None = None,
        tokens_per_minute: float | None = None,
        backoff: Callable[[int], float] = lambda streak: min(20.0, 0.5 * 2**streak),
        clock: Callable[[], float] = time.monotonic,
        shared: SharedQuota | None = None,
    ) -> None:
        self.shared = shared
        self.ceiling = max_concurrency
        self.limit = float(max_concurrency)
        self.in_flight = 0
        self.rate_limited = 0
        self._backoff = backoff
        self._clock = clock
        self._lock = threading.Lock()
        self._last_cut = float("-inf")
        self._paused_until = float("-inf")
        self._streak = 0
        now = clock()
        self._requests = _Bucket(requests_per_minute, requests_per_minute, now) if requests_per_minute else None
        self._tokens = _Bucket(tokens_per_minute, tokens_per_minute, now) if tokens_per_minute else None
        self._learning = not (requests_per_minute or tokens_per_minute)
        self._limited_since: float | None = None
        self._limited_tokens = 0.0
        self._limited_successes = 0
        self._learned: _Bucket | None = None

    def now(self) -> float:
        return self._clock()

    def admit(self, tokens: int) -> float:
        """0 and a slot taken, or the seconds to wait before asking again."""
        with self._lock:
            now = self._clock()
            if now < self._paused_until:
                return self._paused_until - now
            if self.in_flight >= int(self.limit):
                return POLL
            wait = max(
                self._requests.wait_for(1, now) if self._requests else 0.0,
                self._tokens.wait_for(tokens, now) if self._tokens else 0.0,
                self._learned.wait_for(tokens, now) if self._learned else 0.0,
            )
            if wait > 0:
                return wait
            if self.shared is not None and (wait := self.shared.acquire(tokens)) > 0:
                return wait
            if self._requests:
                self._requests.take(1)
            if self._tokens:
                self._tokens.take(tokens)
            if self._learned:
                self._learned.take(tokens)
            self.in_flight += 1
            return 0.0

    def finished(self, sent_at: float, tokens: int, *, rate_limited: bool = False, hint: float | None = None) -> None:
        """Release the slot and adapt to the answer.

        On a 429: pause everyone (``hint`` seconds, or the next backoff step),
        give back the quota the refused request took, and without a hint halve
        the in-flight limit, once per round trip (429s from requests sent
        before the last cut say nothing new). Otherwise grow the limit by one
        per round of successes and end the 429 streak.
        """
        if self.shared is not None:
            self.shared.release(tokens, rate_limited=rate_limited, retry_after=hint)
        with self._lock:
            self.in_flight -= 1
            now = self._clock()
            if not rate_limited:
                self._streak = 0
                self.limit = min(float(self.ceiling), self.limit + 1 / max(1.0, self.limit))
                self._learn(sent_at, tokens, now)
                return
            self.rate_limited += 1
            if self._requests:
                self._requests.take(-1)
            if self._tokens:
                self._tokens.take(-tokens)
            if self._learned:
                self._learned.take(-tokens)
                if hint is None:
                    self._learned.per_minute *= LEARNED_CUT
            if self._learning and hint is None and self._limited_since is None:
                self._limited_since = now
            if sent_at < self._last_cut:
                return
            self._last_cut = now
            if hint is None:
                self.limit = max(1.0, int(self.limit) / 2)
                pause = self._backoff(self._streak)
                self._streak += 1
            else:
                pause = hint
            self._paused_until = max(self._paused_until, now + pause)

    def _learn(self, sent_at: float, tokens: int, now: float) -> None:
        """Estimate the token rate the server grants once it has started refusing, and pace by it.

        Without ``Retry-After`` a 429 says "too fast" but not how fast is right.
        What was admitted since the first 429, over the time since, is the rate
        the server actually grants; pacing at it turns a 429 per request into
        a wait per request. The estimate is cut on every further 429 and grows
        a little with every success, so it follows a limit that moves.
        """
        if self._limited_since is None or sent_at < self._limited_since:
            return
        self._limited_tokens += tokens
        self._limited_successes += 1
        elapsed = now - self._limited_since
        if self._learned is not None:
            self._learned.per_minute *= LEARNED_GROWTH
        elif self._limited_successes >= 2 and elapsed > 0:
            self._learned = _Bucket(self._limited_tokens / elapsed * 60, 0.0, now)

"""One account's quota, handed out to every client of a job: the logic behind the Ray quota actor (no Ray here).

The user knows the account's per-minute totals, not how the provider enforces
them. A provider that lets a whole minute's quota through at once is rare;
most refill continuously and allow a burst of seconds. So permits come from
buckets holding only ``burst_seconds`` of each rate (see
``DEFAULT_BURST_SECONDS``): however many clients draw from them, together they
never send more than that much at once, and in a long job the small bucket
costs nothing, because it refills as fast as the quota and waiting requests
empty it. What the small bucket gives up is the server's own initial burst,
at most ``server burst - burst_seconds`` seconds of quota once per job.

Every answer is reported here, so what one client learns serves all of them.
A 429 with ``Retry-After`` pauses everyone that long. A 429 without it says
the server allows less than we sent: the buckets are emptied (the server
says none is left) and the burst is halved. A server whose burst is smaller
than ours refuses once and then never again, since the rate was right; one
that keeps refusing is slower than the totals we were given, so from the
second such 429 on, both rates are also cut by a tenth, regained linearly
over the quota's own period (a minute), so a server that really is slower
draws about one 429 a minute rather than one per success. 429s for requests
already in flight when we cut say nothing new and cut nothing.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

DEFAULT_BURST_SECONDS = 1.0
"""Seconds of the rate a fresh bucket holds: below the burst of every provider we know, so N clients start safe."""
RATE_CUT = 0.9
"""Each unhinted 429 after the first scales both rates by this; the cut is regained linearly over one minute."""
QUOTA_PERIOD = 60.0
"""The per-minute totals' period: the time one cut takes to grow back."""


@dataclass(frozen=True)
class QuotaSettings:
    """The account's totals, as the user gives them; equal settings name the same quota."""

    requests_per_minute: float | None = None
    tokens_per_minute: float | None = None
    burst_seconds: float = DEFAULT_BURST_SECONDS

    def __post_init__(self) -> None:
        for name in ("requests_per_minute", "tokens_per_minute", "burst_seconds"):
            value = getattr(self, name)
            if value is None and name != "burst_seconds":
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
                raise ValueError(f"{name} must be a positive number, not {value!r}")
        if self.requests_per_minute is None and self.tokens_per_minute is None:
            raise ValueError("a shared quota needs requests_per_minute, tokens_per_minute or both")

    def as_dict(self) -> dict[str, float | None]:
        return asdict(self)


class _Bucket:
    """A continuously refilled token bucket whose rate and size can shrink; it may run into debt.

    A request larger than the bucket is admitted once the bucket is full
    and leaves it negative, so the long-run rate holds for any request size.
    """

    def __init__(self, per_minute: float, burst_seconds: float, now: float) -> None:
        self.full_rate = per_minute / 60.0
        self.rate = self.full_rate
        self.capacity = self.full_rate * burst_seconds
        self.level = self.capacity
        self.stamp = now

    def refill(self, now: float, rate: float, burst_seconds: float, floor: float) -> None:
        self.level += (now - self.stamp) * self.rate
        self.rate = rate
        self.capacity = max(floor, rate * burst_seconds)
        self.level = min(self.level, self.capacity)
        self.stamp = now

    def wait_for(self, amount: float) -> float:
        needed = min(amount, self.capacity) - self.level
        if needed <= 1e-9 * max(1.0, amount):
            return 0.0
        return needed / self.rate


@dataclass
class QuotaStats:
    admitted: int = 0
    refused: int = 0
    released: int = 0
    rate_limited: int = 0
    cuts: int = 0
    pauses: int = 0


class AccountQuota:
    """Implements ``aiml_embeddings.flow.quota.SharedQuota`` for every client of a job at once.

    Never sleeps: a refused caller is told how long to wait and asks again,
    so one slow caller cannot hold up the others (the Ray actor serving this
    runs one call at a time).
    """

    def __init__(self, settings: QuotaSettings, clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self._clock = clock
        now = clock()
        self._buckets: list[tuple[_Bucket, bool]] = []
        if settings.requests_per_minute:
            self._buckets.append((_Bucket(settings.requests_per_minute, settings.burst_seconds, now), False))
        if settings.tokens_per_minute:
            self._buckets.append((_Bucket(settings.tokens_per_minute, settings.burst_seconds, now), True))
        self.burst_seconds = settings.burst_seconds
        self._scale_at_cut = 1.0
        self._cut_at = now
        self._paused_until = -math.inf
        self._in_flight = 0
        self._stale = 0
        """Answers still due for requests sent before the last cut: their 429s cut nothing."""
        self.stats = QuotaStats()

    def scale(self, now: float | None = None) -> float:
        """The share of the given rates currently granted (1.0 until the server refuses without Retry-After)."""
        now = self._clock() if now is None else now
        return min(1.0, self._scale_at_cut + (now - self._cut_at) * (1 - RATE_CUT) / QUOTA_PERIOD)

    def _refill(self, now: float) -> None:
        scale = self.scale(now)
        for bucket, by_tokens in self._buckets:
            bucket.refill(now, bucket.full_rate * scale, self.burst_seconds, 0.0 if by_tokens else 1.0)

    def acquire(self, tokens: int) -> float:
        now = self._clock()
        if now < self._paused_until:
            self.stats.refused += 1
            return self._paused_until - now
        self._refill(now)
        wait = max(bucket.wait_for(tokens if by_tokens else 1) for bucket, by_tokens in self._buckets)
        if wait > 0:
            self.stats.refused += 1
            return wait
        for bucket, by_tokens in self._buckets:
            bucket.level -= tokens if by_tokens else 1
        self._in_flight += 1
        self.stats.admitted += 1
        return 0.0

    def release(self, tokens: int, *, rate_limited: bool, retry_after: float | None) -> None:
        now = self._clock()
        self._in_flight = max(0, self._in_flight - 1)
        stale = self._stale > 0
        self._stale = max(0, self._stale - 1)
        self.stats.released += 1
        if not rate_limited:
            return
        self.stats.rate_limited += 1
        self._refill(now)
        for bucket, by_tokens in self._buckets:  # refused: the server took nothing
            bucket.level = min(bucket.capacity, bucket.level + (tokens if by_tokens else 1))
        if retry_after is not None:
            self.stats.pauses += 1
            self._paused_until = max(self._paused_until, now + retry_after)
            return
        if stale:
            return
        self.stats.cuts += 1
        if self.stats.cuts > 1:
            self._scale_at_cut = self.scale(now) * RATE_CUT
            self._cut_at = now
        self.burst_seconds /= 2
        self._refill(now)
        for bucket, _ in self._buckets:
            bucket.level = min(bucket.level, 0.0)
        self._stale = self._in_flight

    def given(self) -> QuotaSettings:
        """The settings this quota was made with (other clients of the job check theirs against them)."""
        return self.settings

    def report(self) -> dict[str, float | int | None]:
        """Counters and the current state, for logs, tests and the benchmark."""
        return {**asdict(self.stats), "scale": self.scale(), "burst_seconds": self.burst_seconds,
                "in_flight": self._in_flight}  # fmt: skip

"""How fast to send: the user's quota, the window a server declares, and a rate learned from its 429s.

Each is a gate a request passes before it is sent; none of them sleeps
(the flow yields the wait they return). After any rate-limit pause the
gate lets one probe through and widens by doubling on each success, so a
refilled bucket is not met by every waiting request at once.
"""

from __future__ import annotations

import math
import random
import re
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

QUOTA_BURST_SECONDS = 60.0
"""A user's quota bucket holds a minute of it, as providers grant quotas per minute."""
FAST_GROWTH = 0.25
"""Until a second 429 has measured the granted rate, the learned rate grows 25% per success (it starts low: its
first estimate counts the pause after the first 429 as time the bucket was refilling for us)."""
SLOW_GROWTH = 0.01
"""Once measured, 1% per success: enough to find a limit that was raised, few 429s to find it."""
HORIZON = 60.0
"""Seconds of 429s the measured rate spans at most: long enough to be precise, short enough to follow a change."""
MEASURE_SPAN = 4
"""Successes between two 429s before their quotient counts as measured: it is off by up to one request's tokens,
so over fewer requests it is only a guess (and fast growth goes on)."""
MEASURED_SHARE = 0.97
"""After a measurement the pace starts just under it, so the refused request's retry is not refused again."""
FIRST_PAUSE = 0.5
"""A 429 with no hint and no learned rate: the first pause (doubling per 429 in a row, up to ``MAX_PAUSE``),
jittered down to half so that clients sharing a server do not come back in step."""
MAX_PAUSE = 20.0


@dataclass
class Bucket:
    """A token bucket refilled continuously at ``per_minute``, holding ``QUOTA_BURST_SECONDS`` of it."""

    per_minute: float
    level: float
    stamp: float

    @property
    def capacity(self) -> float:
        return self.per_minute * QUOTA_BURST_SECONDS / 60

    def wait_for(self, amount: float, now: float) -> float:
        self.level = min(self.capacity, self.level + (now - self.stamp) * self.per_minute / 60)
        self.stamp = now
        needed = min(amount, self.capacity) - self.level
        if needed <= 1e-6 * max(1.0, amount):  # float dust is not worth a wait (nor an endless one)
            return 0.0
        return max(0.001, needed * 60 / self.per_minute)

    def take(self, amount: float) -> None:
        """Spend ``amount`` (a negative amount gives back what a refused request took)."""
        self.level = min(self.capacity, self.level - min(amount, self.capacity))


class LearnedRate:
    """The token rate a server grants, learned from its refusals, as an exact pace (no burst).

    A bucket conserves what flows through it: between two moments it was
    empty (two 429s), what it admitted is what it refilled, give or take one
    request. So the tokens admitted between 429s over the time between is
    the granted rate, whatever pace we kept; measured from the oldest 429 of
    the last ``HORIZON`` seconds, the one-request error shrinks as the job
    runs. Before a second 429 has measured it, the first successes after the
    first 429 give a low estimate that grows quickly; after, it grows
    slowly, so a raised limit is found again.
    """

    def __init__(self) -> None:
        self.rate: float | None = None
        self.measured = False
        self._next_at = -math.inf
        self._admitted = 0.0
        self._successes = 0
        self._empty: deque[tuple[float, float, int]] = deque()
        """(time, tokens admitted so far, successes so far) at each 429 that followed an admission."""

    def wait(self, now: float) -> float:
        return max(0.0, self._next_at - now) if self.rate else 0.0

    def take(self, cost: float, now: float) -> None:
        if self.rate:
            self._next_at = max(self._next_at, now) + cost / self.rate

    def succeeded(self, cost: float, sent_at: float, now: float) -> None:
        if not self._empty or sent_at < self._empty[0][0]:
            return  # admitted before the bucket was first seen empty: says nothing about its refill
        self._admitted += cost
        self._successes += 1
        if self.rate is None:
            self.rate = self._admitted / max(now - self._empty[0][0], 1e-3)
            self._next_at = max(self._next_at, sent_at + cost / self.rate)  # it was sent unpaced: pace from it
        else:
            self.rate *= 1 + (SLOW_GROWTH if self.measured else FAST_GROWTH)

    def refused(self, cost: float, now: float) -> float | None:
        """Note an empty bucket; return the seconds one request's worth takes to refill (None: not known yet)."""
        if self._empty and self._admitted > self._empty[-1][1]:
            while len(self._empty) > 1 and now - self._empty[1][0] >= HORIZON:
                self._empty.popleft()
            start, before, count = self._empty[0]
            if now > start:
                self.rate = MEASURED_SHARE * (self._admitted - before) / (now - start)
                self.measured = self.measured or self._successes - count >= MEASURE_SPAN
        if not self._empty or self._admitted > self._empty[-1][1]:
            self._empty.append((now, self._admitted, self._successes))
        if not self.rate:
            return None
        self._next_at = now + cost / self.rate
        return cost / self.rate


@dataclass
class ServerWindow:
    """What the server said of one quota (requests or tokens) in its ``x-ratelimit-*`` headers."""

    remaining: float
    reset: float
    limit: float | None
    at: float
    sent_before: float
    """Our cumulative spend on this quota when the answered request was sent (later ones are not in ``remaining``)."""

    def wait_for(self, amount: float, now: float, sent_total: float) -> float:
        level = self.remaining - (sent_total - self.sent_before)
        if self.limit is not None and self.limit > self.remaining and self.reset > 0:
            rate = (self.limit - self.remaining) / self.reset
            level = min(self.limit, level + rate * (now - self.at))
            needed = min(amount, self.limit) - level
            return max(0.0, needed / rate) if needed > 0 else 0.0
        if level >= amount:
            return 0.0
        return max(0.0, self.at + self.reset - now)


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def duration(value: str) -> float | None:
    """``"1s"``, ``"6m0s"``, ``"20ms"`` (OpenAI's forms) or plain seconds; None when unreadable."""
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    parts = _DURATION.findall(value)
    if not parts or "".join(n + u for n, u in parts) != value:
        return None
    return sum(float(n) * _UNITS[u] for n, u in parts)


def windows(headers: Mapping[str, str], now: float, sent: dict[str, float]) -> dict[str, ServerWindow]:
    """The ``requests`` and ``tokens`` windows an answer declares (none when it sends no such headers)."""
    out = {}
    for kind in ("requests", "tokens"):
        remaining = headers.get(f"x-ratelimit-remaining-{kind}")
        reset = headers.get(f"x-ratelimit-reset-{kind}")
        if remaining is None or reset is None:
            continue
        seconds = duration(reset)
        try:
            left = float(remaining)
        except ValueError:
            continue
        if seconds is None:
            continue
        limit: float | None
        try:
            limit = float(headers.get(f"x-ratelimit-limit-{kind}", ""))
        except ValueError:
            limit = None
        out[kind] = ServerWindow(left, seconds, limit, now, sent[kind])
    return out


class Window:
    """After a rate-limit pause: one probe in flight, then twice as many per success, then no cap."""

    def __init__(self) -> None:
        self.cap: int | None = None
        self.paused_until = -math.inf
        self.paused_at = -math.inf
        self._streak = 0

    def pause(self, seconds: float | None, sent_at: float, now: float) -> bool:
        """Pause for the server's hint, or for the next step of a backoff that grows while 429s keep coming.

        A 429 for a request sent before the last pause began is the same news
        again: it may lengthen the pause to its own hint, but starts no new
        one. Returns whether a new pause began.
        """
        if sent_at < self.paused_at:
            if seconds is not None:
                self.paused_until = max(self.paused_until, now + seconds)
            return False
        if seconds is None:
            seconds = min(MAX_PAUSE, FIRST_PAUSE * 2**self._streak) * (0.5 + 0.5 * random.random())
        self._streak += 1
        self.paused_at = now
        self.paused_until = max(self.paused_until, now + seconds)
        self.cap = 1
        return True

    def wait(self, now: float, in_flight: int) -> float | None:
        """Seconds left of the pause; 0.0 when a slot is open; None when the probe window is full."""
        if now < self.paused_until:
            return self.paused_until - now
        if self.cap is not None and in_flight >= self.cap:
            return None
        return 0.0

    def succeeded(self, sent_at: float, ceiling: int) -> None:
        """A success sent since the pause began widens the window; the streak of 429s is over."""
        if sent_at < self.paused_at:
            return
        self._streak = 0
        if self.cap is not None:
            self.cap *= 2
            if self.cap >= ceiling:
                self.cap = None

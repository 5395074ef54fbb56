"""When to send a second copy of a slow request ("The Tail at Scale": hedged requests).

A request still out well past what its peers of the same size usually
take is more likely stuck behind a slow server than about to answer; a
copy usually answers first. The extra requests are capped by a budget
that grows with the requests sent, so hedging can never multiply load.
"""

from __future__ import annotations

import math
from collections import deque

HEDGE_SHARE = 0.05
"""Hedges may be at most this share of the requests sent (plus the one the budget starts with)."""
HEDGE_FACTOR = 2.0
"""A request is late once out this many times its size class's 90th-percentile latency."""
MIN_DELAY = 0.05
"""Never sooner: below this a late answer is more likely our own scheduling (the GIL, a busy loop) than a slow
server, and a copy would be just as late."""
MIN_SAMPLES = 4
"""Latencies a size class needs before its requests may be hedged."""
SAMPLES = 32


class Hedging:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.sent = 0
        self._requests = 0
        self._latencies: dict[int, deque[float]] = {}

    def delay(self, cost: int) -> float | None:
        """Seconds after which a request of ``cost`` is late (None: never hedge it)."""
        if not self.enabled:
            return None
        seen = self._latencies.get(_size(cost))
        if seen is None or len(seen) < MIN_SAMPLES:
            return None
        ordered = sorted(seen)
        return max(MIN_DELAY, HEDGE_FACTOR * ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))])

    def requested(self) -> None:
        """Every first copy sent earns a twentieth of a hedge."""
        self._requests += 1

    def take(self) -> bool:
        if self.sent + 1 > 1 + HEDGE_SHARE * self._requests + 1e-9:
            return False
        self.sent += 1
        return True

    def refund(self) -> None:
        """A hedge taken but not sent (a shared quota said wait) gives its credit back."""
        self.sent -= 1

    def sample(self, cost: int, latency: float) -> None:
        self._latencies.setdefault(_size(cost), deque(maxlen=SAMPLES)).append(latency)


def _size(cost: int) -> int:
    return round(4 * math.log2(max(1, cost)))

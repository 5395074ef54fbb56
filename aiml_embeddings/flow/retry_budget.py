"""How many retries a failing server gets: a budget refilled by successes (gRPC's retry throttling).

Per-request retry counts alone let a server that fails everything take
``max_retries + 1`` requests per batch; with the budget, once failures
outrun successes the retries stop and the batches fail at once, with
their error, instead of hammering it.
"""

from __future__ import annotations

RETRY_BURST = 10.0
"""Retries the budget holds when full: the faults of a healthy server never reach the bottom."""
RETRY_REFILL = 0.5
"""Each success earns back half a retry: retries may run at up to half the rate of successes."""


class RetryBudget:
    def __init__(self, burst: float = RETRY_BURST, refill: float = RETRY_REFILL) -> None:
        self.burst = burst
        self.refill = refill
        self.level = burst
        self.denied = 0

    def spend(self) -> bool:
        """Take one retry, or say the budget is dry (and count the denial)."""
        if self.level >= 1:
            self.level -= 1
            return True
        self.denied += 1
        return False

    def earn(self) -> None:
        self.level = min(self.burst, self.level + self.refill)

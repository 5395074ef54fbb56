"""Pure retry decisions: what is worth another try, and how long to wait first.

One retry layer, here, and nowhere else: the httpx clients are built with
no retries of their own, so a fault is never multiplied by stacked layers.
"""

from __future__ import annotations

import email.utils
import math
import random
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass

RETRYABLE_STATUS = frozenset({408, 409, 429})
NEVER_RETRY = frozenset({400, 401, 403, 404})

_TOO_LARGE = re.compile(
    # "tokens per request": OpenAI's "Requested 416735 tokens, max 300000 tokens per request".
    r"too (many|large|long|big)|maximum|exceed|context length|max(imum)?[ _-]?(input|token|length|item|batch)|payload"
    r"|tokens per request",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class RetryPolicy:
    """Jittered exponential backoff, capped; 429s get a time budget instead of a count.

    A rate limit can take minutes to clear where a 5xx clears in seconds, so
    counting retries would either give up on a rate limit or hammer a broken
    server: 429s are retried for ``rate_limit_patience`` seconds of unbroken
    refusals (paced by the flow controller), everything else ``max_retries``
    times, within the controller's retry budget. A dropped connection or a
    5xx is usually one bad connection or one bad backend, so the first retry
    comes quickly (0.075 to 0.15 s) and only repeated failures back off.
    """

    max_retries: int = 5
    rate_limit_patience: float = 180.0
    initial: float = 0.15
    factor: float = 2.0
    cap: float = 20.0
    retry_after_cap: float = 60.0

    def delay(self, attempt: int, headers: Mapping[str, str] | None = None, rng: random.Random | None = None) -> float:
        """Seconds to wait before retry number ``attempt + 1``.

        A server's ``retry-after-ms`` or ``Retry-After`` wins (within
        ``retry_after_cap``); otherwise full-range jitter between half and
        all of the exponential step, so parallel batches do not retry in step.
        """
        hinted = retry_after(headers or {})
        if hinted is not None:
            return min(hinted, self.retry_after_cap)
        step = min(self.cap, self.initial * self.factor**attempt)
        return step * (0.5 + 0.5 * (rng or random).random())


def is_retryable(status: int) -> bool:
    if status in NEVER_RETRY:
        return False
    return status in RETRYABLE_STATUS or status >= 500


def looks_too_large(status: int, message: str) -> bool:
    """A rejection that a smaller batch may not get: 413, or a 400 that speaks of size."""
    return status == 413 or (status in (400, 422) and bool(_TOO_LARGE.search(message)))


def retry_after(headers: Mapping[str, str]) -> float | None:
    """``retry-after-ms``, ``Retry-After`` in seconds, or ``Retry-After`` as an HTTP date.

    A wait of zero or less (or not a finite number) is no hint at all: taken
    at its word it would have every batch retry at once, forever, so the
    caller falls back to its own backoff instead.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    ms = _positive(lowered.get("retry-after-ms"))
    if ms is not None:
        return ms / 1000
    value = lowered.get("retry-after")
    if value is None:
        return None
    seconds = _positive(value)
    if seconds is not None:
        return seconds
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return _positive(str(when.timestamp() - time.time()))


def _positive(value: str | None) -> float | None:
    try:
        number = float(value) if value is not None else math.nan
    except ValueError:
        return None
    return number if math.isfinite(number) and number > 0 else None

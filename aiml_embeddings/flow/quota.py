"""The seam for a quota shared beyond one client (for example by every Ray actor of a job).

A client paces itself; N clients that each pace themselves to the account's
quota send N times too much. A ``SharedQuota`` is asked before every request
and told of every answer, so one object (a Ray actor, a process-wide
limiter) can hand out the account's requests and tokens to all of them and
learn the server's real limit from anyone's 429s.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class SharedQuota(Protocol):
    def acquire(self, tokens: int) -> float:
        """Take one request and ``tokens`` tokens and return 0.0, or take nothing and return the seconds to wait."""
        ...

    def release(self, tokens: int, *, rate_limited: bool, retry_after: float | None) -> None:
        """Report the answer to a request ``acquire`` admitted: a 429 gives its permits back and is evidence."""
        ...

"""The flow controller: every answer is evidence, and one object weighs it for every batch of a client.

Shared by every thread and event loop of one ``EmbeddingsClient``. Before
each request ``admit`` says "go" (a ``Ticket``) or how long to wait; after
each answer ``answered`` learns from it:

- a 429 with ``Retry-After``: the rate is spent; pause everyone that long,
  then one probe, then widen (``rate.Window``), and learn the granted rate;
- a 429 without it, with others in flight: first read as the server
  refusing concurrency (lower the in-flight limit, pause no one); if a
  request sent after it is refused too before one sent after it succeeds,
  the rate is spent after all (a concurrency limit serves the lowered
  count; an empty bucket refuses everyone), and the rest applies; until
  that one request is answered, no other is sent (nor a copy);
- any other 429: the rate again, paced by the learned rate;
- ``x-ratelimit-*`` headers: the server's own account, paced by before
  the first 429;
- a success: latency per size for the in-flight limit and for hedging,
  and a refill of the retry budget.

The user's ``requests_per_minute`` / ``tokens_per_minute`` replace the
learned rate when set. A ``SharedQuota`` is asked before every request
(hedge copies included) and told of every answer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from .concurrency import Concurrency
from .hedge import MIN_DELAY, Hedging
from .quota import SharedQuota
from .rate import Bucket, LearnedRate, ServerWindow, Window, windows
from .retry_budget import RetryBudget

Kind = Literal["ok", "rate_limited", "fault", "final", "abandoned"]
"""What an answer was: vectors; a 429; worth a retry (5xx, drop, timeout, bad body); a final answer; none."""

POLL_MAX = 0.02
POLL_MIN = 0.002
"""Seconds a request waits before asking again for a closed slot: an eighth of the usual latency, within these."""


@dataclass
class Ticket:
    """One request admitted: what it cost, when it left, how many were in flight with it."""

    cost: int
    sent_at: float
    in_flight: int
    spent: dict[str, float]
    hedge: bool = False


@dataclass
class Counts:
    """What the controller saw, for tests and for anyone reporting on a run."""

    sent: int = 0
    hedges: int = 0
    rate_limited: int = 0
    concurrency_refusals: int = 0
    pauses: int = 0


@dataclass
class FlowController:
    ceiling: int
    requests_per_minute: float | None = None
    tokens_per_minute: float | None = None
    hedge: bool = True
    clock: Callable[[], float] = time.monotonic
    shared: SharedQuota | None = None
    counts: Counts = field(default_factory=Counts)

    def __post_init__(self) -> None:
        now = self.clock()
        self.concurrency = Concurrency(self.ceiling)
        self.window = Window()
        self.learned = LearnedRate()
        self.budget = RetryBudget()
        self.hedging = Hedging(self.hedge)
        rpm, tpm = self.requests_per_minute, self.tokens_per_minute
        self._quota = [
            (Bucket(rpm, rpm, now), False) if rpm else None,
            (Bucket(tpm, tpm, now), True) if tpm else None,
        ]
        self._server: dict[str, ServerWindow] = {}
        self._spent = {"requests": 0.0, "tokens": 0.0}
        self._lock = threading.Lock()
        self._poll = POLL_MAX
        self._suspect_since: float | None = None
        """When a 429 without a hint was read as a concurrency refusal, until a request sent since succeeds."""
        self._testing = False
        """A request sent since that 429 is out: the others wait for its answer, which tells the two apart."""

    @property
    def limit(self) -> float:
        return self.concurrency.limit

    @property
    def in_flight(self) -> int:
        return self.concurrency.in_flight

    def now(self) -> float:
        return self.clock()

    # --- before a request ---------------------------------------------------

    def admit(self, cost: int) -> Ticket | float:
        """A ticket (the request may go now), or the seconds to wait before asking again."""
        with self._lock:
            now = self.clock()
            pause = self.window.wait(now, self.concurrency.in_flight)
            if pause is None or not self.concurrency.open() or self._testing:
                return self._poll
            wait = max(pause, self._rate_wait(cost, now))
            if wait > 0:
                return wait
            if self.shared is not None and (wait := self.shared.acquire(cost)) > 0:
                return wait
            self.hedging.requested()
            return self._issue(cost, now, hedge=False)

    def hedge_delay(self, cost: int) -> float | None:
        """Seconds after which a request of ``cost`` still out deserves a copy (None: not known, or hedging off)."""
        with self._lock:
            return self.hedging.delay(cost)

    def first_check(self, cost: int) -> float | None:
        """When a new request of ``cost`` should first be checked for lateness (None: never, hedging is off)."""
        with self._lock:
            if not self.hedging.enabled:
                return None
            return self.hedging.delay(cost) or MIN_DELAY

    def overdue(self, ticket: Ticket) -> Ticket | float | None:
        """A request still out at a check: a ticket for its copy, seconds until the next check, or None (just wait).

        Its peers' latency may have been unknown when it left; it is judged by
        what is known now, and checked again (after twice as long) until it is.
        """
        with self._lock:
            now = self.clock()
            out = now - ticket.sent_at
            delay = self.hedging.delay(ticket.cost)
            if delay is None:
                return max(out, MIN_DELAY)
            if out < delay:
                return delay - out
            return self._hedge(ticket.cost, now)

    def admit_hedge(self, cost: int) -> Ticket | None:
        """A ticket for a copy of a late request, if the hedge budget, the quotas and a shared quota allow now."""
        with self._lock:
            return self._hedge(cost, self.clock())

    def _hedge(self, cost: int, now: float) -> Ticket | None:
        busy = not self.concurrency.open() or self.window.cap is not None or self._suspect_since is not None
        if busy or self._rate_wait(cost, now) > 0:
            return None  # a copy takes a free slot within the limits, or is not sent
        if not self.hedging.take():
            return None
        if self.shared is not None and self.shared.acquire(cost) > 0:
            self.hedging.refund()
            return None
        self.counts.hedges += 1
        return self._issue(cost, now, hedge=True)

    def may_retry(self) -> bool:
        """Whether the retry budget has a retry for a failed request (429s are paced, not budgeted)."""
        with self._lock:
            return self.budget.spend()

    def _rate_wait(self, cost: int, now: float) -> float:
        waits = [0.0]
        for entry in self._quota:
            if entry is not None:
                bucket, by_tokens = entry
                waits.append(bucket.wait_for(cost if by_tokens else 1, now))
        for kind, window in self._server.items():
            waits.append(window.wait_for(cost if kind == "tokens" else 1, now, self._spent[kind]))
        if self._learning:
            waits.append(self.learned.wait(now))
        return max(waits)

    @property
    def _learning(self) -> bool:
        return not (self.requests_per_minute or self.tokens_per_minute or self._server)

    def _issue(self, cost: int, now: float, *, hedge: bool) -> Ticket:
        for entry in self._quota:
            if entry is not None:
                bucket, by_tokens = entry
                bucket.take(cost if by_tokens else 1)
        self.learned.take(cost, now)
        self._spent["requests"] += 1
        self._spent["tokens"] += cost
        ticket = Ticket(cost, now, self.concurrency.in_flight + 1, dict(self._spent), hedge)
        self.concurrency.in_flight += 1
        self.counts.sent += 1
        self._testing = self._suspect_since is not None
        return ticket

    # --- after an answer ----------------------------------------------------

    def answered(
        self,
        ticket: Ticket,
        kind: Kind,
        *,
        retry_after: float | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Release the ticket's slot and learn what the answer says (see the module docstring)."""
        limited = kind == "rate_limited"
        if self.shared is not None:
            self.shared.release(ticket.cost, rate_limited=limited, retry_after=retry_after if limited else None)
        with self._lock:
            now = self.clock()
            self.concurrency.in_flight -= 1
            if headers is not None:
                self._read_windows(ticket, headers, now)
            if limited:
                self._refused(ticket, retry_after, now)
            elif kind == "ok":
                self._succeeded(ticket, now)
            if self._suspect_since is None or ticket.sent_at >= self._suspect_since:
                self._testing = False  # the test was answered (or there is none): the others may go

    def _succeeded(self, ticket: Ticket, now: float) -> None:
        latency = now - ticket.sent_at
        if self._suspect_since is not None and ticket.sent_at >= self._suspect_since:
            self._suspect_since = None  # the lowered limit is served: it was concurrency
        self.concurrency.succeeded(ticket.cost, ticket.in_flight, ticket.sent_at, latency, now)
        if not ticket.hedge:
            self.hedging.sample(ticket.cost, latency)
        self.window.succeeded(ticket.sent_at, max(1, int(self.concurrency.limit)))
        self.learned.succeeded(ticket.cost, ticket.sent_at, now)
        self.budget.earn()
        self._poll = min(POLL_MAX, max(POLL_MIN, latency / 8))

    def _refused(self, ticket: Ticket, hint: float | None, now: float) -> None:
        self.counts.rate_limited += 1
        for entry in self._quota:  # the refused request's quota comes back
            if entry is not None:
                bucket, by_tokens = entry
                bucket.take(-(ticket.cost if by_tokens else 1))
        # Out with it: what was in flight when it left, or is still out now (the first wave reaches the
        # server in any order, so the first request sent may be the one that found the server full).
        crowd = max(ticket.in_flight, self.concurrency.in_flight + 1)
        if hint is None and not self._confirms_rate(ticket) and crowd > 1:
            self.counts.concurrency_refusals += 1
            self.concurrency.refused(crowd, now)
            if self._suspect_since is None:
                self._suspect_since = now
            return
        self._suspect_since = None
        refill = self.learned.refused(ticket.cost, now) if self._learning else None
        if self.window.pause(hint if hint is not None else refill, ticket.sent_at, now):
            self.counts.pauses += 1

    def _confirms_rate(self, ticket: Ticket) -> bool:
        """A refusal of a request sent after a suspected concurrency refusal, before any such request succeeded."""
        return self._suspect_since is not None and ticket.sent_at >= self._suspect_since

    def _read_windows(self, ticket: Ticket, headers: Mapping[str, str], now: float) -> None:
        """Keep the newest window per quota (by what we had sent when its request left).

        ``_spent`` only grows: a request sent after this one and refused is
        still counted against the window, which errs on the side of waiting.
        """
        for kind, window in windows(headers, now, ticket.spent).items():
            current = self._server.get(kind)
            if current is None or window.sent_before >= current.sent_before:
                self._server[kind] = window

"""AIMD and the quota limiter, on a fake clock."""

from __future__ import annotations

from aiml_embeddings.flow.pacing import POLL, Pacer


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_slots_close_at_the_limit_and_reopen() -> None:
    pacer = Pacer(2, clock=Clock())
    assert pacer.admit(1) == 0 and pacer.admit(1) == 0
    assert pacer.admit(1) == POLL
    pacer.finished(pacer.now(), 1)
    assert pacer.admit(1) == 0


def test_an_unhinted_429_halves_once_per_round_trip_then_grows_back() -> None:
    clock = Clock()
    pacer = Pacer(8, clock=clock)
    stamps = []
    for _ in range(8):
        assert pacer.admit(1) == 0
        stamps.append(pacer.now())
    clock.now += 1
    for stamp in stamps:  # eight 429s from one round: one cut, not eight
        pacer.finished(stamp, 1, rate_limited=True)
    assert int(pacer.limit) == 4 and pacer.rate_limited == 8
    assert 0.25 <= pacer.admit(1) <= 0.5  # everyone pauses for the first backoff step
    clock.now += 1
    for _ in range(40):
        pacer.admit(1)
        pacer.finished(pacer.now(), 1)
    assert int(pacer.limit) == 8  # additive growth, capped at the ceiling


def test_a_hinted_429_does_not_cut() -> None:
    pacer = Pacer(8, clock=Clock())
    pacer.admit(1)
    pacer.finished(pacer.now(), 1, rate_limited=True, hint=2.0)
    assert pacer.limit == 8
    assert pacer.admit(1) == 2.0  # but everyone waits what the server said


def test_the_limit_never_drops_below_one() -> None:
    clock = Clock()
    pacer = Pacer(4, clock=clock)
    for _ in range(10):
        clock.now += 30
        assert pacer.admit(1) == 0
        stamp = pacer.now()
        clock.now += 1
        pacer.finished(stamp, 1, rate_limited=True)
    assert pacer.limit == 1 and pacer.in_flight == 0


def test_requests_per_minute_spaces_requests_out() -> None:
    clock = Clock()
    pacer = Pacer(100, requests_per_minute=60, clock=clock)
    for _ in range(60):  # a full minute's burst is allowed
        assert pacer.admit(1) == 0
    wait = pacer.admit(1)
    assert 0.9 <= wait <= 1.1
    clock.now += wait
    assert pacer.admit(1) == 0


def test_tokens_per_minute_waits_for_enough_tokens() -> None:
    clock = Clock()
    pacer = Pacer(100, tokens_per_minute=6000, clock=clock)
    assert pacer.admit(6000) == 0
    assert abs(pacer.admit(600) - 6.0) < 1e-6
    clock.now += 6
    assert pacer.admit(600) == 0
    # a single request larger than the whole quota is let through once the bucket is full
    clock.now += 60
    assert pacer.admit(10**6) == 0


def test_after_429s_the_client_paces_at_the_rate_the_server_grants() -> None:
    clock = Clock()
    pacer = Pacer(8, clock=clock)
    assert pacer.admit(1000) == 0
    pacer.finished(pacer.now(), 1000, rate_limited=True)  # "too fast", with no hint of how fast is right
    for _ in range(2):  # then the server grants 1,000 tokens every 2 s
        clock.now += 2
        assert pacer.admit(1000) == 0
        pacer.finished(pacer.now(), 1000)
    learned = pacer.admit(1000)
    assert 1.5 <= learned <= 2.5  # the next request waits its turn instead of drawing a 429
    clock.now += learned
    assert pacer.admit(1000) == 0


def test_no_learning_when_the_user_set_a_quota() -> None:
    clock = Clock()
    pacer = Pacer(8, tokens_per_minute=60_000, clock=clock)
    assert pacer.admit(1000) == 0
    pacer.finished(pacer.now(), 1000, rate_limited=True)
    for _ in range(3):
        clock.now += 2
        assert pacer.admit(1000) == 0
        pacer.finished(pacer.now(), 1000)
    assert pacer.admit(1000) == 0  # the user's 60,000 a minute rules, not a guess


def test_float_dust_is_not_a_wait() -> None:
    clock = Clock()
    pacer = Pacer(8, tokens_per_minute=1_000_000, clock=clock)
    assert pacer.admit(400_000) == 0 and pacer.admit(400_000) == 0
    clock.now += 12 - 1e-12  # the bucket is 1e-7 tokens short of the next request: no endless tiny waits
    assert pacer.admit(400_000) == 0


class ScriptedQuota:
    """A shared quota that refuses the first ask and records every report."""

    def __init__(self) -> None:
        self.asks: list[int] = []
        self.reports: list[tuple[int, bool, float | None]] = []

    def acquire(self, tokens: int) -> float:
        self.asks.append(tokens)
        return 0.5 if len(self.asks) == 1 else 0.0

    def release(self, tokens: int, *, rate_limited: bool, retry_after: float | None) -> None:
        self.reports.append((tokens, rate_limited, retry_after))


def test_a_shared_quota_is_asked_before_each_request_and_told_each_answer() -> None:
    quota = ScriptedQuota()
    pacer = Pacer(4, clock=Clock(), shared=quota)
    assert pacer.admit(30) == 0.5 and pacer.in_flight == 0  # refused: no slot taken
    assert pacer.admit(30) == 0
    pacer.finished(pacer.now(), 30, rate_limited=True, hint=2.0)
    assert quota.asks == [30, 30] and quota.reports == [(30, True, 2.0)]

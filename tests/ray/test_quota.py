"""The shared quota's arithmetic, driven directly with a fake clock (no Ray, no sockets)."""

from __future__ import annotations

import heapq

import pytest

from aiml_embeddings.flow.quota import SharedQuota
from aiml_embeddings.ray.quota import QUOTA_PERIOD, RATE_CUT, AccountQuota, QuotaSettings

from ..clock import Clock


def run(quota: AccountQuota, clock: Clock, clients: int, tokens: int, seconds: float) -> list[tuple[float, int]]:
    """Clients that ask, wait what they are told, and ask again; the admissions as (time, tokens)."""
    admitted: list[tuple[float, int]] = []
    start = clock.now
    queue = [(start, i) for i in range(clients)]
    while queue:
        at, who = heapq.heappop(queue)
        if at > start + seconds:
            break
        clock.now = at
        wait = quota.acquire(tokens)
        if wait == 0:
            admitted.append((at, tokens))
            quota.release(tokens, rate_limited=False, retry_after=None)
            wait = 0.05  # the answer's latency before the client's next request
        assert wait > 0
        heapq.heappush(queue, (at + wait, who))
    return admitted


def test_it_is_a_shared_quota() -> None:
    assert isinstance(AccountQuota(QuotaSettings(requests_per_minute=60)), SharedQuota)


@pytest.mark.parametrize("clients", [1, 4, 32])
def test_many_clients_at_once_get_one_burst_then_the_rate(clients: int) -> None:
    clock = Clock()
    quota = AccountQuota(QuotaSettings(600, 1_000_000, burst_seconds=1.0), clock)
    admitted = run(quota, clock, clients, tokens=2_000, seconds=60.0)
    tokens = sum(t for _, t in admitted)
    first_second = sum(t for at, t in admitted if at < 1.0)
    assert first_second <= 2 * 1_000_000 / 60 + 2_000  # one second's burst plus one second's refill
    assert tokens <= 1_000_000 + 1_000_000 / 60 + 2_000  # the minute's quota plus the one-second bucket
    if clients > 1:  # one client at 0.05 s a request cannot use the quota; several must
        assert tokens >= 0.99 * 1_000_000


def test_the_request_limit_binds_when_requests_are_small() -> None:
    clock = Clock()
    quota = AccountQuota(QuotaSettings(600, 1_000_000), clock)
    admitted = run(quota, clock, 16, tokens=10, seconds=30.0)
    assert 0.99 * 300 <= len(admitted) <= 300 + 10 + 1


def test_a_request_larger_than_the_bucket_waits_for_a_full_bucket_and_leaves_a_debt() -> None:
    clock = Clock()
    quota = AccountQuota(QuotaSettings(tokens_per_minute=60_000, burst_seconds=1.0), clock)  # 1,000 a second
    assert quota.acquire(5_000) == 0  # a full bucket lets it through
    wait = quota.acquire(10)
    assert wait == pytest.approx(4.01)  # the 4,000-token debt and the request itself
    clock.now += 4.5
    assert quota.acquire(10) == 0


def test_a_429_gives_its_permits_back() -> None:
    clock = Clock()
    quota = AccountQuota(QuotaSettings(requests_per_minute=60, burst_seconds=1.0), clock)
    assert quota.acquire(1) == 0
    assert quota.acquire(1) > 0
    quota.release(1, rate_limited=True, retry_after=3.0)
    assert quota.acquire(1) == pytest.approx(3.0)  # everyone waits what the server said
    clock.now += 3.0
    assert quota.acquire(1) == 0


def test_an_unhinted_429_halves_the_burst_then_cuts_the_rate_once_per_round_and_the_rate_grows_back() -> None:
    clock = Clock()
    quota = AccountQuota(QuotaSettings(requests_per_minute=600, burst_seconds=2.0), clock)
    for _ in range(5):
        assert quota.acquire(1) == 0
    quota.release(1, rate_limited=True, retry_after=None)
    assert quota.burst_seconds == 1.0 and quota.scale() == 1.0  # a smaller burst than ours: the rate was right
    assert quota.acquire(1) > 0  # the buckets were emptied: the server said none is left
    for _ in range(4):  # the answers of the requests in flight at the cut say nothing new
        quota.release(1, rate_limited=True, retry_after=None)
    assert quota.report()["cuts"] == 1 and quota.report()["rate_limited"] == 5
    clock.now += 1.0
    assert quota.acquire(1) == 0
    quota.release(1, rate_limited=True, retry_after=None)  # sent after the cut, refused again: slower than told
    assert quota.scale() == pytest.approx(RATE_CUT)
    assert quota.burst_seconds == 0.5
    clock.now += QUOTA_PERIOD / 2
    assert quota.scale() == pytest.approx(RATE_CUT + (1 - RATE_CUT) / 2)
    clock.now += QUOTA_PERIOD / 2
    assert quota.scale() == 1.0


def test_the_rate_it_grants_after_a_cut_is_the_cut_rate() -> None:
    clock = Clock()
    quota = AccountQuota(QuotaSettings(requests_per_minute=600, burst_seconds=1.0), clock)
    for _ in range(2):
        clock.now += 1.0  # the buckets refill after each emptying 429
        assert quota.acquire(1) == 0
        quota.release(1, rate_limited=True, retry_after=None)
    assert quota.scale() == pytest.approx(RATE_CUT)
    admitted = run(quota, clock, 8, tokens=1, seconds=6.0)  # 10 a second, cut to 9 and growing slowly
    assert len(admitted) == pytest.approx(6 * 10 * RATE_CUT, abs=2)


@pytest.mark.parametrize(
    "settings",
    [{}, {"requests_per_minute": 0}, {"tokens_per_minute": -5}, {"requests_per_minute": float("nan")},
     {"requests_per_minute": 10, "burst_seconds": 0}, {"requests_per_minute": True}],
)  # fmt: skip
def test_bad_settings_are_refused(settings: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=r"quota|positive"):
        QuotaSettings(**settings)

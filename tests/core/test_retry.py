from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from aiml_embeddings import EmbeddingsClient, RateLimitError
from aiml_embeddings.flow.retry import RetryPolicy, is_retryable, looks_too_large, retry_after

from ..clock import Clock
from ..fake_api import FakeAPI, status, times

Make = Callable[..., EmbeddingsClient]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (408, True),
        (409, True),
        (429, True),
        (500, True),
        (502, True),
        (503, True),
        (504, True),
        (400, False),
        (401, False),
        (403, False),
        (404, False),
        (422, False),
    ],
)
def test_what_is_retried(code: int, expected: bool) -> None:
    assert is_retryable(code) is expected


@pytest.mark.parametrize(
    ("code", "message", "expected"),
    [
        (413, "", True),
        (400, "Too many inputs", True),
        (400, "This model's maximum context length is 8192 tokens", True),
        (400, "input exceeds the limit", True),
        (400, "Invalid API key", False),
        (400, "task_type must be one of ...", False),
        (401, "too long", False),
    ],
)
def test_what_counts_as_too_large(code: int, message: str, expected: bool) -> None:
    assert looks_too_large(code, message) is expected


def test_retry_after_forms() -> None:
    assert retry_after({"Retry-After": "7"}) == 7.0
    assert retry_after({"retry-after-ms": "1500", "Retry-After": "9"}) == 1.5
    assert retry_after({}) is None
    assert retry_after({"Retry-After": "soon"}) is None
    later = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True)
    assert 25 <= (retry_after({"Retry-After": later}) or 0) <= 31


def test_backoff_grows_is_jittered_and_capped() -> None:
    policy = RetryPolicy(initial=0.5, factor=2, cap=4)
    rng = random.Random(1)
    delays = [policy.delay(n, rng=rng) for n in range(8)]
    for n, delay in enumerate(delays):
        step = min(4, 0.5 * 2**n)
        assert step / 2 <= delay <= step
    assert len({round(d, 6) for d in delays}) > 4


def test_server_hint_wins_within_its_cap() -> None:
    policy = RetryPolicy(retry_after_cap=10)
    assert policy.delay(0, {"Retry-After": "3"}) == 3
    assert policy.delay(0, {"Retry-After": "300"}) == 10


@pytest.mark.parametrize("value", ["0", "-5", "-0.001", "nan", "inf", "-inf"])
def test_a_wait_of_zero_or_less_or_not_finite_is_no_hint(value: str) -> None:
    assert retry_after({"Retry-After": value}) is None
    assert retry_after({"retry-after-ms": value}) is None
    assert retry_after({"retry-after-ms": value, "Retry-After": "2"}) == 2.0
    assert RetryPolicy().delay(0, {"Retry-After": value}, rng=random.Random(3)) > 0


def test_a_date_in_the_past_is_no_hint() -> None:
    earlier = format_datetime(datetime.now(timezone.utc) - timedelta(seconds=30), usegmt=True)
    assert retry_after({"Retry-After": earlier}) is None


def test_negative_retry_after_on_every_429_backs_off_instead_of_hammering(
    api: FakeAPI, make: Make, clock: Clock
) -> None:
    refusals = 400  # bounded: the old client, taking -5 as "now", sent these as fast as it could and then succeeded
    api.faults.append(times(refusals, status(429, {"Retry-After": "-5"})))
    with pytest.raises(RateLimitError):
        make(dimensions=8, max_concurrency=1, retry_policy=RetryPolicy(rate_limit_patience=60)).embed(["a"])
    assert len(api.requests) < 40  # within a minute of patience, backing off as if no hint came
    assert sum(clock.slept) >= 60

"""Every fault the transport must ride out or report: retries, splits, bad answers, partial results."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from aiml_embeddings import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    EmbeddingsClient,
    InputTooLongError,
    InsufficientCreditsError,
    MalformedResponseError,
    ModelNotFoundError,
    RateLimitError,
    RetryPolicy,
    ServerError,
)

from ..clock import Clock
from ..fake_api import FakeAPI, drop, marker, status, times

Make = Callable[..., EmbeddingsClient]
TEXTS = [f"input {i}" for i in range(40)]


def right(out: list[list[float]], texts: list[str] = TEXTS) -> bool:
    return [v[0] for v in out] == [marker(t) for t in texts]


def test_429_with_retry_after_waits_that_long(api: FakeAPI, make: Make, clock: Clock) -> None:
    api.faults.append(times(2, status(429, {"Retry-After": "3"})))
    assert right(make(dimensions=8, max_concurrency=1).embed(TEXTS))
    assert clock.slept == [3.0, 3.0]


def test_429_with_retry_after_ms(api: FakeAPI, make: Make, clock: Clock) -> None:
    api.faults.append(times(1, status(429, {"retry-after-ms": "250"})))
    assert right(make(dimensions=8, max_concurrency=1).embed(TEXTS))
    assert clock.slept == [0.25]


def test_429_without_retry_after_backs_off_exponentially(api: FakeAPI, make: Make, clock: Clock) -> None:
    api.faults.append(times(3, status(429)))
    assert right(make(dimensions=8, max_concurrency=1).embed(TEXTS))
    assert len(clock.slept) == 3
    assert 0.25 <= clock.slept[0] <= 0.5 and 0.5 <= clock.slept[1] <= 1.0 and 1.0 <= clock.slept[2] <= 2.0


@pytest.mark.parametrize("code", [408, 409, 500, 502, 503, 504])
def test_transient_statuses_are_retried(api: FakeAPI, make: Make, code: int) -> None:
    api.faults.append(times(2, status(code)))
    assert right(make(dimensions=8, max_concurrency=1).embed(TEXTS))
    assert len(api.requests) == 3


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, InsufficientCreditsError),
        (404, ModelNotFoundError),
    ],
)
def test_client_errors_are_never_retried(api: FakeAPI, make: Make, code: int, error: type[Exception]) -> None:
    api.faults.append(status(code, body={"message": "nope", "statusCode": str(code), "requestId": "rid-7"}))
    with pytest.raises(error) as info:
        make(dimensions=8, max_concurrency=1).embed(TEXTS)
    assert len(api.requests) == 1
    assert info.value.status_code == code and info.value.request_id == "rid-7"  # type: ignore[attr-defined]
    assert "nope" in str(info.value) and "text-embedding-3-small" in str(info.value)


def test_dropped_connections_are_retried(api: FakeAPI, make: Make) -> None:
    api.faults.append(times(2, drop))
    assert right(make(dimensions=8, max_concurrency=1).embed(TEXTS))


def test_timeouts_are_retried_then_reported(api: FakeAPI, make: Make) -> None:
    def timeout(request: httpx.Request, body: dict[str, Any]) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    api.faults.append(timeout)
    with pytest.raises(APITimeoutError):
        make(dimensions=8, max_concurrency=1, max_retries=2).embed(TEXTS)
    assert len(api.requests) == 3


def test_connection_failure_after_retries_is_typed(api: FakeAPI, make: Make) -> None:
    api.faults.append(drop)
    with pytest.raises(APIConnectionError):
        make(dimensions=8, max_concurrency=1, max_retries=1).embed(TEXTS)


def test_malformed_json_is_retried(api: FakeAPI, make: Make) -> None:
    api.faults.append(times(1, lambda r, b: httpx.Response(200, content=b"{not json")))
    assert right(make(dimensions=8, max_concurrency=1).embed(TEXTS))


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        ({"data": [{"index": 0, "embedding": [1.0] * 8}]}, "got 1 embedding"),
        ({"data": [{"index": 0, "embedding": [1.0] * 8}] * 2}, "index"),
        (
            {"data": [{"index": 0, "embedding": [1.0] * 3}, {"index": 1, "embedding": [1.0] * 3}]},
            "3 values, expected 8",
        ),
        ({"data": [{"index": 0, "embedding": "@@"}, {"index": 1, "embedding": "@@"}]}, "base64"),
        ({"nothing": True}, "'data'"),
    ],
)
def test_untrustworthy_answers_are_typed_errors(api: FakeAPI, make: Make, payload: Any, words: str) -> None:
    api.faults.append(lambda r, b: httpx.Response(200, json=payload))
    with pytest.raises(MalformedResponseError, match=words):
        make(dimensions=8, max_concurrency=1, max_retries=1).embed(["a", "b"])


def test_oversize_batches_are_split_and_resent(api: FakeAPI, make: Make) -> None:
    def cap(request: httpx.Request, body: dict[str, Any]) -> httpx.Response | None:
        if isinstance(body["input"], list) and len(body["input"]) > 7:
            return httpx.Response(413, json={"message": "Too many inputs in one request", "statusCode": "413"})
        return None

    api.faults.append(cap)
    texts = [f"t{i}" for i in range(100)]
    out = make(dimensions=8, max_concurrency=2).embed(texts)
    assert right(out, texts)


def test_one_over_long_input_is_named_and_the_rest_kept(api: FakeAPI, make: Make) -> None:
    def too_long(request: httpx.Request, body: dict[str, Any]) -> httpx.Response | None:
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        if any(len(t) > 1000 for t in inputs):
            return httpx.Response(400, json={"message": "maximum context length is 8192 tokens", "statusCode": "400"})
        return None

    api.faults.append(too_long)
    texts = [f"t{i}" for i in range(50)]
    texts[17] = "x" * 5000
    with pytest.raises(InputTooLongError) as info:
        make(dimensions=8, max_concurrency=1).embed(texts)
    assert info.value.failed_indices == (17,)
    assert "input 17" in str(info.value) and "truncate=True" in str(info.value)
    partial = info.value.partial
    assert partial is not None and partial[17] is None
    assert [v[0] for i, v in enumerate(partial) if i != 17] == [marker(t) for i, t in enumerate(texts) if i != 17]  # type: ignore[index]


def test_a_failed_batch_keeps_the_finished_ones(api: FakeAPI, make: Make) -> None:
    def fail_one(request: httpx.Request, body: dict[str, Any]) -> httpx.Response | None:
        return httpx.Response(503, json={"message": "down"}) if "t20" in body["input"] else None

    api.faults.append(fail_one)
    texts = [f"t{i}" for i in range(64)]
    with pytest.raises(ServerError) as info:
        make(dimensions=8, max_concurrency=1, batch_size=16, max_retries=2).embed(texts)
    error = info.value
    assert set(range(16, 32)) <= set(error.failed_indices)
    assert error.partial is not None
    assert [v[0] for v in error.partial[:16]] == [marker(t) for t in texts[:16]]  # type: ignore[index]
    assert all(error.partial[i] is None for i in error.failed_indices)
    assert "failed inputs: 16-" in str(error)


def test_a_rate_limit_is_ridden_out_past_max_retries_then_typed(api: FakeAPI, make: Make, clock: Clock) -> None:
    api.faults.append(status(429))
    with pytest.raises(RateLimitError):
        make(dimensions=8, max_concurrency=1, max_retries=3).embed(["a"])
    assert len(api.requests) > 4  # 429s are not counted against max_retries...
    assert 180 <= sum(clock.waits()) <= 180 + 20 + 1  # ...but against rate_limit_patience (180 s by default)


def test_rate_limit_patience_is_a_setting(api: FakeAPI, make: Make, clock: Clock) -> None:
    api.faults.append(status(429))
    with pytest.raises(RateLimitError):
        make(dimensions=8, retry_policy=RetryPolicy(rate_limit_patience=5)).embed(["a"])
    assert 5 <= sum(clock.waits()) <= 5 + 8  # patience, plus at most the last backoff step (4 to 8 s)


def test_a_429_pauses_every_batch_not_just_its_own(api: FakeAPI, make: Make, clock: Clock) -> None:
    seen: list[float] = []
    api.faults += [lambda r, b: seen.append(clock.now), times(1, status(429, {"Retry-After": "2"}))]  # type: ignore[func-returns-value]
    client = make(dimensions=8, max_concurrency=1, batch_size=16)
    assert right(client.embed(TEXTS * 4), TEXTS * 4)
    refused_at = seen[0]
    assert all(t >= refused_at + 2 for t in seen[1:])
    assert client.controller.counts.rate_limited == 1


async def test_async_rides_the_same_faults(api: FakeAPI, make: Make, clock: Clock) -> None:
    api.shuffle = True
    api.faults += [times(2, status(429, {"Retry-After": "1"})), times(2, drop), times(1, status(500))]
    out = await make(dimensions=8, max_concurrency=3).aembed(TEXTS * 10)
    assert right(out, TEXTS * 10)
    assert 1.0 in clock.slept


def test_problem_json_and_inworld_error_bodies(api: FakeAPI, make: Make) -> None:
    problem = {
        "title": "Unauthorized",
        "status": 401,
        "message": "Invalid API key",
        "requestId": "rid-p",
        "error": {"name": "UnauthorizedException", "message": "Invalid API key"},
    }
    api.faults.append(
        lambda r, b: httpx.Response(401, json=problem, headers={"content-type": "application/problem+json"})
    )
    with pytest.raises(AuthenticationError, match="Invalid API key") as info:
        make(dimensions=8).embed(["a"])
    assert info.value.request_id == "rid-p"

    api.faults[:] = [lambda r, b: httpx.Response(429, json={"code": 8, "message": "quota exhausted", "details": []})]
    inworld = make("sentence-transformers/paraphrase-multilingual-mpnet-base-v2", max_retries=0)
    with pytest.raises(RateLimitError, match="quota exhausted"):
        inworld.embed(["a"])


def test_an_auth_failure_stops_the_other_batches(api: FakeAPI, make: Make) -> None:
    api.faults.append(status(401))
    with pytest.raises(AuthenticationError) as info:
        make(dimensions=8, max_concurrency=2, batch_size=16).embed([f"t{i}" for i in range(320)])
    assert len(api.requests) <= 3
    assert len(info.value.failed_indices) == 320

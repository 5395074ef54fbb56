"""``on_batch``: each finished request reported as it lands, with its positions and vectors, sync and async."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import numpy as np
import pytest

from aiml_embeddings import EmbeddingsClient
from aiml_embeddings.errors import AuthenticationError, InputTooLongError
from aiml_embeddings.output import Batch

from ..fake_api import FakeAPI, marker, status, texts_in

Make = Callable[..., EmbeddingsClient]


def texts_of(n: int) -> list[str]:
    return [f"text number {i}" for i in range(n)]


def slow_for(api: FakeAPI, text: str, seconds: float) -> None:
    """Requests carrying ``text`` are answered ``seconds`` late (set before the client is made)."""
    handle, ahandle = api.handle, api.ahandle

    def late(request: httpx.Request) -> httpx.Response:
        response = handle(request)  # counted in ``api.requests`` on arrival, answered late
        if text in texts_in(json.loads(request.content)):
            time.sleep(seconds)
        return response

    async def alate(request: httpx.Request) -> httpx.Response:
        response = await ahandle(request)
        if text in texts_in(json.loads(request.content)):
            await asyncio.sleep(seconds)
        return response

    api.handle, api.ahandle = late, alate  # type: ignore[method-assign]


def embed(client: EmbeddingsClient, mode: str, texts: list[str], **kwargs: Any) -> Any:
    if mode == "sync":
        return client.embed(texts, **kwargs)
    return asyncio.run(client.aembed(texts, **kwargs))


MODES = ["sync", "async"]


@pytest.mark.parametrize("mode", MODES)
def test_each_batch_is_told_as_it_lands_each_position_once(api: FakeAPI, make: Make, mode: str) -> None:
    api.shuffle = True
    texts = texts_of(300)
    slow_for(api, texts[0], 0.2)  # the first planned batch lands last
    client = make(dimensions=8, batch_size=20, max_concurrency=4)
    reports: list[Batch[list[list[float]]]] = []
    out = embed(client, mode, texts, on_batch=reports.append)
    assert len(reports) == len(api.requests) > 4
    assert all(b.positions == sorted(b.positions) for b in reports)
    assert sorted(p for b in reports for p in b.positions) == list(range(300))
    assert all(v[0] == marker(texts[p]) for b in reports for p, v in zip(b.positions, b.vectors, strict=True))
    assert reports[-1].positions[0] == 0, "reported in the order the batches landed, not the order planned"
    assert reports[3].vectors[0] is out[reports[3].positions[0]], "the very lists the call returns"


@pytest.mark.parametrize("mode", MODES)
def test_numpy_batches_are_float32_rows_of_the_result(api: FakeAPI, make: Make, mode: str) -> None:
    texts = texts_of(100)
    reports: list[Batch[Any]] = []
    out = embed(make(dimensions=8, batch_size=30), mode, texts, output="numpy", on_batch=reports.append)
    for batch in reports:
        assert batch.vectors.dtype == np.float32 and batch.vectors.shape == (len(batch.positions), 8)
        assert np.array_equal(batch.vectors, out[batch.positions])
    reports[0].vectors[:] = -1.0  # a copy: the result is not touched
    assert out[reports[0].positions[0], 0] == marker(texts[reports[0].positions[0]])


@pytest.mark.parametrize("mode", MODES)
def test_repeats_come_with_their_original_and_blanks_last(api: FakeAPI, make: Make, mode: str) -> None:
    texts = ["a", "b", "", "a", "c", " ", "b", "a", "d"]
    client = make(dimensions=8, batch_size=2, max_concurrency=1, empty_inputs="zeros")
    reports: list[Batch[list[list[float]]]] = []
    embed(client, mode, texts, on_batch=reports.append)
    assert api.texts() == [["a", "b"], ["c", "d"]]  # each distinct text sent once, blanks never
    assert [b.positions for b in reports] == [[0, 1, 3, 6, 7], [4, 8], [2, 5]]
    assert reports[0].vectors[2] is not reports[0].vectors[0], "a repeat gets its own list"
    assert [v[0] for v in reports[0].vectors] == [marker(texts[p]) for p in [0, 1, 3, 6, 7]]
    assert reports[-1].vectors == [[0.0] * 8, [0.0] * 8]


def too_long(request: httpx.Request, body: dict[str, Any]) -> httpx.Response | None:
    if "text number 13" in body["input"]:
        return status(400, body={"message": "maximum context length is 8192 tokens", "statusCode": 400})(request, body)
    return None


@pytest.mark.parametrize("mode", MODES)
def test_a_failed_batch_is_not_reported_and_the_rest_are(api: FakeAPI, make: Make, mode: str) -> None:
    api.faults.append(too_long)
    reports: list[Batch[list[list[float]]]] = []
    with pytest.raises(InputTooLongError) as failed:
        embed(make(dimensions=8, batch_size=16), mode, texts_of(64), on_batch=reports.append)
    reported = sorted(p for b in reports for p in b.positions)
    assert list(failed.value.failed_indices) == [13]
    assert reported == [i for i, row in enumerate(failed.value.partial or []) if row is not None]
    assert reported == [i for i in range(64) if i != 13], "the halves of the split batch are reported too"


@pytest.mark.parametrize("mode", MODES)
def test_each_report_holds_its_slot_until_it_returns(api: FakeAPI, make: Make, mode: str) -> None:
    sent_when_told: list[int] = []
    embed(make(dimensions=8, batch_size=10, max_concurrency=1), mode, texts_of(50),
          on_batch=lambda batch: sent_when_told.append(len(api.requests)))  # fmt: skip
    assert sent_when_told == [1, 2, 3, 4, 5], "the next request waited for the report"


def test_reports_never_overlap_within_a_call(api: FakeAPI, make: Make) -> None:
    api.hold = 0.01
    inside, most = [0], [0]
    lock = threading.Lock()

    def report(batch: Batch[Any]) -> None:
        with lock:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        time.sleep(0.005)
        with lock:
            inside[0] -= 1

    make(dimensions=8, batch_size=10, max_concurrency=4).embed(texts_of(200), on_batch=report)
    assert api.max_in_flight > 1 and most[0] == 1


class Stop(Exception):
    pass


@pytest.mark.parametrize("mode", MODES)
def test_a_callback_that_raises_ends_the_call_and_nothing_is_told_after(api: FakeAPI, make: Make, mode: str) -> None:
    texts = texts_of(60)
    slow_for(api, texts[10], 0.2)  # the second batch is still out when the first is reported
    told: list[list[int]] = []

    def report(batch: Batch[Any]) -> None:
        told.append(batch.positions)
        raise Stop

    with pytest.raises(Stop):
        embed(make(dimensions=8, batch_size=10, max_concurrency=2), mode, texts, on_batch=report)
    time.sleep(0.3)  # the batch left in flight (sync) lands now, unreported
    assert told == [list(range(10))]
    assert {t for sent in api.texts() for t in sent} <= set(texts[:20]), "batches not yet started are not sent"


@pytest.mark.parametrize("mode", MODES)
def test_a_fatal_error_reports_exactly_what_the_error_keeps(api: FakeAPI, make: Make, mode: str) -> None:
    api.faults.append(lambda request, body: status(401)(request, body) if len(api.requests) > 2 else None)
    reports: list[Batch[list[list[float]]]] = []
    with pytest.raises(AuthenticationError) as failed:
        embed(make(dimensions=8, batch_size=10, max_concurrency=1), mode, texts_of(50), on_batch=reports.append)
    assert [p for b in reports for p in b.positions] == list(range(20))
    assert [i for i, row in enumerate(failed.value.partial or []) if row is not None] == list(range(20))


def test_a_batch_left_running_by_a_failed_call_is_never_told(api: FakeAPI, make: Make) -> None:
    texts = texts_of(20)
    slow_for(api, texts[10], 0.2)

    def broken(request: httpx.Request, body: dict[str, Any]) -> None:
        if texts[0] in body["input"]:
            deadline = time.monotonic() + 2
            while len(api.requests) < 2 and time.monotonic() < deadline:
                time.sleep(0.005)  # fail only once the other batch is out, however slowly its thread started
            raise RuntimeError("a custom transport's own error")

    api.faults.append(broken)
    told: list[Batch[Any]] = []
    with pytest.raises(RuntimeError, match="custom transport"):
        make(dimensions=8, batch_size=10, max_concurrency=2).embed(texts, on_batch=told.append)
    time.sleep(0.3)  # the slow batch lands after the call raised (a sync call cannot stop it)
    assert len(api.requests) == 2 and told == []

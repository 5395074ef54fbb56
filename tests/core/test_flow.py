"""The sans-IO batch flow driven by hand with scripted replies, as h11's tests drive its state machine."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from aiml_embeddings import EmbeddingsClient, ServerError
from aiml_embeddings.flow.batch import OVERDUE, Flow, Hedge, Job, Send, Sleep, Wait, Won, batch_flow
from aiml_embeddings.flow.drive import drive_async, drive_sync
from aiml_embeddings.flow.retry_budget import RETRY_BURST

from ..clock import Clock
from ..fake_api import FakeAPI, marker
from .conftest import SECRET


def job_of(texts: list[str], clock: Callable[[], float], **settings: Any) -> tuple[EmbeddingsClient, Job]:
    client = EmbeddingsClient("text-embedding-3-small", api_key=SECRET, dimensions=8, clock=clock, **settings)
    job, _ = client._job(texts, "document", "list")
    return client, job


def vectors(body: bytes) -> httpx.Response:
    """The answer to a request ``body``: its texts' marker vectors, in order."""
    texts = json.loads(body)["input"]
    data = [{"index": i, "embedding": [marker(t)] + [0.0] * 7} for i, t in enumerate(texts)]
    return httpx.Response(200, json={"data": data})


def ok(send: Send) -> httpx.Response:
    return vectors(send.body)


def refused(hint: str | None = None) -> httpx.Response:
    return httpx.Response(429, json={"message": "slow down"}, headers={"Retry-After": hint} if hint else {})


def first_send(flow: Flow) -> Send:
    action = next(flow)
    assert isinstance(action, Send)
    return action


def finish(flow: Flow, send: Send) -> list[Any]:
    with pytest.raises(StopIteration) as done:
        flow.send(ok(send))
    result: list[Any] = done.value.value
    return result


def all_out(texts: int, max_concurrency: int) -> tuple[Clock, EmbeddingsClient, Job, list[Flow], list[Send]]:
    """A job of ``texts`` texts in batches of 16 on a fresh clock, every batch's first request out, none answered."""
    clock = Clock()
    client, job = job_of(
        [f"t{i}" for i in range(texts)], clock, max_concurrency=max_concurrency, batch_size=16, hedge=False
    )
    flows = [batch_flow(job, batch) for batch in job.batches]
    return clock, client, job, flows, [first_send(flow) for flow in flows]


def warm(client: EmbeddingsClient, job: Job, clock: Clock, rounds: int = 20) -> None:
    """Answer ``rounds`` requests of this batch's size in 0.1 s, so the controller knows its peers' latency."""
    for _ in range(rounds):
        flow = batch_flow(job, job.batches[0])
        send = first_send(flow)
        clock.now += 0.1
        assert finish(flow, send) == []


def seed(job: Job) -> None:
    """Peers of this batch's size answered in 10 ms, so it is late after the 50 ms floor; a hedge is in budget."""
    cost = sum(job.costs)
    for _ in range(4):
        job.controller.hedging.sample(cost, 0.01)


def test_a_hinted_429_is_followed_by_a_pause_then_one_probe() -> None:
    clock, client, job, flows, sends = all_out(64, max_concurrency=4)
    clock.now += 0.1
    assert flows[0].send(refused("2")) == Sleep(pytest.approx(2.0))  # type: ignore[comparison-overlap]
    for flow, send in zip(flows[1:], sends[1:], strict=True):
        assert finish(flow, send) == []  # sent before the pause: answered normally
    clock.now += 2.0
    probe = flows[0].send(None)
    assert isinstance(probe, Send)
    later = batch_flow(job, job.batches[1])
    assert isinstance(next(later), Sleep)  # while the probe is out, nobody else goes
    clock.now += 0.1
    assert finish(flows[0], probe) == []
    assert client.controller.counts.pauses == 1


def test_a_concurrency_refusal_retries_on_a_freed_slot_without_pausing_anyone() -> None:
    clock, client, _, flows, sends = all_out(128, max_concurrency=8)
    clock.now += 0.01
    waits = [flow.send(refused()) for flow in flows[4:]]  # served 4, refused the rest
    assert all(isinstance(w, Sleep) and w.seconds <= 0.02 for w in waits)  # a slot poll, not a pause
    clock.now += 0.1
    assert finish(flows[0], sends[0]) == []
    retry = flows[4].send(None)
    assert isinstance(retry, Send)  # the freed slot goes to a refused batch at once
    assert client.controller.counts.concurrency_refusals == 4 and client.controller.counts.pauses == 0


def test_a_hedge_that_wins() -> None:
    clock = Clock()
    client, job = job_of([f"t{i}" for i in range(16)], clock, max_concurrency=4)
    warm(client, job, clock)
    flow = batch_flow(job, job.batches[0])
    send = first_send(flow)
    assert send.hedge_after == pytest.approx(0.2)  # twice its peers' 0.1 s
    clock.now += 0.1
    assert flow.send(OVERDUE) == Wait(pytest.approx(0.1))  # type: ignore[comparison-overlap]
    clock.now += 0.1
    assert isinstance(flow.send(OVERDUE), Hedge)
    assert client.controller.in_flight == 2
    with pytest.raises(StopIteration) as done:
        flow.send(Won(ok(send), copy=True))
    assert done.value.value == []
    assert client.controller.counts.hedges == 1 and client.controller.in_flight == 0
    assert [v[0] for v in job.sink.result()] == [marker(f"t{i}") for i in range(16)]


def test_no_hedge_beyond_the_budget_the_flow_waits_instead() -> None:
    clock = Clock()
    client, job = job_of([f"t{i}" for i in range(16)], clock, max_concurrency=4)
    warm(client, job, clock)  # 20 requests: one hedge to start with, plus 5% of 20
    for expected in (Hedge, Hedge, Wait):  # the third: no hedge, and no more checks (Wait(None))
        flow = batch_flow(job, job.batches[0])
        send = first_send(flow)
        clock.now += 1.0
        assert isinstance(flow.send(OVERDUE), expected)
        clock.now += 0.1
        reply = Won(ok(send), copy=False) if expected is Hedge else ok(send)
        with pytest.raises(StopIteration):
            flow.send(reply)
    assert client.controller.counts.hedges == 2 and client.controller.in_flight == 0


def test_the_retry_budget_running_dry_fails_the_batch_with_its_error() -> None:
    clock = Clock()
    _, job = job_of([f"t{i}" for i in range(16)], clock, max_concurrency=1, max_retries=100, hedge=False)
    flow = batch_flow(job, job.batches[0])
    action: Any = next(flow)
    sent = 0
    with pytest.raises(StopIteration) as done:
        while True:
            if isinstance(action, Send):
                sent += 1
                action = flow.send(httpx.Response(503, json={"message": "down"}))
            else:
                clock.now += action.seconds
                action = flow.send(None)
    assert sent == 1 + RETRY_BURST  # not 1 + max_retries
    [(part, error)] = done.value.value
    assert part == job.batches[0] and isinstance(error, ServerError) and "down" in str(error)


def test_closing_a_flow_mid_request_gives_its_slot_back() -> None:
    clock = Clock()
    client, job = job_of([f"t{i}" for i in range(16)], clock, max_concurrency=1, hedge=False)
    flow = batch_flow(job, job.batches[0])
    first_send(flow)
    assert client.controller.in_flight == 1
    flow.close()  # what the drivers do when an interrupt escapes a request
    assert client.controller.in_flight == 0
    assert isinstance(first_send(batch_flow(job, job.batches[0])), Send)


class KeptInterrupt(KeyboardInterrupt):
    pass


def test_an_interrupt_escaping_the_request_cannot_keep_a_slot() -> None:
    def interrupted(request: httpx.Request) -> httpx.Response:
        raise KeptInterrupt

    clock = Clock()
    client, job = job_of([f"t{i}" for i in range(16)], clock, max_concurrency=1, hedge=False)
    http = httpx.Client(transport=httpx.MockTransport(interrupted))
    with pytest.raises(KeptInterrupt) as kept:
        drive_sync(batch_flow(job, job.batches[0]), http, None, lambda s: None)
    assert kept.value is not None  # the caller keeps the exception (and its traceback)...
    assert client.controller.in_flight == 0  # ...and still the slot came back


def test_the_sync_driver_races_a_copy_and_takes_the_first_answer() -> None:
    api = FakeAPI(dim=8)
    release = threading.Event()
    calls: list[int] = []

    def slow_first(request: httpx.Request, body: dict[str, Any]) -> httpx.Response | None:
        calls.append(1)
        if len(calls) == 1:
            release.wait(5)  # the first copy hangs until the test ends
        return None

    api.faults.append(slow_first)
    client, job = job_of([f"t{i}" for i in range(16)], time.monotonic, max_concurrency=4)
    seed(job)
    try:
        failures = drive_sync(batch_flow(job, job.batches[0]), api.sync(), None, lambda s: None)
    finally:
        release.set()
    assert failures == [] and len(calls) == 2
    assert client.controller.counts.hedges == 1
    assert [v[0] for v in job.sink.result()] == [marker(f"t{i}") for i in range(16)]


class Copies:
    """An async server for one raced request: copy ``n`` answers after ``delays[n]`` s, and a cancelled one is noted."""

    def __init__(self, *delays: float) -> None:
        self.delays = delays
        self.calls = 0
        self.cancelled = asyncio.Event()

    async def handle(self, request: httpx.Request) -> httpx.Response:
        delay = self.delays[self.calls]
        self.calls += 1
        try:
            await asyncio.sleep(delay)
        except asyncio.CancelledError:
            self.cancelled.set()
            raise
        return vectors(request.content)


async def test_the_async_driver_cancels_the_slower_copy() -> None:
    server = Copies(30, 0)
    client, job = job_of([f"t{i}" for i in range(16)], time.monotonic, max_concurrency=4)
    seed(job)
    http = httpx.AsyncClient(transport=httpx.MockTransport(server.handle))
    failures = await drive_async(batch_flow(job, job.batches[0]), http, None, asyncio.sleep)
    assert failures == [] and server.calls == 2
    await asyncio.wait_for(server.cancelled.wait(), 5)  # the slow first copy was cancelled, not left running
    assert client.controller.counts.hedges == 1 and client.controller.in_flight == 0


async def test_a_hedge_that_loses_is_cancelled() -> None:
    server = Copies(0.3, 30)  # late, but the copy is later still
    client, job = job_of([f"t{i}" for i in range(16)], time.monotonic, max_concurrency=4)
    seed(job)
    http = httpx.AsyncClient(transport=httpx.MockTransport(server.handle))
    failures = await drive_async(batch_flow(job, job.batches[0]), http, None, asyncio.sleep)
    assert failures == [] and server.calls == 2
    await asyncio.wait_for(server.cancelled.wait(), 5)
    assert client.controller.counts.hedges == 1 and client.controller.in_flight == 0
    assert [v[0] for v in job.sink.result()] == [marker(f"t{i}") for i in range(16)]


class Unrecorded(Exception):
    pass


def test_an_error_that_is_not_a_transport_error_reaches_the_caller_when_racing() -> None:
    def unrecorded(request: httpx.Request) -> httpx.Response:
        raise Unrecorded("no such recording")  # what a cassette replayer raises

    client, job = job_of([f"t{i}" for i in range(16)], time.monotonic, max_concurrency=4)
    seed(job)  # so the request goes through the racing path
    http = httpx.Client(transport=httpx.MockTransport(unrecorded))
    errors: list[BaseException] = []

    def run() -> None:
        try:
            drive_sync(batch_flow(job, job.batches[0]), http, None, lambda s: None)
        except Unrecorded as exc:
            errors.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(10)
    assert not worker.is_alive(), "the driver waited for a reply that would never come"
    assert len(errors) == 1 and client.controller.in_flight == 0

"""The run loops: sync and async tell one story (progress, aborts), close what they own, and yield to Ctrl-C."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from aiml_embeddings import AuthenticationError, EmbeddingsClient

from ..clock import Clock
from ..fake_api import FakeAPI, status
from .conftest import SECRET

Make = Callable[..., EmbeddingsClient]
ROOT = Path(__file__).resolve().parents[2]


async def test_sync_and_async_report_the_same_progress_when_a_fatal_error_stops_the_rest(
    api: FakeAPI, make: Make
) -> None:
    api.faults.append(status(401))
    texts = [f"t{i}" for i in range(64)]
    seen_sync: list[int] = []
    seen_async: list[int] = []
    with pytest.raises(AuthenticationError) as sync_error:
        make(dimensions=8, max_concurrency=1, batch_size=16).embed(texts, on_progress=seen_sync.append)
    with pytest.raises(AuthenticationError) as async_error:
        await make(dimensions=8, max_concurrency=1, batch_size=16).aembed(texts, on_progress=seen_async.append)
    assert seen_sync == seen_async == [16]  # the batch that ran; the three skipped ones move nothing
    assert sync_error.value.failed_indices == async_error.value.failed_indices == tuple(range(64))


async def test_close_closes_the_async_clients_too_and_aclose_the_sync_one() -> None:
    client = EmbeddingsClient("text-embedding-3-small", api_key=SECRET)
    sync_http = client._sync_http()
    async_http = client._loop_state().http
    client.close()
    assert sync_http.is_closed
    for _ in range(5):
        await asyncio.sleep(0)
    assert async_http.is_closed  # closed on its own loop, which is this one

    again = EmbeddingsClient("text-embedding-3-small", api_key=SECRET)
    sync_http, async_http = again._sync_http(), again._loop_state().http
    await again.aclose()
    assert sync_http.is_closed and async_http.is_closed


async def test_close_leaves_injected_clients_open(api: FakeAPI) -> None:
    sync_http, async_http = api.sync(), api.async_()
    client = EmbeddingsClient(
        "text-embedding-3-small", api_key=SECRET, http_client=sync_http, http_async_client=async_http
    )
    client._loop_state()
    await client.aclose()
    assert not sync_http.is_closed and not async_http.is_closed


def test_a_kept_interrupt_does_not_hold_a_slot_for_the_next_call(api: FakeAPI, clock: Clock) -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            raise KeyboardInterrupt
        return api.respond(request)

    def bounded_sleep(seconds: float) -> None:
        clock.sleep(seconds)
        assert len(clock.slept) < 1000, "waited for a slot that was never given back"

    client = EmbeddingsClient(
        "text-embedding-3-small", api_key=SECRET, dimensions=8, max_concurrency=1, hedge=False,
        http_client=httpx.Client(transport=httpx.MockTransport(handler)), sleep=bounded_sleep, clock=clock,
    )  # fmt: skip
    try:
        client.embed(["a", "b"])
    except KeyboardInterrupt as exc:
        kept = exc  # the caller holds on to it, traceback, frames and all
    assert kept is not None
    assert len(client.embed(["a", "b"])) == 2


CHILD = textwrap.dedent(
    """
    import sys, time, httpx
    from aiml_embeddings import EmbeddingsClient

    def slow(request):
        time.sleep(60)  # a server that answers long after the caller has given up
        return httpx.Response(500)

    client = EmbeddingsClient(
        "text-embedding-3-small", api_key="sk-test", dimensions=8, max_concurrency=4,
        http_client=httpx.Client(transport=httpx.MockTransport(slow)),
    )
    print("started", flush=True)
    try:
        client.embed([f"t{i}" for i in range(640)])
    except KeyboardInterrupt:
        print("interrupted", flush=True)
    """
)


def test_ctrl_c_during_a_multi_batch_embed_lets_the_process_exit_promptly() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "started"
        time.sleep(1.0)  # let the batches reach the server
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=20)  # requests in flight would hold it for 60 s
    finally:
        if child.poll() is None:
            child.kill()
    assert "interrupted" in out, err
    assert child.returncode == 0, err


class _TransportBug(Exception):
    """Not an httpx error: what a custom transport (a replayer, a test double) may raise."""


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_an_error_a_custom_transport_raises_reaches_the_caller_instead_of_hanging(mode: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise _TransportBug("no recorded answer")

    client = EmbeddingsClient(
        api_key=SECRET,
        dimensions=8,
        max_retries=0,
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
        http_async_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
    )
    outcome: list[BaseException] = []

    def call() -> None:
        try:
            client.embed(["a", "b"]) if mode == "sync" else asyncio.run(client.aembed(["a", "b"]))
        except BaseException as exc:
            outcome.append(exc)

    import threading

    worker = threading.Thread(target=call, daemon=True)
    worker.start()
    worker.join(timeout=20)
    assert not worker.is_alive(), "the call hung instead of raising the transport's error"
    assert len(outcome) == 1 and isinstance(outcome[0], _TransportBug)

"""One bounded request (``flow/http.py``): a deadline for the whole attempt, a size cap from the batch.

Each fault here is a server that misbehaves on purpose: it trickles bytes,
pads its answer, sends a gzip bomb or a broken encoding. Every one ends in
a typed error, soon, and without reading the answer whole.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import time
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest

from aiml_embeddings import APITimeoutError, EmbeddingsClient, MalformedResponseError, ServerError

from ..fake_api import FakeAPI, marker, marker_vector
from .conftest import SECRET
from .loopback import serve

Make = Callable[..., EmbeddingsClient]

TRICKLE_BYTES = 200
TRICKLE_GAP = 0.02
"""A trickle of 4 s in all, one byte at a time: far longer than the timeouts below."""


def _answer(texts: list[str], dim: int = 8, **dumps: Any) -> bytes:
    data = [{"object": "embedding", "index": i, "embedding": marker_vector(t, dim)} for i, t in enumerate(texts)]
    return json.dumps({"object": "list", "data": data}, **dumps).encode()


def _trickle() -> Iterator[bytes]:
    for _ in range(TRICKLE_BYTES):
        time.sleep(TRICKLE_GAP)
        yield b" "


async def _atrickle() -> AsyncIterator[bytes]:
    for _ in range(TRICKLE_BYTES):
        await asyncio.sleep(TRICKLE_GAP)
        yield b" "


def test_timeout_bounds_a_trickled_answer_sync(api: FakeAPI, make: Make) -> None:
    api.faults.append(lambda r, b: httpx.Response(200, content=_trickle()))
    started = time.monotonic()
    with pytest.raises(APITimeoutError):
        make(dimensions=8, timeout=0.3, max_retries=0).embed(["a"])
    assert time.monotonic() - started < 2.5  # 0.3 s and a loaded machine's delays, not the 4 s of trickle


async def test_timeout_bounds_a_trickled_answer_async(api: FakeAPI, make: Make) -> None:
    api.faults.append(lambda r, b: httpx.Response(200, content=_atrickle()))
    started = time.monotonic()
    with pytest.raises(APITimeoutError):
        await make(dimensions=8, timeout=0.3, max_retries=0).aembed(["a"])
    assert time.monotonic() - started < 2.5  # 0.3 s and a loaded machine's delays, not the 4 s of trickle


async def test_async_attempts_stop_at_the_deadline_even_before_any_byte(api: FakeAPI) -> None:
    async def silent(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(TRICKLE_BYTES * TRICKLE_GAP)  # answers, but only after 4 s
        return api.respond(request)

    client = EmbeddingsClient(
        api_key=SECRET,
        dimensions=8,
        timeout=0.3,
        max_retries=0,
        http_async_client=httpx.AsyncClient(transport=httpx.MockTransport(silent)),
    )
    started = time.monotonic()
    with pytest.raises(APITimeoutError, match="ReadTimeout"):
        await client.aembed(["a"])
    assert time.monotonic() - started < 2.5  # 0.3 s and a loaded machine's delays, not the 4 s of trickle


@pytest.mark.enable_socket
@pytest.mark.allow_hosts(["127.0.0.1"])
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_timeout_bounds_a_trickle_over_a_real_socket(mode: str) -> None:
    api = FakeAPI(dim=8)
    api.faults.append(lambda r, b: httpx.Response(200, content=_trickle(), headers={"content-length": "9999"}))
    with serve(api) as url:
        client = EmbeddingsClient(base_url=url, api_key=SECRET, dimensions=8, timeout=0.3, max_retries=0)
        started = time.monotonic()
        with pytest.raises(APITimeoutError):
            client.embed(["a"]) if mode == "sync" else asyncio.run(client.aembed(["a"]))
        assert time.monotonic() - started < 2.5  # 0.3 s and a loaded machine's delays, not the 4 s of trickle


def test_none_means_no_timeout_even_with_a_client_that_has_one(api: FakeAPI) -> None:
    injected = httpx.Client(transport=httpx.MockTransport(api.handle), timeout=3.0)
    EmbeddingsClient(api_key=SECRET, dimensions=8, timeout=None, http_client=injected).embed(["a"])
    EmbeddingsClient(api_key=SECRET, dimensions=8, http_client=injected).embed(["a"])
    assert api.requests[0].timeout == {"connect": None, "read": None, "write": None, "pool": None}
    assert api.requests[1].timeout["read"] == 60.0  # not given: the package's default, not the injected client's


def test_a_padded_answer_stops_at_the_cap_without_reading_it_all(api: FakeAPI, make: Make) -> None:
    pulled = []
    megabyte = b" " * (1 << 20)

    def padding() -> Iterator[bytes]:
        yield b'{"data": [], "padding": "'
        for i in range(50):  # 50 MB if read whole
            pulled.append(i)
            yield megabyte

    api.faults.append(lambda r, b: httpx.Response(200, content=padding()))
    with pytest.raises(MalformedResponseError, match="larger than the") as info:
        make(dimensions=8, max_retries=0).embed(["a"])
    assert len(pulled) <= 3
    assert info.value.status_code == 200 and info.value.failed_indices == (0,)


def test_a_gzip_bomb_stops_at_the_cap_in_bounded_memory(api: FakeAPI, make: Make) -> None:
    bomb = gzip.compress(b'{"data": [], "x": "' + b"0" * (60 << 20), compresslevel=9)  # 60 MB from about 60 KB
    assert len(bomb) < 100_000

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(bomb), 16_384):
            yield bomb[start : start + 16_384]

    api.faults.append(lambda r, b: httpx.Response(200, content=chunks(), headers={"content-encoding": "gzip"}))
    client = make(dimensions=8, max_retries=0)
    tracemalloc.start()
    try:
        with pytest.raises(MalformedResponseError, match="larger than the"):
            client.embed(["a"])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 12 << 20, f"peak {peak / 1e6:.0f} MB while refusing a 60 MB answer"


def test_an_honest_pretty_printed_answer_is_within_the_cap(api: FakeAPI, make: Make) -> None:
    from aiml_embeddings.flow.http import answer_cap

    texts = [f"text {i}" for i in range(64)]
    honest = json.dumps(
        {"data": [{"index": i, "embedding": [-0.1234567890123456e-5 + i] * 1536} for i in range(64)]}, indent=8
    ).encode()
    assert len(honest) < answer_cap(64, 1536)
    assert answer_cap(64, 1536) < 16 * len(honest)  # and the cap is not so loose that it bounds nothing
    api.faults.append(lambda r, b: httpx.Response(200, content=iter([_answer(texts, 1536, indent=8)])))
    out = make(max_retries=0, max_concurrency=1).embed(texts)
    assert [v[0] for v in out] == [marker(t) for t in texts]


@pytest.mark.parametrize(
    ("encoding", "pack"),
    [
        ("gzip", lambda body: gzip.compress(body[:100]) + gzip.compress(body[100:])),  # two members
        ("deflate", zlib.compress),
        ("deflate", lambda body: zlib.compress(body)[2:-4]),  # raw deflate, no zlib header, as some servers send
        ("identity", lambda body: body),
    ],
    ids=["gzip-two-members", "deflate", "raw-deflate", "identity"],
)
def test_encoded_answers_are_inflated_right(
    api: FakeAPI, make: Make, encoding: str, pack: Callable[[bytes], bytes]
) -> None:
    texts = ["a", "b", "c"]
    packed = pack(_answer(texts))
    parts = [packed[i : i + 50] for i in range(0, len(packed), 50)]
    api.faults.append(lambda r, b: httpx.Response(200, content=iter(parts), headers={"content-encoding": encoding}))
    out = make(dimensions=8, max_retries=0, batch_size=3).embed(texts)
    assert [v[0] for v in out] == [marker(t) for t in texts]


def test_a_broken_encoding_is_a_malformed_answer_but_an_error_answer_keeps_its_status(api: FakeAPI, make: Make) -> None:
    broken = {"content-encoding": "gzip"}
    api.faults.append(lambda r, b: httpx.Response(200, content=iter([b"not gzip at all"]), headers=broken))
    with pytest.raises(MalformedResponseError, match="cannot be decoded"):
        make(dimensions=8, max_retries=0).embed(["a"])
    api.faults[:] = [lambda r, b: httpx.Response(503, content=iter([b"not gzip either"]), headers=broken)]
    with pytest.raises(ServerError) as info:
        make(dimensions=8, max_retries=0).embed(["a"])
    assert info.value.status_code == 503


def test_a_huge_error_answer_is_read_only_as_far_as_it_matters(api: FakeAPI, make: Make) -> None:
    pulled = []

    def page() -> Iterator[bytes]:
        yield b"<html>Service unavailable"
        for i in range(50):
            pulled.append(i)
            yield b" " * (1 << 20)

    api.faults.append(lambda r, b: httpx.Response(503, content=page()))
    with pytest.raises(ServerError, match="Service unavailable") as info:
        make(dimensions=8, max_retries=0).embed(["a"])
    assert len(pulled) <= 1
    assert len(str(info.value)) < 2000


@pytest.mark.enable_socket
@pytest.mark.allow_hosts(["127.0.0.1"])
def test_the_debug_logging_caveat_holds_as_the_readme_says(caplog: pytest.LogCaptureFixture) -> None:
    """httpcore's DEBUG lines show an echoed key (outside our reach: README says so); ours never do."""
    import logging

    api = FakeAPI(dim=8)
    api.faults.append(
        lambda r, b: httpx.Response(503, json={"message": "busy"}, headers={"x-echo": r.headers["authorization"]})
    )
    caplog.set_level(logging.DEBUG)
    with serve(api) as url, pytest.raises(ServerError):
        EmbeddingsClient(base_url=url, api_key=SECRET, dimensions=8, max_retries=0).embed(["a"])
    ours = [r.getMessage() for r in caplog.records if r.name == "aiml_embeddings"]
    theirs = [r.getMessage() for r in caplog.records if r.name.startswith("httpcore")]
    assert ours and not any(SECRET in line for line in ours)
    assert any(SECRET in line for line in theirs)

"""The benchmark, shrunk to a few hundred texts, so its harness never rots.

It runs our adapters (sync and async), the numpy output and the raw floor
against the loopback server with shuffled ``data``, injected 5xx and
dropped connections, and asserts correctness, never time. Sockets are
allowed to 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Iterator
from typing import Any

import httpx
import numpy as np
import pytest

from aiml_embeddings import EmbeddingsClient
from benchmarks.drivers.common import to_array
from benchmarks.drivers.floor import BUILDERS as FLOOR
from benchmarks.drivers.ours import BUILDERS as OURS
from benchmarks.scenarios import short_texts
from benchmarks.server import Config
from benchmarks.vectors import check, expected
from tests.bench_loopback import Loopback

DIM = 1536
TEXTS = short_texts(300, seed=7)
FAULTY = Config(
    latency_base=0.002, latency_per_1k_tokens=0.0, shuffle=True, error_rate=0.1, drop_rate=0.1, fault_first=4
)

pytestmark = [pytest.mark.enable_socket, pytest.mark.allow_hosts(["127.0.0.1"])]


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Loopback]:
    monkeypatch.setenv("AIMLAPI_API_KEY", "test-aimlapi-key")
    monkeypatch.setenv("BENCH_DIMENSION", str(DIM))
    running = Loopback()
    yield running
    running.close()


def _run(builder: Any, url: str) -> Any:
    result = builder(TEXTS, url + "/v1")()
    return asyncio.run(result) if inspect.iscoroutine(result) else result


CLIENTS = [
    *(("ours", name) for name in ("ours-langchain-sync", "ours-langchain-async", "ours-llamaindex-sync")),
    ("ours", "ours-llamaindex-async"),
    ("ours", "ours-core-numpy"),
    ("floor", "raw-httpx-floor"),
    ("floor", "raw-httpx-floor-list"),
]


@pytest.mark.parametrize(("family", "client"), CLIENTS, ids=[c for _, c in CLIENTS])
def test_every_vector_right_through_faults_and_shuffle(server: Loopback, family: str, client: str) -> None:
    server.configure(FAULTY)
    builder = (OURS if family == "ours" else FLOOR)[client]
    vectors = to_array(_run(builder, server.url), len(TEXTS), DIM)
    verdict = check(TEXTS, vectors, DIM)
    stats = server.bench.stats
    assert verdict.ok, verdict
    assert verdict.right == len(TEXTS)
    assert stats.injected_5xx >= 2 and stats.dropped >= 2, "the forced faults never reached the client"
    assert stats.answered_200 >= 1


def test_inworld_through_the_core(server: Loopback) -> None:
    server.configure(Config(latency_base=0.0, latency_per_1k_tokens=0.0, fault_first=2))
    client = EmbeddingsClient(
        "sentence-transformers/paraphrase-multilingual-mpnet-base-v2", base_url=server.url, api_key="test-inworld-key"
    )
    vectors = client.embed(TEXTS[:50], output="numpy")
    assert check(TEXTS[:50], vectors, 768).right == 50


def test_checker_fails_a_misplaced_result() -> None:
    right = expected(TEXTS, DIM)
    assert check(TEXTS, right, DIM).ok
    swapped = right.copy()
    swapped[[3, 4]] = swapped[[4, 3]]
    verdict = check(TEXTS, swapped, DIM)
    assert not verdict.ok
    assert (verdict.misplaced, verdict.right) == (2, len(TEXTS) - 2)
    doubled = right.copy()
    doubled[5] = doubled[6]
    assert check(TEXTS, doubled, DIM).duplicated == 1
    lost = to_array([*right[:-1].tolist(), None], len(TEXTS), DIM)
    assert check(TEXTS, lost, DIM).lost == 1
    short = to_array([row[:10] for row in right.tolist()], len(TEXTS), DIM)
    assert check(TEXTS, short, DIM).corrupt == len(TEXTS)


def test_server_enforces_the_api_rules(server: Loopback) -> None:
    server.configure(Config(latency_base=0.0, max_inputs=4, max_tokens=50, requests_per_minute=60, burst_seconds=1.0,
                            retry_after=True))  # fmt: skip
    url = server.url + "/v1/embeddings"
    auth = {"Authorization": "Bearer test-aimlapi-key"}
    with httpx.Client() as http:
        assert http.post(url, json={"model": "text-embedding-3-small", "input": "x"}).status_code == 401
        too_many = http.post(url, headers=auth, json={"model": "text-embedding-3-small", "input": ["a"] * 5})
        assert too_many.status_code == 400
        too_long = http.post(url, headers=auth, json={"model": "text-embedding-3-small", "input": "word " * 100})
        assert too_long.status_code == 400 and "max 50 tokens" in too_long.json()["message"]
        ok = http.post(
            url, headers=auth, json={"model": "text-embedding-3-small", "input": ["b", "a"], "dimensions": 8}
        )
        assert ok.status_code == 200
        floats = np.array([item["embedding"] for item in sorted(ok.json()["data"], key=lambda d: d["index"])])
        assert check(["b", "a"], floats.astype(np.float32), 8).ok
        limited = http.post(url, headers=auth, json={"model": "text-embedding-3-small", "input": "c"})
        assert limited.status_code == 429 and limited.headers["retry-after"] == "1"
    assert server.bench.stats.rate_limited_429 == 1

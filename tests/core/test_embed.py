"""The client end to end against the in-process fake API: order, shape, batching, roles, settings."""

from __future__ import annotations

import asyncio
import pickle
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiml_embeddings import MODELS, EmbeddingsClient, Role

from ..fake_api import FakeAPI, marker, texts_in

Make = Callable[..., EmbeddingsClient]


def texts_of(n: int) -> list[str]:
    return [f"text number {i} " + "x" * (i % 13) for i in range(n)]


def test_vectors_come_back_in_input_order_when_data_is_shuffled(api: FakeAPI, make: Make) -> None:
    api.shuffle = True
    texts = texts_of(1000)
    out = make(dimensions=8).embed(texts)
    assert [v[0] for v in out] == [marker(t) for t in texts]
    assert all(len(v) == 8 for v in out)


async def test_async_matches_sync_and_keeps_order(api: FakeAPI, make: Make) -> None:
    api.shuffle = True
    texts = texts_of(300)
    client = make(dimensions=8)
    assert await client.aembed(texts) == client.embed(texts)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    sizes=st.lists(st.integers(min_value=1, max_value=400), min_size=1, max_size=60),
    batch_size=st.integers(min_value=1, max_value=64),
    concurrency=st.integers(min_value=1, max_value=6),
)
def test_any_sizes_return_every_input_once_in_order(sizes: list[int], batch_size: int, concurrency: int) -> None:
    api = FakeAPI(shuffle=True)
    texts = [f"{i}:" + "w " * size for i, size in enumerate(sizes)]
    client = EmbeddingsClient(
        "alibaba/qwen-text-embedding-v3",
        api_key="k",
        dimensions=64,
        batch_size=batch_size,
        max_concurrency=concurrency,
        http_client=api.sync(),
    )
    out = client.embed(texts)
    assert [v[0] for v in out] == [marker(t) for t in texts]
    sent = [t for body in api.requests for t in texts_in(body)]
    assert sorted(sent) == sorted(texts)
    assert all(len(texts_in(body)) <= min(batch_size, 10) for body in api.requests)


def test_a_2000_text_job_is_spread_over_the_concurrency(api: FakeAPI, make: Make) -> None:
    make(dimensions=8, max_concurrency=8).embed(texts_of(2000))
    assert len(api.requests) == 8
    assert {len(texts_in(b)) for b in api.requests} == {250}


def test_token_budget_splits_long_texts(api: FakeAPI, make: Make) -> None:
    long_text = "word " * 1200  # 6,000 bytes, about 1,500 real tokens
    texts = [f"{i} {long_text}" for i in range(400)]
    make(dimensions=8, max_concurrency=1).embed(texts)
    budget = MODELS["text-embedding-3-small"].max_tokens
    for body in api.requests:
        assert sum(len(t.encode()) // 3 + 1 for t in texts_in(body)) <= budget
    assert len(api.requests) > 1


def test_empty_list_makes_no_request(api: FakeAPI, make: Make) -> None:
    assert make().embed([]) == []
    assert asyncio.run(make().aembed([])) == []
    assert api.requests == []


def test_numpy_output_is_float32_in_order(api: FakeAPI, make: Make) -> None:
    api.shuffle = True
    texts = texts_of(100)
    arr = make(dimensions=8).embed(texts, output="numpy")
    assert isinstance(arr, np.ndarray)
    assert arr.dtype == np.float32 and arr.shape == (100, 8)
    assert arr[:, 0].tolist() == [marker(t) for t in texts]


def test_float_lists_are_accepted_where_base64_is_not_asked(api: FakeAPI, make: Make) -> None:
    out = make("voyage-2").embed(["a", "b"])
    assert "encoding_format" not in api.requests[0]
    assert [v[0] for v in out] == [marker("a"), marker("b")] and len(out[0]) == 1024


@pytest.mark.parametrize(
    ("model", "doc_params", "query_params", "query_prefix"),
    [
        ("textembedding-gecko@003", {"task_type": "RETRIEVAL_DOCUMENT"}, {"task_type": "RETRIEVAL_QUERY"}, ""),
        ("voyage-law-2", {"input_type": "document"}, {}, ""),
        ("BAAI/bge-base-en-v1.5", {}, {}, "Represent this sentence for searching relevant passages: "),
        ("text-embedding-3-small", {"encoding_format": "base64"}, {"encoding_format": "base64"}, ""),
    ],
)
def test_roles_reach_the_request(
    api: FakeAPI, make: Make, model: str, doc_params: dict[str, str], query_params: dict[str, str], query_prefix: str
) -> None:
    client = make(model)
    client.embed(["doc one", "doc two"], "document")
    client.embed(["the query"], "query")
    doc_body, query_body = api.requests
    assert {k: v for k, v in doc_body.items() if k not in ("model", "input")} == doc_params
    assert {k: v for k, v in query_body.items() if k not in ("model", "input")} == query_params
    assert doc_body["input"] == ["doc one", "doc two"]
    assert query_body["input"] == query_prefix + "the query"


def test_role_override_reaches_the_request(api: FakeAPI, make: Make) -> None:
    client = make("text-multilingual-embedding-002", roles={"query": Role(params={"task_type": "QUESTION_ANSWERING"})})
    client.embed(["q"], "query")
    assert api.requests[0]["task_type"] == "QUESTION_ANSWERING"


def test_settings_reach_the_request(api: FakeAPI, make: Make) -> None:
    client = make(dimensions=256, default_headers={"X-Trace": "t-1"}, timeout=12.5)
    client.embed(["a"])
    assert api.requests[0]["dimensions"] == 256
    assert api.requests[0].headers["x-trace"] == "t-1"
    assert api.requests[0].timeout["read"] == 12.5


def test_batch_size_caps_inputs_per_request(api: FakeAPI, make: Make) -> None:
    make(dimensions=8, batch_size=5, max_concurrency=2).embed(texts_of(23))
    assert [len(texts_in(b)) for b in api.requests] and max(len(texts_in(b)) for b in api.requests) == 5
    assert sum(len(texts_in(b)) for b in api.requests) == 23


def test_sync_concurrency_is_bounded_across_caller_threads(api: FakeAPI, make: Make) -> None:
    from concurrent.futures import ThreadPoolExecutor

    client = make(dimensions=8, max_concurrency=3, batch_size=16)
    with ThreadPoolExecutor(6) as pool:
        list(pool.map(lambda _: client.embed(texts_of(200)), range(6)))
    assert 1 < api.max_in_flight <= 3


async def test_async_concurrency_is_bounded_when_callers_gather(api: FakeAPI, make: Make) -> None:
    client = make(dimensions=8, max_concurrency=4, batch_size=16)
    results = await asyncio.gather(*(client.aembed(texts_of(100)) for _ in range(10)))
    assert len(results) == 10 and all(len(r) == 100 for r in results)
    assert 1 < api.max_in_flight <= 4


def test_progress_reports_every_input_once(api: FakeAPI, make: Make) -> None:
    seen: list[int] = []
    make(dimensions=8).embed(texts_of(500), on_progress=seen.append)
    assert sum(seen) == 500 and len(seen) == len(api.requests)


def test_empty_inputs_zeros_policy_keeps_length_and_skips_the_request(api: FakeAPI, make: Make) -> None:
    out = make(dimensions=8, empty_inputs="zeros").embed(["a", "", "  ", "b"])
    assert len(out) == 4
    assert out[1] == [0.0] * 8 and out[2] == [0.0] * 8
    assert out[0][0] == marker("a") and out[3][0] == marker("b")
    assert texts_in(api.requests[0]) == ["a", "b"]


def test_truncate_clips_long_inputs_to_the_context(api: FakeAPI, make: Make) -> None:
    client = make("BAAI/bge-base-en-v1.5", truncate=True)
    out = client.embed(["short", "long " * 2000])
    assert len(out) == 2
    sent = texts_in(api.requests[0])
    assert sent[0] == "short"
    assert len(sent[1].encode()) // 3 + 1 <= 512 and sent[1] != "long " * 2000


def test_inworld_end_to_end(api: FakeAPI, make: Make) -> None:
    client = make("sentence-transformers/paraphrase-multilingual-mpnet-base-v2", api_key="a2V5OnNlY3JldA==")
    out = client.embed(["hola", "hello"])
    assert [v[0] for v in out] == [marker("hola"), marker("hello")] and len(out[0]) == 768
    assert api.requests[0]["model"]["serviceProvider"] == "SERVICE_PROVIDER_INWORLD"
    assert api.requests[0].headers["authorization"] == "Basic a2V5OnNlY3JldA=="


def test_unknown_model_is_sent_as_is_and_learns_its_dimension(
    api: FakeAPI, make: Make, caplog: pytest.LogCaptureFixture
) -> None:
    client = make("text-embedding-3-smal")
    assert "text-embedding-3-small" in caplog.text
    out = client.embed(["a", "b"])
    assert api.requests[0] == {"model": "text-embedding-3-smal", "input": ["a", "b"]}
    assert len(out) == 2 and len(out[0]) == api.dim


def test_client_pickles_and_works_after(api: FakeAPI, make: Make) -> None:
    client = make(dimensions=8)
    client.embed(["warm up"])
    clone = pickle.loads(pickle.dumps(client))
    assert clone.model == client.model and clone.dimensions == 8
    assert clone._http is None  # rebuilt lazily, not carried over


def test_no_answer_is_huge_at_full_dimension(api: FakeAPI, make: Make) -> None:
    make(max_concurrency=8).embed(texts_of(2000))  # 1536 values a vector
    per_request = [len(texts_in(b)) for b in api.requests]
    assert max(per_request) * 1536 <= 400_000
    assert len(api.requests) % 8 == 0  # whole waves: no round trip with idle slots

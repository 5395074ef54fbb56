"""Every setting reaches the wire, over an injected MockTransport (no cassette needed)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest

from aiml_embeddings import Role
from llama_index_aiml_embeddings import AIMLEmbedding

from ..fake_api import FakeAPI
from .conftest import SECRET

Make = Callable[..., AIMLEmbedding]


def test_documents_go_in_one_batched_request(make: Make, api: FakeAPI) -> None:
    texts = [f"text number {i}" for i in range(200)]
    vectors = make(max_concurrency=1).get_text_embedding_batch(texts)
    assert len(api.requests) == 1, "LlamaIndex's default of 10 per call would have made 20 requests"
    assert api.texts() == [texts]
    assert len(vectors) == 200 and all(len(v) == 1536 for v in vectors)


def test_embed_batch_size_caps_the_inputs_per_request(make: Make, api: FakeAPI) -> None:
    texts = [f"text {i}" for i in range(25)]
    make(embed_batch_size=10, max_concurrency=1).get_text_embedding_batch(texts)
    assert [len(t) for t in api.texts()] == [10, 10, 5]
    assert [t for batch in api.texts() for t in batch] == texts


def test_dimensions_reach_the_body_and_shape_the_vectors(make: Make, api: FakeAPI) -> None:
    vector = make(dimensions=256).get_text_embedding("hello")
    assert api.requests[0]["dimensions"] == 256
    assert len(vector) == 256


def test_no_dimensions_sent_when_unset(make: Make, api: FakeAPI) -> None:
    make().get_text_embedding("hello")
    assert "dimensions" not in api.requests[0]


@pytest.mark.parametrize(
    ("model", "document_body", "query_body", "query_text"),
    [
        ("text-multilingual-embedding-002", {"task_type": "RETRIEVAL_DOCUMENT"}, {"task_type": "RETRIEVAL_QUERY"}, "q"),
        ("voyage-2", {"input_type": "document"}, {}, "q"),
        ("BAAI/bge-base-en-v1.5", {}, {}, "Represent this sentence for searching relevant passages: q"),
        ("text-embedding-3-small", {}, {}, "q"),
    ],
)
def test_queries_and_documents_get_the_model_role(
    make: Make, api: FakeAPI, model: str, document_body: dict[str, str], query_body: dict[str, str], query_text: str
) -> None:
    embed = make(model)
    embed.get_text_embedding_batch(["d"])
    embed.get_query_embedding("q")
    doc, query = api.requests
    for key in ("task_type", "input_type"):
        assert doc.get(key) == document_body.get(key)
        assert query.get(key) == query_body.get(key)
    assert doc["input"] == "d"
    assert query["input"] == query_text


def test_role_override_reaches_the_request(make: Make, api: FakeAPI) -> None:
    embed = make(
        "text-multilingual-embedding-002",
        roles={"query": Role(params={"task_type": "QUESTION_ANSWERING"}), "document": {"params": {}}},
    )
    embed.get_query_embedding("q")
    embed.get_text_embedding("d")
    assert api.requests[0]["task_type"] == "QUESTION_ANSWERING"
    assert "task_type" not in api.requests[1]


async def test_async_hooks_use_the_async_client_and_roles(make: Make, api: FakeAPI) -> None:
    embed = make("text-multilingual-embedding-002")
    query = await embed.aget_query_embedding("who plays records")
    doc = await embed.aget_text_embedding("Laura plays records")
    batch = await embed.aget_text_embedding_batch(["a b", "c d"])
    assert [len(v) for v in (query, doc, *batch)] == [768] * 4
    assert [r.get("task_type") for r in api.requests] == ["RETRIEVAL_QUERY", "RETRIEVAL_DOCUMENT", "RETRIEVAL_DOCUMENT"]


def test_headers_reach_the_request_and_the_key_is_the_bearer(make: Make, api: FakeAPI) -> None:
    make(default_headers={"X-Trace": "abc"}).get_text_embedding("hello")
    assert api.requests[0].headers["x-trace"] == "abc"
    assert api.requests[0].headers["authorization"] == f"Bearer {SECRET}"


def test_timeout_reaches_the_request(make: Make, api: FakeAPI) -> None:
    make(timeout=7.5).get_text_embedding("hello")
    assert api.requests[0].timeout == httpx.Timeout(7.5).as_dict()


def test_base_url_reaches_the_request(make: Make, api: FakeAPI) -> None:
    make(base_url="https://proxy.example/v1/").get_text_embedding("hello")
    assert [r.url for r in api.requests] == ["https://proxy.example/v1/embeddings"]


def test_inworld_model_goes_to_inworld(api: FakeAPI) -> None:
    embed = AIMLEmbedding(
        model_name="sentence-transformers/paraphrase-multilingual-mpnet-base-v2",
        api_key="test-inworld-key",
        http_client=api.sync(),
    )
    vectors = embed.get_text_embedding_batch(["hola", "adiós"])
    assert [r.url for r in api.requests] == ["https://api.inworld.ai/ml/v1alpha/embedding:embed"]
    assert api.requests[0].headers["authorization"] == "Basic test-inworld-key"
    assert len(vectors) == 2 and len(vectors[0]) == 768


def test_unknown_model_is_sent_as_is(make: Make, api: FakeAPI) -> None:
    vector = make("acme/new-embedder-v9").get_text_embedding("hello")
    assert api.requests[0] == {"model": "acme/new-embedder-v9", "input": "hello"}
    assert len(vector) == 8


def test_concurrency_is_bounded_in_sync_calls(make: Make, api: FakeAPI) -> None:
    api.hold = 0.02
    vectors = make(embed_batch_size=2, max_concurrency=3).get_text_embedding_batch([f"t {i}" for i in range(40)])
    assert len(vectors) == 40
    assert api.max_in_flight <= 3


async def test_concurrency_is_bounded_when_llamaindex_gathers_many_calls(make: Make, api: FakeAPI) -> None:
    """aget_text_embedding_batch gathers one coroutine per embed_batch_size slice, all at once."""
    api.hold = 0.02
    embed = make(embed_batch_size=1, max_concurrency=3)
    texts = [f"text {i}" for i in range(30)]
    vectors = await embed.aget_text_embedding_batch(texts)
    assert len(api.requests) == 30
    assert 1 < api.max_in_flight <= 3
    assert vectors == [embed.get_text_embedding(t) for t in texts]


async def test_concurrency_bound_is_shared_by_separate_gathered_calls(make: Make, api: FakeAPI) -> None:
    api.hold = 0.02
    embed = make(max_concurrency=2)
    await asyncio.gather(*(embed.aget_text_embedding(f"text {i}") for i in range(12)))
    assert 1 < api.max_in_flight <= 2


def test_show_progress_bar_moves_and_results_stay_in_order(
    make: Make, api: FakeAPI, capsys: pytest.CaptureFixture[str]
) -> None:
    texts = [f"alpha {i}" for i in range(5)]
    vectors = make(embed_batch_size=2).get_text_embedding_batch(texts, show_progress=True)
    err = capsys.readouterr().err
    assert "Generating embeddings" in err and "5/5" in err
    assert vectors == [make().get_text_embedding(t) for t in texts]


def test_changing_a_setting_after_construction_takes_effect(make: Make, api: FakeAPI) -> None:
    embed = make()
    embed.dimensions = 64
    assert len(embed.get_text_embedding("hello")) == 64
    assert api.requests[0]["dimensions"] == 64


def test_empty_inputs_zeros_answers_blank_texts_without_sending_them(make: Make, api: FakeAPI) -> None:
    vectors = make(empty_inputs="zeros").get_text_embedding_batch(["hello", " ", "world"])
    assert api.texts() == [["hello", "world"]]
    assert vectors[1] == [0.0] * 1536 and any(vectors[0]) and any(vectors[2])


def test_truncate_clips_an_over_long_text_before_sending(make: Make, api: FakeAPI) -> None:
    long_text = "word " * 40_000
    make(truncate=True).get_text_embedding(long_text)
    sent = api.requests[0]["input"]
    assert 0 < len(sent) < len(long_text)


def test_quota_settings_reach_the_controller(make: Make) -> None:
    controller = make(requests_per_minute=60, tokens_per_minute=6000).client.controller
    assert not isinstance(controller.admit(6000), float)
    assert isinstance(controller.admit(10), float)


def test_quota_set_after_construction_reaches_the_controller(make: Make) -> None:
    embed = make()
    embed.requests_per_minute = 60
    assert embed.client.requests_per_minute == 60
    assert embed.client.controller.requests_per_minute == 60
    assert not isinstance(embed.client.controller.admit(1), float)

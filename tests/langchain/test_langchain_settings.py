"""Each setting of ``AIMLEmbeddings`` reaches the request (checked on the wire via MockTransport)."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from aiml_embeddings import MODELS, Role
from langchain_aiml_embeddings import AIMLEmbeddings

from ..fake_api import FakeAPI, status

pytestmark = pytest.mark.usefixtures("keys")


def make(fake_api: FakeAPI, **settings: Any) -> AIMLEmbeddings:
    return AIMLEmbeddings(http_client=fake_api.sync(), http_async_client=fake_api.async_(), **settings)


def test_documents_come_back_in_input_order(fake_api: FakeAPI) -> None:
    texts = ["alpha", "beta", "gamma", "delta"]
    emb = make(fake_api, batch_size=3)
    vectors = emb.embed_documents(texts)
    # The fake answers each batch out of index order; one vector per text, in the caller's order.
    single = [make(FakeAPI()).embed_query(t) for t in texts]
    assert vectors == single
    assert len(vectors[0]) == MODELS["text-embedding-3-small"].dimension


def test_model_and_url(fake_api: FakeAPI) -> None:
    make(fake_api, model="BAAI/bge-base-en-v1.5").embed_documents(["a text"])
    (request,) = fake_api.requests
    assert request.url == "https://api.aimlapi.com/v1/embeddings"
    assert fake_api.requests[0]["model"] == "BAAI/bge-base-en-v1.5"


def test_base_url(fake_api: FakeAPI) -> None:
    make(fake_api, base_url="https://proxy.example/v1/").embed_query("q")
    assert fake_api.requests[0].url == "https://proxy.example/v1/embeddings"


def test_base_url_from_environment(fake_api: FakeAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIMLAPI_BASE_URL", "https://gateway.example/v1")
    make(fake_api).embed_query("q")
    assert fake_api.requests[0].url == "https://gateway.example/v1/embeddings"


def test_dimensions(fake_api: FakeAPI) -> None:
    emb = make(fake_api, dimensions=64)
    vectors = emb.embed_documents(["one", "two"])
    assert {b["dimensions"] for b in fake_api.requests} == {64}
    assert [len(v) for v in vectors] == [64, 64]


def test_dimensions_absent_unless_set(fake_api: FakeAPI) -> None:
    make(fake_api).embed_query("q")
    assert "dimensions" not in fake_api.requests[0]


def test_default_roles_google(fake_api: FakeAPI) -> None:
    emb = make(fake_api, model="text-multilingual-embedding-002")
    emb.embed_documents(["a document"])
    emb.embed_query("a query")
    assert [b["task_type"] for b in fake_api.requests] == ["RETRIEVAL_DOCUMENT", "RETRIEVAL_QUERY"]


def test_default_roles_bge_prefix_on_queries_only(fake_api: FakeAPI) -> None:
    emb = make(fake_api, model="BAAI/bge-base-en-v1.5")
    emb.embed_documents(["a document"])
    emb.embed_query("a query")
    prefix = MODELS["BAAI/bge-base-en-v1.5"].query_prefix
    assert prefix
    assert fake_api.texts() == [["a document"], [prefix + "a query"]]


def test_default_roles_voyage_documents_only(fake_api: FakeAPI) -> None:
    emb = make(fake_api, model="voyage-2")
    emb.embed_documents(["a document"])
    emb.embed_query("a query")
    doc, query = fake_api.requests
    assert doc["input_type"] == "document"
    assert "input_type" not in query


def test_role_override(fake_api: FakeAPI) -> None:
    emb = make(
        fake_api,
        model="text-multilingual-embedding-002",
        roles={"query": {"params": {"task_type": "QUESTION_ANSWERING"}}, "document": Role(prefix="doc: ")},
    )
    emb.embed_documents(["a document"])
    emb.embed_query("a query")
    doc, query = fake_api.requests
    assert query["task_type"] == "QUESTION_ANSWERING"
    assert doc["input"] == "doc: a document"
    assert "task_type" not in doc  # the override replaces the default role, it does not merge


def test_role_override_checked_against_model(fake_api: FakeAPI) -> None:
    with pytest.raises(ValueError, match="does not accept the parameter 'task_type'"):
        make(fake_api, roles={"query": {"params": {"task_type": "RETRIEVAL_QUERY"}}})
    with pytest.raises(ValueError, match="query"):
        make(fake_api, roles={"search": {"prefix": "x"}})
    assert fake_api.requests == []


def test_default_headers(fake_api: FakeAPI) -> None:
    make(fake_api, default_headers={"X-Trace-Id": "trace-123"}).embed_query("q")
    assert fake_api.requests[0].headers["x-trace-id"] == "trace-123"


def test_key_and_auth_header(fake_api: FakeAPI) -> None:
    make(fake_api, api_key="test-explicit-key").embed_query("q")
    assert fake_api.requests[0].headers["authorization"] == "Bearer test-explicit-key"


def test_timeout(fake_api: FakeAPI) -> None:
    make(fake_api, timeout=7.5).embed_query("q")
    assert fake_api.requests[0].timeout == {"connect": 7.5, "read": 7.5, "write": 7.5, "pool": 7.5}


async def test_timeout_async(fake_api: FakeAPI) -> None:
    await make(fake_api, timeout=3.0).aembed_query("q")
    assert fake_api.requests[0].timeout["read"] == 3.0


def test_batch_size(fake_api: FakeAPI) -> None:
    make(fake_api, batch_size=2, max_concurrency=1).embed_documents(["a", "b", "c", "d", "e"])
    assert sorted(len(i) for i in fake_api.texts()) == [1, 2, 2]


def test_max_retries(fake_api: FakeAPI) -> None:
    fake_api.faults.append(status(500, body={"message": "boom", "statusCode": 500}))
    emb = make(fake_api, max_retries=2)
    emb.client._sleep = lambda seconds: None  # no test waits on backoff
    with pytest.raises(Exception, match="boom"):
        emb.embed_query("q")
    assert len(fake_api.requests) == 3  # one try and two retries


def test_concurrency_bound_sync(fake_api: FakeAPI) -> None:
    fake_api.hold = 0.05
    make(fake_api, batch_size=1, max_concurrency=3).embed_documents([f"text {i}" for i in range(9)])
    assert len(fake_api.requests) == 9
    assert fake_api.max_in_flight == 3


async def test_concurrency_bound_async(fake_api: FakeAPI) -> None:
    fake_api.hold = 0.02
    await make(fake_api, batch_size=1, max_concurrency=2).aembed_documents([f"text {i}" for i in range(6)])
    assert len(fake_api.requests) == 6
    assert fake_api.max_in_flight == 2


async def test_async_is_truly_async(fake_api: FakeAPI) -> None:
    """Every async request runs on the event loop's thread, through the injected AsyncClient."""
    emb = make(fake_api, batch_size=1)
    docs = await emb.aembed_documents(["a", "b", "c"])
    query = await emb.aembed_query("q")
    assert len(docs) == 3 and len(query) == MODELS["text-embedding-3-small"].dimension
    assert {request.thread for request in fake_api.requests} == {threading.get_ident()}


def test_inworld_model(fake_api: FakeAPI) -> None:
    model = "sentence-transformers/paraphrase-multilingual-mpnet-base-v2"
    emb = make(fake_api, model=model)
    assert emb.api_key is not None and emb.api_key.get_secret_value() == "test-inworld-key"
    vectors = emb.embed_documents(["hallo", "welt"])
    (request,) = fake_api.requests
    assert request.url == "https://api.inworld.ai/ml/v1alpha/embedding:embed"
    assert request.headers["authorization"] == "Basic test-inworld-key"
    assert [len(v) for v in vectors] == [MODELS[model].dimension] * 2


def test_every_listed_model_embeds(fake_api: FakeAPI) -> None:
    for model, spec in MODELS.items():
        vector = make(fake_api, model=model).embed_query("q")
        assert len(vector) == spec.dimension, model
    assert len(fake_api.requests) == len(MODELS)


def test_setting_change_rebuilds_the_client(fake_api: FakeAPI) -> None:
    emb = make(fake_api)
    emb.dimensions = 32
    assert len(emb.embed_query("q")) == 32
    with pytest.raises(ValueError, match=r"outside 1\.\.1536"):
        emb.dimensions = 5000
    assert emb.dimensions == 32 and emb.client.dimensions == 32  # a rejected change leaves both as they were


def test_model_name_alias() -> None:
    assert AIMLEmbeddings(model_name="voyage-2").model == "voyage-2"


def test_model_copy_with_update_rebuilds(fake_api: FakeAPI) -> None:
    emb = make(fake_api)
    smaller = emb.model_copy(update={"dimensions": 12})
    assert len(smaller.embed_query("q")) == 12
    assert len(emb.embed_query("q")) == MODELS["text-embedding-3-small"].dimension
    with pytest.raises(ValueError, match="outside"):
        emb.model_copy(update={"dimensions": 0})


def test_model_validate_builds_the_client_on_first_use(fake_api: FakeAPI) -> None:
    emb = AIMLEmbeddings.model_validate({"model": "voyage-2", "http_client": fake_api.sync()})
    assert len(emb.embed_query("q")) == MODELS["voyage-2"].dimension


def test_quota_settings_reach_the_controller(fake_api: FakeAPI) -> None:
    emb = make(fake_api, requests_per_minute=60, tokens_per_minute=6000)
    controller = emb.client.controller
    assert not isinstance(controller.admit(6000), float)  # the first minute's tokens are there...
    assert isinstance(controller.admit(10), float)  # ...and then the next request waits instead of drawing a 429

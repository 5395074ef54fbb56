"""What users arriving from ``OpenAIEmbeddings`` type and count: ``chunk_size``, ``usage``, ``cache_namespace``,
``close()``; and the install hint when LangChain is missing."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from langchain_classic.embeddings import CacheBackedEmbeddings
from langchain_core.stores import InMemoryByteStore

from aiml_embeddings import Usage
from langchain_aiml_embeddings import AIMLEmbeddings
from tests.python_subprocess import SOCKET_SCRIPT, run_python, socket_warnings

from ..fake_api import FakeAPI

pytestmark = pytest.mark.usefixtures("keys")


def make(fake_api: FakeAPI, **settings: Any) -> AIMLEmbeddings:
    return AIMLEmbeddings(http_client=fake_api.sync(), http_async_client=fake_api.async_(), **settings)


def test_chunk_size_is_batch_size(fake_api: FakeAPI) -> None:
    emb = make(fake_api, chunk_size=2, max_concurrency=1)
    assert emb.batch_size == 2
    emb.embed_documents(["a", "b", "c", "d", "e"])
    assert sorted(len(i) for i in fake_api.texts()) == [1, 2, 2]


def test_chunk_size_and_batch_size_together_are_refused() -> None:
    with pytest.raises(ValueError, match="not both"):
        AIMLEmbeddings(chunk_size=2, batch_size=3)


async def test_usage_counts_every_call(fake_api: FakeAPI) -> None:
    emb = make(fake_api)
    emb.embed_documents(["a", "b", "a"])
    emb.embed_query("q")
    await emb.aembed_documents(["c"])
    assert emb.usage == Usage(requests=3, inputs=4, deduplicated=1, prompt_tokens=3)  # a token a request, the fake says
    assert emb.usage == emb.client.usage


def test_dedupe_false_sends_the_repeats(fake_api: FakeAPI) -> None:
    make(fake_api, dedupe=False).embed_documents(["a", "a"])
    assert fake_api.texts() == [["a", "a"]]


def test_cache_namespace_follows_model_dimensions_and_roles(fake_api: FakeAPI) -> None:
    base = make(fake_api, dimensions=32)
    assert base.cache_namespace == make(fake_api, dimensions=32, api_key="test-rotated-key").cache_namespace
    others = [
        make(fake_api, dimensions=16),
        make(fake_api, model="text-embedding-3-large", dimensions=32),
        make(fake_api, dimensions=32, roles={"document": {"prefix": "passage: "}}),
    ]
    assert len({base.cache_namespace, *(o.cache_namespace for o in others)}) == 4


def test_a_change_of_dimensions_misses_the_cache(fake_api: FakeAPI) -> None:
    store = InMemoryByteStore()

    def cached(emb: AIMLEmbeddings) -> CacheBackedEmbeddings:
        return CacheBackedEmbeddings.from_bytes_store(emb, store, namespace=emb.cache_namespace, key_encoder="sha256")

    wide = make(fake_api, dimensions=32)
    first = cached(wide).embed_documents(["red", "blue"])
    assert cached(wide).embed_documents(["red", "blue"]) == first
    assert len(fake_api.requests) == 1, "the second call is answered by the cache"
    narrow = cached(make(fake_api, dimensions=16)).embed_documents(["red", "blue"])
    assert len(fake_api.requests) == 2 and [len(v) for v in narrow] == [16, 16]


def test_close_and_context_managers_close_the_core_client(fake_api: FakeAPI) -> None:
    with AIMLEmbeddings() as emb:
        http = emb.client._sync_http()  # the connection pool the core opens for the first request
    assert http.is_closed

    async def in_a_loop() -> None:
        async with AIMLEmbeddings() as emb:
            state = emb.client._loop_state()
        assert state.http.is_closed

    asyncio.run(in_a_loop())


def test_a_changed_setting_closes_the_replaced_client() -> None:
    emb = AIMLEmbeddings()
    old, http = emb.client, emb.client._sync_http()
    emb.max_retries = 1
    assert emb.client is not old and http.is_closed


def test_injected_clients_stay_open(fake_api: FakeAPI) -> None:
    emb = make(fake_api)
    emb.embed_query("q")
    emb.close()
    assert emb.http_client is not None and not emb.http_client.is_closed


def test_a_script_that_closes_leaves_no_socket_open() -> None:
    result = run_python(
        SOCKET_SCRIPT.format(
            imports="from langchain_aiml_embeddings import AIMLEmbeddings",
            make='AIMLEmbeddings(api_key="test-aimlapi-key", base_url=url + "/v1")',
            use='assert len(emb.embed_documents(["a", "b"])) == 2',
        ),
        "-W",
        "always::ResourceWarning",
    )
    assert result.returncode == 0 and "finished" in result.stdout, result.stderr
    assert socket_warnings(result) == (False, True), result.stderr  # closed: none; left open: the warning


def test_without_langchain_the_import_error_says_what_to_install() -> None:
    result = run_python("import sys; sys.modules['langchain_core'] = None; import langchain_aiml_embeddings")
    assert result.returncode == 1
    assert "ModuleNotFoundError" in result.stderr
    assert 'pip install "aiml-embeddings[langchain]"' in result.stderr


def test_a_copy_without_a_key_says_copies_read_it_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import pickle

    from aiml_embeddings import MissingAPIKeyError

    copy = pickle.loads(pickle.dumps(AIMLEmbeddings(api_key="test-given-key", dimensions=8)))
    monkeypatch.delenv("AIMLAPI_API_KEY")
    copy.max_retries = 1  # a rebuilt client of a copy is still a copy's
    with pytest.raises(MissingAPIKeyError, match="before the workers start") as info:
        copy.embed_query("q")
    assert "AIMLAPI_API_KEY" in str(info.value) and "test-given-key" not in str(info.value)

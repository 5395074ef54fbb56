"""``get_text_embedding_batch`` hands every chunk over at once and keeps LlamaIndex's per-chunk events,
cache and rate limiter; ``usage`` and its event; ``api_base``; ``close()``; copies without a key; the
install hint when LlamaIndex is missing."""

from __future__ import annotations

import json
import pickle
from collections.abc import Callable, Iterator
from dataclasses import fields
from typing import Any

import httpx
import pytest
from llama_index.core.callbacks import CallbackManager, CBEventType, EventPayload, LlamaDebugHandler
from llama_index.core.instrumentation import get_dispatcher  # type: ignore[attr-defined]  # re-exported
from llama_index.core.instrumentation.event_handlers import BaseEventHandler
from llama_index.core.instrumentation.events import BaseEvent
from llama_index.core.rate_limiter import BaseRateLimiter
from llama_index.core.storage.kvstore import SimpleKVStore
from pydantic import Field

from aiml_embeddings import MissingAPIKeyError, Usage
from langchain_aiml_embeddings import AIMLEmbeddings
from llama_index_aiml_embeddings import AIMLEmbedding, EmbeddingUsageEvent
from tests.python_subprocess import SOCKET_SCRIPT, run_python, socket_warnings

from ..fake_api import FakeAPI, word_vector

Make = Callable[..., AIMLEmbedding]
TEXTS = [f"text number {i}" for i in range(7)]


class _Events(BaseEventHandler):
    seen: list[BaseEvent] = Field(default_factory=list)

    @classmethod
    def class_name(cls) -> str:
        return "CollectBatchEvents"

    def handle(self, event: BaseEvent, **kwargs: Any) -> None:
        self.seen.append(event)

    def named(self, name: str) -> list[Any]:
        return [e for e in self.seen if e.class_name() == name]


@pytest.fixture
def events() -> Iterator[_Events]:
    root, handler = get_dispatcher(), _Events()
    root.add_event_handler(handler)
    yield handler
    root.event_handlers.remove(handler)


class Limiter(BaseRateLimiter):
    def __init__(self) -> None:
        self.permits = 0

    def acquire(self, num_tokens: int = 0) -> None:
        self.permits += 1

    async def async_acquire(self, num_tokens: int = 0) -> None:
        self.permits += 1


def test_every_chunk_goes_to_the_client_at_once(make: Make, api: FakeAPI) -> None:
    api.hold = 0.05
    vectors = make(embed_batch_size=2, max_concurrency=4).get_text_embedding_batch(TEXTS)
    assert api.max_in_flight > 1, "LlamaIndex's own loop sends one chunk at a time"
    assert vectors == [word_vector(t, 1536) for t in TEXTS]


def test_each_chunk_gets_its_events_and_callbacks_with_its_texts_and_vectors(
    make: Make, events: _Events
) -> None:
    debug = LlamaDebugHandler()
    vectors = make(embed_batch_size=3, callback_manager=CallbackManager([debug])).get_text_embedding_batch(TEXTS)
    chunks = [TEXTS[0:3], TEXTS[3:6], TEXTS[6:7]]
    assert len(events.named("EmbeddingStartEvent")) == 3
    ends = events.named("EmbeddingEndEvent")
    assert [e.chunks for e in ends] == chunks
    assert [e.embeddings for e in ends] == [vectors[0:3], vectors[3:6], vectors[6:7]]
    pairs = debug.get_event_pairs(CBEventType.EMBEDDING)
    assert [end.payload[EventPayload.CHUNKS] for _, end in pairs] == chunks
    assert [v for _, end in pairs for v in end.payload[EventPayload.EMBEDDINGS]] == vectors


def test_a_failure_ends_every_chunks_callback_with_the_exception(api: FakeAPI) -> None:
    debug = LlamaDebugHandler()
    refuse = httpx.MockTransport(lambda request: httpx.Response(401, json={"message": "Invalid API key"}))
    embed = AIMLEmbedding(
        api_key="test-key", embed_batch_size=2, callback_manager=CallbackManager([debug]),
        http_client=httpx.Client(transport=refuse),
    )  # fmt: skip
    with pytest.raises(Exception, match="Invalid API key"):
        embed.get_text_embedding_batch(TEXTS[:4])
    pairs = debug.get_event_pairs(CBEventType.EMBEDDING)
    assert len(pairs) == 2 and all(EventPayload.EXCEPTION in (end.payload or {}) for _, end in pairs)


def test_the_embeddings_cache_answers_hits_without_sending_them(make: Make, api: FakeAPI) -> None:
    cache = SimpleKVStore()
    cache.put(key=TEXTS[1], val={"stored": [0.5] * 1536}, collection="embeddings")
    embed = make(embed_batch_size=3, embeddings_cache=cache)
    vectors = embed.get_text_embedding_batch(TEXTS)
    assert TEXTS[1] not in [t for batch in api.texts() for t in batch]
    assert vectors[1] == [0.5] * 1536 and vectors[0] == word_vector(TEXTS[0], 1536)
    sent = len(api.requests)
    assert embed.get_text_embedding_batch(TEXTS) == vectors and len(api.requests) == sent, "all hits now"


def test_the_rate_limiter_gives_a_permit_per_chunk_that_sends(make: Make) -> None:
    limiter, cache = Limiter(), SimpleKVStore()
    for text in TEXTS[3:6]:  # the whole second chunk is cached: nothing to send, no permit
        cache.put(key=text, val={"k": [0.0] * 1536}, collection="embeddings")
    make(embed_batch_size=3, rate_limiter=limiter, embeddings_cache=cache).get_text_embedding_batch(TEXTS)
    assert limiter.permits == 2


def with_usage(api: FakeAPI) -> httpx.Client:
    """The fake, answering like the live API with tokens (one per word) and credits."""

    def handle(request: httpx.Request) -> httpx.Response:
        payload = api.handle(request).json()
        texts = api.texts()[-1]
        tokens = sum(len(t.split()) for t in texts)
        payload["usage"] = {"prompt_tokens": tokens, "total_tokens": tokens}
        payload["meta"] = {"usage": {"credits_used": 2 * len(texts)}}
        return httpx.Response(200, json=payload)

    return httpx.Client(transport=httpx.MockTransport(handle))


def test_usage_and_its_event_carry_the_servers_numbers(api: FakeAPI, events: _Events) -> None:
    embed = AIMLEmbedding(api_key="test-key", http_client=with_usage(api), embed_batch_size=3, max_concurrency=1)
    embed.get_text_embedding_batch([*TEXTS, TEXTS[0]])
    embed.get_query_embedding("who is there")
    words = sum(len(t.split()) for t in TEXTS)
    batch = Usage(requests=len(api.requests) - 1, inputs=7, deduplicated=1, prompt_tokens=words,
                  total_tokens=words, credits=14.0)  # fmt: skip
    query = Usage(requests=1, inputs=1, prompt_tokens=3, total_tokens=3, credits=2.0)
    usage_events = events.named("EmbeddingUsageEvent")
    assert [type(e) for e in usage_events] == [EmbeddingUsageEvent] * 2
    assert [Usage(**{f.name: getattr(e, f.name) for f in fields(Usage)}) for e in usage_events] == [batch, query]
    assert all(e.model_name == "text-embedding-3-small" for e in usage_events)
    assert embed.usage == batch + query


def test_api_base_is_base_url(api: FakeAPI) -> None:
    embed = AIMLEmbedding(api_key="test-key", api_base="https://proxy.example/v1", http_client=api.sync())
    assert embed.base_url == "https://proxy.example/v1"
    embed.get_text_embedding("hello")
    assert [r.url for r in api.requests] == ["https://proxy.example/v1/embeddings"]
    with pytest.raises(ValueError, match="not both"):
        AIMLEmbedding(api_base="https://a.example", base_url="https://b.example")


def test_cache_namespace_is_the_cores_and_follows_dimensions(make: Make) -> None:
    assert make(dimensions=64).cache_namespace == AIMLEmbeddings(dimensions=64).cache_namespace
    assert make(dimensions=64).cache_namespace != make(dimensions=32).cache_namespace
    assert make(dimensions=64).cache_namespace == make(dimensions=64, api_key="test-other").cache_namespace


def test_a_namespaced_embeddings_cache_misses_when_dimensions_change(make: Make, api: FakeAPI) -> None:
    stores: dict[str, SimpleKVStore] = {}  # one store per namespace, as the README shows

    def embed(dimensions: int) -> list[list[float]]:
        model = make(dimensions=dimensions)
        model.embeddings_cache = stores.setdefault(model.cache_namespace, SimpleKVStore())
        return model.get_text_embedding_batch(["red", "blue"])

    embed(32)
    embed(32)
    assert len(api.requests) == 1
    assert [len(v) for v in embed(16)] == [16, 16] and len(api.requests) == 2


def test_close_and_context_managers_close_the_core_client() -> None:
    with AIMLEmbedding() as embed:
        http = embed.client._sync_http()
    assert http.is_closed


async def test_aclose_closes_the_async_connections() -> None:
    async with AIMLEmbedding() as embed:
        state = embed.client._loop_state()
    assert state.http.is_closed


def test_a_changed_setting_closes_the_replaced_client() -> None:
    embed = AIMLEmbedding()
    http = embed.client._sync_http()
    embed.max_retries = 0
    assert http.is_closed


def test_a_script_that_closes_leaves_no_socket_open() -> None:
    result = run_python(
        SOCKET_SCRIPT.format(
            imports="from llama_index_aiml_embeddings import AIMLEmbedding",
            make='AIMLEmbedding(api_key="test-aimlapi-key", base_url=url + "/v1")',
            use='assert len(emb.get_text_embedding_batch(["a", "b"])) == 2',
        ),
        "-W",
        "always::ResourceWarning",
    )
    assert result.returncode == 0 and "finished" in result.stdout, result.stderr
    assert socket_warnings(result) == (False, True), result.stderr  # closed: none; left open: the warning


def test_a_copy_without_a_key_says_copies_read_it_from_the_environment(
    make: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AIMLAPI_API_KEY", raising=False)
    copy = pickle.loads(pickle.dumps(make(api_key="test-given-key")))
    with pytest.raises(MissingAPIKeyError) as info:
        copy.get_text_embedding("hello")
    message = str(info.value)
    assert "copy" in message and "AIMLAPI_API_KEY" in message and "before the workers start" in message
    assert "test-given-key" not in message
    with pytest.raises(MissingAPIKeyError, match="pass api_key=") as original:
        AIMLEmbedding().get_text_embedding("hello")
    assert "copy" not in str(original.value)


def test_without_llama_index_the_import_error_says_what_to_install() -> None:
    result = run_python("import sys; sys.modules['llama_index.core'] = None; import llama_index_aiml_embeddings")
    assert result.returncode == 1
    assert 'pip install "aiml-embeddings[llama-index]"' in result.stderr


def test_the_usage_event_serializes() -> None:
    event = EmbeddingUsageEvent.of("m", Usage(requests=2, credits=1.5))
    assert json.loads(event.model_dump_json())["credits"] == 1.5


async def test_the_async_batch_keeps_events_cache_and_permits_too(make: Make, api: FakeAPI, events: _Events) -> None:
    api.hold = 0.02
    limiter, cache, debug = Limiter(), SimpleKVStore(), LlamaDebugHandler()
    await cache.aput(key=TEXTS[0], val={"k": [0.25] * 1536}, collection="embeddings")
    embed = make(
        embed_batch_size=3, max_concurrency=4, rate_limiter=limiter, embeddings_cache=cache,
        callback_manager=CallbackManager([debug]),
    )  # fmt: skip
    vectors = await embed.aget_text_embedding_batch(TEXTS)
    assert vectors[0] == [0.25] * 1536 and vectors[1:] == [word_vector(t, 1536) for t in TEXTS[1:]]
    assert TEXTS[0] not in [t for batch in api.texts() for t in batch] and api.max_in_flight > 1
    assert limiter.permits == 3
    assert [e.chunks for e in events.named("EmbeddingEndEvent")] == [TEXTS[0:3], TEXTS[3:6], TEXTS[6:7]]
    assert [end.payload[EventPayload.EMBEDDINGS] for _, end in debug.get_event_pairs(CBEventType.EMBEDDING)] == [
        vectors[0:3], vectors[3:6], vectors[6:7]
    ]
    assert len(events.named("EmbeddingUsageEvent")) == 1

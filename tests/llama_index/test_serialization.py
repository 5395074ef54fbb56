"""The key never reaches what LlamaIndex serializes; the settings that change vectors always do."""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from llama_index.core.callbacks import CallbackManager, CBEventType, EventPayload, LlamaDebugHandler
from llama_index.core.instrumentation import get_dispatcher  # type: ignore[attr-defined]  # re-exported
from llama_index.core.instrumentation.event_handlers import BaseEventHandler
from llama_index.core.instrumentation.events import BaseEvent
from llama_index.core.instrumentation.span import SimpleSpan
from llama_index.core.instrumentation.span_handlers import BaseSpanHandler
from pydantic import Field

from aiml_embeddings import AuthenticationError, Role
from llama_index_aiml_embeddings import AIMLEmbedding

from ..fake_api import FakeAPI
from .conftest import SECRET

Make = Callable[..., AIMLEmbedding]


def leaks(blob: object) -> bool:
    data = blob if isinstance(blob, bytes) else str(blob).encode()
    return SECRET.encode() in data or SECRET[-12:].encode() in data


def test_to_dict_to_json_repr_and_str_hold_no_key(make: Make) -> None:
    embed = make(default_headers={"X-Proxy-Token": SECRET})
    for blob in (
        embed.to_dict(),
        embed.to_json(),
        repr(embed),
        str(embed),
        embed.model_dump_json(),
        embed.to_payload(),
    ):
        assert not leaks(blob)


def test_to_dict_holds_what_changes_the_vectors(make: Make) -> None:
    embed = make("text-multilingual-embedding-002", dimensions=256, roles={"query": Role(prefix="q: ")})
    data = embed.to_dict()
    assert data["class_name"] == "AIMLEmbedding"
    assert data["model_name"] == "text-multilingual-embedding-002"
    assert data["dimensions"] == 256
    assert data["roles"] == {"query": {"params": {}, "prefix": "q: "}}


def test_to_dict_separates_models_but_not_keys(make: Make) -> None:
    base = make().to_dict()
    assert make(api_key="test-rotated-key").to_dict() == base, "a rotated key must not bust the ingestion cache"
    assert make("text-embedding-3-large").to_dict() != base
    assert make(dimensions=512).to_dict() != base
    assert make(roles={"query": {"prefix": "q: "}}).to_dict() != base


def test_pickle_holds_no_key_and_comes_back_with_the_same_settings(make: Make) -> None:
    embed = make("BAAI/bge-base-en-v1.5", embed_batch_size=64, max_concurrency=3)
    blob = pickle.dumps(embed)
    assert not leaks(blob)
    clone = pickle.loads(blob)
    assert clone.to_dict() == embed.to_dict()
    assert clone.client.max_concurrency == 3 and clone.client.batch_size == 64
    assert clone.client.model == "BAAI/bge-base-en-v1.5"


def test_pickle_drops_the_injected_clients_without_a_warning(make: Make, caplog: pytest.LogCaptureFixture) -> None:
    clone = pickle.loads(pickle.dumps(make()))
    assert "unpickleable" not in caplog.text
    assert clone.client._injected_http is None


def test_unpickled_object_reads_the_key_from_the_environment(make: Make, monkeypatch: pytest.MonkeyPatch) -> None:
    clone = pickle.loads(pickle.dumps(make()))
    monkeypatch.setenv("AIMLAPI_API_KEY", "test-env-key")
    api = FakeAPI()
    working = AIMLEmbedding.from_dict(clone.to_dict(), http_client=api.sync())
    assert len(working.get_text_embedding("hello")) == 1536
    assert api.requests[0].headers["authorization"] == "Bearer test-env-key"


def test_from_dict_round_trip_works_from_the_environment(make: Make, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIMLAPI_API_KEY", "test-env-key")
    original = make("text-embedding-3-large", dimensions=128)
    api = FakeAPI()
    rebuilt = AIMLEmbedding.from_json(original.to_json(), http_client=api.sync())
    assert rebuilt.to_dict() == original.to_dict()
    assert len(rebuilt.get_query_embedding("hello")) == 128
    assert api.requests[0] == {
        "model": "text-embedding-3-large",
        "input": "hello",
        "encoding_format": "base64",
        "dimensions": 128,
    }
    assert api.requests[0].headers["authorization"] == "Bearer test-env-key"


class _Events(BaseEventHandler):
    seen: list[BaseEvent] = Field(default_factory=list)

    @classmethod
    def class_name(cls) -> str:
        return "CollectEvents"

    def handle(self, event: BaseEvent, **kwargs: Any) -> None:
        self.seen.append(event)


class _Spans(BaseSpanHandler[SimpleSpan]):
    seen: list[str] = Field(default_factory=list)

    def new_span(
        self,
        id_: str,
        bound_args: Any,
        instance: Any = None,
        parent_span_id: Any = None,
        tags: Any = None,
        **kwargs: Any,
    ) -> SimpleSpan:
        self.seen.append(f"{bound_args} {instance!r}")
        return SimpleSpan(id_=id_, parent_id=parent_span_id)

    def prepare_to_exit_span(
        self, id_: str, bound_args: Any, instance: Any = None, result: Any = None, **kwargs: Any
    ) -> SimpleSpan | None:
        return None

    def prepare_to_drop_span(
        self, id_: str, bound_args: Any, instance: Any = None, err: Any = None, **kwargs: Any
    ) -> SimpleSpan | None:
        return None


@pytest.fixture
def observed() -> Iterator[tuple[_Events, _Spans]]:
    root = get_dispatcher()
    events, spans = _Events(), _Spans()
    root.add_event_handler(events)
    root.add_span_handler(spans)
    yield events, spans
    root.event_handlers.remove(events)
    root.span_handlers.remove(spans)


async def test_instrumentation_and_callback_payloads_hold_no_key(make: Make, observed: tuple[_Events, _Spans]) -> None:
    events, spans = observed
    debug = LlamaDebugHandler()
    embed = make(callback_manager=CallbackManager([debug]), dimensions=64)
    embed.get_query_embedding("q")
    embed.get_text_embedding("t")
    embed.get_text_embedding_batch(["a", "b"])
    await embed.aget_query_embedding("q")
    await embed.aget_text_embedding_batch(["a", "b"])
    starts = [e for e in events.seen if e.class_name() == "EmbeddingStartEvent"]
    assert len(starts) == 5
    assert all(e.model_dict["model_name"] == "text-embedding-3-small" for e in starts)  # type: ignore[attr-defined]
    assert all(e.model_dict["dimensions"] == 64 for e in starts)  # type: ignore[attr-defined]
    for event in events.seen:
        assert not leaks(event.model_dump_json())
    assert spans.seen and not any(leaks(s) for s in spans.seen)
    payloads = [p for pair in debug.get_event_pairs(CBEventType.EMBEDDING) for p in pair]
    assert payloads and (payloads[0].payload or {})[EventPayload.SERIALIZED]["model_name"] == "text-embedding-3-small"
    assert not any(leaks(p.payload) for p in payloads)


def test_errors_hold_no_key(make: Make, api: FakeAPI) -> None:
    import httpx

    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"message": "Invalid API key", "statusCode": 401, "requestId": "r1"})

    embed = AIMLEmbedding(api_key=SECRET, http_client=httpx.Client(transport=httpx.MockTransport(refuse)))
    with pytest.raises(AuthenticationError) as info:
        embed.get_text_embedding("hello")
    assert not leaks(str(info.value)) and not leaks(repr(info.value))

"""``AIMLEmbedding``: the AI/ML API and Inworld as a LlamaIndex ``embed_model``.

A thin layer: LlamaIndex's ``BaseEmbedding`` on the outside, one
``aiml_embeddings.EmbeddingsClient`` per instance on the inside. The client
does the batching, the bounded concurrency and the retries; this class maps
LlamaIndex's six hooks onto it and keeps the key out of everything LlamaIndex
serializes (``to_dict`` is the ingestion cache key and ends up in traces).
"""

from __future__ import annotations

import pickle
from typing import Any

import httpx
import pydantic
from llama_index.core.base.embeddings.base import BaseEmbedding, Embedding
from llama_index.core.bridge.pydantic import ConfigDict, Field, PrivateAttr, SecretStr
from llama_index.core.instrumentation import get_dispatcher  # type: ignore[attr-defined]  # re-exported

from aiml_embeddings import DEFAULT_MODEL, EmbeddingsClient, Usage
from aiml_embeddings.errors import InputTypeError
from aiml_embeddings.inputs import check_texts
from aiml_embeddings.owner import OwnsClient
from aiml_embeddings.roles import Purpose
from aiml_embeddings.settings import Settings, explained

from .batch import aembed_in_chunks, embed_in_chunks
from .events import EmbeddingUsageEvent

DEFAULT_EMBED_BATCH_SIZE = 2048
"""LlamaIndex's own default (10) turns 10,000 texts into 1,000 sequential calls; the
client splits big lists to the model's limits and runs the parts concurrently itself."""

_CLIENT_FIELDS = frozenset({"model_name", "embed_batch_size", *Settings.model_fields})
"""Settings the core client is built from: changing one rebuilds it (derived, so a new setting cannot be missed)."""

dispatcher = get_dispatcher(__name__)


class AIMLEmbedding(OwnsClient, BaseEmbedding, Settings):
    """Embeddings through the AI/ML API (and Inworld) for LlamaIndex.

    Setup:
        Install ``aiml-embeddings[llama-index]`` and set ``AIMLAPI_API_KEY``
        (``INWORLD_API_KEY`` for the Inworld model).

    Key init args:
        model_name: any listed model ID, e.g. ``text-embedding-3-small``,
            ``BAAI/bge-base-en-v1.5``, ``text-multilingual-embedding-002``,
            ``sentence-transformers/paraphrase-multilingual-mpnet-base-v2``
            (Inworld); an unknown ID is sent as-is with safe defaults.
        api_key: overrides the environment variable. Never serialized: an
            object rebuilt by ``from_dict`` or unpickled in a worker process
            reads the key from the environment.
        base_url: also accepted as ``api_base`` (``OpenAILikeEmbedding``'s name).
        dimensions: shorter vectors, for the models that accept it.
        roles: override the per-model query/document mapping, e.g.
            ``{"query": Role(params={"task_type": "QUESTION_ANSWERING"})}``.
        embed_batch_size: texts per LlamaIndex chunk (default 2048); a batch
            call hands every chunk to the client at once.
        max_concurrency: requests in flight per instance, shared by every
            call, thread and gathered coroutine.
        The other settings, with their defaults, are in ``aiml_embeddings.settings``.

    Instantiate:
        .. code-block:: python

            from llama_index.core import Settings
            from llama_index_aiml_embeddings import AIMLEmbedding

            Settings.embed_model = AIMLEmbedding(model_name="text-embedding-3-small")

    Embed:
        .. code-block:: python

            embed_model.get_query_embedding("Who is a DJ?")          # query role
            embed_model.get_text_embedding_batch(["a", "b"])         # document role, batched

    Async:
        .. code-block:: python

            await embed_model.aget_text_embedding_batch(texts)       # no thread hop
    """

    model_config = ConfigDict(extra="forbid", protected_namespaces=("pydantic_model_",), arbitrary_types_allowed=True)

    model_name: str = Field(default=DEFAULT_MODEL, description="The AI/ML API or Inworld model ID.")
    embed_batch_size: int = Field(
        default=DEFAULT_EMBED_BATCH_SIZE, gt=0, le=2048, description="Texts per LlamaIndex chunk."
    )
    # Every other setting is inherited from aiml_embeddings.settings.Settings, declared there once.

    _api_key: SecretStr | None = PrivateAttr(default=None)
    _http_client: httpx.Client | None = PrivateAttr(default=None)
    _http_async_client: httpx.AsyncClient | None = PrivateAttr(default=None)
    _client: EmbeddingsClient | None = PrivateAttr(default=None)
    _is_copy: bool = PrivateAttr(default=False)

    def __init__(
        self,
        model_name: str = DEFAULT_MODEL,
        *,
        api_key: str | SecretStr | None = None,
        http_client: httpx.Client | None = None,
        http_async_client: httpx.AsyncClient | None = None,
        **data: Any,
    ) -> None:
        if "api_base" in data:  # OpenAILikeEmbedding's name, so that code moves over as is
            if data.get("base_url") is not None:
                raise ValueError("pass base_url or its alias api_base, not both")
            data["base_url"] = data.pop("api_base")
        try:
            super().__init__(model_name=model_name, **data)
        except pydantic.ValidationError as exc:  # a shared setting's error reads as the core client's would
            raise explained(exc, model_name) or exc from None
        # The key and the live clients go around pydantic's fields on purpose:
        # private attributes never reach model_dump, to_dict, repr or pickle.
        self._api_key = SecretStr(api_key) if isinstance(api_key, str) else api_key
        self._http_client = http_client
        self._http_async_client = http_async_client
        # Built now, so a bad setting fails at construction, not at the first request.
        self._client = self._build_client()

    def __setattr__(self, name: str, value: Any) -> None:
        """A changed setting takes effect on the next call, or is refused and leaves the object as it was."""
        if name not in _CLIENT_FIELDS or self._client is None:
            super().__setattr__(name, value)
            return
        previous = getattr(self, name)
        super().__setattr__(name, value)
        try:
            client = self._build_client()
        except Exception:
            super().__setattr__(name, previous)
            raise
        self._client, stale = client, self._client
        stale.close()

    def _build_client(self) -> EmbeddingsClient:
        client = EmbeddingsClient(
            self.model_name,
            settings=self,
            api_key=self._api_key,
            batch_size=self.embed_batch_size,
            http_client=self._http_client,
            http_async_client=self._http_async_client,
        )
        client.is_copy = self._is_copy
        return client

    @property
    def client(self) -> EmbeddingsClient:
        """The core client (its ``spec`` and ``dimension`` describe the model)."""
        if self._client is None:
            self._client = self._build_client()
        return self._client

    @classmethod
    def class_name(cls) -> str:
        return "AIMLEmbedding"

    def to_payload(self) -> dict[str, Any]:
        """What instrumentation events and callbacks see: enough to tell models apart, nothing secret."""
        return {
            "class_name": self.class_name(),
            "model_name": self.model_name,
            "embed_batch_size": self.embed_batch_size,
            "dimensions": self.dimensions,
        }

    # --- what it cost, caches, closing ----------------------------------------

    @property
    def usage(self) -> Usage:
        """Requests, retries, 429s, texts sent and repeated, tokens and credits over this object's calls
        (counted by the core client, so a changed setting, which rebuilds it, starts again from zero)."""
        return self.client.usage

    @property
    def cache_namespace(self) -> str:
        """A name for caches of these vectors that changes with the model, ``dimensions`` and ``roles``."""
        return self.client.cache_namespace

    # --- pickling: settings travel, the key and the live clients do not ------

    def __getstate__(self) -> dict[Any, Any]:
        state = dict(pydantic.BaseModel.__getstate__(self))  # not BaseComponent's: it would pickle the client
        state["__dict__"] = {k: v for k, v in state["__dict__"].items() if _picklable(v)}
        state["__pydantic_private__"] = {}
        return state

    def __setstate__(self, state: dict[Any, Any]) -> None:
        super().__setstate__(state)  # BaseComponent's: __init__ from the fields, so the client is built
        self._is_copy = True
        self.client.is_copy = True  # a missing key then explains that copies read it from the environment

    # --- LlamaIndex's six hooks ---------------------------------------------

    def _embed(self, texts: list[Any], purpose: Purpose, on_progress: Any = None) -> list[Embedding]:
        return self.client.embed(texts, purpose, on_progress=on_progress, on_usage=self._emit_usage)

    async def _aembed(self, texts: list[Any], purpose: Purpose, on_progress: Any = None) -> list[Embedding]:
        return await self.client.aembed(texts, purpose, on_progress=on_progress, on_usage=self._emit_usage)

    def _emit_usage(self, usage: Usage) -> None:
        dispatcher.event(EmbeddingUsageEvent.of(self.model_name, usage))

    def _get_query_embedding(self, query: str) -> Embedding:
        return self._embed([_one(query, self.model_name)], "query")[0]

    async def _aget_query_embedding(self, query: str) -> Embedding:
        return (await self._aembed([_one(query, self.model_name)], "query"))[0]

    def _get_text_embedding(self, text: str) -> Embedding:
        return self._embed([_one(text, self.model_name)], "document")[0]

    async def _aget_text_embedding(self, text: str) -> Embedding:
        return (await self._aembed([_one(text, self.model_name)], "document"))[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[Embedding]:
        return self._embed(texts, "document")

    async def _aget_text_embeddings(self, texts: list[str]) -> list[Embedding]:
        return await self._aembed(texts, "document")

    # --- the batch entry points, checked whole before anything is sliced -------

    @dispatcher.span
    def get_text_embedding_batch(self, texts: list[str], show_progress: bool = False, **kwargs: Any) -> list[Embedding]:
        """Every chunk to the client at once (see ``batch``); checked first, as LlamaIndex would iterate
        a bare string as characters and embed each one."""
        checked = check_texts(texts, self.model_name)
        return embed_in_chunks(self, checked, show_progress, lambda sent, bar: self._embed(sent, "document", bar))

    @dispatcher.span
    async def aget_text_embedding_batch(
        self, texts: list[str], show_progress: bool = False, **kwargs: Any
    ) -> list[Embedding]:
        """The same on the event loop; ``num_workers`` is not needed, the client bounds the requests in flight."""
        checked = check_texts(texts, self.model_name)
        return await aembed_in_chunks(
            self, checked, show_progress, lambda sent, bar: self._aembed(sent, "document", bar)
        )


def _one(text: object, model: str) -> str:
    if not isinstance(text, str):
        raise InputTypeError(f"expected one string for model {model!r}, got {type(text).__name__}", model=model)
    return text


def _picklable(value: object) -> bool:
    """The base class drops what cannot be pickled (a callback handler holding a lock, say); so do we."""
    try:
        pickle.dumps(value)
    except Exception:
        return False
    return True


__all__ = ["AIMLEmbedding", "DEFAULT_EMBED_BATCH_SIZE"]

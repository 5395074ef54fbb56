"""``AIMLEmbedding``: the AI/ML API and Inworld as a LlamaIndex ``embed_model``.

A thin layer: LlamaIndex's ``BaseEmbedding`` on the outside, one
``aiml_embeddings.EmbeddingsClient`` per instance on the inside. The client
does the batching, the bounded concurrency and the retries; this class maps
LlamaIndex's six hooks onto it and keeps the key out of everything LlamaIndex
serializes (``to_dict`` is the ingestion cache key and ends up in traces).
"""

from __future__ import annotations

import pickle
from typing import Any, Literal

import httpx
import pydantic
from llama_index.core.base.embeddings.base import BaseEmbedding, Embedding
from llama_index.core.bridge.pydantic import ConfigDict, Field, PrivateAttr, SecretStr

from aiml_embeddings import DEFAULT_MODEL, EmbeddingsClient, Role
from aiml_embeddings.client import DEFAULT_MAX_CONCURRENCY, DEFAULT_TIMEOUT
from aiml_embeddings.errors import InputTypeError
from aiml_embeddings.inputs import check_texts

DEFAULT_EMBED_BATCH_SIZE = 2048
"""LlamaIndex's own default (10) turns 10,000 texts into 1,000 sequential calls; the
client splits big lists to the model's limits and runs the parts concurrently itself."""

Purpose = Literal["document", "query"]

_CLIENT_FIELDS = frozenset({"model_name", "embed_batch_size", *EmbeddingsClient.SHARED_SETTINGS})
"""Settings the core client is built from: changing one rebuilds it (derived, so a new setting cannot be missed)."""


class AIMLEmbedding(BaseEmbedding):
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
        dimensions: shorter vectors, for the models that accept it.
        roles: override the per-model query/document mapping, e.g.
            ``{"query": Role(params={"task_type": "QUESTION_ANSWERING"})}``.
        embed_batch_size: texts LlamaIndex hands over per call (default 2048).
        max_concurrency: requests in flight per instance, shared by every
            call, thread and gathered coroutine.

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
        default=DEFAULT_EMBED_BATCH_SIZE, gt=0, le=2048, description="Texts per call into the client."
    )
    base_url: str | None = Field(
        default=None, description="API base URL; None reads AIMLAPI_BASE_URL / INWORLD_BASE_URL, then the default."
    )
    dimensions: int | None = Field(default=None, description="Output length, for models that accept it.")
    roles: dict[Purpose, Role] | None = Field(default=None, description="Overrides of the query/document mapping.")
    max_concurrency: int = Field(default=DEFAULT_MAX_CONCURRENCY, description="Requests in flight per instance.")
    max_retries: int = Field(default=5, description="Retries of a retryable failure (one retry layer in total).")
    timeout: float | None = Field(default=DEFAULT_TIMEOUT, description="Seconds per request; None waits forever.")
    empty_inputs: Literal["error", "zeros"] = Field(
        default="error", description="A blank text: raise before any request, or answer a zero vector for it."
    )
    truncate: bool = Field(default=False, description="Clip over-long texts to the model's context instead of failing.")
    requests_per_minute: float | None = Field(
        default=None, description="Your request quota, if known: requests wait their turn instead of drawing 429s."
    )
    tokens_per_minute: float | None = Field(default=None, description="Your token quota per minute, paced likewise.")
    hedge: bool = Field(default=True, description="Copy a request far later than its peers (at most 5% extra).")
    # Headers do not change the vectors and may carry a proxy's credential: they
    # travel to worker processes (pickle) but stay out of to_dict/to_json/repr.
    default_headers: dict[str, str] | None = Field(default=None, exclude=True, repr=False)

    _api_key: SecretStr | None = PrivateAttr(default=None)
    _http_client: httpx.Client | None = PrivateAttr(default=None)
    _http_async_client: httpx.AsyncClient | None = PrivateAttr(default=None)
    _client: EmbeddingsClient | None = PrivateAttr(default=None)

    def __init__(
        self,
        model_name: str = DEFAULT_MODEL,
        *,
        api_key: str | SecretStr | None = None,
        http_client: httpx.Client | None = None,
        http_async_client: httpx.AsyncClient | None = None,
        **data: Any,
    ) -> None:
        super().__init__(model_name=model_name, **data)
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
        return EmbeddingsClient.from_settings(
            self.model_name,
            self,
            api_key=self._api_key,
            batch_size=self.embed_batch_size,
            http_client=self._http_client,
            http_async_client=self._http_async_client,
        )

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

    # --- pickling: settings travel, the key and the live clients do not ------

    def __getstate__(self) -> dict[Any, Any]:
        state = dict(pydantic.BaseModel.__getstate__(self))  # not BaseComponent's: it would pickle the client
        state["__dict__"] = {k: v for k, v in state["__dict__"].items() if _picklable(v)}
        state["__pydantic_private__"] = {}
        return state

    # --- LlamaIndex's six hooks ---------------------------------------------

    def _get_query_embedding(self, query: str) -> Embedding:
        return self.client.embed([_one(query, self.model_name)], "query")[0]

    async def _aget_query_embedding(self, query: str) -> Embedding:
        return (await self.client.aembed([_one(query, self.model_name)], "query"))[0]

    def _get_text_embedding(self, text: str) -> Embedding:
        return self.client.embed([_one(text, self.model_name)], "document")[0]

    async def _aget_text_embedding(self, text: str) -> Embedding:
        return (await self.client.aembed([_one(text, self.model_name)], "document"))[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[Embedding]:
        return self.client.embed(texts, "document")

    async def _aget_text_embeddings(self, texts: list[str]) -> list[Embedding]:
        return await self.client.aembed(texts, "document")

    # --- the batch entry points, checked whole before LlamaIndex slices them --

    def get_text_embedding_batch(self, texts: list[str], show_progress: bool = False, **kwargs: Any) -> list[Embedding]:
        """Checked first: LlamaIndex would iterate a bare string as characters and embed each one."""
        return super().get_text_embedding_batch(check_texts(texts, self.model_name), show_progress, **kwargs)

    async def aget_text_embedding_batch(
        self, texts: list[str], show_progress: bool = False, **kwargs: Any
    ) -> list[Embedding]:
        return await super().aget_text_embedding_batch(check_texts(texts, self.model_name), show_progress, **kwargs)


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

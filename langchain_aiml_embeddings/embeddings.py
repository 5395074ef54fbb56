"""``AIMLEmbeddings``: LangChain's ``Embeddings`` interface over ``aiml_embeddings.EmbeddingsClient``.

Every request detail (batching, concurrency, retries, roles, the wire
formats) lives in the core; this class only speaks LangChain's dialect of
settings and maps its four methods onto the core's two purposes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import httpx
from langchain_core.embeddings import Embeddings
from pydantic import AliasChoices, ConfigDict, Field, PrivateAttr, SecretStr, model_validator
from typing_extensions import Self

from aiml_embeddings import DEFAULT_MODEL, MODELS, EmbeddingsClient, Usage
from aiml_embeddings.auth import env_base_url, env_key
from aiml_embeddings.owner import OwnsClient
from aiml_embeddings.settings import ClientSettings

from ._progress import progress, require_tqdm

_HTTP_FIELDS = ("http_client", "http_async_client")


class AIMLEmbeddings(OwnsClient, ClientSettings, Embeddings):
    """AI/ML API (and Inworld) embedding models for LangChain.

    Setup:
        Install the package with its LangChain extra and set ``AIMLAPI_API_KEY``
        (``INWORLD_API_KEY`` for the Inworld model).

        ```bash
        pip install -U "aiml-embeddings[langchain]"
        export AIMLAPI_API_KEY="your-api-key"
        ```

    Key init args — embedding params:
        model: str
            Model ID, any of ``aiml_embeddings.MODELS`` (default ``text-embedding-3-small``).
        dimensions: int | None
            Output length, for the models that accept it (OpenAI ``text-embedding-3-*``,
            Google, Qwen); checked against the model's range when the object is built.
        roles: dict | None
            Override of the per-purpose role, e.g.
            ``{"query": {"params": {"task_type": "QUESTION_ANSWERING"}}}``.

    Key init args — client params:
        api_key: SecretStr | None
            Read from ``AIMLAPI_API_KEY`` (``INWORLD_API_KEY`` for Inworld) when not given;
            a missing key is an error at the first request, naming the variable.
        base_url: str | None
            Read from ``AIMLAPI_BASE_URL`` / ``INWORLD_BASE_URL``; None: the public endpoint.
        batch_size: int | None
            Inputs per request, at most the model's own limit (``chunk_size`` is accepted as an alias).
        max_concurrency: int
            Requests in flight at once for this object (threads or coroutines alike).
        max_retries: int
            Retries of 408/409/429/5xx, timeouts and dropped connections.
        timeout: float | None
            Seconds per request.
        default_headers: dict | None
            Extra headers on every request.
        dedupe: bool
            Send each distinct text of a call once (on by default); ``usage.deduplicated`` counts the rest.
        show_progress_bar: bool
            A tqdm bar advanced per finished batch (``pip install "aiml-embeddings[progress]"``).

    See ``aiml_embeddings.settings`` for the full list, with defaults; ``usage``, ``cache_namespace``
    and ``close()`` are described on themselves.

    Instantiate:
        ```python
        from langchain_aiml_embeddings import AIMLEmbeddings

        embed = AIMLEmbeddings(
            model="text-embedding-3-small",
            # api_key="...",
            # dimensions=256,
            # other params...
        )
        ```

    Embed single text:
        ```python
        input_text = "The meaning of life is 42"
        vector = embed.embed_query(input_text)
        print(len(vector), round(sum(v * v for v in vector), 3))  # length, squared norm
        ```
        ```python
        1536 1.0
        ```

    Embed multiple texts:
        ```python
        input_texts = ["Document 1...", "Document 2..."]
        vectors = embed.embed_documents(input_texts)
        print(len(vectors), [len(v) for v in vectors])
        ```
        ```python
        2 [1536, 1536]
        ```

    Async:
        ```python
        vector = await embed.aembed_query(input_text)
        vectors = await embed.aembed_documents(input_texts)
        print(len(vector), len(vectors))
        ```
        ```python
        1536 2
        ```

    The outputs above were printed by this very code, replayed from a test
    cassette (``tests/langchain/test_langchain_docs.py`` runs it and compares);
    that cassette was synthesized by the stand-in server, whose vectors, like
    the live model's, are unit length.
    """

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        arbitrary_types_allowed=True,
        validate_assignment=True,
        hide_input_in_errors=True,
        protected_namespaces=(),
    )

    model: str = Field(default=DEFAULT_MODEL, validation_alias=AliasChoices("model", "model_name"))
    """Model ID; every ID in ``aiml_embeddings.MODELS`` works, Inworld's included."""
    api_key: SecretStr | None = None
    """Read from ``AIMLAPI_API_KEY``, or ``INWORLD_API_KEY`` for the Inworld model, when not given."""
    # Every other setting is inherited from aiml_embeddings.settings.ClientSettings, declared there once.
    show_progress_bar: bool = False
    """Show a tqdm bar that advances per finished batch (needs the ``progress`` extra)."""
    http_client: httpx.Client | None = Field(default=None, exclude=True)
    """An ``httpx.Client`` to send sync requests with (proxies, custom transports); yours to close."""
    http_async_client: httpx.AsyncClient | None = Field(default=None, exclude=True)
    """An ``httpx.AsyncClient`` for the async methods; yours to close."""

    _client: EmbeddingsClient | None = PrivateAttr(default=None)
    _is_copy: bool = PrivateAttr(default=False)

    @model_validator(mode="before")
    @classmethod
    def _key_and_aliases(cls, values: Any) -> Any:
        """Hide the key from the first moment; show the key and base URL the core finds for the model's API.

        ``chunk_size`` is ``OpenAIEmbeddings``' name for ``batch_size``, accepted so that code moves over as is.
        """
        if not isinstance(values, dict):
            return values
        values = dict(values)
        if "chunk_size" in values:
            if "batch_size" in values:
                raise ValueError("pass batch_size or its alias chunk_size, not both")
            values["batch_size"] = values.pop("chunk_size")
        if isinstance(values.get("api_key"), str):  # wrapped at once, so no error can echo it
            values["api_key"] = SecretStr(values["api_key"])
        model = values.get("model", values.get("model_name", DEFAULT_MODEL))
        spec = MODELS.get(model) if isinstance(model, str) else None
        api = spec.api if spec is not None else "aimlapi"
        if values.get("api_key") is None:
            values["api_key"] = env_key(api)
        if values.get("base_url") is None:
            values["base_url"] = env_base_url(api)
        return values

    if not TYPE_CHECKING:  # type checkers keep pydantic's field-by-field signature

        def __init__(self, **data: Any) -> None:
            super().__init__(**data)
            self._client = self._build_client()  # settings the model rejects fail here, before any request

    def _build_client(self) -> EmbeddingsClient:
        """One core client per object (rebuilt when a setting changes), so its concurrency bound holds.

        Built outside pydantic's validation on purpose: a pydantic error
        carries the raw input, key included, in ``errors()``.
        """
        if self.show_progress_bar:
            require_tqdm()
        client = EmbeddingsClient(
            self.model,
            settings=self,
            api_key=self.api_key,
            http_client=self.http_client,
            http_async_client=self.http_async_client,
        )
        client.is_copy = self._is_copy
        return client

    @property
    def client(self) -> EmbeddingsClient:
        """The core client doing the work (for numpy output or closing its connections)."""
        if self._client is None:  # made by model_validate or model_construct, which skip __init__
            self._client = self._build_client()
        return self._client

    def __setattr__(self, name: str, value: Any) -> None:
        """A changed setting rebuilds the client; a rejected one leaves settings and client as they were."""
        if name not in type(self).model_fields:
            super().__setattr__(name, value)
            return
        before = dict(self.__dict__)
        try:
            super().__setattr__(name, value)
            client = self._build_client()
        except Exception:
            self.__dict__.update(before)
            raise
        self._client, stale = client, self._client
        if stale is not None:
            stale.close()  # its connections are not needed any more (injected clients stay open: they are yours)

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy with changed settings gets a client built from them, checked like a new object."""
        copy = super().model_copy(update=update, deep=deep)
        if update:
            copy._client = copy._build_client()
        return copy

    def __getstate__(self) -> dict[Any, Any]:
        """Settings only: the key stays behind (a copy reads it from the environment, as a worker process
        would), and injected HTTP clients, which hold sockets and locks, are rebuilt by the core."""
        state = super().__getstate__()
        fields = dict(state["__dict__"])
        for name in (*_HTTP_FIELDS, "api_key"):
            fields[name] = None
        private = {**(state.get("__pydantic_private__") or {}), "_is_copy": True}
        return {**state, "__dict__": fields, "__pydantic_private__": private}

    # --- what it cost, caches, closing ----------------------------------------

    @property
    def usage(self) -> Usage:
        """Requests, retries, 429s, texts sent and repeated, tokens and credits, summed over this object's calls.

        Counted by the core client, so a changed setting (which rebuilds it) starts the count again.
        """
        return self.client.usage

    @property
    def cache_namespace(self) -> str:
        """For ``CacheBackedEmbeddings.from_bytes_store(emb, store, namespace=emb.cache_namespace)``: it changes
        with the model, ``dimensions`` and ``roles``, so a cache never hands back vectors of other settings."""
        return self.client.cache_namespace

    # --- the Embeddings interface ------------------------------------------

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Vectors for texts stored in an index (Google ``RETRIEVAL_DOCUMENT``, Voyage ``input_type``)."""
        with progress(self.show_progress_bar, _count(texts), "embedding documents") as on_progress:
            return self.client.embed(texts, "document", on_progress=on_progress)

    def embed_query(self, text: str) -> list[float]:
        """The vector for a search query (Google ``RETRIEVAL_QUERY``, BGE's query prefix)."""
        return self.client.embed(_one(text), "query")[0]

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        """``embed_documents`` on the event loop, through the core's async client (no thread hop)."""
        with progress(self.show_progress_bar, _count(texts), "embedding documents") as on_progress:
            return await self.client.aembed(texts, "document", on_progress=on_progress)

    async def aembed_query(self, text: str) -> list[float]:
        """``embed_query`` on the event loop."""
        return (await self.client.aembed(_one(text), "query"))[0]


def _one(text: object) -> list[Any]:
    """A query is one text; wrapping lets the core's input check name a wrong type."""
    return [text]


def _count(texts: object) -> int:
    return len(texts) if isinstance(texts, list | tuple) else 0

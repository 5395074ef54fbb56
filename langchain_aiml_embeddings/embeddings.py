"""``AIMLEmbeddings``: LangChain's ``Embeddings`` interface over ``aiml_embeddings.EmbeddingsClient``.

Every request detail (batching, concurrency, retries, roles, the wire
formats) lives in the core; this class only speaks LangChain's dialect of
settings and maps its four methods onto the core's two purposes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

import httpx
from langchain_core.embeddings import Embeddings
from langchain_core.utils import from_env, secret_from_env
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, PrivateAttr, SecretStr, model_validator
from typing_extensions import Self

from aiml_embeddings import DEFAULT_MODEL, MODELS, EmbeddingsClient, Role
from aiml_embeddings.client import DEFAULT_MAX_CONCURRENCY, DEFAULT_TIMEOUT
from aiml_embeddings.roles import Purpose

from ._progress import progress, require_tqdm

AIMLAPI_KEY_ENV = "AIMLAPI_API_KEY"
INWORLD_KEY_ENV = "INWORLD_API_KEY"
AIMLAPI_BASE_URL_ENV = "AIMLAPI_BASE_URL"
INWORLD_BASE_URL_ENV = "INWORLD_BASE_URL"

_HTTP_FIELDS = ("http_client", "http_async_client")


class AIMLEmbeddings(BaseModel, Embeddings):
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
            Inputs per request, at most the model's own limit.
        max_concurrency: int
            Requests in flight at once for this object (threads or coroutines alike).
        max_retries: int
            Retries of 408/409/429/5xx, timeouts and dropped connections.
        timeout: float | None
            Seconds per request.
        default_headers: dict | None
            Extra headers on every request.
        show_progress_bar: bool
            A tqdm bar advanced per finished batch (``pip install "aiml-embeddings[progress]"``).

    See the fields below for the full list.

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
    api_key: SecretStr | None = Field(default_factory=secret_from_env(AIMLAPI_KEY_ENV, default=None))
    """Read from ``AIMLAPI_API_KEY``, or ``INWORLD_API_KEY`` for the Inworld model, when not given."""
    base_url: str | None = Field(default_factory=from_env(AIMLAPI_BASE_URL_ENV, default=None))
    """Read from ``AIMLAPI_BASE_URL`` (``INWORLD_BASE_URL`` for Inworld); None: the public endpoint."""
    dimensions: int | None = None
    """Output length, for models that accept it; checked against the model's range at construction."""
    batch_size: int | None = None
    """Inputs per request (capped by the model's limit); None: the model's limit."""
    max_concurrency: int = DEFAULT_MAX_CONCURRENCY
    """Requests in flight at once for this object, across threads and coroutines."""
    max_retries: int = 5
    """Retries of transient failures (408/409/429/5xx, timeouts, dropped connections)."""
    timeout: float | None = DEFAULT_TIMEOUT
    """Seconds per request; None waits forever."""
    default_headers: dict[str, str] | None = None
    """Extra headers sent with every request."""
    roles: dict[Purpose, Role] | None = None
    """Per-purpose override of the model's role (body params and a text prefix)."""
    empty_inputs: Literal["error", "zeros"] = "error"
    """``error``: blank texts raise before any request; ``zeros``: they get a zero vector."""
    truncate: bool = False
    """Clip texts longer than the model's context instead of failing them."""
    requests_per_minute: float | None = None
    """Your quota, if you know it: requests then wait their turn here instead of drawing 429s."""
    tokens_per_minute: float | None = None
    """Your token quota per minute, paced the same way."""
    hedge: bool = True
    """Send a copy of a request that is far later than its peers (at most 5% extra requests); False: never."""
    show_progress_bar: bool = False
    """Show a tqdm bar that advances per finished batch (needs the ``progress`` extra)."""
    http_client: httpx.Client | None = Field(default=None, exclude=True)
    """An ``httpx.Client`` to send sync requests with (proxies, custom transports); yours to close."""
    http_async_client: httpx.AsyncClient | None = Field(default=None, exclude=True)
    """An ``httpx.AsyncClient`` for the async methods; yours to close."""

    _client: EmbeddingsClient | None = PrivateAttr(default=None)

    @model_validator(mode="before")
    @classmethod
    def _from_env(cls, values: Any) -> Any:
        """Hide the key from the first moment; the Inworld model reads Inworld's variables, never the AI/ML API's."""
        if not isinstance(values, dict):
            return values
        if isinstance(values.get("api_key"), str):  # wrapped at once, so no error can echo it
            values = {**values, "api_key": SecretStr(values["api_key"])}
        model = values.get("model", values.get("model_name", DEFAULT_MODEL))
        spec = MODELS.get(model) if isinstance(model, str) else None
        if spec is not None and spec.api == "inworld":
            if values.get("api_key") is None:
                values = {**values, "api_key": secret_from_env(INWORLD_KEY_ENV, default=None)()}
            if values.get("base_url") is None:
                values = {**values, "base_url": from_env(INWORLD_BASE_URL_ENV, default=None)()}
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
        return EmbeddingsClient.from_settings(
            self.model,
            self,
            api_key=self.api_key,
            batch_size=self.batch_size,
            http_client=self.http_client,
            http_async_client=self.http_async_client,
        )

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
        self._client = client

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
        return {**state, "__dict__": fields}

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

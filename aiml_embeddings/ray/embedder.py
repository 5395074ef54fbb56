"""``Embedder``: the callable class Ray Data's ``map_batches`` runs once per actor, one core client each.

Ray pickles a callable class's constructor arguments into its object store
and ships them to every actor, so the key is never one of them: each actor
reads ``AIMLAPI_API_KEY`` (``INWORLD_API_KEY``) from its own environment, set
on the nodes or through ``runtime_env={"env_vars": ...}``. The class itself
imports no Ray (only a shared quota does), so Spark's ``mapInPandas`` can
run it too.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from ..client import EmbeddingsClient
from ..errors import (
    AIMLEmbeddingsError,
    APIConnectionError,
    ConfigurationError,
    InputTooLongError,
    MalformedResponseError,
    RateLimitError,
    ServerError,
)
from ..flow.quota import SharedQuota
from ..models import DEFAULT_MODEL
from ..roles import Purpose
from ..settings import ClientSettings
from .columns import Batch, read_texts, string_array, vector_array, with_columns
from .quota import DEFAULT_BURST_SECONDS, QuotaSettings

logger = logging.getLogger("aiml_embeddings.ray")

OnError = Literal["raise", "null"]

NULLABLE: tuple[type[AIMLEmbeddingsError], ...] = (
    RateLimitError,
    ServerError,
    APIConnectionError,
    MalformedResponseError,
    InputTooLongError,
)
"""What ``on_error="null"`` turns into null rows: failures after every retry, and one input too long.
Anything else (a bad key, no credits, an unknown model, bad input) would fail every row alike: it fails the task."""

DEFAULT_QUOTA_NAME = "default"
"""Every Embedder of a job shares this quota unless told another name (another account)."""

ROUNDS_PER_DOUBLING = 4
"""Failed rounds ``on_error="null"`` may spend per doubling of a batch's rows to find which rows fail."""

CLIENT_SETTINGS = frozenset(ClientSettings.model_fields) - {"dimensions", "requests_per_minute", "tokens_per_minute"}
"""The core client's settings an Embedder passes through; their defaults and checks are the core's."""


class Embedder:
    """Embeds one text column of each Ray Data batch into a float32 vector column, rows in order.

    Setup:
        ``pip install "aiml-embeddings[ray]"``; set ``AIMLAPI_API_KEY`` on every
        node, or pass it with ``ray.init(runtime_env={"env_vars": {...}})``.

    Key init args:
        model: the model ID. text_column / output_column: where texts are read
        and vectors written. purpose: ``"document"`` or ``"query"``.
        dimensions: as in the core. requests_per_minute / tokens_per_minute:
        the account's totals, shared by every Embedder of the job through one
        quota actor (``share_quota=False``: each actor paces itself to them).
        burst_seconds: how much of the quota may go at once. on_error:
        ``"raise"`` or ``"null"`` (failed rows get a null vector and a message
        in ``error_column``). Other keyword arguments are the core client's
        settings (``max_concurrency``, ``max_retries``, ``timeout``, ...).

    Instantiate:
        .. code-block:: python

            ds = ds.map_batches(
                Embedder,
                fn_constructor_kwargs={"model": "text-embedding-3-small", "tokens_per_minute": 1_000_000},
                compute=ray.data.ActorPoolStrategy(size=4),
                batch_size=1024,
            )
    """

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        text_column: str = "text",
        output_column: str = "embedding",
        purpose: Purpose = "document",
        dimensions: int | None = None,
        requests_per_minute: float | None = None,
        tokens_per_minute: float | None = None,
        burst_seconds: float = DEFAULT_BURST_SECONDS,
        share_quota: bool = True,
        quota_name: str = DEFAULT_QUOTA_NAME,
        on_error: OnError = "raise",
        error_column: str = "embedding_error",
        **settings: Any,
    ) -> None:
        if "api_key" in settings:
            raise ConfigurationError(
                "an Embedder takes no api_key: Ray ships constructor arguments to every actor in the clear. Set "
                "AIMLAPI_API_KEY (INWORLD_API_KEY) on the nodes or in runtime_env={'env_vars': {...}}",
                model=model,
            )
        unknown = sorted(set(settings) - CLIENT_SETTINGS)
        if unknown:
            raise ConfigurationError(
                f"unknown Embedder setting(s) {unknown}; the client settings it takes are {sorted(CLIENT_SETTINGS)}",
                model=model,
            )
        if on_error not in ("raise", "null"):
            raise ConfigurationError(f"on_error must be 'raise' or 'null', not {on_error!r}", model=model)
        if purpose not in ("document", "query"):
            raise ConfigurationError(f"purpose must be 'document' or 'query', not {purpose!r}", model=model)
        if output_column == text_column or (on_error == "null" and error_column in (text_column, output_column)):
            raise ConfigurationError("text_column, output_column and error_column must differ", model=model)
        self.text_column = text_column
        self.output_column = output_column
        self.error_column = error_column
        self.purpose: Purpose = purpose
        self.on_error: OnError = on_error
        self.rows_failed = 0
        shared: SharedQuota | None = None
        totals = _quota_settings(requests_per_minute, tokens_per_minute, burst_seconds, model)
        if share_quota and totals is not None:
            from .actor import RayQuota

            shared = RayQuota(totals, quota_name)
            requests_per_minute = tokens_per_minute = None  # the shared quota paces; a local one would only lag it
        self.quota = shared
        self.client = EmbeddingsClient(
            model,
            dimensions=dimensions,
            requests_per_minute=requests_per_minute,
            tokens_per_minute=tokens_per_minute,
            shared_quota=shared,
            **settings,
        )

    def __repr__(self) -> str:
        return (
            f"Embedder(model={self.client.model!r}, text_column={self.text_column!r}, "
            f"output_column={self.output_column!r}, purpose={self.purpose!r}, on_error={self.on_error!r}, "
            f"quota={self.quota!r})"
        )

    def __call__(self, batch: Batch) -> Batch:
        model = self.client.model
        texts = read_texts(batch, self.text_column, model)
        try:
            matrix: npt.NDArray[np.float32] = self.client.embed(texts, self.purpose, output="numpy")
        except AIMLEmbeddingsError as error:
            if self.on_error == "raise" or not isinstance(error, NULLABLE):
                error.partial = None  # the finished vectors of one batch are no use to the driver; keep the error small
                raise
            return self._with_nulls(batch, texts, error)
        if not texts:
            matrix = np.zeros((0, self.client.dimension or 0), dtype=np.float32)
        columns = {self.output_column: vector_array(matrix, None)}
        if self.on_error == "null":
            columns[self.error_column] = string_array([None] * len(texts))
        return with_columns(batch, columns)

    def _with_nulls(self, batch: Batch, texts: list[Any], error: AIMLEmbeddingsError) -> Batch:
        """Null only the rows that really failed, after a failure that stopped the rest of the call.

        The core stops requests not yet sent once one fails for good (an
        outage would fail them too), so the rows it returns without a vector
        include some never tried. They are sent again while each round
        finishes some; a group that makes no progress is halved, so a few bad
        rows are found in a few rounds each. An outage is not bisected to the
        last row: after ``ROUNDS_PER_DOUBLING`` failed rounds per doubling of
        the batch, what is left is null.
        """
        rows: list[Any] = list(error.partial or [None] * len(texts))
        budget = ROUNDS_PER_DOUBLING * max(1, len(texts).bit_length())
        failed: list[int] = []
        groups = [[i for i, row in enumerate(rows) if row is None]]
        while groups:
            group = groups.pop()
            if not group:
                continue
            if budget <= 0:
                failed += group
                continue
            try:
                done = self.client.embed([texts[i] for i in group], self.purpose, output="numpy")
            except AIMLEmbeddingsError as again:
                if not isinstance(again, NULLABLE):
                    again.partial = None
                    raise
                budget -= 1
                error = again
                partial = again.partial or [None] * len(group)
                for i, row in zip(group, partial, strict=True):
                    rows[i] = row
                still = [i for i, row in zip(group, partial, strict=True) if row is None]
                if not still:
                    continue
                if len(still) < len(group):
                    groups.append(still)
                elif len(still) == 1:
                    failed += still
                else:
                    groups += [still[len(still) // 2 :], still[: len(still) // 2]]
                continue
            for i, row in zip(group, done, strict=True):
                rows[i] = row
        dimension = next((len(row) for row in rows if row is not None), None) or self.client.dimension
        if dimension is None:  # an unknown model that never answered: no width for the null vectors
            raise error
        matrix = np.zeros((len(texts), dimension), dtype=np.float32)
        for i, row in enumerate(rows):
            if row is not None:
                matrix[i] = row
        self.rows_failed += len(failed)
        reason = f"{type(error).__name__}: {error.message}"
        if error.status_code is not None:
            reason += f" (status {error.status_code})"
        if failed:
            logger.warning(
                "model %s: %d of %d rows got a null vector (%s); %d so far in this actor",
                self.client.model,
                len(failed),
                len(texts),
                reason,
                self.rows_failed,
            )
        lost = set(failed)
        missing_mask = [i in lost for i in range(len(texts))]
        columns = {
            self.output_column: vector_array(matrix, missing_mask),
            self.error_column: string_array([reason if m else None for m in missing_mask]),
        }
        return with_columns(batch, columns)


def quota_settings(embedder: dict[str, Any]) -> QuotaSettings | None:
    """The shared quota an Embedder built from these keyword arguments would use, if any."""
    if not embedder.get("share_quota", True):
        return None
    return _quota_settings(
        embedder.get("requests_per_minute"),
        embedder.get("tokens_per_minute"),
        embedder.get("burst_seconds", DEFAULT_BURST_SECONDS),
        str(embedder.get("model", DEFAULT_MODEL)),
    )


def _quota_settings(
    requests_per_minute: float | None, tokens_per_minute: float | None, burst_seconds: float, model: str
) -> QuotaSettings | None:
    if requests_per_minute is None and tokens_per_minute is None:
        return None
    try:
        return QuotaSettings(requests_per_minute, tokens_per_minute, burst_seconds)
    except ValueError as exc:
        raise ConfigurationError(str(exc), model=model) from exc

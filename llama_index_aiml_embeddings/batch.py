"""The batch entry points at full speed: every chunk to the core in one call, LlamaIndex's events per chunk.

LlamaIndex's own sync loop embeds its ``embed_batch_size`` chunks one after
another, which leaves the client's concurrency idle between them. Here the
chunks are still what callbacks and instrumentation see (one start and one
end event per chunk, with that chunk's texts and vectors), ``embeddings_cache``
hits are answered without being sent, and ``rate_limiter`` gives one permit
per chunk that has something to send; the texts left go to the core together.
End events are built without re-validating their vectors (pydantic checking
every float of 10,000 vectors costs more than embedding them on a fast server).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any

from llama_index.core.callbacks.schema import CBEventType, EventPayload
from llama_index.core.instrumentation import get_dispatcher  # type: ignore[attr-defined]  # re-exported
from llama_index.core.instrumentation.events.embedding import EmbeddingEndEvent, EmbeddingStartEvent

if TYPE_CHECKING:
    from .embedding import AIMLEmbedding

dispatcher = get_dispatcher(__name__)

Progress = Callable[[int], None] | None
Embed = Callable[[list[str], Progress], list[list[float]]]
AEmbed = Callable[[list[str], Progress], Awaitable[list[list[float]]]]
"""The core call: the texts to send and a progress callback, to one vector per text."""

_COLLECTION = "embeddings"  # where BaseEmbedding keeps its cached vectors


class _Chunks:
    """One batch call's chunks and their callback events, from start to end or failure."""

    def __init__(self, model: AIMLEmbedding, texts: list[str]) -> None:
        size = model.embed_batch_size
        self.model, self.texts = model, texts
        self.ranges = [range(start, min(start + size, len(texts))) for start in range(0, len(texts), size)]
        self.vectors: list[list[float] | None] = [None] * len(texts)
        payload = model.to_payload()
        self.events = []
        for _ in self.ranges:
            dispatcher.event(EmbeddingStartEvent(model_dict=payload))
            self.events.append(
                model.callback_manager.on_event_start(CBEventType.EMBEDDING, payload={EventPayload.SERIALIZED: payload})
            )

    def missing(self) -> list[int]:
        return [i for i, vector in enumerate(self.vectors) if vector is None]

    def permits(self) -> int:
        """Chunks with something to send: each takes one permit of the rate limiter, as in LlamaIndex."""
        return sum(any(self.vectors[i] is None for i in chunk) for chunk in self.ranges)

    def fail(self, exc: Exception) -> None:
        for event_id in self.events:
            self.model.callback_manager.on_event_end(
                CBEventType.EMBEDDING, payload={EventPayload.EXCEPTION: exc}, event_id=event_id
            )

    def finish(self) -> list[list[float]]:
        vectors: list[list[float]] = self.vectors  # type: ignore[assignment]  # every slot is filled by now
        for chunk, event_id in zip(self.ranges, self.events, strict=True):
            texts, chunk_vectors = self.texts[chunk.start : chunk.stop], vectors[chunk.start : chunk.stop]
            self.model.callback_manager.on_event_end(
                CBEventType.EMBEDDING,
                payload={EventPayload.CHUNKS: texts, EventPayload.EMBEDDINGS: chunk_vectors},
                event_id=event_id,
            )
            dispatcher.event(EmbeddingEndEvent.model_construct(chunks=texts, embeddings=chunk_vectors))
        return vectors


def embed_in_chunks(model: AIMLEmbedding, texts: list[str], show_progress: bool, embed: Embed) -> list[list[float]]:
    chunks = _Chunks(model, texts)
    try:
        cache = model.embeddings_cache
        if cache is not None:
            for i, text in enumerate(texts):
                chunks.vectors[i] = _cached(cache.get(key=text, collection=_COLLECTION))
        if model.rate_limiter is not None:
            for _ in range(chunks.permits()):
                model.rate_limiter.acquire()
        missing = chunks.missing()
        with _bar(show_progress, len(texts), len(texts) - len(missing)) as bar:
            fresh = embed([texts[i] for i in missing], bar) if missing else []
        for i, vector in zip(missing, fresh, strict=True):
            chunks.vectors[i] = vector
            if cache is not None:
                cache.put(key=texts[i], val={str(uuid.uuid4()): vector}, collection=_COLLECTION)
    except Exception as exc:
        chunks.fail(exc)
        raise
    return chunks.finish()


async def aembed_in_chunks(
    model: AIMLEmbedding, texts: list[str], show_progress: bool, aembed: AEmbed
) -> list[list[float]]:
    chunks = _Chunks(model, texts)
    try:
        cache = model.embeddings_cache
        if cache is not None:
            for i, text in enumerate(texts):
                chunks.vectors[i] = _cached(await cache.aget(key=text, collection=_COLLECTION))
        if model.rate_limiter is not None:
            for _ in range(chunks.permits()):
                await model.rate_limiter.async_acquire()
        missing = chunks.missing()
        with _bar(show_progress, len(texts), len(texts) - len(missing)) as bar:
            fresh = await aembed([texts[i] for i in missing], bar) if missing else []
        for i, vector in zip(missing, fresh, strict=True):
            chunks.vectors[i] = vector
            if cache is not None:
                await cache.aput(key=texts[i], val={str(uuid.uuid4()): vector}, collection=_COLLECTION)
    except Exception as exc:
        chunks.fail(exc)
        raise
    return chunks.finish()


def _cached(hit: dict[str, list[float]] | None) -> list[float] | None:
    """BaseEmbedding stores each vector under a random key of its own dict."""
    return next(iter(hit.values())) if hit else None


class _Bar:
    def __init__(self, total: int, done: int) -> None:
        from tqdm.auto import tqdm  # a dependency of llama-index-core

        self.tqdm = tqdm(total=total, desc="Generating embeddings")
        self.tqdm.update(done)

    def __enter__(self) -> Callable[[int], Any]:
        return self.tqdm.update  # type: ignore[no-any-return]

    def __exit__(self, *exc: object) -> None:
        self.tqdm.close()


def _bar(show: bool, total: int, done: int) -> Any:
    """A progress callback for the core (the texts already cached count as done), or None."""
    return _Bar(total, done) if show else nullcontext(None)

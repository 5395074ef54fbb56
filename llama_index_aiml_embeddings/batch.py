"""``get_text_embedding_batch`` at full speed: every chunk to the core in one call, LlamaIndex's events per chunk.

LlamaIndex's own loop embeds its ``embed_batch_size`` chunks one after another,
which leaves the client's concurrency idle between them. Here the chunks are
still what callbacks and instrumentation see (one start and one end event per
chunk, with that chunk's texts and vectors), ``embeddings_cache`` hits are
answered without being sent, and ``rate_limiter`` gives one permit per chunk
that has something to send; the texts left go to the core together.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any

from llama_index.core.callbacks.schema import CBEventType, EventPayload
from llama_index.core.instrumentation import get_dispatcher  # type: ignore[attr-defined]  # re-exported
from llama_index.core.instrumentation.events.embedding import EmbeddingEndEvent, EmbeddingStartEvent

if TYPE_CHECKING:
    from .embedding import AIMLEmbedding

dispatcher = get_dispatcher(__name__)

Embed = Callable[[list[str], Callable[[int], None] | None], list[list[float]]]
"""The core call: the texts to send and a progress callback, to one vector per text."""


def embed_in_chunks(model: AIMLEmbedding, texts: list[str], show_progress: bool, embed: Embed) -> list[list[float]]:
    size = model.embed_batch_size
    chunks = [range(start, min(start + size, len(texts))) for start in range(0, len(texts), size)]
    payload = model.to_payload()
    events = []
    for _ in chunks:
        dispatcher.event(EmbeddingStartEvent(model_dict=payload))
        events.append(
            model.callback_manager.on_event_start(CBEventType.EMBEDDING, payload={EventPayload.SERIALIZED: payload})
        )
    try:
        vectors = _embed_uncached(model, texts, chunks, show_progress, embed)
    except Exception as exc:
        for event_id in events:
            model.callback_manager.on_event_end(
                CBEventType.EMBEDDING, payload={EventPayload.EXCEPTION: exc}, event_id=event_id
            )
        raise
    for chunk, event_id in zip(chunks, events, strict=True):
        chunk_texts, chunk_vectors = texts[chunk.start : chunk.stop], vectors[chunk.start : chunk.stop]
        model.callback_manager.on_event_end(
            CBEventType.EMBEDDING,
            payload={EventPayload.CHUNKS: chunk_texts, EventPayload.EMBEDDINGS: chunk_vectors},
            event_id=event_id,
        )
        dispatcher.event(EmbeddingEndEvent(chunks=chunk_texts, embeddings=chunk_vectors))
    return vectors


def _embed_uncached(
    model: AIMLEmbedding, texts: list[str], chunks: list[range], show_progress: bool, embed: Embed
) -> list[list[float]]:
    cache = model.embeddings_cache
    vectors: list[list[float] | None] = [None] * len(texts)
    if cache is not None:
        for i, text in enumerate(texts):
            hit = cache.get(key=text, collection="embeddings")
            if hit is not None:
                vectors[i] = next(iter(hit.values()))
    missing = [i for i, vector in enumerate(vectors) if vector is None]
    if model.rate_limiter is not None:
        for chunk in chunks:
            if any(vectors[i] is None for i in chunk):
                model.rate_limiter.acquire()
    with _bar(show_progress, len(texts)) as bar:
        if bar is not None:
            bar.update(len(texts) - len(missing))
        fresh = embed([texts[i] for i in missing], bar.update if bar is not None else None) if missing else []
    for i, vector in zip(missing, fresh, strict=True):
        vectors[i] = vector
        if cache is not None:
            cache.put(key=texts[i], val={str(uuid.uuid4()): vector}, collection="embeddings")
    return vectors  # type: ignore[return-value]  # every position is a hit or was just embedded


def _bar(show: bool, total: int) -> Any:
    if not show:
        return nullcontext(None)
    from tqdm.auto import tqdm  # a dependency of llama-index-core

    return tqdm(total=total, desc="Generating embeddings")

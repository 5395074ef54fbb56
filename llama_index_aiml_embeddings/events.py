"""The instrumentation event carrying what one embedding call cost, for tracing handlers."""

from __future__ import annotations

from llama_index.core.instrumentation.events import BaseEvent

from aiml_embeddings import Usage


class EmbeddingUsageEvent(BaseEvent):
    """What one call into the API cost, as the server reported it (0 where it reports nothing, as Inworld).

    Emitted once per call into the core client (one ``get_text_embedding_batch``, one query) as that
    call returns, failed or not, before the ``EmbeddingEndEvent`` of its texts, inside the same span;
    handlers that add up tokens see the server's numbers instead of guessing them with a tokenizer.
    """

    model_name: str
    requests: int
    retries: int
    rate_limited: int
    inputs: int
    deduplicated: int
    prompt_tokens: int
    total_tokens: int
    credits: float

    @classmethod
    def class_name(cls) -> str:
        return "EmbeddingUsageEvent"

    @classmethod
    def of(cls, model_name: str, usage: Usage) -> EmbeddingUsageEvent:
        return cls(model_name=model_name, **vars(usage))

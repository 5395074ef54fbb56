"""The AI/ML API wire format: OpenAI-compatible ``POST /v1/embeddings``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..models import ModelSpec
from ..usage import Usage
from .base import (
    Answer,
    ErrorInfo,
    RawVector,
    expect_list,
    finite_float32,
    float_list,
    from_base64,
    number_at,
    text_of,
)


class AIMLAPICodec:
    path = "/embeddings"

    def encode(self, spec: ModelSpec, texts: Sequence[str], params: Mapping[str, object]) -> dict[str, Any]:
        """The body, with only what the model accepts (the API rejects unknown fields with a 400).

        A single input goes as a plain string: every model's schema takes
        that form, and some cap an array item tighter than a lone string.
        """
        body: dict[str, Any] = {"model": spec.id, "input": texts[0] if len(texts) == 1 else list(texts)}
        if spec.accepts("encoding_format"):
            body["encoding_format"] = "base64"
        body.update(params)
        return body

    def decode(self, payload: Any, answer: Answer) -> list[RawVector]:
        """Vectors in input order: the API may list ``data`` in any order, ``index`` is the truth."""
        count = answer.count
        items = expect_list(payload, "data", answer)
        out: list[RawVector | None] = [None] * count
        for position, item in enumerate(items):
            if not isinstance(item, dict):
                raise answer.malformed("holds a non-object in 'data'")
            index = item.get("index", position)
            if (
                not isinstance(index, int)
                or isinstance(index, bool)
                or not 0 <= index < count
                or out[index] is not None
            ):
                raise answer.malformed(
                    f"has a missing, repeated or out-of-range index {str(index)[:40]!r} for {count} input(s)"
                )
            value = item.get("embedding")
            out[index] = (
                from_base64(value, answer, index) if isinstance(value, str) else float_list(value, answer, index)
            )
        vectors: list[RawVector] = out  # type: ignore[assignment]  # every slot was filled: count items, distinct indices
        finite_float32(vectors, answer)
        return vectors

    def error(self, payload: Any, text: str) -> ErrorInfo:
        """Both documented error bodies: ``{message, statusCode, requestId}`` and problem+json."""
        message = text_of(payload, "message", "error.message", "detail", "title", "error") or text.strip()[:500]
        return ErrorInfo(message=message or "no error message", request_id=text_of(payload, "requestId"))

    def usage(self, payload: Any) -> Usage:
        """The answer's ``usage`` tokens and ``meta.usage.credits_used``; what is missing or null counts as 0."""
        return Usage(
            prompt_tokens=int(number_at(payload, "usage.prompt_tokens")),
            total_tokens=int(number_at(payload, "usage.total_tokens")),
            credits=float(number_at(payload, "meta.usage.credits_used")),
        )

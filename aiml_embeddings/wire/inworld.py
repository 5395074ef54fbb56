"""Inworld's wire format: ``POST /ml/v1alpha/embedding:embed`` with ``inputs``/``embeddings``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..models import ModelSpec
from ..usage import Usage
from .base import Answer, ErrorInfo, RawVector, expect_list, float_list, text_of

SERVICE_PROVIDER = "SERVICE_PROVIDER_INWORLD"


class InworldCodec:
    path = "/ml/v1alpha/embedding:embed"

    def encode(self, spec: ModelSpec, texts: Sequence[str], params: Mapping[str, object]) -> dict[str, Any]:
        """Inworld takes no parameters besides the model; ``params`` must be empty."""
        return {
            "inputs": [{"text": t} for t in texts],
            "model": {"model": spec.id, "serviceProvider": SERVICE_PROVIDER},
        }

    def decode(self, payload: Any, answer: Answer) -> list[RawVector]:
        """Embeddings come back in input order (the schema has no index)."""
        out: list[RawVector] = []
        for position, item in enumerate(expect_list(payload, "embeddings", answer)):
            if not isinstance(item, dict):
                raise answer.malformed("holds a non-object in 'embeddings'", position)
            out.append(float_list(item.get("values"), answer, position))
        return out

    def error(self, payload: Any, text: str) -> ErrorInfo:
        """``rpcStatus``: ``{code, message, details}`` with a gRPC code."""
        code = payload.get("code") if isinstance(payload, dict) else None
        message = text_of(payload, "message", "error.message") or text.strip()[:500]
        return ErrorInfo(message=message or "no error message", code=code if isinstance(code, int) else None)

    def usage(self, payload: Any) -> Usage:
        """Inworld's answer carries no token or credit counts, so there is nothing to add."""
        return Usage()

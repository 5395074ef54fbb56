"""Inworld's wire format: ``POST /ml/v1alpha/embedding:embed`` with ``inputs``/``embeddings``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import MalformedResponseError
from ..models import ModelSpec
from ..usage import Usage
from .base import ErrorInfo, RawVector, expect_list, float_list, text_of

SERVICE_PROVIDER = "SERVICE_PROVIDER_INWORLD"


class InworldCodec:
    path = "/ml/v1alpha/embedding:embed"

    def encode(self, spec: ModelSpec, texts: Sequence[str], params: Mapping[str, object]) -> dict[str, Any]:
        """Inworld takes no parameters besides the model; ``params`` must be empty."""
        return {
            "inputs": [{"text": t} for t in texts],
            "model": {"model": spec.id, "serviceProvider": SERVICE_PROVIDER},
        }

    def decode(self, payload: Any, count: int, model: str) -> list[RawVector]:
        """Embeddings come back in input order (the schema has no index)."""
        out: list[RawVector] = []
        for item in expect_list(payload, "embeddings", count, model):
            if not isinstance(item, dict):
                raise MalformedResponseError(
                    f"the response for model {model!r} holds a non-object in 'embeddings'", model=model
                )
            out.append(float_list(item.get("values"), model))
        return out

    def error(self, payload: Any, text: str) -> ErrorInfo:
        """``rpcStatus``: ``{code, message, details}`` with a gRPC code."""
        code = payload.get("code") if isinstance(payload, dict) else None
        message = text_of(payload, "message", "error.message") or text.strip()[:500]
        return ErrorInfo(message=message or "no error message", code=code if isinstance(code, int) else None)

    def usage(self, payload: Any) -> Usage:
        """Inworld's answer carries no token or credit counts, so there is nothing to add."""
        return Usage()

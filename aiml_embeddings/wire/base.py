"""What every codec provides, and the vector decoding they share."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ..errors import MalformedResponseError
from ..models import ModelSpec
from ..usage import Usage

RawVector = bytes | list[float]
"""A vector as it left the wire: little-endian float32 bytes (base64) or a float list."""


@dataclass(frozen=True)
class ErrorInfo:
    """An error body reduced to what the error classes need."""

    message: str
    request_id: str | None = None
    code: int | None = None  # Inworld's gRPC code


class Codec(Protocol):
    path: str

    def encode(self, spec: ModelSpec, texts: Sequence[str], params: Mapping[str, object]) -> dict[str, Any]: ...

    def decode(self, payload: Any, count: int, model: str) -> list[RawVector]: ...

    def error(self, payload: Any, text: str) -> ErrorInfo: ...

    def usage(self, payload: Any) -> Usage: ...


def from_base64(value: str, model: str) -> bytes:
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MalformedResponseError(
            f"model {model!r} returned an embedding that is not valid base64", model=model
        ) from exc
    if len(raw) % 4:
        raise MalformedResponseError(
            f"model {model!r} returned {len(raw)} bytes of base64, not a whole number of float32 values",
            model=model,
        )
    return raw


def float_list(value: Any, model: str) -> list[float]:
    if not isinstance(value, list) or (value and not isinstance(value[0], (int, float))):
        raise MalformedResponseError(
            f"model {model!r} returned an embedding that is not a list of numbers", model=model
        )
    return value


def dimension_of(vector: RawVector) -> int:
    return len(vector) // 4 if isinstance(vector, bytes) else len(vector)


def expect_list(payload: Any, key: str, count: int, model: str) -> list[Any]:
    items = payload.get(key) if isinstance(payload, dict) else None
    if not isinstance(items, list):
        raise MalformedResponseError(f"the response for model {model!r} has no {key!r} list", model=model)
    if len(items) != count:
        raise MalformedResponseError(
            f"sent {count} input(s) to model {model!r} but got {len(items)} embedding(s) back",
            model=model,
        )
    return items


def text_of(payload: Any, *keys: str) -> str | None:
    """The first string found under ``keys`` (dotted for nesting) in a JSON object."""
    for key in keys:
        node: Any = payload
        for part in key.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, str) and node:
            return node
        if isinstance(node, list) and node and all(isinstance(m, str) for m in node):
            return "; ".join(node)
    return None


def number_at(payload: Any, key: str) -> float:
    """The number under ``key`` (dotted for nesting), or 0 where the server reports none (absent, null, text)."""
    node: Any = payload
    for part in key.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node if isinstance(node, int | float) and not isinstance(node, bool) and node >= 0 else 0

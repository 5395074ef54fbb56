"""What every codec provides, and the vector decoding and checking they share.

Every vector is checked before it leaves here: a non-empty list of finite
numbers, or whole float32 values none of which is NaN or infinite. The
checks run over the whole vector in C (one ``sum`` over a float list, a few
big-integer operations over a float32 buffer), never a Python loop per
value; ``benchmarks/value_check.py`` measures what they cost.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
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


@dataclass(frozen=True)
class Answer:
    """One 2xx answer, as an error about it must name it: the model, the caller's inputs, the server's id.

    ``inputs`` are the caller's positions of the batch's inputs, in request
    order, so an error names the input the caller sent, not a place in a batch.
    """

    model: str
    inputs: Sequence[int]
    status_code: int | None = None
    request_id: str | None = None

    @property
    def count(self) -> int:
        return len(self.inputs)

    def malformed(self, problem: str, item: int | None = None) -> MalformedResponseError:
        """The error for an untrustworthy answer, whole: what is wrong, for which input, with the request id."""
        named = [self.inputs[item]] if item is not None and 0 <= item < len(self.inputs) else []
        where = f" for input {named[0]}" if named else ""
        return MalformedResponseError(
            f"the response for model {self.model!r}{where} {problem}",
            model=self.model,
            status_code=self.status_code,
            request_id=self.request_id,
            failed_indices=named,
        )


class Codec(Protocol):
    path: str

    def encode(self, spec: ModelSpec, texts: Sequence[str], params: Mapping[str, object]) -> dict[str, Any]: ...

    def decode(self, payload: Any, answer: Answer) -> list[RawVector]: ...

    def error(self, payload: Any, text: str) -> ErrorInfo: ...

    def usage(self, payload: Any) -> Usage: ...


def from_base64(value: str, answer: Answer, item: int) -> bytes:
    """Little-endian float32 bytes, checked: whole values, at least one, none NaN or infinite."""
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise answer.malformed("holds an embedding that is not valid base64", item) from exc
    if not raw or len(raw) % 4:
        raise answer.malformed(
            f"holds {len(raw)} bytes of base64, not a whole, non-zero number of float32 values", item
        )
    if not _all_finite_float32(raw):
        raise answer.malformed("holds an embedding with a NaN or infinite value", item)
    return raw


def float_list(value: Any, answer: Answer, item: int) -> list[float]:
    """A JSON vector, checked: a non-empty list of finite numbers (JSON's NaN and Infinity are refused)."""
    if not isinstance(value, list) or not value:
        raise answer.malformed("holds an embedding that is not a non-empty list of numbers", item)
    problem = _list_problem(value)
    if problem is not None:
        raise answer.malformed(f"holds an embedding with {problem}", item)
    return value


def _list_problem(values: list[Any]) -> str | None:
    """What is wrong with a float list's values, in one C pass: a non-number raises in ``sum``, and a NaN
    or an infinity makes the sum NaN or infinite. Finite values overflow the sum only near float64's
    limit (1e305 and up), which no embedding holds; such a vector is refused as infinite too."""
    try:
        total = sum(values)
        finite = math.isfinite(total)
    except (TypeError, OverflowError):
        return "a value that is not a number"
    return None if finite else "a NaN or infinite value"


_EXPONENT = b"\x00\x00\x80\x7f"
"""A float32's exponent bits, little-endian: all of them set means NaN or infinity."""


@lru_cache(maxsize=32)
def _masks(count: int) -> tuple[int, int, int]:
    """The exponent mask, a one and a sign bit in every 32-bit lane, for ``count`` lanes (one per dimension)."""
    return (
        int.from_bytes(_EXPONENT * count, "little"),
        int.from_bytes(b"\x01\x00\x00\x00" * count, "little"),
        int.from_bytes(b"\x00\x00\x00\x80" * count, "little"),
    )


def _all_finite_float32(raw: bytes) -> bool:
    """No float32 in ``raw`` has every exponent bit set (NaN or infinity).

    Fast path: a value can only be one if its top byte is 0x7f or 0xff, that
    is |x| >= 2**127, which an embedding never holds; ``raw[3::4]`` and two
    byte searches rule that out in a microsecond. Otherwise the exact test,
    over all lanes at once as one integer: ``lanes`` is zero exactly in the
    lanes that are NaN or infinite and at most 0x7f800000 elsewhere;
    subtracting one from every lane borrows only out of a zero lane, which
    sets that lane's top bit, and no other lane can reach its top bit.
    """
    top = raw[3::4]
    if b"\x7f" not in top and b"\xff" not in top:
        return True
    exponent, ones, tops = _masks(len(raw) // 4)
    lanes = (int.from_bytes(raw, "little") & exponent) ^ exponent
    return not (lanes - ones) & tops


def dimension_of(vector: RawVector) -> int:
    return len(vector) // 4 if isinstance(vector, bytes) else len(vector)


def expect_list(payload: Any, key: str, answer: Answer) -> list[Any]:
    items = payload.get(key) if isinstance(payload, dict) else None
    if not isinstance(items, list):
        raise answer.malformed(f"has no {key!r} list (or is not JSON)")
    if len(items) != answer.count:
        raise answer.malformed(
            f"does not match the request: sent {answer.count} input(s), got {len(items)} embedding(s) back"
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

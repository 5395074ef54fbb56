"""What every codec provides, and the vector decoding and checking they share.

Every vector is checked before it leaves here: a non-empty list of finite
numbers within float32's range (no ``true`` or ``false``), or whole float32
values none of which is NaN or infinite. The checks run in C over whole
vectors, never a Python loop per value: a float list costs one pass for its
types and one ``math.hypot``; the float32 vectors of an answer are checked
together, by one ``numpy.isfinite`` over the answer when numpy is already
loaded (the numpy output loads it; this module never imports it), else by a
byte screen per vector. ``benchmarks/value_check.py`` measures what they cost.
"""

from __future__ import annotations

import base64
import binascii
import math
import sys
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
    """Little-endian float32 bytes: whole values, at least one (``finite_float32`` checks the values)."""
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise answer.malformed("holds an embedding that is not valid base64", item) from exc
    if not raw or len(raw) % 4:
        raise answer.malformed(
            f"holds {len(raw)} bytes of base64, not a whole, non-zero number of float32 values", item
        )
    return raw


def float_list(value: Any, answer: Answer, item: int) -> list[float]:
    """A JSON vector, checked: a non-empty list of finite numbers that fit a float32 (JSON's NaN, Infinity,
    ``true`` and ``false`` are refused; so is 1e39, which numpy output would turn into an infinity)."""
    if not isinstance(value, list) or not value:
        raise answer.malformed("holds an embedding that is not a non-empty list of numbers", item)
    problem = _list_problem(value)
    if problem is not None:
        raise answer.malformed(f"holds an embedding with {problem}", item)
    return value


FLOAT32_MAX = 3.4028234663852886e38
"""The largest finite float32: a larger value is an infinity in a float32 array."""

_NUMBERS = frozenset({float, int})


def _list_problem(values: list[Any]) -> str | None:
    """What is wrong with a float list's values, in two C passes.

    The types first: ``bool`` is an ``int`` to every arithmetic function, so
    only a look at each value's type tells ``true`` from 1. Then the vector's
    length, ``math.hypot``: NaN or infinity makes it NaN or infinite, and it
    exceeds float32's range whenever one value does. Only a vector whose
    length does (never an embedding's) is looked at value by value.
    """
    kinds = set(map(type, values))
    if not kinds <= _NUMBERS:
        return "a boolean (true or false)" if kinds - _NUMBERS == {bool} else "a value that is not a number"
    try:
        length = math.hypot(*values)
    except OverflowError:  # an integer too large for any float
        return "a value beyond float32's range"
    if length <= FLOAT32_MAX:
        return None
    if not all(map(math.isfinite, values)):
        return "a NaN or infinite value"
    return "a value beyond float32's range" if max(map(abs, values)) > FLOAT32_MAX else None


def finite_float32(vectors: Sequence[RawVector], answer: Answer) -> None:
    """Every float32 vector of one answer holds only finite values, or the error names the first that does not."""
    raws = [vector for vector in vectors if isinstance(vector, bytes)]
    if not raws or _all_finite(raws):
        return
    for item, vector in enumerate(vectors):
        if isinstance(vector, bytes) and not _all_finite_float32(vector):
            raise answer.malformed("holds an embedding with a NaN or infinite value", item)


def _numpy() -> Any:
    """numpy if this process has loaded it already (never imported here: the core depends on httpx and pydantic)."""
    module = sys.modules.get("numpy")
    return module if hasattr(module, "isfinite") else None  # not half-imported by another thread


def _all_finite(raws: list[bytes]) -> bool:
    """No value of these float32 vectors is NaN or infinite: one ``isfinite`` over the lot when numpy is
    loaded (a tenth of a microsecond a vector), else the byte screen of each (about one microsecond)."""
    numpy = _numpy()
    if numpy is None:
        return all(map(_all_finite_float32, raws))
    return bool(numpy.isfinite(numpy.frombuffer(b"".join(raws), dtype="<f4")).all())


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

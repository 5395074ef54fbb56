"""Deterministic vectors that name their text, and the checker that reads them back.

The first three values of every vector are a hash of its text (each an
exact float32, so every wire format and every client's conversion keeps
them bit for bit); the rest is one fixed pattern per dimension. The server
therefore builds a response with a few string joins (it must never be the
bottleneck), and the checker can tell, for every position, whether the
vector there is right, missing, another text's (misplaced) or corrupt.
"""

from __future__ import annotations

import base64
import hashlib
import struct
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

import numpy as np

KEY_VALUES = 3
"""12 bytes: a whole number of base64 groups, so the key's base64 never mixes with the tail's."""


def key_of(text: str, dimension: int) -> tuple[float, ...]:
    """The text's fingerprint: up to three floats in [-0.5, 0.5) with 20 significant bits (exact in float32)."""
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=4 * KEY_VALUES).digest()
    words = struct.unpack("<3I", digest)
    return tuple((w >> 12) / 2**20 - 0.5 for w in words)[: min(KEY_VALUES, dimension)]


@dataclass(frozen=True)
class Tail:
    """The shared part of every vector of one dimension, pre-encoded both ways."""

    values: np.ndarray[Any, np.dtype[np.float32]]
    base64: str
    json: str


@lru_cache(maxsize=16)
def tail(dimension: int) -> Tail:
    size = max(0, dimension - KEY_VALUES)
    rng = np.random.default_rng(dimension)
    values = (rng.standard_normal(size) / np.sqrt(max(1, dimension))).astype(np.float32)
    as_text = ",".join(np.format_float_positional(v, unique=True, trim="-") for v in values)
    return Tail(values, base64.b64encode(values.astype("<f4").tobytes()).decode("ascii"), as_text)


def vector_base64(text: str, dimension: int) -> str:
    key = key_of(text, dimension)
    if dimension < KEY_VALUES:
        return base64.b64encode(struct.pack(f"<{dimension}f", *key)).decode("ascii")
    return base64.b64encode(struct.pack("<3f", *key)).decode("ascii") + tail(dimension).base64


def vector_json(text: str, dimension: int) -> str:
    key = ",".join(repr(k) for k in key_of(text, dimension))
    rest = tail(dimension).json
    return f"[{key},{rest}]" if rest else f"[{key}]"


def expected(texts: list[str], dimension: int) -> np.ndarray[Any, np.dtype[np.float32]]:
    """The full (n, dimension) float32 array a correct client returns; for tests and spot checks."""
    out = np.empty((len(texts), dimension), dtype=np.float32)
    out[:, KEY_VALUES:] = tail(dimension).values
    out[:, : min(KEY_VALUES, dimension)] = [key_of(t, dimension) for t in texts]
    return out


@dataclass
class Verdict:
    """How many positions got their own vector, none, another text's, or garbage."""

    right: int
    lost: int
    misplaced: int
    corrupt: int
    duplicated: int

    @property
    def ok(self) -> bool:
        return self.lost == self.misplaced == self.corrupt == self.duplicated == 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def check(texts: list[str], got: np.ndarray[Any, Any] | None, dimension: int) -> Verdict:
    """Compare a client's output with what each text's vector must be.

    ``got`` is the client's output as an (n, dimension) float32 array (rows
    of NaN where the client returned nothing), or None when it returned
    nothing at all.
    """
    n = len(texts)
    if got is None or got.ndim != 2 or got.shape[1] != dimension:
        return Verdict(0, n, 0, 0, 0)
    keys = np.array([key_of(t, dimension) for t in texts], dtype=np.float32).reshape(n, -1)
    owner = {k.tobytes(): i for i, k in enumerate(keys)}
    rows = min(n, got.shape[0])
    got = got[:rows].astype(np.float32, copy=False)
    width = keys.shape[1]
    key_ok = (got[:, :width] == keys[:rows]).all(axis=1)
    tail_ok = (got[:, width:] == tail(dimension).values[: dimension - width]).all(axis=1)
    right = lost = misplaced = corrupt = 0
    seen: dict[int, int] = {}
    for i in range(rows):
        row = got[i]
        if key_ok[i] and tail_ok[i]:
            right += 1
            seen[i] = seen.get(i, 0) + 1
        elif np.isnan(row).all():
            lost += 1
        else:
            other = owner.get(np.ascontiguousarray(row[:width]).tobytes()) if tail_ok[i] else None
            if other is None:
                corrupt += 1
            else:
                misplaced += 1
                seen[other] = seen.get(other, 0) + 1
    lost += n - rows
    duplicated = sum(1 for count in seen.values() if count > 1)
    return Verdict(right, lost, misplaced, corrupt, duplicated)

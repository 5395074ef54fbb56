"""Deterministic vectors that make retrieval meaningful without a model.

Each content word of a text is hashed into a few signed buckets of the
vector (a "hashed bag of words"), so texts that share words share buckets
and come out close, texts that share none come out orthogonal. The model ID
seeds the hash (two models give different vectors for one text, as real
ones do) and a role marker adds a small extra bucket, so a query and a
document of the same text differ slightly without breaking retrieval.
Vectors are sparse, which also keeps the cassettes small.
"""

from __future__ import annotations

import hashlib
import math
import re

BUCKETS_PER_WORD = 3
ROLE_WEIGHT = 0.25
DECIMALS = 6

STOPWORDS = frozenset(
    {
        *("a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "in", "is", "it"),
        *("its", "of", "on", "or", "that", "the", "this", "to", "was", "were", "which", "who", "with", "what"),
    }
)
_WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> list[str]:
    """Lower-cased content words: what two texts must share to come out close."""
    return [w for w in _WORD.findall(text.lower()) if w not in STOPWORDS]


def _buckets(token: str, model: str, dimension: int) -> list[tuple[int, float]]:
    digest = hashlib.sha256(f"{model}\x00{token}".encode()).digest()
    out = []
    for k in range(BUCKETS_PER_WORD):
        chunk = int.from_bytes(digest[4 * k : 4 * k + 4], "little")
        out.append((chunk % dimension, 1.0 if chunk & 0x80000000 else -1.0))
    return out


def word_vector(text: str, model: str, dimension: int, role: str | None = None) -> list[float]:
    """A unit vector of ``dimension`` floats, rounded to ``DECIMALS`` places."""
    values = [0.0] * dimension
    tokens = [(w, 1.0) for w in words(text)] or [(text, 1.0)]
    if role:
        tokens.append((f"<role:{role}>", ROLE_WEIGHT))
    for token, weight in tokens:
        for index, sign in _buckets(token, model, dimension):
            values[index] += sign * weight
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    return [round(v / norm, DECIMALS) + 0.0 for v in values]  # + 0.0 turns -0.0 into 0.0


def cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    na = math.sqrt(sum(x * x for x in a))
    nb = math.sqrt(sum(y * y for y in b))
    return dot / (na * nb) if na and nb else 0.0

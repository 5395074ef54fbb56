"""Input checks and the policies for empty and over-long inputs.

Everything here runs before the first request, so a bad list fails fast and
names the offending position instead of costing a round trip.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from typing import Literal

from .errors import EmptyInputError, InputTypeError
from .models import ModelSpec
from .plan import clip_to_tokens

EmptyPolicy = Literal["error", "zeros"]
"""``error``: raise before any request. ``zeros``: answer a zero vector without sending it."""

logger = logging.getLogger("aiml_embeddings")

_SURROGATE = re.compile("[\ud800-\udfff]")
"""A code point Python strings may hold but UTF-8 cannot: half of a UTF-16 pair, or bytes decoded with
``errors="surrogateescape"``."""


def check_texts(texts: object, model: str) -> list[str]:
    """A list of ``str`` that UTF-8 can carry, or a ``TypeError`` naming the first bad position."""
    if isinstance(texts, (str, bytes)):
        raise InputTypeError(
            f"expected a list of strings for model {model!r}, got a single {type(texts).__name__}; "
            "wrap it in a list ([text]) or use the query method for one text",
            model=model,
        )
    if not isinstance(texts, Iterable) or isinstance(texts, Mapping):
        raise InputTypeError(
            f"expected a list of strings for model {model!r}, got {type(texts).__name__}",
            model=model,
        )
    out = list(texts)
    for i, text in enumerate(out):
        if not isinstance(text, str):
            raise InputTypeError(
                f"input {i} is {type(text).__name__}, not str, for model {model!r}; "
                "every input must be a string (token IDs are not accepted by the AI/ML API)",
                model=model,
                failed_indices=[i],
            )
        if not text.isascii() and (bad := _SURROGATE.search(text)) is not None:
            raise InputTypeError(
                f"input {i} holds a lone surrogate (U+{ord(bad.group()):04X} at character {bad.start()}) for model "
                f"{model!r}: it is not valid Unicode text and cannot be sent as UTF-8; decode the source with "
                "errors='replace', or pair or remove the surrogate",
                model=model,
                failed_indices=[i],
            )
    return out


def blank_positions(texts: list[str], model: str, policy: EmptyPolicy) -> list[int]:
    """Positions of empty or whitespace-only inputs; raises under the ``error`` policy."""
    blanks = [i for i, text in enumerate(texts) if not text.strip()]
    if blanks and policy == "error":
        raise EmptyInputError(
            f"{len(blanks)} input(s) are empty or whitespace-only and model {model!r} cannot embed "
            "them (the API rejects empty strings); remove them, or pass empty_inputs='zeros' "
            "to get a zero vector in their place",
            model=model,
            failed_indices=blanks,
        )
    return blanks


def clip_long(texts: list[str], spec: ModelSpec) -> list[str]:
    """Client-side truncation to the model's context, for ``truncate=True``.

    Clipping plans for more tokens than estimated, so a clipped input is
    within the context; the price is that some inputs lose a little more than needed.
    """
    clipped = [clip_to_tokens(t, spec.context) for t in texts]
    cut = sum(1 for a, b in zip(texts, clipped, strict=False) if a is not b)
    if cut:
        logger.warning("truncated %d input(s) to the %d-token context of %r", cut, spec.context, spec.id)
    return clipped

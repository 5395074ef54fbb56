"""Pure batch planning: which inputs travel together, within a model's limits.

No tokenizer is fetched over the network. One estimate from the UTF-8
length serves everywhere: pacing and quotas take it as it is (they want it
close), while batches and clipping plan for ``PLANNING_MARGIN`` more, so no
request crosses a per-request token cap on the estimate's account; a batch
the server still finds too large is split by the client, not failed.
"""

from __future__ import annotations

from collections.abc import Sequence

BYTES_PER_TOKEN = 4
"""English runs at about 4 UTF-8 bytes per token: the close estimate pacing and quotas want."""

PLANNING_MARGIN = 4 / 3
"""Batches and clipping allow for a third more tokens than estimated (CJK runs nearer 3 bytes a token)."""

MIN_SPLIT_INPUTS = 16
"""Below this many inputs per request, more requests cost more round trips than they save."""

MAX_VALUES_PER_RESPONSE = 400_000
"""Floats per answer (about 2 MB as base64, 8 MB as JSON numbers): answers in flight at once,
not the result, set the peak memory of a large job, so no single answer may be huge."""


def estimate_tokens(text: str) -> int:
    """The token count of ``text``, estimated cheaply enough to run on every input."""
    return len(text.encode("utf-8")) // BYTES_PER_TOKEN + 1


def inputs_per_request(model_max: int, batch_size: int | None, dimension: int | None) -> int:
    """The most inputs one request may carry: the model's limit, the caller's ``batch_size``, and no answer
    over ``MAX_VALUES_PER_RESPONSE`` floats once the vector length is known."""
    most = min(model_max, batch_size or model_max)
    if dimension:
        most = min(most, MAX_VALUES_PER_RESPONSE // dimension)
    return max(1, most)


def plan_batches(
    costs: Sequence[int],
    *,
    max_inputs: int,
    max_tokens: int,
    min_batches: int = 1,
) -> list[range]:
    """Contiguous ranges over ``costs`` that respect both caps.

    Each range holds at most ``max_inputs`` items and at most ``max_tokens``
    tokens as planned (estimated, times ``PLANNING_MARGIN``), unless it is a
    single item over the token cap on its own (the server then decides). When the caps leave fewer batches than
    ``min_batches`` (the concurrency), batches are made smaller so every
    slot has work, but not below ``MIN_SPLIT_INPUTS`` inputs.
    """
    if max_inputs < 1 or max_tokens < 1:
        raise ValueError("max_inputs and max_tokens must be positive")
    max_tokens = max(1, int(max_tokens / PLANNING_MARGIN))
    n = len(costs)
    if n == 0:
        return []
    slots = max(1, min_batches)
    per_batch = min(max_inputs, max(MIN_SPLIT_INPUTS, -(-n // slots)))
    batches = _greedy(costs, per_batch, max_tokens)
    if len(batches) > slots and len(batches) % slots:
        # A last wave with idle slots costs a full round trip: spread the work over whole waves.
        waves = -(-len(batches) // slots)
        evened = _greedy(costs, min(per_batch, max(MIN_SPLIT_INPUTS, -(-n // (waves * slots)))), max_tokens)
        if len(evened) <= waves * slots:
            batches = evened
    return batches


def _greedy(costs: Sequence[int], per_batch: int, max_tokens: int) -> list[range]:
    batches: list[range] = []
    start, tokens = 0, 0
    for i, cost in enumerate(costs):
        if i > start and (i - start >= per_batch or tokens + cost > max_tokens):
            batches.append(range(start, i))
            start, tokens = i, 0
        tokens += cost
    batches.append(range(start, len(costs)))
    return batches


def halves(batch: range) -> tuple[range, range]:
    """Split a batch the server rejected as too large; both halves are non-empty."""
    if len(batch) < 2:
        raise ValueError("a single input cannot be split")
    mid = batch.start + len(batch) // 2
    return range(batch.start, mid), range(mid, batch.stop)


def clip_to_tokens(text: str, tokens: int) -> str:
    """``text`` if it fits ``tokens`` as planned, else its longest prefix that does."""
    budget = max(0, int(tokens / PLANNING_MARGIN) - 1) * BYTES_PER_TOKEN
    raw = text.encode("utf-8")
    if len(raw) <= budget:
        return text
    return raw[:budget].decode("utf-8", errors="ignore")

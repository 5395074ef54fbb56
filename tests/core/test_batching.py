"""Batch planning, as properties: every input exactly once, in order, and no batch over a limit."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aiml_embeddings.plan import MIN_SPLIT_INPUTS, clip_to_tokens, estimate_tokens, halves, plan_batches


@given(
    costs=st.lists(st.integers(min_value=1, max_value=5000), max_size=500),
    max_inputs=st.integers(min_value=1, max_value=300),
    max_tokens=st.integers(min_value=1, max_value=20000),
    min_batches=st.integers(min_value=1, max_value=16),
)
def test_batches_cover_every_input_once_in_order_within_limits(
    costs: list[int], max_inputs: int, max_tokens: int, min_batches: int
) -> None:
    batches = plan_batches(costs, max_inputs=max_inputs, max_tokens=max_tokens, min_batches=min_batches)
    assert [i for b in batches for i in b] == list(range(len(costs)))
    for batch in batches:
        assert 1 <= len(batch) <= max_inputs
        assert len(batch) == 1 or sum(costs[i] for i in batch) <= max_tokens


@given(n=st.integers(min_value=1, max_value=5000), concurrency=st.integers(min_value=1, max_value=32))
def test_concurrency_gets_work_for_every_slot(n: int, concurrency: int) -> None:
    batches = plan_batches([1] * n, max_inputs=2048, max_tokens=10**9, min_batches=concurrency)
    sizes = [len(b) for b in batches]
    assert max(sizes) <= max(MIN_SPLIT_INPUTS, -(-n // concurrency))
    if n >= MIN_SPLIT_INPUTS * concurrency:
        assert len(batches) >= concurrency - 1  # ceil rounding may fold one slot


def test_a_2000_text_job_is_not_two_huge_requests() -> None:
    assert len(plan_batches([10] * 2000, max_inputs=2048, max_tokens=300_000, min_batches=8)) == 8


def test_an_input_over_the_token_cap_travels_alone() -> None:
    batches = plan_batches([5, 50, 5], max_inputs=10, max_tokens=20)
    assert [list(b) for b in batches] == [[0], [1], [2]]


def test_bad_limits_are_rejected() -> None:
    with pytest.raises(ValueError):
        plan_batches([1], max_inputs=0, max_tokens=1)


@given(start=st.integers(min_value=0, max_value=100), size=st.integers(min_value=2, max_value=1000))
def test_halves_partition_a_batch(start: int, size: int) -> None:
    first, second = halves(range(start, start + size))
    assert list(first) + list(second) == list(range(start, start + size))
    assert len(first) >= 1 and len(second) >= 1


def test_a_single_input_cannot_be_halved() -> None:
    with pytest.raises(ValueError):
        halves(range(3, 4))


@given(text=st.text(max_size=3000), tokens=st.integers(min_value=1, max_value=800))
def test_clipping_fits_the_estimate_and_keeps_a_prefix(text: str, tokens: int) -> None:
    clipped = clip_to_tokens(text, tokens)
    assert text.startswith(clipped)
    assert estimate_tokens(clipped) <= tokens or clipped == text


def test_the_estimate_over_counts_english() -> None:
    # about 4.5 bytes per real token in English prose: the estimate must be above the real count
    sentence = "The quick brown fox jumps over the lazy dog near the riverbank. "
    assert estimate_tokens(sentence * 100) > 14 * 100

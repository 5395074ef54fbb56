"""The summary line: what a job embedded and what it cost, from the client's usage counters."""

from __future__ import annotations

from aiml_embeddings import Usage
from aiml_embeddings.corpus.receipt import receipt, usage_delta


def test_receipt_names_every_counter() -> None:
    line = receipt(Usage(requests=641, retries=3, rate_limited=2, total_tokens=20_000_000, credits=41.5), 1_000_000,
                   93.25)  # fmt: skip
    assert line == (
        "1,000,000 texts, 641 requests, 3 retries, 2 answered 429, 20,000,000 tokens, 41.50 credits, 93.2 s"
    )


def test_receipt_without_usage_says_so() -> None:
    expected = "5 texts, 1.0 s (requests, retries, 429s, tokens and credits: not counted by this client)"
    assert receipt(None, 5, 1.0) == expected


def test_a_job_counts_only_its_own_share_of_the_totals() -> None:
    before, after = Usage(requests=10, credits=1.0), Usage(requests=25, retries=1, credits=3.5)
    assert usage_delta(before, after) == Usage(requests=15, retries=1, credits=2.5)
    assert usage_delta(None, after) == after

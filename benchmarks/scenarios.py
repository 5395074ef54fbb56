"""The scenarios: their texts, their server settings, the clients they measure.

``short``, ``long`` and ``faults`` are the transport's; ``rate-hinted``,
``rate``, ``headers``, ``concurrency`` and ``tail`` are servers we did not
write (issue 10): a rate limit whose bucket holds 10 s of quota (429 with
and without ``Retry-After``, and with OpenAI's ``x-ratelimit-*`` headers),
a server that refuses a 5th concurrent request, and one whose answers are
5 s late 3% of the time. ``--server key=value`` varies any of them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

OURS_ADAPTERS = ["ours-langchain-sync", "ours-langchain-async", "ours-llamaindex-sync", "ours-llamaindex-async"]
OPENAI_PEERS = [
    "langchain-openai-sync",
    "langchain-openai-async",
    "llamaindex-openai-sync",
    "llamaindex-openai-async",
    "llamaindex-openailike-sync",
    "llamaindex-openailike-async",
]
FLOOR = "raw-httpx-floor"
FLOOR_LIST = "raw-httpx-floor-list"
"""The floor answering list[list[float]], as LangChain and LlamaIndex require: the adapters' yardstick."""

RPM = 600
TPM = 1_000_000
BURST = 10.0
"""Seconds of quota the rate-limit bucket holds: a provider's minute is generous; 10 s is the strict case."""
OURS_ALL = [*OURS_ADAPTERS, "ours-core-list"]

_SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "sa", "te", "vi", "do", "pa", "ger", "lin", "mor", "tas", "bel", "cor")


def _words(rng: random.Random, count: int) -> str:
    return " ".join("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(1, 3))) for _ in range(count))


def short_texts(n: int, seed: int = 1) -> list[str]:
    """About 20 tokens each, every one distinct."""
    rng = random.Random(seed)
    return [f"Passage {i}: {_words(rng, rng.randint(8, 14))}." for i in range(n)]


def texts_of_tokens(n: int, tokens: int, seed: int = 2) -> list[str]:
    """Texts of about ``tokens`` tokens by the server's count (4 UTF-8 bytes a token)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        parts = [f"Document {i}."]
        size = len(parts[0])
        while size < 4 * tokens - 8:
            word = _words(rng, 1)
            parts.append(word)
            size += len(word) + 1
        out.append(" ".join(parts))
    return out


@dataclass
class Scenario:
    name: str
    title: str
    texts: list[str]
    server: dict[str, Any]
    clients: list[str]
    dimension: int = 1536
    runs: int = 3
    timeout: float = 120.0
    env: dict[str, str] = field(default_factory=dict)


def scenarios(scale: float = 1.0, runs: int = 3) -> list[Scenario]:
    """``scale`` shrinks every corpus (the CI smoke test and quick looks); 1.0 is the published run."""

    def n(count: int) -> int:
        return max(16, int(count * scale))

    return [
        Scenario(
            "short",
            f"{n(10_000):,} short texts, 1536 dims",
            short_texts(n(10_000)),
            {},
            [
                *OURS_ADAPTERS,
                "ours-core-list",
                "ours-core-numpy",
                FLOOR_LIST,
                FLOOR,
                *OPENAI_PEERS,
                "langchain-aimlapi-sync",
            ],
            runs=runs,
        ),
        Scenario(
            "long",
            f"{n(2_000):,} texts of ~1,500 tokens, 300,000-token cap per request",
            texts_of_tokens(n(2_000), 1500),
            {"max_tokens": 300_000},
            [
                *OURS_ADAPTERS,
                "ours-core-list",
                "ours-core-list-concurrency-8",
                "ours-core-numpy",
                FLOOR,
                *OPENAI_PEERS,
            ],
            runs=runs,
        ),
        *(
            Scenario(
                name,
                f"{n(10_000):,} texts of ~150 tokens under {RPM} requests/min and {TPM:,} tokens/min, "
                f"bucket of {BURST:.0f} s, {how}",
                texts_of_tokens(n(10_000), 150, seed=3),
                {"requests_per_minute": RPM, "tokens_per_minute": TPM, "burst_seconds": BURST, **server},
                [*OURS_ALL, FLOOR, "langchain-openai-sync", "llamaindex-openai-async"],
                runs=runs,
                timeout=240.0,
                env={"BENCH_RPM": str(RPM), "BENCH_TPM": str(TPM)},
            )
            for name, how, server in (
                ("rate-hinted", "429 with Retry-After", {"retry_after": True}),
                ("rate", "429 without Retry-After", {"retry_after": False}),
                ("headers", "x-ratelimit-* headers on every answer, no Retry-After", {"ratelimit_headers": True}),
            )
        ),
        Scenario(
            "concurrency",
            f"{n(10_000):,} short texts, a 5th concurrent request refused (429 without Retry-After)",
            short_texts(n(10_000)),
            {"concurrency_limit": 4},
            [*OURS_ALL, FLOOR_LIST, FLOOR, *OPENAI_PEERS],
            runs=runs,
        ),
        Scenario(
            "tail",
            f"{n(10_000):,} short texts, 3% of answers 5 s late",
            short_texts(n(10_000)),
            {"slow_rate": 0.03, "slow_seconds": 5.0, "seed": 5},
            [*OURS_ALL, "ours-core-list-no-hedge", FLOOR_LIST, FLOOR, *OPENAI_PEERS],
            runs=runs,
        ),
        Scenario(
            "faults",
            f"{n(10_000):,} short texts, 10% 5xx + 10% dropped connections, shuffled data",
            short_texts(n(10_000), seed=4),
            {"error_rate": 0.1, "drop_rate": 0.1, "shuffle": True},
            [*OURS_ALL, "ours-core-numpy", FLOOR_LIST, FLOOR, *OPENAI_PEERS],
            runs=runs,
        ),
    ]

"""This package, through each door a user would take: both adapters (sync, async) and the core."""

from __future__ import annotations

import os
from typing import Any

from .common import Call, main

MODEL = "text-embedding-3-small"


def _key() -> str:
    return os.environ.get("AIMLAPI_API_KEY", "test-aimlapi-key")


def _quota(quota: bool) -> tuple[float | None, float | None]:
    """The quota the rate-limit scenario's server enforces, as a user who knows it would set it."""
    if not quota:
        return None, None
    return float(os.environ["BENCH_RPM"]), float(os.environ["BENCH_TPM"])


def langchain(texts: list[str], base_url: str, *, run_async: bool, quota: bool = False) -> Call:
    from pydantic import SecretStr

    from langchain_aiml_embeddings import AIMLEmbeddings

    rpm, tpm = _quota(quota)
    emb = AIMLEmbeddings(
        model=MODEL, base_url=base_url, api_key=SecretStr(_key()), requests_per_minute=rpm, tokens_per_minute=tpm
    )
    return (lambda: emb.aembed_documents(texts)) if run_async else (lambda: emb.embed_documents(texts))


def llama_index(texts: list[str], base_url: str, *, run_async: bool, quota: bool = False) -> Call:
    from llama_index_aiml_embeddings import AIMLEmbedding

    rpm, tpm = _quota(quota)
    emb = AIMLEmbedding(MODEL, base_url=base_url, api_key=_key(), requests_per_minute=rpm, tokens_per_minute=tpm)
    if run_async:
        return lambda: emb.aget_text_embedding_batch(texts)
    return lambda: emb.get_text_embedding_batch(texts)


def core(texts: list[str], base_url: str, *, output: str, quota: bool = False, **settings: Any) -> Call:
    from aiml_embeddings import EmbeddingsClient

    rpm, tpm = _quota(quota)
    client = EmbeddingsClient(
        MODEL, base_url=base_url, api_key=_key(), requests_per_minute=rpm, tokens_per_minute=tpm, **settings
    )
    return lambda: client.embed(texts, output=output)  # type: ignore[call-overload]


BUILDERS = {
    "ours-langchain-sync": lambda t, u: langchain(t, u, run_async=False),
    "ours-langchain-async": lambda t, u: langchain(t, u, run_async=True),
    "ours-llamaindex-sync": lambda t, u: llama_index(t, u, run_async=False),
    "ours-llamaindex-async": lambda t, u: llama_index(t, u, run_async=True),
    "ours-langchain-sync-quota": lambda t, u: langchain(t, u, run_async=False, quota=True),
    "ours-langchain-async-quota": lambda t, u: langchain(t, u, run_async=True, quota=True),
    "ours-llamaindex-async-quota": lambda t, u: llama_index(t, u, run_async=True, quota=True),
    "ours-core-list": lambda t, u: core(t, u, output="list"),
    # The old default ceiling, for comparison with the adaptive limit's default of 32.
    "ours-core-list-concurrency-8": lambda t, u: core(t, u, output="list", max_concurrency=8),
    # What hedging buys on a slow tail.
    "ours-core-list-no-hedge": lambda t, u: core(t, u, output="list", hedge=False),
    "ours-core-numpy": lambda t, u: core(t, u, output="numpy"),
    "ours-core-numpy-quota": lambda t, u: core(t, u, output="numpy", quota=True),
}

if __name__ == "__main__":
    main(BUILDERS)

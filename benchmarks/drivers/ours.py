"""This package, through each door a user would take: both adapters (sync, async) and the core."""

from __future__ import annotations

import os

from .common import Call, main

MODEL = "text-embedding-3-small"


def _key() -> str:
    return os.environ.get("AIMLAPI_API_KEY", "test-aimlapi-key")


def langchain(texts: list[str], base_url: str, *, run_async: bool) -> Call:
    from pydantic import SecretStr

    from langchain_aiml_embeddings import AIMLEmbeddings

    emb = AIMLEmbeddings(model=MODEL, base_url=base_url, api_key=SecretStr(_key()))
    return (lambda: emb.aembed_documents(texts)) if run_async else (lambda: emb.embed_documents(texts))


def llama_index(texts: list[str], base_url: str, *, run_async: bool) -> Call:
    from llama_index_aiml_embeddings import AIMLEmbedding

    emb = AIMLEmbedding(MODEL, base_url=base_url, api_key=_key())
    if run_async:
        return lambda: emb.aget_text_embedding_batch(texts)
    return lambda: emb.get_text_embedding_batch(texts)


def core(texts: list[str], base_url: str, *, output: str, quota: bool = False) -> Call:
    from aiml_embeddings import EmbeddingsClient

    limits = {}
    if quota:  # the quota the rate-limit scenario's server enforces, as a user who knows it would set
        limits = {
            "requests_per_minute": float(os.environ["BENCH_RPM"]),
            "tokens_per_minute": float(os.environ["BENCH_TPM"]),
        }
    client = EmbeddingsClient(MODEL, base_url=base_url, api_key=_key(), **limits)  # type: ignore[arg-type]
    return lambda: client.embed(texts, output=output)  # type: ignore[call-overload]


BUILDERS = {
    "ours-langchain-sync": lambda t, u: langchain(t, u, run_async=False),
    "ours-langchain-async": lambda t, u: langchain(t, u, run_async=True),
    "ours-llamaindex-sync": lambda t, u: llama_index(t, u, run_async=False),
    "ours-llamaindex-async": lambda t, u: llama_index(t, u, run_async=True),
    "ours-core-list": lambda t, u: core(t, u, output="list"),
    "ours-core-numpy": lambda t, u: core(t, u, output="numpy"),
    "ours-core-numpy-quota": lambda t, u: core(t, u, output="numpy", quota=True),
}

if __name__ == "__main__":
    main(BUILDERS)

"""The OpenAI-compatible clients users pick today: langchain-openai and LlamaIndex's two."""

from __future__ import annotations

import os

from .common import Call, main

MODEL = "text-embedding-3-small"


def _key() -> str:
    return os.environ.get("OPENAI_API_KEY", "test-openai-key")


def langchain_openai(texts: list[str], base_url: str, *, run_async: bool) -> Call:
    from langchain_openai import OpenAIEmbeddings  # type: ignore[import-not-found,unused-ignore]

    # check_embedding_ctx_length=False: otherwise it sends token IDs and fetches a tokenizer over the network.
    emb = OpenAIEmbeddings(model=MODEL, base_url=base_url, api_key=_key(), check_embedding_ctx_length=False)
    return (lambda: emb.aembed_documents(texts)) if run_async else (lambda: emb.embed_documents(texts))


def llamaindex_openai(texts: list[str], base_url: str, *, run_async: bool, like: bool) -> Call:
    if like:
        from llama_index.embeddings.openai_like import OpenAILikeEmbedding  # type: ignore[import-untyped,import-not-found,unused-ignore]

        emb = OpenAILikeEmbedding(model_name=MODEL, api_base=base_url, api_key=_key())
    else:
        from llama_index.embeddings.openai import OpenAIEmbedding  # type: ignore[import-untyped,import-not-found,unused-ignore]

        emb = OpenAIEmbedding(model=MODEL, api_base=base_url, api_key=_key())
    if run_async:
        return lambda: emb.aget_text_embedding_batch(texts)
    return lambda: emb.get_text_embedding_batch(texts)


BUILDERS = {
    "langchain-openai-sync": lambda t, u: langchain_openai(t, u, run_async=False),
    "langchain-openai-async": lambda t, u: langchain_openai(t, u, run_async=True),
    "llamaindex-openai-sync": lambda t, u: llamaindex_openai(t, u, run_async=False, like=False),
    "llamaindex-openai-async": lambda t, u: llamaindex_openai(t, u, run_async=True, like=False),
    "llamaindex-openailike-sync": lambda t, u: llamaindex_openai(t, u, run_async=False, like=True),
    "llamaindex-openailike-async": lambda t, u: llamaindex_openai(t, u, run_async=True, like=True),
}

if __name__ == "__main__":
    main(BUILDERS)

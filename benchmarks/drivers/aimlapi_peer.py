"""langchain-aimlapi, the provider's own LangChain package (its own venv: it pins an old langchain-core)."""

from __future__ import annotations

import os

from .common import Call, main

MODEL = "text-embedding-3-small"


def aimlapi(texts: list[str], base_url: str, *, run_async: bool) -> Call:
    from langchain_aimlapi import AimlapiEmbeddings  # type: ignore[import-not-found,unused-ignore]

    emb = AimlapiEmbeddings(
        model=MODEL, base_url=base_url, api_key=os.environ.get("AIMLAPI_API_KEY", "test-aimlapi-key")
    )
    return (lambda: emb.aembed_documents(texts)) if run_async else (lambda: emb.embed_documents(texts))


BUILDERS = {
    "langchain-aimlapi-sync": lambda t, u: aimlapi(t, u, run_async=False),
    "langchain-aimlapi-async": lambda t, u: aimlapi(t, u, run_async=True),
}

if __name__ == "__main__":
    main(BUILDERS)

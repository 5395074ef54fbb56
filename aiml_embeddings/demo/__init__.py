"""``aiml-embeddings demo``: a bundled corpus into a LangChain vector store and a LlamaIndex index.

With ``AIMLAPI_API_KEY`` set it runs live; without it, it replays the
recorded responses bundled beside this file and says so first, so a
newcomer sees the whole job work on a fresh machine before getting a key.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from importlib import resources
from typing import Any, TextIO

from pydantic import SecretStr

from ..auth import KEY_ENV
from ..replay import Recording

MODEL = "text-embedding-3-small"
DIMENSIONS = 256
CASSETTE = "cassette.yaml"
OFFLINE_KEY = "offline-replay"  # not a credential: the recording ignores the Authorization header


@dataclass(frozen=True)
class Setup:
    live: bool
    api_key: str | None
    http_client: Any
    http_async_client: Any
    banner: str


def corpus() -> tuple[list[str], list[str]]:
    data = json.loads(resources.files(__package__).joinpath("corpus.json").read_text("utf-8"))
    return list(data["documents"]), list(data["queries"])


def setup(live: bool | None = None) -> Setup:
    live = bool(os.environ.get(KEY_ENV["aimlapi"])) if live is None else live
    if live:
        return Setup(
            True, None, None, None, f"aiml-embeddings demo: live, with {KEY_ENV['aimlapi']} from the environment"
        )
    recording = Recording.load(str(resources.files(__package__).joinpath(CASSETTE)))
    return Setup(
        False,
        OFFLINE_KEY,
        recording.client(),
        recording.async_client(),
        f"aiml-embeddings demo: offline, no {KEY_ENV['aimlapi']} set, replaying recorded responses "
        f"(origin: {recording.origin}); set the key to run it live",
    )


def run_demo(out: TextIO, *, live: bool | None = None) -> int:
    """Print the top hits of each bundled query from both frameworks; return the exit status."""
    from langchain_core.vectorstores import InMemoryVectorStore
    from llama_index.core import Document, VectorStoreIndex

    from langchain_aiml_embeddings import AIMLEmbeddings
    from llama_index_aiml_embeddings import AIMLEmbedding

    env = setup(live)
    documents, queries = corpus()
    print(env.banner, file=out)
    print(f"model {MODEL} ({DIMENSIONS} dimensions), {len(documents)} documents, {len(queries)} queries", file=out)

    embeddings = AIMLEmbeddings(
        model=MODEL,
        dimensions=DIMENSIONS,
        api_key=SecretStr(env.api_key) if env.api_key else None,
        http_client=env.http_client,
        http_async_client=env.http_async_client,
    )
    store = InMemoryVectorStore.from_texts(documents, embedding=embeddings)
    print("\nLangChain InMemoryVectorStore", file=out)
    for query in queries:
        print(f"  Q: {query}", file=out)
        for doc, score in store.similarity_search_with_score(query, k=2):
            print(f"     {score:.3f}  {doc.page_content}", file=out)

    embed_model = AIMLEmbedding(
        model_name=MODEL,
        dimensions=DIMENSIONS,
        api_key=env.api_key,
        http_client=env.http_client,
        http_async_client=env.http_async_client,
    )
    index = VectorStoreIndex.from_documents([Document(text=d) for d in documents], embed_model=embed_model)
    retriever = index.as_retriever(similarity_top_k=2)
    print("\nLlamaIndex VectorStoreIndex", file=out)
    for query in queries:
        print(f"  Q: {query}", file=out)
        for hit in retriever.retrieve(query):
            print(f"     {hit.score or 0.0:.3f}  {hit.node.get_content()}", file=out)
    return 0

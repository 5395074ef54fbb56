"""``aiml-embeddings demo``: a bundled corpus into a LangChain vector store and a LlamaIndex index.

With ``AIMLAPI_API_KEY`` set it runs live; without it, it replays the
recorded responses bundled beside this file and says so first, so a
newcomer sees the whole job work on a fresh machine before getting a key.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TextIO

from ..session import open_session

MODEL = "text-embedding-3-small"
DIMENSIONS = 256
CASSETTE = Path(__file__).with_name("cassette.yaml")


def corpus() -> tuple[list[str], list[str]]:
    data = json.loads(Path(__file__).with_name("corpus.json").read_text("utf-8"))
    return list(data["documents"]), list(data["queries"])


def require_frameworks() -> None:
    """Fail before any output when a framework the demo shows is missing, naming the install that brings it."""
    try:
        import langchain_core  # noqa: F401
        import llama_index.core  # noqa: F401
        import yaml  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            f"the demo needs LangChain and LlamaIndex ({exc}): pip install \"aiml-embeddings[all]\""
        ) from None


def run_demo(out: TextIO) -> int:
    """Print the top hits of each bundled query from both frameworks; return the exit status."""
    from langchain_core.vectorstores import InMemoryVectorStore
    from llama_index.core import Document, VectorStoreIndex

    from langchain_aiml_embeddings import AIMLEmbeddings
    from llama_index_aiml_embeddings import AIMLEmbedding

    session = open_session(CASSETTE, what="aiml-embeddings demo")
    documents, queries = corpus()
    print(session.banner, file=out)
    print(f"model {MODEL} ({DIMENSIONS} dimensions), {len(documents)} documents, {len(queries)} queries", file=out)

    embeddings = AIMLEmbeddings(model=MODEL, dimensions=DIMENSIONS, **session.kwargs())
    store = InMemoryVectorStore.from_texts(documents, embedding=embeddings)
    print("\nLangChain InMemoryVectorStore", file=out)
    for query in queries:
        print(f"  Q: {query}", file=out)
        for doc, score in store.similarity_search_with_score(query, k=2):
            print(f"     {score:.3f}  {doc.page_content}", file=out)

    embed_model = AIMLEmbedding(model_name=MODEL, dimensions=DIMENSIONS, **session.kwargs())
    index = VectorStoreIndex.from_documents([Document(text=d) for d in documents], embed_model=embed_model)
    retriever = index.as_retriever(similarity_top_k=2)
    print("\nLlamaIndex VectorStoreIndex", file=out)
    for query in queries:
        print(f"  Q: {query}", file=out)
        for hit in retriever.retrieve(query):
            print(f"     {hit.score or 0.0:.3f}  {hit.node.get_content()}", file=out)
    return 0

"""Round trips through vector stores users run, replayed from cassettes.

The cassettes' vectors come from the stand-in server, built from each
text's words, so the nearest document to a query is the one sharing its
distinctive words; a mix-up of order, role or batch would break that.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_community.vectorstores import FAISS
from langchain_core.documents import Document
from langchain_core.vectorstores import InMemoryVectorStore

from aiml_embeddings import MODELS
from langchain_aiml_embeddings import AIMLEmbeddings

CORPUS = {
    "cats": "Cats are small furry pets that purr and sleep all day",
    "markets": "The stock market fell sharply after the bank raised interest rates",
    "paris": "Paris is the capital of France and home of the Eiffel Tower",
    "python": "Python is a programming language popular for data science",
}
QUERIES = {
    "furry pets that purr": "cats",
    "interest rates and the stock market": "markets",
    "capital of France": "paris",
    "programming language for data science": "python",
}


def documents() -> list[Document]:
    return [Document(page_content=text, metadata={"topic": topic}) for topic, text in CORPUS.items()]


def sent_bodies(vcr: Any) -> list[dict[str, Any]]:
    """The request bodies this test sent (in replay, each matched a recorded one by its JSON body)."""
    if vcr.rewound:  # replaying (a recording run has nothing to compare with yet)
        assert vcr.all_played, "every recorded interaction should have been replayed"
    return [json.loads(r.body) for r in vcr.requests]


def request_texts(body: dict[str, Any]) -> list[str]:
    raw = body["input"]
    return [raw] if isinstance(raw, str) else list(raw)


@pytest.mark.vcr
@pytest.mark.provider("openai")
def test_in_memory_vector_store() -> None:
    store = InMemoryVectorStore(embedding=AIMLEmbeddings(model="text-embedding-3-small"))
    ids = store.add_documents(documents())
    assert len(ids) == len(CORPUS)
    for query, topic in QUERIES.items():
        (hit,) = store.similarity_search(query, k=1)
        assert hit.metadata["topic"] == topic, query
    retriever = store.as_retriever(search_kwargs={"k": 2})
    hits = retriever.invoke("which pets purr all day")
    assert len(hits) == 2
    assert hits[0].metadata["topic"] == "cats"


@pytest.mark.vcr
@pytest.mark.provider("openai")
async def test_in_memory_vector_store_async() -> None:
    store = await InMemoryVectorStore.afrom_documents(documents(), AIMLEmbeddings(batch_size=2))
    (hit,) = await store.asimilarity_search("capital of France", k=1)
    assert hit.metadata["topic"] == "paris"
    hits = await store.as_retriever(search_kwargs={"k": 1}).ainvoke("stock market")
    assert hits[0].metadata["topic"] == "markets"


@pytest.mark.vcr
@pytest.mark.provider("openai")
def test_faiss() -> None:
    embeddings = AIMLEmbeddings(model="text-embedding-3-small", dimensions=256)
    store = FAISS.from_documents(documents(), embeddings)
    assert store.index.d == 256
    for query, topic in QUERIES.items():
        (hit,) = store.similarity_search(query, k=1)
        assert hit.metadata["topic"] == topic, query
    (hit,) = store.as_retriever(search_kwargs={"k": 1}).invoke("furry pets")
    assert hit.metadata["topic"] == "cats"


@pytest.mark.vcr
@pytest.mark.provider("google")
def test_google_roles_reach_the_request(vcr: Any) -> None:
    store = InMemoryVectorStore(embedding=AIMLEmbeddings(model="text-multilingual-embedding-002", dimensions=128))
    store.add_documents(documents())
    (hit,) = store.similarity_search("furry pets that purr", k=1)
    assert hit.metadata["topic"] == "cats"
    bodies = sent_bodies(vcr)
    documents_sent = [b for b in bodies if b.get("task_type") == "RETRIEVAL_DOCUMENT"]
    queries_sent = [b for b in bodies if b.get("task_type") == "RETRIEVAL_QUERY"]
    assert sorted(t for b in documents_sent for t in request_texts(b)) == sorted(CORPUS.values())
    assert [request_texts(b) for b in queries_sent] == [["furry pets that purr"]]
    assert len(bodies) == len(documents_sent) + len(queries_sent)
    assert {b["dimensions"] for b in bodies} == {128}


@pytest.mark.vcr
@pytest.mark.provider("baai")
def test_bge_query_prefix_reaches_the_request(vcr: Any) -> None:
    model = "BAAI/bge-base-en-v1.5"
    prefix = MODELS[model].query_prefix
    assert prefix
    store = InMemoryVectorStore(embedding=AIMLEmbeddings(model=model))
    store.add_documents(documents())
    (hit,) = store.similarity_search("programming language for data science", k=1)
    assert hit.metadata["topic"] == "python"
    texts = [t for b in sent_bodies(vcr) for t in request_texts(b)]
    assert sorted(t for t in texts if not t.startswith(prefix)) == sorted(CORPUS.values())
    assert [t for t in texts if t.startswith(prefix)] == [prefix + "programming language for data science"]

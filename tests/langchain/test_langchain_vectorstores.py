"""Round trips through vector stores users run, replayed from cassettes.

The cassettes' vectors come from the stand-in server, built from each
text's words, so the nearest document to a query is the one sharing its
distinctive words; a mix-up of order, role or batch would break that.
Besides LangChain's own in-memory store, two stores with their own
integration packages, both run inside this process with nothing listening
or phoning home: Chroma embedded (telemetry off) and Qdrant in local mode.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import chromadb
import pytest
from chromadb.config import Settings as ChromaSettings
from langchain_chroma import Chroma
from langchain_core.documents import Document
from langchain_core.vectorstores import InMemoryVectorStore
from langchain_qdrant import QdrantVectorStore
from qdrant_client.models import Distance

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


@pytest.fixture
def chroma_client() -> Iterator[Any]:
    """Chroma embedded in this process, telemetry off; its collections are dropped afterwards.

    Chroma shares one in-process system between clients of equal settings,
    so a collection left behind would be seen by the next test.
    """
    client = chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))
    assert client.get_settings().anonymized_telemetry is False
    yield client
    for collection in client.list_collections():
        client.delete_collection(collection.name)


@pytest.mark.vcr
@pytest.mark.provider("openai")
def test_chroma(chroma_client: Any, vcr: Any) -> None:
    embeddings = AIMLEmbeddings(model="text-embedding-3-small", dimensions=256)
    store = Chroma.from_documents(
        documents(),
        embeddings,
        client=chroma_client,
        collection_name="topics",
        collection_configuration={"hnsw": {"space": "cosine"}},
    )
    stored = store.get(include=["embeddings", "documents"])
    assert sorted(stored["documents"]) == sorted(CORPUS.values())
    assert {len(vector) for vector in stored["embeddings"]} == {256}
    for query, topic in QUERIES.items():
        (hit,) = store.similarity_search(query, k=1)
        assert hit.metadata["topic"] == topic, query
    ranked = store.similarity_search_with_score("furry pets that purr", k=len(CORPUS))
    assert ranked[0][0].metadata["topic"] == "cats"
    assert ranked[0][1] < ranked[1][1]  # cosine distance: the nearest is strictly nearer than the next
    (hit,) = store.as_retriever(search_kwargs={"k": 1}).invoke("furry pets")
    assert hit.metadata["topic"] == "cats"
    texts = [t for b in sent_bodies(vcr) for t in request_texts(b)]
    assert sorted(texts[: len(CORPUS)]) == sorted(CORPUS.values())  # the documents, once, before any query
    assert texts[len(CORPUS) :] == [*QUERIES, "furry pets that purr", "furry pets"]


@pytest.mark.vcr
@pytest.mark.provider("voyage")
def test_qdrant(vcr: Any) -> None:
    store = QdrantVectorStore.from_documents(
        documents(), AIMLEmbeddings(model="voyage-2"), location=":memory:", collection_name="topics"
    )
    vectors = store.client.get_collection("topics").config.params.vectors
    assert isinstance(vectors, dict)  # one unnamed dense vector per point
    assert (vectors[""].size, vectors[""].distance) == (1024, Distance.COSINE)
    assert store.client.count("topics").count == len(CORPUS)
    for query, topic in QUERIES.items():
        (hit,) = store.similarity_search(query, k=1)
        assert hit.metadata["topic"] == topic, query
    ranked = store.similarity_search_with_score("interest rates and the stock market", k=len(CORPUS))
    assert ranked[0][0].metadata["topic"] == "markets"
    assert ranked[0][1] > ranked[1][1]  # cosine similarity: the nearest is strictly closer than the next
    (hit,) = store.as_retriever(search_kwargs={"k": 1}).invoke("capital of France")
    assert hit.metadata["topic"] == "paris"
    # Documents go out tagged input_type="document" (with them, a probe text langchain-qdrant embeds to learn
    # the vector size); queries go untagged, as Voyage wants them, one request per query in the order asked.
    bodies = sent_bodies(vcr)
    as_documents = [t for b in bodies if b.get("input_type") == "document" for t in request_texts(b)]
    as_queries = [t for b in bodies if "input_type" not in b for t in request_texts(b)]
    assert set(CORPUS.values()) <= set(as_documents)
    assert as_queries == [*QUERIES, "interest rates and the stock market", "capital of France"]
    assert {b.get("input_type") for b in bodies} == {"document", None}


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

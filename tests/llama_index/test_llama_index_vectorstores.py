"""LlamaIndex indexes kept in a real vector store, Qdrant in local mode, replayed from cassettes.

Qdrant runs inside this process (``location=":memory:"``): nothing listens,
nothing is downloaded. The cassettes' vectors come from the stand-in
server, built from each text's words, so the nearest node to a query is the
one sharing its distinctive words; a vector put back at the wrong position,
or a query embedded as a document, would break that.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from llama_index.core import Document, StorageContext, VectorStoreIndex
from llama_index.vector_stores.qdrant import QdrantVectorStore
from qdrant_client import AsyncQdrantClient, QdrantClient
from qdrant_client.models import Distance

from aiml_embeddings import MODELS
from llama_index_aiml_embeddings import AIMLEmbedding

CORPUS = {
    "bees": "Honey bees pollinate flowers and make honey from nectar in their hives",
    "espresso": "Espresso is brewed by forcing hot water through finely ground coffee beans",
    "glacier": "Glaciers carve deep valleys as the ice slowly moves down the mountain",
    "chess": "A chess grandmaster plans many moves ahead to checkmate the opposing king",
}
QUERIES = {
    "which insects make honey from nectar": "bees",
    "how is espresso coffee brewed": "espresso",
    "ice carving mountain valleys": "glacier",
    "checkmate the king in chess": "chess",
}
COLLECTION = "topics"


def documents() -> list[Document]:
    """Fresh each time: LlamaIndex writes embeddings into the nodes it indexes."""
    return [Document(text=text, id_=topic) for topic, text in CORPUS.items()]


def qdrant_store(**clients: Any) -> QdrantVectorStore:
    """A store over a local client; no payload index on doc ids, which local Qdrant ignores (and warns about)."""
    return QdrantVectorStore(collection_name=COLLECTION, index_doc_id=False, **clients)


def nearest(hits: list[Any]) -> str:
    return str(hits[0].node.ref_doc_id)


def sent_bodies(vcr: Any) -> list[dict[str, Any]]:
    """The request bodies this test sent (in replay, each matched a recorded one by its JSON body)."""
    if vcr.rewound:  # replaying (a recording run has nothing to compare with yet)
        assert vcr.all_played, "every recorded interaction should have been replayed"
    return [json.loads(r.body) for r in vcr.requests]


def texts_of(bodies: list[dict[str, Any]]) -> list[str]:
    return [t for b in bodies for t in ([b["input"]] if isinstance(b["input"], str) else b["input"])]


@pytest.mark.vcr
@pytest.mark.provider("baai")
def test_qdrant_index_retrieves_the_nearest_document(vcr: Any) -> None:
    client = QdrantClient(location=":memory:")
    store = qdrant_store(client=client)
    embed_model = AIMLEmbedding(model_name="BAAI/bge-base-en-v1.5")
    index = VectorStoreIndex.from_documents(
        documents(), storage_context=StorageContext.from_defaults(vector_store=store), embed_model=embed_model
    )
    params = client.get_collection(COLLECTION).config.params.vectors
    assert params is not None and not isinstance(params, dict)
    assert (params.size, params.distance) == (768, Distance.COSINE)
    assert client.count(COLLECTION).count == len(CORPUS)

    retriever = index.as_retriever(similarity_top_k=2)
    for query, topic in QUERIES.items():
        hits = retriever.retrieve(query)
        assert nearest(hits) == topic, query
        assert hits[0].score is not None and hits[1].score is not None and hits[0].score > hits[1].score

    prefix = MODELS["BAAI/bge-base-en-v1.5"].query_prefix
    assert prefix, "BGE queries carry an instruction prefix"
    texts = texts_of(sent_bodies(vcr))
    assert sorted(t for t in texts if not t.startswith(prefix)) == sorted(CORPUS.values())
    assert [t for t in texts if t.startswith(prefix)] == [prefix + query for query in QUERIES]


@pytest.mark.vcr
@pytest.mark.provider("google")
async def test_qdrant_async_index_retrieves_the_nearest_document(vcr: Any) -> None:
    client = AsyncQdrantClient(location=":memory:")
    store = qdrant_store(aclient=client)
    embed_model = AIMLEmbedding(model_name="text-multilingual-embedding-002", dimensions=64, embed_batch_size=2)
    index = VectorStoreIndex.from_documents(
        documents(),
        storage_context=StorageContext.from_defaults(vector_store=store),
        embed_model=embed_model,
        use_async=True,
    )
    assert (await client.count(COLLECTION)).count == len(CORPUS)
    retriever = index.as_retriever(similarity_top_k=1)
    for query, topic in QUERIES.items():
        assert nearest(await retriever.aretrieve(query)) == topic, query
    bodies = sent_bodies(vcr)
    as_documents = [b for b in bodies if b["task_type"] == "RETRIEVAL_DOCUMENT"]
    as_queries = [b for b in bodies if b["task_type"] == "RETRIEVAL_QUERY"]
    assert len(as_documents) == 2  # embed_batch_size=2: two requests of two documents
    assert sorted(texts_of(as_documents)) == sorted(CORPUS.values())
    assert texts_of(as_queries) == list(QUERIES)
    assert len(bodies) == len(as_documents) + len(as_queries)
    assert {b["dimensions"] for b in bodies} == {64}
    await client.close()

"""LlamaIndex end to end on recorded answers: index, retrieve, ingest with a cache (sockets blocked)."""

from __future__ import annotations

import asyncio
import pickle
from typing import Any

import pytest
from llama_index.core import Document, Settings, VectorStoreIndex
from llama_index.core.ingestion import IngestionCache, IngestionPipeline

from llama_index_aiml_embeddings import AIMLEmbedding

from .counting import Counter

TEXTS = {
    "dj": "Laura plays records as a DJ in Berlin clubs.",
    "tower": "The Eiffel Tower stands in Paris, France.",
    "bread": "Sourdough bread needs flour, water and salt.",
    "comet": "Comets orbit the Sun and grow bright tails.",
}


def docs() -> list[Document]:
    """Fresh each time: the pipeline writes embeddings into its inputs, and the index skips embedded nodes."""
    return [Document(text=text, id_=doc_id) for doc_id, text in TEXTS.items()]


QUERY = "Who plays records in clubs?"

MODELS = [
    pytest.param("text-embedding-3-small", {"dimensions": 64}, marks=pytest.mark.provider("openai"), id="openai"),
    pytest.param(
        "text-multilingual-embedding-002", {"dimensions": 64}, marks=pytest.mark.provider("google"), id="google"
    ),
    pytest.param("BAAI/bge-base-en-v1.5", {}, marks=pytest.mark.provider("baai"), id="baai"),
    pytest.param("voyage-2", {}, marks=pytest.mark.provider("voyage"), id="voyage"),
    pytest.param(
        "sentence-transformers/paraphrase-multilingual-mpnet-base-v2",
        {},
        marks=pytest.mark.provider("inworld"),
        id="inworld",
    ),
]


def source_ids(nodes: list[Any]) -> list[str]:
    return [n.node.ref_doc_id for n in nodes]


@pytest.mark.vcr
@pytest.mark.parametrize(("model", "settings"), MODELS)
@pytest.mark.usefixtures("restore_settings")
def test_settings_embed_model_indexes_and_retrieves(model: str, settings: dict[str, Any]) -> None:
    Settings.embed_model = AIMLEmbedding(model_name=model, **settings)
    index = VectorStoreIndex.from_documents(docs())
    hits = index.as_retriever(similarity_top_k=2).retrieve(QUERY)
    assert source_ids(hits)[0] == "dj"
    assert hits[0].score is not None and hits[1].score is not None and hits[0].score > hits[1].score


@pytest.mark.vcr
@pytest.mark.parametrize(("model", "settings"), MODELS[:2])
@pytest.mark.usefixtures("restore_settings")
def test_use_async_indexes_and_retrieves(model: str, settings: dict[str, Any]) -> None:
    Settings.embed_model = AIMLEmbedding(model_name=model, **settings)
    index = VectorStoreIndex.from_documents(docs(), use_async=True)
    hits = asyncio.run(index.as_retriever(similarity_top_k=1).aretrieve(QUERY))
    assert source_ids(hits) == ["dj"]


@pytest.mark.vcr
@pytest.mark.provider("openai")
def test_embed_model_passed_directly_to_the_index() -> None:
    embed = AIMLEmbedding(model_name="text-embedding-3-small", dimensions=64)
    index = VectorStoreIndex.from_documents(docs(), embed_model=embed)
    hits = index.as_retriever(similarity_top_k=1).retrieve("Where does the Eiffel Tower stand?")
    assert source_ids(hits) == ["tower"]


@pytest.mark.vcr
@pytest.mark.provider("openai")
def test_ingestion_cache_hits_until_the_vectors_would_change() -> None:
    counter = Counter()
    cache = IngestionCache()

    def run(**settings: Any) -> list[list[float]]:
        settings.setdefault("model_name", "text-embedding-3-small")
        settings.setdefault("dimensions", 64)
        embed = AIMLEmbedding(http_client=counter.client(), max_concurrency=1, **settings)
        nodes = IngestionPipeline(transformations=[embed], cache=cache).run(documents=docs())
        assert [n.ref_doc_id or n.id_ for n in nodes] == list(TEXTS)
        return [list(n.get_embedding()) for n in nodes]

    first = run()
    assert len(counter) == 1
    again = run()
    assert len(counter) == 1, "the second run must come from the cache"
    assert again == first
    run(api_key="test-rotated-key")
    assert len(counter) == 1, "a rotated key must not bust the cache"
    shorter = run(dimensions=32)
    assert len(counter) == 2 and len(shorter[0]) == 32
    other = run(model_name="text-embedding-3-large")
    assert len(counter) == 3 and other[0] != first[0]


@pytest.mark.vcr
@pytest.mark.provider("google")
def test_a_pickled_copy_and_a_from_dict_copy_embed_like_the_original() -> None:
    """Neither copy holds the key: both read AIMLAPI_API_KEY, as a pipeline worker would."""
    original = AIMLEmbedding(model_name="text-multilingual-embedding-002", dimensions=64, api_key="test-aimlapi-key")
    expected = original.get_query_embedding(QUERY)
    assert pickle.loads(pickle.dumps(original)).get_query_embedding(QUERY) == expected
    assert AIMLEmbedding.from_dict(original.to_dict()).get_query_embedding(QUERY) == expected

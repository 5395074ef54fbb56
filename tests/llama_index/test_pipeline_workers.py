"""``IngestionPipeline(num_workers=2)`` pickles the embed model into spawned worker processes."""

from __future__ import annotations

import pytest
from llama_index.core import Document
from llama_index.core.ingestion import IngestionCache, IngestionPipeline

from llama_index_aiml_embeddings import AIMLEmbedding

from ..fake_api import FakeAPI


def test_spawned_workers_rebuild_the_model_and_hit_the_parents_cache(
    api: FakeAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A worker that missed the cache would connect here: refused at once, never off the machine.
    monkeypatch.setenv("AIMLAPI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("AIMLAPI_API_KEY", "test-aimlapi-key")
    embed = AIMLEmbedding(max_retries=0, http_client=api.sync(), dimensions=32)
    docs = [Document(text=t, id_=f"d{i}") for i, t in enumerate(["red apples", "green pears", "blue sky", "grey sea"])]
    pipeline = IngestionPipeline(transformations=[embed], cache=IngestionCache())

    # Fill the cache in this process with the same two slices the workers will get.
    first = [*pipeline.run(documents=docs[:2]), *pipeline.run(documents=docs[2:])]
    sent = len(api.requests)
    assert sent == 2

    nodes = pipeline.run(documents=docs, num_workers=2)

    assert len(api.requests) == sent
    assert [n.embedding for n in nodes] == [n.embedding for n in first]
    assert all(n.embedding is not None and len(n.embedding) == 32 for n in nodes)

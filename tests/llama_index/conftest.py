from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from llama_index.core import Settings

from llama_index_aiml_embeddings import AIMLEmbedding

from ..fake_api import FakeAPI

SECRET = "sk-llamaindex-DISTINCTIVE-7f3a9c"
"""A fake key distinctive enough that finding it anywhere means it leaked."""


@pytest.fixture
def api() -> FakeAPI:
    return FakeAPI(vectors="words")  # this folder's tests check vectors against word_vector


@pytest.fixture
def make(api: FakeAPI) -> Callable[..., AIMLEmbedding]:
    """An AIMLEmbedding wired to the in-process fake API."""

    def build(model_name: str = "text-embedding-3-small", **settings: Any) -> AIMLEmbedding:
        settings.setdefault("api_key", SECRET)
        return AIMLEmbedding(
            model_name=model_name, http_client=api.sync(), http_async_client=api.async_(), **settings
        )

    return build


@pytest.fixture
def restore_settings() -> Iterator[None]:
    """LlamaIndex's Settings is a process-wide singleton: put back whatever a test changed."""
    saved = dict(vars(Settings))
    yield
    vars(Settings).clear()
    vars(Settings).update(saved)

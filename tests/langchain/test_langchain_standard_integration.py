"""LangChain's standard integration suite, replayed from cassettes with sockets blocked.

``cassette_provider`` makes tests/langchain/conftest.py mark the inherited
tests ``vcr`` and ``provider``, so each replays its own cassette
(``tests/cassettes/<provider>/<module>__<test>.yaml``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from langchain_tests.integration_tests import EmbeddingsIntegrationTests

from aiml_embeddings import INWORLD_MODEL
from langchain_aiml_embeddings import AIMLEmbeddings


class TestAIMLEmbeddingsOpenAI(EmbeddingsIntegrationTests):
    cassette_provider: ClassVar[str] = "openai"

    @property
    def embeddings_class(self) -> type[AIMLEmbeddings]:
        return AIMLEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {"model": "text-embedding-3-small"}


class TestAIMLEmbeddingsGoogle(EmbeddingsIntegrationTests):
    cassette_provider: ClassVar[str] = "google"

    @property
    def embeddings_class(self) -> type[AIMLEmbeddings]:
        return AIMLEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {"model": "text-multilingual-embedding-002", "dimensions": 64}


class TestAIMLEmbeddingsInworld(EmbeddingsIntegrationTests):
    cassette_provider: ClassVar[str] = "inworld"

    @property
    def embeddings_class(self) -> type[AIMLEmbeddings]:
        return AIMLEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {"model": INWORLD_MODEL}

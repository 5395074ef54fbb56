"""LangChain's standard integration suite, replayed from cassettes with sockets blocked.

The class-level marks reach the inherited tests, so each one replays its
own cassette (``tests/cassettes/<provider>/<module>__<test>.yaml``).
"""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from langchain_tests.integration_tests import EmbeddingsIntegrationTests

from aiml_embeddings import INWORLD_MODEL
from langchain_aiml_embeddings import AIMLEmbeddings


class TestAIMLEmbeddingsOpenAI(EmbeddingsIntegrationTests):
    pytestmark: ClassVar[list[pytest.MarkDecorator]] = [pytest.mark.vcr, pytest.mark.provider("openai")]

    @property
    def embeddings_class(self) -> type[AIMLEmbeddings]:
        return AIMLEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {"model": "text-embedding-3-small"}


class TestAIMLEmbeddingsGoogle(EmbeddingsIntegrationTests):
    pytestmark: ClassVar[list[pytest.MarkDecorator]] = [pytest.mark.vcr, pytest.mark.provider("google")]

    @property
    def embeddings_class(self) -> type[AIMLEmbeddings]:
        return AIMLEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {"model": "text-multilingual-embedding-002", "dimensions": 64}


class TestAIMLEmbeddingsInworld(EmbeddingsIntegrationTests):
    pytestmark: ClassVar[list[pytest.MarkDecorator]] = [pytest.mark.vcr, pytest.mark.provider("inworld")]

    @property
    def embeddings_class(self) -> type[AIMLEmbeddings]:
        return AIMLEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {"model": INWORLD_MODEL}

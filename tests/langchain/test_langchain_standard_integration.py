"""LangChain's standard integration suite, replayed from cassettes with sockets blocked.

``cassette_provider`` makes tests/langchain/conftest.py mark the inherited
tests ``vcr`` and ``provider``, so each replays its own cassette
(``tests/cassettes/<provider>/<module>__<test>.yaml``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from langchain_tests.integration_tests import EmbeddingsIntegrationTests

from aiml_embeddings import INWORLD_MODEL

from ._standard import AIMLSuite


class TestAIMLEmbeddingsOpenAI(AIMLSuite, EmbeddingsIntegrationTests):
    cassette_provider: ClassVar[str] = "openai"
    params: ClassVar[dict[str, Any]] = {"model": "text-embedding-3-small"}


class TestAIMLEmbeddingsGoogle(AIMLSuite, EmbeddingsIntegrationTests):
    cassette_provider: ClassVar[str] = "google"
    params: ClassVar[dict[str, Any]] = {"model": "text-multilingual-embedding-002", "dimensions": 64}


class TestAIMLEmbeddingsInworld(AIMLSuite, EmbeddingsIntegrationTests):
    cassette_provider: ClassVar[str] = "inworld"
    params: ClassVar[dict[str, Any]] = {"model": INWORLD_MODEL}

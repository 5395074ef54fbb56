"""LangChain's standard unit suite, once per API (each reads its own environment variables)."""

from __future__ import annotations

from typing import Any, ClassVar

from langchain_tests.unit_tests import EmbeddingsUnitTests

from aiml_embeddings import INWORLD_MODEL

from ._standard import AIMLSuite


class TestAIMLEmbeddingsUnit(AIMLSuite, EmbeddingsUnitTests):
    params: ClassVar[dict[str, Any]] = {"model": "text-embedding-3-small"}

    @property
    def init_from_env_params(self) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        return (
            {"AIMLAPI_API_KEY": "test-aimlapi-key", "AIMLAPI_BASE_URL": "https://gateway.example/v1"},
            {"model": "text-embedding-3-small"},
            {"api_key": "test-aimlapi-key", "base_url": "https://gateway.example/v1"},
        )


class TestAIMLEmbeddingsInworldUnit(AIMLSuite, EmbeddingsUnitTests):
    params: ClassVar[dict[str, Any]] = {"model": INWORLD_MODEL}

    @property
    def init_from_env_params(self) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        # The AI/ML API variables are set too: the Inworld model must not pick them up.
        return (
            {
                "AIMLAPI_API_KEY": "test-aimlapi-key",
                "AIMLAPI_BASE_URL": "https://gateway.example/v1",
                "INWORLD_API_KEY": "test-inworld-key",
                "INWORLD_BASE_URL": "https://inworld.example",
            },
            {"model": INWORLD_MODEL},
            {"api_key": "test-inworld-key", "base_url": "https://inworld.example"},
        )

"""LlamaIndex ``embed_model`` for the AI/ML API and Inworld, over ``aiml_embeddings``."""

from __future__ import annotations

try:
    import llama_index.core  # noqa: F401  # checked first, so its absence says what to install
except ModuleNotFoundError as exc:  # pragma: no cover - exercised in a subprocess by the tests
    raise ModuleNotFoundError(
        "llama_index_aiml_embeddings needs LlamaIndex, which is not installed: "
        'pip install "aiml-embeddings[llama-index]"',
        name=exc.name,
    ) from exc

from aiml_embeddings import Role

from .embedding import DEFAULT_EMBED_BATCH_SIZE, AIMLEmbedding
from .events import EmbeddingUsageEvent

__all__ = ["AIMLEmbedding", "DEFAULT_EMBED_BATCH_SIZE", "EmbeddingUsageEvent", "Role"]

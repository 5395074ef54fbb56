"""LlamaIndex ``embed_model`` for the AI/ML API and Inworld, over ``aiml_embeddings``."""

from __future__ import annotations

from aiml_embeddings import Role

from .embedding import DEFAULT_EMBED_BATCH_SIZE, AIMLEmbedding

__all__ = ["AIMLEmbedding", "DEFAULT_EMBED_BATCH_SIZE", "Role"]

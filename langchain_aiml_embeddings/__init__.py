"""LangChain integration: ``AIMLEmbeddings``, a thin layer over ``aiml_embeddings``."""

from .embeddings import AIMLEmbeddings

__all__ = ["AIMLEmbeddings"]

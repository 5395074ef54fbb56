"""LangChain integration: ``AIMLEmbeddings``, a thin layer over ``aiml_embeddings``."""

try:
    import langchain_core  # noqa: F401  # checked first, so its absence says what to install
except ModuleNotFoundError as exc:  # pragma: no cover - exercised in a subprocess by the tests
    raise ModuleNotFoundError(
        'langchain_aiml_embeddings needs LangChain, which is not installed: pip install "aiml-embeddings[langchain]"',
        name=exc.name,
    ) from exc

from .embeddings import AIMLEmbeddings

__all__ = ["AIMLEmbeddings"]

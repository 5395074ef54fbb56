"""What every subclass of LangChain's standard suites says about this package, said once.

Each suite class only names its model settings (``params``); the properties
the suites read are derived from that here.
"""

from __future__ import annotations

from typing import Any, ClassVar

from langchain_aiml_embeddings import AIMLEmbeddings


class AIMLSuite:
    params: ClassVar[dict[str, Any]]

    @property
    def embeddings_class(self) -> type[AIMLEmbeddings]:
        return AIMLEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return dict(self.params)

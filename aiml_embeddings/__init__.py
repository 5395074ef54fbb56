"""Embeddings through the AI/ML API and Inworld, for every listed model.

The framework-free core that ``langchain_aiml_embeddings`` and
``llama_index_aiml_embeddings`` delegate to.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

from .catalogue import LiveModel, fetch_live_models
from .client import EmbeddingsClient
from .errors import (
    AIMLEmbeddingsError,
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    EmptyInputError,
    InputTooLongError,
    InputTypeError,
    InsufficientCreditsError,
    MalformedResponseError,
    MissingAPIKeyError,
    ModelNotFoundError,
    RateLimitError,
    ServerError,
)
from .flow.retry import RetryPolicy
from .models import DEFAULT_MODEL, INWORLD_MODEL, MODELS, ModelSpec, close_matches, get_model
from .output import Batch
from .roles import Purpose, Role
from .settings import ClientSettings, Settings
from .usage import Usage

if TYPE_CHECKING:
    from .corpus import CheckpointError, InvalidRecordsError, JobResult, embed_file

_CORPUS = ("CheckpointError", "InvalidRecordsError", "JobResult", "embed_file")
"""The corpus-job names, imported on first use: an embedding call should not pay for the job's readers and writers."""


def __getattr__(name: str) -> Any:
    if name in _CORPUS:
        from . import corpus

        return getattr(corpus, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "__version__",
    "EmbeddingsClient",
    "Batch",
    "embed_file",
    "JobResult",
    "CheckpointError",
    "InvalidRecordsError",
    "MODELS",
    "ModelSpec",
    "DEFAULT_MODEL",
    "INWORLD_MODEL",
    "get_model",
    "close_matches",
    "fetch_live_models",
    "LiveModel",
    "RetryPolicy",
    "Role",
    "Purpose",
    "Settings",
    "ClientSettings",
    "Usage",
    "AIMLEmbeddingsError",
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "EmptyInputError",
    "InputTooLongError",
    "InputTypeError",
    "InsufficientCreditsError",
    "MalformedResponseError",
    "MissingAPIKeyError",
    "ModelNotFoundError",
    "RateLimitError",
    "ServerError",
]

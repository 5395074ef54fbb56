"""Embeddings through the AI/ML API and Inworld, for every listed model.

The framework-free core that ``langchain_aiml_embeddings`` and
``llama_index_aiml_embeddings`` delegate to.
"""

from __future__ import annotations

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
from .roles import Purpose, Role
from .settings import ClientSettings, Settings
from .usage import Usage

__all__ = [
    "__version__",
    "EmbeddingsClient",
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

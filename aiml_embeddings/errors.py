"""The exception hierarchy: one class per situation a caller can act on.

Every error carries what is needed to act (status, request id, model, the
provider's own message, which inputs failed) and never the API key: what a
server sends back is scrubbed of the key and cut to a bounded length by
``scrub`` and ``clean_request_id`` before it enters an error, because some
gateways echo the request's Authorization header into their answers.

Errors are built whole where they are raised; a failed call's error is a
copy of its first batch error that also holds the call's result
(``with_call_result``), never the same object edited afterwards.

AIMLEmbeddingsError
├── ConfigurationError (also ValueError)          raised before any request
│   └── MissingAPIKeyError
├── InputTypeError (also TypeError)
├── EmptyInputError (also ValueError)
├── APIStatusError                                the API answered an error status
│   ├── BadRequestError
│   │   └── InputTooLongError
│   ├── AuthenticationError
│   ├── InsufficientCreditsError
│   ├── ModelNotFoundError
│   ├── RateLimitError
│   └── ServerError
├── APIConnectionError                            no answer at all
│   └── APITimeoutError
└── MalformedResponseError                        a 2xx answer that cannot be trusted
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TypeVar

MAX_MESSAGE_CHARS = 1000
"""The longest provider message an error keeps: enough for any real explanation, not a 2 MB page."""

MAX_REQUEST_ID_CHARS = 128
"""Request ids seen in practice are UUIDs or short tokens; anything longer is not an id."""

MASK = "***"
"""What a secret found in a server's text is replaced with."""

_NOT_ID = re.compile(r"[^A-Za-z0-9._:/+=*@-]")

_E = TypeVar("_E", bound="AIMLEmbeddingsError")


def scrub(text: str, secrets: Iterable[str] = (), limit: int = MAX_MESSAGE_CHARS) -> str:
    """``text`` with every secret masked, cut to ``limit`` characters (the cut is said, not silent)."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, MASK)
    if len(text) > limit:
        text = f"{text[:limit]}... ({len(text) - limit} more characters)"
    return text


def clean_request_id(value: str | None, secrets: Iterable[str] = ()) -> str | None:
    """A server's request id fit to show: secrets masked, only id characters, bounded in length."""
    if not value:
        return None
    cleaned = _NOT_ID.sub("?", scrub(value, secrets, limit=len(value)))[:MAX_REQUEST_ID_CHARS]
    return cleaned or None


class AIMLEmbeddingsError(Exception):
    """Base class of everything this package raises on purpose."""

    def __init__(
        self,
        message: str,
        *,
        model: str | None = None,
        status_code: int | None = None,
        request_id: str | None = None,
        provider_message: str | None = None,
        failed_indices: Sequence[int] = (),
        partial: list[list[float] | None] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.model = model
        self.status_code = status_code
        self.request_id = request_id
        self.provider_message = provider_message
        self.failed_indices: tuple[int, ...] = tuple(failed_indices)
        self.partial = partial
        """On a failed call: every finished vector at its input position, None where it failed."""

    def with_call_result(self: _E, failed_indices: Sequence[int], partial: list[list[float] | None] | None) -> _E:
        """A copy of this batch error that speaks for the whole call: every input that failed, every vector kept."""
        return type(self)(
            self.message,
            model=self.model,
            status_code=self.status_code,
            request_id=self.request_id,
            provider_message=self.provider_message,
            failed_indices=failed_indices,
            partial=partial,
        )

    def __str__(self) -> str:
        extra = []
        if self.status_code is not None:
            extra.append(f"status {self.status_code}")
        if self.request_id:
            extra.append(f"request id {self.request_id}")
        if self.failed_indices:
            extra.append(f"failed inputs: {_ranges(self.failed_indices)}")
        return self.message + (f" [{'; '.join(extra)}]" if extra else "")


def _ranges(indices: Sequence[int]) -> str:
    """``0-99, 200`` rather than a thousand numbers in one message."""
    runs: list[list[int]] = []
    for i in sorted(set(indices)):
        if runs and i == runs[-1][1] + 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


# --- raised before any request ----------------------------------------------


class ConfigurationError(AIMLEmbeddingsError, ValueError):
    """A setting is invalid for the chosen model (for example ``dimensions`` out of range)."""


class MissingAPIKeyError(ConfigurationError):
    """No key was given and the environment variable for the model's API is unset."""


class InputTypeError(AIMLEmbeddingsError, TypeError):
    """An input is not a ``str`` (or the inputs are a bare string instead of a list)."""


class EmptyInputError(AIMLEmbeddingsError, ValueError):
    """An input is empty or whitespace-only and the empty-input policy is ``"error"``."""


# --- raised from a response ---------------------------------------------------


class APIStatusError(AIMLEmbeddingsError):
    """The API answered with an error status; subclasses say which kind."""


class BadRequestError(APIStatusError):
    """400: the API rejected the request body (a parameter, an input)."""


class InputTooLongError(BadRequestError):
    """An input alone is longer than the model accepts; see ``failed_indices``."""


class AuthenticationError(APIStatusError):
    """401: the key is wrong, revoked or for another API."""


class InsufficientCreditsError(APIStatusError):
    """403: the account is out of credits, unverified or not allowed this model."""


class ModelNotFoundError(APIStatusError):
    """404: the API does not know this model ID (or the base URL is wrong)."""


class RateLimitError(APIStatusError):
    """429 that outlasted every retry."""


class ServerError(APIStatusError):
    """5xx (or 408/409) that outlasted every retry."""


class APIConnectionError(AIMLEmbeddingsError):
    """The request never got an answer: connection refused or dropped, after every retry."""


class APITimeoutError(APIConnectionError):
    """The request timed out, after every retry."""


class MalformedResponseError(AIMLEmbeddingsError):
    """A 2xx answer we cannot trust: bad JSON, wrong count, wrong index or wrong dimension."""


# --- from an HTTP status to a class ------------------------------------------

GRPC_TO_HTTP = {3: 400, 4: 504, 5: 404, 7: 403, 8: 429, 13: 500, 14: 503, 16: 401}
"""Inworld's gRPC codes, for a body whose HTTP status says less than its code."""

_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: InsufficientCreditsError,
    403: InsufficientCreditsError,
    404: ModelNotFoundError,
    413: BadRequestError,
    422: BadRequestError,
    429: RateLimitError,
}

_ADVICE: dict[type[APIStatusError], str] = {
    AuthenticationError: "check the API key for this API (and that it is not another provider's key)",
    InsufficientCreditsError: "top up or verify the account, or check the model is enabled for it",
    ModelNotFoundError: "check the model ID (aiml-embeddings models lists them) and the base URL",
    RateLimitError: "lower max_concurrency or retry later",
    ServerError: "the provider failed; retry later or try another model",
}


def status_error(
    status: int,
    message: str,
    *,
    model: str,
    request_id: str | None,
    grpc_code: int | None = None,
    failed_indices: Sequence[int] = (),
) -> APIStatusError:
    """The typed error for an HTTP error answer, with advice on what to do next."""
    effective = GRPC_TO_HTTP.get(grpc_code, status) if grpc_code is not None and status in (200, 500) else status
    cls = _BY_STATUS.get(effective, ServerError if effective >= 500 or effective in (408, 409) else APIStatusError)
    advice = _ADVICE.get(cls, "")
    text = f"model {model!r}: {message}" + (f" ({advice})" if advice else "")
    return cls(
        text,
        model=model,
        status_code=status,
        request_id=request_id,
        provider_message=message,
        failed_indices=failed_indices,
    )

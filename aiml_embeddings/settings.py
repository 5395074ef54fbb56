"""Every setting the core client and both adapters share, declared once: name, type, default, check, doc.

The adapters inherit these models (LangChain's ``AIMLEmbeddings`` from
``ClientSettings``; LlamaIndex's ``AIMLEmbedding`` from ``Settings``, since
its own ``embed_batch_size`` plays the part of ``batch_size``), and the core
client validates its keyword arguments with them, so a default or a limit
cannot drift between the three. Checks that depend on the model (the range
of ``dimensions``, which role parameters it accepts) are the client's, as
they need the registry.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import ConfigurationError
from .headers import sendable
from .roles import Role

DEFAULT_MAX_CONCURRENCY = 32
"""The ceiling of the adaptive in-flight limit, which starts at 8 and grows only while the server keeps up
(latency flat, no refusals), so a generous server is used and a strict one is not hammered."""
DEFAULT_TIMEOUT = 60.0

_SECRET_FIELDS = frozenset({"default_headers"})
"""Settings whose values may carry a credential (a proxy's token), so no error message echoes them."""


class Settings(BaseModel):
    """The settings the core client and both adapters expose under the same names."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    base_url: str | None = Field(
        default=None, description="API base URL; None reads AIMLAPI_BASE_URL / INWORLD_BASE_URL, then the public one."
    )
    dimensions: int | None = Field(
        default=None, strict=True, description="Output length, for models that accept it (checked against its range)."
    )
    max_concurrency: int = Field(
        default=DEFAULT_MAX_CONCURRENCY,
        ge=1,
        strict=True,
        description="Requests in flight at once per instance, shared by every thread and coroutine.",
    )
    max_retries: int = Field(
        default=5,
        ge=0,
        strict=True,
        description="Retries of transient failures (408/409/429/5xx, timeouts, dropped connections); one layer.",
    )
    timeout: float | httpx.Timeout | None = Field(
        default=DEFAULT_TIMEOUT, description="Seconds per request; None waits forever."
    )
    # Headers do not change the vectors and may carry a proxy's credential:
    # they travel in pickles but stay out of dumps and repr.
    default_headers: dict[str, str] | None = Field(
        default=None, exclude=True, repr=False, description="Extra headers sent with every request."
    )
    roles: dict[str, Role] | None = Field(
        default=None,
        description="Per-purpose ('document', 'query') override of the model's role: body params and a text prefix.",
    )
    empty_inputs: Literal["error", "zeros"] = Field(
        default="error", description="A blank text: raise before any request ('error'), or answer zeros for it."
    )
    truncate: bool = Field(default=False, description="Clip texts longer than the model's context instead of failing.")
    requests_per_minute: float | None = Field(
        default=None,
        gt=0,
        description="Your request quota, if known: requests wait their turn instead of drawing 429s.",
    )
    tokens_per_minute: float | None = Field(
        default=None, gt=0, description="Your token quota per minute, paced the same way."
    )
    dedupe: bool = Field(
        default=True, description="Send each distinct text of a call once and copy its vector to the repeats."
    )
    hedge: bool = Field(
        default=True,
        description="Send a second copy of a request that is far slower than its peers; at most 5% extra requests.",
    )


class ClientSettings(Settings):
    """``Settings`` plus ``batch_size``, which LlamaIndex names ``embed_batch_size`` (its own field)."""

    batch_size: int | None = Field(
        default=None, ge=1, strict=True, description="Inputs per request, at most the model's limit; None: its limit."
    )


def values_of(source: Settings) -> dict[str, Any]:
    """The shared settings an adapter (a ``Settings`` subclass) holds, by name, for building a client."""
    return {name: getattr(source, name) for name in type(source).model_fields if name in ClientSettings.model_fields}


def checked(options: Mapping[str, Any], model: str) -> ClientSettings:
    """``options`` validated, or a ``ConfigurationError`` naming each bad setting, its value and the model
    (a header that cannot be sent is named, its value never shown: it may be a credential)."""
    try:
        settings = ClientSettings.model_validate(dict(options))
    except ValidationError as exc:
        raise explained(exc, model) or _unexplained(exc, model) from None
    if settings.default_headers:
        settings.default_headers = sendable(settings.default_headers, model)
    return settings


def explained(exc: ValidationError, model: str) -> ConfigurationError | None:
    """A ``ConfigurationError`` for a validation error that is only about shared settings, else None
    (an adapter's own fields keep their framework's error)."""
    problems = []
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else ""
        if name not in ClientSettings.model_fields:
            return None
        shown = "" if name in _SECRET_FIELDS else f", not {error.get('input')!r}"
        problems.append(f"{name}: {error['msg'].lower()}{shown}")
    return ConfigurationError(f"invalid settings for model {model!r}: " + "; ".join(problems), model=model)


def _unexplained(exc: ValidationError, model: str) -> ConfigurationError:
    names = sorted({str(e["loc"][0]) for e in exc.errors() if e["loc"]} - set(ClientSettings.model_fields))
    known = ", ".join(ClientSettings.model_fields)
    return ConfigurationError(
        f"unknown setting(s) {', '.join(names)} for model {model!r}; the settings are {known}", model=model
    )


__all__ = [
    "ClientSettings",
    "DEFAULT_MAX_CONCURRENCY",
    "DEFAULT_TIMEOUT",
    "Settings",
    "checked",
    "explained",
    "values_of",
]

"""Query vs document: how each model wants to be told which side of a search a text is on.

Getting this wrong does not fail loudly, it just makes retrieval worse, so the
mapping lives in one place, derived from the registry, and is checked
against what the model accepts before any request.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict

from .errors import ConfigurationError
from .models import ModelSpec

Purpose = Literal["document", "query"]
PURPOSES: tuple[Purpose, ...] = ("document", "query")

GOOGLE_TASK_TYPES = frozenset(
    {
        "RETRIEVAL_QUERY",
        "RETRIEVAL_DOCUMENT",
        "SEMANTIC_SIMILARITY",
        "CLASSIFICATION",
        "CLUSTERING",
        "QUESTION_ANSWERING",
        "FACT_VERIFICATION",
    }
)

ParamValue = str | int | bool


class Role(BaseModel):
    """What a purpose adds to a request: body parameters and a text prefix."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    params: dict[str, ParamValue] = {}
    prefix: str = ""


def default_roles(spec: ModelSpec) -> dict[Purpose, Role]:
    if spec.role == "task_type":
        return {
            "document": Role(params={"task_type": "RETRIEVAL_DOCUMENT"}),
            "query": Role(params={"task_type": "RETRIEVAL_QUERY"}),
        }
    if spec.role == "query_prefix":
        return {"document": Role(), "query": Role(prefix=spec.query_prefix or "")}
    if spec.role == "voyage_document":
        return {"document": Role(params={"input_type": "document"}), "query": Role()}
    return {"document": Role(), "query": Role()}


RoleOverrides = Mapping[Purpose, "Role | Mapping[str, object]"] | Mapping[str, "Role | Mapping[str, object]"]
"""Per purpose, a ``Role`` or its fields as a mapping; the key may be typed as ``Purpose`` or plain ``str``."""


def resolve_roles(spec: ModelSpec, overrides: RoleOverrides | None) -> dict[Purpose, Role]:
    """The model's defaults with the user's overrides on top, validated against the model."""
    roles = default_roles(spec)
    for purpose, role in (overrides or {}).items():
        if purpose not in PURPOSES:
            raise ConfigurationError(
                f"role override for {purpose!r} on model {spec.id!r}: purposes are 'document' and 'query'",
                model=spec.id,
            )
        roles[purpose] = role if isinstance(role, Role) else Role.model_validate(role)
    for purpose, role in roles.items():
        _check(spec, purpose, role)
    return roles


def _check(spec: ModelSpec, purpose: str, role: Role) -> None:
    for name, value in role.params.items():
        if spec.known and name not in spec.params:
            allowed = ", ".join(sorted(spec.params)) or "none"
            raise ConfigurationError(
                f"model {spec.id!r} does not accept the parameter {name!r} (set for {purpose}s); it accepts: {allowed}",
                model=spec.id,
            )
        if name == "task_type" and value not in GOOGLE_TASK_TYPES:
            raise ConfigurationError(
                f"task_type {value!r} for {purpose}s is not one of {sorted(GOOGLE_TASK_TYPES)} (model {spec.id!r})",
                model=spec.id,
            )
        if name == "input_type" and spec.known and value != "document":
            raise ConfigurationError(
                f"model {spec.id!r} accepts only input_type='document' (set for {purpose}s: {value!r}); "
                "leave it out for queries",
                model=spec.id,
            )
    if "title" in role.params and role.params.get("task_type") != "RETRIEVAL_DOCUMENT":
        raise ConfigurationError(
            f"'title' is only allowed with task_type='RETRIEVAL_DOCUMENT' (model {spec.id!r}, {purpose}s)",
            model=spec.id,
        )

"""The model registry: what each model ID accepts, read from ``registry.toml``.

The table lives in a data file so a reader can scan every model in one place
and a change to a model's limits is a one-line diff, not a code change.
"""

from __future__ import annotations

import difflib
import logging
import sys

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib
from collections.abc import Mapping
from importlib import resources
from types import MappingProxyType
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Api = Literal["aimlapi", "inworld"]
RoleStyle = Literal["task_type", "query_prefix", "voyage_document", "none"]
Param = Literal["dimensions", "encoding_format", "auto_truncate", "task_type", "title", "input_type"]

logger = logging.getLogger("aiml_embeddings")


class ModelSpec(BaseModel):
    """One model's facts: the limits the batcher obeys and the body fields the codec may send."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    api: Api
    provider: str
    developer: str
    dimension: int | None = Field(description="None only for models missing from the registry")
    dimensions: tuple[int, int] | None = None
    context: int
    max_inputs: int
    max_tokens: int
    params: frozenset[Param] = frozenset()
    role: RoleStyle = "none"
    query_prefix: str | None = None
    notes: str = ""
    known: bool = True

    def accepts(self, param: Param) -> bool:
        return param in self.params


def _load() -> Mapping[str, ModelSpec]:
    raw = tomllib.loads(resources.files(__package__).joinpath("registry.toml").read_text("utf-8"))
    return MappingProxyType({mid: ModelSpec(id=mid, **row) for mid, row in raw.items()})


MODELS: Mapping[str, ModelSpec] = _load()
"""Every known model ID, in the order of ``registry.toml``."""

DEFAULT_MODEL = "text-embedding-3-small"
INWORLD_MODEL = "sentence-transformers/paraphrase-multilingual-mpnet-base-v2"


def close_matches(model_id: str, n: int = 3) -> list[str]:
    """Known IDs that look like ``model_id``, for warnings and error messages."""
    lowered = {m.lower(): m for m in MODELS}
    hits = difflib.get_close_matches(model_id.lower(), list(lowered), n=n, cutoff=0.4)
    return [lowered[h] for h in hits]


def get_model(model_id: str, *, api: Api = "aimlapi") -> ModelSpec:
    """The registry entry, or safe defaults for an ID the registry does not know.

    An unknown ID is still sent as-is (the catalogue grows faster than this
    table), but only ``model`` and ``input`` go in the body, batches stay
    small, and the vector length is learned from the first response.
    """
    spec = MODELS.get(model_id)
    if spec is not None:
        return spec
    hint = close_matches(model_id)
    logger.warning(
        "model %r is not in the aiml-embeddings registry; sending it as-is with safe defaults%s",
        model_id,
        f" (closest known IDs: {', '.join(hint)})" if hint else "",
    )
    return ModelSpec(
        id=model_id,
        api=api,
        provider="unknown",
        developer="unknown",
        dimension=None,
        context=2048,
        max_inputs=64,
        max_tokens=65536,
        known=False,
        notes="not in the registry: safe defaults",
    )

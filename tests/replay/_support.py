"""What the replay tests share: the texts they embed and how to read a cassette back."""

from __future__ import annotations

import json
from typing import Any

import pytest
from vcr.cassette import Cassette  # type: ignore[import-untyped]

from aiml_embeddings import MODELS

DOCUMENTS = [
    "Laura is a DJ who plays house music in Berlin clubs.",
    "The tax office closes at noon on Fridays.",
]
QUERY = "Which DJ plays house music?"
"""Shares words with the first document only: any model ranks that one first."""


def by_model(model_ids: list[str] | None = None) -> list[Any]:
    """One parameter per model ID, marked with its provider (which picks the cassette folder)."""
    return [pytest.param(m, marks=pytest.mark.provider(MODELS[m].provider), id=m) for m in (model_ids or list(MODELS))]


def sent_bodies(cassette: Cassette) -> list[Any]:
    """The request bodies in the cassette: exactly what the client sent, since replay matches on the JSON body."""
    return [json.loads(request.body) for request in cassette.requests]


def all_replayed(cassette: Cassette, record_mode: str) -> bool:
    """In replay, every interaction was used once: no request was missing, repeated or retried."""
    return record_mode != "none" or (cassette.all_played and cassette.play_count == len(cassette.requests))


def origin(cassette: Cassette, index: int = 0) -> str:
    headers = cassette.responses[index]["headers"]
    return str(next(v[0] for k, v in headers.items() if k.lower() == "x-cassette-origin"))

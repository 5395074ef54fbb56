"""Each provider's documented error answers, replayed: the typed error, its message, no retry.

AI/ML API providers: a bad key is the documented 401 and an unknown model
ID the documented 400 "Body validation error!" (the docs' own example of
that error is a wrong value in ``model``). Inworld: ``{code, message,
details}`` with gRPC code 16 (401) and 3 (400).
"""

from __future__ import annotations

import pytest
from vcr.cassette import Cassette  # type: ignore[import-untyped]

from aiml_embeddings import (
    MODELS,
    AuthenticationError,
    BadRequestError,
    EmbeddingsClient,
    InputTooLongError,
    InsufficientCreditsError,
)
from tests.conftest import PROVIDERS
from tests.standin import NO_CREDITS_KEY

from ._support import all_replayed

TEXTS = ["Laura is a DJ."]
BAD_KEY = "test-invalid-key"
FIRST_MODEL = {provider: next(m for m, s in MODELS.items() if s.provider == provider) for provider in PROVIDERS}


def test_registry_providers_are_the_cassette_folders() -> None:
    assert {spec.provider for spec in MODELS.values()} == set(PROVIDERS)


@pytest.mark.vcr
@pytest.mark.parametrize("provider", [pytest.param(p, marks=pytest.mark.provider(p)) for p in PROVIDERS])
def test_bad_key_and_unknown_model(provider: str, vcr: Cassette, record_mode: str) -> None:
    model = FIRST_MODEL[provider]
    api = MODELS[model].api

    with pytest.raises(AuthenticationError) as bad_key:
        EmbeddingsClient(model, api_key=BAD_KEY).embed(TEXTS)
    with pytest.raises(BadRequestError) as bad_body:
        EmbeddingsClient(f"{model}-nonexistent", api=api).embed(TEXTS)

    assert all_replayed(vcr, record_mode)  # two requests, two answers: neither error was retried
    assert bad_key.value.status_code == 401
    assert "check the API key" in str(bad_key.value)
    assert bad_body.value.status_code == 400
    assert not isinstance(bad_body.value, InputTooLongError)
    if api == "aimlapi":
        assert bad_key.value.provider_message is not None
        assert "requires a valid API key" in bad_key.value.provider_message
        assert bad_key.value.request_id  # from the body's requestId
        assert bad_body.value.provider_message == "Body validation error!"
    else:
        assert bad_key.value.provider_message and bad_body.value.provider_message


@pytest.mark.vcr
@pytest.mark.standin_only
@pytest.mark.provider("openai")
def test_out_of_credits(vcr: Cassette, record_mode: str) -> None:
    """Only the stand-in can give this answer on demand, so the live recorder leaves it alone."""
    with pytest.raises(InsufficientCreditsError) as no_credits:
        EmbeddingsClient("text-embedding-3-small", api_key=NO_CREDITS_KEY).embed(TEXTS)

    assert all_replayed(vcr, record_mode)
    assert no_credits.value.status_code == 403
    assert "run out of credits" in str(no_credits.value)

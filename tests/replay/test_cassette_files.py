"""Every cassette says how it was made, and every model and provider has one."""

from __future__ import annotations

import re

from aiml_embeddings import MODELS
from tests.conftest import CASSETTES, PROVIDERS
from tests.standin import DOCUMENTED_REAL, SYNTHESIZED
from tests.standin.runs import COMMENTS, origins

KNOWN_ORIGINS = {SYNTHESIZED, DOCUMENTED_REAL, "recorded"}


def _slug(model_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.@-]+", "_", model_id)


def test_each_cassette_names_its_origin_inside_itself() -> None:
    cassettes = sorted(CASSETTES.rglob("*.yaml"))
    assert cassettes
    for cassette in cassettes:
        found = origins(cassette)
        assert found and found <= KNOWN_ORIGINS, f"{cassette.name}: origins {found}"
        header = cassette.read_text("utf-8").split("interactions:", 1)[0]
        for origin in found:
            assert COMMENTS[origin] in header, f"{cassette.name} lacks the comment for {origin}"


def test_every_model_and_provider_has_its_cassettes() -> None:
    names = {path.relative_to(CASSETTES).as_posix() for path in CASSETTES.rglob("*.yaml")}
    for model_id, spec in MODELS.items():
        assert f"{spec.provider}/test_models__test_documents_and_query_{_slug(model_id)}.yaml" in names
    for provider in PROVIDERS:
        assert f"{provider}/test_errors__test_bad_key_and_unknown_model_{provider}.yaml" in names
    real = [n for n in names if n.split("/")[1].startswith("test_real_responses__")]
    assert len(real) == 2

from __future__ import annotations

import httpx
import pytest

from aiml_embeddings import MODELS, fetch_live_models
from aiml_embeddings.catalogue import parse_catalogue
from aiml_embeddings.cli import main


def test_catalogue_is_fetched_without_a_key() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"data": [{"id": "voyage-2", "info": {"contextLength": 4000}}, {"id": "x"}]})

    models = fetch_live_models(http_client=httpx.Client(transport=httpx.MockTransport(handler)))
    assert [(m.id, m.context_length) for m in models] == [("voyage-2", 4000), ("x", None)]
    assert seen[0].url.params["type"] == "openai/embeddings" and seen[0].url.path == "/v1/models"
    assert "authorization" not in seen[0].headers


def test_catalogue_accepts_a_bare_list() -> None:
    assert [m.id for m in parse_catalogue([{"id": "a"}, "junk"])] == ["a"]


def test_models_command_prints_every_model(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert all(model_id in out for model_id in MODELS)

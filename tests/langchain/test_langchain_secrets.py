"""The key never shows: repr, str, dumps, errors, logs; pickling keeps settings, not live clients."""

from __future__ import annotations

import logging
import pickle
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from aiml_embeddings import AuthenticationError
from langchain_aiml_embeddings import AIMLEmbeddings

from ..fake_api import FakeAPI, status

KEY = "test-secret-key-do-not-show"


@pytest.fixture
def emb(fake_api: FakeAPI) -> AIMLEmbeddings:
    return AIMLEmbeddings(api_key=KEY, http_client=fake_api.sync(), http_async_client=fake_api.async_())


def test_repr_and_str(emb: AIMLEmbeddings) -> None:
    for text in (repr(emb), str(emb), f"{emb!r}", repr(emb.client)):
        assert KEY not in text
    assert "**********" in repr(emb)


def test_dumps(emb: AIMLEmbeddings) -> None:
    assert KEY not in str(emb.model_dump())
    assert KEY not in emb.model_dump_json()
    assert KEY not in str(emb.model_dump(mode="json"))
    assert "http_client" not in emb.model_dump()  # live clients are not settings


def test_the_key_is_still_usable(emb: AIMLEmbeddings, fake_api: FakeAPI) -> None:
    emb.embed_query("q")
    assert fake_api.requests[0].headers["authorization"] == f"Bearer {KEY}"


def test_errors_and_logs(emb: AIMLEmbeddings, fake_api: FakeAPI, caplog: pytest.LogCaptureFixture) -> None:
    fake_api.faults.append(status(401, body={"message": "Invalid API key", "statusCode": 401, "requestId": "req-1"}))
    caplog.set_level(logging.DEBUG)
    with pytest.raises(AuthenticationError) as info:
        emb.embed_documents(["a", "b"])
    error = info.value
    assert "Invalid API key" in str(error) and error.status_code == 401
    for text in (str(error), repr(error), str(error.args), str(vars(error))):
        assert KEY not in text
    assert caplog.records, "the call should log something at DEBUG for this check to mean anything"
    assert KEY not in caplog.text
    for record in caplog.records:
        assert KEY not in str(record.args)


@pytest.mark.parametrize(
    "settings",
    [{"dimensions": 99999}, {"max_concurrency": "many"}, {"unknown": 1}, {"model": "voyage-2", "dimensions": 8}],
)
def test_setting_errors(settings: dict[str, Any]) -> None:
    with pytest.raises(ValueError) as info:
        AIMLEmbeddings(api_key=KEY, **settings)
    error = info.value
    assert KEY not in str(error) and KEY not in repr(error)
    if isinstance(error, ValidationError):
        assert KEY not in repr(error.errors())


def test_setting_errors_on_assignment(emb: AIMLEmbeddings) -> None:
    for name, value in (("dimensions", 99999), ("max_retries", "x")):
        with pytest.raises(ValueError) as info:
            setattr(emb, name, value)
        assert KEY not in str(info.value)
        if isinstance(info.value, ValidationError):
            assert KEY not in repr(info.value.errors())


def test_pickle_round_trip(emb: AIMLEmbeddings, fake_api: FakeAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    emb.dimensions = 16
    emb.embed_query("warm up the live client")
    data = pickle.dumps(emb)
    assert KEY.encode() not in data  # the key stays behind, like every other serialized form
    copy = pickle.loads(data)
    assert copy.model_dump() == {**emb.model_dump(), "api_key": None}
    assert copy.http_client is None and copy.http_async_client is None
    assert copy.client.dimensions == 16 and copy.client is not emb.client
    # The copy embeds once given a transport (a real one would reach the network, which tests block),
    # with the key of the environment it lands in, as a worker process would.
    monkeypatch.setenv("AIMLAPI_API_KEY", "key-of-the-worker")
    other = FakeAPI()
    copy.http_client = other.sync()
    assert len(copy.embed_query("q")) == 16
    assert other.requests[0].headers["authorization"] == "Bearer key-of-the-worker"


def test_pickle_without_injected_clients() -> None:
    emb = AIMLEmbeddings(api_key=KEY, model="voyage-2", batch_size=4)
    copy = pickle.loads(pickle.dumps(emb))
    assert copy.model_dump() == {**emb.model_dump(), "api_key": None}
    assert isinstance(copy.client, type(emb.client))


def test_injected_client_is_not_closed_by_us(emb: AIMLEmbeddings) -> None:
    http = emb.http_client
    assert isinstance(http, httpx.Client)
    emb.embed_query("q")
    emb.client.close()
    assert not http.is_closed

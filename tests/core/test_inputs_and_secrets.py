"""Bad input fails before any request, clearly; the key never shows up anywhere a user can see."""

from __future__ import annotations

import logging
import pickle
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from aiml_embeddings import (
    AIMLEmbeddingsError,
    ConfigurationError,
    EmbeddingsClient,
    EmptyInputError,
    InputTypeError,
    MissingAPIKeyError,
    Role,
)

from ..fake_api import FakeAPI, status
from .conftest import SECRET

Make = Callable[..., EmbeddingsClient]


@pytest.mark.parametrize(
    ("texts", "words"),
    [
        ("a string", "single str"),
        (b"bytes", "single bytes"),
        ([None], "input 0 is NoneType"),
        (["ok", 1], "input 1 is int"),
        ([["nested"]], "input 0 is list"),
        ({"a": 1}, "got dict"),
        (42, "got int"),
    ],
)
def test_non_string_inputs_raise_type_error_naming_the_position(
    api: FakeAPI, make: Make, texts: Any, words: str
) -> None:
    with pytest.raises(InputTypeError, match=words) as info:
        make().embed(texts)
    assert isinstance(info.value, TypeError)
    assert "text-embedding-3-small" in str(info.value)
    assert api.requests == []


def test_blank_inputs_are_an_error_naming_them_by_default(api: FakeAPI, make: Make) -> None:
    with pytest.raises(EmptyInputError, match="empty_inputs='zeros'") as info:
        make().embed(["a", "", " \n", "b"])
    assert info.value.failed_indices == (1, 2)
    assert api.requests == []


def test_tuples_and_generators_are_accepted(api: FakeAPI, make: Make) -> None:
    client = make(dimensions=8)
    assert len(client.embed(("a", "b"))) == 2
    assert len(client.embed(t for t in ["a", "b", "c"])) == 3


@pytest.mark.parametrize(
    ("model", "settings", "words"),
    [
        ("text-embedding-3-small", {"dimensions": 0}, "outside 1..1536"),
        ("text-embedding-3-small", {"dimensions": 4000}, "outside 1..1536"),
        ("alibaba/qwen-text-embedding-v4", {"dimensions": 32}, "outside 64..2048"),
        ("voyage-2", {"dimensions": 256}, "does not accept dimensions"),
        ("text-embedding-ada-002", {"dimensions": 256}, "does not accept dimensions"),
        ("text-embedding-3-small", {"max_concurrency": 0}, "max_concurrency"),
        ("text-embedding-3-small", {"batch_size": 0}, "batch_size"),
        ("text-embedding-3-small", {"empty_inputs": "skip"}, "empty_inputs"),
        ("voyage-2", {"roles": {"query": Role(params={"input_type": "query"})}}, "only input_type='document'"),
        (
            "text-embedding-3-small",
            {"roles": {"query": {"params": {"task_type": "RETRIEVAL_QUERY"}}}},
            "does not accept",
        ),
        ("text-multilingual-embedding-002", {"roles": {"query": {"params": {"task_type": "SEARCH"}}}}, "not one of"),
        (
            "text-multilingual-embedding-002",
            {"roles": {"query": {"params": {"title": "T"}}}},
            "'title' is only allowed",
        ),
        ("text-embedding-3-small", {"roles": {"passage": {}}}, "purposes are"),
    ],
)
def test_bad_settings_fail_at_construction(model: str, settings: dict[str, Any], words: str) -> None:
    with pytest.raises(ConfigurationError, match=words) as info:
        EmbeddingsClient(model, **settings)
    assert model in str(info.value)


def test_missing_key_names_the_variable_at_the_first_request(monkeypatch: pytest.MonkeyPatch, api: FakeAPI) -> None:
    monkeypatch.delenv("AIMLAPI_API_KEY", raising=False)
    monkeypatch.delenv("INWORLD_API_KEY", raising=False)
    client = EmbeddingsClient(http_client=api.sync())  # building it is fine
    with pytest.raises(MissingAPIKeyError, match="AIMLAPI_API_KEY"):
        client.embed(["a"])
    inworld = EmbeddingsClient("sentence-transformers/paraphrase-multilingual-mpnet-base-v2", http_client=api.sync())
    with pytest.raises(MissingAPIKeyError, match="INWORLD_API_KEY"):
        inworld.embed(["a"])
    assert api.requests == []


def test_key_from_the_environment_is_read_at_request_time(monkeypatch: pytest.MonkeyPatch, api: FakeAPI) -> None:
    monkeypatch.delenv("AIMLAPI_API_KEY", raising=False)
    client = EmbeddingsClient(dimensions=8, http_client=api.sync())
    monkeypatch.setenv("AIMLAPI_API_KEY", "env-key-1")
    client.embed(["a"])
    assert api.requests[0].headers["authorization"] == "Bearer env-key-1"


def test_inworld_key_and_secret_pair_is_encoded(monkeypatch: pytest.MonkeyPatch, api: FakeAPI) -> None:
    monkeypatch.setenv("INWORLD_API_KEY", "my-key")
    monkeypatch.setenv("INWORLD_API_SECRET", "my-secret")
    EmbeddingsClient("sentence-transformers/paraphrase-multilingual-mpnet-base-v2", http_client=api.sync()).embed(["a"])
    assert api.requests[0].headers["authorization"] == "Basic bXkta2V5Om15LXNlY3JldA=="


def test_the_key_is_in_no_repr_error_or_log(api: FakeAPI, make: Make, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client = make(dimensions=8)
    api.faults.append(status(401, body={"message": "bad key", "statusCode": "401"}))
    with pytest.raises(AIMLEmbeddingsError) as info:
        client.embed(["a", "b"])
    api.faults.clear()
    client.embed(["fine"])
    exposed = [repr(client), str(client), str(info.value), repr(info.value), caplog.text, repr(vars(info.value))]
    assert api.requests[0].headers["authorization"] == f"Bearer {SECRET}"  # it was sent...
    assert caplog.records  # ...something was logged...
    for text in exposed:  # ...and shown nowhere
        assert SECRET not in text


def test_pickle_leaves_the_key_behind_and_the_copy_reads_the_environment(
    make: Make, api: FakeAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = pickle.dumps(make(dimensions=8))
    assert SECRET.encode() not in data
    clone = pickle.loads(data)
    clone._injected_http = clone._http = api.sync()
    monkeypatch.setenv("AIMLAPI_API_KEY", "key-from-env")
    clone.embed(["a"])
    assert api.requests[-1].headers["authorization"] == "Bearer key-from-env"


def test_httpx_client_errors_do_not_leak_headers(api: FakeAPI, make: Make) -> None:
    def boom(request: httpx.Request, body: dict[str, Any]) -> httpx.Response:
        raise httpx.ConnectError(f"refused {request.headers.get('authorization')}", request=request)

    api.faults.append(boom)
    with pytest.raises(AIMLEmbeddingsError) as info:
        make(dimensions=8, max_retries=0).embed(["a"])
    assert SECRET not in str(info.value)


@pytest.mark.parametrize(
    "text",
    ["lone \ud800 high", "lone \udc80 low (surrogateescape)", "\ud83d\ude00 a pair spelled as two halves"],
)
def test_a_lone_surrogate_is_an_input_type_error_naming_the_input(api: FakeAPI, make: Make, text: str) -> None:
    with pytest.raises(
        InputTypeError, match=r"input 2 holds a lone surrogate \(U\+D[8-F][0-9A-F]{2} at character"
    ) as info:
        make(dimensions=8).embed(["fine", "é and 😀 are fine", text])
    assert info.value.failed_indices == (2,)
    assert api.requests == []

"""Bad input and bad settings fail clearly, before any request is made."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from aiml_embeddings import ConfigurationError, EmptyInputError, InputTypeError, MissingAPIKeyError
from langchain_aiml_embeddings import AIMLEmbeddings

from ..fake_api import FakeAPI


def make(fake_api: FakeAPI, **settings: Any) -> AIMLEmbeddings:
    return AIMLEmbeddings(http_client=fake_api.sync(), http_async_client=fake_api.async_(), **settings)


@pytest.mark.usefixtures("keys")
def test_a_bare_string_is_not_a_list(fake_api: FakeAPI) -> None:
    with pytest.raises(InputTypeError, match="single str") as info:
        make(fake_api).embed_documents("a string")  # type: ignore[arg-type]
    assert isinstance(info.value, TypeError)
    assert fake_api.requests == []


@pytest.mark.usefixtures("keys")
@pytest.mark.parametrize(("item", "kind"), [(None, "NoneType"), (1, "int"), (b"bytes", "bytes")])
def test_a_non_string_item(fake_api: FakeAPI, item: object, kind: str) -> None:
    with pytest.raises(TypeError, match=f"input 1 is {kind}, not str"):
        make(fake_api).embed_documents(["fine", item])  # type: ignore[list-item]
    assert fake_api.requests == []


@pytest.mark.usefixtures("keys")
async def test_a_non_string_item_async(fake_api: FakeAPI) -> None:
    with pytest.raises(TypeError, match="input 0 is NoneType"):
        await make(fake_api).aembed_documents([None])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="input 0 is int"):
        await make(fake_api).aembed_query(1)  # type: ignore[arg-type]
    assert fake_api.requests == []


@pytest.mark.usefixtures("keys")
def test_blank_text(fake_api: FakeAPI) -> None:
    with pytest.raises(EmptyInputError, match="empty_inputs='zeros'"):
        make(fake_api).embed_documents(["text", "  "])
    assert fake_api.requests == []
    vectors = make(fake_api, empty_inputs="zeros", dimensions=8).embed_documents(["text", "  "])
    assert vectors[1] == [0.0] * 8 and any(vectors[0])
    assert fake_api.texts() == [["text"]]


def test_unknown_setting() -> None:
    with pytest.raises(ValidationError, match="dimension\n  Extra inputs are not permitted"):
        AIMLEmbeddings(dimension=256)  # type: ignore[call-arg]


@pytest.mark.usefixtures("keys")
@pytest.mark.parametrize(
    ("model", "dimensions", "message"),
    [
        ("text-embedding-3-small", 4096, "dimensions=4096 is outside 1..1536"),
        ("text-embedding-3-small", 0, "dimensions=0 is outside 1..1536"),
        ("text-multilingual-embedding-002", 1024, "outside 1..768"),
        ("voyage-2", 512, "does not accept dimensions"),
    ],
)
def test_dimensions_outside_the_model_range(fake_api: FakeAPI, model: str, dimensions: int, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message) as info:
        make(fake_api, model=model, dimensions=dimensions)
    assert isinstance(info.value, ValueError)
    assert fake_api.requests == []


@pytest.mark.parametrize(
    "settings",
    [{"max_concurrency": 0}, {"batch_size": -1}, {"max_retries": -1}, {"empty_inputs": "skip"}, {"timeout": "soon"}],
)
def test_other_bad_settings(settings: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=next(iter(settings))):
        AIMLEmbeddings(**settings)


@pytest.mark.parametrize(
    ("model", "variable"),
    [
        ("text-embedding-3-small", "AIMLAPI_API_KEY"),
        ("sentence-transformers/paraphrase-multilingual-mpnet-base-v2", "INWORLD_API_KEY"),
    ],
)
def test_missing_key_fails_at_first_request_naming_the_variable(
    fake_api: FakeAPI, monkeypatch: pytest.MonkeyPatch, model: str, variable: str
) -> None:
    for name in ("AIMLAPI_API_KEY", "INWORLD_API_KEY", "INWORLD_API_SECRET"):
        monkeypatch.delenv(name, raising=False)
    emb = make(fake_api, model=model)  # building needs no key
    assert emb.api_key is None
    with pytest.raises(MissingAPIKeyError, match=variable):
        emb.embed_query("q")
    assert fake_api.requests == []


def test_inworld_model_never_takes_the_aimlapi_key(fake_api: FakeAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIMLAPI_API_KEY", "test-aimlapi-key")
    monkeypatch.delenv("INWORLD_API_KEY", raising=False)
    emb = make(fake_api, model="sentence-transformers/paraphrase-multilingual-mpnet-base-v2")
    assert emb.api_key is None
    with pytest.raises(MissingAPIKeyError, match="INWORLD_API_KEY"):
        emb.embed_documents(["q"])

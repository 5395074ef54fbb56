"""Bad input and bad settings fail clearly, before any request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pydantic
import pytest

from aiml_embeddings import ConfigurationError, EmptyInputError, InputTypeError, MissingAPIKeyError
from llama_index_aiml_embeddings import AIMLEmbedding

from ..fake_api import FakeAPI

Make = Callable[..., AIMLEmbedding]


def test_a_bare_string_is_not_embedded_letter_by_letter(make: Make, api: FakeAPI) -> None:
    with pytest.raises(TypeError, match="single str"):
        make().get_text_embedding_batch("a string")  # type: ignore[arg-type]
    assert api.requests == []


async def test_a_bare_string_is_refused_in_async_too(make: Make, api: FakeAPI) -> None:
    with pytest.raises(InputTypeError, match="single str"):
        await make().aget_text_embedding_batch("a string")  # type: ignore[arg-type]
    assert api.requests == []


@pytest.mark.parametrize("bad", [None, 1, b"bytes"])
def test_a_non_string_item_names_its_position_in_the_whole_list(make: Make, api: FakeAPI, bad: object) -> None:
    texts: list[object] = [f"fine {i}" for i in range(25)]
    texts[17] = bad
    with pytest.raises(InputTypeError, match="input 17 is") as info:
        make(embed_batch_size=10).get_text_embedding_batch(texts)  # type: ignore[arg-type]
    assert info.value.failed_indices == (17,)
    assert api.requests == [], "the first two slices of 10 must not have been sent"


@pytest.mark.parametrize("bad", [None, 1])
def test_a_non_string_single_text_or_query(make: Make, api: FakeAPI, bad: object) -> None:
    embed = make()
    with pytest.raises(TypeError, match="expected one string"):
        embed.get_query_embedding(bad)
    with pytest.raises(TypeError, match="expected one string"):
        embed.get_text_embedding(bad)
    assert api.requests == []


async def test_a_non_string_async_query(make: Make, api: FakeAPI) -> None:
    with pytest.raises(InputTypeError):
        await make().aget_query_embedding(None)
    assert api.requests == []


def test_an_empty_text_is_refused_with_its_position(make: Make, api: FakeAPI) -> None:
    with pytest.raises(EmptyInputError) as info:
        make().get_text_embedding_batch(["fine", "  "])
    assert info.value.failed_indices == (1,)
    assert api.requests == []


@pytest.mark.parametrize("setting", [{"modle": "voyage-2"}, {"model": "voyage-2"}, {"api_kye": "x"}])
def test_an_unknown_setting_is_an_error(setting: dict[str, Any]) -> None:
    name = next(iter(setting))
    with pytest.raises(pydantic.ValidationError, match=name):
        AIMLEmbedding(**setting)


def test_dimensions_out_of_range() -> None:
    with pytest.raises(ConfigurationError, match=r"dimensions=5000 is outside 1\.\.1536"):
        AIMLEmbedding(model_name="text-embedding-3-small", dimensions=5000)


def test_dimensions_on_a_model_that_does_not_take_them() -> None:
    with pytest.raises(ConfigurationError, match="does not accept dimensions"):
        AIMLEmbedding(model_name="voyage-2", dimensions=256)


def test_a_role_the_model_cannot_take() -> None:
    with pytest.raises(ConfigurationError, match="does not accept the parameter 'task_type'"):
        AIMLEmbedding(
            model_name="text-embedding-3-small", roles={"query": {"params": {"task_type": "RETRIEVAL_QUERY"}}}
        )


def test_a_changed_setting_is_checked_too(make: Make) -> None:
    embed = make()
    with pytest.raises(ConfigurationError, match="outside"):
        embed.dimensions = 0
    assert embed.dimensions is None and embed.to_dict()["dimensions"] is None, "a refused value must not stick"


@pytest.mark.parametrize(("name", "value"), [("max_concurrency", 0), ("max_retries", -2)])
def test_non_positive_limits(name: str, value: int) -> None:
    with pytest.raises(ConfigurationError, match=name):
        settings: dict[str, Any] = {name: value}
        AIMLEmbedding(**settings)


def test_embed_batch_size_above_the_llamaindex_limit() -> None:
    with pytest.raises(pydantic.ValidationError, match="embed_batch_size"):
        AIMLEmbedding(embed_batch_size=5000)


def test_a_missing_key_is_an_error_at_the_first_request_naming_the_variable(
    api: FakeAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AIMLAPI_API_KEY", raising=False)
    embed = AIMLEmbedding(http_client=api.sync())  # construction needs no key
    with pytest.raises(MissingAPIKeyError, match="AIMLAPI_API_KEY"):
        embed.get_text_embedding("hello")
    assert api.requests == []


def test_a_missing_inworld_key_names_the_inworld_variable(api: FakeAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INWORLD_API_KEY", raising=False)
    monkeypatch.setenv("AIMLAPI_API_KEY", "test-aimlapi-key")
    embed = AIMLEmbedding(
        model_name="sentence-transformers/paraphrase-multilingual-mpnet-base-v2", http_client=api.sync()
    )
    with pytest.raises(MissingAPIKeyError, match="INWORLD_API_KEY"):
        embed.get_query_embedding("hola")
    assert api.requests == []

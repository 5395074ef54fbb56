"""Keys are checked when first read: surrounding whitespace stripped, anything a header cannot carry refused.

Sent as is, a key with a newline, a control character or a non-ASCII
character reached the HTTP layer, which quoted the whole header in its
errors (a ``UnicodeEncodeError`` whose args held ``'Bearer <key>'``) and its
DEBUG log, or retried it as a connection error.
"""

from __future__ import annotations

import traceback

import pytest

from aiml_embeddings import ConfigurationError, EmbeddingsClient, MissingAPIKeyError

from ..clock import Clock
from ..fake_api import FakeAPI
from .conftest import SECRET

INWORLD = "sentence-transformers/paraphrase-multilingual-mpnet-base-v2"

BAD_KEYS = {
    "newline inside": (f"{SECRET[:6]}\n{SECRET[6:]}", "a control character at position 6"),
    "carriage return and line feed": (f"{SECRET}\r\nX-Injected: yes", "a control character at position 25"),
    "non-ASCII": (f"{SECRET}é", "a non-ASCII character at position 25"),
    "space inside": (f"{SECRET[:4]} {SECRET[4:]}", "a space at position 4"),
    "tab inside": (f"{SECRET[:4]}\t{SECRET[4:]}", "a control character at position 4"),
}


def _client(api: FakeAPI, clock: Clock, model: str = "text-embedding-3-small", **settings: object) -> EmbeddingsClient:
    return EmbeddingsClient(model, http_client=api.sync(), sleep=clock.sleep, clock=clock, **settings)  # type: ignore[arg-type]


@pytest.mark.parametrize("padded", [f"{SECRET}\n", f"  {SECRET}\r\n", f"\t{SECRET} "])
def test_surrounding_whitespace_is_stripped_from_an_explicit_key(api: FakeAPI, clock: Clock, padded: str) -> None:
    _client(api, clock, api_key=padded, dimensions=8).embed(["a"])
    assert api.requests[0].headers["authorization"] == f"Bearer {SECRET}"


def test_surrounding_whitespace_is_stripped_from_the_environment(
    api: FakeAPI, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIMLAPI_API_KEY", f"{SECRET}\n")  # as `export KEY=$(cat key.txt)` leaves it
    _client(api, clock, dimensions=8).embed(["a"])
    assert api.requests[0].headers["authorization"] == f"Bearer {SECRET}"


@pytest.mark.parametrize(("key", "words"), BAD_KEYS.values(), ids=BAD_KEYS.keys())
def test_a_key_a_header_cannot_carry_is_a_configuration_error_that_does_not_show_it(
    api: FakeAPI, clock: Clock, key: str, words: str
) -> None:
    with pytest.raises(ConfigurationError, match=words) as info:
        _client(api, clock, api_key=key, dimensions=8).embed(["a"])
    assert "the api_key given" in str(info.value) and "text-embedding-3-small" in str(info.value)
    assert api.requests == [] and clock.slept == []  # refused before any request, never retried
    error = info.value
    below_this_test = error.__traceback__.tb_next if error.__traceback__ else None  # this frame holds the key
    report = traceback.TracebackException(type(error), error, below_this_test, capture_locals=True)
    shown = "".join(report.format())
    assert "resolve_key" in shown  # the frames that read the key are in the report, with their locals
    for text in (str(info.value), repr(info.value), repr(info.value.args), shown):
        assert SECRET[4:20] not in text


def test_a_bad_key_in_the_environment_names_the_variable(
    api: FakeAPI, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIMLAPI_API_KEY", f"{SECRET}é")
    with pytest.raises(ConfigurationError, match="AIMLAPI_API_KEY") as info:
        _client(api, clock, dimensions=8).embed(["a"])
    assert SECRET not in str(info.value) and api.requests == []


def test_a_bad_inworld_secret_names_both_variables(api: FakeAPI, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INWORLD_API_KEY", "key-id")
    monkeypatch.setenv("INWORLD_API_SECRET", "se\ncret")
    with pytest.raises(ConfigurationError, match="INWORLD_API_KEY / INWORLD_API_SECRET"):
        _client(api, clock, INWORLD).embed(["a"])
    assert api.requests == []


def test_a_whitespace_only_key_is_no_key(api: FakeAPI, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIMLAPI_API_KEY", " \n")
    with pytest.raises(MissingAPIKeyError, match="AIMLAPI_API_KEY"):
        _client(api, clock, api_key="  ", dimensions=8).embed(["a"])
    assert api.requests == []

"""Every shared setting is declared once, in ``aiml_embeddings.settings``; the client and both adapters follow it."""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any

import pytest

from aiml_embeddings import ClientSettings, ConfigurationError, EmbeddingsClient, Settings
from aiml_embeddings.settings import values_of
from langchain_aiml_embeddings import AIMLEmbeddings
from llama_index_aiml_embeddings import AIMLEmbedding

ROOT = Path(__file__).resolve().parents[2]


def test_every_setting_has_a_one_line_doc() -> None:
    for name, spec in ClientSettings.model_fields.items():
        assert spec.description and "\n" not in spec.description, name


def test_the_adapters_hold_the_shared_settings_with_the_same_defaults() -> None:
    lc, li = AIMLEmbeddings(), AIMLEmbedding()
    def facts(spec: Any) -> tuple[Any, ...]:
        return (spec.annotation, spec.default, spec.description, spec.metadata, spec.exclude, spec.repr)

    for name, spec in Settings.model_fields.items():
        assert facts(AIMLEmbeddings.model_fields[name]) == facts(AIMLEmbedding.model_fields[name]) == facts(spec), name
        assert getattr(lc, name) == getattr(li, name) == spec.default or name == "base_url", name
    assert "batch_size" in AIMLEmbeddings.model_fields and "batch_size" not in AIMLEmbedding.model_fields


def test_the_client_takes_every_setting_and_applies_the_defaults() -> None:
    client = EmbeddingsClient()
    defaults = ClientSettings()
    assert client.settings == defaults
    assert client.max_concurrency == defaults.max_concurrency and client.policy.max_retries == defaults.max_retries
    assert client.dedupe is defaults.dedupe and client.hedge is defaults.hedge


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"max_retries": -1}, r"max_retries: input should be greater than or equal to 0, not -1"),
        ({"max_concurrency": 2.5}, r"max_concurrency: .*, not 2\.5"),
        ({"requests_per_minute": 0}, r"requests_per_minute: input should be greater than 0"),
        ({"retries": 3}, r"unknown setting\(s\) retries .* the settings are base_url, dimensions"),
    ],
)
def test_a_bad_setting_names_itself_its_value_and_the_model(options: dict[str, Any], words: str) -> None:
    with pytest.raises(ConfigurationError, match=words) as info:
        EmbeddingsClient("voyage-2", **options)
    assert "'voyage-2'" in str(info.value)


def test_headers_are_never_echoed_by_a_settings_error() -> None:
    with pytest.raises(ConfigurationError) as info:
        EmbeddingsClient(default_headers={"X-Proxy-Token": 42})
    assert "default_headers" in str(info.value) and "42" not in str(info.value)


PROXY_TOKEN = "proxy-tok-4242"


@pytest.mark.parametrize(
    ("headers", "words"),
    [
        ({"X-Proxy-Token": PROXY_TOKEN + "\u00e9"}, r"'X-Proxy-Token' holds a non-ASCII character at position 14"),
        ({"X-Proxy-Token": PROXY_TOKEN + "\r\nX-Evil: 1"}, r"header 'X-Proxy-Token' holds a control character at"),
        ({"X-Proxy-Token": PROXY_TOKEN[:5] + "\n" + PROXY_TOKEN[5:]}, r"'X-Proxy-Token' holds a control character"),
        ({"X Proxy": PROXY_TOKEN}, r"the name 'X Proxy' holds a space at position 1"),
        ({"X-Caf\u00e9": PROXY_TOKEN}, r"the name 'X-Caf\u00e9' holds a non-ASCII character"),
    ],
    ids=["non-ascii", "crlf", "lf", "space-in-name", "non-ascii-name"],
)
@pytest.mark.parametrize("build", ["core", "langchain", "llama_index"])
def test_a_header_that_cannot_be_sent_is_a_configuration_error_that_does_not_show_its_value(
    headers: dict[str, str], words: str, build: str
) -> None:
    builders = {
        "core": lambda: EmbeddingsClient("voyage-2", default_headers=headers),
        "langchain": lambda: AIMLEmbeddings(model="voyage-2", default_headers=headers),
        "llama_index": lambda: AIMLEmbedding("voyage-2", default_headers=headers),
    }
    with pytest.raises(ConfigurationError, match=words) as info:
        builders[build]()
    shown = f"{info.value} {info.value!r} {info.value.args}"
    assert "'voyage-2'" in shown and PROXY_TOKEN not in shown and PROXY_TOKEN[5:] not in shown


def test_surrounding_whitespace_is_stripped_from_a_header_value_and_inner_spaces_kept() -> None:
    client = EmbeddingsClient(default_headers={"X-Proxy-Token": f" {PROXY_TOKEN}\n", "X-Note": "two\twords here"})
    assert client.default_headers == {"X-Proxy-Token": PROXY_TOKEN, "X-Note": "two\twords here"}


def test_an_adapter_passes_all_of_its_shared_settings_to_the_client() -> None:
    emb = AIMLEmbeddings(max_retries=2, dedupe=False, chunk_size=7, truncate=True)
    assert values_of(emb) == {name: getattr(emb.client.settings, name) for name in ClientSettings.model_fields}
    assert emb.client.batch_size == 7 and emb.client.policy.max_retries == 2 and not emb.client.dedupe


def test_only_the_core_knows_the_environment_variables() -> None:
    for package in ("langchain_aiml_embeddings", "llama_index_aiml_embeddings"):
        for path in (ROOT / package).glob("*.py"):
            code = path.read_text()
            assert "os.environ" not in code and not re.search(r"\bfrom_env\(", code), path
            assert not re.search(r"[\"'](AIMLAPI|INWORLD)_[A-Z_]+[\"']", code), path


def test_the_client_signature_declares_no_setting_default_of_its_own() -> None:
    parameters = inspect.signature(EmbeddingsClient).parameters
    assert not set(parameters) & set(ClientSettings.model_fields)

"""The registry holds every listed model ID with facts that agree with each other."""

from __future__ import annotations

import logging

import pytest

from aiml_embeddings import MODELS, get_model
from aiml_embeddings.models import close_matches

# The table of ../shared/api-docs/002_137b98614a109651.txt (19 IDs), Inworld's model and the two Qwen IDs.
LISTED = [
    "text-embedding-3-small",
    "text-embedding-3-large",
    "text-embedding-ada-002",
    "togethercomputer/m2-bert-80M-32k-retrieval",
    "BAAI/bge-base-en-v1.5",
    "togethercomputer/m2-bert-80M-2k-retrieval",
    "BAAI/bge-large-en-v1.5",
    "togethercomputer/m2-bert-80M-8k-retrieval",
    "voyage-large-2-instruct",
    "voyage-finance-2",
    "voyage-multilingual-2",
    "voyage-law-2",
    "voyage-code-2",
    "voyage-large-2",
    "voyage-2",
    "textembedding-gecko@001",
    "textembedding-gecko@003",
    "textembedding-gecko-multilingual@001",
    "text-multilingual-embedding-002",
    "sentence-transformers/paraphrase-multilingual-mpnet-base-v2",
    "alibaba/qwen-text-embedding-v3",
    "alibaba/qwen-text-embedding-v4",
]


def test_every_listed_id_is_in_the_registry() -> None:
    assert len(LISTED) == 22
    assert sorted(MODELS) == sorted(LISTED)


@pytest.mark.parametrize("model_id", LISTED)
def test_each_entry_is_consistent(model_id: str) -> None:
    spec = MODELS[model_id]
    assert spec.known and spec.dimension and spec.dimension > 0
    assert spec.max_inputs >= 1 and spec.max_tokens >= spec.context // 4
    if spec.dimensions is not None:
        low, high = spec.dimensions
        assert "dimensions" in spec.params and 1 <= low <= high
    else:
        assert "dimensions" not in spec.params
    assert (spec.role == "query_prefix") == bool(spec.query_prefix)
    assert (spec.role == "task_type") == ("task_type" in spec.params)
    assert (spec.role == "voyage_document") == ("input_type" in spec.params)
    # base64 where the docs show it works: OpenAI's models, and the one Google page whose schema lists it
    assert ("encoding_format" in spec.params) == (
        spec.provider == "openai" or model_id == "text-multilingual-embedding-002"
    )
    assert (spec.api == "inworld") == (spec.provider == "inworld")


def test_unknown_ids_get_safe_defaults_and_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="aiml_embeddings"):
        spec = get_model("voyage-3-lite")
    assert not spec.known and spec.params == frozenset() and spec.dimension is None
    assert "voyage-3-lite" in caplog.text and "voyage-" in caplog.text


def test_close_matches_find_typos() -> None:
    assert close_matches("text-embeding-3-small")[0] == "text-embedding-3-small"
    assert close_matches("bge-base-en")[0] == "BAAI/bge-base-en-v1.5"

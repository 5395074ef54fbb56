"""Every model ID in the registry, through the transport, against its cassette.

The expected request bodies are written out below from the providers'
documents (the shared api-docs ``models.md``), not read from the registry,
so a registry or codec mistake fails here instead of being recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from vcr.cassette import Cassette  # type: ignore[import-untyped]

from aiml_embeddings import MODELS, ConfigurationError, EmbeddingsClient
from tests.standin.vectors import cosine

from ._support import DOCUMENTS, QUERY, all_replayed, by_model, sent_bodies

BGE_PREFIX = "Represent this sentence for searching relevant passages: "


@dataclass(frozen=True)
class Documented:
    """What a model's body may carry besides ``model`` and ``input``, and what each role adds."""

    accepts: frozenset[str]
    document: dict[str, object] = field(default_factory=dict)
    query: dict[str, object] = field(default_factory=dict)
    query_prefix: str = ""


_OPENAI = Documented(
    frozenset({"dimensions", "encoding_format"}),
    document={"encoding_format": "base64"},  # the client asks base64 where the model accepts it: a smaller answer
    query={"encoding_format": "base64"},
)
_GOOGLE = Documented(
    frozenset({"dimensions", "auto_truncate", "task_type", "title"}),
    document={"task_type": "RETRIEVAL_DOCUMENT"},
    query={"task_type": "RETRIEVAL_QUERY"},
)
_VOYAGE = Documented(frozenset({"input_type"}), document={"input_type": "document"})  # queries: no input_type
_BGE = Documented(frozenset(), query_prefix=BGE_PREFIX)
_PLAIN = Documented(frozenset())

DOCUMENTED: dict[str, Documented] = {
    "text-embedding-3-small": _OPENAI,
    "text-embedding-3-large": _OPENAI,
    "text-embedding-ada-002": Documented(
        frozenset({"encoding_format"}), document={"encoding_format": "base64"}, query={"encoding_format": "base64"}
    ),
    **dict.fromkeys(
        [
            "voyage-2",
            "voyage-large-2",
            "voyage-code-2",
            "voyage-law-2",
            "voyage-large-2-instruct",
            "voyage-finance-2",
            "voyage-multilingual-2",
        ],
        _VOYAGE,
    ),
    # Its request schema (api-docs 001) lists encoding_format, and its published real response came through
    # the OpenAI SDK, which sends encoding_format="base64": the client asks for base64 here too.
    "text-multilingual-embedding-002": Documented(
        _GOOGLE.accepts | {"encoding_format"},
        document={**_GOOGLE.document, "encoding_format": "base64"},
        query={**_GOOGLE.query, "encoding_format": "base64"},
    ),
    **dict.fromkeys(
        [
            "textembedding-gecko@003",
            "textembedding-gecko-multilingual@001",
            "textembedding-gecko@001",
        ],
        _GOOGLE,
    ),
    "BAAI/bge-base-en-v1.5": _BGE,
    "BAAI/bge-large-en-v1.5": _BGE,
    **dict.fromkeys(
        [
            "togethercomputer/m2-bert-80M-2k-retrieval",
            "togethercomputer/m2-bert-80M-8k-retrieval",
            "togethercomputer/m2-bert-80M-32k-retrieval",
        ],
        _PLAIN,
    ),
    "alibaba/qwen-text-embedding-v3": Documented(frozenset({"dimensions"})),
    "alibaba/qwen-text-embedding-v4": Documented(frozenset({"dimensions"})),
}
INWORLD_MODELS = {m for m, spec in MODELS.items() if spec.api == "inworld"}
SHORTENED = 256
"""A ``dimensions`` every model that takes the parameter accepts (Qwen: one of its listed sizes)."""


def expected_body(model_id: str, texts: list[str], purpose: str, dimensions: int | None = None) -> dict[str, object]:
    if model_id in INWORLD_MODELS:
        return {
            "inputs": [{"text": t} for t in texts],
            "model": {"model": model_id, "serviceProvider": "SERVICE_PROVIDER_INWORLD"},
        }
    doc = DOCUMENTED[model_id]
    if purpose == "query":
        texts = [doc.query_prefix + t for t in texts]
    body: dict[str, object] = {"model": model_id, "input": texts[0] if len(texts) == 1 else texts}
    body |= doc.document if purpose == "document" else doc.query
    if dimensions is not None:
        body["dimensions"] = dimensions
    assert set(body) - {"model", "input"} <= doc.accepts, f"the expectation itself breaks the docs for {model_id}"
    return body


def test_every_model_has_a_documented_expectation() -> None:
    assert set(DOCUMENTED) | INWORLD_MODELS == set(MODELS)


@pytest.mark.vcr
@pytest.mark.parametrize("model_id", by_model())
def test_documents_and_query(model_id: str, vcr: Cassette, record_mode: str) -> None:
    client = EmbeddingsClient(model_id)
    documents = client.embed(DOCUMENTS, "document")
    [query] = client.embed([QUERY], "query")

    assert sent_bodies(vcr) == [
        expected_body(model_id, DOCUMENTS, "document"),
        expected_body(model_id, [QUERY], "query"),
    ]
    assert all_replayed(vcr, record_mode)
    dimension = MODELS[model_id].dimension
    assert [len(v) for v in [*documents, query]] == [dimension] * 3
    assert all(isinstance(x, float) for x in query)
    # In input order: the query shares words with the first document only.
    assert cosine(query, documents[0]) > cosine(query, documents[1])


DIMENSIONED = [m for m, spec in MODELS.items() if spec.dimensions is not None]


@pytest.mark.vcr
@pytest.mark.parametrize("model_id", by_model(DIMENSIONED))
def test_dimensions_is_sent_and_honoured(model_id: str, vcr: Cassette, record_mode: str) -> None:
    [query] = EmbeddingsClient(model_id, dimensions=SHORTENED).embed([QUERY], "query")

    assert sent_bodies(vcr) == [expected_body(model_id, [QUERY], "query", dimensions=SHORTENED)]
    assert all_replayed(vcr, record_mode)
    assert len(query) == SHORTENED


@pytest.mark.parametrize("model_id", [m for m in MODELS if m not in DIMENSIONED])
def test_dimensions_refused_before_any_request(model_id: str) -> None:
    with pytest.raises(ConfigurationError, match="does not accept dimensions"):
        EmbeddingsClient(model_id, dimensions=SHORTENED)

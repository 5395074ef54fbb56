"""Both wire formats: what goes out for each model, and what comes back, good or bad."""

from __future__ import annotations

import base64
import struct

import pytest

from aiml_embeddings import MODELS
from aiml_embeddings.errors import MalformedResponseError
from aiml_embeddings.wire import AIMLAPICodec, Answer, InworldCodec

codec = AIMLAPICodec()


def b64(values: list[float]) -> str:
    return base64.b64encode(struct.pack(f"<{len(values)}f", *values)).decode()


def test_base64_is_asked_only_where_the_model_accepts_it() -> None:
    for model_id in ("text-embedding-3-small", "text-multilingual-embedding-002"):
        assert codec.encode(MODELS[model_id], ["a", "b"], {})["encoding_format"] == "base64"
    for model_id in (
        "voyage-2",
        "BAAI/bge-base-en-v1.5",
        "textembedding-gecko@003",
        "alibaba/qwen-text-embedding-v3",
    ):
        assert "encoding_format" not in codec.encode(MODELS[model_id], ["a", "b"], {})


def test_one_input_goes_as_a_plain_string() -> None:
    assert codec.encode(MODELS["voyage-2"], ["only"], {}) == {"model": "voyage-2", "input": "only"}


def test_decode_sorts_by_index_and_reads_base64_and_floats() -> None:
    payload = {
        "data": [
            {"index": 1, "embedding": [0.5, 0.25]},
            {"index": 0, "embedding": b64([1.0, 2.0])},
        ],
        "meta": {"usage": {"credits_used": 1}},
        "something_new": True,
    }
    first, second = codec.decode(payload, Answer("m", range(2)))
    assert struct.unpack("<2f", first) == (1.0, 2.0)  # type: ignore[arg-type]
    assert second == [0.5, 0.25]


@pytest.mark.parametrize(
    "payload",
    [
        {"data": [{"index": 0, "embedding": [1.0]}]},
        {"data": [{"index": 0, "embedding": [1.0]}, {"index": 0, "embedding": [1.0]}]},
        {"data": [{"index": 0, "embedding": [1.0]}, {"index": 5, "embedding": [1.0]}]},
        {"data": [{"index": 0, "embedding": "AAAA="}, {"index": 1, "embedding": [1.0]}]},
        {"data": [{"index": 0, "embedding": "AAA"}, {"index": 1, "embedding": [1.0]}]},
        {"data": [{"index": 0, "embedding": {"x": 1}}, {"index": 1, "embedding": [1.0]}]},
        {"data": "nope"},
        [],
        None,
    ],
)
def test_untrustworthy_payloads_are_rejected(payload: object) -> None:
    with pytest.raises(MalformedResponseError):
        codec.decode(payload, Answer("m", range(2)))


def test_error_bodies_of_both_documented_shapes() -> None:
    documented = {"message": "Body validation error", "path": "/v1/embeddings", "requestId": "r1", "statusCode": "400"}
    assert codec.error(documented, "").message == "Body validation error"
    assert codec.error(documented, "").request_id == "r1"
    problem = {"title": "Bad Request", "status": 400, "error": {"name": "X", "message": "dimensions not allowed"}}
    assert codec.error(problem, "").message == "dimensions not allowed"
    assert codec.error(None, "<html>Bad gateway</html>").message == "<html>Bad gateway</html>"


def test_inworld_request_response_and_error() -> None:
    inworld = InworldCodec()
    spec = MODELS["sentence-transformers/paraphrase-multilingual-mpnet-base-v2"]
    assert inworld.encode(spec, ["Hello Inworld!"], {}) == {
        "inputs": [{"text": "Hello Inworld!"}],
        "model": {"model": spec.id, "serviceProvider": "SERVICE_PROVIDER_INWORLD"},
    }
    assert inworld.decode(
        {"embeddings": [{"values": [0.1, 0.2]}, {"values": [0.3, 0.4]}]}, Answer(spec.id, range(2))
    ) == [
        [0.1, 0.2],
        [0.3, 0.4],
    ]
    with pytest.raises(MalformedResponseError):
        inworld.decode({"embeddings": [{"values": [0.1]}]}, Answer(spec.id, range(2)))
    info = inworld.error({"code": 16, "message": "Unauthenticated", "details": []}, "")
    assert (info.code, info.message) == (16, "Unauthenticated")

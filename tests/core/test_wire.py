"""Both wire formats: what goes out for each model, and what comes back, good or bad."""

from __future__ import annotations

import base64
import math
import struct
from collections.abc import Callable
from typing import Any

import httpx
import numpy
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aiml_embeddings import MODELS, EmbeddingsClient
from aiml_embeddings.errors import MalformedResponseError
from aiml_embeddings.wire import AIMLAPICodec, Answer, InworldCodec
from aiml_embeddings.wire import base as wire_base
from aiml_embeddings.wire.base import FLOAT32_MAX, _all_finite_float32

from ..fake_api import FakeAPI, marker, times

Make = Callable[..., EmbeddingsClient]

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


# --- every value checked -------------------------------------------------------

NAN, INF = float("nan"), float("inf")


@given(st.binary(min_size=4, max_size=64).map(lambda raw: raw[: len(raw) // 4 * 4]))
def test_the_float32_check_agrees_with_math_isfinite_on_any_bytes(raw: bytes) -> None:
    values = struct.unpack(f"<{len(raw) // 4}f", raw)
    assert _all_finite_float32(raw) == all(math.isfinite(v) for v in values)


@pytest.fixture(params=["numpy loaded", "numpy not loaded"])
def float32_check(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways the float32 vectors of an answer are checked: one ``isfinite`` over the answer, or byte by byte."""
    if request.param == "numpy not loaded":
        monkeypatch.setattr(wire_base, "_numpy", lambda: None)
    else:
        assert wire_base._numpy() is numpy
    return str(request.param)


@given(st.lists(st.binary(min_size=4, max_size=32).map(lambda raw: raw[: len(raw) // 4 * 4]), min_size=1, max_size=5))
def test_both_answer_checks_agree_with_math_isfinite(raws: list[bytes]) -> None:
    expected = all(math.isfinite(v) for raw in raws for v in struct.unpack(f"<{len(raw) // 4}f", raw))
    assert wire_base._all_finite(raws) == expected
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(wire_base, "_numpy", lambda: None)
        assert wire_base._all_finite(raws) == expected


@pytest.mark.parametrize("bad", [NAN, INF, -INF])
@pytest.mark.parametrize("where", [0, 5, 7])
def test_a_nan_or_infinity_anywhere_in_base64_is_refused(bad: float, where: int, float32_check: str) -> None:
    values = [0.5] * 8
    values[where] = bad
    good = b64([1.0] * 8)
    payload = {"data": [{"index": i, "embedding": b64(values) if i == 1 else good} for i in range(3)]}
    with pytest.raises(MalformedResponseError, match=r"for input 11 .*NaN or infinite"):
        codec.decode(payload, Answer("m", [10, 11, 12]))


def test_a_good_base64_answer_passes_either_check(float32_check: str) -> None:
    values = [0.5, -0.25, FLOAT32_MAX, -FLOAT32_MAX, 1e-45, 0.0, -0.0, 3e38]
    payload = {"data": [{"index": i, "embedding": b64(values)} for i in range(3)]}
    assert codec.decode(payload, Answer("m", range(3))) == [struct.pack("<8f", *values)] * 3


@pytest.mark.parametrize(
    "bad",
    [NAN, INF, -INF, "0.5", None, {"x": 1}, [0.5], 10**400, True, False, 1e39, -3.5e38, 10**39],
    ids=["nan", "inf", "-inf", "str", "null", "obj", "list", "huge-int", "true", "false", "1e39", "-3.5e38", "int"],
)
def test_anything_but_a_finite_number_in_a_float_list_is_refused(bad: object) -> None:
    values: list[object] = [0.5] * 8
    values[4] = bad  # not first: a check of the first value alone misses it
    with pytest.raises(MalformedResponseError, match="for input 3 "):
        codec.decode({"data": [{"index": 0, "embedding": values}]}, Answer("m", [3]))
    inworld = InworldCodec()
    with pytest.raises(MalformedResponseError, match="for input 3 "):
        inworld.decode({"embeddings": [{"values": values}]}, Answer("m", [3]))


@pytest.mark.parametrize(
    ("bad", "words"),
    [(True, "a boolean"), (False, "a boolean"), (1e39, "beyond float32's range"), (NAN, "NaN or infinite")],
)
def test_a_refused_float_list_says_why(bad: object, words: str) -> None:
    with pytest.raises(MalformedResponseError, match=words):
        codec.decode({"data": [{"index": 0, "embedding": [0.5, bad, 0.5]}]}, Answer("m", [0]))


def test_every_number_a_float32_holds_passes_in_a_float_list() -> None:
    """Integers (``0`` from a JavaScript server), float32's extremes, and a vector whose length exceeds float32's
    range though none of its values does: the length is only a screen."""
    values = [0, 1, -1, 0.5, FLOAT32_MAX, -FLOAT32_MAX, 3e38, 3e38, 1e-300]
    assert codec.decode({"data": [{"index": 0, "embedding": values}]}, Answer("m", [0])) == [values]


@pytest.mark.parametrize("empty", [[], ""], ids=["empty-list", "empty-base64"])
def test_an_empty_vector_is_refused(empty: object) -> None:
    with pytest.raises(MalformedResponseError, match="for input 0"):
        codec.decode({"data": [{"index": 0, "embedding": empty}]}, Answer("m", [0]))


def test_a_boolean_index_is_not_an_index() -> None:
    payload = {"data": [{"index": True, "embedding": [1.0]}, {"index": 0, "embedding": [1.0]}]}
    with pytest.raises(MalformedResponseError, match="index"):
        codec.decode(payload, Answer("m", range(2)))


def _raw(body: str) -> Callable[[httpx.Request, dict[str, Any]], httpx.Response]:
    return lambda request, sent: httpx.Response(200, content=body.encode(), headers={"x-request-id": "rid-9"})


@pytest.mark.parametrize(
    "literal", ["NaN", "Infinity", "-Infinity", '"0.5"', "null", '{"x": 1}', "true", "false", "1e39", "-3.5e38"]
)
def test_a_bad_value_from_the_server_is_a_typed_error_naming_the_input(api: FakeAPI, make: Make, literal: str) -> None:
    good = ", ".join(["0.5"] * 8)
    bad = ", ".join(["0.5"] * 5 + [literal] + ["0.5"] * 2)
    body = f'{{"data": [{{"index": 0, "embedding": [{good}]}}, {{"index": 1, "embedding": [{bad}]}}]}}'
    api.faults.append(_raw(body))
    for output in ("list", "numpy"):
        with pytest.raises(MalformedResponseError, match="for input 1 ") as info:
            make(dimensions=8, max_retries=0).embed(["a", "b"], output=output)  # type: ignore[call-overload]
        assert info.value.request_id == "rid-9" and info.value.status_code == 200
        assert info.value.failed_indices == (0, 1)


def test_a_bad_value_is_retried_like_any_malformed_answer(api: FakeAPI, make: Make) -> None:
    api.faults.append(times(1, _raw('{"data": [{"index": 0, "embedding": [NaN, 1, 2, 3, 4, 5, 6, 7]}]}')))
    out = make(dimensions=8, max_retries=1).embed(["a"])
    assert out[0][0] == marker("a") and len(api.requests) == 2


def test_inworld_nan_values_are_refused(api: FakeAPI, make: Make) -> None:
    values = ", ".join(["0.5"] * 400 + ["NaN"] + ["0.5"] * 367)  # 768, the model's length
    api.faults.append(_raw(f'{{"embeddings": [{{"values": [{values}]}}]}}'))
    with pytest.raises(MalformedResponseError, match="NaN or infinite"):
        make("sentence-transformers/paraphrase-multilingual-mpnet-base-v2", max_retries=0).embed(["a"])


def test_an_unknown_model_answering_empty_vectors_is_refused(api: FakeAPI, make: Make) -> None:
    api.faults.append(_raw('{"data": [{"index": 0, "embedding": []}]}'))
    client = make("someone/unknown-model-v9", max_retries=0)
    with pytest.raises(MalformedResponseError, match="not a non-empty list"):
        client.embed(["a"])


def test_json_nested_too_deep_is_a_malformed_answer(api: FakeAPI, make: Make) -> None:
    api.faults.append(_raw("[" * 100_000 + "]" * 100_000))
    with pytest.raises(MalformedResponseError):
        make(dimensions=8, max_retries=0).embed(["a"])

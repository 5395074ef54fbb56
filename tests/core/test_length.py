"""The vector length in one place: an unknown model's first answer teaches it, and the client remembers it."""

from __future__ import annotations

import pickle
import threading
from collections.abc import Callable

import httpx
import numpy as np
import pytest

from aiml_embeddings import EmbeddingsClient
from aiml_embeddings.errors import EmptyInputError, MalformedResponseError
from aiml_embeddings.length import VectorLength

from ..fake_api import FakeAPI, marker

Make = Callable[..., EmbeddingsClient]
UNKNOWN = "someone/unknown-model-v9"


def test_a_known_length_is_there_before_any_request(api: FakeAPI, make: Make) -> None:
    assert make(dimensions=8).dimension == 8
    assert make().dimension == 1536  # the registry's
    assert api.requests == []


def test_an_unknown_models_first_answer_sets_the_length_for_every_later_call(api: FakeAPI, make: Make) -> None:
    client = make(UNKNOWN, max_retries=0)
    assert client.dimension is None
    assert len(client.embed(["a"])[0]) == api.dim == 8
    assert client.dimension == 8
    api.dim = 5  # the server changes its mind: a later answer of another length is refused, not mixed in
    with pytest.raises(MalformedResponseError, match="holds a vector of 5 values, expected 8"):
        client.embed(["b"])
    assert client.dimension == 8


def test_the_remembered_length_shapes_later_arrays_and_zero_vectors(api: FakeAPI, make: Make) -> None:
    client = make(UNKNOWN, empty_inputs="zeros")
    with pytest.raises(EmptyInputError, match="has not answered yet"):
        client.embed(["", " "])
    client.embed(["teach me"])
    sent = len(api.requests)
    assert client.embed(["", " "]) == [[0.0] * 8, [0.0] * 8]  # no request: the length is known now
    assert len(api.requests) == sent
    array = client.embed(["x", ""], output="numpy")
    assert array.shape == (2, 8) and array.dtype == np.float32
    assert array[0, 0] == marker("x") and not array[1].any()


async def test_async_calls_learn_and_read_the_same_length(api: FakeAPI, make: Make) -> None:
    client = make(UNKNOWN, max_retries=0)
    await client.aembed(["a"])
    assert client.dimension == 8
    api.dim = 3
    with pytest.raises(MalformedResponseError, match="expected 8"):
        client.embed(["b"])


def test_an_answer_of_two_lengths_teaches_nothing(api: FakeAPI, make: Make) -> None:
    def ragged(request: httpx.Request, body: dict[str, object]) -> httpx.Response:
        data = [{"index": 0, "embedding": [1.0, 2.0]}, {"index": 1, "embedding": [1.0, 2.0, 3.0]}]
        return httpx.Response(200, json={"data": data})

    api.faults.append(ragged)
    client = make(UNKNOWN, max_retries=0)
    with pytest.raises(MalformedResponseError, match="holds a vector of 3 values, expected 2"):
        client.embed(["a", "b"])
    assert client.dimension is None
    api.faults.clear()
    assert len(client.embed(["a", "b"])[1]) == 8 and client.dimension == 8


def test_the_cache_name_does_not_change_when_the_length_is_learned(make: Make) -> None:
    client = make(UNKNOWN)
    before = client.cache_namespace
    client.embed(["a"])
    assert client.cache_namespace == before and "/native/" in before


def test_a_pickled_copy_remembers_the_learned_length(api: FakeAPI, make: Make) -> None:
    client = make(UNKNOWN)
    client.embed(["a"])
    copy = pickle.loads(pickle.dumps(client))
    assert copy.dimension == 8


def test_of_two_first_answers_racing_one_wins_for_both() -> None:
    length = VectorLength(None)
    seen: list[int] = []
    start = threading.Barrier(8)

    def answer(n: int) -> None:
        start.wait()
        seen.append(length.expect(n))

    threads = [threading.Thread(target=answer, args=(n,)) for n in range(1, 9)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(seen)) == 1 and length.value == seen[0]
    assert VectorLength(4).expect(9) == 4  # a known length is never replaced

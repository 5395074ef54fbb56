"""Repeated texts of one call are sent once and fanned back out, each position with its own vector object."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from aiml_embeddings import AuthenticationError, EmbeddingsClient

from ..fake_api import FakeAPI, marker, status, texts_in

Make = Callable[..., EmbeddingsClient]

TEXTS = [f"chunk {i % 7}" if i % 3 == 0 else f"unique {i}" for i in range(60)]
DISTINCT = list(dict.fromkeys(TEXTS))


def sent(api: FakeAPI) -> list[str]:
    return [t for body in api.requests for t in texts_in(body)]


def test_repeats_are_sent_once_and_every_position_gets_its_vector(api: FakeAPI, make: Make) -> None:
    api.shuffle = True
    client = make(batch_size=9)
    vectors = client.embed(TEXTS)
    assert sorted(sent(api)) == sorted(DISTINCT)
    assert [v[0] for v in vectors] == [marker(t) for t in TEXTS]
    assert client.usage.deduplicated == len(TEXTS) - len(DISTINCT) and client.usage.inputs == len(DISTINCT)


def test_every_position_owns_its_list(make: Make) -> None:
    vectors = make().embed(["same", "same", "other", "same"])
    assert vectors[0] == vectors[1] == vectors[3]
    assert len({id(v) for v in vectors}) == 4
    vectors[0][0] = -1.0
    assert vectors[1][0] == vectors[3][0] == marker("same")


def test_float_list_answers_are_copied_too(make: Make) -> None:
    vectors = make("voyage-2").embed(["same", "same"])  # Voyage takes no encoding_format: floats come back
    assert vectors[0] == vectors[1] and vectors[0] is not vectors[1]


def test_numpy_rows_are_copies(make: Make) -> None:
    matrix = make(dimensions=8).embed(["same", "x", "same"], output="numpy")
    assert np.array_equal(matrix[0], matrix[2])
    matrix[0, 0] = -1.0
    assert matrix[2, 0] == marker("same")


def test_dedupe_false_sends_every_text(api: FakeAPI, make: Make) -> None:
    client = make(dedupe=False)
    client.embed(TEXTS)
    assert sorted(sent(api)) == sorted(TEXTS)
    assert client.usage.deduplicated == 0 and client.usage.inputs == len(TEXTS)


def test_texts_that_differ_only_outside_the_sent_form_are_not_merged(api: FakeAPI, make: Make) -> None:
    # The same text as query and as document differs after the role prefix: separate calls, separate requests.
    client = make("BAAI/bge-base-en-v1.5")
    doc = client.embed(["who plays records", "who plays records"])
    query = client.embed(["who plays records"], "query")
    assert len(sent(api)) == 2 and doc[0] != query[0]


def test_repeats_of_blank_and_zero_inputs_keep_their_places(api: FakeAPI, make: Make) -> None:
    vectors = make(empty_inputs="zeros", dimensions=8).embed(["a", " ", "a", " ", "b"])
    assert sent(api) == ["a", "b"]
    assert vectors[1] == vectors[3] == [0.0] * 8 and vectors[1] is not vectors[3]
    assert vectors[0] == vectors[2] and vectors[4][0] == marker("b")


def test_a_failed_text_fails_its_repeats_too(api: FakeAPI, make: Make) -> None:
    api.faults.append(status(401))
    with pytest.raises(AuthenticationError) as info:
        make().embed(["x", "y", "x"])
    assert info.value.failed_indices == (0, 1, 2)


def test_progress_counts_the_repeats(make: Make) -> None:
    done: list[int] = []
    make(batch_size=4).embed(TEXTS, on_progress=done.append)
    assert sum(done) == len(TEXTS)

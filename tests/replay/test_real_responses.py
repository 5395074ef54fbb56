"""The two real responses the AI/ML API docs publish, replayed through the transport.

Both were made for ``"Laura is a DJ."`` with no role parameter, so the
client is told to send none. The first and last values are copied here
from the docs pages, independently of the data file the stand-in serves.
"""

from __future__ import annotations

import math
import struct

import pytest
from vcr.cassette import Cassette  # type: ignore[import-untyped]

from aiml_embeddings import MODELS, EmbeddingsClient
from tests.standin import DOCUMENTED_REAL

from ._support import all_replayed, by_model, origin, sent_bodies

TEXT = "Laura is a DJ."
PUBLISHED = {
    "text-embedding-3-small": (-0.011468903161585331, -0.0633327066898346, -0.005090594291687012),
    "text-multilingual-embedding-002": (0.10541483759880066, -0.007883904501795769, 0.044632382690906525),
}
"""First, second and last value of each published vector."""


@pytest.mark.vcr
@pytest.mark.parametrize("model_id", by_model(list(PUBLISHED)))
def test_published_response_replays_verbatim(model_id: str, vcr: Cassette, record_mode: str) -> None:
    [vector] = EmbeddingsClient(model_id, roles={"document": {}}).embed([TEXT])

    body: dict[str, object] = {"model": model_id, "input": TEXT}
    if "encoding_format" in MODELS[model_id].params:
        body["encoding_format"] = "base64"
    assert sent_bodies(vcr) == [body]
    assert all_replayed(vcr, record_mode)
    assert len(vector) == MODELS[model_id].dimension
    assert math.isclose(math.fsum(x * x for x in vector), 1.0, abs_tol=1e-4)
    if origin(vcr) == DOCUMENTED_REAL:  # a live re-recording holds today's vector instead
        assert (vector[0], vector[1], vector[-1]) == PUBLISHED[model_id]
        packed = struct.pack(f"<{len(vector)}f", *vector)
        assert list(struct.unpack(f"<{len(vector)}f", packed)) == vector, "values should be float32-exact"

"""JSONL vectors read back as the very same float32 values, with and without pyarrow."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

from aiml_embeddings.corpus import jsonl_format
from aiml_embeddings.errors import MalformedResponseError

HARD = [0.1, 1e-7, -3.4028235e38, 0.0, -0.0, 1.1754944e-38, 1.0e-45, 0.33333334, 123456.79]


@pytest.fixture(params=["arrow", "format"])
def lines(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "format":
        monkeypatch.setitem(sys.modules, "pyarrow", None)  # an import of it now fails, as when it is missing
    return str(request.param)


def test_every_float32_reads_back_exactly(lines: str) -> None:
    rows = (np.random.default_rng(3).standard_normal((50, 16)) / 7).astype(np.float32)
    rows[0, : len(HARD)] = HARD
    ids = ["a", 7, "quote \" and \\ back", *range(47)]
    data = jsonl_format.jsonl_lines(ids, rows).decode("utf-8")
    records = [json.loads(line) for line in data.splitlines()]
    assert [r["id"] for r in records] == ids
    back = np.array([r["embedding"] for r in records], dtype=np.float32)
    assert np.array_equal(back, rows), "every value the same float32 (-0 reads back as 0, which equals it)"


def test_lists_without_numpy_are_written_too() -> None:
    data = jsonl_format.jsonl_lines([1, 2], [[0.5, 0.25], [1.0, -2.0]])
    assert [json.loads(x)["embedding"] for x in data.decode().splitlines()] == [[0.5, 0.25], [1.0, -2.0]]


def test_a_non_finite_value_is_an_error_not_invalid_json(lines: str) -> None:
    rows = np.ones((3, 4), dtype=np.float32)
    rows[1, 2] = np.nan
    with pytest.raises(MalformedResponseError, match="NaN or infinite"):
        jsonl_format.jsonl_lines([1, 2, 3], rows)

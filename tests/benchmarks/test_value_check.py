"""The value-check benchmark, shrunk to 200 vectors, so its harness never rots (it asserts the rows, never time)."""

from __future__ import annotations

import sys

import pytest

from aiml_embeddings.wire import base as wire_base
from benchmarks import value_check


def test_every_row_is_measured_and_the_check_functions_are_put_back(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = wire_base._list_problem, wire_base._all_finite, wire_base._numpy
    monkeypatch.setattr(sys, "argv", ["value_check", "--vectors", "200", "--dim", "64", "--runs", "1"])
    value_check.main()
    out = capsys.readouterr().out
    for row in ("JSON floats", "base64, numpy not loaded", "base64, numpy loaded"):
        assert f"| {row} | " in out
    for row in ("list, numpy not loaded", "list, numpy loaded", "numpy"):
        assert f"| {row} | " in out
    assert (wire_base._list_problem, wire_base._all_finite, wire_base._numpy) == saved

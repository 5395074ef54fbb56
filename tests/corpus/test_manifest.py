"""The checkpoint's bookkeeping: finished ranges merge, pending ranges are their complement."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiml_embeddings.corpus.errors import CheckpointError
from aiml_embeddings.corpus.manifest import Manifest


def manifest(**changes: object) -> Manifest:
    settings: dict[str, object] = {
        "model": "m", "dimensions": 8, "purpose": "document", "input": {"sha256": "x"}, "output_format": "npy",
        "text_field": "text", "id_field": "id", "skip_invalid": False, "rows": 100,
    }  # fmt: skip
    settings.update(changes)
    return Manifest(**settings)  # type: ignore[arg-type]


def test_ranges_merge_and_pending_is_the_rest() -> None:
    m = manifest()
    m.add(20, 30)
    m.add(0, 10)
    m.add(10, 20)
    m.add(50, 60)
    assert m.done == [[0, 30], [50, 60]]
    assert m.pending() == [range(30, 50), range(60, 100)]
    assert m.done_rows() == 40


def test_mismatch_names_each_difference() -> None:
    assert manifest().mismatch(manifest()) == []
    found = manifest().mismatch(manifest(model="other", dimensions=16, input={"sha256": "y"}))
    assert [f.split(" ")[0] for f in found] == ["model", "dimensions", "input"]


def test_saved_and_loaded_whole(tmp_path: Path) -> None:
    m = manifest()
    m.add(0, 5)
    path = tmp_path / "out.npy.manifest.json"
    m.save(path)
    assert Manifest.load(path) == m
    assert [p.name for p in tmp_path.iterdir()] == [path.name]
    path.write_text("{not json")
    with pytest.raises(CheckpointError, match="--overwrite"):
        Manifest.load(path)

"""Every writer, fed requests out of order and killed at any point, resumes to the same output, rows in order.

A checkpoint is one ``sync`` whose state is saved (the job saves it in the
manifest). A kill may come after any checkpoint, after a request's rows
were written but before its ``sync``, or after the ``sync`` but before its
state was saved; the resumed writer gets the last saved state.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from aiml_embeddings.corpus import write_parquet
from aiml_embeddings.corpus.manifest import Manifest
from aiml_embeddings.corpus.write_jsonl import JsonlStream, JsonlWriter
from aiml_embeddings.corpus.write_npy import NpyWriter
from aiml_embeddings.corpus.write_parquet import ParquetWriter

ROWS, DIM = 40, 2
REQUESTS = [[(8, 16)], [(24, 32), (2, 4)], [(0, 2), (4, 8)], [(32, 40)], [(16, 24)]]
"""Each request's stretches of rows, in the order they land: out of order, and some with repeats elsewhere."""

Open = Callable[[Path, dict[str, Any] | None, int], Any]
"""A writer in ``folder``: fresh (state None) or resumed from a saved state, whose first pending row is given."""


def vectors(start: int, stop: int) -> Any:
    return np.array([[row, row + 0.5] for row in range(start, stop)], dtype=np.float32)


def ids(start: int, stop: int) -> list[str]:
    return [f"d{row}" for row in range(start, stop)]


def open_npy(folder: Path, state: dict[str, Any] | None, next_row: int) -> NpyWriter:
    return NpyWriter(folder / "out.npy.partial", ROWS, DIM, resume=state is not None)


def open_jsonl(folder: Path, state: dict[str, Any] | None, next_row: int) -> JsonlWriter:
    return JsonlWriter(folder / "out.jsonl.partial", folder / "out.jsonl.parts", next_row=next_row, resume=state)


def open_parquet(folder: Path, state: dict[str, Any] | None, next_row: int) -> ParquetWriter:
    parts = None if state is None else state["parts"]
    return ParquetWriter(folder / "out.parquet.parts", DIM, integer_ids=False, resume_parts=parts)


def read(path: Path) -> tuple[list[Any], Any]:
    if path.suffix == ".npy":
        return ids(0, ROWS), np.load(path)
    if path.suffix == ".jsonl":
        records = [json.loads(line) for line in path.read_text().splitlines()]
        return [r["id"] for r in records], np.array([r["embedding"] for r in records], dtype=np.float32)
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    return table.column("id").to_pylist(), np.array(table.column("embedding").to_pylist(), dtype=np.float32)


WRITERS: dict[str, Open] = {"out.npy": open_npy, "out.jsonl": open_jsonl, "out.parquet": open_parquet}


def request(writer: Any, stretches: list[tuple[int, int]], *, off: float = 0.0) -> None:
    for start, stop in stretches:
        writer.write(start, ids(start, stop), vectors(start, stop) + off)


@pytest.mark.parametrize("name", list(WRITERS))
@pytest.mark.parametrize("killed", range(len(REQUESTS)))
@pytest.mark.parametrize("when", ["before its sync", "before its state was saved"])
def test_killed_at_any_point_the_resumed_writer_finishes_every_row_in_order(
    tmp_path: Path, name: str, killed: int, when: str
) -> None:
    open_writer = WRITERS[name]
    done = Manifest("m", None, "document", {}, name.split(".")[1], "text", "id", False, ROWS)
    writer = open_writer(tmp_path, None, 0)
    saved: dict[str, Any] | None = None
    for stretches in REQUESTS[:killed]:
        request(writer, stretches)
        saved = writer.sync()
        for start, stop in stretches:
            done.add(start, stop)
    request(writer, REQUESTS[killed], off=1000.25)  # other values, other lengths: none may reach the output
    if when == "before its state was saved":
        writer.sync()
    writer.close()  # the kill (a real one loses unflushed bytes too; either way they are past the checkpoint)

    pending = done.pending()
    resumed = open_writer(tmp_path, saved, pending[0].start)
    for stretches in REQUESTS[killed:]:
        request(resumed, stretches)
        resumed.sync()
    output = tmp_path / name
    resumed.finish(output)
    got_ids, got = read(output)
    assert got_ids == ids(0, ROWS)
    assert np.array_equal(got, vectors(0, ROWS))
    assert sorted(p.name for p in tmp_path.iterdir()) == [name], "a partial file or a part was left behind"


def test_jsonl_sets_early_rows_aside_and_appends_them_in_order(tmp_path: Path) -> None:
    writer = open_jsonl(tmp_path, None, 0)
    request(writer, [(10, 20)])
    state = writer.sync()
    assert state["bytes"] == 0 and [entry[:2] for entry in state["aside"]] == [[10, 20]]
    request(writer, [(0, 10)])
    state = writer.sync()
    assert state["aside"] == [] and len((tmp_path / "out.jsonl.partial").read_text().splitlines()) == 20
    writer.sync()  # the checkpoint after the one that stopped naming it: the set-aside file may go
    assert list((tmp_path / "out.jsonl.parts").iterdir()) == []


def test_parquet_gathers_small_stretches_into_large_row_groups(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pyarrow.parquet as pq

    monkeypatch.setattr(write_parquet, "GROUP_ROWS", 16)
    writer = open_parquet(tmp_path, None, 0)
    for stretches in REQUESTS:
        request(writer, stretches)
        writer.sync()
    writer.finish(tmp_path / "out.parquet")
    groups = pq.ParquetFile(tmp_path / "out.parquet").metadata
    assert [groups.row_group(i).num_rows for i in range(groups.num_row_groups)] == [16, 16, 8]


def test_the_stream_holds_early_rows_until_the_rows_before_them(tmp_path: Path) -> None:
    with (tmp_path / "out.jsonl").open("wb") as handle:
        stream = JsonlStream(handle)
        for stretches in REQUESTS:
            request(stream, stretches)
        stream.finish(Path("-"))
    got_ids, got = read(tmp_path / "out.jsonl")
    assert got_ids == ids(0, ROWS) and np.array_equal(got, vectors(0, ROWS))

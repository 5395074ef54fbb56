"""``embed_file`` against the shared fake API: every format read back row by row, killed and resumed."""

from __future__ import annotations

import itertools
import json
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from aiml_embeddings import CheckpointError, EmbeddingsClient, InvalidRecordsError, embed_file
from aiml_embeddings.corpus import job as job_module
from aiml_embeddings.corpus.write_jsonl import JsonlWriter
from aiml_embeddings.corpus.write_npy import NpyWriter
from aiml_embeddings.corpus.write_parquet import ParquetWriter
from aiml_embeddings.errors import AuthenticationError, InputTooLongError
from tests.fake_api import FakeAPI, marker, status

N = 1000
CHUNK = 64
"""Small chunks (a chunk is one embed call; each of its requests is a checkpoint)."""


class Killed(BaseException):
    """Stands in for SIGKILL inside the process: nothing after it runs, no handler catches it as an error."""


@pytest.fixture
def api() -> FakeAPI:
    return FakeAPI()


@pytest.fixture
def client(api: FakeAPI) -> Iterator[EmbeddingsClient]:
    # No hedging: these tests count the texts the server received, and on a loaded machine a hedged copy
    # (a second request for a late batch, by design) would count twice.
    made = EmbeddingsClient(
        "text-embedding-3-small",
        api_key="test-key",
        dimensions=8,
        http_client=api.sync(),
        sleep=lambda s: None,
        hedge=False,
    )
    yield made
    made.close()


def corpus(tmp_path: Path, n: int = N) -> Path:
    path = tmp_path / "docs.jsonl"
    path.write_text("".join(json.dumps({"id": f"doc-{i}", "text": f"text number {i}"}) + "\n" for i in range(n)))
    return path


def sent(api: FakeAPI) -> list[str]:
    return [text for body in api.requests for text in body["input"]]


def read_back(path: Path) -> tuple[list[Any], list[float]]:
    """The ids (None for .npy) and each row's first value, which names the text it was made from."""
    if path.suffix == ".npy":
        array = np.load(path)
        assert array.dtype == np.float32 and array.shape == (N, 8)
        return [None] * len(array), array[:, 0].tolist()
    if path.suffix == ".jsonl":
        rows = [json.loads(line) for line in path.read_text().splitlines()]
        assert all(len(r["embedding"]) == 8 for r in rows)
        return [r["id"] for r in rows], [r["embedding"][0] for r in rows]
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    assert table.schema.field("embedding").type == pa.list_(pa.float32(), 8)
    return table.column("id").to_pylist(), [row[0] for row in table.column("embedding").to_pylist()]


def assert_every_row_right(path: Path) -> None:
    ids, firsts = read_back(path)
    assert firsts == [marker(f"text number {i}") for i in range(N)]
    if path.suffix != ".npy":
        assert ids == [f"doc-{i}" for i in range(N)]


FORMATS = ["out.npy", "out.jsonl", "out.parquet"]


@pytest.mark.parametrize("name", FORMATS)
def test_every_format_read_back_row_by_row(tmp_path: Path, api: FakeAPI, client: EmbeddingsClient, name: str) -> None:
    api.shuffle = True
    progress: list[int] = []
    result = embed_file(corpus(tmp_path), tmp_path / name, client=client, chunk_size=CHUNK, on_progress=progress.append)
    assert_every_row_right(tmp_path / name)
    assert (result.rows, result.embedded, result.resumed, sum(progress)) == (N, N, 0, N)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs.jsonl", name], "checkpoint files left behind"


def kill_on_write(monkeypatch: pytest.MonkeyPatch, writer: type, at: int, half: Callable[..., None]) -> None:
    """The ``at``-th write is cut in the middle (half its bytes on disk) and the process dies."""
    real = writer.write
    calls = [0]

    def write(self: Any, start: int, ids: list[Any] | None, vectors: Any) -> None:
        calls[0] += 1
        if calls[0] == at:
            half(self, start, ids, vectors)
            raise Killed
        real(self, start, ids, vectors)

    monkeypatch.setattr(writer, "write", write)


def settle(client: EmbeddingsClient) -> None:
    """A real kill ends the requests in flight too; here they finish in the background: wait for them
    (the client's worker threads end once their work is done; the client makes new ones when used again)."""
    for thread in threading.enumerate():
        if thread.name.startswith("aiml-embeddings-corpus"):
            thread.join(10)  # no chunk's call starts a request after this
    client.close()
    for thread in threading.enumerate():
        if thread.name.startswith("aiml-embeddings"):
            thread.join(10)


def one_wave(api: FakeAPI, client: EmbeddingsClient) -> int:
    """What a kill may lose: ``max_concurrency`` requests in flight, each as large as the largest sent."""
    return client.max_concurrency * max(len(body["input"]) for body in api.requests)


def _half_npy(self: Any, start: int, ids: Any, vectors: Any) -> None:
    garbage = np.full((len(vectors) // 2, 8), 7.0, dtype=np.float32)
    os.pwrite(self.fd, garbage.tobytes(), self.offset + start * 8 * 4)


def _half_jsonl(self: Any, start: int, ids: Any, vectors: Any) -> None:
    from aiml_embeddings.corpus.jsonl_format import jsonl_lines

    data = jsonl_lines(ids, vectors)
    self.handle.write(data[: len(data) // 2])
    self.handle.flush()


def _half_parquet(self: Any, start: int, ids: Any, vectors: Any) -> None:
    (self.parts / f"{start:012d}.parquet.tmp").write_bytes(b"PAR1 cut short")


HALVES: dict[str, tuple[type, Callable[..., None]]] = {
    "out.npy": (NpyWriter, _half_npy),
    "out.jsonl": (JsonlWriter, _half_jsonl),
    "out.parquet": (ParquetWriter, _half_parquet),
}


@pytest.mark.parametrize("name", FORMATS)
def test_resume_after_a_kill_in_the_middle_of_a_write(
    tmp_path: Path, api: FakeAPI, client: EmbeddingsClient, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    source, target = corpus(tmp_path), tmp_path / name
    writer, half = HALVES[name]
    with monkeypatch.context() as patch:
        kill_on_write(patch, writer, 7, half)
        with pytest.raises(Killed):
            embed_file(source, target, client=client, chunk_size=CHUNK)
    settle(client)
    manifest = json.loads((tmp_path / f"{name}.manifest.json").read_text())
    done = sum(b - a for a, b in manifest["done"])
    assert 0 < done < N and not target.exists()
    first_run, wave = len(sent(api)), one_wave(api, client)
    result = embed_file(source, target, client=client, chunk_size=CHUNK, resume=True)
    assert_every_row_right(target)
    resent = len(sent(api)) - first_run
    assert result.resumed == done and result.embedded == N - done == resent
    assert first_run + resent - N <= wave, "more than the requests in flight were sent twice"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs.jsonl", name]


def test_a_leftover_checkpoint_needs_resume_or_overwrite(
    tmp_path: Path, api: FakeAPI, client: EmbeddingsClient
) -> None:
    source, target = corpus(tmp_path), tmp_path / "out.npy"
    api.faults.append(lambda request, body: status(401)(request, body) if len(api.requests) > 12 else None)
    with pytest.raises(AuthenticationError, match="--resume") as failed:
        embed_file(source, target, client=client, chunk_size=CHUNK)
    assert "rows are done and kept" in str(failed.value)
    with pytest.raises(CheckpointError, match=r"is unfinished .*--resume .*--overwrite"):
        embed_file(source, target, client=client, chunk_size=CHUNK)
    api.faults.clear()
    before = len(api.requests)
    result = embed_file(source, target, client=client, chunk_size=CHUNK, overwrite=True)
    assert result.resumed == 0 and sum(len(b["input"]) for b in api.requests[before:]) == N
    assert_every_row_right(target)
    with pytest.raises(CheckpointError, match="exists and is finished"):
        embed_file(source, target, client=client, chunk_size=CHUNK)
    with pytest.raises(CheckpointError, match="exists and is finished"):
        embed_file(source, target, client=client, chunk_size=CHUNK, resume=True)


def interrupted(tmp_path: Path, client: EmbeddingsClient, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    source, target = corpus(tmp_path), tmp_path / "out.npy"
    with monkeypatch.context() as patch:
        kill_on_write(patch, NpyWriter, 3, _half_npy)
        with pytest.raises(Killed):
            embed_file(source, target, client=client, chunk_size=CHUNK)
    settle(client)
    return source, target


def test_a_changed_input_is_refused(tmp_path: Path, client: EmbeddingsClient, monkeypatch: pytest.MonkeyPatch) -> None:
    source, target = interrupted(tmp_path, client, monkeypatch)
    lines = source.read_text().splitlines()
    lines[500] = json.dumps({"id": "doc-500", "text": "edited"})
    source.write_text("\n".join(lines) + "\n")
    with pytest.raises(CheckpointError, match=r"cannot resume .*input was .*--overwrite"):
        embed_file(source, target, client=client, chunk_size=CHUNK, resume=True)


@pytest.mark.parametrize(
    ("change", "word"),
    [({"dimensions": 16}, "dimensions"), ({"model": "text-embedding-3-large", "dimensions": 8}, "model"),
     ({"purpose": "query"}, "purpose")],
)  # fmt: skip
def test_another_model_dimensions_or_purpose_is_refused(
    tmp_path: Path, api: FakeAPI, client: EmbeddingsClient, monkeypatch: pytest.MonkeyPatch,
    change: dict[str, Any], word: str,
) -> None:  # fmt: skip
    source, target = interrupted(tmp_path, client, monkeypatch)
    purpose = change.pop("purpose", "document")
    other = EmbeddingsClient(
        change.pop("model", "text-embedding-3-small"), api_key="k", http_client=api.sync(), **change
    )
    before = len(api.requests)
    with pytest.raises(CheckpointError, match=f"cannot resume .*{word} was"):
        embed_file(source, target, client=other, chunk_size=CHUNK, resume=True, purpose=purpose)
    assert len(api.requests) == before


def test_progress_counts_only_rows_that_have_their_vectors(
    tmp_path: Path, api: FakeAPI, client: EmbeddingsClient
) -> None:
    api.faults.append(lambda request, body: status(401)(request, body) if len(api.requests) > 20 else None)
    progress: list[int] = []
    with pytest.raises(AuthenticationError):
        embed_file(corpus(tmp_path), tmp_path / "out.jsonl", client=client, chunk_size=CHUNK,
                   on_progress=progress.append)  # fmt: skip
    manifest = json.loads((tmp_path / "out.jsonl.manifest.json").read_text())
    assert sum(progress) == sum(b - a for a, b in manifest["done"]) < N
    in_order = (tmp_path / "out.jsonl.partial").read_text().splitlines()
    aside = [(tmp_path / "out.jsonl.parts" / name).read_bytes()[offset : offset + size].decode().splitlines()
             for _, _, name, offset, size in manifest["writer"]["aside"]]  # fmt: skip
    assert len(in_order) + sum(map(len, aside)) == sum(progress)


def test_bad_records_are_reported_together_or_skipped(tmp_path: Path, api: FakeAPI, client: EmbeddingsClient) -> None:
    source = tmp_path / "docs.jsonl"
    source.write_text('{"text": "a"}\n{"text": ""}\nnope\n{"text": "b"}\n\n')
    with pytest.raises(InvalidRecordsError, match=r"3 bad record\(s\)") as bad:
        embed_file(source, tmp_path / "out.npy", client=client)
    assert [p.number for p in bad.value.problems] == [2, 3, 5] and api.requests == []
    result = embed_file(source, tmp_path / "out.npy", client=client, skip_invalid=True)
    assert np.load(tmp_path / "out.npy")[:, 0].tolist() == [marker("a"), marker("b")]
    assert result.skipped_file is not None
    assert [json.loads(x)["line"] for x in result.skipped_file.read_text().splitlines()] == [2, 3, 5]


def test_a_text_too_long_names_its_line(tmp_path: Path, api: FakeAPI, client: EmbeddingsClient) -> None:
    source = tmp_path / "docs.txt"
    source.write_text("short\n" * 5 + "the long one\n" + "short\n" * 3)

    def too_long(request: Any, body: dict[str, Any]) -> Any:
        if "the long one" in body["input"]:
            return status(400, body={"message": "maximum context length is 8192 tokens", "statusCode": 400})(
                request, body
            )
        return None

    api.faults.append(too_long)
    with pytest.raises(InputTooLongError, match=r"docs.txt \(lines 6\)"):
        embed_file(source, tmp_path / "out.npy", client=client)


def test_a_checkpoint_whose_partial_output_is_gone_is_refused(
    tmp_path: Path, client: EmbeddingsClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    source, target = interrupted(tmp_path, client, monkeypatch)
    (tmp_path / "out.npy.partial").unlink()
    with pytest.raises(CheckpointError, match=r"out\.npy\.partial is gone; --overwrite"):
        embed_file(source, target, client=client, chunk_size=CHUNK, resume=True)


def recorded_saves(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The rows each checkpoint written names, in order."""
    saves: list[int] = []
    real = job_module.write

    def write(path: Path, data: bytes) -> None:
        saves.append(sum(b - a for a, b in json.loads(data)["done"]))
        real(path, data)

    monkeypatch.setattr(job_module, "write", write)
    return saves


@pytest.mark.parametrize("concurrency", [1, 4])
def test_requests_are_as_full_as_the_in_memory_calls_and_checkpointed_as_they_land(
    tmp_path: Path, api: FakeAPI, monkeypatch: pytest.MonkeyPatch, concurrency: int
) -> None:
    client = EmbeddingsClient(
        "text-embedding-3-small", api_key="k", dimensions=8, batch_size=25, max_concurrency=concurrency,
        http_client=api.sync(), hedge=False,
    )  # fmt: skip
    client.embed([f"text number {i}" for i in range(N)])
    in_memory = [len(body["input"]) for body in api.requests]
    api.requests.clear()
    saves = recorded_saves(monkeypatch)
    progress: list[int] = []
    embed_file(corpus(tmp_path), tmp_path / "out.npy", client=client, on_progress=progress.append)
    assert_every_row_right(tmp_path / "out.npy")
    assert [len(body["input"]) for body in api.requests] == in_memory == [25] * 40
    assert saves == list(itertools.accumulate(progress)) and sum(progress) == N
    if concurrency == 1:
        assert progress == [25] * 40, "each request checkpointed before the next is sent"
    else:
        assert all(p % 25 == 0 for p in progress) and len(progress) <= 40, "requests that land together share one"


@pytest.mark.parametrize("name", FORMATS)
def test_repeated_texts_land_with_their_first_and_every_row_is_right(
    tmp_path: Path, api: FakeAPI, client: EmbeddingsClient, name: str
) -> None:
    api.shuffle = True
    source = tmp_path / "docs.jsonl"
    texts = [f"text number {i % 37 if i % 3 else i}" for i in range(N)]  # repeats scattered over each chunk
    source.write_text("".join(json.dumps({"id": f"doc-{i}", "text": t}) + "\n" for i, t in enumerate(texts)))
    result = embed_file(source, tmp_path / name, client=client, chunk_size=200)
    ids, firsts = read_back(tmp_path / name)
    assert firsts == [marker(t) for t in texts]
    assert name.endswith(".npy") or ids == [f"doc-{i}" for i in range(N)]
    assert result.embedded == N and len(sent(api)) < N
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs.jsonl", name]

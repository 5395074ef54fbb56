"""JSONL output: ``{"id": ..., "embedding": [...]}`` per record, in input order.

Lines are appended in order (the job holds back chunks that finish early),
so the checkpoint only needs the byte length of the finished part; a
resumed run cuts the file back to it, dropping a half-written line.
Formatting a million vectors as text costs more CPU than receiving them,
so a file is written by a worker process (``jsonl_worker``) on another
core; standard output is written in this process.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any, BinaryIO

from ..errors import AIMLEmbeddingsError
from .jsonl_format import float32_bytes, jsonl_lines


class JsonlWriter:
    in_order = True

    def __init__(self, partial: Path, *, resume_bytes: int | None) -> None:
        self.partial = partial
        start = resume_bytes if resume_bytes is not None else -1
        self.worker = subprocess.Popen(
            [sys.executable, "-c", _WORKER, _package_root(), str(partial), str(start)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self.waiting = 0
        self.length = resume_bytes or 0

    def write(self, start: int, ids: list[Any] | None, vectors: Any) -> None:
        assert ids is not None and self.worker.stdin is not None
        raw, dimension = float32_bytes(vectors)
        header = json.dumps({"ids": ids, "dimension": dimension}).encode("utf-8")
        self.worker.stdin.write(struct.pack("<I", len(header)) + header + struct.pack("<I", len(raw)) + raw)
        self.worker.stdin.flush()
        self.waiting += 1

    def sync(self) -> dict[str, Any]:
        assert self.worker.stdout is not None
        while self.waiting:
            answer = self.worker.stdout.readline().decode("utf-8").strip()
            self.waiting -= 1
            if not answer or answer.startswith("error"):
                raise AIMLEmbeddingsError(
                    f"writing {self.partial} failed: {answer[6:] or 'the writer process ended'}"
                )
            self.length = int(answer)
        return {"bytes": self.length}

    def finish(self, output: Path) -> None:
        self.sync()
        self.close()
        os.replace(self.partial, output)

    def close(self) -> None:
        if self.worker.stdin is not None and not self.worker.stdin.closed:
            try:
                self.worker.stdin.write(struct.pack("<I", 0))
                self.worker.stdin.close()
            except OSError:
                pass
        try:
            self.worker.wait(30)
        except subprocess.TimeoutExpired:
            self.worker.kill()
            self.worker.wait()
        if self.worker.stdout is not None:
            self.worker.stdout.close()


_WORKER = (
    "import sys; sys.path.insert(0, sys.argv[1]); from aiml_embeddings.corpus.jsonl_worker import serve; "
    "serve(sys.argv[2], int(sys.argv[3]), sys.stdin.buffer, sys.stdout.buffer)"
)


def _package_root() -> str:
    """So the worker imports this very package, wherever it was imported from."""
    return str(Path(__file__).resolve().parents[2])


class JsonlStream:
    """JSONL to a stream that cannot be resumed (standard output): no partial file, no checkpoint."""

    in_order = True

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream

    def write(self, start: int, ids: list[Any] | None, vectors: Any) -> None:
        assert ids is not None
        raw, dimension = float32_bytes(vectors)
        self.stream.write(jsonl_lines(ids, raw, dimension))
        self.stream.flush()

    def sync(self) -> dict[str, Any]:
        return {}

    def finish(self, output: Path) -> None:
        self.stream.flush()

    def close(self) -> None:
        pass

"""JSONL output: ``{"id": ..., "embedding": [...]}`` per record, in input order.

Lines are appended in order (the job holds back chunks that finish early),
so the checkpoint only needs the byte length of the finished part; a
resumed run cuts the file back to it, dropping a half-written line.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, BinaryIO

from .jsonl_format import jsonl_lines


class JsonlWriter:
    def __init__(self, partial: Path, *, resume_bytes: int | None) -> None:
        self.partial = partial
        if resume_bytes is None:
            self.handle: BinaryIO = partial.open("wb")
        else:
            self.handle = partial.open("r+b")
            self.handle.truncate(resume_bytes)
            self.handle.seek(resume_bytes)

    def write(self, start: int, ids: list[Any] | None, vectors: Any) -> None:
        assert ids is not None
        self.handle.write(jsonl_lines(ids, vectors))

    def sync(self) -> dict[str, Any]:
        self.handle.flush()
        os.fsync(self.handle.fileno())
        return {"bytes": self.handle.tell()}

    def finish(self, output: Path) -> None:
        self.sync()
        self.close()
        os.replace(self.partial, output)

    def close(self) -> None:
        self.handle.close()


class JsonlStream:
    """JSONL to a stream that cannot be resumed (standard output): no partial file, no checkpoint."""


    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream

    def write(self, start: int, ids: list[Any] | None, vectors: Any) -> None:
        assert ids is not None
        self.stream.write(jsonl_lines(ids, vectors))
        self.stream.flush()

    def sync(self) -> dict[str, Any]:
        return {}

    def finish(self, output: Path) -> None:
        self.stream.flush()

    def close(self) -> None:
        pass

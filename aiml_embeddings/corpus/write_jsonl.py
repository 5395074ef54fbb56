"""JSONL output: ``{"id": ..., "embedding": [...]}`` per record, in input order.

Requests land in any order, and each is checkpointed as it lands, so a
row cannot always wait in memory for the rows before it. The next rows in
order are appended to the partial file; rows that land early are set
aside on disk, in ``<output>.parts/`` (one file per checkpoint), and
appended as soon as the rows before them are. The checkpoint records the
partial file's length and where each set-aside stretch is; a resumed run
cuts the file back to that length (dropping a half-written line) and
deletes any set-aside file the checkpoint does not name.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, BinaryIO

from .jsonl_format import jsonl_lines

Aside = list[Any]
"""``[start, stop, file name, offset, size]``: rows ``[start, stop)`` as JSONL bytes in a set-aside file."""


class JsonlWriter:
    def __init__(self, partial: Path, parts: Path, *, next_row: int, resume: dict[str, Any] | None) -> None:
        """``next_row``: the first row not yet done, which is where the partial file ends."""
        self.partial = partial
        self.parts = parts
        self.next = next_row
        self.aside: dict[int, Aside] = {}
        if resume is None:
            self.handle: BinaryIO = partial.open("wb")
            shutil.rmtree(parts, ignore_errors=True)
        else:
            self.handle = partial.open("r+b")
            self.handle.truncate(resume["bytes"])
            self.handle.seek(resume["bytes"])
            self.aside = {entry[0]: list(entry) for entry in resume.get("aside", [])}
        parts.mkdir(exist_ok=True)
        self.kept = {entry[2] for entry in self.aside.values()}
        """Set-aside files a checkpoint may still name."""
        for stale in parts.iterdir():  # written after the last checkpoint
            if stale.name not in self.kept:
                stale.unlink()
        self.unnamed: set[str] = set()
        """Files the last checkpoint no longer names: removed at the next one, once that is saved."""
        self.side: BinaryIO | None = None
        self.side_name = ""

    def write(self, start: int, ids: list[Any] | None, vectors: Any) -> None:
        assert ids is not None
        data = jsonl_lines(ids, vectors)
        if start != self.next:
            side = self._side(start)
            self.aside[start] = [start, start + len(ids), self.side_name, side.tell(), len(data)]
            side.write(data)
            return
        self.handle.write(data)
        self.next += len(ids)
        while self.next in self.aside:
            _, stop, name, offset, size = self.aside.pop(self.next)
            self.handle.write(self._read(name, offset, size))
            self.next = stop

    def _side(self, start: int) -> BinaryIO:
        if self.side is None:
            self.side_name = f"{start:012d}.jsonl"  # the first row set aside names it: no row is set aside twice
            self.side = (self.parts / self.side_name).open("wb")
            self.kept.add(self.side_name)
        return self.side

    def _read(self, name: str, offset: int, size: int) -> bytes:
        if self.side is not None and name == self.side_name:
            self.side.flush()
        with (self.parts / name).open("rb") as handle:
            handle.seek(offset)
            return handle.read(size)

    def sync(self) -> dict[str, Any]:
        self.handle.flush()
        os.fsync(self.handle.fileno())
        if self.side is not None:
            self.side.flush()
            os.fsync(self.side.fileno())
            self.side.close()
            self.side = None
        for name in self.unnamed:  # the checkpoint saved after the last sync does not name them
            (self.parts / name).unlink(missing_ok=True)
        named = {entry[2] for entry in self.aside.values()}
        self.unnamed, self.kept = self.kept - named, named
        return {"bytes": self.handle.tell(), "aside": sorted(self.aside.values())}

    def finish(self, output: Path) -> None:
        assert not self.aside, "a row set aside was never appended"
        self.sync()
        self.close()
        os.replace(self.partial, output)
        shutil.rmtree(self.parts, ignore_errors=True)

    def close(self) -> None:
        self.handle.close()
        if self.side is not None:
            self.side.close()
            self.side = None


class JsonlStream:
    """JSONL to a stream that cannot be resumed (standard output): no partial file, no checkpoint.

    Rows that land early wait in memory for the rows before them: at most
    the two chunks in flight.
    """

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.next = 0
        self.early: dict[int, tuple[int, bytes]] = {}

    def write(self, start: int, ids: list[Any] | None, vectors: Any) -> None:
        assert ids is not None
        self.early[start] = (start + len(ids), jsonl_lines(ids, vectors))
        while self.next in self.early:
            self.next, data = self.early.pop(self.next)
            self.stream.write(data)
        self.stream.flush()

    def sync(self) -> dict[str, Any]:
        return {}

    def finish(self, output: Path) -> None:
        assert not self.early, "a row that landed early was never written"
        self.stream.flush()

    def close(self) -> None:
        pass

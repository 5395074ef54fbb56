"""Where a job's texts come from: a file read as it goes, or texts already in memory.

A source can be read any number of times (a first pass checks it, the
next ones embed it, a resumed run reads it again) and has a fingerprint,
so a resumed run can tell it is still the same input.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ..errors import ConfigurationError
from .read_lines import jsonl_items, text_items
from .read_table import table_items
from .records import Item

INPUT_FORMATS = {".txt": "text", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet", ".csv": "csv"}
"""Known input suffixes; any other suffix is read as plain text, one text per line."""


class Source(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def where(self) -> str:
        """What a record number counts: ``line``, ``row`` or ``argument``."""

    def items(self) -> Iterator[Item]: ...

    def fingerprint(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class FileSource:
    path: Path
    text_field: str = "text"
    id_field: str = "id"

    @property
    def name(self) -> str:
        return str(self.path)

    @property
    def kind(self) -> str:
        return INPUT_FORMATS.get(self.path.suffix.lower(), "text")

    @property
    def where(self) -> str:
        return "row" if self.kind in ("parquet", "csv") else "line"

    def items(self) -> Iterator[Item]:
        if self.kind in ("parquet", "csv"):
            yield from table_items(self.path, text_field=self.text_field, id_field=self.id_field)
            return
        with self.path.open(encoding="utf-8", newline="") as handle:
            if self.kind == "jsonl":
                yield from jsonl_items(handle, text_field=self.text_field, id_field=self.id_field)
            else:
                yield from text_items(handle)

    def fingerprint(self) -> dict[str, Any]:
        """Size and SHA-256 of the bytes: a changed, truncated or swapped file never passes for the same one."""
        digest = hashlib.sha256()
        with self.path.open("rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
        return {"name": self.path.name, "size": self.path.stat().st_size, "sha256": digest.hexdigest()}


@dataclass(frozen=True)
class TextsSource:
    """Texts given on the command line or piped in, already in memory (no streaming: they are small)."""

    texts: Sequence[str]
    name: str = "arguments"
    where: str = "argument"

    def items(self) -> Iterator[Item]:
        return text_items(self.texts)

    def fingerprint(self) -> dict[str, Any]:
        digest = hashlib.sha256()
        for text in self.texts:
            digest.update(text.encode("utf-8") + b"\0")
        return {"name": self.name, "size": len(self.texts), "sha256": digest.hexdigest()}


def open_source(path: str | Path, *, text_field: str = "text", id_field: str = "id") -> FileSource:
    file = Path(path)
    if not file.is_file():
        raise ConfigurationError(f"input file not found: {path}")
    return FileSource(file, text_field, id_field)

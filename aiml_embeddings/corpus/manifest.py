"""The checkpoint beside an unfinished output: what is done, and what the run was.

It is rewritten whole (temporary file, fsync, rename) after every finished
request, so at any moment, a SIGKILL included, it names only rows whose
vectors are already in the partial output. It is deleted once the output
has its final name, so its presence alone means "unfinished".
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .errors import CheckpointError

VERSION = 1
MUST_MATCH = ("model", "dimensions", "purpose", "input", "output_format", "text_field", "id_field", "skip_invalid")
"""What a resumed run must share with the first; any difference would mix two kinds of vectors in one file."""


@dataclass
class Manifest:
    model: str
    dimensions: int | None
    """The dimensions asked for (None: the model's own)."""
    purpose: str
    input: dict[str, Any]
    """The input's fingerprint: name, size, SHA-256."""
    output_format: str
    text_field: str
    id_field: str
    skip_invalid: bool
    rows: int
    dimension: int | None = None
    """The vectors' length, known from the first answer."""
    done: list[list[int]] = field(default_factory=list)
    """Finished row ranges ``[start, stop)``, sorted and merged."""
    writer: dict[str, Any] = field(default_factory=dict)
    """What the writer needs to pick up (bytes written, parts written)."""
    version: int = VERSION

    def add(self, start: int, stop: int) -> None:
        spans = sorted([*self.done, [start, stop]])
        merged: list[list[int]] = []
        for a, b in spans:
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        self.done = merged

    def done_rows(self) -> int:
        return sum(b - a for a, b in self.done)

    def pending(self) -> list[range]:
        """The row ranges still to embed, in order."""
        out, cursor = [], 0
        for a, b in self.done:
            if a > cursor:
                out.append(range(cursor, a))
            cursor = b
        if cursor < self.rows:
            out.append(range(cursor, self.rows))
        return out

    def mismatch(self, other: Manifest) -> list[str]:
        return [
            f"{name} was {getattr(self, name)!r}, now {getattr(other, name)!r}"
            for name in MUST_MATCH
            if getattr(self, name) != getattr(other, name)
        ]

    def save(self, path: Path) -> None:
        write(path, self.encoded())

    def encoded(self) -> bytes:
        """What ``save`` writes: taken while the job holds its lock, written after it lets go."""
        return json.dumps(asdict(self)).encode("utf-8")

    @classmethod
    def load(cls, path: Path) -> Manifest:
        try:
            data = json.loads(path.read_text("utf-8"))
            if data.get("version") != VERSION:
                raise ValueError(f"version {data.get('version')!r}")
            return cls(**data)
        except (ValueError, TypeError) as exc:
            raise CheckpointError(
                f"the checkpoint {path} is not one this version can read ({exc}); --overwrite starts again"
            ) from None


def write(path: Path, data: bytes) -> None:
    """The checkpoint replaced whole: a temporary file, fsync, rename (a reader never sees half of one)."""
    temp = path.with_name(path.name + ".tmp")
    with temp.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)

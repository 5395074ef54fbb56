"""What a reader yields: a record to embed, or a problem with one (never silently dropped)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple, Union

RecordId = Union[int, str, float, bool, None]  # noqa: UP007 - a runtime alias, read by Python 3.10 too
"""A record's own id as the input holds it (JSON scalars; the line or row number when it has none)."""


class Record(NamedTuple):
    """A tuple, not a dataclass: a million of them are made twice per job, and a tuple is made fastest."""

    number: int
    """1-based line (text, JSONL) or row (Parquet, CSV) in the input: what error messages name."""
    id: RecordId
    text: str


@dataclass(frozen=True)
class Problem:
    number: int
    reason: str

    def describe(self, where: str) -> str:
        return f"{where} {self.number}: {self.reason}"


Item = Union[Record, Problem]  # noqa: UP007

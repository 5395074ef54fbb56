"""The first pass: every record checked before any request, so bad input costs nothing.

It reads the whole source once, counts the records to embed, collects every
problem with its line, and learns whether the ids are all whole numbers
(which decides the type of a Parquet ``id`` column before the first row is
written).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .records import Problem, Record
from .source import Source


@dataclass
class Survey:
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    integer_ids: bool = True


def survey(source: Source) -> Survey:
    found = Survey()
    for item in source.items():
        if isinstance(item, Record):
            found.rows += 1
            if found.integer_ids and (not isinstance(item.id, int) or isinstance(item.id, bool)):
                found.integer_ids = False
        else:
            found.problems.append(item)
    return found

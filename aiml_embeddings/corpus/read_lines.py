"""Readers for line formats: plain text (one text per line) and JSONL records.

Both read one line at a time, so memory does not grow with the file. A
final newline ends the last line; any other blank line is a problem that
names its line, in both formats alike, so record numbers always match
line numbers.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from .records import Item, Problem, Record

BLANK = "blank line (a record with no text)"


def text_items(lines: Iterable[str]) -> Iterator[Item]:
    for number, line in enumerate(lines, start=1):
        text = line.rstrip("\r\n")
        yield Record(number, number, text) if text.strip() else Problem(number, BLANK)


def jsonl_items(lines: Iterable[str], *, text_field: str, id_field: str) -> Iterator[Item]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            yield Problem(number, BLANK)
            continue
        try:
            record: Any = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Problem(number, f"not valid JSON ({exc.msg})")
            continue
        if isinstance(record, str):
            text, record_id = record, number
        elif isinstance(record, dict):
            value, record_id = record.get(text_field), record.get(id_field, number)
            if not isinstance(value, str):
                yield Problem(number, f"no string field {text_field!r} (--text-field picks another)")
                continue
            if not isinstance(record_id, (int, str, float, bool)) or record_id is None:
                yield Problem(number, f"field {id_field!r} is {type(record_id).__name__}, not a string or number")
                continue
            text = value
        else:
            yield Problem(number, f"a JSON {type(record).__name__}, not an object with a {text_field!r} field")
            continue
        yield Record(number, record_id, text) if text.strip() else Problem(number, f"blank text in {text_field!r}")

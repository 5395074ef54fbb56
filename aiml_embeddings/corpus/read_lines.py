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
_DECODE = json.JSONDecoder().raw_decode


def _loads(line: str) -> Any:
    """``json.loads(line)``, the same value or the same error, at about half its cost per call: a job
    parses every line twice (the check, then the run), and ``json.loads`` spends more per line on its
    wrapper than on the parse. Anything but a clean line (leading space, trailing garbage, an error)
    is handed to ``json.loads`` itself."""
    try:
        value, end = _DECODE(line)
    except json.JSONDecodeError:
        return json.loads(line)
    if end != len(line) and not line[end:].isspace():
        return json.loads(line)
    return value


def text_items(lines: Iterable[str]) -> Iterator[Item]:
    for number, line in enumerate(lines, start=1):
        text = line.rstrip("\r\n")
        yield Record(number, number, text) if text and not text.isspace() else Problem(number, BLANK)


def jsonl_items(lines: Iterable[str], *, text_field: str, id_field: str) -> Iterator[Item]:
    for number, line in enumerate(lines, start=1):
        try:
            record: Any = _loads(line)
        except json.JSONDecodeError as exc:  # a blank line is not JSON either: told apart here, not on every line
            blank = line.isspace() or not line
            yield Problem(number, BLANK if blank else f"not valid JSON ({exc.msg})")
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
        if text and not text.isspace():  # str.isspace is strip()'s whitespace, without a copy of the text
            yield Record(number, record_id, text)
        else:
            yield Problem(number, f"blank text in {text_field!r}")

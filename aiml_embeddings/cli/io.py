"""Reading texts for ``aiml-embeddings embed`` and writing vectors without half-written files."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO


class CLIInputError(Exception):
    """A problem with the command's input that the user fixes (a file, a line), shown as one line."""


def read_texts(args: Sequence[str], path: str | None, field: str, stdin: TextIO) -> list[str]:
    """Texts from arguments, a file (``.jsonl`` or one text per line) or standard input."""
    if args and path:
        raise CLIInputError("give texts as arguments or with --input, not both")
    if args and list(args) != ["-"]:
        return list(args)
    if path and path != "-":
        file = Path(path)
        if not file.is_file():
            raise CLIInputError(f"input file not found: {path}")
        with file.open(encoding="utf-8") as handle:
            return parse_lines(handle, jsonl=file.suffix.lower() in (".jsonl", ".ndjson"), field=field, name=path)
    if stdin.isatty():
        raise CLIInputError("no texts: pass them as arguments, with --input FILE, or on standard input")
    return parse_lines(stdin, jsonl=False, field=field, name="stdin")


def parse_lines(handle: TextIO, *, jsonl: bool, field: str, name: str) -> list[str]:
    texts: list[str] = []
    for number, line in enumerate(handle, start=1):
        line = line.rstrip("\r\n")
        if not jsonl:
            texts.append(line)
            continue
        if not line.strip():
            continue
        try:
            record: Any = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CLIInputError(f"{name} line {number}: not valid JSON ({exc.msg})") from None
        text = record if isinstance(record, str) else record.get(field) if isinstance(record, dict) else None
        if not isinstance(text, str):
            raise CLIInputError(f"{name} line {number}: no string field {field!r} (use --field to pick another)")
        texts.append(text)
    return texts


def write_vectors(vectors: Any, path: str | None, stdout: TextIO) -> None:
    """``.npy`` or JSONL, written to a temporary file and renamed, so a failure leaves no partial output."""
    if path is None or path == "-":
        _jsonl(vectors, stdout)
        return
    target = Path(path)
    handle, temp = tempfile.mkstemp(dir=target.parent or Path("."), prefix=f".{target.name}.", suffix=".part")
    try:
        if target.suffix.lower() == ".npy":
            import numpy

            with os.fdopen(handle, "wb") as out:
                numpy.save(out, vectors)
        else:
            with os.fdopen(handle, "w", encoding="utf-8") as text_out:
                _jsonl(vectors, text_out)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _jsonl(vectors: Any, out: TextIO) -> None:
    for index, vector in enumerate(vectors):
        values = vector.tolist() if hasattr(vector, "tolist") else vector
        out.write(json.dumps({"index": index, "embedding": values}) + "\n")


def progress_bar(total: int, enabled: bool) -> Any:
    """A tqdm bar on standard error for long inputs, or None when tqdm is missing or it would be noise."""
    if not enabled or total < 200:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=total, unit="text", file=sys.stderr, leave=False)

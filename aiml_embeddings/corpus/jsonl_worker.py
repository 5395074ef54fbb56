"""The process that formats and appends JSONL lines, so the formatting runs beside the requests, not under the GIL.

Started by ``JsonlWriter`` with the file's path and the length to resume
from (``-1``: a new file). On standard input, per chunk: a 4-byte length, a
JSON header ``{"ids": [...], "dimension": d}``, a 4-byte length, the rows
as float32 bytes. After each chunk is written and fsynced it answers the
file's length on a line; on a problem, ``error <message>``. It ends at a
zero length or when its parent goes away.
"""

from __future__ import annotations

import json
import os
import struct
from typing import BinaryIO

from .jsonl_format import jsonl_lines


def _read(stream: BinaryIO) -> bytes | None:
    head = stream.read(4)
    if len(head) < 4:
        return None
    (size,) = struct.unpack("<I", head)
    data = stream.read(size)
    return data if len(data) == size else None


def serve(path: str, start: int, incoming: BinaryIO, answers: BinaryIO) -> None:
    with open(path, "wb" if start < 0 else "r+b") as out:
        if start >= 0:
            out.truncate(start)
            out.seek(start)
        while (header := _read(incoming)) is not None and header:
            raw = _read(incoming)
            if raw is None:
                return
            try:
                meta = json.loads(header)
                out.write(jsonl_lines(meta["ids"], raw, meta["dimension"]))
                out.flush()
                os.fsync(out.fileno())
                answers.write(f"{out.tell()}\n".encode())
            except Exception as exc:  # reported to the parent, which raises it there
                answers.write(f"error {' '.join(str(exc).split())}\n".encode())
            answers.flush()

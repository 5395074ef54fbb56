"""JSONL lines from float32 rows: ``%.9g`` per value, which gives back every float32 exactly.

About five times faster than ``json.dumps`` of the same floats (which
spells out each float32 as the 17 digits of its float64), and a third
smaller. Needs no numpy: rows arrive as float32 bytes.
"""

from __future__ import annotations

import json
import math
import sys
from array import array
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from ..errors import MalformedResponseError

_BIG_ENDIAN = sys.byteorder == "big"


@lru_cache(maxsize=8)
def _row_format(dimension: int) -> str:
    return '{"id":%s,"embedding":[' + ",".join(["%.9g"] * dimension) + "]}\n"


def float32_bytes(vectors: Any) -> tuple[bytes, int]:
    """Little-endian float32 bytes of an ``(n, d)`` array or list of rows, and ``d``."""
    if hasattr(vectors, "dtype"):
        import numpy

        rows = numpy.ascontiguousarray(vectors, dtype="<f4")
        return rows.tobytes(), int(rows.shape[1]) if rows.ndim == 2 else 0
    values = array("f", [x for row in vectors for x in row])
    if _BIG_ENDIAN:
        values.byteswap()
    return values.tobytes(), len(vectors[0]) if vectors else 0


def jsonl_lines(ids: Sequence[Any], raw: bytes, dimension: int) -> bytes:
    values = array("f")
    values.frombytes(raw)
    if _BIG_ENDIAN:
        values.byteswap()
    floats = values.tolist()
    if not all(map(math.isfinite, floats)):
        raise MalformedResponseError("an answer held a NaN or infinite value, which JSON cannot carry")
    template = _row_format(dimension)
    dumps = json.dumps
    return "".join(
        [template % (dumps(record_id), *floats[i * dimension : (i + 1) * dimension]) for i, record_id in enumerate(ids)]
    ).encode("utf-8")

"""The measurement around one client call: wall, CPU and peak RSS of this process, and its output."""

from __future__ import annotations

import argparse
import asyncio
import inspect
import json
import resource
import sys
import time
import traceback
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

Call = Callable[[], Any]
"""The measured call: returns the vectors, or a coroutine that does."""
Builder = Callable[[list[str], str], Call]
"""Builds a client for a base URL (outside the measurement) and returns its call."""


def to_array(result: Any, count: int, dimension: int) -> np.ndarray[Any, np.dtype[np.float32]]:
    """Any client's output as (count, dimension) float32; NaN rows for missing vectors, zeros for a wrong length."""
    if isinstance(result, np.ndarray) and result.shape == (count, dimension):
        return result.astype(np.float32, copy=False)
    out = np.full((count, dimension), np.nan, dtype=np.float32)
    for i, row in enumerate(list(result)[:count]):
        if row is None:
            continue
        values = np.asarray(row, dtype=np.float32).ravel()
        out[i] = values if values.shape == (dimension,) else 0.0
    return out


def main(builders: Mapping[str, Builder]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("client", choices=sorted(builders))
    parser.add_argument("--texts", required=True, help="JSON list of texts")
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--dimension", type=int, required=True)
    parser.add_argument("--out", required=True, help="where the vectors go (.npy)")
    args = parser.parse_args()
    with open(args.texts, encoding="utf-8") as f:
        texts: list[str] = json.load(f)
    call = builders[args.client](texts, args.base_url)
    error: str | None = None
    result: Any = None
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    try:
        result = call()
        if inspect.isawaitable(result):
            result = asyncio.run(_wait(result))
    except BaseException as exc:  # a crash is a result: report it, do not hide it
        error = f"{type(exc).__name__}: {str(exc)[:300]}"
        result = None  # not the coroutine that raised
        traceback.print_exc(file=sys.stderr)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    peak_mb = after.ru_maxrss / 1024  # kilobytes on Linux
    vectors = to_array(result, len(texts), args.dimension) if result is not None else None
    if vectors is not None:
        np.save(args.out, vectors)
    print(
        json.dumps({"wall": wall, "cpu": cpu, "peak_rss_mb": peak_mb, "error": error, "returned": vectors is not None})
    )


async def _wait(awaitable: Any) -> Any:
    return await awaitable

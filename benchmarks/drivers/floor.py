"""The floor: raw httpx, base64 decoded straight into one numpy array, 8 requests in flight.

What any client has to pay at least on this server: no framework, no
validation, batches planned with the server's own token count. It retries
429, 5xx and dropped connections (honouring ``Retry-After``) so that it
finishes under the fault and rate-limit scenarios too.

``raw-httpx-floor-list`` is the same client answering ``list[list[float]]``
(each vector turned into Python floats as its response arrives): that is
what LangChain and LlamaIndex require of every embeddings class, so it is
the floor the adapters are judged against; the numpy floor judges
``output="numpy"``.
"""

from __future__ import annotations

import asyncio
import base64
import os
import random
from typing import Any

import httpx
import numpy as np

from .common import Call, main

MODEL = "text-embedding-3-small"
IN_FLIGHT = 8
MAX_INPUTS = 2048
MAX_TOKENS = 300_000


def plan(texts: list[str]) -> list[range]:
    per = min(MAX_INPUTS, max(1, -(-len(texts) // IN_FLIGHT)))
    out, start, tokens = [], 0, 0
    for i, text in enumerate(texts):
        cost = -(-len(text.encode("utf-8")) // 4)
        if i > start and (i - start >= per or tokens + cost > MAX_TOKENS):
            out.append(range(start, i))
            start, tokens = i, 0
        tokens += cost
    out.append(range(start, len(texts)))
    return out


async def embed(texts: list[str], base_url: str, dimension: int, *, as_list: bool = False) -> Any:
    """A (n, dimension) float32 array, or with ``as_list`` one list of Python floats per text."""
    out: Any = [None] * len(texts) if as_list else np.empty((len(texts), dimension), dtype=np.float32)
    headers = {"Authorization": f"Bearer {os.environ.get('AIMLAPI_API_KEY', 'test-aimlapi-key')}"}
    limits = httpx.Limits(max_connections=IN_FLIGHT, max_keepalive_connections=IN_FLIGHT)
    slots = asyncio.Semaphore(IN_FLIGHT)
    async with httpx.AsyncClient(limits=limits, timeout=120) as http:

        async def one(batch: range) -> None:
            body = {"model": MODEL, "input": texts[batch.start : batch.stop], "encoding_format": "base64"}
            for attempt in range(12):
                async with slots:
                    try:
                        reply = await http.post(f"{base_url}/embeddings", json=body, headers=headers)
                    except httpx.TransportError:
                        reply = None
                if reply is not None and reply.status_code == 200:
                    for item in reply.json()["data"]:
                        vector = np.frombuffer(base64.b64decode(item["embedding"]), "<f4")
                        out[batch.start + item["index"]] = vector.tolist() if as_list else vector
                    return
                if reply is not None and reply.status_code not in (429,) and reply.status_code < 500:
                    reply.raise_for_status()
                hint = reply.headers.get("retry-after") if reply is not None else None
                await asyncio.sleep(float(hint) if hint else min(20.0, 0.5 * 2**attempt) * (0.5 + random.random() / 2))
            raise RuntimeError(f"batch {batch} failed 12 times")

        await asyncio.gather(*(one(b) for b in plan(texts)))
    return out


def floor(texts: list[str], base_url: str, *, as_list: bool = False) -> Call:
    dimension = int(os.environ.get("BENCH_DIMENSION", "1536"))
    return lambda: embed(texts, base_url, dimension, as_list=as_list)


BUILDERS = {
    "raw-httpx-floor": floor,
    "raw-httpx-floor-list": lambda t, u: floor(t, u, as_list=True),
}

if __name__ == "__main__":
    main(BUILDERS)

"""An in-process AI/ML API and Inworld for ``httpx.MockTransport``: records what reaches the wire.

Vectors are a hashed bag of the text's words, normalized, so texts that share
words are close and a retriever built on them finds the expected node.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import threading
import time
import zlib
from dataclasses import dataclass, field
from typing import Any

import httpx

from aiml_embeddings import MODELS


def word_vector(text: str, dim: int) -> list[float]:
    values = [0.0] * dim
    for word in re.findall(r"[a-z0-9]+", text.lower()):
        values[zlib.crc32(word.encode()) % dim] += 1.0
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    return [v / norm for v in values]


@dataclass
class FakeAPI:
    delay: float = 0.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[httpx.Headers] = field(default_factory=list)
    timeouts: list[Any] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    in_flight: int = 0
    peak: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _record(self, request: httpx.Request) -> dict[str, Any]:
        body: dict[str, Any] = json.loads(request.content)
        with self._lock:
            self.requests.append(body)
            self.headers.append(request.headers)
            self.timeouts.append(request.extensions.get("timeout"))
            self.urls.append(str(request.url))
        return body

    def _answer(self, body: dict[str, Any]) -> httpx.Response:
        if "inputs" in body:  # Inworld
            texts = [item["text"] for item in body["inputs"]]
            dim = MODELS[body["model"]["model"]].dimension or 8
            return httpx.Response(200, json={"embeddings": [{"values": word_vector(t, dim)} for t in texts]})
        texts = [body["input"]] if isinstance(body["input"], str) else list(body["input"])
        spec = MODELS.get(body["model"])
        dim = body.get("dimensions") or (spec.dimension if spec and spec.dimension else 8)
        data = [{"object": "embedding", "index": i, "embedding": word_vector(t, dim)} for i, t in enumerate(texts)]
        return httpx.Response(200, json={"object": "list", "data": data, "model": body["model"], "usage": {}})

    def _enter(self) -> None:
        with self._lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)

    def _leave(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def handle(self, request: httpx.Request) -> httpx.Response:
        body = self._record(request)
        self._enter()
        try:
            if self.delay:
                time.sleep(self.delay)
            return self._answer(body)
        finally:
            self._leave()

    async def ahandle(self, request: httpx.Request) -> httpx.Response:
        body = self._record(request)
        self._enter()
        try:
            await asyncio.sleep(self.delay)
            return self._answer(body)
        finally:
            self._leave()

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self.handle))

    def async_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self.ahandle))

    def texts(self) -> list[list[str]]:
        """The inputs of each request, in arrival order."""
        out = []
        for body in self.requests:
            if "inputs" in body:
                out.append([item["text"] for item in body["inputs"]])
            else:
                out.append([body["input"]] if isinstance(body["input"], str) else list(body["input"]))
        return out

"""An in-process stand-in for both APIs, for ``httpx.MockTransport``.

Each vector encodes its own text (first value = a stable hash of the text),
so a test can tell a misplaced, lost or duplicated vector from a right one.
"""

from __future__ import annotations

import base64
import json
import random
import struct
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from aiml_embeddings import MODELS


def marker(text: str) -> float:
    """The value a right vector for ``text`` starts with (exact in float32)."""
    return float(zlib.crc32(text.encode("utf-8")) % 65536)


def vector(text: str, dim: int) -> list[float]:
    return [marker(text)] + [float(i % 7) for i in range(1, dim)]


Fault = Callable[[httpx.Request, dict[str, Any]], httpx.Response | None]
"""Return a response to answer with instead of the normal one, or None; may raise an httpx error."""


@dataclass
class FakeAPI:
    dim: int = 8
    shuffle: bool = False
    faults: list[Fault] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers_seen: list[httpx.Headers] = field(default_factory=list)
    timeouts_seen: list[Any] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    rng: random.Random = field(default_factory=lambda: random.Random(7))

    def texts(self, body: dict[str, Any]) -> list[str]:
        if "inputs" in body:
            return [item["text"] for item in body["inputs"]]
        value = body["input"]
        return [value] if isinstance(value, str) else list(value)

    def respond(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        with self._lock:
            self.requests.append(body)
            self.headers_seen.append(request.headers)
            self.timeouts_seen.append(request.extensions.get("timeout"))
        for fault in list(self.faults):
            answer = fault(request, body)
            if answer is not None:
                return answer
        texts = self.texts(body)
        model = body["model"]["model"] if "inputs" in body else body["model"]
        known = MODELS.get(model)
        dim = body.get("dimensions") or (known.dimension if known and known.dimension else self.dim)
        if "inputs" in body:
            return httpx.Response(200, json={"embeddings": [{"values": vector(t, dim)} for t in texts]})
        as_b64 = body.get("encoding_format") == "base64"
        data = []
        for i, text in enumerate(texts):
            values = vector(text, dim)
            embedding: Any = base64.b64encode(struct.pack(f"<{dim}f", *values)).decode() if as_b64 else values
            data.append({"object": "embedding", "index": i, "embedding": embedding})
        if self.shuffle:
            self.rng.shuffle(data)
        payload = {"object": "list", "data": data, "model": body["model"], "usage": {"prompt_tokens": 1}, "meta": {}}
        return httpx.Response(200, json=payload, headers={"x-request-id": f"req-{len(self.requests)}"})

    def sync(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self._sync_handler))

    def async_(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self._async_handler))

    def _sync_handler(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            import time

            time.sleep(0.002)
            return self.respond(request)
        finally:
            with self._lock:
                self.in_flight -= 1

    async def _async_handler(self, request: httpx.Request) -> httpx.Response:
        import asyncio

        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0.002)
            return self.respond(request)
        finally:
            self.in_flight -= 1


def times(n: int, make: Callable[[httpx.Request, dict[str, Any]], httpx.Response | None]) -> Fault:
    """A fault that strikes the first ``n`` requests it sees, then stays quiet."""
    left = [n]
    lock = threading.Lock()

    def fault(request: httpx.Request, body: dict[str, Any]) -> httpx.Response | None:
        with lock:
            if left[0] <= 0:
                return None
            left[0] -= 1
        return make(request, body)

    return fault


def status(code: int, headers: dict[str, str] | None = None, body: Any = None) -> Callable[..., httpx.Response]:
    payload = body if body is not None else {"message": f"fault {code}", "statusCode": str(code), "requestId": "rid-1"}
    return lambda request, body_: httpx.Response(code, json=payload, headers=headers or {})


def drop(request: httpx.Request, body: dict[str, Any]) -> httpx.Response:
    raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)

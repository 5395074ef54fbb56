"""An in-process stand-in for both APIs, plugged in through ``httpx.MockTransport``.

It records every request so a test can assert what a setting put on the
wire, and can hold each request for a moment so concurrency is observable.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from aiml_embeddings import MODELS


@dataclass
class FakeAPI:
    """Answers AI/ML API and Inworld embedding requests with small deterministic vectors."""

    hold: float = 0.0
    status: int = 200
    error_body: dict[str, Any] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)
    threads: set[int] = field(default_factory=set)
    in_flight: int = 0
    max_in_flight: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # --- what the tests read -------------------------------------------------

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.requests]

    def inputs(self) -> list[list[str]]:
        """Each request's texts as a list, whatever form the body used."""
        out = []
        for body in self.bodies():
            if "inputs" in body:
                out.append([i["text"] for i in body["inputs"]])
            else:
                raw = body["input"]
                out.append([raw] if isinstance(raw, str) else list(raw))
        return out

    # --- the transports ----------------------------------------------------------

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self._sync))

    def async_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self._async))

    def _sync(self, request: httpx.Request) -> httpx.Response:
        self._enter(request)
        try:
            if self.hold:
                time.sleep(self.hold)
            return self._answer(request)
        finally:
            self._leave()

    async def _async(self, request: httpx.Request) -> httpx.Response:
        self._enter(request)
        try:
            if self.hold:
                await asyncio.sleep(self.hold)
            return self._answer(request)
        finally:
            self._leave()

    def _enter(self, request: httpx.Request) -> None:
        with self._lock:
            self.requests.append(request)
            self.threads.add(threading.get_ident())
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def _leave(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def _answer(self, request: httpx.Request) -> httpx.Response:
        if self.status != 200:
            return httpx.Response(self.status, json=self.error_body)
        body = json.loads(request.content)
        if "inputs" in body:
            texts = [i["text"] for i in body["inputs"]]
            spec = MODELS[body["model"]["model"]]
            return httpx.Response(
                200, json={"embeddings": [{"values": _vector(t, spec.dimension or 8)} for t in texts]}
            )
        raw = body["input"]
        texts = [raw] if isinstance(raw, str) else raw
        size = body.get("dimensions") or MODELS[body["model"]].dimension or 8
        data = [{"object": "embedding", "index": i, "embedding": _vector(t, size)} for i, t in enumerate(texts)]
        return httpx.Response(200, json={"object": "list", "data": data[::-1], "model": body["model"]})


def _vector(text: str, size: int) -> list[float]:
    """Distinct per text and per position, so order mix-ups show."""
    seed = sum(map(ord, text)) % 97 + 1
    return [float((seed * (i + 1)) % 13) / 13.0 for i in range(size)]

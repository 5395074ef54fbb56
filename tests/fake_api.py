"""One in-process stand-in for both APIs (the AI/ML API and Inworld), plugged in through ``httpx.MockTransport``.

Every test folder uses this one fake, so a change to either API's JSON is made
once. It records each request (its JSON body, with the url, headers, timeout
and thread it came with) so a test can assert what a setting put on the wire;
it can hold each request a moment so concurrency is observable; and faults let
a test answer some or all requests differently (``faults.append(status(401))``
is a fixed error answer; ``times(2, drop)`` drops the first two connections).

Vectors follow one of two recipes, chosen per fake:

- ``"marker"`` (the default): the first value is a stable hash of the text
  (``marker``), so a misplaced, lost or duplicated vector is told from a right one;
- ``"words"``: a normalized hashed bag of the text's words (``word_vector``),
  so texts that share words are close and a retriever finds the expected node.
"""

from __future__ import annotations

import asyncio
import base64
import json
import math
import random
import re
import struct
import threading
import time
import zlib
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from aiml_embeddings import MODELS


def marker(text: str) -> float:
    """The value a right ``"marker"`` vector for ``text`` starts with (exact in float32)."""
    return float(zlib.crc32(text.encode("utf-8")) % 65536)


def marker_vector(text: str, dim: int) -> list[float]:
    """The ``"marker"`` recipe: ``marker(text)`` first, then a fixed ramp, so every value is exact in float32."""
    return [marker(text)] + [float(i % 7) for i in range(1, dim)]


def word_vector(text: str, dim: int) -> list[float]:
    """The ``"words"`` recipe: a unit-length hashed bag of words, so texts sharing words score close.

    Rounded to float32, so a vector sent as base64 arrives equal to this one.
    """
    values = [0.0] * dim
    for word in re.findall(r"[a-z0-9]+", text.lower()):
        values[zlib.crc32(word.encode()) % dim] += 1.0
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    return array("f", [v / norm for v in values]).tolist()


RECIPES: dict[str, Callable[[str, int], list[float]]] = {"marker": marker_vector, "words": word_vector}


def texts_in(body: dict[str, Any]) -> list[str]:
    """The texts one request body carries, whichever API's form it uses (Inworld ``inputs`` or ``input``)."""
    if "inputs" in body:
        return [item["text"] for item in body["inputs"]]
    value = body["input"]
    return [value] if isinstance(value, str) else list(value)


class Sent(dict[str, Any]):
    """One recorded request: its JSON body (this dict), with what came with it as attributes."""

    def __init__(self, body: dict[str, Any], request: httpx.Request) -> None:
        super().__init__(body)
        self.url: str = str(request.url)
        """The full URL it was sent to."""
        self.headers: httpx.Headers = request.headers
        """Its headers (the authorization header included: a test may check the key that was sent)."""
        self.timeout: dict[str, float | None] = request.extensions.get("timeout", {})
        """httpx's per-request timeout (``{"connect", "read", "write", "pool"}``); empty when none was set."""
        self.thread: int = threading.get_ident()
        """The thread that handled it (an async request runs on its event loop's thread)."""


Fault = Callable[[httpx.Request, dict[str, Any]], httpx.Response | None]
"""Return a response to answer with instead of the normal one, or None; may raise an httpx error."""


@dataclass
class FakeAPI:
    """Answers AI/ML API and Inworld embedding requests with deterministic vectors, and records them."""

    vectors: Literal["marker", "words"] = "marker"
    """Which recipe makes the vectors (see the module docstring)."""
    dim: int = 8
    """The vector size when the body asks none and the registry gives none (an unknown model)."""
    hold: float = 0.002
    """Seconds each request is held before it is answered: short by default, so concurrent requests overlap."""
    shuffle: bool = False
    """Answer the AI/ML API's ``data`` never in index order (two or more items), so the client must sort."""
    faults: list[Fault] = field(default_factory=list)
    """Asked in turn before each normal answer; the first to return a response (or raise) wins."""
    requests: list[Sent] = field(default_factory=list)
    """Every request that reached the fake, faulted ones included, in arrival order."""
    in_flight: int = 0
    """Requests being held or answered right now."""
    max_in_flight: int = 0
    """The most requests ever in flight at once: what a concurrency bound is checked against."""
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    """The seeded source of ``shuffle``'s orders, so a failing run repeats."""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # --- what the tests read -------------------------------------------------

    def texts(self) -> list[list[str]]:
        """Each request's texts as a list, in arrival order."""
        return [texts_in(body) for body in self.requests]

    # --- the transports ------------------------------------------------------

    def sync(self) -> httpx.Client:
        """An ``httpx.Client`` whose every request this fake answers."""
        return httpx.Client(transport=httpx.MockTransport(self.handle))

    def async_(self) -> httpx.AsyncClient:
        """An ``httpx.AsyncClient`` whose every request this fake answers."""
        return httpx.AsyncClient(transport=httpx.MockTransport(self.ahandle))

    def handle(self, request: httpx.Request) -> httpx.Response:
        """The sync transport's handler: count it in flight, hold it, answer it."""
        self._enter()
        try:
            time.sleep(self.hold)
            return self.respond(request)
        finally:
            self._leave()

    async def ahandle(self, request: httpx.Request) -> httpx.Response:
        """The async transport's handler: the same, holding without blocking the event loop."""
        self._enter()
        try:
            await asyncio.sleep(self.hold)
            return self.respond(request)
        finally:
            self._leave()

    def _enter(self) -> None:
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def _leave(self) -> None:
        with self._lock:
            self.in_flight -= 1

    # --- the answers ---------------------------------------------------------

    def respond(self, request: httpx.Request) -> httpx.Response:
        """Record ``request`` and answer it: the first fault that speaks, else the normal answer.

        The handlers look this up on the instance, so a test may wrap it (to add usage, say);
        the loopback server calls it for requests that came over a real socket.
        """
        body = Sent(json.loads(request.content), request)
        with self._lock:
            self.requests.append(body)
        for fault in list(self.faults):
            answer = fault(request, body)
            if answer is not None:
                return answer
        return self._answer(body)

    def _answer(self, body: dict[str, Any]) -> httpx.Response:
        inworld = "inputs" in body
        model = body["model"]["model"] if inworld else body["model"]
        known = MODELS.get(model)
        dim = body.get("dimensions") or (known.dimension if known and known.dimension else self.dim)
        recipe = RECIPES[self.vectors]
        texts = texts_in(body)
        if inworld:
            return httpx.Response(200, json={"embeddings": [{"values": recipe(t, dim)} for t in texts]})
        as_b64 = body.get("encoding_format") == "base64"
        data = []
        for i, text in enumerate(texts):
            values = recipe(text, dim)
            embedding: Any = base64.b64encode(struct.pack(f"<{dim}f", *values)).decode() if as_b64 else values
            data.append({"object": "embedding", "index": i, "embedding": embedding})
        if self.shuffle:
            self._disorder(data)
        payload = {"object": "list", "data": data, "model": model, "usage": {"prompt_tokens": 1}, "meta": {}}
        return httpx.Response(200, json=payload, headers={"x-request-id": f"req-{len(self.requests)}"})

    def _disorder(self, data: list[dict[str, Any]]) -> None:
        """Shuffle ``data`` in place; reversed when the shuffle happens to keep index order."""
        with self._lock:
            self.rng.shuffle(data)
        if len(data) > 1 and all(item["index"] == i for i, item in enumerate(data)):
            data.reverse()


# --- faults ------------------------------------------------------------------


def times(n: int, make: Fault) -> Fault:
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


def status(code: int, headers: dict[str, str] | None = None, body: Any = None) -> Fault:
    """A fault answering every request it sees with ``code`` and ``body`` (the documented error JSON by default)."""
    payload = body if body is not None else {"message": f"fault {code}", "statusCode": str(code), "requestId": "rid-1"}
    return lambda request, body_: httpx.Response(code, json=payload, headers=headers or {})


def drop(request: httpx.Request, body: dict[str, Any]) -> httpx.Response:
    """A fault that drops the connection without an answer."""
    raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)

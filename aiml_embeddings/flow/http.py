"""One bounded request: the whole attempt within ``timeout``, the answer within a size its batch explains.

httpx's timeouts bound each network operation, so a server that trickles
one byte at a time is never timed out, and httpx reads and inflates any
answer whole, so a gzip bomb costs its inflated size in memory before any
check. Here the answer is streamed instead: each attempt has a wall-clock
deadline (the largest of the timeout's phases), and the body is inflated
chunk by chunk into a buffer that stops at a cap derived from the batch
(inputs x dimension x bytes per value, with room to spare).

Headers go to httpx as ``httpx.Headers``, whose repr masks the
Authorization value, so frame locals captured inside httpx do not show it.

``timeout=None`` means no timeout and no deadline; an ``httpx.Timeout``
keeps its per-phase meaning, and its largest phase bounds the whole attempt.

Async attempts are cancelled at the deadline itself, wherever they are.
Sync attempts on the ``httpx.Client`` this package builds end there too:
each socket read, write and connect waits at most the time left, headers
included (``flow/deadline.py``). With an ``http_client=`` of the caller's
own, which is never altered, sync attempts check the deadline as each chunk
of the body arrives, so they can overrun it by one per-read timeout, and
until the headers have come only httpx's per-phase timeouts bound them.
"""

from __future__ import annotations

import asyncio
import time
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import httpx

from ..plan import MAX_VALUES_PER_RESPONSE
from .deadline import until

if TYPE_CHECKING:
    from .batch import Send

BYTES_PER_VALUE = 32
"""The most a float64 takes in a JSON answer: 24 characters, a separator and a pretty-printer's indent."""

ANSWER_SLACK = 2
"""Room beyond the estimate, so a verbose but honest server is never cut off."""

ANSWER_OVERHEAD = 1 << 20
"""Bytes allowed besides the vectors: usage, meta, model name, whitespace."""

UNKNOWN_DIMENSION = 16384
"""The vector length assumed for a model the registry does not know, until its first answer says."""

ERROR_BODY_BYTES = 64 << 10
"""An error answer is read this far and no further: the message that matters is at its start."""

_PASSTHROUGH = frozenset({"", "identity"})
_INFLATE_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


def answer_cap(inputs: int, dimension: int | None) -> int:
    """The most bytes an honest answer for ``inputs`` vectors of ``dimension`` values can take, doubled."""
    values = inputs * (dimension or UNKNOWN_DIMENSION)
    return ANSWER_SLACK * values * BYTES_PER_VALUE + ANSWER_OVERHEAD


LARGEST_ANSWER = answer_cap(1, MAX_VALUES_PER_RESPONSE)
"""The cap for a request that names none: the planner never asks for more values in one answer."""


@dataclass(frozen=True)
class BadBody:
    """A 2xx answer whose body could not be read within bounds: too large, or not decodable."""

    problem: str
    status_code: int
    request_id: str | None = field(repr=False)
    """As the server sent it, so kept out of the repr: the flow cleans it before it enters an error."""


Answered = httpx.Response | BadBody
"""What one attempt that got an answer hands back to the flow."""


class _TooLarge(Exception):
    pass


class _Collector:
    """An answer's body, inflated chunk by chunk, never past ``limit`` bytes.

    gzip and deflate are inflated here with a bound on each step's output,
    so a bomb stops at the cap; any other encoding goes through httpx's
    own decoders, checked after each chunk.
    """

    def __init__(self, response: httpx.Response, cap: int) -> None:
        self.response = response
        self.success = response.is_success
        self.limit = cap if self.success else min(cap, ERROR_BODY_BYTES)
        encoding = response.headers.get("content-encoding", "").strip().lower()
        wbits = _INFLATE_WBITS.get(encoding)
        self.raw = encoding in _PASSTHROUGH or wbits is not None
        self.wbits = wbits or 0
        self.inflater = zlib.decompressobj(wbits) if wbits is not None else None
        self.parts: list[bytes] = []
        self.size = 0

    def feed(self, chunk: bytes) -> None:
        if self.inflater is None:
            self._keep(chunk)
            return
        data = chunk
        while data:
            room = self.limit - self.size + 1
            try:
                out = self.inflater.decompress(data, room)
            except zlib.error:
                if self.wbits != zlib.MAX_WBITS or self.size:
                    raise
                self.wbits = -zlib.MAX_WBITS  # "deflate" sent raw, without the zlib header, as some servers do
                self.inflater = zlib.decompressobj(self.wbits)
                continue
            self._keep(out)
            data = self.inflater.unconsumed_tail
            if self.inflater.eof and self.inflater.unused_data:  # a gzip body may hold several members
                data = self.inflater.unused_data
                self.inflater = zlib.decompressobj(self.wbits)

    def _keep(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.limit:
            if not self.success:  # keep the start of an error answer; the rest says nothing new
                self.parts.append(data[: len(data) - (self.size - self.limit)])
                self.size = self.limit
            raise _TooLarge
        self.parts.append(data)

    def reply(self) -> httpx.Response:
        """The answer with its body in memory, as the flow reads it (decoded, so no encoding header)."""
        dropped = {"content-encoding", "content-length", "transfer-encoding"}
        headers = [(k, v) for k, v in self.response.headers.multi_items() if k.lower() not in dropped]
        return httpx.Response(
            self.response.status_code,
            headers=headers,
            content=b"".join(self.parts),
            request=self.response.request,
        )

    def too_large(self) -> Answered:
        return self._bad(f"is larger than the {self.limit} bytes an answer for this batch can take")

    def undecodable(self, exc: Exception) -> Answered:
        return self._bad(f"has a body that cannot be decoded ({type(exc).__name__})")

    def _bad(self, problem: str) -> Answered:
        """A 2xx answer that cannot be used; an error answer keeps what was read of it (its message comes first)."""
        if not self.success:
            return self.reply()
        return BadBody(problem, self.response.status_code, self.response.headers.get("x-request-id"))


def _in_memory(response: httpx.Response, cap: int) -> Answered:
    """An answer the transport already read whole (an in-process transport): only its size is left to check."""
    if response.is_success and len(response.content) > cap:
        return BadBody(
            f"is larger than the {cap} bytes an answer for this batch can take",
            response.status_code,
            response.headers.get("x-request-id"),
        )
    return response


def _whole_request(timeout: httpx.Timeout | None) -> float | None:
    """Seconds the whole attempt may take: the largest phase of ``timeout`` (None: unbounded)."""
    if timeout is None:
        return None
    phases = [v for v in (timeout.connect, timeout.read, timeout.write, timeout.pool) if v is not None]
    return max(phases) if phases else None


def _late(seconds: float, request: httpx.Request) -> httpx.TimeoutException:
    return httpx.ReadTimeout(f"no whole answer within {seconds:g} s", request=request)


def send_sync(client: httpx.Client, send: Send, timeout: httpx.Timeout | None) -> Answered:
    """Send once: the answer read whole within the deadline and the size cap, or ``BadBody``.

    Raises ``httpx.RequestError`` (a ``ReadTimeout`` past the deadline) as
    ``client.post`` would, so the drivers handle every failure to get an answer alike.
    """
    budget = _whole_request(timeout)
    deadline = time.monotonic() + budget if budget is not None else None
    with until(deadline), client.stream(
        "POST", send.url, content=send.body, headers=httpx.Headers(send.headers), timeout=timeout
    ) as response:
        if response.is_stream_consumed:
            return _in_memory(response, send.max_answer_bytes)
        body = _Collector(response, send.max_answer_bytes)
        try:
            for chunk in response.iter_raw() if body.raw else response.iter_bytes():
                body.feed(chunk)
                if deadline is not None and time.monotonic() > deadline:
                    raise _late(budget or 0.0, response.request)
        except _TooLarge:
            return body.too_large()
        except (zlib.error, httpx.DecodingError) as exc:
            return body.undecodable(exc)
        return body.reply()


async def send_async(client: httpx.AsyncClient, send: Send, timeout: httpx.Timeout | None) -> Answered:
    """The async twin of ``send_sync``; here the deadline cancels the attempt wherever it is."""
    budget = _whole_request(timeout)
    if budget is None:
        return await _attempt_async(client, send, timeout)
    try:
        return await asyncio.wait_for(_attempt_async(client, send, timeout), budget)
    except asyncio.TimeoutError:
        raise _late(budget, client.build_request("POST", send.url)) from None


async def _attempt_async(client: httpx.AsyncClient, send: Send, timeout: httpx.Timeout | None) -> Answered:
    async with client.stream(
        "POST", send.url, content=send.body, headers=httpx.Headers(send.headers), timeout=timeout
    ) as response:
        if response.is_stream_consumed:
            return _in_memory(response, send.max_answer_bytes)
        body = _Collector(response, send.max_answer_bytes)
        try:
            async for chunk in response.aiter_raw() if body.raw else response.aiter_bytes():
                body.feed(chunk)
        except _TooLarge:
            return body.too_large()
        except (zlib.error, httpx.DecodingError) as exc:
            return body.undecodable(exc)
        return body.reply()

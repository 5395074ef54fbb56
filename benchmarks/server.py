"""A loopback server that speaks the AI/ML API and Inworld embeddings, with faults on demand.

One asyncio process, HTTP/1.1 with keep-alive, responses built by string
joins from pre-encoded vectors (see ``vectors.py``): on a 2-core machine
the server must cost far less than the clients it measures. It listens on
127.0.0.1 only and exits by itself after ``--max-seconds``.

Control endpoints (no auth, loopback only):
``POST /_bench/config`` sets a ``Config`` (JSON) and resets counters,
random faults and rate-limit buckets; ``GET /_bench/stats`` reads counters.

Run: ``python -m benchmarks.server [--port 0]``; it prints ``PORT <n>``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from typing import Any

from .vectors import vector_base64, vector_json

DIMENSIONS = {"text-embedding-3-small": 1536, "text-embedding-3-large": 3072, "text-embedding-ada-002": 1536}
"""Native lengths of the models the benchmark uses; any other AI/ML API model answers 1024, Inworld 768."""
INWORLD_DIMENSION = 768
AIML_PATH = "/v1/embeddings"
INWORLD_PATH = "/ml/v1alpha/embedding:embed"
MAX_HEADER_BYTES = 64 * 1024


@dataclass
class Config:
    """One scenario's server behaviour; every field has the benign default."""

    latency_base: float = 0.05
    """Seconds per request, on top of ``latency_per_1k_tokens`` (the issue's latency model)."""
    latency_per_1k_tokens: float = 0.01
    max_inputs: int = 2048
    max_tokens: int = 300_000
    max_body_bytes: int = 64 * 1024 * 1024
    requests_per_minute: float | None = None
    tokens_per_minute: float | None = None
    burst_seconds: float = 60.0
    """Bucket size in seconds of the rate (60: a full minute's quota, as providers grant it)."""
    retry_after: bool = False
    """Send ``Retry-After`` (the seconds until the bucket holds enough, rounded up) with every 429."""
    ratelimit_headers: bool = False
    """Send ``x-ratelimit-{limit,remaining,reset}-{requests,tokens}`` on every answer, as OpenAI does
    (limit: what the bucket holds; reset: the time until it is full again)."""
    concurrency_limit: int | None = None
    """Refuse (429, no ``Retry-After``) a request that arrives while this many are being served."""
    error_rate: float = 0.0
    """Share of accepted requests answered 500/502/503."""
    drop_rate: float = 0.0
    """Share of accepted requests whose connection is closed without an answer."""
    fault_first: int = 0
    """The first this-many admitted requests fail for sure, alternating 5xx and a drop (the smoke test's faults)."""
    slow_rate: float = 0.0
    slow_seconds: float = 1.0
    shuffle: bool = False
    """List ``data`` in random order (``index`` stays true), as the OpenAI-compatible API may."""
    seed: int = 0


@dataclass
class Stats:
    requests: int = 0
    answered_200: int = 0
    rate_limited_429: int = 0
    rejected_4xx: int = 0
    injected_5xx: int = 0
    dropped: int = 0
    slowed: int = 0
    inputs_embedded: int = 0
    tokens_embedded: int = 0
    requests_admitted: int = 0
    tokens_admitted: int = 0
    last_admit: float | None = None
    in_flight: int = 0
    max_in_flight: int = 0
    first_request: float | None = None
    last_answer: float | None = None


class Bucket:
    """A token bucket refilled continuously; starts full, as a fresh quota minute does."""

    def __init__(self, per_minute: float, burst_seconds: float, clock: Callable[[], float]) -> None:
        self.rate = per_minute / 60.0
        self.capacity = self.rate * burst_seconds
        self.level = self.capacity
        self.clock = clock
        self.stamp = clock()

    def refill(self) -> None:
        now = self.clock()
        self.level = min(self.capacity, self.level + (now - self.stamp) * self.rate)
        self.stamp = now

    def wait_for(self, amount: float) -> float:
        """Seconds until ``amount`` fits (inf if it never can: larger than the bucket)."""
        if amount > self.capacity:
            return math.inf
        return max(0.0, (amount - self.level) / self.rate)


def count_tokens(text: str) -> int:
    """The server's token count: about 4 UTF-8 bytes per token, as English runs with OpenAI's tokenizers."""
    return -(-len(text.encode("utf-8")) // 4)


class Rejection(Exception):
    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


class BenchServer:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.configure(Config())

    def configure(self, config: Config) -> None:
        self.config = config
        self.stats = Stats()
        self.random = random.Random(config.seed)
        self.buckets: list[tuple[Bucket, bool]] = []
        if config.requests_per_minute:
            self.buckets.append((Bucket(config.requests_per_minute, config.burst_seconds, self.clock), False))
        if config.tokens_per_minute:
            self.buckets.append((Bucket(config.tokens_per_minute, config.burst_seconds, self.clock), True))
        self.request_seq = 0

    # --- HTTP ---------------------------------------------------------------

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                if len(head) > MAX_HEADER_BYTES:
                    return
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        name, value = line.split(":", 1)
                        headers[name.strip().lower()] = value.strip()
                body = await _read_body(reader, headers)
                keep = await self.route(method, target.split("?", 1)[0], headers, body, writer)
                if not keep or headers.get("connection", "").lower() == "close":
                    return
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError, ValueError):
            return
        finally:
            writer.close()

    async def route(
        self, method: str, path: str, headers: dict[str, str], body: bytes, writer: asyncio.StreamWriter
    ) -> bool:
        if path == "/_bench/config" and method == "POST":
            known = {f.name for f in fields(Config)}
            self.configure(Config(**{k: v for k, v in json.loads(body or b"{}").items() if k in known}))
            await _write(writer, 200, json.dumps(asdict(self.config)))
            return True
        if path == "/_bench/stats" and method == "GET":
            await _write(writer, 200, json.dumps(asdict(self.stats)))
            return True
        if method != "POST" or path not in (AIML_PATH, INWORLD_PATH):
            await _write(writer, 404, json.dumps({"message": f"no route {method} {path}", "statusCode": 404}))
            return True
        return await self.embed(path == INWORLD_PATH, headers, body, writer)

    async def embed(self, inworld: bool, headers: dict[str, str], body: bytes, writer: asyncio.StreamWriter) -> bool:
        stats = self.stats
        stats.requests += 1
        if stats.first_request is None:
            stats.first_request = self.clock()
        self.request_seq += 1
        request_id = f"bench-{self.request_seq}"
        try:
            texts, model, dimension, base64_out = self.parse(inworld, headers, body)
            tokens = [count_tokens(t) for t in texts]
            total = sum(tokens)
            self.refuse_concurrency(inworld)
            window = self.limit(total, inworld)
        except Rejection as no:
            if no.status == 429:
                stats.rate_limited_429 += 1
            else:
                stats.rejected_4xx += 1
            await _write(writer, no.status, json.dumps(no.body), no.headers, request_id)
            return True
        stats.in_flight += 1
        stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
        try:
            return await self.answer(inworld, texts, model, dimension, base64_out, total, writer, request_id, window)
        finally:
            stats.in_flight -= 1

    async def answer(
        self,
        inworld: bool,
        texts: list[str],
        model: str,
        dimension: int,
        base64_out: bool,
        total: int,
        writer: asyncio.StreamWriter,
        request_id: str,
        window: dict[str, str],
    ) -> bool:
        config, stats = self.config, self.stats
        roll = self.random.random()
        if stats.requests_admitted <= config.fault_first:
            fault: str | None = "drop" if stats.requests_admitted % 2 else "5xx"
        elif roll < config.drop_rate:
            fault = "drop"
        elif roll < config.drop_rate + config.error_rate:
            fault = "5xx"
        else:
            fault = None
        delay = config.latency_base + config.latency_per_1k_tokens * total / 1000
        if self.random.random() < config.slow_rate:
            stats.slowed += 1
            delay += config.slow_seconds
        await asyncio.sleep(delay)
        if fault == "drop":
            stats.dropped += 1
            writer.transport.abort()
            return False
        if fault == "5xx":
            stats.injected_5xx += 1
            status = self.random.choice((500, 502, 503))
            await _write(
                writer, status, json.dumps(_error_body(status, "injected server error", inworld)), window, request_id
            )
            return True
        if inworld:
            payload = '{"embeddings":[' + ",".join(f'{{"values":{vector_json(t, dimension)}}}' for t in texts) + "]}"
        else:
            order = list(range(len(texts)))
            if config.shuffle:
                self.random.shuffle(order)
            encode = vector_base64 if base64_out else vector_json
            quote = '"' if base64_out else ""
            items = ",".join(
                f'{{"object":"embedding","index":{i},"embedding":{quote}{encode(texts[i], dimension)}{quote}}}'
                for i in order
            )
            payload = (
                f'{{"object":"list","data":[{items}],"model":{json.dumps(model)},'
                f'"usage":{{"prompt_tokens":{total},"total_tokens":{total}}},'
                f'"meta":{{"usage":{{"credits_used":{total * 2}}}}}}}'
            )
        stats.answered_200 += 1
        stats.inputs_embedded += len(texts)
        stats.tokens_embedded += total
        stats.last_answer = self.clock()
        await _write(writer, 200, payload, window, request_id)
        return True

    # --- the API's rules ----------------------------------------------------

    def parse(self, inworld: bool, headers: dict[str, str], body: bytes) -> tuple[list[str], str, int, bool]:
        auth = headers.get("authorization", "")
        scheme = "Basic " if inworld else "Bearer "
        if not auth.startswith(scheme) or not auth[len(scheme) :].strip():
            raise Rejection(401, _error_body(401, f"missing or malformed {scheme.strip()} authorization", inworld))
        if len(body) > self.config.max_body_bytes:
            raise Rejection(413, _error_body(413, "request entity too large", inworld))
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise Rejection(400, _error_body(400, "body is not valid JSON", inworld)) from exc
        if not isinstance(data, dict):
            raise Rejection(400, _error_body(400, "body must be a JSON object", inworld))
        return self._inworld(data) if inworld else self._aiml(data)

    def _aiml(self, data: dict[str, Any]) -> tuple[list[str], str, int, bool]:
        model = data.get("model")
        raw = data.get("input")
        texts = [raw] if isinstance(raw, str) else raw
        if not isinstance(model, str) or not model:
            raise Rejection(400, _error_body(400, "model must be a non-empty string", False))
        if not isinstance(texts, list) or not texts or not all(isinstance(t, str) and t for t in texts):
            raise Rejection(400, _error_body(400, "input must be a non-empty string or array of non-empty strings"))
        if len(texts) > self.config.max_inputs:
            raise Rejection(
                400, _error_body(400, f"'$.input' is invalid: array too long, maximum {self.config.max_inputs} items")
            )
        total = sum(count_tokens(t) for t in texts)
        if total > self.config.max_tokens:
            # The live API's own wording for this rejection.
            raise Rejection(
                400, _error_body(400, f"Requested {total} tokens, max {self.config.max_tokens} tokens per request")
            )
        native = DIMENSIONS.get(model, 1024)
        dimension = data.get("dimensions", native)
        if not isinstance(dimension, int) or isinstance(dimension, bool) or not 1 <= dimension <= native:
            raise Rejection(400, _error_body(400, f"dimensions must be an integer in 1..{native}"))
        encoding = data.get("encoding_format", "float")
        if encoding not in ("float", "base64"):
            raise Rejection(400, _error_body(400, "encoding_format must be 'float' or 'base64'"))
        return texts, model, dimension, encoding == "base64"

    def _inworld(self, data: dict[str, Any]) -> tuple[list[str], str, int, bool]:
        inputs = data.get("inputs")
        model = data.get("model")
        if not isinstance(inputs, list) or not inputs:
            raise Rejection(400, _error_body(400, "inputs must be a non-empty array", True))
        texts = [item.get("text") if isinstance(item, dict) else None for item in inputs]
        if not all(isinstance(t, str) and t for t in texts):
            raise Rejection(400, _error_body(400, "every input needs a non-empty text", True))
        if not isinstance(model, dict) or not isinstance(model.get("model"), str):
            raise Rejection(400, _error_body(400, "model.model is required", True))
        if len(texts) > self.config.max_inputs:
            raise Rejection(400, _error_body(400, f"too many inputs: maximum {self.config.max_inputs}", True))
        total = sum(count_tokens(str(t)) for t in texts)
        if total > self.config.max_tokens:
            raise Rejection(
                400, _error_body(400, f"input exceeds the maximum of {self.config.max_tokens} tokens", True)
            )
        return texts, model["model"], INWORLD_DIMENSION, False  # type: ignore[return-value]

    def refuse_concurrency(self, inworld: bool) -> None:
        limit = self.config.concurrency_limit
        if limit is not None and self.stats.in_flight >= limit:
            raise Rejection(429, _error_body(429, f"Too many concurrent requests (limit {limit})", inworld))

    def limit(self, tokens: int, inworld: bool) -> dict[str, str]:
        """Take one request and ``tokens`` from the buckets, or answer 429 (taking nothing).

        Returns the ``x-ratelimit-*`` headers of the answer (when the scenario
        sends them). Admissions are stamped: how fast tokens got past the
        limit is the rate-limit scenario's throughput, whatever the latency.
        """
        waits = []
        for bucket, by_tokens in self.buckets:
            bucket.refill()
            waits.append(bucket.wait_for(tokens if by_tokens else 1))
        wait = max(waits, default=0.0)
        if wait > 0:
            headers = self.window()
            if self.config.retry_after and math.isfinite(wait):
                headers["Retry-After"] = str(max(1, math.ceil(wait)))
            raise Rejection(429, _error_body(429, "Rate limit exceeded, slow down", inworld), headers)
        for bucket, by_tokens in self.buckets:
            bucket.level -= tokens if by_tokens else 1
        self.stats.requests_admitted += 1
        self.stats.tokens_admitted += tokens
        self.stats.last_admit = self.clock()
        return self.window()

    def window(self) -> dict[str, str]:
        if not self.config.ratelimit_headers:
            return {}
        out = {}
        for bucket, by_tokens in self.buckets:
            kind = "tokens" if by_tokens else "requests"
            out[f"x-ratelimit-limit-{kind}"] = str(int(bucket.capacity))
            out[f"x-ratelimit-remaining-{kind}"] = str(max(0, int(bucket.level)))
            out[f"x-ratelimit-reset-{kind}"] = _duration((bucket.capacity - bucket.level) / bucket.rate)
        return out


def _duration(seconds: float) -> str:
    """OpenAI's forms: ``"17ms"``, ``"1.5s"``, ``"6m0s"``."""
    if seconds < 1:
        return f"{max(0, round(seconds * 1000))}ms"
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}m{rest:.0f}s" if minutes else f"{rest:.3g}s"


def _error_body(status: int, message: str, inworld: bool = False) -> dict[str, Any]:
    if inworld:
        grpc = {400: 3, 401: 16, 413: 3, 429: 8}.get(status, 13)
        return {"code": grpc, "message": message, "details": []}
    return {"message": message, "path": "/v1/embeddings", "requestId": "bench", "statusCode": status}


_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    413: "Payload Too Large",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


async def _write(
    writer: asyncio.StreamWriter,
    status: int,
    payload: str,
    headers: dict[str, str] | None = None,
    request_id: str | None = None,
) -> None:
    body = payload.encode("utf-8")
    extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    if request_id:
        extra += f"x-request-id: {request_id}\r\n"
    head = (
        f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\n{extra}\r\n"
    )
    writer.write(head.encode("latin-1") + body)
    await writer.drain()


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if headers.get("transfer-encoding", "").lower() == "chunked":
        parts: list[bytes] = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                return b"".join(parts)
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
    length = int(headers.get("content-length", "0"))
    return await reader.readexactly(length) if length else b""


async def serve(port: int, max_seconds: float, ready: Callable[[int], None] | None = None) -> None:
    bench = BenchServer()
    server = await asyncio.start_server(bench.handle, "127.0.0.1", port, limit=MAX_HEADER_BYTES, backlog=1024)
    bound = server.sockets[0].getsockname()[1]
    if ready is not None:
        ready(bound)
    async with server:
        with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(server.serve_forever(), timeout=max_seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--max-seconds", type=float, default=4 * 3600, help="exit after this long, whatever happens")
    args = parser.parse_args()
    asyncio.run(serve(args.port, args.max_seconds, lambda p: print(f"PORT {p}", flush=True)))


if __name__ == "__main__":
    main()


__all__ = ["BenchServer", "Config", "Stats", "serve", "count_tokens"]

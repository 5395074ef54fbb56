"""What checking every vector value costs: decode with and without the check, JSON floats and base64.

    python -m benchmarks.value_check            # 10,000 vectors of 1536 values, medians of 3

Each answer is decoded as the client does it (``json.loads`` of the body,
then the codec's ``decode``), in answers of 100 vectors. "Without" swaps the
two check functions of ``aiml_embeddings.wire.base`` for ones that pass
everything, so the difference is the check and nothing else.

Then the share of a whole call: ``EmbeddingsClient.embed`` of the
short-text scenario's 10,000 texts (base64, as text-embedding-3-small
answers), list and numpy output, against an in-process transport that hands
back answers made beforehand, so nearly all the CPU measured is the
client's. With and without the check alternate run by run, so a change in
the machine's load hits both.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import statistics
import struct
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from aiml_embeddings import EmbeddingsClient
from aiml_embeddings.wire import AIMLAPICodec, Answer
from aiml_embeddings.wire import base as wire_base

from .scenarios import short_texts


def _bodies(vectors: int, dim: int, per_answer: int, as_base64: bool, seed: int = 5) -> list[bytes]:
    rng = random.Random(seed)
    bodies = []
    for start in range(0, vectors, per_answer):
        data = []
        for i in range(min(per_answer, vectors - start)):
            values = [rng.uniform(-0.1, 0.1) for _ in range(dim)]
            embedding: Any = base64.b64encode(struct.pack(f"<{dim}f", *values)).decode() if as_base64 else values
            data.append({"object": "embedding", "index": i, "embedding": embedding})
        bodies.append(json.dumps({"object": "list", "data": data, "model": "m"}).encode())
    return bodies


@contextmanager
def _unchecked() -> Iterator[None]:
    saved = wire_base._list_problem, wire_base._all_finite_float32
    wire_base._list_problem = lambda values: None  # type: ignore[assignment]
    wire_base._all_finite_float32 = lambda raw: True  # type: ignore[assignment]
    try:
        yield
    finally:
        wire_base._list_problem, wire_base._all_finite_float32 = saved


def _decode_all(bodies: list[bytes]) -> float:
    codec = AIMLAPICodec()
    started = time.process_time()
    for body in bodies:
        payload = json.loads(body)
        count = len(payload["data"])
        codec.decode(payload, Answer("m", range(count)))
    return time.process_time() - started


def _medians(runs: int, bodies: list[bytes]) -> tuple[float, float]:
    """With and without the check, alternating run by run so a change in the machine's load hits both."""
    checked, bare = [], []
    for _ in range(runs):
        checked.append(_decode_all(bodies))
        with _unchecked():
            bare.append(_decode_all(bodies))
    return statistics.median(checked), statistics.median(bare)


def _canned_transport(dim: int) -> httpx.MockTransport:
    """Answers of the right count, built once per count: the transport costs a ``json.loads`` of the request."""
    answers: dict[int, bytes] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        sent = json.loads(request.content)["input"]
        count = 1 if isinstance(sent, str) else len(sent)
        if count not in answers:
            answers[count] = _bodies(count, dim, count, as_base64=True)[0]
        return httpx.Response(200, content=answers[count], headers={"content-type": "application/json"})

    return httpx.MockTransport(handler)


def _embed_cpu(texts: list[str], output: str, dim: int) -> float:
    client = EmbeddingsClient(
        "text-embedding-3-small", api_key="bench-key", http_client=httpx.Client(transport=_canned_transport(dim))
    )
    client.embed(texts[:300], output=output)  # type: ignore[call-overload]  # warm: answers built, pool started
    started = time.process_time()
    client.embed(texts, output=output)  # type: ignore[call-overload]
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vectors", type=int, default=10_000)
    parser.add_argument("--dim", type=int, default=1536)
    parser.add_argument("--per-answer", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"{args.vectors:,} vectors of {args.dim} values, {args.per_answer} per answer, median of {args.runs} runs")
    print("| wire format | decode, CPU s | without the check | the check | per vector |")
    print("|---|---|---|---|---|")
    costs: dict[str, float] = {}
    for name, as_base64 in (("JSON floats", False), ("base64 float32", True)):
        bodies = _bodies(args.vectors, args.dim, args.per_answer, as_base64)
        checked, bare = _medians(args.runs, bodies)
        cost = checked - bare
        costs[name] = cost
        print(
            f"| {name} | {checked:.3f} s | {bare:.3f} s | {cost:+.3f} s ({cost / bare:+.1%}) "
            f"| {cost / args.vectors * 1e6:+.1f} µs |"
        )
    texts = short_texts(args.vectors)
    print()
    print(f"EmbeddingsClient.embed of {len(texts):,} short texts (base64), process CPU s, median of {args.runs}")
    print("| output | with the check | without | difference | base64 check cost / CPU without |")
    print("|---|---|---|---|---|")
    for output in ("list", "numpy"):
        checked_runs, bare_runs = [], []
        for _ in range(args.runs):
            checked_runs.append(_embed_cpu(texts, output, args.dim))
            with _unchecked():
                bare_runs.append(_embed_cpu(texts, output, args.dim))
        checked, bare = statistics.median(checked_runs), statistics.median(bare_runs)
        share = costs["base64 float32"] / bare  # the decode measurement is far less noisy than a whole call's
        print(
            f"| {output} | {checked:.3f} s | {bare:.3f} s | {checked - bare:+.3f} s ({(checked - bare) / bare:+.1%}) "
            f"| {share:.1%} |"
        )


if __name__ == "__main__":
    main()

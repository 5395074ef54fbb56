"""What checking every vector value costs: the check alone, a decode with and without it, a whole call.

    python -m benchmarks.value_check            # 10,000 vectors of 1536 values, medians of 3

Process CPU, median of ``--runs``, in answers of 100 vectors:

1. The check alone, run over answers decoded beforehand: ``_list_problem``
   on each JSON float list, and ``finite_float32`` on each base64 answer,
   once with numpy not loaded (the byte screen of each vector) and once
   with numpy loaded (one ``isfinite`` over the answer). Free of the
   decode's noise, this is the number the shares below are made of.
2. The decode as the client does it (``json.loads`` of the body, then the
   codec's ``decode``), with the check and with the check functions of
   ``aiml_embeddings.wire.base`` swapped for ones that pass everything.
3. ``EmbeddingsClient.embed`` of the short-text scenario's 10,000 texts
   (base64, as text-embedding-3-small answers) against an in-process
   transport that hands back answers made beforehand: list output with
   numpy not loaded and loaded, and numpy output, with and without the check.

With and without alternate run by run, taking turns at going first, so a
change in the machine's load hits both. "numpy not loaded" is the check numpy-free processes get; this
script has numpy loaded, so it is shown by swapping ``_numpy`` for a
function that finds none.
"""

from __future__ import annotations

import argparse
import base64
import functools
import json
import os
import random
import statistics
import struct
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from aiml_embeddings import EmbeddingsClient
from aiml_embeddings.wire import AIMLAPICodec, Answer
from aiml_embeddings.wire import base as wire_base

from .scenarios import short_texts

PUBLISHED = Path(__file__).parent / "results" / "merged.json"
"""BENCHMARKS.md run 6: the CPU each client took for the short-text scenario against the loopback server."""


def _published(client: str) -> tuple[int, float]:
    """Texts embedded and CPU s taken by ``client`` in run 6's short-text scenario."""
    short = json.loads(PUBLISHED.read_text())["scenarios"]["short"]
    return int(short["texts"]), float(short["rows"][client]["cpu"])


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
def _numpy_loaded(loaded: bool) -> Iterator[None]:
    """The float32 check as a process with (True) or without (False) numpy loaded runs it."""
    import numpy

    saved = wire_base._numpy
    wire_base._numpy = (lambda: numpy) if loaded else (lambda: None)
    try:
        yield
    finally:
        wire_base._numpy = saved


@contextmanager
def _unchecked() -> Iterator[None]:
    saved = wire_base._list_problem, wire_base._all_finite
    wire_base._list_problem = lambda values: None
    wire_base._all_finite = lambda raws: True
    try:
        yield
    finally:
        wire_base._list_problem, wire_base._all_finite = saved


def _cpu(work: Callable[[], object]) -> float:
    started = time.process_time()
    work()
    return time.process_time() - started


def _check_alone(bodies: list[bytes], as_base64: bool) -> Callable[[], object]:
    """The value check of every answer, on vectors decoded beforehand (what the codec calls, and no more)."""
    answers: list[tuple[list[Any], Answer]] = []
    for body in bodies:
        data = json.loads(body)["data"]
        embeddings = [item["embedding"] for item in data]
        vectors = [base64.b64decode(e) for e in embeddings] if as_base64 else embeddings
        answers.append((vectors, Answer("m", range(len(data)))))

    def float32() -> None:
        for vectors, answer in answers:
            wire_base.finite_float32(vectors, answer)

    def float_lists() -> None:
        for vectors, _ in answers:
            for vector in vectors:
                wire_base._list_problem(vector)

    return float32 if as_base64 else float_lists


def _decode_all(bodies: list[bytes]) -> None:
    codec = AIMLAPICodec()
    for body in bodies:
        payload = json.loads(body)
        codec.decode(payload, Answer("m", range(len(payload["data"]))))


def _with_and_without(runs: int, work: Callable[[], object]) -> tuple[float, float]:
    """Medians with and without the check, taking turns at going first, so neither always runs on a cold start."""
    checked: list[float] = []
    bare: list[float] = []
    for run in range(runs):
        for with_check in (True, False) if run % 2 == 0 else (False, True):
            if with_check:
                checked.append(_cpu(work))
            else:
                with _unchecked():
                    bare.append(_cpu(work))
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


def _embed(texts: list[str], output: str, dim: int) -> Callable[[], object]:
    client = EmbeddingsClient(
        "text-embedding-3-small",
        api_key="bench-key",
        dimensions=dim,
        http_client=httpx.Client(transport=_canned_transport(dim)),
    )
    client.embed(texts, output=output)  # type: ignore[call-overload]  # warm: every answer built, pool started
    return lambda: client.embed(texts, output=output)  # type: ignore[call-overload]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vectors", type=int, default=10_000)
    parser.add_argument("--dim", type=int, default=1536)
    parser.add_argument("--per-answer", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    n, runs = args.vectors, args.runs
    print(f"{n:,} vectors of {args.dim} values, {args.per_answer} per answer, median of {runs} runs")
    print(f"load average at the start: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print("| wire format | the check alone | per vector | decode with the check | without | difference |")
    print("|---|---|---|---|---|---|")
    per_vector: dict[str, float] = {}
    formats = (
        ("JSON floats", False, True),
        ("base64, numpy not loaded", True, False),
        ("base64, numpy loaded", True, True),
    )
    for name, as_base64, numpy_loaded in formats:
        bodies = _bodies(n, args.dim, args.per_answer, as_base64)
        with _numpy_loaded(numpy_loaded):
            alone = statistics.median(_cpu(_check_alone(bodies, as_base64)) for _ in range(runs))
            checked, bare = _with_and_without(runs, functools.partial(_decode_all, bodies))
        per_vector[name] = alone / n
        print(
            f"| {name} | {alone:.3f} s | {alone / n * 1e6:.2f} µs | {checked:.3f} s | {bare:.3f} s "
            f"| {checked - bare:+.3f} s ({(checked - bare) / bare:+.1%}) |"
        )
    texts = short_texts(n)
    print()
    print(f"EmbeddingsClient.embed of {len(texts):,} short texts (base64), process CPU s, median of {runs}")
    print("| output | with the check | without | difference | the check alone / CPU without | / run 6's CPU s |")
    print("|---|---|---|---|---|---|")
    calls = (
        ("list, numpy not loaded", "list", False, "ours-core-list"),
        ("list, numpy loaded", "list", True, "ours-core-list"),
        ("numpy", "numpy", True, "ours-core-numpy"),
    )
    for name, output, numpy_loaded, published in calls:
        with _numpy_loaded(numpy_loaded):
            checked, bare = _with_and_without(runs, _embed(texts, output, args.dim))
        cost = per_vector["base64, numpy loaded" if numpy_loaded else "base64, numpy not loaded"]
        vectors, scenario = _published(published)
        print(
            f"| {name} | {checked:.3f} s | {bare:.3f} s | {checked - bare:+.3f} s ({(checked - bare) / bare:+.1%}) "
            f"| {cost * len(texts) / bare:.2%} | {cost * vectors / scenario:.2%} of {scenario:.2f} s |"
        )
    print(f"load average at the end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()

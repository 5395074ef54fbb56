"""The command killed with SIGKILL part way, then ``--resume``: every row right, at most one wave sent twice.

The loopback benchmark server answers vectors that name their text, so
every row of the output is checked against what it must be. Sockets are
allowed to 127.0.0.1 only.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from benchmarks.scenarios import short_texts
from benchmarks.server import Config
from benchmarks.vectors import check
from tests.bench_loopback import Loopback

pytestmark = [pytest.mark.enable_socket, pytest.mark.allow_hosts(["127.0.0.1"])]

ROOT = Path(__file__).resolve().parents[2]
N = 14_000
"""Three and a half waves: each checkpoint is a request of 2,048 texts and two land together, so the kill
at 40% needs waves still to come."""
DIM = 32
CONCURRENCY = 2
WAVE = CONCURRENCY * 2048
"""Two requests of the model's 2,048 inputs: what one wave of batches carries."""


@pytest.fixture
def server() -> Iterator[Loopback]:
    running = Loopback()
    running.configure(Config(latency_base=0.25, latency_per_1k_tokens=0.0))
    yield running
    running.close()


def command(url: str, source: Path, target: Path, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "aiml_embeddings.cli", "embed", "-i", str(source), "-o", str(target), "-d", str(DIM),
        "--base-url", url + "/v1", "--max-concurrency", str(CONCURRENCY), "--no-progress", *extra,
    ]  # fmt: skip


def done_rows(manifest: Path) -> int:
    try:
        return sum(b - a for a, b in json.loads(manifest.read_text())["done"])
    except (OSError, ValueError, KeyError):
        return 0


@pytest.mark.parametrize("name", ["out.npy", "out.jsonl"])
def test_sigkill_then_resume(server: Loopback, tmp_path: Path, name: str) -> None:
    texts = short_texts(N, seed=5)
    source = tmp_path / "docs.jsonl"
    source.write_text("".join(json.dumps({"id": f"d{i}", "text": t}) + "\n" for i, t in enumerate(texts)))
    target, manifest = tmp_path / name, tmp_path / f"{name}.manifest.json"
    env = {**os.environ, "AIMLAPI_API_KEY": "test-aimlapi-key", "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(command(server.url, source, target), env=env, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while child.poll() is None and done_rows(manifest) < 0.4 * N and time.monotonic() < deadline:
        time.sleep(0.005)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    killed_at = done_rows(manifest)
    assert 0 < killed_at < N and not target.exists()

    resumed = subprocess.run(command(server.url, source, target, "--resume"), env=env, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert f"resumed: {killed_at:,} were done before" in resumed.stderr
    if name.endswith(".npy"):
        got = np.load(target)
    else:
        rows = [json.loads(line) for line in target.read_text().splitlines()]
        assert [r["id"] for r in rows] == [f"d{i}" for i in range(N)]
        got = np.array([r["embedding"] for r in rows], dtype=np.float32)
    verdict = check(texts, got, DIM)
    assert verdict.ok and verdict.right == N, verdict
    sent_twice = server.bench.stats.inputs_embedded - N
    assert 0 <= sent_twice <= WAVE, f"{sent_twice} texts embedded twice, more than one wave ({WAVE})"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs.jsonl", name]

"""A forked child and its parent embed at once, each getting its own vectors, and the child never hangs.

Before the client noticed forks, the two shared the parent's kept-alive
connection and read each other's answers (right count, right length, wrong
vectors), and a child's multi-batch call waited for ever on pool threads
that only existed in the parent.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable

import pytest

from aiml_embeddings import EmbeddingsClient

from ..fake_api import FakeAPI, marker
from .conftest import SECRET
from .loopback import serve

pytestmark = [
    pytest.mark.enable_socket,
    pytest.mark.allow_hosts(["127.0.0.1"]),
    pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX only"),
]

ROUNDS = 30
CHILD_PATIENCE = 30.0


def _rounds(client: EmbeddingsClient, who: str, size: int = 3) -> str:
    """Embed ``ROUNDS`` small calls; what went wrong, as one line ('' when every vector was this caller's own)."""
    wrong = failed = 0
    for i in range(ROUNDS):
        texts = [f"{who} round {i} text {j}" for j in range(size)]
        try:
            out = client.embed(texts)
        except Exception:
            failed += 1
            continue
        wrong += sum(v[0] != marker(t) for v, t in zip(out, texts, strict=True))
    return f"{who}: {wrong} wrong vectors, {failed} failed calls" if wrong or failed else ""


def _fork(work: Callable[[], str]) -> tuple[int, int]:
    """Fork; the child runs ``work`` and reports through a pipe. Returns the child's pid and the read end."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 1
        try:
            os.close(read)
            report = work()
            os.write(write, (report or "ok").encode())
            code = 0
        except BaseException as exc:  # anything the child meets is the report
            os.write(write, f"child raised {type(exc).__name__}".encode())
        finally:
            os._exit(code)
    os.close(write)
    return pid, read


def _child_report(pid: int, read: int) -> str:
    """What the child said, or that it hung (it is then killed: it is ours, by pid)."""
    deadline = time.monotonic() + CHILD_PATIENCE
    while time.monotonic() < deadline:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.05)
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(read)
        return f"the child hung for {CHILD_PATIENCE:.0f} s"
    with os.fdopen(read) as pipe:
        return pipe.read()


def test_parent_and_child_embedding_at_once_each_get_their_own_vectors() -> None:
    api = FakeAPI(dim=8)
    with serve(api) as url:
        client = EmbeddingsClient(base_url=url, api_key=SECRET, dimensions=8, timeout=5, max_retries=1)
        client.embed(["warm up: a kept-alive connection for the child to inherit"])
        pid, read = _fork(lambda: _rounds(client, "child"))
        parent = _rounds(client, "parent")
        child = _child_report(pid, read)
    assert (parent, child) == ("", "ok")
    assert len(api.requests) >= 1 + 2 * ROUNDS


def test_a_child_embedding_many_batches_does_not_hang() -> None:
    api = FakeAPI(dim=8)
    texts = [f"text {i}" for i in range(200)]
    with serve(api) as url:
        client = EmbeddingsClient(
            base_url=url, api_key=SECRET, dimensions=8, timeout=5, max_concurrency=4, batch_size=16
        )
        assert [v[0] for v in client.embed(texts)] == [marker(t) for t in texts]  # the pool now has threads

        def child() -> str:
            out = client.embed(texts)
            return "" if [v[0] for v in out] == [marker(t) for t in texts] else "wrong vectors in the child"

        pid, read = _fork(child)
        parent = _rounds(client, "parent", size=40)
        report = _child_report(pid, read)
    assert (parent, report) == ("", "ok")


def test_the_fork_hook_rebuilds_the_runtime_and_warns_about_an_injected_client(
    make: Callable[..., EmbeddingsClient], caplog: pytest.LogCaptureFixture
) -> None:
    """What the child runs right after ``os.fork``, called here directly: no second process needed."""
    from aiml_embeddings.client import _after_fork_in_child

    client = make(dimensions=8, batch_size=16)
    texts = [f"text {i}" for i in range(64)]
    client.embed(texts)
    before = (client._lock, client._slots, client.controller, client._pool)
    assert before[3] is not None  # the multi-batch call started a pool
    _after_fork_in_child()
    after = (client._lock, client._slots, client.controller, client._pool)
    assert all(a is not b for a, b in zip(before[:3], after[:3], strict=True)) and after[3] is None
    assert "http_client" in caplog.text and "forked" in caplog.text
    assert [v[0] for v in client.embed(texts)] == [marker(t) for t in texts]

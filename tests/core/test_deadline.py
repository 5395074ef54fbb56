"""The whole attempt within ``timeout`` (``flow/deadline.py``), against a socket server that trickles or stalls.

Each server here reads one request, then writes its answer as a script says:
a byte at a time, or a while and then nothing. httpx alone gives each socket
read the whole read timeout, so the first never times out and the second
overruns the deadline by one read timeout; the package's own sync client
must end both at the deadline, and an async attempt always did.
"""

from __future__ import annotations

import asyncio
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpcore
import httpx
import pytest

from aiml_embeddings import APITimeoutError, EmbeddingsClient
from aiml_embeddings.flow.deadline import _Backend, _Stream, bound, until

from .conftest import SECRET

Script = Callable[[socket.socket], None]

pytestmark = [pytest.mark.enable_socket, pytest.mark.allow_hosts(["127.0.0.1"])]

HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 9999\r\n\r\n"


def _read_request(conn: socket.socket) -> None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    found = re.search(rb"content-length: *(\d+)", head, re.IGNORECASE)
    while found and len(body) < int(found.group(1)):
        chunk = conn.recv(65536)
        if not chunk:
            return
        body += chunk


@contextmanager
def scripted(script: Script) -> Iterator[str]:
    """A server on a free loopback port running ``script`` on each connection after its request; yields a base URL."""
    listener = socket.create_server(("127.0.0.1", 0))

    def one(conn: socket.socket) -> None:
        with conn:
            try:
                _read_request(conn)
                script(conn)
            except OSError:
                pass  # the client hung up, as a deadline should make it

    def accept() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=one, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, name="scripted-server", daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/v1"
    finally:
        listener.close()


def trickled_headers(conn: socket.socket) -> None:
    """The status line, then a header one byte every 20 ms for 4 s: every read gets a byte well in time."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nx-pad: ")
    for _ in range(200):
        time.sleep(0.02)
        conn.sendall(b"x")


def body_then_stall(until_s: float) -> Script:
    """Headers at once, a byte of body every 50 ms until ``until_s``, then silence for 3 s."""

    def script(conn: socket.socket) -> None:
        started = time.monotonic()
        conn.sendall(HEAD)
        while time.monotonic() - started < until_s:
            time.sleep(0.05)
            conn.sendall(b" ")
        time.sleep(3)

    return script


def _embed(url: str, timeout: float, mode: str) -> float:
    """Seconds until the attempt failed with a timeout (retries off, so one attempt)."""
    client = EmbeddingsClient(base_url=url, api_key=SECRET, dimensions=8, timeout=timeout, max_retries=0, hedge=False)
    started = time.monotonic()
    with pytest.raises(APITimeoutError):
        client.embed(["a"]) if mode == "sync" else asyncio.run(client.aembed(["a"]))
    return time.monotonic() - started


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_trickled_headers_end_at_the_deadline(mode: str) -> None:
    with scripted(trickled_headers) as url:
        elapsed = _embed(url, 0.3, mode)
    assert elapsed < 1.5  # 0.3 s and a loaded machine's delays, not the 4 s the headers take


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_stall_just_before_the_deadline_does_not_cost_another_read_timeout(mode: str) -> None:
    """Body bytes until 0.1 s before the 0.8 s deadline, then nothing: one more full read would end at 1.5 s."""
    with scripted(body_then_stall(0.7)) as url:
        elapsed = _embed(url, 0.8, mode)
    assert elapsed < 1.2


def test_the_client_the_package_builds_is_bounded_and_an_injected_one_is_left_alone() -> None:
    """Fails if an httpx upgrade moves the pools' backend: the bound would silently be lost otherwise."""
    own = EmbeddingsClient(api_key=SECRET)._sync_http()
    assert isinstance(own._transport._pool._network_backend, _Backend)  # type: ignore[attr-defined]
    injected = httpx.Client()
    EmbeddingsClient(api_key=SECRET, http_client=injected)._sync_http()
    assert not isinstance(injected._transport._pool._network_backend, _Backend)  # type: ignore[attr-defined]
    assert bound(own)  # twice is once


class _Timeouts(httpcore.NetworkStream):
    """A stream that only records the timeout each read was given."""

    def __init__(self) -> None:
        self.given: list[float | None] = []

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        self.given.append(timeout)
        return b""


def test_each_read_waits_at_most_the_time_left_and_outside_an_attempt_its_own_timeout() -> None:
    inner = _Timeouts()
    stream = _Stream(inner)
    stream.read(1, 5.0)  # a kept-alive connection read outside any attempt: not cut short
    with until(time.monotonic() + 0.5):
        stream.read(1, 5.0)
    with until(time.monotonic() - 0.01), pytest.raises(httpcore.ReadTimeout, match="deadline passed"):
        stream.read(1, 5.0)
    first, second = inner.given
    assert first == 5.0 and second is not None and 0 < second <= 0.5

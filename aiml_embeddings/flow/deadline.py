"""No socket operation of a sync attempt waits past the attempt's deadline.

httpcore gives every read, write and connect its phase's whole timeout, and
reads the headers and the body in as many reads as the server makes it take.
A server that trickles its headers a byte at a time is therefore never timed
out, and one that stalls right after a chunk of body costs a whole read
timeout past the deadline. A thread blocked in a socket read cannot be woken
from outside without closing a connection httpx owns, so instead no
operation is allowed to wait past the deadline in the first place: the pools
of the ``httpx.Client`` this package builds get a network backend whose
streams cut each operation's timeout to what is left of the attempt running
on the calling thread (``until``, entered by ``flow.http.send_sync``), and
raise httpcore's timeout at once when nothing is left. Sockets used outside
an attempt keep their timeouts as given.

httpx has no public way to give its pools a network backend (``HTTPTransport``
takes none, and a transport of our own would turn off the proxies it reads
from the environment), so ``bound`` puts it in through the attributes httpx
0.28 and httpcore 1.0 keep it in (``_transport``, ``_mounts``, ``_pool``,
``_network_backend``). Where they are missing it changes nothing and says so;
the attempt then falls back to the deadline checked as each chunk arrives.
An ``http_client=`` given by the caller is never altered.

Not bounded: the name lookup before a connect (``getaddrinfo`` takes no
timeout), and the wait for a free connection, which its own ``pool``
timeout bounds (never longer than the deadline, which is the largest phase).
"""

from __future__ import annotations

import logging
import ssl
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import httpcore
import httpx

logger = logging.getLogger("aiml_embeddings")

_DEADLINE: ContextVar[float | None] = ContextVar("aiml_embeddings_attempt_deadline", default=None)
"""The ``time.monotonic()`` by which the attempt on this thread must be over (None: no attempt, or no deadline)."""


@contextmanager
def until(deadline: float | None) -> Iterator[None]:
    """Every socket operation of a bounded pool on this thread ends by ``deadline`` while inside."""
    token = _DEADLINE.set(deadline)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def _left(timeout: float | None, late: type[httpcore.TimeoutException]) -> float | None:
    """``timeout`` cut to the time left of this thread's attempt; ``late`` raised if none is left."""
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise late("the attempt's deadline passed")
    return left if timeout is None else min(timeout, left)


class _Stream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, _left(timeout, httpcore.ConnectTimeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        left = _left(timeout, httpcore.ConnectTimeout)
        return _Stream(self._inner.connect_tcp(host, port, left, local_address, socket_options))

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        return _Stream(self._inner.connect_unix_socket(path, _left(timeout, httpcore.ConnectTimeout), socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def bounded_client(timeout: httpx.Timeout | None, limits: httpx.Limits) -> httpx.Client:
    """An ``httpx.Client`` whose sync attempts end by their deadline, headers and all (see the module's doc)."""
    client = httpx.Client(timeout=timeout, limits=limits)
    if not bound(client):
        logger.debug("httpx keeps its pools elsewhere: sync attempts check their deadline per chunk only")
    return client


def bound(client: httpx.Client) -> bool:
    """Give every pool of ``client`` (one this package built) the bounded backend; False where none could be."""
    transports: list[Any] = [getattr(client, "_transport", None), *getattr(client, "_mounts", {}).values()]
    done = False
    for transport in transports:
        pool: Any = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if isinstance(backend, _Backend):
            done = True
        elif isinstance(backend, httpcore.NetworkBackend):
            pool._network_backend = _Backend(backend)
            done = True
    return done

"""A threaded ``http.server`` on a free 127.0.0.1 port: the socket under the fakes that need real HTTP.

The shared fake (``tests.core.loopback``) and the recording stand-in
(``tests.standin.server``) each bring a handler that speaks for their API;
starting, serving and stopping the server is this module's alone.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Generic, TypeVar

Api = TypeVar("Api")


class Server(ThreadingHTTPServer, Generic[Api]):
    """Each connection on a daemon thread (a hung client cannot hold up the test run); its handler reads ``api``."""

    daemon_threads = True

    def __init__(self, handler: type[BaseHTTPRequestHandler], api: Api) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.api = api


class Handler(BaseHTTPRequestHandler):
    """HTTP/1.1 (kept-alive connections, as the real APIs), and quiet."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: a test's output should show the test, not the access log."""


@contextmanager
def serve_on_loopback(handler: type[Handler], api: Api, name: str) -> Iterator[str]:
    """``handler`` answering for ``api`` on a free loopback port until the block ends; yields ``http://127.0.0.1:<port>``."""
    server = Server(handler, api)
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

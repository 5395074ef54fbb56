"""The stand-in APIs on a loopback socket, for runs that must go through real HTTP.

Recording runs need a real server (vcrpy records what the transport
receives), so ``serve`` puts a ``StandInAPI`` behind a threaded
``http.server`` on 127.0.0.1 and yields its base URL. Replies are gzipped
when the client accepts it, as live APIs do, so the recorder's decoding is
exercised too.
"""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .api import StandInAPI


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        reply = self.server.api.handle(self.command, self.path, dict(self.headers.items()), body)
        payload = reply.body
        headers = dict(reply.headers)
        if "gzip" in (self.headers.get("accept-encoding") or ""):
            payload = gzip.compress(payload, mtime=0)
            headers["content-encoding"] = "gzip"
        self.send_response_only(reply.status)  # no Date or Server header: synthesized cassettes stay reproducible
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: a test's output should show the test, not the access log."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, api: StandInAPI) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.api = api


@contextmanager
def serve(api: StandInAPI | None = None) -> Iterator[str]:
    """Run the stand-in on a free loopback port; yields ``http://127.0.0.1:<port>``."""
    server = _Server(api or StandInAPI())
    thread = threading.Thread(target=server.serve_forever, name="standin-api", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

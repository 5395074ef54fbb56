"""The shared fake (``tests.fake_api.FakeAPI``) behind a real socket on 127.0.0.1, for what needs real HTTP.

Forked processes, trickled bytes and kept-alive connections only exist over
a socket. Each request is handed to ``FakeAPI.respond`` (faults included),
and its answer is written chunk by chunk as the answer's stream yields,
so a fault that returns a slow generator trickles for real.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from ..fake_api import FakeAPI
from ..http_loopback import Handler, Server, serve_on_loopback


class _Handler(Handler):
    server: Server[FakeAPI]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        request = httpx.Request("POST", f"http://127.0.0.1{self.path}", headers=dict(self.headers), content=body)
        try:
            answer = self.server.api.respond(request)
        except httpx.TransportError:
            self.close_connection = True  # a dropped connection, as the fault asked
            return
        self.send_response_only(answer.status_code)
        streamed = "content-length" not in answer.headers and not hasattr(answer, "_content")
        for name, value in answer.headers.multi_items():
            self.send_header(name, value)
        if streamed:
            self.send_header("connection", "close")
            self.close_connection = True
        elif "content-length" not in answer.headers:
            self.send_header("content-length", str(len(answer.content)))
        self.end_headers()
        chunks = [answer.content] if hasattr(answer, "_content") else answer.stream
        try:
            for chunk in chunks:  # type: ignore[union-attr]
                self.wfile.write(chunk)
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client hung up, as a deadline or a size cap should


@contextmanager
def serve(api: FakeAPI) -> Iterator[str]:
    """``api`` on a free loopback port; yields the base URL to give ``EmbeddingsClient(base_url=...)``."""
    with serve_on_loopback(_Handler, api, "loopback-fake-api") as url:
        yield f"{url}/v1"

"""The stand-in APIs on a loopback socket, for runs that must go through real HTTP.

Recording runs need a real server (vcrpy records what the transport
receives), so ``serve`` puts a ``StandInAPI`` behind a threaded
``http.server`` on 127.0.0.1 and yields its base URL. Replies are gzipped
when the client accepts it, as live APIs do, so the recorder's decoding is
exercised too.
"""

from __future__ import annotations

import gzip
from contextlib import AbstractContextManager

from ..http_loopback import Handler, Server, serve_on_loopback
from .api import StandInAPI


class _Handler(Handler):
    server: Server[StandInAPI]

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


def serve(api: StandInAPI | None = None) -> AbstractContextManager[str]:
    """Run the stand-in on a free loopback port; yields ``http://127.0.0.1:<port>``."""
    return serve_on_loopback(_Handler, api or StandInAPI(), "standin-api")

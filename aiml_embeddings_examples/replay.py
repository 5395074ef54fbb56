"""Answer HTTP requests from a recorded vcrpy cassette, without vcrpy or pytest.

The offline demo and the notebooks use this when no key is set: the same
client code runs, only the transport is a recording. A request that is not
in the recording fails loudly rather than reaching the network.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx


class NotRecordedError(LookupError):
    """A request the recording holds no answer for (other texts, model or settings than were recorded)."""


def _key(method: str, url: str, body: bytes | str | None) -> tuple[str, str, str]:
    raw = body.decode("utf-8") if isinstance(body, bytes) else (body or "")
    try:
        canonical = json.dumps(json.loads(raw), sort_keys=True) if raw else ""
    except ValueError:
        canonical = raw
    return method.upper(), str(httpx.URL(url)), canonical


class Recording:
    """The interactions of one cassette, matched on method, URL and JSON body, replayable any number of times."""

    def __init__(self, interactions: list[dict[str, Any]], origin: str) -> None:
        self.origin = origin
        self._answers: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
        for item in interactions:
            request = item["request"]
            self._answers[_key(request["method"], request["uri"], request.get("body"))].append(item["response"])

    @classmethod
    def load(cls, path: str | Path) -> Recording:
        try:
            import yaml
        except ImportError as exc:  # pragma: no cover - PyYAML comes with both framework extras
            raise ImportError("replaying recordings needs PyYAML: pip install 'aiml-embeddings[all]'") from exc
        text = Path(path).read_text(encoding="utf-8")
        data = yaml.safe_load(text)
        origins = {
            value
            for item in data["interactions"]
            for name, values in item["response"].get("headers", {}).items()
            if name.lower() == "x-cassette-origin"
            for value in values
        }
        return cls(data["interactions"], origin=", ".join(sorted(origins)) or "recorded")

    def handle(self, request: httpx.Request) -> httpx.Response:
        answers = self._answers.get(_key(request.method, str(request.url), request.content))
        if not answers:
            raise NotRecordedError(
                f"no recorded answer for {request.method} {request.url.path} with this body: the recording covers "
                "only the texts, model and settings it was made with; set a key to run live"
            )
        response = answers[0]
        body = response["body"]["string"]
        headers = {k: v[0] if isinstance(v, list) else v for k, v in response.get("headers", {}).items()}
        headers.pop("Content-Encoding", None)
        headers.pop("content-encoding", None)
        content = body.encode("utf-8") if isinstance(body, str) else body
        return httpx.Response(response["status"]["code"], headers=headers, content=content)

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self.handle))

    def async_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self.handle))


KEPT_HEADERS = ("content-type", "x-request-id", "x-cassette-origin", "retry-after")
"""The only response headers a recording keeps: nothing that could identify an account."""


class Recorder:
    """Forwards requests over real HTTP and appends each exchange to a cassette file, without credentials.

    Request headers are not stored at all; a request sent to a stand-in
    base URL is stored under the API's real URL so the file replays; the
    file is rewritten after every exchange, so an interrupted run still
    leaves a readable recording.
    """

    def __init__(self, path: str | Path, rewrite: dict[str, str]) -> None:
        self.path = Path(path)
        self.rewrite = rewrite
        self.interactions: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._sync = httpx.HTTPTransport()
        self._async = httpx.AsyncHTTPTransport()

    def _store(self, request: httpx.Request, response: httpx.Response) -> None:
        url = str(request.url)
        for local, real in self.rewrite.items():
            if url.startswith(local):
                url = real + url[len(local) :]
        headers = {k.lower(): [v] for k, v in response.headers.items() if k.lower() in KEPT_HEADERS}
        headers.setdefault("x-cassette-origin", ["recorded"])
        entry = {
            "request": {"method": request.method, "uri": url, "body": request.content.decode("utf-8")},
            "response": {
                "status": {"code": response.status_code, "message": response.reason_phrase},
                "headers": headers,
                "body": {"string": response.content.decode("utf-8")},
            },
        }
        import yaml

        with self._lock:
            self.interactions.append(entry)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            text = yaml.safe_dump({"interactions": self.interactions, "version": 1}, sort_keys=False, width=1000)
            self.path.write_text(RECORDER_COMMENT + text, encoding="utf-8")

    def client(self) -> httpx.Client:
        recorder = self

        class _Transport(httpx.BaseTransport):
            def handle_request(self, request: httpx.Request) -> httpx.Response:
                response = recorder._sync.handle_request(request)
                response.read()
                recorder._store(request, response)
                return response

        return httpx.Client(transport=_Transport())

    def async_client(self) -> httpx.AsyncClient:
        recorder = self

        class _Transport(httpx.AsyncBaseTransport):
            async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
                response = await recorder._async.handle_async_request(request)
                await response.aread()
                recorder._store(request, response)
                return response

        return httpx.AsyncClient(transport=_Transport())


RECORDER_COMMENT = (
    "# Recorded by aiml_embeddings_examples.replay.Recorder (scripts/record_examples.py). Each response's\n"
    "# x-cassette-origin header says how it was made: 'synthesized' (the loopback stand-in built from the\n"
    "# providers' documented schemas, not a live recording), 'documented-real-response', or 'recorded' (live).\n"
)

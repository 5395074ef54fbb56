"""Live, replay or record: how the demo and the notebooks get their HTTP clients.

Examples must run for a newcomer with no key (replaying a recording, and
saying so), for a user with a key (live), and for a maintainer refreshing
the recordings (``AIML_RECORD_EXAMPLES=1``, through a recorder that keeps
no credential). The example code itself stays the same in all three.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import httpx
from pydantic import SecretStr

from aiml_embeddings.auth import DEFAULT_BASE_URL, KEY_ENV, resolve_base_url
from aiml_embeddings.models import Api

from .replay import Recorder, Recording

RECORD_ENV = "AIML_RECORD_EXAMPLES"
OFFLINE_KEY = "offline-replay"
"""Not a credential: a recording answers whatever the Authorization header says."""

Mode = Literal["live", "replay", "record"]


@dataclass
class Session:
    mode: Mode
    banner: str
    http_client: httpx.Client
    http_async_client: httpx.AsyncClient
    requests: int = 0
    """HTTP requests made through this session's clients, replayed or live: what a cache saves shows here."""

    def __post_init__(self) -> None:
        self.http_client.event_hooks["request"].append(self._count)
        self.http_async_client.event_hooks["request"].append(self._acount)

    def _count(self, request: httpx.Request) -> None:
        self.requests += 1

    async def _acount(self, request: httpx.Request) -> None:
        self.requests += 1

    def kwargs(self, api: Api = "aimlapi") -> dict[str, Any]:
        """Settings to pass to ``AIMLEmbeddings`` / ``AIMLEmbedding`` / ``EmbeddingsClient``."""
        out: dict[str, Any] = {"http_client": self.http_client, "http_async_client": self.http_async_client}
        if self.mode == "replay":
            out["api_key"] = SecretStr(OFFLINE_KEY)
        return out

    def has_key(self, api: Api) -> bool:
        return self.mode != "live" or bool(os.environ.get(KEY_ENV[api]))


def open_session(cassette: str | Path, *, what: str = "this example") -> Session:
    """Live when ``AIMLAPI_API_KEY`` is set, recording under ``AIML_RECORD_EXAMPLES=1``, else replaying ``cassette``."""
    if os.environ.get(RECORD_ENV):
        rewrite = {resolve_base_url(api, None): DEFAULT_BASE_URL[api] for api in ("aimlapi", "inworld")}
        recorder = Recorder(cassette, {k: v for k, v in rewrite.items() if k != v})
        return Session(
            "record",
            f"{what}: recording to {Path(cassette).name} (served by {resolve_base_url('aimlapi', None)})",
            recorder.client(),
            recorder.async_client(),
        )
    if os.environ.get(KEY_ENV["aimlapi"]):
        return Session(
            "live",
            f"{what}: live, with {KEY_ENV['aimlapi']} from the environment",
            httpx.Client(),
            httpx.AsyncClient(),
        )
    recording = Recording.load(cassette)
    return Session(
        "replay",
        f"{what}: offline, no {KEY_ENV['aimlapi']} set, replaying recorded responses "
        f"(origin: {recording.origin}); set the key to run it live",
        recording.client(),
        recording.async_client(),
    )

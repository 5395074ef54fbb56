"""Real httpx clients that count what they send: vcr still records or replays underneath."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx


@dataclass
class Counter:
    bodies: list[bytes] = field(default_factory=list)

    def _sync(self, request: httpx.Request) -> None:
        self.bodies.append(request.read())

    async def _async(self, request: httpx.Request) -> None:
        self.bodies.append(await request.aread())

    def client(self) -> httpx.Client:
        return httpx.Client(event_hooks={"request": [self._sync]})

    def async_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(event_hooks={"request": [self._async]})

    def __len__(self) -> int:
        return len(self.bodies)

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from aiml_embeddings import EmbeddingsClient

from ..fake_api import FakeAPI

SECRET = "sk-very-secret-0123456789"


class Sleeps(list[float]):
    """A sleep that only records, and the clock it moves: no test waits, yet time passes for the flow controller."""

    now = 1000.0

    def clock(self) -> float:
        return self.now

    def __call__(self, seconds: float) -> None:
        self.append(seconds)
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self(seconds)
        await asyncio.sleep(0)  # let the other coroutines run, as a real sleep would

    def waits(self) -> list[float]:
        """The sleeps longer than a slot poll: backoffs and pauses."""
        return [s for s in self if s > 0.02]


@pytest.fixture
def api() -> FakeAPI:
    return FakeAPI()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def make(api: FakeAPI, sleeps: Sleeps) -> Callable[..., EmbeddingsClient]:
    """A client wired to the fake API, with a recording sleep so no test waits."""

    def build(model: str = "text-embedding-3-small", **settings: Any) -> EmbeddingsClient:
        settings.setdefault("api_key", SECRET)
        settings.setdefault("hedge", False)  # a fake clock makes every request look late; hedging has its own tests
        return EmbeddingsClient(
            model,
            http_client=api.sync(),
            http_async_client=api.async_(),
            sleep=sleeps,
            async_sleep=sleeps.asleep,
            clock=sleeps.clock,
            **settings,
        )

    return build

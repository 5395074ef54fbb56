from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from aiml_embeddings import EmbeddingsClient

from ..clock import Clock
from ..fake_api import FakeAPI

SECRET = "sk-very-secret-0123456789"


@pytest.fixture
def api() -> FakeAPI:
    return FakeAPI()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make(api: FakeAPI, clock: Clock) -> Callable[..., EmbeddingsClient]:
    """A client wired to the fake API, on the fake clock, so no test waits."""

    def build(model: str = "text-embedding-3-small", **settings: Any) -> EmbeddingsClient:
        settings.setdefault("api_key", SECRET)
        settings.setdefault("hedge", False)  # a fake clock makes every request look late; hedging has its own tests
        return EmbeddingsClient(
            model,
            http_client=api.sync(),
            http_async_client=api.async_(),
            sleep=clock.sleep,
            async_sleep=clock.asleep,
            clock=clock,
            **settings,
        )

    return build

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from aiml_embeddings import EmbeddingsClient

from .fake_api import FakeAPI

SECRET = "sk-very-secret-0123456789"


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)

    async def asleep(self, seconds: float) -> None:
        self.append(seconds)


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
        return EmbeddingsClient(
            model,
            http_client=api.sync(),
            http_async_client=api.async_(),
            sleep=sleeps,
            async_sleep=sleeps.asleep,
            **settings,
        )

    return build

"""Fixtures for the LangChain adapter tests that need no cassette."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .fake_api import FakeAPI


@pytest.fixture
def fake_api() -> Iterator[FakeAPI]:
    yield FakeAPI()


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """Obviously fake keys and no base-URL override, whatever the shell exports."""
    monkeypatch.setenv("AIMLAPI_API_KEY", "test-aimlapi-key")
    monkeypatch.setenv("INWORLD_API_KEY", "test-inworld-key")
    for name in ("AIMLAPI_BASE_URL", "INWORLD_BASE_URL", "INWORLD_API_SECRET"):
        monkeypatch.delenv(name, raising=False)

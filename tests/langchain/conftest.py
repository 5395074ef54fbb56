"""Fixtures for the LangChain adapter tests that need no cassette."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from langchain_tests.base import BaseStandardTests

from ..fake_api import FakeAPI

OFFLINE_STANDARD_TESTS = frozenset(name for name in dir(BaseStandardTests) if name.startswith("test_"))
"""The standard tests that check the test class itself and make no request."""


@pytest.fixture
def fake_api() -> Iterator[FakeAPI]:
    yield FakeAPI(shuffle=True)  # every answer out of index order, so the client must sort


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """Obviously fake keys and no base-URL override, whatever the shell exports."""
    monkeypatch.setenv("AIMLAPI_API_KEY", "test-aimlapi-key")
    monkeypatch.setenv("INWORLD_API_KEY", "test-inworld-key")
    for name in ("AIMLAPI_BASE_URL", "INWORLD_BASE_URL", "INWORLD_API_SECRET"):
        monkeypatch.delenv(name, raising=False)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Give the inherited standard integration tests their cassette marks.

    A class sets ``cassette_provider``; every test it runs that reaches the
    API gets ``vcr`` and ``provider`` (the suite's own override check makes no
    request, so it has no cassette to replay).
    """
    for item in items:
        provider = getattr(getattr(item, "cls", None), "cassette_provider", None)
        name = getattr(item, "originalname", item.name)
        if provider and name not in OFFLINE_STANDARD_TESTS:
            item.add_marker(pytest.mark.vcr)
            item.add_marker(pytest.mark.provider(provider))

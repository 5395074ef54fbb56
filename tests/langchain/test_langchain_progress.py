"""``show_progress_bar``: a tqdm bar advanced per finished batch; a clear error without tqdm."""

from __future__ import annotations

import sys
from typing import Any, ClassVar

import pytest

from langchain_aiml_embeddings import AIMLEmbeddings, _progress

from ..fake_api import FakeAPI

pytestmark = pytest.mark.usefixtures("keys")


class RecordingBar:
    instances: ClassVar[list[RecordingBar]] = []

    def __init__(self, *, total: int, **_: Any) -> None:
        self.total = total
        self.updates: list[int] = []
        self.closed = False
        RecordingBar.instances.append(self)

    def update(self, n: int) -> None:
        self.updates.append(n)

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def bars(monkeypatch: pytest.MonkeyPatch) -> list[RecordingBar]:
    RecordingBar.instances = []
    monkeypatch.setattr(_progress, "require_tqdm", lambda: RecordingBar)
    return RecordingBar.instances


def make(fake_api: FakeAPI, **settings: Any) -> AIMLEmbeddings:
    return AIMLEmbeddings(http_client=fake_api.sync(), http_async_client=fake_api.async_(), **settings)


def test_bar_advances_per_batch(fake_api: FakeAPI, bars: list[RecordingBar]) -> None:
    make(fake_api, show_progress_bar=True, batch_size=2).embed_documents(["a", "b", "c", "d", "e"])
    (bar,) = bars
    assert bar.total == 5 and bar.closed
    assert sorted(bar.updates) == [1, 2, 2]  # one step per request, sized by its inputs
    assert len(fake_api.requests) == 3


async def test_bar_advances_per_batch_async(fake_api: FakeAPI, bars: list[RecordingBar]) -> None:
    await make(fake_api, show_progress_bar=True, batch_size=1).aembed_documents(["a", "b", "c"])
    (bar,) = bars
    assert bar.updates == [1, 1, 1] and bar.closed


def test_no_bar_unless_asked(fake_api: FakeAPI, bars: list[RecordingBar]) -> None:
    make(fake_api).embed_documents(["a", "b"])
    assert bars == []


def test_real_tqdm_output(fake_api: FakeAPI, capsys: pytest.CaptureFixture[str]) -> None:
    make(fake_api, show_progress_bar=True, batch_size=1).embed_documents(["a", "b", "c", "d"])
    assert "4/4" in capsys.readouterr().err


def test_missing_tqdm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    with pytest.raises(ImportError, match=r'pip install "aiml-embeddings\[progress\]"'):
        AIMLEmbeddings(show_progress_bar=True)
    assert AIMLEmbeddings().show_progress_bar is False  # without a bar, tqdm is never imported

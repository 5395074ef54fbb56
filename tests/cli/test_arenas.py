"""The embed command keeps glibc's malloc to two arenas; nowhere else, and never elsewhere than Linux."""

from __future__ import annotations

import ctypes
from typing import Any

import pytest

from aiml_embeddings.cli import arenas


class FakeLibc:
    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []

    def mallopt(self, option: int, value: int) -> int:
        self.calls.append((option, value))
        return 1


def test_two_arenas_and_big_buffers_mapped_on_linux(monkeypatch: pytest.MonkeyPatch) -> None:
    libc = FakeLibc()
    monkeypatch.setattr(arenas.sys, "platform", "linux")
    monkeypatch.setattr(ctypes, "CDLL", lambda name: libc)
    arenas.keep_arenas_few()
    assert libc.calls == [(-8, 2), (-3, 256 * 1024)]  # M_ARENA_MAX, M_MMAP_THRESHOLD


@pytest.mark.parametrize("platform", ["darwin", "win32"])
def test_nothing_elsewhere(monkeypatch: pytest.MonkeyPatch, platform: str) -> None:
    libc = FakeLibc()
    monkeypatch.setattr(arenas.sys, "platform", platform)
    monkeypatch.setattr(ctypes, "CDLL", lambda name: libc)
    arenas.keep_arenas_few()
    assert libc.calls == []


def test_a_libc_without_mallopt_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_libc(name: Any) -> Any:
        raise OSError("no C library")

    monkeypatch.setattr(arenas.sys, "platform", "linux")
    monkeypatch.setattr(ctypes, "CDLL", no_libc)
    arenas.keep_arenas_few()  # no error


def test_the_real_call_succeeds_here() -> None:
    arenas.keep_arenas_few()  # this machine's own C library: it must not raise

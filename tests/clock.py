"""The one fake clock: time passes for the flow controller, the quotas and the retry loop, yet no test waits.

A test reads it where the code takes a ``clock`` (``clock=clock``), hands its
``sleep``/``asleep`` where the code takes a sleep, and moves it by hand
(``clock.now += 2.0``) where it drives the flow itself.
"""

from __future__ import annotations

import asyncio

from aiml_embeddings.flow.controller import POLL_MAX


class Clock:
    """Monotonic seconds that move only when a test or a sleep given this clock moves them."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now
        self.slept: list[float] = []
        """Every sleep asked of this clock, in order: what a test checks backoffs and pauses against."""

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        """A sleep that returns at once, recorded, with the clock moved on by ``seconds``."""
        self.slept.append(seconds)
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)
        await asyncio.sleep(0)  # let the other coroutines run, as a real sleep would

    def waits(self) -> list[float]:
        """The sleeps longer than a slot poll: backoffs and pauses."""
        return [s for s in self.slept if s > POLL_MAX]

"""The only code that touches the network or the clock: it runs a batch flow against httpx."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from .batch import Failure, Flow, Reply, Sleep
from .http import send_async, send_sync

logger = logging.getLogger("aiml_embeddings")


def _send_error(exc: httpx.RequestError) -> httpx.RequestError:
    logger.debug("request failed: %s", type(exc).__name__)
    return exc


def drive_sync(
    flow: Flow,
    client: httpx.Client,
    timeout: httpx.Timeout | None,
    sleep: Callable[[float], None],
) -> list[Failure]:
    reply: Reply = None
    try:
        while True:
            action = flow.send(reply)
            if isinstance(action, Sleep):
                sleep(action.seconds)
                reply = None
                continue
            try:
                reply = send_sync(client, action, timeout)
            except httpx.RequestError as exc:
                reply = _send_error(exc)
    except StopIteration as done:
        result: list[Failure] = done.value
        return result


async def drive_async(
    flow: Flow,
    client: httpx.AsyncClient,
    timeout: httpx.Timeout | None,
    sleep: Callable[[float], Awaitable[Any]],
) -> list[Failure]:
    reply: Reply = None
    try:
        while True:
            action = flow.send(reply)
            if isinstance(action, Sleep):
                await sleep(action.seconds)
                reply = None
                continue
            try:
                reply = await send_async(client, action, timeout)
            except httpx.RequestError as exc:
                reply = _send_error(exc)
    except StopIteration as done:
        result: list[Failure] = done.value
        return result

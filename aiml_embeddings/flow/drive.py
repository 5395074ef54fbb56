"""The only code that touches the network or the clock: it runs a batch flow against httpx.

Both drivers read the flow through the same two functions, so they cannot
drift: ``_next`` (the next sleep or request, or the batch's end) and
``_checks`` (when to ask again about an overdue request, until the flow
sends a copy). Each driver posts in exactly one place (``_post_sync`` /
``_post_async``), closes the flow however it ends (so an interrupt or an
error escaping a request cannot keep a slot), and races a copy against an
overdue request when the flow asks for one: async cancels the slower copy;
sync abandons it to a daemon thread (a blocking read cannot be cancelled),
whose answer is dropped.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from typing import Any

import httpx

from .batch import OVERDUE, Event, Failure, Flow, Hedge, Reply, Send, Sleep, Wait, Won
from .http import send_async, send_sync

logger = logging.getLogger("aiml_embeddings")


def _good(reply: Reply) -> bool:
    return isinstance(reply, httpx.Response) and reply.is_success


@dataclass(frozen=True)
class _Finished:
    failures: list[Failure]


def _next(flow: Flow, answer: Event) -> Sleep | Send | _Finished:
    """The flow's next action after ``answer``, or its end.

    Only a sleep or a request can come here: a hedge decision is asked for
    inside a race (``_checks``), never with no request out.
    """
    try:
        action = flow.send(answer)
    except StopIteration as done:
        return _Finished(done.value)
    if isinstance(action, Sleep | Send):
        return action
    raise RuntimeError(f"the flow asked for {action!r} with no request out")


def _checks(flow: Flow, send: Send) -> Iterator[float | None]:
    """How long to wait for a raced request before each check (None: for good); ends when the flow sends a copy."""
    check = send.hedge_after
    while True:
        yield check
        decision = flow.send(OVERDUE)
        if isinstance(decision, Hedge):
            return
        assert isinstance(decision, Wait)
        check = decision.seconds


# --- sync ---------------------------------------------------------------------


def _post_sync(client: httpx.Client, send: Send, timeout: httpx.Timeout | None) -> Reply:
    try:
        return send_sync(client, send, timeout)
    except httpx.RequestError as exc:
        logger.debug("request failed: %s", type(exc).__name__)
        return exc


def drive_sync(
    flow: Flow,
    client: httpx.Client,
    timeout: httpx.Timeout | None,
    sleep: Callable[[float], None],
) -> list[Failure]:
    with closing(flow):
        step = _next(flow, None)
        while not isinstance(step, _Finished):
            if isinstance(step, Sleep):
                sleep(step.seconds)
                step = _next(flow, None)
            elif step.hedge_after is None:
                step = _next(flow, _post_sync(client, step, timeout))
            else:
                step = _next(flow, _race_sync(flow, client, step, timeout))
        return step.failures


def _race_sync(flow: Flow, client: httpx.Client, send: Send, timeout: httpx.Timeout | None) -> Event:
    """The request on a daemon thread; at each check ask the flow, until it answers or the flow sends a copy."""
    replies: queue.SimpleQueue[tuple[bool, Reply | _Raised]] = queue.SimpleQueue()

    def post(copy: bool) -> None:
        try:
            replies.put((copy, _post_sync(client, send, timeout)))
        except BaseException as exc:  # e.g. a custom transport's own error: the caller raises it, never waits
            replies.put((copy, _Raised(exc)))

    def take(timeout: float | None = None) -> tuple[bool, Reply]:
        copy, got = replies.get(timeout=timeout)
        if isinstance(got, _Raised):
            raise got.error
        return copy, got

    threading.Thread(target=post, args=(False,), daemon=True, name="aiml-embeddings-request").start()
    for check in _checks(flow, send):
        try:
            return take(timeout=check)[1]
        except queue.Empty:
            pass
    threading.Thread(target=post, args=(True,), daemon=True, name="aiml-embeddings-hedge").start()
    copy, reply = take()
    if not _good(reply):
        copy, reply = take()  # the other may still succeed; a failure of both is the second one's
    return Won(reply, copy)


@dataclass(frozen=True)
class _Raised:
    """What a request thread raised that is not a transport error (a reply): the caller re-raises it."""

    error: BaseException


# --- async --------------------------------------------------------------------


async def _post_async(client: httpx.AsyncClient, send: Send, timeout: httpx.Timeout | None) -> Reply:
    try:
        return await send_async(client, send, timeout)
    except httpx.RequestError as exc:
        logger.debug("request failed: %s", type(exc).__name__)
        return exc


async def drive_async(
    flow: Flow,
    client: httpx.AsyncClient,
    timeout: httpx.Timeout | None,
    sleep: Callable[[float], Awaitable[Any]],
) -> list[Failure]:
    with closing(flow):
        step = _next(flow, None)
        while not isinstance(step, _Finished):
            if isinstance(step, Sleep):
                await sleep(step.seconds)
                step = _next(flow, None)
            elif step.hedge_after is None:
                step = _next(flow, await _post_async(client, step, timeout))
            else:
                step = _next(flow, await _race_async(flow, client, step, timeout))
        return step.failures


async def _race_async(flow: Flow, client: httpx.AsyncClient, send: Send, timeout: httpx.Timeout | None) -> Event:
    first = asyncio.ensure_future(_post_async(client, send, timeout))
    tasks = {first}
    try:
        for check in _checks(flow, send):
            done, _ = await asyncio.wait(tasks, timeout=check)
            if done:
                return first.result()
        second = asyncio.ensure_future(_post_async(client, send, timeout))
        tasks.add(second)
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        winner = first if first in done else second
        if not _good(winner.result()) and len(done) < 2:
            winner = second if winner is first else first
            await winner
        return Won(winner.result(), winner is second)
    finally:
        for task in tasks:
            task.cancel()

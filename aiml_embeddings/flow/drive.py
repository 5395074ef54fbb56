"""The only code that touches the network or the clock: it runs a batch flow against httpx.

Each driver posts in exactly one place (``_post_sync`` / ``_post_async``),
closes the flow however it ends (so an interrupt or an error escaping a
request cannot keep a slot), and races a copy against an overdue request
when the flow asks for one: async cancels the slower copy; sync abandons
it to a daemon thread (a blocking read cannot be cancelled), whose answer
is dropped.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from .batch import OVERDUE, Answer, Failure, Flow, Hedge, Reply, Send, Sleep, Wait, Won

logger = logging.getLogger("aiml_embeddings")


def _good(reply: Reply) -> bool:
    return isinstance(reply, httpx.Response) and reply.is_success


# --- sync ---------------------------------------------------------------------


def _post_sync(client: httpx.Client, send: Send, timeout: httpx.Timeout | None) -> Reply:
    try:
        return client.post(
            send.url, content=send.body, headers=send.headers, timeout=timeout or httpx.USE_CLIENT_DEFAULT
        )
    except httpx.RequestError as exc:
        logger.debug("request failed: %s", type(exc).__name__)
        return exc


def drive_sync(
    flow: Flow,
    client: httpx.Client,
    timeout: httpx.Timeout | None,
    sleep: Callable[[float], None],
) -> list[Failure]:
    answer: Answer = None
    try:
        while True:
            action = flow.send(answer)
            if isinstance(action, Sleep):
                sleep(action.seconds)
                answer = None
            elif isinstance(action, Send):
                answer = (
                    _post_sync(client, action, timeout)
                    if action.hedge_after is None
                    else _race_sync(flow, client, action, timeout)
                )
            else:
                raise RuntimeError(f"the flow asked for {action!r} with no request out")
    except StopIteration as done:
        result: list[Failure] = done.value
        return result
    finally:
        flow.close()


def _race_sync(flow: Flow, client: httpx.Client, send: Send, timeout: httpx.Timeout | None) -> Answer:
    """The request on a daemon thread; at each check ask the flow, until it answers or the flow sends a copy."""
    replies: queue.SimpleQueue[tuple[bool, Reply | BaseException]] = queue.SimpleQueue()

    def post(copy: bool) -> None:
        try:
            replies.put((copy, _post_sync(client, send, timeout)))
        except BaseException as exc:  # not a transport error: the caller's thread raises it, as a direct post would
            replies.put((copy, exc))

    def first() -> tuple[bool, Reply]:
        copy, reply = replies.get()
        if isinstance(reply, BaseException) and not isinstance(reply, httpx.RequestError):
            raise reply
        return copy, reply

    threading.Thread(target=post, args=(False,), daemon=True, name="aiml-embeddings-request").start()
    check = send.hedge_after
    while True:
        try:
            copy, reply = replies.get(timeout=check)
        except queue.Empty:
            pass
        else:
            replies.put((copy, reply))
            return first()[1]
        decision = flow.send(OVERDUE)
        if isinstance(decision, Hedge):
            break
        assert isinstance(decision, Wait)
        check = decision.seconds
    threading.Thread(target=post, args=(True,), daemon=True, name="aiml-embeddings-hedge").start()
    copy, reply = first()
    if not _good(reply):
        copy, reply = first()  # the other may still succeed; a failure of both is the second one's
    return Won(reply, copy)


# --- async --------------------------------------------------------------------


async def _post_async(client: httpx.AsyncClient, send: Send, timeout: httpx.Timeout | None) -> Reply:
    try:
        return await client.post(
            send.url, content=send.body, headers=send.headers, timeout=timeout or httpx.USE_CLIENT_DEFAULT
        )
    except httpx.RequestError as exc:
        logger.debug("request failed: %s", type(exc).__name__)
        return exc


async def drive_async(
    flow: Flow,
    client: httpx.AsyncClient,
    timeout: httpx.Timeout | None,
    sleep: Callable[[float], Awaitable[Any]],
) -> list[Failure]:
    answer: Answer = None
    try:
        while True:
            action = flow.send(answer)
            if isinstance(action, Sleep):
                await sleep(action.seconds)
                answer = None
            elif isinstance(action, Send):
                answer = (
                    await _post_async(client, action, timeout)
                    if action.hedge_after is None
                    else await _race_async(flow, client, action, timeout)
                )
            else:
                raise RuntimeError(f"the flow asked for {action!r} with no request out")
    except StopIteration as done:
        result: list[Failure] = done.value
        return result
    finally:
        flow.close()


async def _race_async(flow: Flow, client: httpx.AsyncClient, send: Send, timeout: httpx.Timeout | None) -> Answer:
    first = asyncio.ensure_future(_post_async(client, send, timeout))
    tasks = {first}
    try:
        check = send.hedge_after
        while True:
            done, _ = await asyncio.wait(tasks, timeout=check)
            if done:
                return first.result()
            decision = flow.send(OVERDUE)
            if isinstance(decision, Hedge):
                break
            assert isinstance(decision, Wait)
            check = decision.seconds
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

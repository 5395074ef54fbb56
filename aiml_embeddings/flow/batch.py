"""One batch, start to end, written once for both sync and async (sans-IO).

``batch_flow`` is a generator that yields what it needs done (send this
request, sleep this long, send a copy of that late one) and is sent back
what happened. The retry, split, hedge and decode logic therefore exists
once; the drivers in ``drive`` are the only places that touch the network
or the clock, and the flow controller decides when and how fast.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import httpx

from ..auth import secrets_of
from ..dedup import FanOut
from ..errors import (
    AIMLEmbeddingsError,
    APIConnectionError,
    APITimeoutError,
    InputTooLongError,
    MalformedResponseError,
    clean_request_id,
    scrub,
    status_error,
)
from ..length import VectorLength
from ..models import ModelSpec
from ..plan import halves
from ..usage import Meter
from ..wire import Answer, Codec, RawVector
from ..wire.base import dimension_of
from .controller import FlowController, Kind, Ticket
from .http import LARGEST_ANSWER, BadBody, answer_cap
from .retry import RetryPolicy, is_retryable, looks_too_large, retry_after

logger = logging.getLogger("aiml_embeddings")


Reply = httpx.Response | httpx.RequestError | BadBody | None
"""What one request came back with: an answer, a transport error, an unreadable body, or nothing (cancelled)."""


@dataclass(frozen=True)
class Send:
    url: str
    headers: dict[str, str] = field(repr=False)  # the key: never in a repr, a log or captured frame locals
    body: bytes
    max_answer_bytes: int = LARGEST_ANSWER
    """The largest answer this batch can honestly get (``http.answer_cap``)."""
    hedge_after: float | None = None
    """Seconds after which the driver answers ``OVERDUE`` if the request is still out (None: just wait)."""


@dataclass(frozen=True)
class Sleep:
    seconds: float


@dataclass(frozen=True)
class Hedge:
    """Send a copy of the overdue request and answer ``Won`` with the first good reply of the two."""


@dataclass(frozen=True)
class Wait:
    """Keep waiting for the overdue request alone: answer ``OVERDUE`` again after ``seconds`` (None: never)."""

    seconds: float | None = None


@dataclass(frozen=True)
class Overdue:
    """The request sent with ``hedge_after`` has not answered in that time."""


OVERDUE = Overdue()


@dataclass(frozen=True)
class Won:
    reply: Reply
    copy: bool
    """Whether the copy answered first (the other one was cancelled or abandoned)."""


Action = Send | Sleep | Hedge | Wait
Event = Reply | Overdue | Won
"""What the driver sends back into the flow: a reply, the news that it is overdue, or the winner of a race."""
Failure = tuple[range, AIMLEmbeddingsError | None]
"""A batch that did not finish, with its error (None: never started, another batch failed first)."""


@dataclass(frozen=True)
class _TooLarge:
    message: str
    status: int
    request_id: str | None


@dataclass
class Job:
    """Everything one ``embed`` call needs, computed once before the first request."""

    spec: ModelSpec
    codec: Codec
    url: str
    headers: dict[str, str] = field(repr=False)  # the key: never in a repr, a log or captured frame locals
    params: dict[str, object]
    texts: list[str]
    costs: list[int]
    """Each text's estimated tokens, as planned: a request's pacing cost is the sum of its texts'."""
    positions: list[int]
    batches: list[range]
    length: VectorLength
    """The client's: an unknown model's first answer sets it for this call and every later one."""
    policy: RetryPolicy
    sink: FanOut
    controller: FlowController
    meter: Meter = field(default_factory=Meter)

    def indices(self, part: range) -> list[int]:
        return [self.positions[i] for i in part]

    def check(self, vectors: list[RawVector], answer: Answer) -> None:
        """Every vector has the client's length; an unknown model's first answer sets it, once it agrees with
        itself (an answer of two lengths teaches nothing, so it cannot spoil every later call)."""
        if not vectors:
            return
        known = self.length.value
        expected = known if known is not None else dimension_of(vectors[0])
        for item, vector in enumerate(vectors):
            if dimension_of(vector) != expected:
                raise answer.malformed(f"holds a vector of {dimension_of(vector)} values, expected {expected}", item)
        if known is None and (learned := self.length.expect(expected)) != expected:  # another first answer won
            raise answer.malformed(f"holds a vector of {expected} values, expected {learned}", 0)

    def secrets(self) -> tuple[str, ...]:
        """What a server's text must not show back: every form of the credential this job sends."""
        return secrets_of(self.headers.get("Authorization", ""))


Flow = Generator[Action, Event, list[Failure]]


def batch_flow(job: Job, batch: range) -> Flow:
    """Send one planned batch; split what the server finds too large; collect what failed."""
    failures: list[Failure] = []
    job.meter.count(inputs=len(batch))  # usage: texts sent
    pending = [batch]
    while pending:
        part = pending.pop()
        outcome = yield from _attempts(job, part)
        if isinstance(outcome, _TooLarge):
            if len(part) > 1:
                first, second = halves(part)
                logger.debug("model %s: batch of %d too large, splitting", job.spec.id, len(part))
                pending += [second, first]
                continue
            index = job.positions[part.start]
            outcome = InputTooLongError(
                f"input {index} is too long for model {job.spec.id!r} ({outcome.message}); "
                "shorten or split it, or pass truncate=True to cut it to the model's context",
                model=job.spec.id,
                status_code=outcome.status,
                request_id=outcome.request_id,
                provider_message=outcome.message,
                failed_indices=[index],
            )
        if isinstance(outcome, AIMLEmbeddingsError):
            failures.append((part, outcome))
        else:
            job.sink.put(job.indices(part), outcome)
    return failures


def _attempts(job: Job, part: range) -> Generator[Action, Event, list[RawVector] | _TooLarge | AIMLEmbeddingsError]:
    """One batch until it succeeds, is too large, or fails for good.

    Each event has one line: the request sent (``Send``), the hedge sent
    (``Hedge``, when the controller grants a copy), the answer received
    (``_read``), the 429 (``rate_limited``) and the retry (``Sleep`` after
    a fault). Failures other than 429 are retried ``max_retries`` times
    while the controller's retry budget lasts; 429s for as long as
    ``rate_limit_patience`` allows, spaced by the controller (a pause for
    everyone, a lower in-flight limit, or a slower pace) rather than by a
    sleep here.
    """
    texts = job.texts[part.start : part.stop]
    body = json.dumps(job.codec.encode(job.spec, texts, job.params)).encode("utf-8")
    cost = sum(job.costs[part.start : part.stop])
    control = job.controller
    failures = 0
    limited_since: float | None = None
    while True:
        ticket = yield from _admission(control, cost)
        copy: Ticket | None = None
        job.meter.count(requests=1)  # usage: request sent
        try:
            event = yield Send(
                job.url,
                job.headers,
                body,
                max_answer_bytes=answer_cap(len(part), job.length.value),
                hedge_after=control.first_check(cost),
            )
            while isinstance(event, Overdue) and copy is None:
                late = control.overdue(ticket)
                if isinstance(late, Ticket):
                    copy = late
                    job.meter.count(requests=1)  # usage: hedge sent
                    event = yield Hedge()
                else:
                    event = yield Wait(late)
        except BaseException:  # closed or interrupted mid-request: give the slots back, whatever happens next
            control.answered(ticket, "abandoned")
            if copy is not None:
                control.answered(copy, "abandoned")
            raise
        won = event if isinstance(event, Won) else Won(None if isinstance(event, Overdue) else event, False)
        reply = won.reply
        outcome = _read(job, part, reply)
        kind, hint = _evidence(reply, outcome, job.policy)
        first, other = (copy, ticket) if won.copy and copy is not None else (ticket, copy)
        headers = reply.headers if isinstance(reply, httpx.Response) else None
        control.answered(first, kind, retry_after=hint, headers=headers)
        if other is not None:
            control.answered(other, "abandoned")
        if not isinstance(outcome, _Retryable):
            return outcome
        if kind == "rate_limited":
            job.meter.count(rate_limited=1)  # usage: answer 429
            now = control.now()
            limited_since = now if limited_since is None else limited_since
            if now - limited_since >= job.policy.rate_limit_patience:
                return outcome.error
            job.meter.count(retries=1)  # usage: retry
            continue
        limited_since = None
        failures += 1
        if failures > job.policy.max_retries or not control.may_retry():
            return outcome.error
        job.meter.count(retries=1)  # usage: retry
        yield Sleep(job.policy.delay(failures - 1, headers))


def _admission(control: FlowController, cost: int) -> Generator[Action, Event, Ticket]:
    """Wait (in yielded sleeps) until the controller admits a request of ``cost``."""
    while not isinstance(admitted := control.admit(cost), Ticket):
        yield Sleep(admitted)
    return admitted


def _evidence(
    reply: Reply, outcome: list[RawVector] | _TooLarge | AIMLEmbeddingsError | _Retryable, policy: RetryPolicy
) -> tuple[Kind, float | None]:
    """What one answer tells the controller, and the server's hint when it refused for rate."""
    if isinstance(reply, httpx.Response) and reply.status_code == 429:
        hint = retry_after(reply.headers)
        return "rate_limited", None if hint is None else min(hint, policy.retry_after_cap)
    if isinstance(outcome, list):
        return "ok", None
    if isinstance(outcome, _Retryable):
        return "fault", None
    return "final", None


@dataclass(frozen=True)
class _Retryable:
    error: AIMLEmbeddingsError


def _read(job: Job, part: range, reply: Reply) -> list[RawVector] | _TooLarge | AIMLEmbeddingsError | _Retryable:
    """What one reply means for its batch: vectors, too large, a final error, or worth another try."""
    model = job.spec.id
    secrets = job.secrets()
    if isinstance(reply, BadBody):
        request_id = clean_request_id(reply.request_id, secrets)
        return _Retryable(Answer(model, job.indices(part), reply.status_code, request_id).malformed(reply.problem))
    if not isinstance(reply, httpx.Response):
        cls = APITimeoutError if isinstance(reply, httpx.TimeoutException) else APIConnectionError
        return _Retryable(
            cls(
                f"model {model!r}: no answer from the API ({type(reply).__name__}); check the network and base URL",
                model=model,
            )
        )
    request_id = clean_request_id(reply.headers.get("x-request-id"), secrets)
    payload = _json(reply)
    if reply.is_success:
        answer = Answer(model, job.indices(part), reply.status_code, request_id)
        try:
            vectors = job.codec.decode(payload, answer)
            job.check(vectors, answer)
            job.meter.add(job.codec.usage(payload))  # usage: answer decoded (tokens, credits)
            return vectors
        except MalformedResponseError as exc:
            return _Retryable(exc)
    info = job.codec.error(payload, reply.text)
    request_id = request_id or clean_request_id(info.request_id, secrets)
    message = scrub(info.message, secrets)
    if looks_too_large(reply.status_code, message):
        return _TooLarge(message, reply.status_code, request_id)
    error = status_error(reply.status_code, message, model=model, request_id=request_id, grpc_code=info.code)
    logger.debug("model %s: status %d (request id %s)", model, reply.status_code, request_id)
    return _Retryable(error) if is_retryable(reply.status_code) else error


def _json(reply: httpx.Response) -> Any:
    """The body as JSON, or None: not JSON, not text, or nested deeper than the parser goes."""
    try:
        return reply.json()
    except (ValueError, RecursionError):
        return None

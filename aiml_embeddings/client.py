"""``EmbeddingsClient``: the one object both adapters delegate to.

It owns the HTTP clients and the concurrency bound, so every request an
instance makes, from however many threads or gathered coroutines, shares
one pool and one limit.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import threading
import time
import weakref
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import as_completed
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal, overload

import httpx
from pydantic import SecretStr

from . import __version__
from .auth import KEY_ENV, authorization, resolve_base_url, resolve_key
from .dedup import FanOut, first_occurrences
from .errors import AIMLEmbeddingsError, ConfigurationError, EmptyInputError, InputTooLongError, MissingAPIKeyError
from .flow.batch import Failure, Job, batch_flow
from .flow.controller import FlowController
from .flow.deadline import bounded_client
from .flow.drive import drive_async, drive_sync
from .flow.quota import SharedQuota
from .flow.retry import RetryPolicy
from .flow.run import ProgressCallback, Run
from .flow.workers import Workers
from .inputs import EmptyPolicy, blank_positions, check_texts, clip_long
from .length import VectorLength
from .models import DEFAULT_MODEL, Api, ModelSpec, get_model
from .output import Batch, BatchCallback, ListSink, NumpySink, Output, Sink
from .plan import estimate_tokens, inputs_per_request, plan_batches
from .roles import Purpose, resolve_roles
from .settings import DEFAULT_MAX_CONCURRENCY, DEFAULT_TIMEOUT, Settings, checked, values_of
from .usage import Meter, Usage
from .wire import CODECS

UsageCallback = Callable[[Usage], None]
"""Called once per call with what the call cost."""

logger = logging.getLogger("aiml_embeddings")

_LIVE: weakref.WeakSet[EmbeddingsClient] = weakref.WeakSet()
"""Every client in this process, so a forked child can give each its own runtime before it runs a line."""


def _after_fork_in_child() -> None:
    """A forked child inherits the parent's kept-alive connections, pool threads that do not exist in it,
    and locks that may be held for ever: reading from the same socket as the parent, the two would get
    each other's answers. Each client starts afresh here, while the child has only one thread."""
    for client in list(_LIVE):
        client._forked()


if hasattr(os, "register_at_fork"):  # not on Windows, which cannot fork
    os.register_at_fork(after_in_child=_after_fork_in_child)


@dataclass
class _LoopState:
    http: httpx.AsyncClient
    slots: asyncio.Semaphore
    owned: bool


class EmbeddingsClient:
    """Embeds lists of texts through the AI/ML API or Inworld, batched, concurrent and retried.

    Settings are checked against the model when the client is built;
    the key is looked up when the first request is made (so a client
    rebuilt from settings picks it up from the environment).
    """

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        api_key: str | SecretStr | None = None,
        api: Api | None = None,
        settings: Settings | None = None,
        http_client: httpx.Client | None = None,
        http_async_client: httpx.AsyncClient | None = None,
        sleep: Callable[[float], None] = time.sleep,
        async_sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        retry_policy: RetryPolicy | None = None,
        shared_quota: SharedQuota | None = None,
        **options: Any,
    ) -> None:
        """``options`` are the fields of ``aiml_embeddings.settings.ClientSettings`` (declared, defaulted and
        checked there once); ``settings`` is an adapter holding them, which ``options`` override."""
        self.spec: ModelSpec = get_model(model, api=api or "aimlapi")
        if api is not None and api != self.spec.api:
            raise ConfigurationError(f"model {model!r} is served by the {self.spec.api} API, not {api}", model=model)
        self.settings = checked({**(values_of(settings) if settings is not None else {}), **options}, model)
        given = self.settings
        self.dimensions = _check_dimensions(self.spec, given.dimensions)
        self.length = VectorLength(self.dimensions or self.spec.dimension)
        self.roles = resolve_roles(self.spec, given.roles)
        self.base_url = resolve_base_url(self.spec.api, given.base_url)
        self.batch_size = given.batch_size
        self.max_concurrency = given.max_concurrency
        self.policy = retry_policy or RetryPolicy(max_retries=given.max_retries)
        timeout = given.timeout
        self.timeout = timeout if isinstance(timeout, httpx.Timeout) or timeout is None else httpx.Timeout(timeout)
        self.default_headers = dict(given.default_headers or {})
        self.empty_inputs: EmptyPolicy = given.empty_inputs
        self.truncate = given.truncate
        self.requests_per_minute = given.requests_per_minute
        self.tokens_per_minute = given.tokens_per_minute
        self.dedupe = given.dedupe
        self.hedge = given.hedge
        self.shared_quota = shared_quota
        self._api_key = SecretStr(api_key) if isinstance(api_key, str) else api_key
        self._sleep = sleep
        self._async_sleep = async_sleep
        self._clock = clock
        self._injected_http = http_client
        self._injected_async_http = http_async_client
        self._meter = Meter()
        self.is_copy = False
        """True in a copy made by pickling: the key stayed behind, so a missing one is explained as such."""
        self._init_runtime()
        _LIVE.add(self)

    def _init_runtime(self) -> None:
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(self.max_concurrency)
        self.controller = FlowController(
            self.max_concurrency,
            requests_per_minute=self.requests_per_minute,
            tokens_per_minute=self.tokens_per_minute,
            hedge=self.hedge,
            clock=self._clock,
            shared=self.shared_quota,
        )
        self._http: httpx.Client | None = self._injected_http
        self._pool: Workers | None = None
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopState] = weakref.WeakKeyDictionary()

    @property
    def model(self) -> str:
        return self.spec.id

    @property
    def usage(self) -> Usage:
        """What this client has sent and been billed for so far, over every call, thread and event loop."""
        return self._meter.usage

    @property
    def cache_namespace(self) -> str:
        """A name for caches of these vectors: it changes whenever model, dimensions or roles change them."""
        roles = json.dumps({p: r.model_dump() for p, r in sorted(self.roles.items())}, sort_keys=True)
        digest = hashlib.sha256(roles.encode("utf-8")).hexdigest()[:12]
        return f"aiml-embeddings/{self.model}/{self.length.known or 'native'}/roles-{digest}"

    @property
    def dimension(self) -> int | None:
        """The length of the vectors this client returns (None for an unknown model until its first answer,
        then that answer's length for every later call)."""
        return self.length.value

    def __repr__(self) -> str:
        return (
            f"EmbeddingsClient(model={self.model!r}, api={self.spec.api!r}, base_url={self.base_url!r}, "
            f"dimensions={self.dimensions!r}, max_concurrency={self.max_concurrency}, "
            f"max_retries={self.policy.max_retries})"
        )

    # --- pickling: settings travel, live clients and locks are rebuilt ------

    def __getstate__(self) -> dict[str, Any]:
        """Settings only: the key stays behind (a copy reads it from the environment), like the live clients."""
        state = dict(self.__dict__)
        for name in (
            "_api_key",
            "_lock",
            "_slots",
            "controller",
            "_http",
            "_pool",
            "_loops",
            "_injected_http",
            "_injected_async_http",
            "_meter",
        ):
            state.pop(name, None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._api_key = None
        self._injected_http = None
        self._injected_async_http = None
        self._meter = Meter()  # a copy's usage starts from nothing
        self.is_copy = True
        self._init_runtime()
        _LIVE.add(self)

    def _forked(self) -> None:
        """Called in a forked child: the runtime rebuilt, the parent's copies dropped unclosed.

        Closing them would close the parent's connections from here (a TLS
        close alert goes out on the shared socket), so they are only let go.
        """
        self._init_runtime()
        if self._injected_http is not None or self._injected_async_http is not None:
            logger.warning(
                "model %s: this process was forked from one whose EmbeddingsClient was given an http_client; "
                "that client's kept-alive connections are shared with the parent process, so pass a new one "
                "in each process (or let EmbeddingsClient make its own)",
                self.spec.id,
            )

    # --- public API ----------------------------------------------------------

    @overload
    def embed(
        self,
        texts: Iterable[str],
        purpose: Purpose = ...,
        *,
        output: Literal["list"] = ...,
        on_progress: ProgressCallback | None = ...,
        on_usage: UsageCallback | None = ...,
        on_batch: Callable[[Batch[list[list[float]]]], None] | None = ...,
    ) -> list[list[float]]: ...

    @overload
    def embed(
        self,
        texts: Iterable[str],
        purpose: Purpose = ...,
        *,
        output: Literal["numpy"],
        on_progress: ProgressCallback | None = ...,
        on_usage: UsageCallback | None = ...,
        on_batch: BatchCallback | None = ...,
    ) -> Any: ...

    def embed(
        self,
        texts: Iterable[str],
        purpose: Purpose = "document",
        *,
        output: Output = "list",
        on_progress: ProgressCallback | None = None,
        on_usage: UsageCallback | None = None,
        on_batch: BatchCallback | None = None,
    ) -> Any:
        """Vectors for ``texts`` in input order, one per input; ``purpose`` picks the model's role.

        ``on_usage`` is called once with what this call cost (also when it fails): ``usage`` is the
        client's running total, which concurrent calls share, so it cannot tell one call's share.

        ``on_batch`` is told each request's vectors as they land, before the call ends, so a long
        call can save its work as it goes (the corpus job checkpoints each one): a ``Batch`` of the
        input positions the request filled (its texts and their repeats) and their vectors. Batches
        land in any order, each position once; the blank inputs, never sent, come last. Reports
        never overlap (sync: on a worker thread, while that request's slot is still held, so a
        slow callback slows the call; async: on the event loop); a failed batch is not reported
        (its positions are in the error's ``failed_indices``). An exception the callback raises
        ends the call with that exception, and nothing is reported after the call has returned or
        raised.
        """
        job, blanks = self._job(texts, purpose, output, on_batch)
        try:
            failures = self._run_sync(job, on_progress) if job.batches else []
            _report_skipped(on_progress, job)
            return self._finish(job, blanks, failures)
        finally:
            job.sink.hush()
            if on_usage is not None:
                on_usage(job.meter.usage)

    @overload
    async def aembed(
        self,
        texts: Iterable[str],
        purpose: Purpose = ...,
        *,
        output: Literal["list"] = ...,
        on_progress: ProgressCallback | None = ...,
        on_usage: UsageCallback | None = ...,
        on_batch: Callable[[Batch[list[list[float]]]], None] | None = ...,
    ) -> list[list[float]]: ...

    @overload
    async def aembed(
        self,
        texts: Iterable[str],
        purpose: Purpose = ...,
        *,
        output: Literal["numpy"],
        on_progress: ProgressCallback | None = ...,
        on_usage: UsageCallback | None = ...,
        on_batch: BatchCallback | None = ...,
    ) -> Any: ...

    async def aembed(
        self,
        texts: Iterable[str],
        purpose: Purpose = "document",
        *,
        output: Output = "list",
        on_progress: ProgressCallback | None = None,
        on_usage: UsageCallback | None = None,
        on_batch: BatchCallback | None = None,
    ) -> Any:
        """The async twin of ``embed``: same batches, on the event loop, no thread hop."""
        job, blanks = self._job(texts, purpose, output, on_batch)
        try:
            failures = await self._run_async(job, on_progress) if job.batches else []
            _report_skipped(on_progress, job)
            return self._finish(job, blanks, failures)
        finally:
            job.sink.hush()
            if on_usage is not None:
                on_usage(job.meter.usage)

    def close(self) -> None:
        """Close everything this instance made: the sync HTTP client, its threads, and every loop's async client.

        Injected HTTP clients are the caller's and stay open. An async client
        of a loop still running is closed on that loop; of a closed loop, its
        connections went with the loop.
        """
        with self._lock:
            if self._http is not None and self._http is not self._injected_http:
                self._http.close()
            self._http = self._injected_http
            if self._pool is not None:
                self._pool.shutdown()
                self._pool = None
            states = list(self._loops.items())
            self._loops.clear()
        for loop, state in states:
            if state.owned:
                _close_on(loop, state.http)

    async def aclose(self) -> None:
        """``close`` from a coroutine: this loop's async client is awaited closed, the rest as ``close`` does."""
        state = self._loops.pop(asyncio.get_running_loop(), None)
        self.close()
        if state is not None and state.owned:
            await state.http.aclose()

    def __enter__(self) -> EmbeddingsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> EmbeddingsClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # --- one call ------------------------------------------------------------

    def _job(
        self, texts: Iterable[str], purpose: Purpose, output: Output, on_batch: BatchCallback | None = None
    ) -> tuple[Job, list[int]]:
        """One call, planned before its first request: checked inputs, what is sent, where answers land."""
        self._check_call(purpose, output)
        items = check_texts(texts, self.spec.id)
        blanks, positions = self._blanks(items)
        sent, positions, copies = self._to_send(items, positions, purpose)
        meter = Meter(self._meter)
        meter.count(deduplicated=sum(map(len, copies.values())))
        inner: Sink = ListSink(len(items), self.length) if output == "list" else NumpySink(len(items), self.length)
        params: dict[str, object] = dict(self.roles[purpose].params)
        if self.dimensions is not None:
            params["dimensions"] = self.dimensions
        codec = CODECS[self.spec.api]
        costs = [estimate_tokens(t) for t in sent]
        job = Job(
            spec=self.spec,
            codec=codec,
            url=self.base_url + codec.path,
            headers=self._headers() if sent else {},
            params=params,
            texts=sent,
            costs=costs,
            positions=positions,
            batches=plan_batches(
                costs,
                max_inputs=inputs_per_request(self.spec.max_inputs, self.batch_size, self.dimension),
                max_tokens=self.spec.max_tokens,
                min_batches=max(1, int(self.controller.limit)),  # the limit found so far, not the ceiling
            ),
            length=self.length,
            policy=self.policy,
            sink=FanOut(inner, copies, on_batch),
            controller=self.controller,
            meter=meter,
        )
        return job, blanks

    def _check_call(self, purpose: Purpose, output: Output) -> None:
        model = self.spec.id
        if purpose not in self.roles:
            raise ConfigurationError(
                f"purpose must be 'document' or 'query', not {purpose!r} (model {model!r})", model=model
            )
        if output not in ("list", "numpy"):
            raise ConfigurationError(f"output must be 'list' or 'numpy', not {output!r} (model {model!r})", model=model)

    def _blanks(self, items: list[str]) -> tuple[list[int], list[int]]:
        """The blank positions (per ``empty_inputs``) and the positions to send."""
        blanks = blank_positions(items, self.spec.id, self.empty_inputs)
        if blanks and self.dimension is None and len(blanks) == len(items):
            raise EmptyInputError(
                f"every input is blank and model {self.spec.id!r} is not in the registry and has not answered "
                "yet, so the zero vector's length is unknown; pass dimensions=... or remove the blank inputs",
                model=self.spec.id,
                failed_indices=blanks,
            )
        blank_set = set(blanks)
        return blanks, [i for i in range(len(items)) if i not in blank_set] if blanks else list(range(len(items)))

    def _to_send(
        self, items: list[str], positions: list[int], purpose: Purpose
    ) -> tuple[list[str], list[int], dict[int, list[int]]]:
        """The texts as the server will see them (role prefix, clipping), each distinct one once."""
        prefix = self.roles[purpose].prefix
        sent = [prefix + items[i] for i in positions] if prefix else [items[i] for i in positions]
        if self.truncate:
            sent = clip_long(sent, self.spec)
        if not self.dedupe:
            return sent, positions, {}
        return first_occurrences(sent, positions)  # after the prefix and the clipping: what the server sees twice

    def _headers(self) -> dict[str, str]:
        return {
            "Authorization": authorization(self.spec.api, self._key()),
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": f"aiml-embeddings/{__version__}",
            **self.default_headers,
        }

    def _key(self) -> SecretStr:
        try:
            return resolve_key(self.spec.api, self._api_key, self.spec.id)
        except MissingAPIKeyError:
            if not self.is_copy:
                raise
        variable = KEY_ENV[self.spec.api]
        raise MissingAPIKeyError(
            f"no API key for model {self.spec.id!r} in this copy: a pickled copy (an "
            "IngestionPipeline(num_workers=...) worker, a multiprocessing or Ray task) never carries "
            f"the api_key= given to the original, it reads {variable} from its own environment. "
            f"Set {variable} before the workers start (os.environ[{variable!r}] = ... in the parent "
            "works for spawned workers) or in the workers' environment",
            model=self.spec.id,
        )

    def _finish(self, job: Job, blanks: list[int], failures: list[Failure]) -> Any:
        if blanks and job.length.value is not None:
            job.sink.zeros(blanks)
        if failures:
            errors = [e for _, e in failures if e is not None]
            primary = next((e for e in errors if not isinstance(e, InputTooLongError)), errors[0])
            failed = [i for part, _ in failures for i in job.indices(part)]
            raise primary.with_call_result(job.sink.spread(failed), job.sink.partial()) from primary.__cause__
        return job.sink.result()

    # --- sync: a thread pool over one httpx.Client ---------------------------

    def _sync_http(self) -> httpx.Client:
        with self._lock:
            if self._http is None:
                self._http = bounded_client(self.timeout, _limits(self.max_concurrency))
            return self._http

    def _executor(self) -> Workers:
        with self._lock:
            if self._pool is None:
                self._pool = Workers(self.max_concurrency, "aiml-embeddings")
            return self._pool

    def _run_sync(self, job: Job, on_progress: ProgressCallback | None) -> list[Failure]:
        http = self._sync_http()
        run = Run(on_progress)

        def one(batch: range) -> None:
            with self._slots, run.stops_if_raised():
                if run.starts(batch):
                    run.finished(batch, drive_sync(batch_flow(job, batch), http, self.timeout, self._sleep))

        try:
            if len(job.batches) == 1:
                one(job.batches[0])
            else:
                for future in as_completed([self._executor().submit(partial(one, batch)) for batch in job.batches]):
                    future.result()
        finally:
            run.stop()  # an interrupted caller stops the batches not yet started, and does not wait for the rest
        return run.failures

    # --- async: one AsyncClient and one semaphore per event loop -------------

    def _loop_state(self) -> _LoopState:
        loop = asyncio.get_running_loop()
        state = self._loops.get(loop)
        if state is None:
            owned = self._injected_async_http is None
            http = self._injected_async_http or httpx.AsyncClient(
                timeout=self.timeout, limits=_limits(self.max_concurrency)
            )
            state = _LoopState(http=http, slots=asyncio.Semaphore(self.max_concurrency), owned=owned)
            self._loops[loop] = state
        return state

    async def _run_async(self, job: Job, on_progress: ProgressCallback | None) -> list[Failure]:
        state = self._loop_state()
        run = Run(on_progress)

        async def one(batch: range) -> None:
            async with state.slots:
                with run.stops_if_raised():
                    if not run.starts(batch):
                        return
                    failures = await drive_async(batch_flow(job, batch), state.http, self.timeout, self._async_sleep)
                    run.finished(batch, failures)

        if len(job.batches) == 1:
            await one(job.batches[0])
            return run.failures
        tasks = [asyncio.ensure_future(one(batch)) for batch in job.batches]
        try:
            await asyncio.gather(*tasks)
        finally:
            run.stop()
            for task in tasks:
                task.cancel()
        return run.failures


def _limits(concurrency: int) -> httpx.Limits:
    return httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)


def _report_skipped(on_progress: ProgressCallback | None, job: Job) -> None:
    """Repeats were never sent, so no batch reported them: they are done once their originals are."""
    if on_progress is not None and job.sink.repeats:
        on_progress(job.sink.repeats)


def _close_on(loop: asyncio.AbstractEventLoop, http: httpx.AsyncClient) -> None:
    """Close an async client on its own loop, from whatever thread or loop calls ``close``."""
    if loop.is_closed():
        return
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        loop.create_task(http.aclose())
    elif loop.is_running():
        asyncio.run_coroutine_threadsafe(http.aclose(), loop)
    else:
        loop.run_until_complete(http.aclose())


def _check_dimensions(spec: ModelSpec, dimensions: int | None) -> int | None:
    if dimensions is None:
        return None
    if not isinstance(dimensions, int) or isinstance(dimensions, bool):
        raise ConfigurationError(
            f"dimensions must be a whole number, not {dimensions!r} (model {spec.id!r})", model=spec.id
        )
    if not spec.known:
        return dimensions
    if spec.dimensions is None:
        raise ConfigurationError(
            f"model {spec.id!r} does not accept dimensions; it always returns {spec.dimension} values. "
            "Leave dimensions unset, or pick a model that accepts it (text-embedding-3-*, Google, Qwen)",
            model=spec.id,
        )
    low, high = spec.dimensions
    if not low <= dimensions <= high:
        raise ConfigurationError(
            f"dimensions={dimensions} is outside {low}..{high} for model {spec.id!r}", model=spec.id
        )
    return dimensions


__all__ = ["EmbeddingsClient", "AIMLEmbeddingsError", "DEFAULT_MAX_CONCURRENCY", "DEFAULT_TIMEOUT"]

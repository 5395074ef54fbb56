"""The corpus job: read as it goes, embed with a full pipeline, write each request as it lands, resume.

Texts travel in chunks of one wave (a full request for each request the
client lets fly, at most ``max_concurrency``), each one ``embed`` call on
the shared client, so every request is as full as the in-memory call's.
Two chunks are in flight, so the client's slots stay full across chunk
boundaries. The client tells the job each request's vectors as they land
(``on_batch``), and the job writes and checkpoints them there, before
that request's slot is given back: what a kill can lose is only the
requests holding a slot, at most ``max_concurrency`` of them, one wave.
Requests that land together share one checkpoint (group commit: one
fsync of the output and one of the manifest for all of them), which the
first of them takes while the others wait: on a busy disk a checkpoint
per request held every slot in a queue. Memory is those two chunks and
the requests in flight, never the corpus.
"""

from __future__ import annotations

import copy
import json
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from ..client import EmbeddingsClient
from ..errors import AIMLEmbeddingsError, ConfigurationError
from ..output import Batch
from ..plan import inputs_per_request
from ..roles import Purpose
from .errors import CheckpointError, InvalidRecordsError
from .formats import JobFiles, output_format
from .manifest import Manifest, write
from .records import Problem, Record, RecordId
from .source import Source
from .survey import survey
from .write_jsonl import JsonlStream, JsonlWriter
from .write_npy import NpyWriter
from .write_parquet import ParquetWriter

CHUNKS_IN_FLIGHT = 2
"""One chunk's requests queue behind the other's, so no slot idles while a chunk ends and the next is read."""


class Writer(Protocol):
    def write(self, start: int, ids: list[Any] | None, vectors: Any) -> None: ...

    def sync(self) -> dict[str, Any]: ...

    def finish(self, output: Path) -> None: ...

    def close(self) -> None: ...


@dataclass
class JobResult:
    """What a finished job did."""

    output: Path | None
    rows: int
    """Rows in the output: every valid record."""
    embedded: int
    """Rows this run embedded (fewer than ``rows`` after a resume)."""
    resumed: int
    """Rows a previous run had already finished."""
    skipped: list[Problem] = field(default_factory=list)
    skipped_file: Path | None = None
    wall_seconds: float = 0.0
    usage: Any = None
    """The client's usage during this job, when the client counts it."""


@dataclass
class _Chunk:
    start: int
    numbers: list[int]
    texts: list[str]
    ids: list[RecordId] | None


@dataclass
class JobOptions:
    """How a job reads its input and treats an existing output (see ``embed_file`` for each)."""

    purpose: Purpose
    text_field: str
    id_field: str
    resume: bool
    overwrite: bool
    skip_invalid: bool
    chunk_size: int | None


def chunk_size_for(client: EmbeddingsClient) -> int:
    """A full request for each request the client lets fly now (its flow controller's limit, at most
    ``max_concurrency``): one call then plans exactly that many full requests, where a chunk of
    ``max_concurrency`` requests under a lower limit would be cut into smaller ones to fill whole waves."""
    per_request = inputs_per_request(client.spec.max_inputs, client.batch_size, client.dimension)
    return max(1, int(client.controller.limit)) * per_request


class _Stopped(Exception):
    """Raised in a request's report once the job has stopped: the client ends that chunk's call."""


def runs(positions: list[int]) -> Iterator[tuple[int, int, int]]:
    """``(first, start, stop)`` for each stretch of consecutive ``positions`` (ascending): where it begins
    in the list, and the positions ``[start, stop)`` it covers. One stretch, unless repeats joined in."""
    if positions[-1] - positions[0] + 1 == len(positions):  # ascending and distinct: consecutive
        yield 0, positions[0], positions[-1] + 1
        return
    first = 0
    for i in range(1, len(positions) + 1):
        if i == len(positions) or positions[i] != positions[i - 1] + 1:
            yield first, positions[first], positions[i - 1] + 1
            first = i


def run_job(
    source: Source,
    output: Path | None,
    client: EmbeddingsClient,
    options: JobOptions,
    *,
    stream: BinaryIO | None = None,
    on_progress: Callable[[int], None] | None = None,
    on_start: Callable[[int, int], None] | None = None,
) -> JobResult:
    """The job behind ``embed_file`` and the command; ``on_start(rows, already_done)`` once the input is checked."""
    started = time.monotonic()
    usage_before = client.usage
    fmt = output_format(output) if output is not None else "jsonl"
    _check_extras(fmt)
    files = JobFiles(output) if output is not None else None
    old = _existing_checkpoint(files, options) if files is not None else None

    found = survey(source)
    if found.problems and not options.skip_invalid:
        raise InvalidRecordsError(source.name, source.where, found.problems, model=client.model)
    if found.rows == 0:
        raise ConfigurationError(f"{source.name}: no texts to embed", model=client.model)
    skipped_file = None
    if files is not None and found.problems:
        skipped_file = files.skipped
        with skipped_file.open("w", encoding="utf-8") as handle:
            for problem in found.problems:
                handle.write(json.dumps({source.where: problem.number, "reason": problem.reason}) + "\n")

    manifest = Manifest(
        model=client.model,
        dimensions=client.dimensions,
        purpose=options.purpose,
        input=source.fingerprint(),
        output_format=fmt,
        text_field=options.text_field,
        id_field=options.id_field,
        skip_invalid=options.skip_invalid,
        rows=found.rows,
        dimension=client.dimension,
    )
    if old is not None:
        differences = old.mismatch(manifest)
        if old.rows != manifest.rows:
            differences.append(f"rows were {old.rows}, now {manifest.rows}")
        if differences:
            raise CheckpointError(
                f"cannot resume {output}: {'; '.join(differences)}. Run it as it was started, "
                "or --overwrite (overwrite=True) to start again"
            )
        manifest = old
    resumed = manifest.done_rows()
    if on_start is not None:
        on_start(manifest.rows, resumed)
    job = _Run(source, client, options, manifest, files, fmt, found.integer_ids, stream, on_progress)
    embedded = job.run()
    usage = client.usage
    return JobResult(
        output=output,
        rows=manifest.rows,
        embedded=embedded,
        resumed=resumed,
        skipped=found.problems,
        skipped_file=skipped_file,
        wall_seconds=time.monotonic() - started,
        usage=_delta(usage_before, usage),
    )


def _delta(before: Any, after: Any) -> Any:
    from .receipt import usage_delta

    return usage_delta(before, after)


def _check_extras(fmt: str) -> None:
    """Fail before the first request, not after paying for the first chunk."""
    if fmt in ("npy", "parquet"):
        try:
            import numpy  # noqa: F401
        except ImportError as exc:
            raise ImportError(f".{fmt} output needs numpy: pip install 'aiml-embeddings[numpy]'") from exc
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError as exc:
            raise ImportError("Parquet output needs pyarrow: pip install 'aiml-embeddings[parquet]'") from exc


def _existing_checkpoint(files: JobFiles, options: JobOptions) -> Manifest | None:
    """The checkpoint to resume, or None for a fresh run; refuses what would be lost or mixed up."""
    if options.overwrite:
        for path in (files.manifest, files.partial, files.skipped):
            path.unlink(missing_ok=True)
        if files.parts.exists():
            shutil.rmtree(files.parts)
        return None
    has_manifest = files.manifest.exists()
    if has_manifest and not options.resume:
        done = Manifest.load(files.manifest)
        raise CheckpointError(
            f"{files.output} is unfinished ({done.done_rows():,} of {done.rows:,} rows done, checkpoint "
            f"{files.manifest.name}): --resume (resume=True) continues it, --overwrite (overwrite=True) starts again"
        )
    if not has_manifest and files.output.exists():
        raise CheckpointError(
            f"{files.output} exists and is finished (no checkpoint beside it): "
            "--overwrite (overwrite=True) makes it again"
        )
    if not has_manifest:
        return None
    manifest = Manifest.load(files.manifest)
    if manifest.done_rows() == manifest.rows and files.output.exists() and not files.partial.exists():
        files.manifest.unlink()  # killed between the final rename and this cleanup: it is finished
        raise CheckpointError(f"{files.output} is finished; nothing to resume (--overwrite makes it again)")
    kept = files.parts if manifest.output_format == "parquet" else files.partial
    if manifest.done and not kept.exists():
        raise CheckpointError(
            f"cannot resume {files.output}: the checkpoint lists finished rows but {kept.name} is gone; "
            "--overwrite (overwrite=True) starts again"
        )
    return manifest


class _Run:
    def __init__(
        self,
        source: Source,
        client: EmbeddingsClient,
        options: JobOptions,
        manifest: Manifest,
        files: JobFiles | None,
        fmt: str,
        integer_ids: bool,
        stream: BinaryIO | None,
        on_progress: Callable[[int], None] | None,
    ) -> None:
        self.source = source
        self.client = client
        self.options = options
        self.manifest = manifest
        self.files = files
        self.fmt = fmt
        self.integer_ids = integer_ids
        self.stream = stream
        self.on_progress = on_progress
        self.writer: Writer | None = None
        self.embedded = 0
        self.lock = threading.Lock()
        """Two chunks' requests land on the client's threads: one writes at a time."""
        self.turn = threading.Condition(self.lock)
        """Where requests wait for the checkpoint that holds their rows."""
        self.unsaved: list[tuple[int, int]] = []
        """Rows written since the last checkpoint."""
        self.written = 0
        self.saved = 0
        """Requests written, and requests a saved checkpoint holds (in the order they were written)."""
        self.saving = False
        self.stopped = False
        """Set once the job has failed or been interrupted: a request landing after it is not written."""
        try:
            import numpy  # noqa: F401

            self.vectors_as = "numpy"
        except ImportError:
            self.vectors_as = "list"

    def run(self) -> int:
        if self.files is not None:
            if self.manifest.done:
                self._open_writer(self.manifest.dimension or 0, resume=True)
            self.manifest.save(self.files.manifest)
        failure: tuple[_Chunk, AIMLEmbeddingsError] | None = None
        chunks = self._chunks()
        pool = ThreadPoolExecutor(CHUNKS_IN_FLIGHT, thread_name_prefix="aiml-embeddings-corpus")
        flying: dict[Future[Any], _Chunk] = {}

        def top_up() -> None:
            while failure is None and not self.stopped and len(flying) < CHUNKS_IN_FLIGHT:
                more = next(chunks, None)
                if more is None:
                    return
                flying[pool.submit(self._embed, more)] = more

        try:
            top_up()
            while flying:
                finished, _ = wait(flying, return_when=FIRST_COMPLETED)
                for future in finished:
                    chunk = flying.pop(future)
                    try:
                        future.result()
                    except AIMLEmbeddingsError as exc:  # its other requests are written: only the failed are not
                        failure = failure or (chunk, exc)
                    except _Stopped:
                        pass  # a write of the other chunk failed and stopped the job: its call raises that error
                top_up()
        except BaseException:  # interrupted, or the output went away: what is checkpointed stays
            self._stop()
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=False)
        assert not self.stopped or failure is not None, "the job stopped without an error"
        if failure is not None:
            self._stop()
            raise self._failed(*failure)
        self._finish()
        return self.embedded

    def _complete(self) -> bool:
        return self.manifest.done_rows() == self.manifest.rows

    def _stop(self) -> None:
        """No write after this one (a request of the other chunk may still land), and the output closed."""
        with self.lock:
            self.stopped = True
            self.turn.notify_all()
            if self.writer is not None:
                self.writer.close()

    def _embed(self, chunk: _Chunk) -> None:
        def landed(batch: Batch[Any]) -> None:
            self._commit(chunk, batch)

        self.client.embed(chunk.texts, self.options.purpose, output=self.vectors_as, on_batch=landed)  # type: ignore[call-overload]

    def _chunks(self) -> Iterator[_Chunk]:
        """Pending rows in order, in chunks that never cross a finished range, each sized as it starts."""
        size = 0
        keep_ids = self.fmt != "npy"
        pending = iter(self.manifest.pending())
        span = next(pending, None)
        row = -1
        chunk: _Chunk | None = None
        for item in self.source.items():
            if not isinstance(item, Record):
                continue
            row += 1
            while span is not None and row >= span.stop:
                span = next(pending, None)
            if span is None:
                break
            if row < span.start:
                continue
            if chunk is not None and (len(chunk.texts) >= size or chunk.start + len(chunk.texts) != row):
                yield chunk
                chunk = None
            if chunk is None:
                size = self.options.chunk_size or chunk_size_for(self.client)
                chunk = _Chunk(row, [], [], [] if keep_ids else None)
            chunk.numbers.append(item.number)
            chunk.texts.append(item.text)
            if chunk.ids is not None:
                chunk.ids.append(item.id)
        if chunk is not None:
            yield chunk

    def _open_writer(self, dimension: int, *, resume: bool) -> Writer:
        files, state = self.files, self.manifest.writer
        if files is None:
            assert self.stream is not None
            self.writer = JsonlStream(self.stream)
        elif self.fmt == "npy":
            self.writer = NpyWriter(files.partial, self.manifest.rows, dimension, resume=resume)
        elif self.fmt == "jsonl":
            pending = self.manifest.pending()
            next_row = pending[0].start if pending else self.manifest.rows
            self.writer = JsonlWriter(files.partial, files.parts, next_row=next_row, resume=state if resume else None)
        else:
            parts = state.get("parts") if resume else None
            self.writer = ParquetWriter(files.parts, dimension, integer_ids=self.integer_ids, resume_parts=parts)
        return self.writer

    def _commit(self, chunk: _Chunk, batch: Batch[Any]) -> None:
        """Write one request's rows, then return once a saved checkpoint holds them: on the client's thread,
        while the request holds its slot. The first to find no checkpoint under way takes one for all."""
        with self.lock:
            if self.stopped:
                raise _Stopped
            try:
                self._write(chunk, batch)
            except BaseException:  # a write cut short must not be checkpointed by the next request's
                self.stopped = True
                raise
            self.written += 1
            mine = self.written
            while self.saved < mine:
                if self.stopped:
                    raise _Stopped
                if self.saving:
                    self.turn.wait()
                else:
                    self._checkpoint()

    def _checkpoint(self) -> None:
        """Every row written so far made durable, then named in the manifest (called holding the lock, which
        it lets go while the manifest is written, so the next requests can write their rows meanwhile)."""
        self.saving = True
        try:
            assert self.writer is not None
            upto, rows, self.unsaved = self.written, self.unsaved, []
            self.manifest.writer = self.writer.sync()  # holding the lock: nothing is written while it takes stock
            for start, stop in rows:
                self.manifest.add(start, stop)
            encoded = self.manifest.encoded()
            self.lock.release()
            try:
                if self.files is not None:
                    write(self.files.manifest, encoded)
            finally:
                self.lock.acquire()
            self.saved = upto
            done = sum(stop - start for start, stop in rows)
            self.embedded += done
            if self.on_progress is not None:
                self.on_progress(done)
        except BaseException:
            self.stopped = True
            raise
        finally:
            self.saving = False
            self.turn.notify_all()

    def _write(self, chunk: _Chunk, batch: Batch[Any]) -> None:
        if self.writer is None:
            dimension = self.client.dimension  # known: the client checked these vectors against it
            assert dimension is not None
            self.manifest.dimension = self.manifest.dimension or dimension
            self._open_writer(dimension, resume=False)
        assert self.writer is not None
        for first, start, stop in runs(batch.positions):
            ids = chunk.ids[start:stop] if chunk.ids is not None else None
            self.writer.write(chunk.start + start, ids, batch.vectors[first : first + stop - start])
            self.unsaved.append((chunk.start + start, chunk.start + stop))

    def _finish(self) -> None:
        assert self.writer is not None and self._complete(), "a row is missing"
        if self.files is None:
            self.writer.finish(Path("-"))
            return
        self.writer.finish(self.files.output)
        self.files.manifest.unlink()

    def _forget(self) -> None:
        """Nothing finished: a checkpoint would only stand in the way of the same run again."""
        assert self.files is not None
        for path in (self.files.manifest, self.files.partial, self.files.skipped):
            path.unlink(missing_ok=True)
        if self.files.parts.exists():
            shutil.rmtree(self.files.parts)

    def _failed(self, chunk: _Chunk, error: AIMLEmbeddingsError) -> AIMLEmbeddingsError:
        where = self.source.where
        lines = sorted({chunk.numbers[i] for i in error.failed_indices if 0 <= i < len(chunk.numbers)})
        named = f" ({where}s {', '.join(map(str, lines[:10]))}{' ...' if len(lines) > 10 else ''})" if lines else ""
        kept = self.manifest.done_rows()
        if self.files is not None and kept == 0:
            self._forget()
            advice = "nothing was written"
        elif self.files is not None:
            advice = (
                f"{kept:,} of {self.manifest.rows:,} rows are done and kept in {self.files.partial.name}: "
                "run again with --resume (resume=True) to embed only the rest"
            )
        else:
            advice = f"{kept:,} of {self.manifest.rows:,} rows were written"
        failed = copy.copy(error)  # the same class, so callers catch RateLimitError, MissingAPIKeyError, ...
        failed.message = f"{self.source.name}{named}: {error.message}; {advice}"
        failed.args = (failed.message,)
        failed.failed_indices = tuple(chunk.start + i for i in error.failed_indices)
        failed.partial = None
        failed.__cause__ = error
        return failed

"""Corpus jobs: embed a file of any size to ``.npy``, JSONL or Parquet, checkpointed and resumable.

``embed_file`` is what ``aiml-embeddings embed -i ... -o ...`` runs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..client import EmbeddingsClient
from ..errors import ConfigurationError
from ..models import DEFAULT_MODEL
from ..roles import Purpose
from .errors import CheckpointError, InvalidRecordsError
from .formats import OUTPUT_FORMATS
from .job import JobOptions, JobResult, run_job
from .receipt import receipt
from .records import Problem
from .source import INPUT_FORMATS, FileSource, TextsSource, open_source


def embed_file(
    input: str | Path,
    output: str | Path,
    model: str = DEFAULT_MODEL,
    *,
    dimensions: int | None = None,
    purpose: Purpose = "document",
    text_field: str = "text",
    id_field: str = "id",
    resume: bool = False,
    overwrite: bool = False,
    skip_invalid: bool = False,
    on_progress: Callable[[int], None] | None = None,
    client: EmbeddingsClient | None = None,
    chunk_size: int | None = None,
    **settings: Any,
) -> JobResult:
    """Embed every record of ``input`` into ``output``, in input order, with a checkpoint that survives a kill.

    Input: ``.jsonl`` (objects with ``text_field``; ``id_field`` gives the id,
    else the line number), ``.parquet`` or ``.csv`` (columns; needs the
    ``parquet`` extra), anything else one text per line. Every record is
    checked before the first request: bad ones raise ``InvalidRecordsError``
    naming each line, or with ``skip_invalid`` are left out and listed in
    ``<output>.skipped.jsonl``.

    Output, by suffix: ``.npy`` (float32, rows in input order), ``.jsonl``
    (``{"id", "embedding"}`` per record) or ``.parquet`` (``id``, and
    ``embedding`` as a fixed-size float32 list). It gets its name only when
    complete; until then ``<output>.manifest.json`` records the finished rows,
    and ``resume=True`` sends only the others. A leftover checkpoint without
    ``resume`` (or ``overwrite``) is a ``CheckpointError``, as is resuming with
    another model, dimensions, purpose or input.

    ``on_progress`` is called with the number of rows each finished request
    wrote (on the client's worker threads, one call at a time). Pass
    ``client`` to reuse one (its model and dimensions then apply), or
    ``model``, ``dimensions`` and any ``EmbeddingsClient`` ``settings``.
    """
    if client is not None and (model != DEFAULT_MODEL or dimensions is not None or settings):
        raise ConfigurationError("pass either client=... or the model and its settings, not both")
    options = JobOptions(purpose, text_field, id_field, resume, overwrite, skip_invalid, chunk_size)
    source = open_source(input, text_field=text_field, id_field=id_field)
    owned = client is None
    client = client or EmbeddingsClient(model, dimensions=dimensions, **settings)
    try:
        return run_job(source, Path(output), client, options, on_progress=on_progress)
    finally:
        if owned:
            client.close()


__all__ = [
    "embed_file",
    "JobResult",
    "receipt",
    "CheckpointError",
    "InvalidRecordsError",
    "Problem",
    "FileSource",
    "TextsSource",
    "INPUT_FORMATS",
    "OUTPUT_FORMATS",
]

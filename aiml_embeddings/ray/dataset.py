"""``embed_dataset``: the common case, one call from a Dataset of texts to a Dataset with vectors."""

from __future__ import annotations

from typing import Any

from .actor import connect
from .embedder import DEFAULT_QUOTA_NAME, Embedder, quota_settings

_HELD: dict[str, Any] = {}
"""Handles the driver keeps, so Ray does not end a quota actor while its Embedders run."""

DEFAULT_ACTORS = 4
"""Actors in the pool: through a hosted API the quota, not the CPUs, caps throughput; 4 x 8 requests in flight
keep any quota we know of busy."""
ACTOR_CPUS = 0.25
"""CPUs reserved per actor: it mostly waits on the network and the quota, so 4 actors fit on one core's worth."""
DEFAULT_BATCH_ROWS = 1024
"""Rows per batch handed to an actor: enough for the core to fill 8 requests of 128 short texts."""


def embed_dataset(
    ds: Any,
    *,
    concurrency: int = DEFAULT_ACTORS,
    ray_batch_size: int = DEFAULT_BATCH_ROWS,
    batch_format: str = "numpy",
    num_cpus: float = ACTOR_CPUS,
    **embedder: Any,
) -> Any:
    """``ds`` with a vector column added by a pool of ``concurrency`` ``Embedder`` actors sharing one quota.

    ``ray_batch_size`` is ``map_batches``' ``batch_size`` (rows per call), named
    apart from the core's ``batch_size`` (inputs per request), which goes to
    the Embedder like its other settings. ``embedder`` holds ``Embedder``'s keyword arguments (``model``,
    ``text_column``, ``requests_per_minute``, ``tokens_per_minute``,
    ``on_error``, ...). Like any ``map_batches``, nothing runs until the
    Dataset is consumed, and rows keep their order only if the Dataset's
    context asks Ray to (``DataContext.execution_options.preserve_order``);
    keep an id column to join on.

    The quota actor is created here, by the driver, so it lives as long as
    the driver (a later ``embed_dataset`` with the same totals continues the
    same quota) and ``quota_report()`` can read it after the job.
    """
    import ray.data

    settings = quota_settings(embedder)
    if settings is not None:
        name = embedder.get("quota_name", DEFAULT_QUOTA_NAME)
        _HELD[name] = connect(settings, name)

    out = ds.map_batches(
        Embedder,
        fn_constructor_kwargs=embedder,
        compute=ray.data.ActorPoolStrategy(size=concurrency),
        batch_size=ray_batch_size,
        batch_format=batch_format,
        num_cpus=num_cpus,
    )
    # A bad key or an empty account fails the job with that typed error (an instance of it), not a
    # UserCodeException that only names it; the setting is this Dataset's own copy of the context.
    out.context.raise_original_map_exception = True
    return out

"""Ray Data integration: embed a Dataset with a pool of actors that share one account quota.

Needs the ``ray`` extra (``pip install "aiml-embeddings[ray]"``); the core
package never imports this module. ``Embedder`` is the callable class for
``Dataset.map_batches``; ``embed_dataset`` wraps the common case. With
``requests_per_minute`` / ``tokens_per_minute`` set, every Embedder of a job
draws permits from one named Ray actor (``actor.py``) holding an
``AccountQuota`` (``quota.py``), which also learns from everyone's 429s.
"""

from __future__ import annotations

from .actor import RayQuota, quota_report
from .dataset import embed_dataset
from .embedder import NULLABLE, Embedder
from .quota import DEFAULT_BURST_SECONDS, AccountQuota, QuotaSettings

__all__ = [
    "DEFAULT_BURST_SECONDS",
    "NULLABLE",
    "AccountQuota",
    "Embedder",
    "QuotaSettings",
    "RayQuota",
    "embed_dataset",
    "quota_report",
]

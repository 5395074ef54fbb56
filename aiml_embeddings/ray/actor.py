"""The named Ray actor that holds one ``AccountQuota`` for a job, and the client-side handle that talks to it.

The first ``Embedder`` of a job creates the actor and the others find it by
name (``get_if_exists``), so no driver code is needed. The actor needs no
CPU (it only does arithmetic) and runs one call at a time, so its state
needs no lock. A non-detached actor dies with the worker that created it;
when the actor pool scales that worker away mid-job, the next call from
another worker creates the actor again (its fresh bucket holds only
``burst_seconds`` of quota, so that costs no 429 storm).
"""

from __future__ import annotations

import logging
from typing import Any

from ..errors import ConfigurationError
from .quota import AccountQuota, QuotaSettings

logger = logging.getLogger("aiml_embeddings.ray")

ACTOR_PREFIX = "aiml-embeddings-quota/"


def actor_name(quota_name: str) -> str:
    return ACTOR_PREFIX + quota_name


def _actor_class() -> Any:
    import ray

    return ray.remote(num_cpus=0)(AccountQuota)  # a plain (not async) actor: one call at a time


def connect(settings: QuotaSettings, quota_name: str) -> Any:
    """The job's quota actor named ``quota_name``, created if it does not exist yet; settings must agree."""
    import ray

    actor = _actor_class().options(name=actor_name(quota_name), get_if_exists=True).remote(settings)
    theirs: QuotaSettings = ray.get(actor.given.remote())
    if theirs != settings:
        raise ConfigurationError(
            f"the shared quota {quota_name!r} of this job already has {theirs.as_dict()}, not {settings.as_dict()}; "
            "give the same totals everywhere, or another quota_name for another account"
        )
    return actor


def quota_report(quota_name: str = "default") -> dict[str, float | int | None]:
    """The counters of the job's quota actor (admitted, refused, 429s, cuts, current scale and burst)."""
    import ray

    actor = ray.get_actor(actor_name(quota_name))
    report: Any = ray.get(actor.report.remote())
    return dict(report)


class RayQuota:
    """A ``SharedQuota`` that asks the job's quota actor: one remote call per request (its cost: BENCHMARKS.md).

    ``release`` does not wait for its answer (the caller has nothing to do
    with it); Ray runs one caller's calls to an actor in the order sent, so
    a release never overtakes its own acquire.
    """

    def __init__(self, settings: QuotaSettings, quota_name: str) -> None:
        self.settings = settings
        self.quota_name = quota_name
        self._actor = connect(settings, quota_name)

    def acquire(self, tokens: int) -> float:
        import ray

        try:
            wait: float = ray.get(self._actor.acquire.remote(tokens))
        except ray.exceptions.RayActorError:
            logger.warning("shared quota %r was gone (its creator left); creating it again", self.quota_name)
            self._actor = connect(self.settings, self.quota_name)
            wait = ray.get(self._actor.acquire.remote(tokens))
        return wait

    def release(self, tokens: int, *, rate_limited: bool, retry_after: float | None) -> None:
        self._actor.release.remote(tokens, rate_limited=rate_limited, retry_after=retry_after)

    def __repr__(self) -> str:
        return f"RayQuota({self.quota_name!r}, {self.settings!r})"

"""Ray Data against the loopback server: one local Ray for the module, a few hundred texts per test.

Ray is kept on 127.0.0.1 (``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0`` makes Ray
use the loopback address as the node's, so every Ray server binds there),
and the key reaches the workers the way the README recommends for a
cluster: through the nodes' environment (here the raylet inherits the
driver's), never through a constructor argument.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import ray
import ray.data

from aiml_embeddings.errors import AuthenticationError, ConfigurationError
from aiml_embeddings.ray import DEFAULT_BURST_SECONDS, Embedder, QuotaSettings, embed_dataset, quota_report
from aiml_embeddings.ray.actor import connect
from benchmarks.scenarios import short_texts
from benchmarks.server import Config
from benchmarks.vectors import check
from tests.ray.loopback import Loopback

pytestmark = [pytest.mark.enable_socket, pytest.mark.allow_hosts(["127.0.0.1"])]

ROOT = Path(__file__).resolve().parents[2]
KEY = "test-ray-node-key"
DIM = 8
MODEL = "text-embedding-3-small"
FAST = Config(latency_base=0.005, latency_per_1k_tokens=0.0)


@pytest.fixture(scope="module")
def server() -> Iterator[Loopback]:
    running = Loopback()
    env = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "AIMLAPI_API_KEY": KEY, "AIMLAPI_BASE_URL": running.url + "/v1"}
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        logging_level=logging.WARNING,
        runtime_env={"env_vars": {"PYTHONPATH": str(ROOT)}},
    )
    ray.data.DataContext.get_current().enable_progress_bars = False
    try:
        yield running
    finally:
        ray.shutdown()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        running.close()


def dataset(texts: list[str]) -> Any:
    return ray.data.from_items([{"id": i, "text": t} for i, t in enumerate(texts)], override_num_blocks=8)


def by_id(rows: list[dict[str, Any]], n: int, column: str = "embedding") -> np.ndarray[Any, Any]:
    """The vectors back in input order (matched by id), NaN rows where a row has none."""
    out = np.full((n, DIM), np.nan, dtype=np.float32)
    seen = set()
    for row in rows:
        assert row["id"] not in seen, "a row came back twice"
        seen.add(row["id"])
        if row[column] is not None:
            out[row["id"]] = np.asarray(row[column], dtype=np.float32)
    assert seen == set(range(n)), "rows were lost"
    return out


TEXTS = short_texts(200, seed=11)
LIMITED = Config(latency_base=0.01, latency_per_1k_tokens=0.0, requests_per_minute=600, burst_seconds=0.5)
JOB = {"model": MODEL, "dimensions": DIM, "requests_per_minute": 600, "batch_size": 10}


def test_the_actors_share_one_quota(server: Loopback) -> None:
    server.configure(LIMITED)
    out = embed_dataset(
        dataset(TEXTS), concurrency=2, ray_batch_size=40, burst_seconds=0.25, quota_name="shared", **JOB
    )
    rows = out.take_all()
    assert check(TEXTS, by_id(rows, len(TEXTS)), DIM).right == len(TEXTS)
    stats = server.stats()
    report = quota_report("shared")
    assert stats["requests_admitted"] == report["admitted"] >= 20  # every request went through the one quota
    assert stats["rate_limited_429"] <= 1
    assert str(out.schema().types[-1]) == f"fixed_size_list<item: float>[{DIM}]"


def test_the_same_actors_pacing_alone_draw_429s(server: Loopback) -> None:
    server.configure(LIMITED)
    out = embed_dataset(dataset(TEXTS), concurrency=2, ray_batch_size=40, share_quota=False, **JOB)
    assert check(TEXTS, by_id(out.take_all(), len(TEXTS)), DIM).right == len(TEXTS)
    assert server.stats()["rate_limited_429"] >= 5  # each actor's own bucket lets a minute through; the server 5


def test_the_shared_quota_learns_a_stricter_server(server: Loopback) -> None:
    server.configure(Config(latency_base=0.01, latency_per_1k_tokens=0.0, requests_per_minute=300, burst_seconds=0.5))
    out = embed_dataset(dataset(TEXTS[:80]), concurrency=2, ray_batch_size=40, quota_name="strict", **JOB)
    assert check(TEXTS[:80], by_id(out.take_all(), 80), DIM).right == 80
    report = quota_report("strict")
    assert report["cuts"] >= 1 and report["burst_seconds"] < DEFAULT_BURST_SECONDS  # refused: it sends less at once
    assert server.stats()["rate_limited_429"] == report["rate_limited"]


def test_quotas_of_one_name_must_agree(server: Loopback) -> None:
    held = connect(QuotaSettings(requests_per_minute=100), "agree")  # a named actor lives while a handle does
    with pytest.raises(ConfigurationError, match="already has"):
        connect(QuotaSettings(requests_per_minute=200), "agree")
    assert connect(QuotaSettings(requests_per_minute=100), "agree") == held


POISONED = [f"POISON {t}" if i in (5, 17, 42) else t for i, t in enumerate(TEXTS[:60])]


def test_on_error_null_writes_null_vectors_and_the_error_for_failed_rows_only(server: Loopback) -> None:
    server.configure(FAST)
    out = dataset(POISONED).map_batches(
        Embedder,
        fn_constructor_kwargs={"model": MODEL, "dimensions": DIM, "on_error": "null", "batch_size": 1,
                               "max_retries": 0},
        compute=ray.data.ActorPoolStrategy(size=1),
        batch_size=20,
        batch_format="pandas",  # the numpy format runs in every other test here
        num_cpus=0.25,
    )  # fmt: skip
    rows = out.take_all()
    vectors = by_id(rows, len(POISONED))
    errors = {row["id"]: row["embedding_error"] for row in rows}
    assert {i for i, e in errors.items() if e is not None} == {5, 17, 42}
    assert all("ServerError" in errors[i] and "500" in errors[i] for i in (5, 17, 42))
    assert np.isnan(vectors[[5, 17, 42]]).all()
    kept = [i for i in range(len(POISONED)) if i not in (5, 17, 42)]
    assert check([POISONED[i] for i in kept], vectors[kept], DIM).right == len(kept)


def test_a_key_error_fails_the_job_with_the_typed_error_even_with_on_error_null(server: Loopback) -> None:
    server.configure(FAST)
    texts = [*TEXTS[:30], "UNAUTHORIZED please"]  # credit errors: tests/ray/test_embedder.py, in-process
    with pytest.raises(AuthenticationError) as caught:  # Ray's RayTaskError(AuthenticationError), an instance of it
        embed_dataset(dataset(texts), concurrency=1, model=MODEL, dimensions=DIM, on_error="null").materialize()
    assert caught.value.status_code == 401
    assert KEY not in str(caught.value)


def test_the_key_is_in_no_row_schema_repr_or_ray_log(server: Loopback) -> None:
    server.configure(FAST)
    out = embed_dataset(dataset(TEXTS[:40]), concurrency=1, model=MODEL, dimensions=DIM, on_error="null")
    assert KEY not in str(out.take_all()) + str(out.schema())
    assert KEY not in repr(Embedder(MODEL, dimensions=DIM, requests_per_minute=60, share_quota=False))
    with pytest.raises(ConfigurationError) as refused:
        Embedder(MODEL, api_key=KEY)
    assert KEY not in str(refused.value) and "AIMLAPI_API_KEY" in str(refused.value)
    session = Path(ray._private.worker._global_node.get_session_dir_path())
    files = [p for p in session.rglob("*") if p.is_file() and p.stat().st_size < 50_000_000]
    assert len(files) > 10, "no Ray logs to search"
    leaked = [str(p.relative_to(session)) for p in files if KEY.encode() in p.read_bytes()]
    assert leaked == []

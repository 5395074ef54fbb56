"""The README's Spark example runs as written, over pandas frames the way ``mapInPandas`` hands them over."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest

from benchmarks.scenarios import short_texts
from benchmarks.server import Config
from benchmarks.vectors import check
from tests.docs.examples import fenced_blocks, readme_section
from tests.ray.loopback import Loopback

pytestmark = [pytest.mark.enable_socket, pytest.mark.allow_hosts(["127.0.0.1"])]


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Loopback]:
    running = Loopback()
    running.configure(Config(latency_base=0.0, latency_per_1k_tokens=0.0, shuffle=True))
    monkeypatch.setenv("AIMLAPI_API_KEY", "test-spark-key")
    monkeypatch.setenv("AIMLAPI_BASE_URL", running.url + "/v1")
    yield running
    running.close()


def test_the_spark_example_embeds_each_partition(server: Loopback) -> None:
    blocks = [code for lang, code in fenced_blocks(readme_section("ray")) if "def embed_partitions" in code]
    assert len(blocks) == 1
    namespace: dict[str, Any] = {}
    exec(blocks[0], namespace)
    texts = short_texts(60, seed=9)
    frames = [pd.DataFrame({"id": range(i, i + 20), "text": texts[i : i + 20]}) for i in (0, 20, 40)]
    out = pd.concat(list(namespace["embed_partitions"](iter(frames))))
    assert list(out["id"]) == list(range(60))
    arrow = pa.array(out["embedding"], type=pa.list_(pa.float32()))  # what Spark's array<float> takes
    vectors = arrow.to_numpy(zero_copy_only=False)
    assert check(texts, pd.DataFrame(list(vectors)).to_numpy("float32"), 1536).right == 60

"""``Embedder`` called directly, as Ray (or Spark's ``mapInPandas``) calls it, against the loopback server.

No Ray here: the class imports Ray only for a shared quota, so its batch
handling, settings and errors are tested in-process.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest

from aiml_embeddings.errors import ConfigurationError, InputTypeError
from aiml_embeddings.ray import Embedder
from benchmarks.scenarios import short_texts
from benchmarks.server import Config
from benchmarks.vectors import check
from tests.ray.loopback import Loopback

pytestmark = [pytest.mark.enable_socket, pytest.mark.allow_hosts(["127.0.0.1"])]

KEY = "test-embedder-key"
DIM = 8
MODEL = "text-embedding-3-small"
TEXTS = short_texts(50, seed=5)


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Loopback]:
    running = Loopback()
    running.configure(Config(latency_base=0.0, latency_per_1k_tokens=0.0, shuffle=True))
    monkeypatch.setenv("AIMLAPI_API_KEY", KEY)
    monkeypatch.setenv("AIMLAPI_BASE_URL", running.url + "/v1")
    yield running
    running.close()


def matrix(column: Any) -> np.ndarray[Any, Any]:
    """An Arrow fixed-size-list column (or a pandas column of it) as an (n, DIM) array, NaN for nulls."""
    rows = column.to_pylist() if hasattr(column, "to_pylist") else list(column)
    return np.array([[np.nan] * DIM if r is None else list(r) for r in rows], dtype=np.float32)


def test_a_numpy_batch_gets_its_vectors_in_row_order(server: Loopback) -> None:
    batch = {"id": np.arange(len(TEXTS)), "body": np.array(TEXTS, dtype=object)}
    out = Embedder(MODEL, text_column="body", output_column="vec", dimensions=DIM, batch_size=7)(batch)
    assert set(out) == {"id", "body", "vec"} and set(batch) == {"id", "body"}  # the input is not modified
    assert str(out["vec"].type) == f"fixed_size_list<item: float>[{DIM}]"
    assert check(TEXTS, matrix(out["vec"]), DIM).right == len(TEXTS)
    assert server.stats()["requests"] >= 7  # several shuffled answers, put back in order


def test_a_dataframe_gets_a_dataframe_back_with_its_index(server: Loopback) -> None:
    frame = pd.DataFrame({"text": TEXTS}, index=range(100, 100 + len(TEXTS)))
    out = Embedder(MODEL, dimensions=DIM)(frame)
    assert isinstance(out, pd.DataFrame) and list(out.index) == list(frame.index)
    assert list(frame.columns) == ["text"]
    assert check(TEXTS, matrix(out["embedding"]), DIM).right == len(TEXTS)


def test_an_empty_batch_gets_an_empty_column(server: Loopback) -> None:
    out = Embedder(MODEL, dimensions=DIM)({"text": np.array([], dtype=object)})
    assert len(out["embedding"]) == 0 and out["embedding"].type.list_size == DIM


def test_a_failed_row_is_null_with_its_error_and_counted_in_the_log(
    server: Loopback, caplog: pytest.LogCaptureFixture
) -> None:
    texts = [f"POISON {t}" if i in (3, 30) else t for i, t in enumerate(TEXTS)]
    embedder = Embedder(MODEL, dimensions=DIM, on_error="null", batch_size=4, max_retries=0)
    with caplog.at_level(logging.DEBUG):
        out = embedder({"text": np.array(texts, dtype=object)})
    errors = out["embedding_error"].to_pylist()
    failed = {i for i, e in enumerate(errors) if e is not None}
    assert failed == {3, 30}  # their requests' other texts are sent again in smaller requests, and come back
    assert all(errors[i].startswith("ServerError") for i in failed)
    got = matrix(out["embedding"])
    assert np.isnan(got[sorted(failed)]).all()
    kept = [i for i in range(len(texts)) if i not in failed]
    assert check([texts[i] for i in kept], got[kept], DIM).right == len(kept)
    assert embedder.rows_failed == 2
    assert any("2 of 50 rows got a null vector" in r.getMessage() for r in caplog.records)
    assert all(KEY not in r.getMessage() for r in caplog.records)


def test_a_credit_error_is_raised_even_with_on_error_null(server: Loopback) -> None:
    from aiml_embeddings.errors import InsufficientCreditsError

    embedder = Embedder(MODEL, dimensions=DIM, on_error="null")
    with pytest.raises(InsufficientCreditsError) as caught:
        embedder({"text": np.array([*TEXTS[:10], "NO-CREDITS left"], dtype=object)})
    assert caught.value.status_code == 403 and KEY not in str(caught.value)


def test_without_on_error_the_typed_error_is_raised(server: Loopback) -> None:
    from aiml_embeddings.errors import ServerError

    with pytest.raises(ServerError) as caught:
        Embedder(MODEL, dimensions=DIM, max_retries=0)({"text": np.array(["POISON x", "fine"], dtype=object)})
    assert caught.value.partial is None and KEY not in str(caught.value)


def test_bad_batches_and_settings_are_typed_errors(server: Loopback) -> None:
    embedder = Embedder(MODEL, dimensions=DIM)
    with pytest.raises(ConfigurationError, match=r"text_column 'text' is not in the batch \(columns: \['body'\]\)"):
        embedder({"body": np.array(["a"])})
    with pytest.raises(InputTypeError, match="2"):
        embedder(pd.DataFrame({"text": ["a", "b", None]}))
    with pytest.raises(InputTypeError, match="batch_format"):
        embedder([["a"]])
    with pytest.raises(ConfigurationError, match="unknown Embedder setting"):
        Embedder(MODEL, http_client=object())
    with pytest.raises(ConfigurationError, match="on_error"):
        Embedder(MODEL, on_error="skip")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="positive"):
        Embedder(MODEL, requests_per_minute=-1, share_quota=False)
    with pytest.raises(ConfigurationError) as refused:
        Embedder(MODEL, api_key=KEY)
    assert KEY not in str(refused.value)


def test_pacing_alone_needs_no_ray(server: Loopback) -> None:
    embedder = Embedder(MODEL, dimensions=DIM, requests_per_minute=6000, share_quota=False)
    out = embedder({"text": np.array(TEXTS, dtype=object)})
    assert check(TEXTS, matrix(out["embedding"]), DIM).right == len(TEXTS)
    assert embedder.quota is None


def test_the_core_and_the_embedder_import_no_ray() -> None:
    import subprocess
    import sys

    code = "import sys, aiml_embeddings, aiml_embeddings.ray; sys.exit('ray' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0

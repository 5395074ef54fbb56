"""The README's corpus-job example runs as written (against the shared fake API)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from aiml_embeddings import EmbeddingsClient
from tests.fake_api import FakeAPI

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_python_corpus_example_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("pyarrow")
    section = README.read_text("utf-8").split("The same job from Python", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code, "the corpus section lost its python example"
    fake = FakeAPI()

    def client(model: str, **settings: Any) -> EmbeddingsClient:
        return EmbeddingsClient(model, api_key="test-key", http_client=fake.sync(), **settings)

    monkeypatch.setattr("aiml_embeddings.corpus.EmbeddingsClient", client)
    monkeypatch.chdir(tmp_path)
    Path("docs.jsonl").write_text("".join(json.dumps({"id": i, "text": f"doc {i}"}) + "\n" for i in range(50)))
    exec(compile(code.group(1), "README.md (corpus)", "exec"), {})
    assert capsys.readouterr().out.split() == ["50", "50", "0"]
    import pyarrow.parquet as pq

    table = pq.read_table("vectors.parquet")
    assert table.column("id").to_pylist() == list(range(50)) and len(table.column("embedding")[0]) == 256

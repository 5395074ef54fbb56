"""The core and its corpus job import, and embed a text file to JSONL, with neither numpy nor pyarrow."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
sys.modules["numpy"] = None  # an import of either now fails, as when it is not installed
sys.modules["pyarrow"] = None
import aiml_embeddings
from aiml_embeddings.corpus.job import JobOptions, run_job
from aiml_embeddings.corpus.source import open_source
from tests.fake_api import FakeAPI

api = FakeAPI()
client = aiml_embeddings.EmbeddingsClient("text-embedding-3-small", api_key="k", dimensions=8, http_client=api.sync())
options = JobOptions("document", "text", "id", False, False, False, 16)
run_job(open_source(sys.argv[1]), __import__("pathlib").Path(sys.argv[2]), client, options)
try:
    run_job(open_source(sys.argv[1]), __import__("pathlib").Path(sys.argv[2] + ".npy"), client, options)
except ImportError as exc:
    print("npy:", exc)
print(sorted(name for name in sys.modules if name.split(".")[0] in ("numpy", "pyarrow") and sys.modules[name]))
"""


def test_no_numpy_no_pyarrow(tmp_path: Path) -> None:
    source = tmp_path / "in.txt"
    source.write_text("".join(f"text {i}\n" for i in range(100)))
    target = tmp_path / "out.jsonl"
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(source), str(target)], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "npy: .npy output needs numpy: pip install 'aiml-embeddings[numpy]'" in done.stdout
    assert done.stdout.strip().endswith("[]"), "numpy or pyarrow was imported after all"
    rows = [json.loads(line) for line in target.read_text().splitlines()]
    assert [r["id"] for r in rows] == list(range(1, 101)) and all(len(r["embedding"]) == 8 for r in rows)

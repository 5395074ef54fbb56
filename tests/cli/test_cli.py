"""Every ``aiml-embeddings`` subcommand, driven as a user would, against the in-process fake API."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from aiml_embeddings import EmbeddingsClient
from aiml_embeddings.cli import commands as cli
from tests.fake_api import FakeAPI, marker, status


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> FakeAPI:
    fake = FakeAPI()
    monkeypatch.setenv("AIMLAPI_API_KEY", "test-aimlapi-key")

    def client(model: str, **settings: Any) -> EmbeddingsClient:
        return EmbeddingsClient(model, http_client=fake.sync(), sleep=lambda s: None, **settings)

    monkeypatch.setattr(cli, "EmbeddingsClient", client)
    return fake


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_embed_arguments_to_jsonl_on_stdout(api: FakeAPI, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "embed", "alpha", "beta", "--dimensions", "8")
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["index"] for r in rows] == [0, 1]
    assert [r["embedding"][0] for r in rows] == [marker("alpha"), marker("beta")]
    assert api.requests[0]["dimensions"] == 8


def test_embed_jsonl_file_to_npy_as_queries(api: FakeAPI, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(json.dumps({"text": f"t{i}", "id": i}) for i in range(300)) + "\n")
    target = tmp_path / "out.npy"
    code, _, err = run(
        capsys, "embed", "-i", str(source), "-o", str(target), "-m", "BAAI/bge-base-en-v1.5", "--as", "query"
    )
    assert code == 0, err
    array = np.load(target)
    assert array.shape == (300, 768) and array.dtype == np.float32
    prefix = "Represent this sentence for searching relevant passages: "
    assert array[:, 0].tolist() == [marker(prefix + f"t{i}") for i in range(300)]
    assert "wrote 300 vectors" in err


def test_embed_reads_standard_input(
    api: FakeAPI, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("one\ntwo\n"))
    code, out, _ = run(capsys, "embed", "-d", "8")
    assert code == 0 and len(out.splitlines()) == 2


def one_line_error(code: int, err: str) -> str:
    assert code != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_missing_file(api: FakeAPI, capsys: pytest.CaptureFixture[str]) -> None:
    assert "input file not found: nope.txt" in one_line_error(*run(capsys, "embed", "-i", "nope.txt")[::2])


def test_unknown_model_names_close_matches(api: FakeAPI, capsys: pytest.CaptureFixture[str]) -> None:
    line = one_line_error(*run(capsys, "embed", "x", "-m", "text-embeding-3-small")[::2])
    assert "did you mean 'text-embedding-3-small'" in line
    assert api.requests == []


def test_no_key_says_how_to_set_it_or_run_the_demo(
    api: FakeAPI, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("AIMLAPI_API_KEY")
    line = one_line_error(*run(capsys, "embed", "x")[::2])
    assert "AIMLAPI_API_KEY" in line and "aiml-embeddings demo" in line


def test_malformed_jsonl_names_the_line(api: FakeAPI, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "bad.jsonl"
    source.write_text('{"text": "ok"}\n{"text": "also ok"}\n{"text": broken\n')
    assert "bad.jsonl line 3: not valid JSON" in one_line_error(*run(capsys, "embed", "-i", str(source))[::2])
    source.write_text('{"text": "ok"}\n{"body": "no text"}\n')
    assert "line 2: no string field 'text'" in one_line_error(*run(capsys, "embed", "-i", str(source))[::2])


def test_blank_line_names_its_line(api: FakeAPI, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "texts.txt"
    source.write_text("a\n\nb\n")
    assert "line/argument 2" in one_line_error(*run(capsys, "embed", "-i", str(source))[::2])


def test_a_failed_run_writes_nothing(api: FakeAPI, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    api.faults.append(status(401))
    target = tmp_path / "out.jsonl"
    line = one_line_error(*run(capsys, "embed", "a", "b", "-o", str(target))[::2])
    assert "status 401" in line
    assert list(tmp_path.iterdir()) == []


def test_models_live_marks_new_and_gone(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    payload = {"data": [{"id": "text-embedding-3-small", "info": {"contextLength": 8000}}, {"id": "brand-new-embed"}]}
    real = httpx.Client

    def fake_client(**kwargs: Any) -> httpx.Client:
        return real(transport=httpx.MockTransport(lambda r: httpx.Response(200, json=payload)))

    monkeypatch.setattr("aiml_embeddings.catalogue.httpx.Client", fake_client)
    code, out, _ = run(capsys, "models", "--live")
    assert code == 0
    assert any(
        line.startswith("listed") and "text-embedding-3-small " in line and "8000" in line for line in out.splitlines()
    )
    assert any(line.startswith("new") and "brand-new-embed" in line for line in out.splitlines())
    assert any(line.startswith("gone") and "voyage-2 " in line for line in out.splitlines())


def test_models_live_offline_is_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    real = httpx.Client

    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    monkeypatch.setattr(
        "aiml_embeddings.catalogue.httpx.Client", lambda **kw: real(transport=httpx.MockTransport(refused))
    )
    assert "could not reach the model catalogue" in one_line_error(*run(capsys, "models", "--live")[::2])

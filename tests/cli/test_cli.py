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
    assert [r["id"] for r in rows] == [1, 2]
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
    assert "embedded 300 texts" in err and "300 rows to" in err
    assert f"{len(api.requests)} requests, 0 retries, 0 answered 429" in err, "the receipt reads the client's usage"


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
    assert "line 3: not valid JSON" in one_line_error(*run(capsys, "embed", "-i", str(source))[::2])
    source.write_text('{"text": "ok"}\n{"body": "no text"}\n')
    assert "line 2: no string field 'text'" in one_line_error(*run(capsys, "embed", "-i", str(source))[::2])
    assert api.requests == []


def test_blank_line_names_its_line(api: FakeAPI, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "texts.txt"
    source.write_text("a\n\nb\n")
    assert "texts.txt: 1 bad record(s), nothing sent: line 2: blank line" in one_line_error(
        *run(capsys, "embed", "-i", str(source))[::2]
    )


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


# --- the corpus job through the command ----------------------------------------


def test_every_bad_line_reported_together_before_any_request(
    api: FakeAPI, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "bad.jsonl"
    source.write_text('{"text": "ok"}\n\n{"text": broken\n{"text": "  "}\n{"body": "x"}\n["list"]\n{"text": "fine"}\n')
    line = one_line_error(*run(capsys, "embed", "-i", str(source), "-o", str(tmp_path / "out.npy"))[::2])
    assert "5 bad record(s), nothing sent" in line
    for expected in ("line 2: blank line", "line 3: not valid JSON", "line 4: blank text", "line 5: no string field",
                     "line 6: a JSON list"):  # fmt: skip
        assert expected in line
    assert "--skip-invalid" in line
    assert api.requests == [] and sorted(p.name for p in tmp_path.iterdir()) == ["bad.jsonl"]


@pytest.mark.parametrize("suffix", [".txt", ".jsonl"])
def test_blank_lines_are_handled_alike_in_every_line_format(
    api: FakeAPI, tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix: str
) -> None:
    records = ["alpha", "", "beta", "gamma", ""]
    source = tmp_path / f"in{suffix}"
    source.write_text("".join((json.dumps({"text": t}) if suffix == ".jsonl" and t else t) + "\n" for t in records))
    target = tmp_path / "out.jsonl"
    line = one_line_error(*run(capsys, "embed", "-i", str(source), "-o", str(target))[::2])
    assert "2 bad record(s)" in line and "line 2: blank line" in line and "line 5: blank line" in line
    code, _, err = run(capsys, "embed", "-i", str(source), "-o", str(target), "--skip-invalid", "-d", "8")
    assert code == 0, err
    rows = [json.loads(x) for x in target.read_text().splitlines()]
    assert [r["id"] for r in rows] == [1, 3, 4], "ids are line numbers, so they still match the input"
    assert [r["embedding"][0] for r in rows] == [marker("alpha"), marker("beta"), marker("gamma")]
    skipped = [json.loads(x) for x in (tmp_path / "out.jsonl.skipped.jsonl").read_text().splitlines()]
    assert [s["line"] for s in skipped] == [2, 5] and "2 bad records skipped" in err


def test_a_trailing_newline_is_no_record(api: FakeAPI, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.txt"
    source.write_text("one\ntwo\n")
    code, out, err = run(capsys, "embed", "-i", str(source), "-d", "8")
    assert code == 0, err
    assert [json.loads(x)["id"] for x in out.splitlines()] == [1, 2]


@pytest.mark.parametrize("name", ["out.csv", "out.txt", "out"])
def test_unknown_output_formats_are_refused(api: FakeAPI, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            name: str) -> None:  # fmt: skip
    line = one_line_error(*run(capsys, "embed", "a", "-o", str(tmp_path / name))[::2])
    assert ".npy, .jsonl, .ndjson, .parquet" in line and "unknown output format" in line
    if name.endswith(".csv"):
        assert ".csv is an input format" in line
    assert api.requests == [] and list(tmp_path.iterdir()) == []


def test_a_closed_pipe_ends_quietly_and_stops_sending(
    api: FakeAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.txt"
    source.write_text("".join(f"text {i}\n" for i in range(5000)))

    class ClosedPipe(io.BytesIO):
        def write(self, data: Any) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    class Stdout(io.StringIO):
        buffer = ClosedPipe()

    monkeypatch.setattr("sys.stdout", Stdout())
    code = cli.main(["embed", "-i", str(source), "-d", "8", "--max-concurrency", "1"])
    err = capsys.readouterr().err
    assert code == cli.SIGPIPE_EXIT and err == ""
    assert sum(len(body["input"]) for body in api.requests) < 5000, "it went on embedding for nobody"


def test_resume_through_the_command(api: FakeAPI, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({"id": f"doc-{i}", "text": f"t{i}"}) + "\n" for i in range(3000)))
    target = tmp_path / "out.parquet"
    # Two requests in flight: one chunk of two requests of 1,500 texts; the one holding the last text meets a 401.
    api.faults.append(lambda request, body: status(401)(request, body) if "t2999" in body["input"] else None)
    args = ("embed", "-i", str(source), "-o", str(target), "-d", "8", "--max-concurrency", "2")
    line = one_line_error(*run(capsys, *args)[::2])
    assert "status 401" in line and "--resume" in line
    assert not target.exists() and (tmp_path / "out.parquet.manifest.json").exists()
    line = one_line_error(*run(capsys, *args)[::2])
    assert "is unfinished" in line and "--resume" in line and "--overwrite" in line
    api.faults.clear()
    sent_before = len(api.requests)
    code, _, err = run(capsys, *args, "--resume")
    assert code == 0, err
    assert "resumed:" in err
    resent = sum(len(body["input"]) for body in api.requests[sent_before:])
    failed = [len(body["input"]) for body in api.requests[:sent_before] if "t2999" in body["input"]]
    assert resent == failed[0] == 1500, "the resumed run sent more than the failed request"
    import pyarrow.parquet as pq

    table = pq.read_table(target)
    assert table.column("id").to_pylist() == [f"doc-{i}" for i in range(3000)]
    assert [row[0] for row in table.column("embedding").to_pylist()] == [marker(f"t{i}") for i in range(3000)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.parquet"]
    line = one_line_error(*run(capsys, *args)[::2])
    assert "exists and is finished" in line and "--overwrite" in line
    code, _, err = run(capsys, *args, "--overwrite")
    assert code == 0, err


# --- first ten minutes: base URL, demo offline, catalogue ---------------------------


def express_404(request: httpx.Request, body: dict[str, Any]) -> httpx.Response | None:
    """What the live API's framework answers for a path it has no route for."""
    if request.url.path.startswith("/v1/"):
        return None
    return httpx.Response(404, json={"message": f"Cannot POST {request.url.path}", "statusCode": 404})


def test_base_url_option_and_a_404_without_v1(api: FakeAPI, capsys: pytest.CaptureFixture[str]) -> None:
    api.faults.append(express_404)
    line = one_line_error(*run(capsys, "embed", "a", "--base-url", "https://api.example.test")[::2])
    assert "Cannot POST /embeddings" in line
    assert "does not end in /v1" in line and "--base-url https://api.example.test/v1" in line
    code, out, err = run(capsys, "embed", "a", "-d", "8", "--base-url", "https://api.example.test/v1")
    assert code == 0, err
    assert json.loads(out)["embedding"][0] == marker("a")


def test_demo_offline_hint_when_the_network_fails_with_a_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from aiml_embeddings import APIConnectionError

    def no_network(out: Any) -> int:
        raise APIConnectionError("could not reach https://api.aimlapi.com/v1/embeddings (ConnectError)")

    monkeypatch.setattr("aiml_embeddings_examples.demo.run_demo", no_network)
    monkeypatch.setenv("AIMLAPI_API_KEY", "test-aimlapi-key")
    line = one_line_error(*run(capsys, "demo")[::2])
    assert "could not reach" in line and "env -u AIMLAPI_API_KEY aiml-embeddings demo" in line
    assert "test-aimlapi-key" not in line
    monkeypatch.delenv("AIMLAPI_API_KEY")
    line = one_line_error(*run(capsys, "demo")[::2])
    assert "env -u" not in line, "without a key the hint would be wrong"


def fake_catalogue(monkeypatch: pytest.MonkeyPatch, handler: Any) -> list[httpx.Request]:
    seen: list[httpx.Request] = []
    real = httpx.Client

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)  # type: ignore[no-any-return]

    monkeypatch.setattr(
        "aiml_embeddings.catalogue.httpx.Client", lambda **kw: real(transport=httpx.MockTransport(answer))
    )
    return seen


def test_models_live_never_calls_the_inworld_model_gone(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from aiml_embeddings import INWORLD_MODEL

    fake_catalogue(monkeypatch, lambda r: httpx.Response(200, json={"data": [{"id": "text-embedding-3-small"}]}))
    code, out, _ = run(capsys, "models", "--live")
    assert code == 0
    inworld = [line for line in out.splitlines() if INWORLD_MODEL in line]
    assert len(inworld) == 1 and inworld[0].startswith("n/a") and "no catalogue" in inworld[0]
    assert not any(line.startswith("gone") and INWORLD_MODEL in line for line in out.splitlines())


def test_models_live_against_a_server_without_a_catalogue(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen = fake_catalogue(monkeypatch, lambda r: httpx.Response(404, json={"message": "Cannot GET /models"}))
    line = one_line_error(*run(capsys, "models", "--live", "--base-url", "http://127.0.0.1:9/api")[::2])
    assert "(catalogue)" not in line and "model '" not in line
    assert "the model catalogue at http://127.0.0.1:9/api/models answered 404" in line
    assert "no model catalogue" in line and "/v1" in line
    assert str(seen[0].url).startswith("http://127.0.0.1:9/api/models")


@pytest.mark.parametrize("missing", ["langchain_core", "llama_index.core"])
def test_demo_without_a_framework_names_the_install(
    missing: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(__import__("sys").modules, missing, None)  # as if the extra were not installed
    assert cli.main(["demo"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""  # nothing printed before the failure
    assert 'pip install "aiml-embeddings[all]"' in captured.err and missing in captured.err

"""`aiml-embeddings demo` works offline on a fresh checkout and finds the right documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiml_embeddings import EmbeddingsClient
from aiml_embeddings.cli import commands as cli
from aiml_embeddings_examples.demo import CASSETTE, DIMENSIONS, MODEL
from aiml_embeddings_examples.replay import NotRecordedError
from aiml_embeddings_examples.session import open_session


def test_demo_replays_offline_and_says_so(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("AIMLAPI_API_KEY", "INWORLD_API_KEY", "AIMLAPI_BASE_URL", "AIML_RECORD_EXAMPLES"):
        monkeypatch.delenv(name, raising=False)
    assert cli.main(["demo"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("aiml-embeddings demo: offline") and "replaying recorded responses" in lines[0]
    assert "origin: synthesized" in lines[0]
    # each framework's top hit for each query is the document that answers it
    expected = {
        "Which planet is the largest in the solar system?": "Jupiter is the largest planet",
        "How is espresso coffee brewed?": "Espresso coffee is brewed",
        "What do honey bees make in their hives?": "Honey bees pollinate flowers",
    }
    for section in ("LangChain InMemoryVectorStore", "LlamaIndex VectorStoreIndex"):
        block = out.split(section, 1)[1]
        for query, answer in expected.items():
            top = block.split(f"Q: {query}", 1)[1].splitlines()[1]
            assert answer in top, (section, query, top)


def test_sessions_pick_live_record_or_replay(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("AIML_RECORD_EXAMPLES", raising=False)
    monkeypatch.setenv("AIMLAPI_API_KEY", "test-aimlapi-key")
    live = open_session(CASSETTE)
    assert live.mode == "live" and "api_key" not in live.kwargs()
    monkeypatch.setenv("AIML_RECORD_EXAMPLES", "1")
    assert open_session(tmp_path / "new.yaml").mode == "record"
    monkeypatch.delenv("AIML_RECORD_EXAMPLES")
    monkeypatch.delenv("AIMLAPI_API_KEY")
    replay = open_session(CASSETTE)
    assert replay.mode == "replay" and replay.kwargs()["api_key"].get_secret_value() == "offline-replay"


def test_replay_refuses_what_was_not_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIMLAPI_API_KEY", raising=False)
    monkeypatch.delenv("AIML_RECORD_EXAMPLES", raising=False)
    session = open_session(CASSETTE)
    client = EmbeddingsClient(MODEL, dimensions=DIMENSIONS, max_retries=0, **session.kwargs())
    with pytest.raises(NotRecordedError, match="no recorded answer"):
        client.embed(["a text the demo never sent"])
    assert session.requests == 1


def test_every_example_recording_says_how_it_was_made() -> None:
    import yaml

    root = Path(__file__).parents[2]
    recordings = [CASSETTE, *sorted((root / "notebooks" / "cassettes").glob("*.yaml"))]
    assert len(recordings) == 4
    for path in recordings:
        text = path.read_text(encoding="utf-8")
        assert text.startswith("# Recorded by aiml_embeddings_examples.replay.Recorder"), path
        interactions = yaml.safe_load(text)["interactions"]
        assert interactions
        origins = {tuple(item["response"]["headers"]["x-cassette-origin"]) for item in interactions}
        assert origins == {("synthesized",)}, (path, origins)  # nothing here was recorded live
        assert all("headers" not in item["request"] for item in interactions)  # request headers are never stored

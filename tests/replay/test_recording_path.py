"""The recording path end to end, against the loopback stand-in.

A run in record mode writes a cassette that holds no credential and no
account header; a run with the server gone and sockets blocked replays it;
with the cassette deleted, the test fails naming the missing file instead
of reaching for the network.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import CASSETTE_DIR_ENV
from tests.standin import StandInAPI, serve
from tests.standin.runs import run_pytest, synthesize_args, synthesize_env

SECRET = "test-recording-path-key"
NODE = "tests/replay/test_models.py::test_documents_and_query[text-embedding-3-small]"
LEAKS = (SECRET, "Bearer", "authorization", "Authorization", "set-cookie", "acct-standin", "org-standin", "cf-ray")


@pytest.mark.allow_hosts(["127.0.0.1"])
def test_record_replay_and_a_missing_cassette(tmp_path: Path) -> None:
    api = StandInAPI(aimlapi_keys=(SECRET,), account_headers=True)
    with serve(api) as standin:
        env = synthesize_env(standin, aimlapi_key=SECRET) | {CASSETTE_DIR_ENV: str(tmp_path)}
        recorded = run_pytest(synthesize_args([NODE]), env)
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    assert api.authorizations == [f"Bearer {SECRET}"] * 2, "the key must really go out, or filtering proves nothing"

    [cassette] = tmp_path.rglob("*.yaml")
    text = cassette.read_text("utf-8")
    assert [leak for leak in LEAKS if leak in text] == []
    assert "content-encoding" not in text, "the gzipped answer should be stored decoded"
    assert "https://api.aimlapi.com/v1/embeddings" in text and "127.0.0.1" not in text

    replay_env = dict(os.environ) | {CASSETTE_DIR_ENV: str(tmp_path)}
    replayed = run_pytest([NODE], replay_env)  # the server is gone; pyproject blocks sockets
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr

    cassette.unlink()
    missing = run_pytest([NODE], replay_env)
    assert missing.returncode == 1
    assert f"{cassette.name} is missing, and replay never reaches the network" in missing.stdout
    assert "scripts/cassettes.py synthesize" in missing.stdout
    assert "SocketBlockedError" not in missing.stdout and "CannotOverwrite" not in missing.stdout

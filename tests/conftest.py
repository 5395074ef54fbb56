"""How every cassette-backed test records and replays (vcrpy through pytest-recording).

A replaying test is marked ``@pytest.mark.vcr`` and ``@pytest.mark.provider("<provider>")``;
its cassette is ``tests/cassettes/<provider>/<module>__<test name>.yaml``.
Replay is the default (record mode ``none``, sockets blocked by pyproject's
addopts), with obviously fake keys, so CI needs neither network nor key.
``scripts/cassettes.py`` runs the same tests in record mode, against the
loopback stand-in (``synthesize``) or the live APIs (``record``).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from vcr import VCR  # type: ignore[import-untyped]
from vcr.request import Request  # type: ignore[import-untyped]

from aiml_embeddings.auth import DEFAULT_BASE_URL

CASSETTES = Path(__file__).parent / "cassettes"
PROVIDERS = ("openai", "google", "voyage", "baai", "together", "alibaba", "inworld")

FAKE_KEYS = {"AIMLAPI_API_KEY": "test-aimlapi-key", "INWORLD_API_KEY": "test-inworld-key"}
REPLAY_UNSET = ("AIMLAPI_BASE_URL", "INWORLD_BASE_URL", "INWORLD_API_SECRET")

CASSETTE_DIR_ENV = "AIML_CASSETTE_DIR"
"""Another cassette folder (tests point a run at a scratch one)."""
STANDIN_ENV = "AIML_CASSETTE_STANDIN"
"""Set by ``scripts/cassettes.py synthesize``: the stand-in's URL, recorded as the real host instead."""
RECORD_PROVIDERS_ENV = "AIML_RECORD_PROVIDERS"
"""Set by ``scripts/cassettes.py record``: only these providers' tests run (the others have no key)."""

CREDENTIAL_HEADERS = ["authorization", "proxy-authorization", "x-api-key", "api-key", "cookie", "x-auth-token"]
ACCOUNT_HEADER = re.compile(
    r"cookie|account|organi[sz]ation|org-id|project|user|billing|credit|api-key|authorization|^cf-ray$",
    re.IGNORECASE,
)
"""Response headers that may identify the account a recording was made with."""
MACHINE_HEADERS = ["host", "user-agent", "accept-encoding", "connection", "content-length"]
"""Request headers that say more about the recording machine than the request; matching ignores them."""

ORIGIN_HEADER = "x-cassette-origin"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "provider(name): the provider folder under tests/cassettes this test replays")
    config.addinivalue_line(
        "markers", "standin_only: its cassette can only come from the stand-in (scripts/cassettes.py record skips it)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    wanted = os.environ.get(RECORD_PROVIDERS_ENV)
    if wanted is None:
        return
    providers = set(wanted.split(","))
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        marker = item.get_closest_marker("provider")
        (drop if marker is not None and marker.args[0] not in providers else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


# --- the recorder's configuration ---------------------------------------------


def json_body(r1: Request, r2: Request) -> None:
    """Bodies match when they are the same JSON (key order aside), or the same bytes when not JSON."""
    b1, b2 = _parsed(r1.body), _parsed(r2.body)
    if b1 != b2:
        raise AssertionError(f"request bodies differ:\n  {str(b1)[:300]}\n  {str(b2)[:300]}")


def _parsed(body: bytes | str | None) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return body


def pytest_recording_configure(config: pytest.Config, vcr: VCR) -> None:
    vcr.register_matcher("json_body", json_body)


def _real_host(request: Request) -> Request:
    """Under ``synthesize``, record the stand-in's answers under the real API's URL, so they replay."""
    standin = os.environ.get(STANDIN_ENV)
    if standin and request.uri.startswith(standin):
        path = request.uri[len(standin) :]
        real = urlsplit(DEFAULT_BASE_URL["inworld" if path.startswith("/ml/") else "aimlapi"])
        request.uri = f"{real.scheme}://{real.netloc}{path}"
    return request


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    """Drop account-identifying headers; say the answer was recorded unless the stand-in said otherwise."""
    headers = {k: v for k, v in response["headers"].items() if not ACCOUNT_HEADER.search(k)}
    if not any(k.lower() == ORIGIN_HEADER for k in headers):
        headers[ORIGIN_HEADER] = ["recorded"]
    response["headers"] = headers
    return response


@pytest.fixture(scope="session")
def vcr_config() -> dict[str, Any]:
    # No record_mode here: it would override --record-mode.
    return {
        "filter_headers": CREDENTIAL_HEADERS + MACHINE_HEADERS,
        "filter_query_parameters": ["key", "api_key", "apikey", "token"],
        "before_record_request": _real_host,
        "before_record_response": _scrub_response,
        "match_on": ["method", "scheme", "host", "port", "path", "query", "json_body"],
        "decode_compressed_response": True,
    }


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    return os.environ.get(CASSETTE_DIR_ENV) or str(CASSETTES)


@pytest.fixture
def default_cassette_name(request: pytest.FixtureRequest) -> str:
    marker = request.node.get_closest_marker("provider")
    if marker is None or not marker.args or marker.args[0] not in PROVIDERS:
        pytest.fail(f"{request.node.nodeid}: a vcr test needs @pytest.mark.provider(<one of {', '.join(PROVIDERS)}>)")
    module = request.node.module.__name__.rsplit(".", 1)[-1]
    name = re.sub(r"[^A-Za-z0-9_.@-]+", "_", f"{module}__{request.node.name}").strip("_")
    return f"{marker.args[0]}/{name}"


@pytest.fixture(autouse=True)
def _replay_guard(
    request: pytest.FixtureRequest, record_mode: str, vcr_markers: list[pytest.Mark], monkeypatch: pytest.MonkeyPatch
) -> None:
    """In replay: fake keys, the real default hosts, and a clear failure when a cassette is missing."""
    if vcr_markers and record_mode == "none":
        for name, value in FAKE_KEYS.items():
            monkeypatch.setenv(name, value)
        for name in REPLAY_UNSET:
            monkeypatch.delenv(name, raising=False)
        folder = Path(request.getfixturevalue("vcr_cassette_dir"))
        extras = [folder / path for marker in vcr_markers for path in marker.args]
        wanted = extras or [folder / (request.getfixturevalue("default_cassette_name") + ".yaml")]
        missing = [path for path in wanted if not path.exists()]
        if missing:
            shown = ", ".join(_shown(path) for path in missing)
            pytest.fail(
                f"cassette {shown} is missing, and replay never reaches the network. Restore it from git, "
                f"or make it again: `python scripts/cassettes.py synthesize {request.node.nodeid}` (offline, "
                f"from the stand-in) or `python scripts/cassettes.py record {request.node.nodeid}` (live, with "
                "AIMLAPI_API_KEY / INWORLD_API_KEY set)",
                pytrace=False,
            )


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)

"""No cassette and no notebook holds credential material."""

from __future__ import annotations

import os
import re
from pathlib import Path

from tests.conftest import CASSETTES, FAKE_KEYS
from tests.standin import NO_CREDITS_KEY

ROOT = Path(__file__).resolve().parents[1]
PATTERNS = [
    re.compile(r"Bearer\s+\S"),
    re.compile(r"Basic\s+[A-Za-z0-9+/=]{4,}"),
    re.compile(
        r"^[\s\"'-]*(authorization|proxy-authorization|x-api-key|api-key|cookie|set-cookie)[\"']?\s*:",
        re.IGNORECASE | re.MULTILINE,
    ),
]


def keys() -> set[str]:
    """The fake keys the tests use, and any real key in this shell (as when recording live)."""
    found = {*FAKE_KEYS.values(), NO_CREDITS_KEY, "test-invalid-key", "test-recording-path-key"}
    for name in ("AIMLAPI_API_KEY", "INWORLD_API_KEY", "INWORLD_API_SECRET"):
        if len(os.environ.get(name, "")) >= 8:
            found.add(os.environ[name])
    return found


def scanned() -> list[Path]:
    examples = [*(ROOT / "notebooks").rglob("*.yaml"), *(ROOT / "aiml_embeddings").rglob("*.yaml")]
    return sorted([*CASSETTES.rglob("*.yaml"), *(ROOT / "notebooks").rglob("*.ipynb"), *examples])


def test_no_credential_in_cassettes_or_notebooks() -> None:
    files = scanned()
    assert len(files) >= 40, "the scan found too few cassettes to mean anything"
    hits = []
    for path in files:
        text = path.read_text("utf-8")
        hits += [f"{path.relative_to(ROOT)}: {p.pattern}" for p in PATTERNS if p.search(text)]
        hits += [f"{path.relative_to(ROOT)}: a test or live key" for key in keys() if key in text]
    assert hits == []


def test_the_scan_would_catch_a_leak() -> None:
    leaked = "    headers:\n      Authorization:\n      - Bearer test-aimlapi-key\n"
    assert all(p.search(leaked) for p in PATTERNS[::2])
    assert any(key in leaked for key in keys())

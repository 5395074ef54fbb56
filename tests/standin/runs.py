"""The two ways to make cassettes: pytest in record mode against the stand-in or the live APIs.

``scripts/cassettes.py`` is the command; the recording-path test runs the
same functions against a scratch folder, so what it proves is what the
command does.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from .api import AIMLAPI_TEST_KEY, DOCUMENTED_REAL, INWORLD_TEST_KEY, ORIGIN_HEADER, SYNTHESIZED

ROOT = Path(__file__).resolve().parents[2]
CASSETTES = ROOT / "tests" / "cassettes"

COMMENTS = {
    SYNTHESIZED: "# synthesized by scripts/cassettes.py from the documented schemas; not a live recording",
    DOCUMENTED_REAL: (
        "# the vectors are a real response published in the provider's docs (tests/standin/real_responses.json);\n"
        "# the HTTP exchange around them was rebuilt by scripts/cassettes.py from the documented schemas"
    ),
    "recorded": "# recorded from the live API by scripts/cassettes.py record",
}

AIMLAPI_PROVIDERS = ("openai", "google", "voyage", "baai", "together", "alibaba")


def synthesize_env(standin: str, aimlapi_key: str = AIMLAPI_TEST_KEY) -> dict[str, str]:
    """Point both APIs at the stand-in, with keys it accepts, and have the recorder map it back."""
    env = dict(os.environ)
    env.pop("INWORLD_API_SECRET", None)
    env.update(
        AIMLAPI_BASE_URL=f"{standin}/v1",
        INWORLD_BASE_URL=standin,
        AIML_CASSETTE_STANDIN=standin,
        AIMLAPI_API_KEY=aimlapi_key,
        INWORLD_API_KEY=INWORLD_TEST_KEY,
    )
    return env


def synthesize_args(selection: Sequence[str]) -> list[str]:
    """Every vcr test (or the selection), recorded afresh, with sockets open to the loopback only."""
    return ["-m", "vcr", "--record-mode=rewrite", "--allow-hosts=127.0.0.1", *selection]


def record_env() -> tuple[dict[str, str], list[str]]:
    """The live APIs: the default hosts, and only the providers whose key is set."""
    env = dict(os.environ)
    for name in ("AIMLAPI_BASE_URL", "INWORLD_BASE_URL", "AIML_CASSETTE_STANDIN"):
        env.pop(name, None)
    providers = [*AIMLAPI_PROVIDERS] if env.get("AIMLAPI_API_KEY") else []
    if env.get("INWORLD_API_KEY"):
        providers.append("inworld")
    env["AIML_RECORD_PROVIDERS"] = ",".join(providers)
    return env, providers


def record_args(selection: Sequence[str]) -> list[str]:
    return ["-m", "vcr and not standin_only", "--record-mode=rewrite", "--force-enable-socket", *selection]


def run_pytest(args: Sequence[str], env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=ROOT,
        env=dict(env),
        text=True,
        capture_output=True,
        check=False,
    )


def origins(cassette: Path) -> set[str]:
    data: Any = yaml.safe_load(cassette.read_text("utf-8"))
    return {
        value
        for item in data.get("interactions", [])
        for name, values in item["response"]["headers"].items()
        if name.lower() == ORIGIN_HEADER
        for value in values
    }


def stamp(folder: Path = CASSETTES, since: float = 0.0) -> list[Path]:
    """Open each cassette written since ``since`` with comments saying how it was made; returns those stamped.

    A file that vanishes or does not parse is being rewritten by another run
    at this moment: it is left to that run.
    """
    stamped = []
    for cassette in sorted(folder.rglob("*.yaml")):
        try:
            if cassette.stat().st_mtime < since or (text := cassette.read_text("utf-8")).startswith("#"):
                continue
            found = origins(cassette)
        except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError):
            continue
        lines = [COMMENTS.get(origin, f"# origin: {origin}") for origin in sorted(found)]
        cassette.write_text("\n".join(lines) + "\n" + text, "utf-8")
        stamped.append(cassette)
    return stamped

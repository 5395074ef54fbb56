"""Run a short script in a fresh interpreter of this venv, from the repository root (for what a process
only shows at its start or end: an import that fails, a socket left open at exit)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_python(code: str, *flags: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for name in ("AIMLAPI_API_KEY", "INWORLD_API_KEY", "AIMLAPI_BASE_URL", "INWORLD_BASE_URL"):
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, *flags, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


# The stand-in API on loopback and an adapter built by ``make(url)`` that embeds two texts, twice: first
# closed, then left open. ResourceWarnings are shown, so standard error tells the two apart: nothing
# before the "closed" line, an unclosed socket after it.
SOCKET_SCRIPT = """
import gc, sys
from tests.standin.server import serve
{imports}
with serve() as url:
    for close in (True, False):
        emb = {make}
        {use}
        if close:
            emb.close()
        del emb
        gc.collect()
        print("closed" if close else "left open", file=sys.stderr, flush=True)
print("finished")
"""


def socket_warnings(result: subprocess.CompletedProcess[str]) -> tuple[bool, bool]:
    """Whether a ResourceWarning was shown after the closed adapter, and after the one left open."""
    closed, _, left_open = result.stderr.partition("closed\n")
    return "ResourceWarning" in closed, "ResourceWarning" in left_open

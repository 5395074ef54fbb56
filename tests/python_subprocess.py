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


# The stand-in API on loopback, an adapter built by ``make(url)`` embedding two texts, then ``finish(emb)``;
# ResourceWarnings are shown, so a socket left open at the end is on standard error.
SOCKET_SCRIPT = """
import gc
from tests.standin.server import serve
{imports}
with serve() as url:
    emb = {make}
    {use}
    {finish}
    del emb
    gc.collect()
print("finished")
"""

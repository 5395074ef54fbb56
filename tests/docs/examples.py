"""Run the code blocks of a README section or a docstring as written, and compare what they print.

Each python block runs like a notebook cell (top-level ``await`` allowed) in one
namespace per example; the ``text`` block after it must match what it printed,
so a stale example fails its test.
"""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
FENCE = re.compile(r"^( *)```(\w+)\n(.*?)^\1```", re.MULTILINE | re.DOTALL)


def fenced_blocks(text: str) -> list[tuple[str, str]]:
    """``(language, code)`` for each fenced block, indented ones (in a docstring section) dedented."""
    return [(lang, textwrap.dedent(body)) for _, lang, body in FENCE.findall(text)]


def readme_section(name: str) -> str:
    text = README.read_text("utf-8")
    start = text.index(f"<!-- section: {name} -->")
    end = text.find("<!-- section:", start + 1)
    return text[start : end if end != -1 else len(text)]


async def run(code: str, namespace: dict[str, Any]) -> None:
    compiled = compile(code, "<example>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    result = eval(compiled, namespace)
    if inspect.iscoroutine(result):
        await result


async def check_examples(pairs: list[tuple[str, str | None]], capsys: pytest.CaptureFixture[str]) -> None:
    namespace: dict[str, Any] = {"__name__": "__example__"}
    for code, expected in pairs:
        await run(code, namespace)
        printed = capsys.readouterr().out
        if expected is not None:
            assert printed.strip() == expected.strip(), f"example printed:\n{printed}\nbut shows:\n{expected}"

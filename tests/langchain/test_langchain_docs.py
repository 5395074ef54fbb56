"""The README's LangChain section and the class docstring run as written and print what they show.

Each code block is executed against its cassette; the output block after it
must match what the code printed, so a stale example fails here.
"""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest

from langchain_aiml_embeddings import AIMLEmbeddings

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
    """Execute like a notebook cell: top-level ``await`` allowed."""
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


@pytest.mark.vcr
@pytest.mark.provider("openai")
async def test_readme_langchain_section(capsys: pytest.CaptureFixture[str]) -> None:
    blocks = fenced_blocks(readme_section("langchain"))
    code = [body for lang, body in blocks if lang == "python"]
    outputs = [body for lang, body in blocks if lang == "text"]
    assert len(code) == 1 and len(outputs) == 1, "the LangChain section holds one python block and its output"
    await check_examples([(code[0], outputs[0])], capsys)


@pytest.mark.vcr
@pytest.mark.provider("openai")
async def test_docstring_examples(capsys: pytest.CaptureFixture[str]) -> None:
    blocks = [body for lang, body in fenced_blocks(inspect.getdoc(AIMLEmbeddings) or "") if lang == "python"]
    # Instantiate, then (code, output) for: single text, multiple texts, async.
    assert len(blocks) == 7
    instantiate, rest = blocks[0], blocks[1:]
    pairs: list[tuple[str, str | None]] = [(instantiate, None)]
    pairs += [(rest[i], rest[i + 1]) for i in range(0, len(rest), 2)]
    await check_examples(pairs, capsys)

"""The README's LangChain section and the class docstring run as written and print what they show.

Each code block is executed against its cassette; the output block after it
must match what the code printed, so a stale example fails here.
"""

from __future__ import annotations

import inspect

import pytest

from langchain_aiml_embeddings import AIMLEmbeddings
from tests.docs.examples import check_examples, fenced_blocks, readme_section


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

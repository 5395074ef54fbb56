"""The README's LlamaIndex section runs as written, offline, and prints what it shows."""

from __future__ import annotations

import pytest

from tests.docs.examples import check_examples, fenced_blocks, readme_section


@pytest.mark.vcr
@pytest.mark.provider("baai")
@pytest.mark.usefixtures("restore_settings")
async def test_readme_llama_index_section(capsys: pytest.CaptureFixture[str]) -> None:
    blocks = fenced_blocks(readme_section("llama-index"))
    code = [body for lang, body in blocks if lang == "python"]
    shown = [body for lang, body in blocks if lang == "text"]
    assert len(code) == 1 and len(shown) == 1, "the section holds one python block and the output it prints"
    await check_examples([(code[0], shown[0])], capsys)

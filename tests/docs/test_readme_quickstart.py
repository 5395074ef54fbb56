"""The README's first example (the core alone) runs as written and prints what it shows."""

from __future__ import annotations

import pytest

from tests.docs.examples import check_examples, fenced_blocks, readme_section


@pytest.mark.vcr
@pytest.mark.provider("openai")
async def test_readme_first_vector_runs_as_written(capsys: pytest.CaptureFixture[str]) -> None:
    blocks = fenced_blocks(readme_section("quickstart"))
    code = [body for lang, body in blocks if lang == "python"]
    shown = [body for lang, body in blocks if lang == "text"]
    assert len(code) == 1 and len(shown) == 1, "the quick start holds one python block and the output it prints"
    await check_examples([(code[0], shown[0])], capsys)

"""The README's LlamaIndex section runs as written, offline, and prints what it shows."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def section(name: str) -> str:
    text = README.read_text("utf-8")
    start = text.index(f"<!-- section: {name} -->")
    end = text.find("<!-- section:", start + 1)
    return text[start : end if end != -1 else len(text)]


@pytest.mark.vcr
@pytest.mark.provider("baai")
@pytest.mark.usefixtures("restore_settings")
def test_readme_llama_index_section(capsys: pytest.CaptureFixture[str]) -> None:
    blocks = FENCE.findall(section("llama-index"))
    code = [body for lang, body in blocks if lang == "python"]
    shown = [body for lang, body in blocks if lang == "text"]
    assert len(code) == 1 and len(shown) == 1, "the section holds one python block and the output it prints"
    namespace: dict[str, Any] = {"__name__": "__readme__"}
    exec(compile(code[0], "README.md (llama-index)", "exec"), namespace)
    printed = capsys.readouterr().out
    assert printed.strip() == shown[0].strip(), f"the example printed:\n{printed}\nbut the README shows:\n{shown[0]}"

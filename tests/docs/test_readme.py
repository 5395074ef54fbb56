"""The README's model table is the registry's, and its two commands are the ones CI runs."""

from __future__ import annotations

import re
from pathlib import Path

from aiml_embeddings.cli.table import render

ROOT = Path(__file__).parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_model_table_matches_the_registry() -> None:
    found = re.search(r"<!-- models-table:start -->\n(.*?)\n<!-- models-table:end -->", README, re.S)
    assert found, "README.md lost its models-table markers"
    assert found.group(1).strip() == render(markdown=True).strip(), (
        "README model table differs from the registry: paste `aiml-embeddings models --markdown` between the markers"
    )


def test_ci_runs_the_readme_test_command_word_for_word() -> None:
    commands = re.findall(r"^(python3 -m venv .*)$", README, re.M)
    assert len(commands) == 2, commands
    demo, tests = commands
    assert demo.endswith("aiml-embeddings demo")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert tests in ci.splitlines()

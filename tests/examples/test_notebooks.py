"""Each notebook's committed outputs are what a fresh offline run prints (nbmake only checks it runs)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parents[2] / "notebooks").glob("*.ipynb"))
TEXT_KINDS = ("text/plain", "text/markdown")
OFFLINE_UNSET = ("AIMLAPI_API_KEY", "INWORLD_API_KEY", "INWORLD_API_SECRET", "AIMLAPI_BASE_URL", "AIML_RECORD_EXAMPLES")


def text_outputs(notebook: Any) -> list[list[str]]:
    """Per code cell, its text outputs: streams and text renderings (images differ across matplotlib builds).

    Consecutive writes to one stream are joined: how a kernel splits a stream into messages depends on
    timing, not on what the cell printed.
    """
    cells = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        texts: list[str] = []
        previous = None
        for output in cell.get("outputs", []):
            if output.output_type == "stream" and previous == output.name:
                texts[-1] += output.text
            elif output.output_type == "stream":
                texts.append(output.text)
            elif output.output_type in ("execute_result", "display_data"):
                texts += [output.data[kind] for kind in TEXT_KINDS if kind in output.data]
            elif output.output_type == "error":
                texts.append(f"{output.ename}: {output.evalue}")
            previous = output.name if output.output_type == "stream" else None
        cells.append(texts)
    return cells


def test_there_are_the_three_notebooks() -> None:
    assert [p.name for p in NOTEBOOKS] == [
        "langchain_vector_store.ipynb",
        "llama_index_embed_model.ipynb",
        "model_tour.ipynb",
    ]


@pytest.mark.enable_socket  # the kernel talks to this process over loopback only
@pytest.mark.allow_hosts(["127.0.0.1"])
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_outputs_match_a_fresh_offline_run(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in OFFLINE_UNSET:
        monkeypatch.delenv(name, raising=False)
    committed = nbformat.read(path, as_version=4)
    fresh = nbformat.read(path, as_version=4)
    NotebookClient(
        fresh, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    assert text_outputs(fresh) == text_outputs(committed)
    first = text_outputs(committed)[0][0]
    assert "offline" in first and "replaying recorded responses" in first
    errors = [o for cell in committed.cells for o in cell.get("outputs", []) if o.output_type == "error"]
    assert errors == []
    assert os.sep + "tmp" + os.sep not in nbformat.writes(committed)  # no machine path in committed outputs

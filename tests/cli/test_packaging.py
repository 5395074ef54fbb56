"""What the distribution says about itself, and that its sdist carries what its tests read."""

from __future__ import annotations

import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
NOT_SHIPPED = {".git", ".venv", ".gitignore", "dist", "build", "PKG-INFO"}
"""Never in the sdist: version control, local environments, build output (PKG-INFO is the sdist's own)."""


def test_the_license_the_metadata_names_is_there() -> None:
    assert PROJECT["project"]["license"] == "MIT"
    text = (ROOT / "LICENSE").read_text("utf-8")
    assert text.startswith("MIT License") and "the aiml-embeddings authors" in text
    assert "LICENSE" in PROJECT["tool"]["hatch"]["build"]["targets"]["sdist"]["include"]


def test_project_urls_are_declared() -> None:
    urls = PROJECT["project"]["urls"]
    assert urls and all(url.startswith("https://") for url in urls.values())


def test_the_sdist_ships_every_top_level_entry_the_tests_need() -> None:
    sdist = PROJECT["tool"]["hatch"]["build"]["targets"]["sdist"]
    shipped = {*sdist["include"], "pyproject.toml"}  # the build backend always ships pyproject.toml
    present = {p.name for p in ROOT.iterdir() if not p.name.startswith(".") or p.name == ".ci"}
    present -= NOT_SHIPPED | {p.name for p in ROOT.iterdir() if p.name.endswith((".egg-info", "_cache"))}
    present -= {"__pycache__"}
    assert present <= shipped, f"not in the sdist, so its tests would fail: {sorted(present - shipped)}"
    assert {"notebooks", ".ci", "benchmarks", "scripts"} <= shipped


def test_pyarrow_lives_in_its_own_extra() -> None:
    project = PROJECT["project"]
    assert not any("pyarrow" in d or "numpy" in d for d in project["dependencies"])
    assert any(d.startswith("pyarrow>=") and "<" in d for d in project["optional-dependencies"]["parquet"])
    assert "parquet" in project["optional-dependencies"]["all"][0]

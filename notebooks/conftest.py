"""Notebooks run offline under pytest (nbmake): their kernels inherit this process's environment.

A developer's real key would send them live, so while a notebook runs the
key and base-URL variables are taken out of the environment (and put back
after); the notebooks then replay ``cassettes/`` and say so first.
"""

from __future__ import annotations

import os

import pytest

LIVE_VARIABLES = (
    "AIMLAPI_API_KEY",
    "INWORLD_API_KEY",
    "INWORLD_API_SECRET",
    "AIMLAPI_BASE_URL",
    "INWORLD_BASE_URL",
    "AIML_RECORD_EXAMPLES",
)
_saved: dict[str, str] = {}


def pytest_runtest_setup(item: pytest.Item) -> None:
    for name in LIVE_VARIABLES:
        if name in os.environ:
            _saved[name] = os.environ.pop(name)


def pytest_runtest_teardown(item: pytest.Item) -> None:
    os.environ.update(_saved)
    _saved.clear()

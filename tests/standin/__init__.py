"""A loopback stand-in for the AI/ML API and Inworld, built from their documents.

It makes the synthesized cassettes (``scripts/cassettes.py synthesize``)
and proves the recording path in the tests; see ``tests/cassettes/README.md``.
"""

from .api import (
    AIMLAPI_TEST_KEY,
    DOCUMENTED_REAL,
    INWORLD_TEST_KEY,
    NO_CREDITS_KEY,
    ORIGIN_HEADER,
    SYNTHESIZED,
    Reply,
    StandInAPI,
)
from .server import serve

__all__ = [
    "AIMLAPI_TEST_KEY",
    "DOCUMENTED_REAL",
    "INWORLD_TEST_KEY",
    "NO_CREDITS_KEY",
    "ORIGIN_HEADER",
    "SYNTHESIZED",
    "Reply",
    "StandInAPI",
    "serve",
]

"""The benchmark server on 127.0.0.1 for the Ray tests, with faults chosen by the texts themselves.

A text holding ``UNAUTHORIZED``, ``NO-CREDITS`` or ``POISON`` makes its whole
request answer 401, 403 or 500, so a test decides which rows fail without
timing or randomness.
"""

from __future__ import annotations

from benchmarks.server import BenchServer, Rejection
from tests.bench_loopback import Loopback as SharedLoopback

FAULTS = {"UNAUTHORIZED": 401, "NO-CREDITS": 403, "POISON": 500}


class FaultyBench(BenchServer):
    def parse(self, inworld: bool, headers: dict[str, str], body: bytes) -> tuple[list[str], str, int, bool]:
        parsed = super().parse(inworld, headers, body)
        for marker, status in FAULTS.items():
            if any(marker in text for text in parsed[0]):
                raise Rejection(status, {"message": f"test fault {marker}", "statusCode": status})
        return parsed


class Loopback(SharedLoopback):
    """``FaultyBench`` on 127.0.0.1."""

    def __init__(self) -> None:
        super().__init__(FaultyBench())

"""The corpus job's own errors, under the package's one base class."""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import AIMLEmbeddingsError
from .records import Problem

SHOWN_PROBLEMS = 20
"""Problems spelled out in one message; the rest are counted (``--skip-invalid`` lists every one)."""


class InvalidRecordsError(AIMLEmbeddingsError, ValueError):
    """The first pass found bad records (invalid JSON, no text field, blank text); nothing was sent."""

    def __init__(self, source: str, where: str, problems: Sequence[Problem], *, model: str | None = None) -> None:
        self.problems = list(problems)
        shown = "; ".join(p.describe(where) for p in self.problems[:SHOWN_PROBLEMS])
        more = len(self.problems) - SHOWN_PROBLEMS
        super().__init__(
            f"{source}: {len(self.problems)} bad record(s), nothing sent: {shown}"
            + (f"; and {more} more" if more > 0 else "")
            + ". Fix them, or pass --skip-invalid (skip_invalid=True) to embed the rest and list them"
            " in <output>.skipped.jsonl",
            model=model,
        )


class CheckpointError(AIMLEmbeddingsError):
    """A checkpoint or an output is in the way: a leftover run, a finished output, or a resume that does not match."""

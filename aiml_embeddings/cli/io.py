"""Texts from the command line or standard input, and the progress bar."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any, TextIO

from ..corpus import TextsSource

PROGRESS_FROM = 200
"""Fewer texts than this finish before a bar would say anything."""


class CLIInputError(Exception):
    """A problem with the command's input that the user fixes (a file, a line), shown as one line."""


def texts_source(args: Sequence[str], stdin: TextIO) -> TextsSource:
    """Texts given as arguments, or piped in one per line (read whole: files stream with --input)."""
    if args and list(args) != ["-"]:
        return TextsSource(list(args), name="arguments", where="argument")
    if stdin.isatty():
        raise CLIInputError("no texts: pass them as arguments, with --input FILE, or on standard input")
    lines = stdin.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the final newline ends the last line; it is not a blank record
    return TextsSource(lines, name="standard input", where="line")


class ProgressBar:
    """A tqdm bar on standard error, in texts, that moves only when vectors are written.

    Only on a terminal (tqdm's ``disable=None``): in a log, carriage returns would bury the one error line.
    """

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: Any = None

    def start(self, total: int, done: int) -> None:
        if not self.enabled or total - done < PROGRESS_FROM:
            return
        try:
            from tqdm.auto import tqdm
        except ImportError:
            return
        self.bar = tqdm(
            total=total, initial=done, unit="text", unit_scale=True, file=sys.stderr, leave=False, disable=None
        )

    def advance(self, count: int) -> None:
        if self.bar is not None:
            self.bar.update(count)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()

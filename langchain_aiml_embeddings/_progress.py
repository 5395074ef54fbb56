"""The optional tqdm bar behind ``show_progress_bar=True``.

tqdm is an extra, so it is imported only when a bar is asked for, and its
absence is reported with the one command that fixes it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

INSTALL_HINT = 'show_progress_bar=True needs tqdm: pip install "aiml-embeddings[progress]"'


def require_tqdm() -> Any:
    """tqdm's class, or an ImportError saying how to install it (checked at construction too)."""
    try:
        from tqdm.auto import tqdm
    except ImportError as exc:
        raise ImportError(INSTALL_HINT) from exc
    return tqdm


@contextmanager
def progress(enabled: bool, total: int, desc: str) -> Iterator[Callable[[int], None] | None]:
    """A callback advancing a bar by the inputs each finished batch covered, or None when off."""
    if not enabled:
        yield None
        return
    bar = require_tqdm()(total=total, desc=desc, unit="text")
    try:
        yield bar.update
    finally:
        bar.close()

"""The ``embed`` command's own process: glibc's malloc kept to two arenas and big buffers given back.

glibc gives each thread an arena of its own (up to eight per core), and an
arena keeps the pages it has used. Each of the client's worker threads
decodes whole answers (about 12 MB of body, text, JSON and vectors for a
request of 1,562 vectors at 256 dimensions), so with an arena each the
process's memory became the sum of every thread's own peak, not the peak
of their sum: 340 to 440 MB for a million texts, where two arenas and
buffers of 256 KiB or more always mapped (so freeing one returns it) give
about 275 MB (BENCHMARKS.md, "Corpus jobs").

Only the command does this: a library must not change how the process
that imports it allocates (``embed_file`` users can set
``MALLOC_ARENA_MAX=2`` themselves). Elsewhere than glibc it does nothing.
"""

from __future__ import annotations

import ctypes
import sys

ARENAS = 2
MMAP_FROM = 256 << 10
"""Allocations of this size or more get their own mapping, returned whole when freed."""

_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8


def keep_arenas_few() -> None:
    """Call before the first worker thread starts: arenas already made are not merged."""
    if not sys.platform.startswith("linux"):
        return
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # no C library to ask, or one without mallopt
        return
    mallopt(_M_ARENA_MAX, ARENAS)
    mallopt(_M_MMAP_THRESHOLD, MMAP_FROM)

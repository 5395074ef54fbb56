"""``.npy`` output: one float32 array of the final shape, filled in place as chunks finish.

Rows go to their offset with positioned writes, in any order. The file is
not memory-mapped on purpose: every mapped page written would stay
resident and count toward the process's memory, which must not grow with
the corpus. Unfinished rows are zeros in a file that still has its
``.partial`` name, so it is never taken for a finished array.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .errors import CheckpointError


class NpyWriter:
    def __init__(self, partial: Path, rows: int, dimension: int, *, resume: bool) -> None:
        import numpy
        from numpy.lib import format as npformat

        self._np = numpy
        self.partial = partial
        self.dimension = dimension
        if resume:
            with partial.open("rb") as handle:
                version = npformat.read_magic(handle)
                read_header = npformat.read_array_header_1_0 if version == (1, 0) else npformat.read_array_header_2_0
                shape, _, dtype = read_header(handle)
                self.offset = handle.tell()
            if shape != (rows, dimension) or dtype != numpy.dtype("<f4"):
                raise CheckpointError(
                    f"{partial} holds a {shape} {dtype} array, not the ({rows}, {dimension}) float32 the "
                    "checkpoint expects; --overwrite starts again"
                )
        else:
            array = npformat.open_memmap(partial, mode="w+", dtype="<f4", shape=(rows, dimension))
            self.offset = int(array.offset)
            del array  # only to write the header and size the file
        self.fd = os.open(partial, os.O_RDWR)

    def write(self, start: int, ids: list[Any] | None, vectors: Any) -> None:
        rows = self._np.ascontiguousarray(vectors, dtype="<f4")
        if rows.ndim != 2 or rows.shape[1] != self.dimension:
            raise ValueError(f"vectors of shape {rows.shape}, expected (n, {self.dimension})")
        view = rows.data.cast("B")
        position = self.offset + start * self.dimension * 4
        while view:
            written = os.pwrite(self.fd, view, position)
            view, position = view[written:], position + written

    def sync(self) -> dict[str, Any]:
        os.fdatasync(self.fd)
        return {}

    def finish(self, output: Path) -> None:
        self.sync()
        self.close()
        os.replace(self.partial, output)

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

"""Where finished vectors land: at their input position, as lists or one float32 array.

Batches finish in any order and on any thread; each writes only its own
rows, so nothing is reordered and nothing needs a lock but the lazy
allocation of the array. A caller who wants each batch as it lands (to
write it out before the call ends) is handed a ``Batch`` read back from
these rows.
"""

from __future__ import annotations

import sys
import threading
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Literal, Protocol, TypeVar

from .length import VectorLength
from .wire import RawVector

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

Output = Literal["list", "numpy"]
_BIG_ENDIAN = sys.byteorder == "big"
V = TypeVar("V")


@dataclass(frozen=True)
class Batch(Generic[V]):
    """One request's share of a call, handed to ``on_batch`` the moment its vectors are in place."""

    positions: list[int]
    """Ascending positions in the call's input: the texts the request carried and the repeats of them
    (``dedupe``), or, in the call's last report, the blank inputs given zero vectors."""
    vectors: V
    """``vectors[i]`` is the vector at ``positions[i]``: with ``output="list"`` the very lists the call
    returns; with ``output="numpy"`` a float32 array of shape ``(len(positions), dimension)``, a copy."""


BatchCallback = Callable[[Batch[Any]], None]
"""Told each finished batch of a call as it lands; see ``EmbeddingsClient.embed``."""


def floats(vector: RawVector) -> list[float]:
    if isinstance(vector, list):
        return vector
    values = array("f", vector)
    if _BIG_ENDIAN:
        values.byteswap()
    return values.tolist()


class Sink(Protocol):
    def put(self, positions: Sequence[int], vectors: Sequence[RawVector]) -> None: ...

    def zeros(self, positions: Sequence[int]) -> None:
        """Zero vectors of the client's length (known by now) at ``positions``: the blank inputs."""
        ...

    def result(self) -> Any: ...

    def partial(self) -> list[list[float] | None]: ...

    def rows_at(self, positions: Sequence[int]) -> Any:
        """The vectors now at ``positions``, as the caller gets them (see ``Batch.vectors``)."""
        ...


class ListSink:
    def __init__(self, size: int, length: VectorLength) -> None:
        self.rows: list[list[float] | None] = [None] * size
        self._length = length

    def put(self, positions: Sequence[int], vectors: Sequence[RawVector]) -> None:
        for position, vector in zip(positions, vectors, strict=False):
            self.rows[position] = floats(vector)

    def zeros(self, positions: Sequence[int]) -> None:
        dimension = self._length.value
        assert dimension is not None, "zero vectors of an unknown length"
        for position in positions:
            self.rows[position] = [0.0] * dimension

    def result(self) -> list[list[float]]:
        assert all(row is not None for row in self.rows), "a vector is missing"
        return self.rows  # type: ignore[return-value]  # checked just above

    def partial(self) -> list[list[float] | None]:
        return list(self.rows)

    def rows_at(self, positions: Sequence[int]) -> list[list[float]]:
        rows = [self.rows[p] for p in positions]
        assert all(row is not None for row in rows), "a vector is missing"
        return rows  # type: ignore[return-value]  # checked just above


class NumpySink:
    """One preallocated ``(n, dim)`` float32 array: a third of the memory of float lists, or less.

    Its width is the client's vector length: allocated at once when known,
    else when the first answer (checked before it is put) has taught it.
    """

    def __init__(self, size: int, length: VectorLength) -> None:
        try:
            import numpy
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError("output='numpy' needs numpy: pip install 'aiml-embeddings[numpy]'") from exc
        self._np = numpy
        self._size = size
        self._length = length
        self._lock = threading.Lock()
        self._done = numpy.zeros(size, dtype=bool)
        self.array: npt.NDArray[np.float32] | None = None
        if length.value is not None:
            self._allocate()

    def _allocate(self) -> npt.NDArray[np.float32]:
        with self._lock:
            if self.array is None:
                dimension = self._length.value
                assert dimension is not None, "a vector was put before its length was checked"
                self.array = self._np.zeros((self._size, dimension), dtype=self._np.float32)
            return self.array

    def put(self, positions: Sequence[int], vectors: Sequence[RawVector]) -> None:
        if not vectors:
            return
        target = self.array if self.array is not None else self._allocate()
        for position, vector in zip(positions, vectors, strict=False):
            if isinstance(vector, bytes):
                target[position] = self._np.frombuffer(vector, dtype="<f4")
            else:
                target[position] = vector
            self._done[position] = True

    def zeros(self, positions: Sequence[int]) -> None:
        self._allocate()
        for position in positions:
            self._done[position] = True

    def result(self) -> npt.NDArray[np.float32]:
        assert bool(self._done.all()), "a vector is missing"
        return self.array if self.array is not None else self._np.zeros((self._size, 0), dtype=self._np.float32)

    def rows_at(self, positions: Sequence[int]) -> npt.NDArray[np.float32]:
        assert self.array is not None
        first, last = positions[0], positions[-1]
        index: slice | list[int] = slice(first, last + 1) if last - first + 1 == len(positions) else list(positions)
        assert bool(self._done[index].all()), "a vector is missing"
        return self.array[index].copy()  # the caller's own rows, which the call's later batches leave alone

    def partial(self) -> list[list[float] | None]:
        if self.array is None:
            return [None] * self._size
        return [self.array[i].tolist() if self._done[i] else None for i in range(self._size)]

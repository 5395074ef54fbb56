"""Reading the text column from a Ray batch and writing the vector and error columns back, in either format.

The vector column is always an Arrow ``fixed_size_list<float32>[dimension]``,
nulls allowed: Ray turns a 2-D numpy array into its tensor type and a column
with nulls into a variable-length list, and blocks of those two types cannot
be concatenated (``to_pandas`` fails), so one type for every batch, failed
rows or not, keeps the Dataset whole. The error column is Arrow strings for
the same reason (an all-None numpy column would become Arrow's null type).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import ConfigurationError, InputTypeError

Batch = Any
"""A Ray Data batch: ``dict[str, numpy.ndarray]`` or a ``pandas.DataFrame``."""


def _is_frame(batch: Batch) -> bool:
    try:
        import pandas
    except ImportError:  # pragma: no cover - ray[data] brings pandas
        return False
    return isinstance(batch, pandas.DataFrame)


def read_texts(batch: Batch, column: str, model: str) -> list[Any]:
    """The column's values as Python objects, unconverted (a None or a number stays one, for the core to reject)."""
    if _is_frame(batch):
        if column not in batch.columns:
            raise ConfigurationError(
                f"text_column {column!r} is not in the batch (columns: {list(batch.columns)})", model=model
            )
        return list(batch[column].tolist())
    if isinstance(batch, Mapping):
        if column not in batch:
            raise ConfigurationError(
                f"text_column {column!r} is not in the batch (columns: {list(batch)})", model=model
            )
        return list(np.asarray(batch[column]).tolist())
    raise InputTypeError(
        f"an Embedder takes Ray's batch formats, a dict of numpy arrays or a pandas DataFrame, not "
        f"{type(batch).__name__}; use batch_format='numpy' or 'pandas'",
        model=model,
    )


def vector_array(matrix: npt.NDArray[np.float32], missing: Sequence[bool] | None) -> Any:
    """An Arrow fixed-size-list column of float32 rows; rows flagged in ``missing`` are null."""
    import pyarrow as pa

    dimension = matrix.shape[1]
    values = pa.array(np.ascontiguousarray(matrix, dtype=np.float32).reshape(-1), type=pa.float32())
    mask = pa.array(list(missing), type=pa.bool_()) if missing is not None else None
    return pa.FixedSizeListArray.from_arrays(values, dimension, mask=mask)


def string_array(values: Sequence[str | None]) -> Any:
    import pyarrow as pa

    return pa.array(list(values), type=pa.string())


def with_columns(batch: Batch, columns: dict[str, Any]) -> Batch:
    """The batch with ``columns`` (Arrow arrays) added or replaced, in the batch's own format; the input untouched."""
    if _is_frame(batch):
        import pandas

        out = batch.copy(deep=False)
        for name, array in columns.items():
            out[name] = pandas.Series(pandas.arrays.ArrowExtensionArray(array), index=batch.index)
        return out
    out_dict = dict(batch)
    out_dict.update(columns)
    return out_dict

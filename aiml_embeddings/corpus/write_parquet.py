"""Parquet output: ``id`` and ``embedding`` as a fixed-size list of float32, what vector databases load.

A Parquet file cannot be appended to, and one cut short has no footer, so
each finished chunk is its own small file in ``<output>.parts/`` (written
under a temporary name, then renamed). When every row is done the parts
are copied, one at a time and in row order, into the output as its row
groups, and the folder is removed.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

ENCODING: dict[str, Any] = {"use_dictionary": ["id"], "compression": {"id": "snappy", "embedding": "none"}}
"""Floats neither repeat nor compress: dictionary-encoding and compressing them made files larger and
writing four times slower."""


class ParquetWriter:
    def __init__(self, parts: Path, dimension: int, *, integer_ids: bool, resume_parts: list[Any] | None) -> None:
        try:
            import pyarrow as pa
        except ImportError as exc:
            raise ImportError("Parquet output needs pyarrow: pip install 'aiml-embeddings[parquet]'") from exc
        self.pa = pa
        self.parts = parts
        self.dimension = dimension
        self.id_type = pa.int64() if integer_ids else pa.string()
        self.integer_ids = integer_ids
        self.schema = pa.schema([("id", self.id_type), ("embedding", pa.list_(pa.float32(), dimension))])
        self.written: list[list[Any]] = [list(p) for p in resume_parts or []]
        if resume_parts is None and parts.exists():
            shutil.rmtree(parts)
        parts.mkdir(exist_ok=True)
        keep = {name for _, _, name in self.written}
        for stale in parts.iterdir():  # written after the last checkpoint, or cut short
            if stale.name not in keep:
                stale.unlink()

    def write(self, start: int, ids: list[Any] | None, vectors: Any) -> None:
        import numpy
        import pyarrow.parquet as pq

        assert ids is not None
        pa = self.pa
        flat = pa.array(numpy.ascontiguousarray(vectors, dtype="<f4").reshape(-1), pa.float32())
        table = pa.table(
            {
                "id": pa.array(ids if self.integer_ids else [str(i) for i in ids], self.id_type),
                "embedding": pa.FixedSizeListArray.from_arrays(flat, self.dimension),
            },
            schema=self.schema,
        )
        name = f"{start:012d}.parquet"
        temp = self.parts / (name + ".tmp")
        with temp.open("wb") as handle:
            pq.write_table(table, handle, **ENCODING)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, self.parts / name)
        self.written.append([start, start + len(ids), name])

    def sync(self) -> dict[str, Any]:
        return {"parts": sorted(self.written)}

    def finish(self, output: Path) -> None:
        import pyarrow.parquet as pq

        partial = output.with_name(output.name + ".partial")
        with pq.ParquetWriter(partial, self.schema, **ENCODING) as out:
            for _, _, name in sorted(self.written):
                out.write_table(pq.read_table(self.parts / name, schema=self.schema))
        os.replace(partial, output)
        shutil.rmtree(self.parts)

    def close(self) -> None:
        pass

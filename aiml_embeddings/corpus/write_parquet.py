"""Parquet output: ``id`` and ``embedding`` as a fixed-size list of float32, what vector databases load.

A Parquet file cannot be appended to, and one cut short has no footer, so
each checkpoint (one request's rows) is its own small file in
``<output>.parts/`` (written under a temporary name, then renamed), each
stretch of consecutive rows in it one row group. When every row is done
the stretches are copied in row order into the output, gathered into row
groups of at least ``GROUP_ROWS`` rows, and the folder is removed.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

ENCODING: dict[str, Any] = {"use_dictionary": ["id"], "compression": {"id": "snappy", "embedding": "none"}}
"""Floats neither repeat nor compress: dictionary-encoding and compressing them made files larger and
writing four times slower."""
GROUP_ROWS = 16_384
"""Rows gathered into one row group of the output (16 MB at 256 dimensions): a request's few rows, or a
repeat's one, would make row groups too small to read well."""


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
        self.written: list[list[Any]] = [[*p, 0][:4] for p in resume_parts or []]
        """``[start, stop, file name, row group]`` per stretch checkpointed (a part of an older run: group 0)."""
        self.pending: list[tuple[int, Any]] = []
        """The stretches written since the last checkpoint, with their tables: the next part file."""
        if resume_parts is None and parts.exists():
            shutil.rmtree(parts)
        parts.mkdir(exist_ok=True)
        keep = {entry[2] for entry in self.written}
        for stale in parts.iterdir():  # written after the last checkpoint, or cut short
            if stale.name not in keep:
                stale.unlink()

    def write(self, start: int, ids: list[Any] | None, vectors: Any) -> None:
        import numpy

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
        self.pending.append((start, table))

    def sync(self) -> dict[str, Any]:
        import pyarrow.parquet as pq

        if self.pending:
            name = f"{self.pending[0][0]:012d}.parquet"  # its first row names it: no row is written twice
            temp = self.parts / (name + ".tmp")
            with temp.open("wb") as handle:
                with pq.ParquetWriter(handle, self.schema, **ENCODING) as out:
                    for _, table in self.pending:
                        out.write_table(table)  # one row group each
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, self.parts / name)
            for group, (start, table) in enumerate(self.pending):
                self.written.append([start, start + len(table), name, group])
            self.pending = []
        return {"parts": sorted(self.written)}

    def finish(self, output: Path) -> None:
        import pyarrow.parquet as pq

        self.sync()
        partial = output.with_name(output.name + ".partial")
        gathered: list[Any] = []
        opened: tuple[str, Any] = ("", None)
        with pq.ParquetWriter(partial, self.schema, **ENCODING) as out:
            for _, _, name, group in sorted(self.written):
                if opened[0] != name:
                    opened = (name, pq.ParquetFile(self.parts / name))
                gathered.append(opened[1].read_row_group(group))
                if sum(len(table) for table in gathered) >= GROUP_ROWS:
                    out.write_table(self.pa.concat_tables(gathered))
                    gathered = []
            if gathered:
                out.write_table(self.pa.concat_tables(gathered))
        os.replace(partial, output)
        shutil.rmtree(self.parts)

    def close(self) -> None:
        pass

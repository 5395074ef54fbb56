"""Readers for table formats, Parquet and CSV, through pyarrow (the ``parquet`` extra).

They read a few thousand rows at a time (Parquet by row group batches,
CSV by blocks), so a large table is never held in memory whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import ConfigurationError
from .records import Item, Problem, Record

ROWS_PER_READ = 8192


def _pyarrow() -> Any:
    try:
        import pyarrow
    except ImportError as exc:
        raise ImportError(
            "Parquet and CSV need pyarrow: pip install 'aiml-embeddings[parquet]'"
        ) from exc
    return pyarrow


def table_items(path: Path, *, text_field: str, id_field: str) -> Iterator[Item]:
    pa = _pyarrow()
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        file = pq.ParquetFile(path)
        names = file.schema_arrow.names
        _check_columns(path, names, text_field)
        columns = [text_field] + ([id_field] if id_field in names and id_field != text_field else [])
        batches: Iterator[Any] = file.iter_batches(batch_size=ROWS_PER_READ, columns=columns)
    else:
        import pyarrow.csv as pcsv

        reader = pcsv.open_csv(
            path, read_options=pcsv.ReadOptions(block_size=1 << 20), convert_options=pcsv.ConvertOptions(
                column_types={text_field: pa.string()}, strings_can_be_null=True
            )
        )
        names = reader.schema.names
        _check_columns(path, names, text_field)
        batches = iter(reader)
    number = 0
    for batch in batches:
        texts = batch.column(text_field).to_pylist()
        ids = batch.column(id_field).to_pylist() if id_field in batch.schema.names else None
        for offset, text in enumerate(texts):
            number += 1
            record_id = ids[offset] if ids is not None else number
            if not isinstance(text, str):
                yield Problem(number, f"no text in column {text_field!r} (null)")
            elif not text.strip():
                yield Problem(number, f"blank text in column {text_field!r}")
            elif record_id is None:
                yield Problem(number, f"null id in column {id_field!r}")
            else:
                yield Record(number, record_id, text)


def _check_columns(path: Path, names: list[str], text_field: str) -> None:
    if text_field not in names:
        raise ConfigurationError(
            f"{path.name} has no column {text_field!r} (its columns: {', '.join(names)}); "
            "--text-field picks the one holding the text"
        )

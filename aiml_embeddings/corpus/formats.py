"""Output formats by suffix, and the files a job keeps beside its output while it runs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigurationError

OUTPUT_FORMATS = {".npy": "npy", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}


def output_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in OUTPUT_FORMATS:
        return OUTPUT_FORMATS[suffix]
    note = " (.csv is an input format)" if suffix == ".csv" else ""
    raise ConfigurationError(
        f"cannot write {path.name}: unknown output format {suffix or '(no suffix)'}{note}; "
        f"name the output with one of {', '.join(OUTPUT_FORMATS)}"
    )


@dataclass(frozen=True)
class JobFiles:
    """``out.npy`` is written as ``out.npy.partial`` and checkpointed in ``out.npy.manifest.json``."""

    output: Path

    @property
    def partial(self) -> Path:
        return self.output.with_name(self.output.name + ".partial")

    @property
    def manifest(self) -> Path:
        return self.output.with_name(self.output.name + ".manifest.json")

    @property
    def parts(self) -> Path:
        return self.output.with_name(self.output.name + ".parts")

    @property
    def skipped(self) -> Path:
        return self.output.with_name(self.output.name + ".skipped.jsonl")

"""The registry as a text table, for the CLI and the README."""

from __future__ import annotations

from collections.abc import Iterable

from .models import MODELS, ModelSpec

COLUMNS = ("model", "api", "developer", "dims", "dimensions", "context", "inputs/req", "tokens/req", "role")


def row(spec: ModelSpec) -> tuple[str, ...]:
    span = f"{spec.dimensions[0]}..{spec.dimensions[1]}" if spec.dimensions else "-"
    role = {"task_type": "task_type", "query_prefix": "query prefix", "voyage_document": "input_type=document"}.get(
        spec.role, "-"
    )
    return (
        spec.id,
        spec.api,
        spec.developer,
        str(spec.dimension),
        span,
        str(spec.context),
        str(spec.max_inputs),
        str(spec.max_tokens),
        role,
    )


def render(specs: Iterable[ModelSpec] | None = None, *, markdown: bool = False) -> str:
    rows = [row(s) for s in (specs if specs is not None else MODELS.values())]
    if markdown:
        lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
        lines += ["| " + " | ".join((f"`{r[0]}`", *r[1:])) + " |" for r in rows]
        return "\n".join(lines)
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(COLUMNS)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join(
        line.rstrip()
        for line in [fmt.format(*COLUMNS), fmt.format(*("-" * w for w in widths)), *(fmt.format(*r) for r in rows)]
    )

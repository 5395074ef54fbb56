"""The registry as a text table, for the CLI and the README."""

from __future__ import annotations

from collections.abc import Iterable

from ..catalogue import CATALOGUE_APIS, LiveModel
from ..models import MODELS, ModelSpec

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


def render_live(live: Iterable[LiveModel]) -> str:
    """The registry beside the live catalogue: listed, new (live only) or gone (registry only).

    Each API's models are compared with that API's catalogue only; a model of
    an API without one (Inworld) is shown as ``n/a``, never as gone.
    """
    live_ids = {m.id: m for m in live}
    lines = [f"{'status':<7}  {'model':<60}  context (live)", f"{'-' * 7}  {'-' * 60}  {'-' * 14}"]
    for model_id, spec in MODELS.items():
        if spec.api not in CATALOGUE_APIS:
            lines.append(f"{'n/a':<7}  {model_id:<60}  - (the {spec.api} API has no catalogue)")
            continue
        status = "listed" if model_id in live_ids else "gone"
        context = live_ids[model_id].context_length if model_id in live_ids else None
        lines.append(f"{status:<7}  {model_id:<60}  {context if context is not None else '-'}")
    for model_id, model in live_ids.items():
        if model_id not in MODELS:
            context = model.context_length
            lines.append(f"{'new':<7}  {model_id:<60}  {context if context is not None else '-'}")
    return "\n".join(lines)

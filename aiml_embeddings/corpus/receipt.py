"""The one line a finished job ends with: what it embedded, what it cost, how long it took."""

from __future__ import annotations

import dataclasses
from typing import Any

RECEIPT_FIELDS = (
    ("requests", "requests"),
    ("retries", "retries"),
    ("rate_limited", "answered 429"),
    ("total_tokens", "tokens"),
    ("credits", "credits"),
)
"""Which counters of the client's ``usage`` the receipt shows, and under which words."""


def usage_delta(before: Any, after: Any) -> Any:
    """What one job added to a client's running totals (``usage`` is a frozen dataclass of numbers)."""
    if before is None or after is None or not dataclasses.is_dataclass(after):
        return after
    changes = {}
    for item in dataclasses.fields(after):
        new, old = getattr(after, item.name), getattr(before, item.name, None)
        if isinstance(new, (int, float)) and isinstance(old, (int, float)) and not isinstance(new, bool):
            changes[item.name] = new - old
    return dataclasses.replace(after, **changes)  # type: ignore[type-var]


def receipt(usage: Any, texts: int, wall_seconds: float) -> str:
    parts = [f"{texts:,} texts"]
    for name, label in RECEIPT_FIELDS if usage is not None else ():
        value = getattr(usage, name, None)
        if isinstance(value, float) and not value.is_integer():
            parts.append(f"{value:,.2f} {label}")
        elif isinstance(value, (int, float)):
            parts.append(f"{int(value):,} {label}")
    parts.append(f"{wall_seconds:.1f} s")
    line = ", ".join(parts)
    if usage is None:
        line += " (requests, retries, 429s, tokens and credits: not counted by this client)"
    return line

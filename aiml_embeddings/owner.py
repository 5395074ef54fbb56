"""Closing for the framework adapters, written once: each holds one core client and closes it the same way."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from .client import EmbeddingsClient


_Owner = TypeVar("_Owner", bound="OwnsClient")


class OwnsClient:
    """``close``/``aclose`` and both context managers for an object whose core client is ``_client``.

    A plain mixin (no fields), so it sits beside pydantic and the frameworks' base classes.
    """

    if TYPE_CHECKING:
        _client: EmbeddingsClient | None

    def close(self) -> None:
        """Close the connections the core client opened (injected HTTP clients are yours to close)."""
        if self._client is not None:
            self._client.close()

    async def aclose(self) -> None:
        """Close the async connections of the running event loop, then the rest."""
        if self._client is not None:
            await self._client.aclose()

    def __enter__(self: _Owner) -> _Owner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self: _Owner) -> _Owner:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

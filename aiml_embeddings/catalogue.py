"""The live model catalogue, which the AI/ML API serves without a key."""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import BaseModel

from .auth import resolve_base_url
from .errors import APIConnectionError, MalformedResponseError, status_error


class LiveModel(BaseModel):
    id: str
    context_length: int | None = None


def parse_catalogue(payload: Any) -> list[LiveModel]:
    """Entries carry ``id`` and ``info.contextLength``; the list may be bare or under ``data``."""
    items = payload.get("data") if isinstance(payload, dict) else payload
    if not isinstance(items, list):
        raise MalformedResponseError("the model catalogue is not a list")
    out = []
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            info = item.get("info")
            context = info.get("contextLength") if isinstance(info, dict) else None
            out.append(LiveModel(id=item["id"], context_length=context if isinstance(context, int) else None))
    return out


def fetch_live_models(
    base_url: str | None = None, *, http_client: httpx.Client | None = None, timeout: float = 15.0
) -> list[LiveModel]:
    """``GET /v1/models?type=openai/embeddings``: what the AI/ML API serves today."""
    url = resolve_base_url("aimlapi", base_url) + "/models"
    client = http_client or httpx.Client(timeout=timeout)
    try:
        reply = client.get(url, params={"type": "openai/embeddings"})
    except httpx.RequestError as exc:
        raise APIConnectionError(f"could not reach the model catalogue at {url} ({type(exc).__name__})") from exc
    finally:
        if http_client is None:
            client.close()
    if not reply.is_success:
        raise status_error(
            reply.status_code, reply.text[:300], model="(catalogue)", request_id=reply.headers.get("x-request-id")
        )
    try:
        payload = reply.json()
    except ValueError as exc:
        raise MalformedResponseError("the model catalogue is not JSON") from exc
    return parse_catalogue(payload)

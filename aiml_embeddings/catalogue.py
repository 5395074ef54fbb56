"""The live model catalogue, which the AI/ML API serves without a key.

Only the AI/ML API has one: Inworld's models are checked against nothing,
and ``CATALOGUE_APIS`` says so in one place for the table that compares.
"""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import BaseModel

from .auth import resolve_base_url
from .errors import APIConnectionError, APIStatusError, MalformedResponseError, status_error
from .models import Api

CATALOGUE_APIS: tuple[Api, ...] = ("aimlapi",)
"""The APIs whose catalogue ``fetch_live_models`` reads."""


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
        raise catalogue_error(url, reply)
    try:
        payload = reply.json()
    except ValueError as exc:
        raise MalformedResponseError(f"the model catalogue at {url} is not JSON") from exc
    return parse_catalogue(payload)


def catalogue_error(url: str, reply: httpx.Response) -> APIStatusError:
    """The typed error for the status, in words about the catalogue (it concerns no model)."""
    request_id = reply.headers.get("x-request-id")
    kind = type(status_error(reply.status_code, "", model="", request_id=None))
    advice = (
        "this server serves no model catalogue: check the base URL (the AI/ML API's ends in /v1)"
        if reply.status_code == 404
        else "retry later, or run 'aiml-embeddings models' for the registry without the catalogue"
    )
    return kind(
        f"the model catalogue at {url} answered {reply.status_code}: {reply.text[:200].strip()} ({advice})",
        status_code=reply.status_code,
        request_id=request_id,
        provider_message=reply.text[:300],
    )

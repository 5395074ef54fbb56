"""Both embedding APIs as their documents describe them, without a network.

``StandInAPI.handle`` turns one HTTP request into one reply. It is strict
where the AI/ML API is strict (a body field the model does not accept, an
empty input or an unknown model is the documented 400), answers the two
real responses the docs publish verbatim, and otherwise makes vectors from
the words of each text (``vectors.word_vector``). Every reply says how it
was made in an ``x-cassette-origin`` header, which the cassettes keep.

The HTTP plumbing lives in ``server.py``, so a benchmark can wrap this
class with its own faults and rate limits.
"""

from __future__ import annotations

import base64
import json
import struct
import threading
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiml_embeddings import MODELS, ModelSpec
from aiml_embeddings.roles import GOOGLE_TASK_TYPES

from .vectors import word_vector, words

ORIGIN_HEADER = "x-cassette-origin"
SYNTHESIZED = "synthesized"
DOCUMENTED_REAL = "documented-real-response"

AIMLAPI_TEST_KEY = "test-aimlapi-key"
INWORLD_TEST_KEY = "test-inworld-key"
NO_CREDITS_KEY = "test-aimlapi-key-without-credits"
"""Authenticates, but the account has no credits: the documented 403."""

AIMLAPI_PATH = "/v1/embeddings"
CATALOGUE_PATH = "/v1/models"
INWORLD_PATH = "/ml/v1alpha/embedding:embed"
INWORLD_SERVICE_PROVIDER = "SERVICE_PROVIDER_INWORLD"
FIXED_TIMESTAMP = "2025-01-01T00:00:00.000Z"
"""Error bodies carry a timestamp; a fixed one keeps synthesized cassettes reproducible."""

# The AI/ML API's documented messages (docs.aimlapi.com, "Errors with status code 4xx").
BODY_VALIDATION = "Body validation error!"
INVALID_KEY = (
    "This request requires a valid API key. You can create a new API key on the Billing page: "
    "https://aimlapi.com/app/keys"
)
NO_CREDITS = (
    "You've run out of credits. Please top up your balance or update your payment method to continue: "
    "https://aimlapi.com/app/billing/"
)
# Inworld documents only the shape {code, message, details} and the gRPC codes; these texts are ours.
INWORLD_UNAUTHENTICATED = "Request had invalid authentication credentials."
INWORLD_INVALID_ARGUMENT = "Invalid argument: {}"


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class RealResponse:
    """A response the provider's docs publish, with the exact request that gets it."""

    model: str
    input: str
    prompt_tokens: int
    vector: tuple[float, ...]


@cache
def real_responses() -> dict[tuple[str, str], RealResponse]:
    raw = json.loads(Path(__file__).with_name("real_responses.json").read_text("utf-8"))
    out = {}
    for item in raw:
        packed = base64.b64decode(item["embedding_f32le_base64"])
        vector = struct.unpack(f"<{len(packed) // 4}f", packed)
        out[(item["model"], item["input"])] = RealResponse(item["model"], item["input"], item["prompt_tokens"], vector)
    return out


class Rejected(Exception):
    """A request the API refuses; carries the status and the body to answer."""

    def __init__(self, status: int, body: dict[str, Any], reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.body = body


@dataclass
class StandInAPI:
    aimlapi_keys: Sequence[str] = (AIMLAPI_TEST_KEY,)
    inworld_keys: Sequence[str] = (INWORLD_TEST_KEY,)
    account_headers: bool = False
    """Add the account-identifying headers a live API may send, to prove the recorder scrubs them."""
    authorizations: list[str] = field(default_factory=list)
    """Every Authorization header received, so a test can prove the key was really sent."""
    rejections: list[str] = field(default_factory=list)
    """Why each refused request was refused (the documented bodies do not say)."""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Reply:
        parts = urlsplit(target)
        lowered = {k.lower(): v for k, v in headers.items()}
        with self._lock:
            self.authorizations.append(lowered.get("authorization", ""))
        request_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{method} {target} {body.decode('utf-8', 'replace')}"))
        try:
            if (method, parts.path) == ("POST", AIMLAPI_PATH):
                status, payload, origin = self._aimlapi(lowered, body, request_id)
            elif (method, parts.path) == ("GET", CATALOGUE_PATH):
                status, payload, origin = 200, _catalogue(parse_qs(parts.query)), SYNTHESIZED
            elif (method, parts.path) == ("POST", INWORLD_PATH):
                status, payload, origin = self._inworld(lowered, body)
            else:
                raise Rejected(
                    404, _aimlapi_error(404, f"Cannot {method} {parts.path}", parts.path, request_id), "path"
                )
        except Rejected as rejected:
            with self._lock:
                self.rejections.append(str(rejected))
            status, payload, origin = rejected.status, rejected.body, SYNTHESIZED
        reply_headers = {"content-type": "application/json", ORIGIN_HEADER: origin, "x-request-id": request_id}
        if self.account_headers:
            reply_headers |= {
                "set-cookie": "session=standin-session; Path=/; HttpOnly",
                "x-aimlapi-account-id": "acct-standin-0001",
                "openai-organization": "org-standin",
                "cf-ray": "0000000000000000-AMS",
            }
        return Reply(status, reply_headers, json.dumps(payload, separators=(",", ":")).encode("utf-8"))

    # --- AI/ML API -----------------------------------------------------------

    def _aimlapi(self, headers: Mapping[str, str], body: bytes, request_id: str) -> tuple[int, Any, str]:
        def refuse(status: int, message: str, reason: str) -> Rejected:
            return Rejected(status, _aimlapi_error(status, message, AIMLAPI_PATH, request_id), reason)

        key = _credential(headers, "Bearer")
        if key == NO_CREDITS_KEY:
            raise refuse(403, NO_CREDITS, "no credits")
        if key not in self.aimlapi_keys:
            raise refuse(401, INVALID_KEY, "bad key")
        try:
            request = json.loads(body)
            spec, texts = _validate_aimlapi(request)
        except (ValueError, TypeError, KeyError) as exc:
            raise refuse(400, BODY_VALIDATION, f"body: {exc}") from exc
        real = real_responses().get((spec.id, request["input"])) if isinstance(request["input"], str) else None
        if real is not None and not set(request) & {"task_type", "input_type", "dimensions"}:
            vectors, tokens, origin = [list(real.vector)], real.prompt_tokens, DOCUMENTED_REAL
        else:
            role = request.get("task_type") or request.get("input_type")
            dimension = request.get("dimensions") or spec.dimension
            assert dimension is not None
            vectors = [word_vector(t, spec.id, dimension, role) for t in texts]
            tokens, origin = sum(len(words(t)) + 2 for t in texts), SYNTHESIZED
        as_base64 = request.get("encoding_format") == "base64"
        data = [
            {"object": "embedding", "index": i, "embedding": _f32_base64(v) if as_base64 else v}
            for i, v in enumerate(vectors)
        ]
        data.reverse()  # the API may list `data` in any order; `index` is what counts
        payload = {
            "object": "list",
            "data": data,
            "model": spec.id,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            "meta": {"usage": {"credits_used": 1}},
        }
        return 201, payload, origin  # the AI/ML API documents 201 for a successful POST

    # --- Inworld ---------------------------------------------------------------

    def _inworld(self, headers: Mapping[str, str], body: bytes) -> tuple[int, Any, str]:
        if _credential(headers, "Basic") not in self.inworld_keys:
            raise Rejected(401, {"code": 16, "message": INWORLD_UNAUTHENTICATED, "details": []}, "bad key")
        try:
            request = json.loads(body)
            spec, texts = _validate_inworld(request)
        except (ValueError, TypeError, KeyError) as exc:
            message = INWORLD_INVALID_ARGUMENT.format(exc)
            raise Rejected(400, {"code": 3, "message": message, "details": []}, f"body: {exc}") from exc
        assert spec.dimension is not None
        payload = {"embeddings": [{"values": word_vector(t, spec.id, spec.dimension)} for t in texts]}
        return 200, payload, SYNTHESIZED


def _credential(headers: Mapping[str, str], scheme: str) -> str | None:
    value = headers.get("authorization", "")
    prefix = scheme + " "
    return value[len(prefix) :] if value.startswith(prefix) else None


def _validate_aimlapi(request: Any) -> tuple[ModelSpec, list[str]]:
    if not isinstance(request, dict):
        raise TypeError("the body is not a JSON object")
    spec = MODELS.get(str(request.get("model")))
    if spec is None or spec.api != "aimlapi":
        raise ValueError(f"unknown model {request.get('model')!r}")
    extra = set(request) - {"model", "input"} - set(spec.params)
    if extra:
        raise ValueError(f"{spec.id} does not accept {sorted(extra)}")
    value = request["input"]
    texts = [value] if isinstance(value, str) else value
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) and t for t in texts):
        raise ValueError("input must be a non-empty string or a non-empty array of non-empty strings")
    if len(texts) > spec.max_inputs:
        raise ValueError(f"{len(texts)} inputs, at most {spec.max_inputs}")
    _check_options(spec, request)
    return spec, texts


def _check_options(spec: ModelSpec, request: Mapping[str, Any]) -> None:
    if request.get("encoding_format", "float") not in ("float", "base64"):
        raise ValueError("encoding_format must be float or base64")
    if "dimensions" in request:
        low, high = spec.dimensions or (0, -1)
        value = request["dimensions"]
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise ValueError(f"dimensions {value!r} outside {low}..{high}")
    if "task_type" in request and request["task_type"] not in GOOGLE_TASK_TYPES:
        raise ValueError(f"task_type {request['task_type']!r}")
    if "title" in request and request.get("task_type") != "RETRIEVAL_DOCUMENT":
        raise ValueError("title needs task_type RETRIEVAL_DOCUMENT")
    if "input_type" in request and request["input_type"] != "document":
        raise ValueError("input_type accepts only 'document'")
    if not isinstance(request.get("auto_truncate", True), bool):
        raise ValueError("auto_truncate must be a boolean")


def _validate_inworld(request: Any) -> tuple[ModelSpec, list[str]]:
    if not isinstance(request, dict):
        raise TypeError("the body is not a JSON object")
    model = request["model"]
    spec = MODELS.get(str(model.get("model"))) if isinstance(model, dict) else None
    if spec is None or spec.api != "inworld" or model.get("serviceProvider") != INWORLD_SERVICE_PROVIDER:
        name = model.get("model") if isinstance(model, dict) else model
        raise ValueError(f"unknown model {name!r} for serviceProvider {INWORLD_SERVICE_PROVIDER}")
    extra = set(request) - {"inputs", "model"}
    if extra:
        raise ValueError(f"unknown fields {sorted(extra)}")
    items = request["inputs"]
    if not isinstance(items, list) or not items:
        raise ValueError("inputs must be a non-empty array")
    texts = [item.get("text") if isinstance(item, dict) else None for item in items]
    if not all(isinstance(t, str) and t for t in texts):
        raise ValueError("every input needs a non-empty text")
    return spec, texts  # type: ignore[return-value]  # checked: all non-empty str


def _aimlapi_error(status: int, message: str, path: str, request_id: str) -> dict[str, str]:
    """The documented error body: ``{message, path, requestId, statusCode, timestamp}``, statusCode a string."""
    return {
        "message": message,
        "path": path,
        "requestId": request_id,
        "statusCode": str(status),
        "timestamp": FIXED_TIMESTAMP,
    }


def _catalogue(query: Mapping[str, Iterable[str]]) -> dict[str, Any]:
    wanted = list(query.get("type", ["openai/embeddings"]))
    entries = [
        {
            "id": spec.id,
            "type": "openai/embeddings",
            "info": {"developer": spec.developer, "contextLength": spec.context},
        }
        for spec in MODELS.values()
        if spec.api == "aimlapi" and "openai/embeddings" in wanted
    ]
    return {"object": "list", "data": entries}


def _f32_base64(vector: Sequence[float]) -> str:
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii")

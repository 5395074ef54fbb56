"""Where keys and base URLs come from, and how each API wants the key sent.

Keys stay in ``SecretStr`` until the moment a header is built, and are read
from the environment at request time, so an object rebuilt from its
serialized settings (which never hold the key) works where the variable is set.
"""

from __future__ import annotations

import base64
import os

from pydantic import SecretStr

from .errors import MissingAPIKeyError
from .models import Api

KEY_ENV: dict[Api, str] = {"aimlapi": "AIMLAPI_API_KEY", "inworld": "INWORLD_API_KEY"}
INWORLD_SECRET_ENV = "INWORLD_API_SECRET"
BASE_URL_ENV: dict[Api, str] = {"aimlapi": "AIMLAPI_BASE_URL", "inworld": "INWORLD_BASE_URL"}
DEFAULT_BASE_URL: dict[Api, str] = {
    "aimlapi": "https://api.aimlapi.com/v1",
    "inworld": "https://api.inworld.ai",
}


def env_key(api: Api) -> SecretStr | None:
    """The key the environment holds for ``api``, if any (the one place that knows the variables)."""
    value = os.environ.get(KEY_ENV[api], "")
    if api == "inworld" and value and os.environ.get(INWORLD_SECRET_ENV):
        value = f"{value}:{os.environ[INWORLD_SECRET_ENV]}"
    return SecretStr(value) if value else None


def env_base_url(api: Api) -> str | None:
    return os.environ.get(BASE_URL_ENV[api]) or None


def resolve_key(api: Api, explicit: SecretStr | None, model: str) -> SecretStr:
    if explicit is not None and explicit.get_secret_value():
        return explicit
    found = env_key(api)
    if found is None:
        hint = (
            f"set {KEY_ENV[api]} (the Base64 credential the Inworld portal shows, or the key with "
            f"{INWORLD_SECRET_ENV} for the secret)"
            if api == "inworld"
            else f"set {KEY_ENV[api]} (get a key at https://aimlapi.com/app/keys)"
        )
        raise MissingAPIKeyError(f"no API key for model {model!r}: pass api_key=... or {hint}", model=model)
    return found


def resolve_base_url(api: Api, explicit: str | None) -> str:
    return (explicit or env_base_url(api) or DEFAULT_BASE_URL[api]).rstrip("/")


def authorization(api: Api, key: SecretStr) -> str:
    """The Authorization header value. Inworld takes the portal's Base64 string as is, or key:secret."""
    raw = key.get_secret_value()
    if api == "aimlapi":
        return f"Bearer {raw}"
    if ":" in raw:  # a key and secret pair; Base64 text never holds a colon
        raw = base64.b64encode(raw.encode("utf-8")).decode("ascii")
    return f"Basic {raw}"

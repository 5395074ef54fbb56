"""Where keys and base URLs come from, and how each API wants the key sent.

Keys stay in ``SecretStr`` until the moment a header is built, and are read
from the environment at request time, so an object rebuilt from its
serialized settings (which never hold the key) works where the variable is set.

A key is checked when it is first read: surrounding whitespace (a newline
pasted from a file) is stripped, and anything left that cannot travel in an
HTTP header is a ``ConfigurationError`` before any request. Sent as is, such
a key would reach the HTTP layer, whose errors and DEBUG logs quote the
whole header. No local variable here holds the bare key for longer than one
expression, so captured frame locals show only ``SecretStr``.
"""

from __future__ import annotations

import base64
import os

from pydantic import SecretStr

from .errors import ConfigurationError, MissingAPIKeyError
from .headers import value_problem
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
    if not os.environ.get(KEY_ENV[api], "").strip():
        return None
    if api == "inworld" and os.environ.get(INWORLD_SECRET_ENV):
        return SecretStr(f"{os.environ[KEY_ENV[api]].strip()}:{os.environ[INWORLD_SECRET_ENV].strip()}")
    return SecretStr(os.environ[KEY_ENV[api]])


def env_base_url(api: Api) -> str | None:
    return os.environ.get(BASE_URL_ENV[api]) or None


def resolve_key(api: Api, explicit: SecretStr | None, model: str) -> SecretStr:
    """The key to send: the explicit one, else the environment's; stripped and checked, or a typed error."""
    if explicit is not None and explicit.get_secret_value().strip():
        return _checked(explicit, "the api_key given", model)
    key = env_key(api)
    if key is None:
        hint = (
            f"set {KEY_ENV[api]} (the Base64 credential the Inworld portal shows, or the key with "
            f"{INWORLD_SECRET_ENV} for the secret)"
            if api == "inworld"
            else f"set {KEY_ENV[api]} (get a key at https://aimlapi.com/app/keys)"
        )
        raise MissingAPIKeyError(f"no API key for model {model!r}: pass api_key=... or {hint}", model=model)
    source = KEY_ENV[api] + (
        f" / {INWORLD_SECRET_ENV}" if api == "inworld" and os.environ.get(INWORLD_SECRET_ENV) else ""
    )
    return _checked(key, source, model)


def _checked(key: SecretStr, source: str, model: str) -> SecretStr:
    """The key without surrounding whitespace; a key with characters a header cannot carry is refused."""
    stripped = SecretStr(key.get_secret_value().strip())
    problem = key_problem(stripped)
    if problem is not None:
        raise ConfigurationError(
            f"the API key from {source} for model {model!r} {problem}; an API key is printable ASCII "
            "without spaces: copy it again from the provider's dashboard",
            model=model,
        )
    return stripped


def key_problem(key: SecretStr) -> str | None:
    """What makes ``key`` unfit for an HTTP header, in words that do not show it (None: nothing)."""
    return value_problem(key.get_secret_value(), inner_spaces=False)


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


def secrets_of(authorization_value: str) -> tuple[str, ...]:
    """Every form of the credential a server could echo: the header value, the key, and for Basic the pair."""
    scheme, _, token = authorization_value.partition(" ")
    forms = [authorization_value, token]
    if scheme == "Basic":
        try:
            pair = base64.b64decode(token, validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            pair = ""
        forms += [pair, *pair.split(":", 1)] if pair else []
    return tuple(f for f in forms if f)

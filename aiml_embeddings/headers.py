"""What an HTTP header can carry, checked before any request, in words that never show a value.

Sent as is, a header httpx cannot encode (a non-ASCII character) escapes as
an untyped ``UnicodeEncodeError`` holding the value, and one h11 refuses (a
CR, an LF, surrounding whitespace) fails as a connection error, retried,
whose message quotes the value. A value may be a credential (the API key,
a proxy's token), so a problem is told by its kind and position alone.
"""

from __future__ import annotations

import string
from collections.abc import Mapping

from .errors import ConfigurationError

_TOKEN = frozenset("!#$%&'*+-.^_`|~" + string.ascii_letters + string.digits)
"""The characters of a header name (RFC 9110's ``tchar``)."""


def _kind(char: str) -> str:
    if char == " ":
        return "a space"
    if char < " " or char == "\x7f":
        return "a control character"
    return "a non-ASCII character" if char > "~" else f"the character {char!r}"


def value_problem(value: str, *, inner_spaces: bool = True) -> str | None:
    """What makes ``value`` unfit for a header value, without showing it (None: nothing).

    A value is printable ASCII; spaces and tabs may separate its words
    (``inner_spaces``), never surround it. A key allows no space at all.
    """
    last = len(value) - 1
    for position, char in enumerate(value):
        if "!" <= char <= "~" or (inner_spaces and char in " \t" and 0 < position < last):
            continue
        return f"holds {_kind(char)} at position {position}"
    return None


def name_problem(name: str) -> str | None:
    """What makes ``name`` unfit for a header name (None: nothing); names are not secret, so it may be shown."""
    if not name:
        return "is empty"
    for position, char in enumerate(name):
        if char not in _TOKEN:
            return f"holds {_kind(char)} at position {position}"
    return None


def sendable(headers: Mapping[str, str], model: str) -> dict[str, str]:
    """``headers`` with surrounding whitespace stripped from each value (a newline pasted from a file),
    or a ``ConfigurationError`` naming the first header that cannot be sent and why, never its value."""
    out: dict[str, str] = {}
    for name, raw in headers.items():
        value = raw.strip()
        problem = name_problem(name)
        where = f"the name {name!r}"
        if problem is None:
            problem, where = value_problem(value), f"the value of header {name!r}"
        if problem is not None:
            raise ConfigurationError(
                f"default_headers for model {model!r}: {where} {problem}; a header name is letters, digits "
                "and !#$%&'*+-.^_`|~, a value is printable ASCII (spaces and tabs only between words)",
                model=model,
            )
        out[name] = value
    return out

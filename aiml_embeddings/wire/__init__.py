"""One small codec per API: request body, response parsing, error bodies.

Each API's JSON lives in exactly one module here; nothing else in the
package knows a field name of either wire format.
"""

from __future__ import annotations

from ..models import Api
from .aimlapi import AIMLAPICodec
from .base import Answer, Codec, ErrorInfo, RawVector
from .inworld import InworldCodec

CODECS: dict[Api, Codec] = {"aimlapi": AIMLAPICodec(), "inworld": InworldCodec()}

__all__ = ["CODECS", "Answer", "Codec", "ErrorInfo", "RawVector", "AIMLAPICodec", "InworldCodec"]

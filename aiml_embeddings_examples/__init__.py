"""The examples above both adapters: the demo, the live/replay/record switch the notebooks use,
and the recorder and replayer of example recordings (PyYAML lives here, not in the core)."""

from __future__ import annotations

from .session import RECORD_ENV, Session, open_session

__all__ = ["RECORD_ENV", "Session", "open_session"]

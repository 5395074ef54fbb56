"""The ``aiml-embeddings`` command (core only: the demo lives in ``aiml_embeddings_examples``)."""

from __future__ import annotations

from .commands import build_parser, main

__all__ = ["build_parser", "main"]

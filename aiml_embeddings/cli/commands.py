"""The ``aiml-embeddings`` command: list models, embed texts, run the offline demo.

Every failure a user can fix is one line on standard error and a non-zero
exit, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import Any

from .. import __version__
from ..catalogue import fetch_live_models
from ..client import EmbeddingsClient
from ..errors import AIMLEmbeddingsError, EmptyInputError, MissingAPIKeyError
from ..models import DEFAULT_MODEL, MODELS, close_matches
from .io import CLIInputError, progress_bar, read_texts, write_vectors
from .table import render, render_live

PROG = "aiml-embeddings"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="Embeddings through the AI/ML API and Inworld.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    models = commands.add_parser("models", help="print the model registry as a table")
    models.add_argument("--markdown", action="store_true", help="print a Markdown table")
    models.add_argument("--live", action="store_true", help="merge the live catalogue (no key needed)")

    embed = commands.add_parser("embed", help="embed texts to JSONL or .npy")
    embed.add_argument("texts", nargs="*", help="texts to embed ('-' or none: read standard input)")
    embed.add_argument("-i", "--input", help="a file: one text per line, or .jsonl records with a text field")
    embed.add_argument("--field", default="text", help="the JSONL field holding the text (default: text)")
    embed.add_argument("-o", "--output", help="where to write: .npy or JSONL (default: JSONL on standard output)")
    embed.add_argument("-m", "--model", default=DEFAULT_MODEL, help=f"model ID (default: {DEFAULT_MODEL})")
    embed.add_argument("-d", "--dimensions", type=int, help="output dimensions, for models that accept it")
    embed.add_argument("--as", dest="purpose", choices=["document", "query"], default="document")
    embed.add_argument("--allow-unknown-model", action="store_true", help="send a model ID missing from the registry")
    embed.add_argument("--no-progress", action="store_true", help="no progress bar")

    commands.add_parser(
        "demo", help="embed a bundled corpus into LangChain and LlamaIndex and query it (offline without a key)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format=f"{PROG}: %(message)s")
    try:
        if args.command == "models":
            return models_command(args)
        if args.command == "embed":
            return embed_command(args)
        return demo_command()
    except (CLIInputError, AIMLEmbeddingsError, ImportError, OSError) as exc:
        print(f"{PROG}: error: {one_line(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


def demo_command() -> int:
    """The demo needs both frameworks, so it lives above the adapters; without them, say what to install."""
    try:
        from aiml_embeddings_examples.demo import run_demo
        from aiml_embeddings_examples.replay import NotRecordedError
    except ImportError as exc:
        raise ImportError(
            f"the demo needs LangChain and LlamaIndex ({exc}): pip install \"aiml-embeddings[langchain,llama-index]\""
        ) from None
    try:
        return run_demo(sys.stdout)
    except NotRecordedError as exc:
        raise CLIInputError(str(exc)) from None


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, MissingAPIKeyError):
        text += f"; or run '{PROG} demo' to see the whole job work offline"
    return text


def models_command(args: argparse.Namespace) -> int:
    if args.live:
        print(render_live(fetch_live_models()))
    else:
        print(render(markdown=args.markdown))
    return 0


def embed_command(args: argparse.Namespace) -> int:
    if args.model not in MODELS and not args.allow_unknown_model:
        hint = close_matches(args.model)
        raise CLIInputError(
            f"unknown model {args.model!r}"
            + (f"; did you mean {' or '.join(repr(h) for h in hint)}?" if hint else "")
            + f" ('{PROG} models' lists them; --allow-unknown-model sends it anyway)"
        )
    texts = read_texts(args.texts, args.input, args.field, sys.stdin)
    client = EmbeddingsClient(args.model, dimensions=args.dimensions)
    bar = progress_bar(len(texts), enabled=not args.no_progress)
    output: Any = "numpy" if args.output and args.output.lower().endswith(".npy") else "list"
    try:
        vectors = client.embed(texts, args.purpose, output=output, on_progress=bar.update if bar else None)
    except EmptyInputError as exc:
        lines = ", ".join(str(i + 1) for i in exc.failed_indices[:10])
        raise CLIInputError(f"empty or blank text at line/argument {lines}: remove it and run again") from None
    finally:
        if bar is not None:
            bar.close()
        client.close()
    write_vectors(vectors, args.output, sys.stdout)
    if args.output:
        print(
            f"{PROG}: wrote {len(texts)} vectors of {client.dimension or len(vectors[0])} values to {args.output}",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

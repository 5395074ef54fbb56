"""The ``aiml-embeddings`` command: list models, embed texts or a corpus, run the offline demo.

Every failure a user can fix is one line on standard error and a non-zero
exit, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import __version__
from ..auth import KEY_ENV
from ..catalogue import fetch_live_models
from ..client import EmbeddingsClient
from ..corpus import OUTPUT_FORMATS, JobResult, receipt
from ..corpus.job import JobOptions, run_job
from ..corpus.source import open_source
from ..errors import AIMLEmbeddingsError, APIConnectionError, MissingAPIKeyError
from ..models import DEFAULT_MODEL, MODELS, close_matches
from .arenas import keep_arenas_few
from .io import CLIInputError, ProgressBar, texts_source
from .table import render, render_live

PROG = "aiml-embeddings"
SIGPIPE_EXIT = 141
"""What a shell reports for a program ended by a closed pipe (128 + SIGPIPE)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="Embeddings through the AI/ML API and Inworld.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    models = commands.add_parser("models", help="print the model registry as a table")
    models.add_argument("--markdown", action="store_true", help="print a Markdown table")
    models.add_argument("--live", action="store_true", help="compare with the live catalogue (no key needed)")
    models.add_argument("--base-url", help="the AI/ML API base URL, ending in /v1 (default: $AIMLAPI_BASE_URL)")

    embed = commands.add_parser("embed", help="embed texts or a corpus file to .npy, JSONL or Parquet")
    embed.add_argument("texts", nargs="*", help="texts to embed ('-' or none: read standard input)")
    embed.add_argument(
        "-i", "--input", help="a file, read as it goes: .jsonl records, .parquet or .csv columns, else one text a line"
    )
    embed.add_argument("--text-field", "--field", dest="text_field", default="text", help="field holding the text")
    embed.add_argument("--id-field", default="id", help="field holding the record's id (default: id; else its line)")
    embed.add_argument(
        "-o", "--output", help=f"{', '.join(OUTPUT_FORMATS)} (default: JSONL on standard output, not resumable)"
    )
    embed.add_argument("-m", "--model", default=DEFAULT_MODEL, help=f"model ID (default: {DEFAULT_MODEL})")
    embed.add_argument("-d", "--dimensions", type=int, help="output dimensions, for models that accept it")
    embed.add_argument("--as", dest="purpose", choices=["document", "query"], default="document")
    embed.add_argument("--base-url", help="the API's base URL (default: $AIMLAPI_BASE_URL or $INWORLD_BASE_URL)")
    embed.add_argument("--max-concurrency", type=int, help="requests in flight (default: the client's)")
    embed.add_argument(
        "--chunk-size", type=int, help="texts per embed call (default: one full request per request in flight)"
    )
    embed.add_argument("--resume", action="store_true", help="continue an unfinished output from its checkpoint")
    embed.add_argument("--overwrite", action="store_true", help="start again over an existing or unfinished output")
    embed.add_argument("--skip-invalid", action="store_true", help="skip bad records, listed in <output>.skipped.jsonl")
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
            keep_arenas_few()
            return embed_command(args)
        return demo_command()
    except BrokenPipeError:
        _quiet_stdout()
        return SIGPIPE_EXIT
    except (CLIInputError, AIMLEmbeddingsError, ImportError, OSError) as exc:
        print(f"{PROG}: error: {one_line(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


def _quiet_stdout() -> None:
    """The reader went away (``| head``): nothing more to say, and no second error when Python flushes at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # a stdout with no file behind it (tests)
        pass


def demo_command() -> int:
    """The demo needs both frameworks, so it lives above the adapters; without them, say what to install."""
    from aiml_embeddings_examples.demo import require_frameworks, run_demo
    from aiml_embeddings_examples.replay import NotRecordedError

    require_frameworks()
    try:
        return run_demo(sys.stdout)
    except NotRecordedError as exc:
        raise CLIInputError(str(exc)) from None
    except APIConnectionError as exc:
        if not os.environ.get(KEY_ENV["aimlapi"]):
            raise
        raise CLIInputError(
            f"{one_line(exc)}; with {KEY_ENV['aimlapi']} set the demo runs live. Offline, it replays recorded "
            f"answers: env -u {KEY_ENV['aimlapi']} {PROG} demo"
        ) from None


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, MissingAPIKeyError):
        text += f"; or run '{PROG} demo' to see the whole job work offline"
    return text


def models_command(args: argparse.Namespace) -> int:
    if args.live:
        print(render_live(fetch_live_models(args.base_url)))
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
    if args.texts and args.input:
        raise CLIInputError("give texts as arguments or with --input, not both")
    output = Path(args.output) if args.output and args.output != "-" else None
    if args.chunk_size is not None and args.chunk_size < 1:
        raise CLIInputError(f"--chunk-size must be a positive whole number, not {args.chunk_size}")
    if output is None and (args.resume or args.overwrite):
        raise CLIInputError("--resume and --overwrite need an output file (-o out.npy, .jsonl or .parquet)")
    if args.input and args.input != "-":
        source: Any = open_source(args.input, text_field=args.text_field, id_field=args.id_field)
    else:
        source = texts_source(args.texts, sys.stdin)
    settings: dict[str, Any] = {"dimensions": args.dimensions, "base_url": args.base_url}
    if args.max_concurrency is not None:
        settings["max_concurrency"] = args.max_concurrency
    client = EmbeddingsClient(args.model, **settings)
    options = JobOptions(
        args.purpose, args.text_field, args.id_field, args.resume, args.overwrite, args.skip_invalid, args.chunk_size
    )
    bar = ProgressBar(enabled=not args.no_progress)
    try:
        result = run_job(
            source,
            output,
            client,
            options,
            stream=sys.stdout.buffer if output is None else None,
            on_progress=bar.advance,
            on_start=bar.start,
        )
    except AIMLEmbeddingsError as exc:
        if exc.status_code == 404 and client.spec.api == "aimlapi":
            raise CLIInputError(one_line(exc) + "; " + base_url_hint(client.base_url)) from None
        raise
    finally:
        bar.close()
        client.close()
    print(f"{PROG}: {summary(result)}", file=sys.stderr)
    return 0


def base_url_hint(base_url: str) -> str:
    """A 404 on the embeddings path is as often a base URL without ``/v1`` as a wrong model ID."""
    if base_url.rstrip("/").endswith("/v1"):
        return f"if the model ID is right, check the /v1 part of the base URL ({base_url})"
    return (
        f"the base URL {base_url} does not end in /v1, so requests went to {base_url}/embeddings: "
        f"try --base-url {base_url.rstrip('/')}/v1"
    )


def summary(result: JobResult) -> str:
    line = receipt(result.usage, result.embedded, result.wall_seconds)
    where = f" to {result.output}" if result.output is not None else ""
    notes = []
    if result.resumed:
        notes.append(f"resumed: {result.resumed:,} were done before")
    if result.skipped:
        listed = f", listed in {result.skipped_file}" if result.skipped_file else ""
        notes.append(f"{len(result.skipped):,} bad records skipped{listed}")
    return f"embedded {line}; {result.rows:,} rows{where}" + (f" ({'; '.join(notes)})" if notes else "")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

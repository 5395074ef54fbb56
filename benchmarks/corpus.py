"""The corpus job against the loopback server: peak memory, wall time, and what a kill costs.

Each measured run is its own process (the command, or the core's in-memory
``embed`` for comparison), so its peak RSS is its own (``wait4``). The
server runs with default settings in another process. Every output is
read back and each row checked against what the server answers for its
text (``vectors.check``); ids are checked in input order.

Run: ``python -m benchmarks.corpus --texts 1000000 --repeat 3`` (prints a
Markdown table, writes ``benchmarks/results/corpus.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from .scenarios import short_texts
from .vectors import check

MODEL = "text-embedding-3-small"
DIMENSION = 256
KILL_AT = 0.4
CHECK_ROWS = 100_000
"""Rows checked at a time, so checking a million rows does not hold them all."""

PEAK = (
    "import atexit, sys; atexit.register(lambda: print('VmHWM', "
    "open('/proc/self/status').read().split('VmHWM:')[1].split()[0], file=sys.stderr)); "
)
"""Printed by the measured process itself as it exits: its own peak RSS (kB). ``wait4``'s maxrss would
count the benchmark process's memory at the fork, which holds every text."""

IN_MEMORY = """
import sys, time
from aiml_embeddings import EmbeddingsClient
texts = open(sys.argv[1], encoding="utf-8").read().split("\\n")[:-1]
client = EmbeddingsClient(sys.argv[2], base_url=sys.argv[3], dimensions=int(sys.argv[4]))
started = time.monotonic()
vectors = client.embed(texts, output="numpy")
print(time.monotonic() - started, file=sys.stderr)
import numpy
numpy.save(sys.argv[5], vectors)
"""


def start_server() -> tuple[subprocess.Popen[str], str]:
    server = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.server", "--port", "0", "--max-seconds", "7200"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    line = server.stdout.readline()
    if not line.startswith("PORT "):
        server.kill()
        raise SystemExit(f"the benchmark server did not start: {line!r}")
    return server, f"http://127.0.0.1:{int(line.split()[1])}"


def stats(url: str) -> dict[str, Any]:
    return httpx.get(url + "/_bench/stats").json()  # type: ignore[no-any-return]


def reset(url: str) -> None:
    httpx.post(url + "/_bench/config", json={}).raise_for_status()


def timed(argv: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run one process; its wall time and peak RSS (MB), or why it failed."""
    started = time.monotonic()
    done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
    wall = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:6])} ... failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    lines = done.stderr.strip().splitlines()
    peak = [int(line.split()[1]) for line in lines if line.startswith("VmHWM ")]
    return {"wall": wall, "rss_mb": peak[-1] / 1024, "stderr": [x for x in lines if not x.startswith("VmHWM")][-1:]}


def command(url: str, source: Path, target: Path, *extra: str) -> list[str]:
    """The command as a user runs it, with the peak-memory report at exit."""
    return [
        sys.executable, "-c", PEAK + "import runpy; sys.argv[0] = 'aiml-embeddings'; "
        "runpy.run_module('aiml_embeddings.cli', run_name='__main__')", "embed", "-i", str(source), "-o", str(target),
        "-m", MODEL, "-d", str(DIMENSION), "--base-url", url + "/v1", "--no-progress", *extra,
    ]  # fmt: skip


def check_npy(texts: list[str], path: Path) -> dict[str, int]:
    array = np.load(path, mmap_mode="r")
    assert array.shape == (len(texts), DIMENSION), array.shape
    total: dict[str, int] = {}
    for start in range(0, len(texts), CHECK_ROWS):
        verdict = check(texts[start : start + CHECK_ROWS], np.asarray(array[start : start + CHECK_ROWS]), DIMENSION)
        for key, value in verdict.as_dict().items():
            total[key] = total.get(key, 0) + value
    return total


def check_jsonl(texts: list[str], path: Path) -> dict[str, int]:
    total: dict[str, int] = {}
    ids_ok = True
    with path.open(encoding="utf-8") as handle:
        for start in range(0, len(texts), CHECK_ROWS):
            rows = [json.loads(handle.readline()) for _ in texts[start : start + CHECK_ROWS]]
            ids_ok &= [r["id"] for r in rows] == [f"doc-{i}" for i in range(start, start + len(rows))]
            got = np.array([r["embedding"] for r in rows], dtype=np.float32)
            for key, value in check(texts[start : start + len(rows)], got, DIMENSION).as_dict().items():
                total[key] = total.get(key, 0) + value
        ids_ok &= handle.readline() == ""
    total["ids_in_order"] = int(ids_ok)
    return total


def check_parquet(texts: list[str], path: Path) -> dict[str, int]:
    import pyarrow.parquet as pq

    file = pq.ParquetFile(path)
    total: dict[str, int] = {}
    ids_ok, start = True, 0
    for batch in file.iter_batches(batch_size=CHECK_ROWS):
        ids = batch.column("id").to_pylist()
        ids_ok &= ids == [f"doc-{i}" for i in range(start, start + len(ids))]
        flat = batch.column("embedding").values.to_numpy()
        got = flat.reshape(len(ids), DIMENSION)
        for key, value in check(texts[start : start + len(ids)], got, DIMENSION).as_dict().items():
            total[key] = total.get(key, 0) + value
        start += len(ids)
    total["ids_in_order"] = int(ids_ok and start == len(texts))
    return total


def killed_and_resumed(url: str, env: dict[str, str], texts: list[str], source: Path, work: Path) -> dict[str, Any]:
    target = work / "killed.npy"
    manifest = work / "killed.npy.manifest.json"
    reset(url)
    child = subprocess.Popen(command(url, source, target), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    done = 0
    deadline = time.monotonic() + 3600
    while time.monotonic() < deadline and child.poll() is None:
        try:
            state = json.loads(manifest.read_text())
            done = sum(b - a for a, b in state["done"])
        except (OSError, ValueError, KeyError):
            pass
        if done >= KILL_AT * len(texts):
            child.send_signal(signal.SIGKILL)
            break
        time.sleep(0.02)
    child.wait()
    assert child.returncode == -signal.SIGKILL, f"the run was not killed (exit {child.returncode})"
    time.sleep(0.5)  # answers the server was still writing to the dead client
    before = stats(url)["inputs_embedded"]
    done_at_kill = sum(b - a for a, b in json.loads(manifest.read_text())["done"])
    run = timed(command(url, source, target, "--resume"), env)
    after = stats(url)
    verdict = check_npy(texts, target)
    return {
        "killed_at_rows": done_at_kill,
        "resumed_sent": after["inputs_embedded"] - before,
        "sent_twice": after["inputs_embedded"] - len(texts),
        "resume_wall": run["wall"],
        "resume_rss_mb": run["rss_mb"],
        "verdict": verdict,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per row; the table shows medians")
    parser.add_argument("--formats", default="npy,jsonl,parquet", help="outputs measured beside the in-memory call")
    parser.add_argument("--no-kill", action="store_true", help="skip the kill-and-resume row")
    parser.add_argument("--chunk-size", type=int, help="the command's --chunk-size (default: its own)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "corpus.json")
    args = parser.parse_args()

    texts = short_texts(args.texts, seed=11)
    server, url = start_server()
    env = {**os.environ, "AIMLAPI_API_KEY": "bench-key", "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    results: dict[str, Any] = {
        "texts": args.texts, "dimension": DIMENSION, "model": MODEL, "chunk_size": args.chunk_size, "rows": {}
    }
    began = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="aiml-corpus-bench-") as folder:
            work = Path(folder)
            plain = work / "texts.txt"
            plain.write_text("".join(t + "\n" for t in texts), encoding="utf-8")
            source = work / "docs.jsonl"
            with source.open("w", encoding="utf-8") as handle:
                for i, text in enumerate(texts):
                    handle.write(json.dumps({"id": f"doc-{i}", "text": text}) + "\n")
            rows: dict[str, list[dict[str, Any]]] = {}
            for attempt in range(args.repeat):
                order = ["in-memory", *args.formats.split(",")]
                for name in order if attempt % 2 == 0 else order[::-1]:
                    reset(url)
                    target = work / f"out.{'npy' if name == 'in-memory' else name}"
                    target.unlink(missing_ok=True)
                    if name == "in-memory":
                        argv = [sys.executable, "-c", PEAK + IN_MEMORY, str(plain), MODEL, url + "/v1", str(DIMENSION),
                                str(target)]  # fmt: skip
                    else:
                        extra = ["--chunk-size", str(args.chunk_size)] if args.chunk_size else []
                        argv = command(url, source, target, *extra)
                    run = timed(argv, env)
                    run["server"] = {k: stats(url)[k] for k in ("requests", "answered_200", "inputs_embedded")}
                    checker = {"jsonl": check_jsonl, "parquet": check_parquet}.get(name, check_npy)
                    run["verdict"] = checker(texts, target)
                    target.unlink()
                    rows.setdefault(name, []).append(run)
                    print(name, attempt, {k: v for k, v in run.items() if k != "stderr"}, flush=True)
            for name, runs in rows.items():
                results["rows"][name] = {
                    "wall_median": statistics.median(r["wall"] for r in runs),
                    "rss_mb_median": statistics.median(r["rss_mb"] for r in runs),
                    "runs": runs,
                }
            if not args.no_kill:
                results["kill"] = killed_and_resumed(url, env, texts, source, work)
                print("kill", results["kill"], flush=True)
    finally:
        server.kill()
        server.wait()
    results["seconds"] = time.monotonic() - began
    results["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version(), "load": os.getloadavg()}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n")
    print(table(results))


def table(results: dict[str, Any]) -> str:
    rows = results["rows"]
    base = rows["in-memory"]["wall_median"] if "in-memory" in rows else None
    repeats = len(next(iter(rows.values()))["runs"])
    lines = [
        f"{results['texts']:,} texts, {results['dimension']} dimensions, medians of {repeats}",
        "",
        "| run | wall (s) | texts/s | vs in-memory | peak RSS (MB) | every row right |",
        "|---|---|---|---|---|---|",
    ]
    for name, row in rows.items():
        wall = row["wall_median"]
        right = all(r["verdict"].get("right") == results["texts"] and r["verdict"].get("ids_in_order", 1)
                    for r in row["runs"])  # fmt: skip
        ratio = f"{base / wall:.2f}x" if base else "-"
        chunks = f" --chunk-size {results['chunk_size']}" if results.get("chunk_size") else ""
        label = "core `embed` in memory" if name == "in-memory" else f"`embed -i docs.jsonl -o out.{name}{chunks}`"
        lines.append(
            f"| {label} | {wall:.1f} | {results['texts'] / wall:,.0f} | {ratio} | {row['rss_mb_median']:.0f} | "
            f"{'yes' if right else 'NO'} |"
        )
    if "kill" in results:
        kill = results["kill"]
        lines += [
            "",
            f"Killed (SIGKILL) at {kill['killed_at_rows']:,} rows checkpointed; `--resume` sent "
            f"{kill['resumed_sent']:,} texts in {kill['resume_wall']:.1f} s (peak RSS {kill['resume_rss_mb']:.0f} MB); "
            f"texts embedded twice: {kill['sent_twice']:,}; every row right: "
            f"{'yes' if kill['verdict']['right'] == results['texts'] else 'NO'} ({kill['verdict']}).",
        ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()

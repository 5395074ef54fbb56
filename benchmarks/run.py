"""Run every scenario against every client, on one loopback server, and write the results.

``python -m benchmarks.run`` (from the repository root, in an environment
where this package is installed) creates the peers' venvs under
``benchmarks/.venvs/`` on first use, starts ``benchmarks.server`` on
127.0.0.1, runs each client in its own process (median of ``--runs``),
checks every vector, and writes ``benchmarks/results/latest.json`` and the
Markdown table ``benchmarks/results/latest.md``.
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
import urllib.request
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from .report import evaluate, render
from .scenarios import Scenario, scenarios
from .server import Config
from .vectors import check

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "benchmarks"
VENVS = HERE / ".venvs"
SLOW_RUN = 20.0
"""Seconds: a client whose first run takes longer runs once."""


@dataclass(frozen=True)
class Family:
    module: str
    venv: str | None  # None: the interpreter running this script (ours and the floor)
    requirements: str | None


FAMILIES = {
    "ours": Family("benchmarks.drivers.ours", None, None),
    "raw": Family("benchmarks.drivers.floor", None, None),
    "openai": Family("benchmarks.drivers.openai_peers", "openai-peers", "openai-peers.txt"),
    "aimlapi": Family("benchmarks.drivers.aimlapi_peer", "langchain-aimlapi", "langchain-aimlapi.txt"),
}


def family_of(client: str) -> Family:
    if client.startswith("ours-"):
        return FAMILIES["ours"]
    if client.startswith("raw-"):
        return FAMILIES["raw"]
    if client.startswith("langchain-aimlapi"):
        return FAMILIES["aimlapi"]
    return FAMILIES["openai"]


def python_for(family: Family) -> str:
    """The interpreter for a family, creating its venv from the requirement file on first use."""
    if family.venv is None:
        return sys.executable
    venv = VENVS / family.venv
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"creating {venv.relative_to(ROOT)} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        assert family.requirements is not None
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "-r", str(HERE / "requirements" / family.requirements)],
            check=True,
        )
    return str(python)


def versions(python: str, packages: list[str]) -> dict[str, str]:
    code = (
        "import importlib.metadata as m, json, sys\n"
        "out = {}\n"
        "for p in sys.argv[1:]:\n"
        "    try: out[p] = m.version(p)\n"
        "    except m.PackageNotFoundError: pass\n"
        "print(json.dumps(out))"
    )
    done = subprocess.run([python, "-c", code, *packages], capture_output=True, text=True, check=True)
    result: dict[str, str] = json.loads(done.stdout)
    return result


class Server:
    """``benchmarks.server`` in its own process, so its CPU never counts against a client."""

    def __init__(self, max_seconds: float) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.server", "--port", "0", "--max-seconds", str(max_seconds)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            self.proc.kill()
            raise RuntimeError(f"the benchmark server did not start: {line!r}")
        self.url = f"http://127.0.0.1:{int(line.split()[1])}"

    def call(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method="POST" if data else "GET")
        with urllib.request.urlopen(request, timeout=30) as reply:
            result: dict[str, Any] = json.loads(reply.read())
            return result

    def settle(self) -> None:
        """Wait until requests a timed-out or crashed client left behind have finished."""
        deadline = time.monotonic() + 30
        while self.call("/_bench/stats")["in_flight"] and time.monotonic() < deadline:
            time.sleep(0.2)

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def run_once(server: Server, scenario: Scenario, client: str, texts_file: str, workdir: str) -> dict[str, Any]:
    server.settle()
    config = server.call("/_bench/config", scenario.server)
    family = family_of(client)
    out = os.path.join(workdir, "vectors.npy")
    if os.path.exists(out):
        os.remove(out)
    env = {k: v for k, v in os.environ.items() if not k.endswith("_BASE_URL") and k != "AIMLAPI_API_BASE"}
    env.update(
        AIMLAPI_API_KEY="test-aimlapi-key",
        OPENAI_API_KEY="test-openai-key",
        INWORLD_API_KEY="test-inworld-key",
        BENCH_DIMENSION=str(scenario.dimension),
        NO_PROXY="127.0.0.1",
        no_proxy="127.0.0.1",
        **scenario.env,
    )
    cmd = [
        python_for(family), "-m", family.module, client,
        "--texts", texts_file, "--base-url", server.url + "/v1", "--dimension", str(scenario.dimension), "--out", out,
    ]  # fmt: skip
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        stdout, stderr = proc.communicate(timeout=scenario.timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
        timed_out = True
    stats = server.call("/_bench/stats")
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    if timed_out or not lines:
        result: dict[str, Any] = {
            "wall": None, "cpu": None, "peak_rss_mb": None, "returned": False,
            "error": f"did not finish within {scenario.timeout:.0f} s" if timed_out
            else f"driver failed: {stderr.strip().splitlines()[-1:] or ['no output']}",
        }  # fmt: skip
    else:
        result = json.loads(lines[-1])
    vectors = np.load(out) if result.get("returned") and os.path.exists(out) else None
    verdict = check(scenario.texts, vectors, scenario.dimension)
    result["timed_out"] = timed_out
    result["verdict"] = verdict.as_dict()
    result["server"] = stats
    result["limits"] = {k: config[k] for k in ("requests_per_minute", "tokens_per_minute", "burst_seconds")}
    return result


def measure(server: Server, scenario: Scenario, client: str, workdir: str) -> dict[str, Any]:
    texts_file = os.path.join(workdir, f"{scenario.name}.json")
    if not os.path.exists(texts_file):
        with open(texts_file, "w", encoding="utf-8") as f:
            json.dump(scenario.texts, f)
    runs: list[dict[str, Any]] = []
    for i in range(scenario.runs):
        one = run_once(server, scenario, client, texts_file, workdir)
        runs.append(one)
        v = one["verdict"]
        print(
            f"  {scenario.name:7} {client:30} run {i + 1}: "
            + (f"{one['wall']:.2f} s wall, {one['cpu']:.2f} s CPU, {one['peak_rss_mb']:.0f} MB" if one["wall"] else "-")
            + f"; right {v['right']}, 429s {one['server']['rate_limited_429']}"
            + (f"; {one['error']}" if one["error"] else ""),
            flush=True,
        )
        if one["error"] or one["timed_out"]:
            break  # a crash or a timeout is the result; repeating it costs minutes and says nothing new
        if one["wall"] > SLOW_RUN and not client.startswith("ours-"):
            break  # latency-bound serial peers: their runs differ by under 1%, and each costs a minute
    return summarize(runs)


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians of the finished runs; the worst run's correctness; the median-wall run's server counters."""
    finished = [r for r in runs if r["wall"] is not None and not r["error"]]
    pool = finished or runs
    pool_sorted = sorted(pool, key=lambda r: r["wall"] if r["wall"] is not None else float("inf"))
    middle = pool_sorted[(len(pool_sorted) - 1) // 2]

    def median(key: str) -> float | None:
        values = [r[key] for r in finished if r[key] is not None]
        return statistics.median(values) if values else None

    worst = min(runs, key=lambda r: r["verdict"]["right"])
    return {
        "runs": len(runs),
        "wall": median("wall"),
        "cpu": median("cpu"),
        "peak_rss_mb": median("peak_rss_mb"),
        "error": next((r["error"] for r in runs if r["error"]), None),
        "verdict": worst["verdict"],
        "server": middle["server"],
        "limits": middle["limits"],
        "all_runs": runs,
    }


def machine() -> dict[str, Any]:
    mem_gb = None
    try:
        with open("/proc/meminfo") as f:
            mem_gb = round(int(f.readline().split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "memory_gb": mem_gb,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _setting(item: str) -> tuple[str, Any]:
    key, _, value = item.partition("=")
    known = {f.name for f in fields(Config)}
    if key not in known:
        raise SystemExit(f"--server {item!r}: {key!r} is not a server setting (one of {', '.join(sorted(known))})")
    try:
        return key, json.loads(value)
    except ValueError:
        return key, value


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark aiml-embeddings against its peers on a loopback server.")
    parser.add_argument("--runs", type=int, default=3, help="runs per client (median reported)")
    parser.add_argument("--scale", type=float, default=1.0, help="shrink every corpus (1.0: the published sizes)")
    parser.add_argument("--only", nargs="*", help="scenario names to run (default: all)")
    parser.add_argument("--clients", nargs="*", help="client names to run (default: all of each scenario)")
    parser.add_argument("--no-peers", action="store_true", help="only ours and the floor (no venvs needed)")
    parser.add_argument("--out", default=str(HERE / "results" / "latest"), help="path stem of the .json and .md")
    parser.add_argument(
        "--server", nargs="*", default=[], metavar="KEY=VALUE",
        help="vary the server of every chosen scenario (a benchmarks.server.Config field), e.g. burst_seconds=5",
    )  # fmt: skip
    args = parser.parse_args()

    chosen = [s for s in scenarios(args.scale, args.runs) if not args.only or s.name in args.only]
    overrides = dict(_setting(item) for item in args.server)
    for s in chosen:
        if overrides:
            s.server.update(overrides)
            s.title += " (" + ", ".join(f"{k}={v}" for k, v in overrides.items()) + ")"
    for s in chosen:
        s.clients = [
            c for c in s.clients
            if (not args.clients or c in args.clients) and not (args.no_peers and family_of(c).venv)
        ]  # fmt: skip
    needed = {family_of(c) for s in chosen for c in s.clients}
    pythons = {f.module: python_for(f) for f in needed}
    package_versions: dict[str, dict[str, str]] = {}
    wanted = [
        "aiml-embeddings", "httpx", "numpy", "langchain-core", "llama-index-core", "openai", "langchain-openai",
        "llama-index-embeddings-openai", "llama-index-embeddings-openai-like", "langchain-aimlapi",
    ]  # fmt: skip
    for f in needed:
        package_versions[f.venv or "main"] = versions(pythons[f.module], wanted)

    started = time.time()
    server = Server(max_seconds=6 * 3600)
    results: dict[str, Any] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="aiml-bench-") as workdir:
            for scenario in chosen:
                print(f"== {scenario.title}", flush=True)
                rows = {c: measure(server, scenario, c, workdir) for c in scenario.clients}
                results[scenario.name] = {
                    "title": scenario.title,
                    "texts": len(scenario.texts),
                    "server": scenario.server,
                    "rows": rows,
                }
    finally:
        server.close()
    report = {
        "command": "python -m benchmarks.run" + "".join(f" {a}" for a in sys.argv[1:]),
        "machine": machine(),
        "versions": package_versions,
        "seconds": round(time.time() - started, 1),
        "scenarios": results,
    }
    report["targets"] = evaluate(results)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out + ".json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    Path(args.out + ".md").write_text(render(report), encoding="utf-8")
    print(render(report))


if __name__ == "__main__":
    main()

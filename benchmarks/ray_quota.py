"""Ray Data with one account quota for every actor, against the loopback server's rate limit.

``python -m benchmarks.ray_quota`` starts ``benchmarks.server`` on 127.0.0.1,
starts a local Ray (loopback only), and embeds short texts through
``aiml_embeddings.ray.embed_dataset`` in each scenario: the quota shared
by all actors, or given to each actor alone (each then paces itself to the
account's totals). Every vector is checked by id. The server refuses
without ``Retry-After``. Results go to ``benchmarks/results/ray_quota.json``
and a Markdown table on standard output.

The ideal wall time is the quota's own arithmetic: tokens over tokens per
minute, or requests over requests per minute, whichever is longer. A row's
share is that over the time from the server's first request to its last
answer (Ray's start-up excluded).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from aiml_embeddings.ray.quota import DEFAULT_BURST_SECONDS

from .report import limit_share
from .run import Server, machine
from .scenarios import short_texts
from .vectors import check

ROOT = Path(__file__).resolve().parent.parent
MODEL = "text-embedding-3-small"
DIMENSIONS = 256
"""Shorter vectors than the model's 1536 keep the 2-core machine's CPU off the critical path; the quota is the point."""
RPM = 600
TPM = 1_000_000


@dataclass(frozen=True)
class Run:
    name: str
    texts: int = 40_000
    actors: int = 4
    shared: bool = True
    server_burst: float = 10.0
    server_rpm: float = RPM
    server_tpm: float = TPM
    quota_rpm: float = RPM
    quota_tpm: float = TPM
    quota_burst: float = DEFAULT_BURST_SECONDS


MAIN = [Run("shared"), Run("alone", shared=False)]
VARIED = [
    Run("shared, told the server's burst (burst_seconds=8)", texts=20_000, quota_burst=8.0),
    Run("shared, server burst 2 s", texts=20_000, server_burst=2.0),
    Run("shared, server burst 0.5 s", texts=20_000, server_burst=0.5),
    Run("shared, 8 actors", texts=20_000, actors=8),
    Run("shared, 2 actors", texts=20_000, actors=2),
    Run("shared, server at 70% of the quota", texts=20_000, server_burst=2.0,
        server_rpm=0.7 * RPM, server_tpm=0.7 * TPM),
    Run("shared, 150 requests/min binds", texts=20_000, server_rpm=150, quota_rpm=150),
]


def one(server: Server, run: Run, index: int) -> dict[str, Any]:
    import ray.data

    from aiml_embeddings.ray import embed_dataset, quota_report

    texts = short_texts(run.texts, seed=40 + index)
    limits = {"requests_per_minute": run.server_rpm, "tokens_per_minute": run.server_tpm,
              "burst_seconds": run.server_burst}  # fmt: skip
    server.call("/_bench/config", {**limits, "retry_after": False})
    ds = ray.data.from_items([{"id": i, "text": t} for i, t in enumerate(texts)])
    quota_name = f"bench-{index}"
    started = time.monotonic()
    out = embed_dataset(
        ds,
        model=MODEL,
        dimensions=DIMENSIONS,
        concurrency=run.actors,
        requests_per_minute=run.quota_rpm,
        tokens_per_minute=run.quota_tpm,
        share_quota=run.shared,
        burst_seconds=run.quota_burst,
        quota_name=quota_name,
    )
    got = np.full((len(texts), DIMENSIONS), np.nan, dtype=np.float32)
    seen = 0
    for batch in out.iter_batches(batch_size=4096, batch_format="numpy"):
        for i, vector in zip(batch["id"], batch["embedding"], strict=True):
            got[i] = vector
            seen += 1
    wall = time.monotonic() - started
    stats = server.call("/_bench/stats")
    verdict = check(texts, got, DIMENSIONS)
    window = stats["last_answer"] - stats["first_request"]
    ideal = max(stats["tokens_admitted"] / run.server_tpm, stats["requests_admitted"] / run.server_rpm) * 60
    row = {"error": None, "server": stats, "limits": limits}
    return {
        "run": run.__dict__,
        "wall_s": wall,
        "window_s": window,
        "ideal_s": ideal,
        "share": ideal / window,
        "share_after_burst": limit_share(row),
        "rows_seen": seen,
        "verdict": verdict.as_dict(),
        "server": stats,
        "quota": quota_report(quota_name) if run.shared else None,
    }


def ask_latency(calls: int = 500) -> dict[str, float]:
    """Milliseconds per ``acquire`` through the quota actor, as a client sees it (admitted every time)."""
    from aiml_embeddings.ray import QuotaSettings, RayQuota

    quota = RayQuota(QuotaSettings(requests_per_minute=1e12, tokens_per_minute=1e15), "bench-latency")
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        assert quota.acquire(100) == 0
        times.append((time.perf_counter() - start) * 1000)
        quota.release(100, rate_limited=False, retry_after=None)
    times.sort()
    return {"calls": calls, "median_ms": times[calls // 2], "p99_ms": times[int(calls * 0.99)]}


def table(results: list[dict[str, Any]]) -> str:
    head = (
        "| run | actors | texts | server limit (req/min, tokens/min, burst) | right | requests | 429s | "
        "job time (s) | ideal (s) | achieved / ideal | after the server's burst | wall incl. start (s) |"
    )
    lines = [head, "|" + "---|" * 12]
    for r in results:
        run, s = r["run"], r["server"]
        limit = f"{run['server_rpm']:.0f}, {run['server_tpm']:,.0f}, {run['server_burst']:g} s"
        lines.append(
            f"| {run['name']} | {run['actors']} | {run['texts']:,} | {limit} | {r['verdict']['right']:,} | "
            f"{s['requests']} | {s['rate_limited_429']} | {r['window_s']:.1f} | {r['ideal_s']:.1f} | "
            f"{r['share']:.0%} | {r['share_after_burst'] or 0:.0%} | {r['wall_s']:.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["main", "varied", "all", "latency"], default="all")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each scenario (the table shows the median)")
    parser.add_argument("--scale", type=float, default=1.0, help="shrink every corpus (a quick look)")
    parser.add_argument("--cpus", type=int, default=2, help="ray.init(num_cpus=...)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "ray_quota.json")
    args = parser.parse_args()
    runs = (MAIN if args.only in ("main", "all") else []) + (VARIED if args.only in ("varied", "all") else [])
    runs = [replace(r, texts=max(100, int(r.texts * args.scale))) for r in runs]

    server = Server(max_seconds=3600)
    os.environ.update({
        "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",  # Ray on 127.0.0.1 only
        "AIMLAPI_API_KEY": "bench-key",  # the nodes' environment: Ray's workers inherit it
        "AIMLAPI_BASE_URL": server.url + "/v1",
    })  # fmt: skip
    import ray
    import ray.data

    begun = time.monotonic()
    ray.init(num_cpus=args.cpus, include_dashboard=False, logging_level=logging.WARNING,
             runtime_env={"env_vars": {"PYTHONPATH": str(ROOT)}})  # fmt: skip
    ray.data.DataContext.get_current().enable_progress_bars = False
    results = []
    latency = None
    try:
        if args.only == "latency":
            latency = ask_latency()
            print(json.dumps(latency))
        index = 0
        for run in runs:
            repeats = []
            for _ in range(args.repeat):
                repeats.append(one(server, run, index))
                index += 1
                print(json.dumps({k: repeats[-1][k] for k in ("run", "window_s", "ideal_s", "share", "verdict")}),
                      flush=True)  # fmt: skip
            repeats.sort(key=lambda r: r["window_s"])
            chosen = repeats[len(repeats) // 2]
            chosen["repeats_window_s"] = [r["window_s"] for r in repeats]
            chosen["repeats_429"] = [r["server"]["rate_limited_429"] for r in repeats]
            results.append(chosen)
    finally:
        ray.shutdown()
        server.close()
    load = os.getloadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "results": results,
        "ask_latency": latency,
        "machine": machine(),
        "load_average": load,
        "seconds": time.monotonic() - begun,
        "median_of": args.repeat,
    }
    if results:
        args.out.write_text(json.dumps(payload, indent=2, default=str))
        print(table(results))
    print(f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; median of {args.repeat} run(s) each")


if __name__ == "__main__":
    main()

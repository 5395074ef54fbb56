"""The issue's targets, checked against one run's numbers, and the Markdown table."""

from __future__ import annotations

from typing import Any

from .scenarios import FLOOR, FLOOR_LIST, OURS_ADAPTERS

WALL_FACTOR = 1.15
CPU_FACTOR = 1.2
RATE_SHARE = 0.95
MAX_429_PER_10K = 10
RATE_SCENARIOS = ("rate-hinted", "rate", "headers")
CONCURRENCY_FACTOR = 1.4
"""Wall on the concurrency-limited server, over the same client's on the unlimited one (short texts)."""
SLOW_FACTOR = 1.5
"""Wall under the slow tail and under faults, over the same client's on the unlimited server."""


def limit_share(row: dict[str, Any]) -> float | None:
    """How close to the limit tokens got through: ideal admission time / actual admission time.

    A perfect client has its last request admitted exactly when the bucket
    has refilled for everything beyond its initial content. Latency of the
    responses does not count: this measures riding the limit, not the server.
    """
    if row["error"]:
        return None  # a client that gave up did not carry the job to the end: no throughput to speak of
    stats, limits = row["server"], row["limits"]
    first, last = stats.get("first_request"), stats.get("last_admit")
    if first is None or last is None or not limits.get("tokens_per_minute"):
        return None
    ideal = 0.0
    for per_minute, used in (
        (limits["tokens_per_minute"], stats["tokens_admitted"]),
        (limits["requests_per_minute"], stats["requests_admitted"]),
    ):
        if per_minute:
            rate = per_minute / 60
            ideal = max(ideal, (used - rate * limits["burst_seconds"]) / rate)
    spent = last - first
    if ideal <= 0 or spent <= 0:
        return None
    return min(1.0, ideal / spent) if spent >= ideal else 1.0


def _right(row: dict[str, Any], total: int) -> bool:
    return not row["error"] and row["verdict"]["right"] == total


def evaluate(results: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    def add(target: str, client: str, met: bool, detail: str) -> None:
        out.append({"target": target, "client": client, "met": met, "detail": detail})

    short = results.get("short")
    if short:
        rows = short["rows"]

        def against(c: str, yardstick: str, other: str) -> None:
            """Judge ``c`` against its own floor, and show the other floor's ratios beside it."""
            row, floor = rows.get(c), rows.get(yardstick)
            if row is None or floor is None or not floor["wall"]:
                return
            target = "short: wall <= 1.15x floor, CPU <= 1.2x floor"
            if row["wall"] is None:
                add(target, c, False, str(row["error"]))
                return
            w, p = row["wall"] / floor["wall"], row["cpu"] / floor["cpu"]
            detail = f"wall {w:.2f}x, CPU {p:.2f}x of `{yardstick}`"
            second = rows.get(other)
            if second and second["wall"]:
                detail += f" ({row['wall'] / second['wall']:.2f}x, {row['cpu'] / second['cpu']:.2f}x of `{other}`)"
            add(target, c, w <= WALL_FACTOR and p <= CPU_FACTOR and _right(row, short["texts"]), detail)

        for c in [*OURS_ADAPTERS, "ours-core-list"]:
            against(c, FLOOR_LIST, FLOOR)  # list[list[float]] out, like the list floor
        against("ours-core-numpy", FLOOR, FLOOR_LIST)
        lst, npy = rows.get("ours-core-list"), rows.get("ours-core-numpy")
        if lst and npy and lst["peak_rss_mb"] and npy["peak_rss_mb"]:
            ratio = npy["peak_rss_mb"] / lst["peak_rss_mb"]
            add("numpy peak RSS <= 1/3 of list output's", "ours-core-numpy", ratio <= 1 / 3,
                f"{npy['peak_rss_mb']:.0f} MB vs {lst['peak_rss_mb']:.0f} MB ({ratio:.2f}x)")  # fmt: skip

    long = results.get("long")
    if long:
        peers = [
            r["wall"] for c, r in long["rows"].items()
            if not c.startswith("ours-") and not c.startswith(FLOOR) and _right(r, long["texts"]) and r["wall"]
        ]  # fmt: skip
        fastest = min(peers) if peers else None
        for c, row in long["rows"].items():
            if not c.startswith("ours-"):
                continue
            ok = _right(row, long["texts"])
            detail = f"{row['verdict']['right']}/{long['texts']} right"
            if fastest is None:
                ok = False
                detail += ", no peer in this run to compare with (not judged)"
            elif ok and row["wall"] is not None:
                detail += f", {row['wall']:.2f} s vs fastest passing peer {fastest:.2f} s"
                ok = row["wall"] <= fastest
            add("long: every vector right, no slower than the fastest passing peer", c, ok, detail)

    for name in RATE_SCENARIOS:
        rate = results.get(name)
        if not rate:
            continue
        for c, row in rate["rows"].items():
            if not c.startswith("ours-"):
                continue
            share = limit_share(row)
            per_10k = row["server"]["rate_limited_429"] * 10_000 / rate["texts"]
            ok = (
                _right(row, rate["texts"]) and share is not None and share >= RATE_SHARE
                and per_10k <= MAX_429_PER_10K
            )  # fmt: skip
            add(f"{name}: >= 95% of the limit's throughput, <= 10 429s per 10,000 texts", c, ok,
                f"{'-' if share is None else f'{share:.0%}'} of the limit, {row['server']['rate_limited_429']} 429s "
                f"for {rate['texts']:,} texts ({per_10k:.0f} per 10,000)"
                + (f"; {row['error']}" if row["error"] else ""))  # fmt: skip

    def against_unlimited(name: str, factor: float, max_429: int | None) -> None:
        scenario, base = results.get(name), results.get("short")
        if not scenario or not base:
            return
        for c, row in scenario["rows"].items():
            unlimited = base["rows"].get(c)
            if not c.startswith("ours-") or unlimited is None or not unlimited["wall"]:
                continue
            ok = _right(row, scenario["texts"]) and row["wall"] is not None
            detail = f"{row['verdict']['right']}/{scenario['texts']} right"
            if row["wall"] is not None:
                ratio = row["wall"] / unlimited["wall"]
                ok = ok and ratio <= factor
                detail += f", {row['wall']:.2f} s = {ratio:.2f}x its unlimited {unlimited['wall']:.2f} s"
            target = f"{name}: <= {factor}x the unlimited run"
            if max_429 is not None:
                refused = row["server"]["rate_limited_429"] * 10_000 / scenario["texts"]
                ok = ok and refused <= max_429
                detail += f", {row['server']['rate_limited_429']} 429s"
                target += f", <= {max_429} 429s per 10,000 texts"
            add(target, c, ok, detail)

    against_unlimited("concurrency", CONCURRENCY_FACTOR, MAX_429_PER_10K)
    against_unlimited("tail", SLOW_FACTOR, None)
    against_unlimited("faults", SLOW_FACTOR, None)

    faults = results.get("faults")
    if faults:
        for c, row in faults["rows"].items():
            if c.startswith("ours-"):
                v = row["verdict"]
                add("faults: 10,000 of 10,000 right", c, _right(row, faults["texts"]),
                    f"{v['right']}/{faults['texts']} right, {v['lost']} lost, {v['misplaced']} misplaced")  # fmt: skip
    return out


def _num(value: float | None, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)


def render(report: dict[str, Any]) -> str:
    lines: list[str] = []
    for name, sc in report["scenarios"].items():
        lines += [f"### {sc['title']}", ""]
        rate = name in RATE_SCENARIOS
        head = (
            "| client | runs | wall s | CPU s | peak RSS MB | requests | 429s | faults met | right | lost | misplaced"
        )
        head += " | corrupt |"
        if rate:
            head += " limit throughput |"
        head += " note |"
        lines += [head, "|" + "---|" * (head.count("|") - 1)]
        for client, row in sc["rows"].items():
            s, v = row["server"], row["verdict"]
            cells = [
                f"`{client}`", str(row["runs"]), _num(row["wall"], ".2f"), _num(row["cpu"], ".2f"),
                _num(row["peak_rss_mb"], ".0f"), str(s["requests"]), str(s["rate_limited_429"]),
                str(s["injected_5xx"] + s["dropped"]), f"{v['right']:,}", str(v["lost"]), str(v["misplaced"]),
                str(v["corrupt"]),
            ]  # fmt: skip
            if rate:
                share = limit_share(row)
                cells.append("-" if share is None else f"{share:.0%}")
            cells.append((row["error"] or "").replace("|", "/")[:140])
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    lines += ["### Targets", "", "| target | client | met | measured |", "|---|---|---|---|"]
    for t in report.get("targets", []):
        lines.append(f"| {t['target']} | `{t['client']}` | {'yes' if t['met'] else '**no**'} | {t['detail']} |")
    lines.append("")
    return "\n".join(lines)


def main() -> None:
    """Re-render the table and the targets of a results file (``python -m benchmarks.report <stem>``)."""
    import json
    import sys
    from pathlib import Path

    stem = sys.argv[1] if len(sys.argv) > 1 else str(Path(__file__).parent / "results" / "latest")
    report = json.loads(Path(stem + ".json").read_text(encoding="utf-8"))
    report["targets"] = evaluate(report["scenarios"])
    Path(stem + ".json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    Path(stem + ".md").write_text(render(report), encoding="utf-8")


if __name__ == "__main__":
    main()

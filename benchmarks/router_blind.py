"""Exact-match routing accuracy on a blind evaluation set (tool and every argument, each turn read in its
conversation), overall, per kind of turn and per tool. Prints aggregates only: misses are never shown, so
the set stays blind (`tests/test_router_blind.py` freezes the sets by hash).

    .venv/bin/python -m benchmarks.router_blind tests/data/router_blind_b.jsonl
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

from benchmarks.common import machine
from talkscope.agent.router import Router
from talkscope.agent.session import Session
from talkscope.tools.base import get_tool


def full(calls: list[dict] | None) -> list[dict] | None:
    if calls is None:
        return None
    return [{"tool": c["tool"], "args": {k: c["args"].get(k) for k in get_tool(c["tool"]).inputs}} for c in calls]


def score(router: Router, path: Path) -> tuple[dict[str, list[int]], list[float]]:
    stats: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    latencies: list[float] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        session = Session()
        for turn in json.loads(line)["turns"]:
            start = time.perf_counter()
            route = router.route(turn["say"], session)
            latencies.append((time.perf_counter() - start) * 1000)
            got = None if route.clarify else [c.to_json() for c in route.calls]
            ok = got == full(turn["calls"])
            tools = [c["tool"] for c in turn["calls"]] if turn["calls"] else ["(none)"]
            for key in ["overall", f"kind: {turn['kind']}", *(f"tool: {t}" for t in tools)]:
                stats[key][0] += ok
                stats[key][1] += 1
            session.record(route)
    return stats, latencies


def main() -> None:
    paths = [Path(p) for p in sys.argv[1:]] or [Path("tests/data/router_blind_b.jsonl")]
    router = Router()
    print(f"# router on blind sets · {machine()}")
    for path in paths:
        stats, lat = score(router, path)
        print(f"\n## {path.name}: median latency {statistics.median(lat):.1f} ms per turn\n")
        print("| slice | exact match | turns |\n|---|---|---|")
        for key, (k, n) in sorted(stats.items(), key=lambda kv: (kv[0] != "overall", kv[0])):
            print(f"| {key} | {k / n:.3f} | {n} |")


if __name__ == "__main__":
    main()

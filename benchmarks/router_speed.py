"""Routing latency per turn on CPU, after the embedder is loaded (target: median under 20 ms).

Every turn of the router gold set (tests/data/router_gold.jsonl) is routed in its conversation, three
times over; the first pass warms up and is not counted. The router's memo of recently read texts is emptied
before each turn, so a repeated pass measures reading, not remembering.

Run: .venv/bin/python -m benchmarks.router_speed
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from benchmarks.common import machine
from talkscope.agent.router import Router
from talkscope.agent.session import Session

GOLD = Path(__file__).resolve().parents[1] / "tests" / "data" / "router_gold.jsonl"


def main() -> None:
    print(machine())
    from talkscope.retrieval.embed import load_embedder

    start = time.perf_counter()
    load_embedder()
    loaded = time.perf_counter()
    router = Router()
    print(f"embedder load {loaded - start:.2f} s · router load after it (route data, intent heads) "
          f"{time.perf_counter() - loaded:.2f} s")
    convs = [[t["say"] for t in json.loads(line)["turns"]] for line in GOLD.read_text().splitlines()]
    times: list[float] = []
    for rep in range(3):
        for conv in convs:
            session = Session()
            for turn in conv:
                router._seen.clear()
                t = time.perf_counter()
                route = router.route(turn, session)
                if rep:
                    times.append((time.perf_counter() - t) * 1000)
                session.record(route)
    times.sort()
    print(f"{len(times)} turns routed: median {statistics.median(times):.1f} ms · "
          f"p95 {times[int(0.95 * (len(times) - 1))]:.1f} ms · max {times[-1]:.1f} ms")


if __name__ == "__main__":
    main()

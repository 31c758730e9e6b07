"""Routing questions about a text dataset: exact match on the blind set `tests/data/router_blind_text.jsonl`
(written from a description of the tools, without the router's code or training data), over the demo `tickets`.

A turn is right when its calls are the gold calls: the same tools in order and, per call, every argument the gold
names with its value, and no other argument set. "(language model)" is right when the turn goes to language-model
tools; "(out of scope)" when no tool runs. `--no-texts` routes as if no text dataset were loaded (the "before").

    python -m benchmarks.router_texts [--no-texts] [--misses]
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

BLIND = Path(__file__).resolve().parents[1] / "tests" / "data" / "router_blind_text.jsonl"
MODEL, OOS = "(language model)", "(out of scope)"


def _same(a: Any, b: Any) -> bool:
    norm = lambda v: " ".join(str(v).replace('"', "'").lower().split()) if isinstance(v, str) else v  # noqa: E731
    return norm(a) == norm(b)


def correct(route: Any, gold: Any, text_tools: set[str]) -> bool:
    golds = gold if isinstance(gold, list) else [gold]
    if len(golds) == 1 and golds[0]["tool"] == OOS:
        return not [c for c in route.calls if c.tool != "help"]
    if len(golds) == 1 and golds[0]["tool"] == MODEL:
        return bool(route.calls) and not route.clarify and all(c.tool not in text_tools for c in route.calls)
    if route.clarify or len(route.calls) != len(golds):
        return False
    for call, g in zip(route.calls, golds):
        if call.tool != g["tool"]:
            return False
        want = g.get("args", {})
        if any(not _same(call.args.get(k), v) for k, v in want.items()):
            return False
        if any(v is not None and k not in want for k, v in call.args.items()):
            return False
    return True


def score(loaded: bool = True, show_misses: bool = False, router: Any = None) -> dict[str, Any]:
    from talkscope.agent.router import Router
    from talkscope.agent.session import Session
    from talkscope.tools.engine.text.state import TextState

    router = router or Router()
    texts = TextState("tickets").data if loaded else None
    text_tools = {n for n, t in router.tools.items() if t.domain == "texts"}
    right: dict[str, list[bool]] = defaultdict(list)
    for line in BLIND.read_text(encoding="utf-8").splitlines():
        conv = json.loads(line)
        session = Session(texts=texts)
        for i, turn in enumerate(conv["turns"]):
            route = router.route(turn["text"], session)
            session.record(route)
            ok = correct(route, turn["gold"], text_tools)
            gold = turn["gold"] if isinstance(turn["gold"], list) else [turn["gold"]]
            kind = conv["kind"] if i == 0 or conv["kind"] != "followup" else "followup (later turns)"
            right["all"].append(ok)
            right[f"kind: {kind}"].append(ok)
            for g in gold:
                right[f"tool: {g['tool']}"].append(ok)
            if show_misses and not ok:
                print(f"MISS {conv['id']}: {turn['text']!r}\n  gold {turn['gold']}\n  got  {route.to_json()}")
    return {k: (sum(v) / len(v), len(v)) for k, v in sorted(right.items())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-texts", action="store_true", help="route without a loaded text dataset")
    parser.add_argument("--misses", action="store_true", help="print every miss (never on the blind set itself "
                                                                "when tuning: that makes it a dev set)")
    args = parser.parse_args()
    for name, (acc, n) in score(not args.no_texts, args.misses).items():
        print(f"{name:<34} {acc:.3f}  (n={n})")


if __name__ == "__main__":
    main()

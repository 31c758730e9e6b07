"""Exact-match routing accuracy on the gold set (tests/data/router_gold.jsonl, frozen test split)."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from talkscope.agent.router import Router
from talkscope.agent.session import Call, Session
from talkscope.tools.base import get_tool

GOLD = Path(__file__).with_name("data") / "router_gold.jsonl"
MIN_TEST_ACCURACY = 0.975  # the frozen test split must not regress (it was 0.975 before the classifier)


def full_calls(calls: list[dict] | None) -> list[dict] | None:
    """Expected calls with every schema argument present (null unless the gold set names it)."""
    if calls is None:
        return None
    return [{"tool": c["tool"], "args": {k: c["args"].get(k) for k in get_tool(c["tool"]).inputs}} for c in calls]


def score(router: Router, split: str) -> tuple[float, dict[str, tuple[int, int]], list[str]]:
    per_tool: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    misses = []
    for line in GOLD.read_text().splitlines():
        conv = json.loads(line)
        if conv["split"] != split:
            continue
        session = Session()
        for turn in conv["turns"]:
            route = router.route(turn["say"], session)
            got = None if route.clarify else [c.to_json() for c in route.calls]
            want = full_calls(turn["calls"])
            ok = got == want
            label = "clarify" if want is None else "+".join(c["tool"] for c in want)
            per_tool[label][0] += ok
            per_tool[label][1] += 1
            if not ok:
                misses.append(f"{conv['id']}: {turn['say']!r}\n   want {want}\n   got  {got}")
            session.record(route)
    total = sum(n for _, n in per_tool.values())
    return sum(k for k, _ in per_tool.values()) / total, {t: (k, n) for t, (k, n) in per_tool.items()}, misses


def report(split: str, acc: float, per_tool: dict[str, tuple[int, int]]) -> str:
    rows = ", ".join(f"{t} {k}/{n}" for t, (k, n) in sorted(per_tool.items()))
    return f"{split}: exact match {acc:.3f} over {sum(n for _, n in per_tool.values())} turns ({rows})"


def test_gold_set_is_large_and_frozen():
    convs = [json.loads(line) for line in GOLD.read_text().splitlines()]
    assert sum(len(c["turns"]) for c in convs) >= 250
    assert {c["split"] for c in convs} == {"dev", "test"}
    for conv in convs:
        for turn in conv["turns"]:
            full_calls(turn["calls"])  # every expected tool and argument exists in the catalog


@pytest.mark.slow
@pytest.mark.parametrize("split", ["dev", "test"])
def test_router_exact_match(router, split, capsys):
    acc, per_tool, misses = score(router, split)
    with capsys.disabled():
        print("\n" + report(split, acc, per_tool))
        for m in misses:
            print("  miss " + m)
    if split == "test":
        assert acc >= MIN_TEST_ACCURACY


@pytest.mark.slow
def test_suggested_follow_ups_route_to_their_tools(router):
    """Every suggestion shown after an answer is a question the router handles without asking back."""
    seed = {"prompt": "The capital of France is", "concept": "sentiment"}
    for name, spec in router.specs.items():
        shown_after = Call(name, {k: seed.get(k) for k in spec.tool.inputs})  # the answer they follow
        for question in router.suggestions(name):
            route = router.route(question, Session([shown_after]))
            assert route.clarify is None and route.calls, (name, question)

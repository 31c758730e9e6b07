"""The router's blind evaluation sets: written from descriptions of what users ask, without the router's
code, exemplars or gold set, and frozen here by hash so that no one tunes on them. `router_blind.jsonl` (set A)
was read once, miss by miss, when it was first scored, so it is blind to the router written before that and
no longer to work after it; `router_blind_b.jsonl` (set B) has only ever been scored in aggregate
(`python -m benchmarks.router_blind`)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from talkscope.tools.base import get_tool

DATA = Path(__file__).with_name("data")
FROZEN = {"router_blind.jsonl": "f6dd2e7b6c0dc45fc7a00cdfea133efc7993f929a501019d908af0c2706c5a9e",
          "router_blind_b.jsonl": "0697871edc160807c3953acc2250e7cd02cc2ea1f7047bd2118bb06625b3a96b"}
FLOOR = 0.45  # exact match measured on 2026-11-29 before any change to the router: A 0.492, B 0.483


@pytest.mark.parametrize("name", sorted(FROZEN))
def test_blind_sets_are_frozen_large_and_name_only_real_tools(name):
    raw = (DATA / name).read_bytes()
    assert hashlib.sha256(raw).hexdigest() == FROZEN[name], f"{name} changed: blind sets are frozen"
    convs = [json.loads(line) for line in raw.decode().splitlines()]
    turns = [t for c in convs for t in c["turns"]]
    assert len(turns) >= 200 and sum(len(c["turns"]) > 1 for c in convs) >= 40
    assert sum(t["kind"] == "compositional" for t in turns) >= 30 and sum(t["calls"] is None for t in turns) >= 20
    for t in turns:
        for call in t["calls"] or []:
            assert set(call["args"]) <= set(get_tool(call["tool"]).inputs), call


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(FROZEN))
def test_router_does_not_fall_below_its_measured_floor(router, name):
    from benchmarks.router_blind import score

    stats, _ = score(router, DATA / name)
    right, total = stats["overall"]
    assert right / total >= FLOOR, f"{name}: {right}/{total}"

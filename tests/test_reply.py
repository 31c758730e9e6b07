"""The Reply's JSON contract (docs/json.md) and its uncertainty line."""

from __future__ import annotations

import json

import samples

from talkscope.agent.compose import compose
from talkscope.agent.session import Call, Route


def test_reply_json_has_exactly_the_contract_keys():
    route = Route([Call("sources", {"query": None, "prompt": "The capital of France is"})], 0.9)
    rep = compose("q", route, [samples.result("sources", samples.sources(), figure=None)], {"name": "m"}, ["s"])
    out = json.loads(json.dumps(rep.to_json()))
    assert set(out) == {"question", "answer", "calls", "evidence", "sources", "uncertainty", "model"}
    assert out["calls"] == [{"tool": "sources", "args": {"query": None, "prompt": "The capital of France is"}}]
    assert set(out["evidence"][0]) == {"id", "tool", "summary", "data", "uncertainty", "figure", "ok"}
    assert set(out["sources"][0]) == {"id", "source", "chunk", "text", "relevance"}
    assert set(out["uncertainty"]) == {"level", "score", "basis"}
    assert rep.uncertainty_line() == f"{out['uncertainty']['level']} — {out['uncertainty']['basis']}"

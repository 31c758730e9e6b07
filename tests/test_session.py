"""Conversation state: what is remembered for follow-ups, and the routing contract types."""

from __future__ import annotations

import pytest

from talkscope.agent.session import Call, Route, Session, check_question
from talkscope.tools.engine.errors import TalkscopeError


def test_routed_calls_are_remembered_unless_the_router_asked_back():
    s = Session()
    s.record(Route([Call("generate", {"prompt": "Hi", "max_new_tokens": None})], 0.9))
    s.record(Route([Call("probe", {"concept": None})], 0.9, clarify="Which concept?"))
    assert [c.tool for c in s.calls] == ["generate"]
    s.record(Route([Call("attribution", {"prompt": "Hi", "target": None})], 0.9))
    assert s.last().tool == "attribution" and s.last("generate").args["prompt"] == "Hi"
    assert s.last_value("prompt") == "Hi" and s.last_value("target") is None and s.last("probe") is None
    s.pending = "probe"
    s.reset()
    assert s.calls == [] and s.pending is None


def test_route_json_and_empty_questions():
    r = Route([Call("help", {})], 0.123456, None)
    assert r.to_json() == {"calls": [{"tool": "help", "args": {}}], "confidence": 0.1235, "clarify": None}
    assert check_question("  What can you do? ") == "  What can you do? "  # kept as asked
    for empty in ["", "   ", "\n\t"]:
        with pytest.raises(TalkscopeError, match="the question is empty"):
            check_question(empty)

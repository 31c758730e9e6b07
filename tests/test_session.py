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


def test_a_long_session_keeps_a_bounded_history_and_each_tools_newest_call():
    from talkscope.agent.session import MAX_CALLS, Call, Session

    s = Session()
    s.remember([Call("probe", {"concept": "sentiment"})])
    for i in range(300):
        s.remember([Call("generate", {"prompt": f"p{i}"})])
    assert len(s.calls) == MAX_CALLS + 1
    assert s.last("probe").args == {"concept": "sentiment"}  # older than the window, still the newest probe
    assert s.last_value("prompt") == "p299"


def test_figure_paths_are_fresh_numbered_and_rotated(tmp_path):
    from talkscope.tools.engine.paths import next_figure_path

    paths = [next_figure_path(tmp_path, "attr", keep=5) for _ in range(12)]
    assert [p.name for p in paths[:3]] == ["attr-001.png", "attr-002.png", "attr-003.png"]
    assert len(set(paths)) == 12
    left = sorted(p.name for p in tmp_path.glob("attr-*.png"))
    assert left == [f"attr-{n:03d}.png" for n in range(8, 13)]  # the newest five
    (tmp_path / "logit-lens-001.png").touch()
    assert next_figure_path(tmp_path, "logit", keep=5).name == "logit-001.png"  # another kind is not counted

"""The tool protocol and registry."""

from __future__ import annotations

import pytest

from talkscope.tools.base import (
    Arg,
    Tool,
    ToolContext,
    ToolResult,
    Uncertainty,
    get_tool,
    list_tools,
    register_tool,
)
from talkscope.tools.errors import TalkscopeError


def test_builtin_tools_register_through_the_entry_point():
    names = [t.name for t in list_tools()]
    assert {"generate", "help"} <= set(names)


def test_unknown_tool_lists_the_available_ones():
    with pytest.raises(TalkscopeError, match="unknown tool 'frobnicate'.*generate.*help"):
        get_tool("frobnicate")


def test_run_signature_must_match_inputs_at_definition():
    with pytest.raises(TypeError, match="must take"):
        class Broken(Tool):  # noqa: F841
            name = "broken"
            description = "x"
            inputs = {"prompt": Arg("str", "p")}

            def run(self, ctx: ToolContext, text: str) -> ToolResult:  # wrong name
                raise NotImplementedError


def test_an_addon_tool_registers_and_runs_like_a_builtin(tmp_path):
    @register_tool
    class Echo(Tool):
        name = "echo"
        description = "repeat the text"
        inputs = {"text": Arg("str", "what to repeat", required=True), "times": Arg("int", "count", default=2)}
        needs_model = False

        def run(self, ctx: ToolContext, text: str, times: int) -> ToolResult:
            return ToolResult(self.name, {}, {"text": text * times}, "echoed", Uncertainty.from_score(0, "exact"))

    result = get_tool("echo")(ToolContext(out_dir=tmp_path), {"text": "ab"})
    assert result.data == {"text": "abab"} and result.args == {"text": "ab", "times": 2}
    assert result.to_json()["uncertainty"] == {"level": "low", "score": 0.0, "basis": "exact"}


def test_uncertainty_levels_follow_the_score():
    assert Uncertainty.from_score(0.1, "b").level == "low"
    assert Uncertainty.from_score(0.5, "b").level == "medium"
    assert Uncertainty.from_score(0.9, "b").level == "high"
    assert Uncertainty.from_score(3, "b").score == 1.0


def test_help_lists_every_other_tool_with_an_example(tmp_path):
    result = get_tool("help")(ToolContext(out_dir=tmp_path), {})
    listed = {t["name"] for t in result.data["tools"]}
    assert "generate" in listed and "help" not in listed
    assert all(t["examples"] for t in result.data["tools"] if t["name"] == "generate")

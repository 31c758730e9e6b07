"""The tool protocol and registry."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

import talkscope.tools.base as base
from talkscope.tools.base import (
    Arg,
    Finding,
    Tool,
    ToolContext,
    ToolResult,
    Uncertainty,
    get_tool,
    list_tools,
    register_tool,
    unregister_tool,
)
from talkscope.tools.engine.errors import TalkscopeError


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
    @dataclass
    class Echoed(Finding):
        text: str

        def summary(self) -> str:
            return "echoed"

        def uncertainty(self) -> Uncertainty:
            return Uncertainty.from_score(0, "exact")

    @register_tool
    class Echo(Tool):
        name = "echo"
        description = "repeat the text"
        inputs = {"text": Arg("str", "what to repeat", required=True), "times": Arg("int", "count", default=2)}
        needs_model = False

        def run(self, ctx: ToolContext, text: str, times: int) -> ToolResult:
            return self.result(Echoed(text * times))

    try:
        result = get_tool("echo")(ToolContext(out_dir=tmp_path), {"text": "ab"})
        assert result.data == {"text": "abab"} and result.args == {"text": "ab", "times": 2}
        assert result.to_json()["uncertainty"] == {"level": "low", "score": 0.0, "basis": "exact"}
    finally:
        unregister_tool("echo")


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


def test_a_broken_plugin_is_named_and_leaves_no_half_filled_registry(monkeypatch):
    class EP:
        def __init__(self, name, value, load):
            self.name, self.value, self.load = name, value, load

    def broken():
        raise ImportError("No module named 'missing_dependency'")

    from talkscope.tools.generate import GenerateTool

    good = EP("generate", "talkscope.tools.generate:GenerateTool", lambda: GenerateTool)
    monkeypatch.setattr(base, "_PLUGINS_LOADED", False)
    monkeypatch.setattr(base, "_REGISTRY", {})
    monkeypatch.setattr(base, "entry_points", lambda group: [good, EP("shiny", "shiny_pkg:Shiny", broken)])
    for _ in range(2):  # the next call tries again and fails the same way, never with a partial catalog
        with pytest.raises(TalkscopeError, match=r"plugin 'shiny' \(shiny_pkg:Shiny\) failed to load: ImportError"):
            list_tools()
        assert base._REGISTRY == {} and base._PLUGINS_LOADED is False


def test_arguments_are_typed_and_checked():
    layer = Arg(("integer", "array"), "layers", nullable=True)
    assert layer.label() == "int|list[int]|null" and Arg("str|null", "x") == Arg("string", "x", nullable=True)
    assert layer.json_schema() == {"type": ["integer", "array"], "description": "layers", "nullable": True,
                                   "items": {"type": "integer"}}
    assert layer.from_text("layers 2 through 4") == [2, 3, 4] and layer.from_text("every layer") is None
    tool = get_tool("patchscope")
    for bad, match in [({"layer": "4"}, "'layer' must be int\\|list\\[int\\]"), ({"layer": [1, 2.5]}, "must be"),
                       ({"layer": True}, "must be"), ({"prompt": 3}, "'prompt' must be str")]:
        with pytest.raises(TalkscopeError, match=match):
            tool.normalize_args({"prompt": "Hi", **bad})
    assert tool.normalize_args({"prompt": "Hi", "layer": [1, 2]})["layer"] == [1, 2]
    with pytest.raises(TypeError, match="unknown argument type"):
        Arg("text", "x")


def test_every_builtin_tool_declares_typed_inputs_and_examples():
    for t in list_tools():
        assert t.examples, t.name
        for name, arg in t.inputs.items():
            assert set(arg.types) <= set(base.JSON_TYPES), (t.name, name)
            if arg.allowed() and arg.default is not None:
                assert arg.default in arg.allowed()
            for alias, value in arg.synonyms().items():
                assert value in (arg.allowed() or ()), (t.name, name, alias)


def test_a_failure_is_evidence_that_says_why():
    r = ToolResult.failed("probe", {"concept": "x.csv"}, "no file at x.csv: give a CSV")
    assert not r.ok and r.data == {"error": "no file at x.csv: give a CSV"}
    assert r.sentences("E2") == "I could not run probe: no file at x.csv: give a CSV [E2]."
    assert r.uncertainty.score == 1.0 and r.summary == "probe could not run: no file at x.csv: give a CSV"

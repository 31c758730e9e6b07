"""Route data (checked on load, read from each tool's package) and the router's pure parts: slots, masking,
splitting a turn, layer lists, suggestions. No embedder is loaded here."""

from __future__ import annotations

import json

import pytest

from talkscope.agent.router import parse_layers, split_turn
from talkscope.agent.routes import Slot, arg_value, load_specs, mask_quotes, route_data, suggestions_after, validate
from talkscope.tools.base import Arg, Tool, list_tools
from talkscope.tools.engine.errors import TalkscopeError


def tools() -> dict[str, type[Tool]]:
    return {t.name: t for t in list_tools()}


def test_every_builtin_routes_file_is_valid_and_lives_beside_its_tool():
    specs = load_specs(list(tools().values()))
    assert set(specs) == set(tools())
    for name, spec in specs.items():
        raw, where = route_data(spec.tool)
        folder = {"table": "tools/table", "texts": "tools/text"}.get(spec.tool.domain, "tools")
        assert where.endswith(f"{folder}/data/routes/{name}.json")
        own = [mask_quotes(e) for e in (*spec.tool.examples, *spec.tool.follow_ups)]
        assert list(spec.exemplars[: len(own)]) == own  # the examples are exemplars, defined once
        assert not {mask_quotes(e) for e in raw.get("exemplars", [])} & set(own)


def test_method_synonyms_come_from_the_method_registry():
    slot = load_specs([tools()["attribution"]])["attribution"].slots["method"]
    for said, method in [("Now with IG", "integrated_gradients"), ("use leave-one-out", "occlusion"),
                         ("try Integrated-Gradients", "integrated_gradients"),
                         ("input x gradient please", "input_x_gradient"),
                         ("show the gradient norm", "saliency"), ("attention rollout", "attention"),
                         ("an ablation", "occlusion"), ("inputxgradient", "input_x_gradient"),
                         ("input × gradient", "input_x_gradient"), ("input times gradients", "input_x_gradient"),
                         ("two occlusions", "occlusion")]:
        m = next(p.search(said) for p in slot.patterns)
        assert m and slot.canonical(m.group("v")) == method, said
    assert not slot.patterns[0].search("a big pig")


@pytest.mark.parametrize("change, message", [
    ({"tool": "generate"}, "field 'tool' must be 'attribution'"),
    ({"exemplars": "Why?"}, "field 'exemplars' must be a list"),
    ({"exemplars": ["Why did the model say X after X?"]}, "field 'exemplars\\[0\\]' repeats the tool's example"),
    ({"slots": {"prompt": ["(unclosed"]}}, "field 'slots.prompt.patterns\\[0\\]' is not a valid regular expression"),
    ({"slots": {"prompt": ["QUOTED"]}}, "field 'slots.prompt.patterns\\[0\\]' needs a group"),
    ({"slots": {"layer": ["(?P<v>\\d+)"]}}, "field 'slots.layer' is not an argument of attribution"),
    ({"needs_one_of": ["query"]}, "field 'needs_one_of' names 'query'"),
    ({"suggest": ["Why?"]}, "field 'suggest' is no longer read"),
    ({"colour": "red"}, "field 'colour' is not known"),
])
def test_bad_route_data_names_the_file_and_field(change, message):
    tool = tools()["attribution"]
    raw = {**route_data(tool)[0], **change}
    with pytest.raises(TalkscopeError, match=f"route data my/routes.json: {message}"):
        validate(raw, "my/routes.json", tool)


def test_a_broken_routes_file_fails_on_load_with_its_path(tmp_path, monkeypatch):
    pkg = tmp_path / "brokenpkg"
    (pkg / "data" / "routes").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "data" / "routes" / "echo2.json").write_text('{"tool": "echo2", "exemplars": [')
    monkeypatch.syspath_prepend(str(tmp_path))

    class Echo2(Tool):
        name = "echo2"
        description = "x"
        inputs = {}

        def run(self, ctx):
            raise NotImplementedError

    Echo2.__module__ = "brokenpkg.echo2"
    with pytest.raises(TalkscopeError, match=r"route data .*brokenpkg/data/routes/echo2.json is not valid JSON"):
        load_specs([Echo2])


def test_slots_read_values_and_synonyms():
    slot = Slot.from_data({"patterns": ["(?P<v>mean|average|last)\\s+pooling"], "values": {"average": "mean"}})
    m = slot.patterns[0].search("probe it with Average pooling")
    assert slot.canonical(m.group("v")) == "mean" and slot.canonical("last") == "last"
    layer = Arg(("integer", "array"), "layers", nullable=True)
    assert arg_value(layer, "layers 2, 5 and 8") == [2, 5, 8] and arg_value(Arg("string", "p"), '" Paris"') == " Paris"
    assert arg_value(Arg("integer", "n"), " 30 ") == 30


def test_masking_splitting_and_layer_lists():
    assert mask_quotes('Why "Paris" at layer 12 of \'The capital\'?') == "Why X at layer N of X?"
    assert split_turn('How sure is it about "A, and B", and which documents support it?') == [
        'How sure is it about "A, and B"', "which documents support it?"]
    assert split_turn("What can you do?") == ["What can you do?"]
    assert parse_layers("layers 1 through 4") == [1, 2, 3, 4] and parse_layers("layer 7") == 7
    assert parse_layers("every layer") is None and parse_layers("layers 2, 5 and 8") == [2, 5, 8]


def test_suggestions_come_from_the_tools_follow_ups():
    t = tools()
    assert suggestions_after(t["generate"], t) == ["Why?", "How sure is it?", "Find sources for that"]
    assert suggestions_after(t["patchscope"], t) == ["What does the logit lens show?", "What about layer 12?"]
    assert suggestions_after(t["attribution"], t) == ["Now with occlusion", "How sure is it?"]
    assert suggestions_after(t["sources"], t) == list(t["sources"].examples[1:])  # nothing follows a search
    assert suggestions_after(t["help"], t)[:2] == [t["attribution"].examples[0], t["competence"].examples[0]]
    for tool in t.values():
        for s in suggestions_after(tool, t):
            assert any(s in (*o.examples, *o.follow_ups) for o in t.values())
        for after in tool.follow_ups.values():
            assert set(after) <= set(t), (tool.name, after)


def test_route_files_are_plain_json_objects():
    for tool in tools().values():
        raw, where = route_data(tool)
        assert json.loads(json.dumps(raw)) == raw and raw["tool"] == tool.name

"""`patchscope`: what a hidden state encodes, decoded by the model itself, layer by layer.

The presets (identity, attribute, description, custom) are target prompts kept as data in
`data/patchscopes.json`; the engine is `engine/patching.run_patchscope`. With a target model, an affine map
per layer carries the source's hidden states into the target's space (`engine/mapping.py`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Any

from talkscope.tools.base import Arg, Finding, Tool, ToolContext, ToolResult, Uncertainty, words_only
from talkscope.tools.engine.errors import TalkscopeError
from talkscope.tools.engine.sweeps import source_states, stability, with_neighbours
from talkscope.tools.engine.wording import layer_runs, layer_span

KINDS = ("identity", "attribute", "description", "custom")
TEXT = {
    "answer": "The {kind} patchscope reads the hidden state of \"{token}\" (position {position}) and decodes it "
              "as: {runs} [{ref}].",
    "nothing": "nothing but the prompt format",
    "format_note": "At {layers} the decoding is only the target prompt's format, a known failure mode of "
                   "patchscopes, so it says nothing about \"{token}\" [{ref}].",
}


@lru_cache(maxsize=1)
def presets() -> dict[str, Any]:
    return json.loads(files("talkscope.tools").joinpath("data/patchscopes.json").read_text())


def target_setup(kind: str, relation: str | None, target_prompt: str | None) -> dict[str, Any]:
    """The preset's target prompt, placeholder, generation length and answer delimiters."""
    data = presets()
    if kind == "attribute":
        rel = data["relations"]
        if relation is None or relation not in rel:
            raise TalkscopeError(f"the attribute patchscope needs a relation; choose one of: {', '.join(rel)}")
        return {"target_prompt": rel[relation], "placeholder": data["placeholder"], "max_new_tokens": 10}
    if kind == "custom":
        if target_prompt is None or not target_prompt.strip():
            raise TalkscopeError("the custom patchscope needs a target_prompt with the placeholder x, e.g. "
                                 "'The capital of x is'")
        return {"target_prompt": target_prompt, "placeholder": data["placeholder"],
                "max_new_tokens": data["presets"]["custom"]["max_new_tokens"]}
    p = data["presets"][kind]
    return {k: p[k] for k in ("target_prompt", "placeholder", "max_new_tokens", "answer_after", "stop_at") if k in p}


@dataclass
class PatchscopeFinding(Finding):
    position: int
    token: str
    layers: list[int]
    decoded: list[str]  # one per layer
    decoded_logprob: list[float]
    first_prob: list[float]
    kind: str
    target_prompt: str
    stability: float
    format_only_layers: list[int]
    n_layers: int
    target_model: str | None
    target_layers: list[int]
    first_prob_raw: list[float] = words_only(None)  # unrounded, for the uncertainty

    def summary(self) -> str:
        step = max(1, len(self.layers) // 6)
        shown = ", ".join(f"{ell}: {text.strip()[:24]!r}" for ell, text in
                          list(zip(self.layers, self.decoded))[::step])
        text = (f"{self.kind} patchscope at {self.token!r} (position {self.position}), layers of {self.n_layers}: "
                f"{shown}; adjacent-layer stability {self.stability:.2f}")
        if self.format_only_layers:
            text += f"; layers {self.format_only_layers} decode only the prompt format"
        return text + "."

    def sentences(self, ref: str, cites: Sequence[str] = ()) -> str:
        fmt = set(self.format_only_layers)
        labels = [TEXT["nothing"] if ell in fmt else f"\"{x.strip()}\"" for ell, x in zip(self.layers, self.decoded)]
        text = TEXT["answer"].format(kind=self.kind, token=self.token.strip(), position=self.position, ref=ref,
                                     runs=layer_runs(self.layers, labels, self.n_layers))
        if fmt:
            text += " " + TEXT["format_note"].format(layers=layer_span(sorted(fmt)), token=self.token.strip(), ref=ref)
        return text

    def uncertainty(self) -> Uncertainty:
        probs = self.first_prob_raw or self.first_prob
        mean_p = sum(probs) / len(probs)
        return Uncertainty.from_score(1 - 0.5 * (mean_p + self.stability),
                                      f"mean first-token probability {mean_p:.2f}, "
                                      f"adjacent-layer stability {self.stability:.2f}")


class PatchscopeTool(Tool):
    name = "patchscope"
    description = "What a hidden state encodes, decoded by the model itself (Patchscopes), layer by layer."
    inputs = {
        "prompt": Arg("string", "the text whose hidden state is read", required=True),
        "token": Arg("string", "which token (text in the prompt; null: the last token)", nullable=True),
        "layer": Arg(("integer", "array"), "source layer(s) (null: every layer 0..L)", nullable=True),
        "kind": Arg("string", "identity, attribute, description or custom", default="identity", choices=KINDS),
        "relation": Arg("string", "for kind=attribute, e.g. capital, language, country", nullable=True),
        "target_prompt": Arg("string", "for kind=custom: a prompt with the placeholder x", nullable=True),
    }
    examples = (
        'What does layer 4 encode at "France" in "The capital of France is"?',
        'What does the model know about "France" in "The capital of France is", layer by layer?',
    )
    follow_ups = {"What about layer 12?": ("patchscope", "logit_lens")}

    def run(self, ctx: ToolContext, prompt: str, token: str | None, layer: Any, kind: str,
            relation: str | None, target_prompt: str | None) -> ToolResult:
        import torch

        from talkscope.tools.engine.drawing import draw_later
        from talkscope.tools.engine.loading import cache_root
        from talkscope.tools.engine.mapping import affine_maps, apply_map, matching_layer
        from talkscope.tools.engine.patching import run_patchscope

        model = ctx.model
        setup = target_setup(kind, relation, target_prompt)
        layers = model.check_layers(layer)
        swept = with_neighbours(layers, model.n_layers)
        position, tok, _, hidden = source_states(model, prompt, token, swept)
        target = ctx.target_model
        if target is None:
            every = run_patchscope(model, hidden, swept, **setup)
        else:  # cross-model: an affine map per layer into the target's space, at the same relative depth
            maps = affine_maps(model, target, cache_root())
            mapped = torch.stack([apply_map(maps[ell], h) for ell, h in zip(swept, hidden)])
            every = run_patchscope(target, mapped, swept, **setup,
                                   target_layer=lambda ell: matching_layer(ell, model, target))
        decs = [d for d in every if d.source_layer in layers]
        firsts = [d.tokens[0] if d.tokens else "" for d in decs]
        fmt = set(presets()["format_tokens"])
        finding = PatchscopeFinding(
            position=position, token=tok, layers=layers, decoded=[d.text for d in decs],
            decoded_logprob=[round(d.logprob, 4) for d in decs], first_prob=[round(d.first_prob, 4) for d in decs],
            kind=kind, target_prompt=setup["target_prompt"],
            stability=round(stability({d.source_layer: d.text for d in every}, layers), 4),
            format_only_layers=[d.source_layer for d, f in zip(decs, firsts) if f.strip() in fmt or not f.strip()],
            n_layers=model.n_layers, target_model=None if target is None else target.name,
            target_layers=[d.target_layer for d in decs], first_prob_raw=[d.first_prob for d in decs])
        figure = draw_later(ctx.figure_path("patchscope"), "layer_table", layers, [d.text for d in decs],
                             [d.first_prob for d in decs], f"{kind} patchscope of {tok!r} in {prompt!r}")
        return self.result(finding, figure)

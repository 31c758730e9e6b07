"""`patchscope` and `logit_lens`: what a hidden state encodes, layer by layer.

The patchscope presets (identity, attribute, description, custom) are target prompts kept as data in
`data/patchscopes.json`; the engine is `patching.run_patchscope`. The logit lens applies the final
norm and the unembedding to the residual stream of each layer; at the last layer it is exactly the
model's own next-token distribution.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib.resources import files
from typing import Any

import torch

from talkscope.tools.base import Arg, Tool, ToolContext, ToolResult, Uncertainty
from talkscope.tools.errors import TalkscopeError
from talkscope.tools.figures import layer_table
from talkscope.tools.loading import cache_root
from talkscope.tools.mapping import affine_maps, apply_map, matching_layer
from talkscope.tools.model import ModelAdapter
from talkscope.tools.patching import Decoding, run_patchscope

KINDS = ("identity", "attribute", "description", "custom")
LENS_TOP_K = 5


@lru_cache(maxsize=1)
def presets() -> dict[str, Any]:
    return json.loads(files("talkscope.tools").joinpath("data/patchscopes.json").read_text())


def _norm(text: str) -> str:
    return text.strip().lower()


def with_neighbours(layers: list[int], n_layers: int) -> list[int]:
    """The requested layers plus their neighbours l-1 and l+1 (within 0..L), for the stability check."""
    return sorted({x for ell in layers for x in (ell - 1, ell, ell + 1) if 0 <= x <= n_layers})


def stability(by_layer: dict[int, str], layers: list[int]) -> float:
    """How often a requested layer's decoded answer equals its neighbours' (l-1, l+1) answers."""
    checks = [_norm(by_layer[ell]) == _norm(by_layer[n]) for ell in layers for n in (ell - 1, ell + 1)
              if n in by_layer]
    return sum(checks) / len(checks) if checks else 1.0


def source_states(model: ModelAdapter, prompt: str, token: str | int | None,
                  layer: int | list[int] | None) -> tuple[int, str, list[int], torch.Tensor]:
    enc = model.encode(prompt)
    position = model.position_of(enc, token)
    layers = model.check_layers(layer)
    hidden = model.residual_stream(enc.tensor(model.device), layers=layers)[:, 0, position]  # [len(layers), D]
    return position, enc.tokens[position], layers, hidden


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


class PatchscopeTool(Tool):
    name = "patchscope"
    description = "What a hidden state encodes, decoded by the model itself (Patchscopes), layer by layer."
    inputs = {
        "prompt": Arg("str", "the text whose hidden state is read", required=True),
        "token": Arg("str|null", "which token (text in the prompt; null: the last token)"),
        "layer": Arg("int|list[int]|null", "source layer(s) (null: every layer 0..L)"),
        "kind": Arg("str", "identity, attribute, description or custom", default="identity", choices=KINDS),
        "relation": Arg("str|null", "for kind=attribute, e.g. capital, language, country"),
        "target_prompt": Arg("str|null", "for kind=custom: a prompt with the placeholder x"),
    }
    examples = (
        'What does layer 4 encode at "France" in "The capital of France is"?',
        'What does the model know about "France" in "The capital of France is", layer by layer?',
    )

    def run(self, ctx: ToolContext, prompt: str, token: str | None, layer: Any, kind: str,
            relation: str | None, target_prompt: str | None) -> ToolResult:
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
        stable = stability({d.source_layer: d.text for d in every}, layers)
        fmt = set(presets()["format_tokens"])
        format_only = [d.source_layer for d, f in zip(decs, firsts) if f.strip() in fmt or not f.strip()]
        tp = setup["target_prompt"]
        data = {
            "position": position, "token": tok, "layers": layers, "decoded": [d.text for d in decs],
            "decoded_logprob": [round(d.logprob, 4) for d in decs],
            "first_prob": [round(d.first_prob, 4) for d in decs], "kind": kind, "target_prompt": tp,
            "stability": round(stable, 4), "format_only_layers": format_only,
            "n_layers": model.n_layers,
            "target_model": None if target is None else target.name,
            "target_layers": [d.target_layer for d in decs],
        }
        figure = layer_table(ctx.figure_path("patchscope"), layers, [d.text for d in decs],
                             [d.first_prob for d in decs], f"{kind} patchscope of {tok!r} in {prompt!r}")
        return ToolResult(self.name, {}, data, _summary(data, decs), _uncertainty(data, decs), str(figure))


def _summary(d: dict[str, Any], decs: list[Decoding]) -> str:
    shown = ", ".join(f"{x.source_layer}: {x.text.strip()[:24]!r}" for x in decs[:: max(1, len(decs) // 6)])
    text = (f"{d['kind']} patchscope at {d['token']!r} (position {d['position']}), layers of {d['n_layers']}: "
            f"{shown}; adjacent-layer stability {d['stability']:.2f}")
    if d["format_only_layers"]:
        text += f"; layers {d['format_only_layers']} decode only the prompt format"
    return text + "."


def _uncertainty(d: dict[str, Any], decs: list[Decoding]) -> Uncertainty:
    mean_p = sum(x.first_prob for x in decs) / len(decs)
    score = 1 - 0.5 * (mean_p + d["stability"])
    return Uncertainty.from_score(score, f"mean first-token probability {mean_p:.2f}, "
                                         f"adjacent-layer stability {d['stability']:.2f}")


class LogitLensTool(Tool):
    name = "logit_lens"
    description = "The top next-token predictions read off each layer (final norm + unembedding)."
    inputs = {
        "prompt": Arg("str", "the text the model reads", required=True),
        "token": Arg("str|null", "which position (text in the prompt; null: the last token)"),
        "layer": Arg("int|list[int]|null", "layer(s) (null: every layer 0..L)"),
    }
    examples = ('What does the logit lens show for "The capital of France is"?',)

    def run(self, ctx: ToolContext, prompt: str, token: str | None, layer: Any) -> ToolResult:
        model = ctx.model
        layers = model.check_layers(layer)
        swept = with_neighbours(layers, model.n_layers)
        position, tok, _, hidden = source_states(model, prompt, token, swept)
        with torch.no_grad():
            probs = model.logits_from_residual(hidden).float().softmax(-1)  # [len(swept), V]
        p, ids = probs.topk(LENS_TOP_K, dim=-1)
        every = [[{"token": model.tokenizer.decode([int(i)]), "prob": round(float(q), 5)} for q, i in zip(pr, ir)]
                 for pr, ir in zip(p, ids)]
        top = [t for ell, t in zip(swept, every) if ell in layers]
        firsts = [t[0]["token"] for t in top]
        stable = stability({ell: t[0]["token"] for ell, t in zip(swept, every)}, layers)
        data = {"position": position, "token": tok, "layers": layers, "top": top,
                "stability": round(stable, 4), "n_layers": model.n_layers}
        figure = layer_table(ctx.figure_path("logit-lens"), layers, firsts, [t[0]["prob"] for t in top],
                             f"logit lens at {tok!r} in {prompt!r}")
        shown = ", ".join(f"{ell}: {f!r} ({t[0]['prob']:.2f})" for ell, f, t in
                          list(zip(layers, firsts, top))[:: max(1, len(layers) // 6)])
        summary = f"logit lens at {tok!r} (position {position}), layers of {model.n_layers}: {shown}."
        final_p = top[-1][0]["prob"]
        unc = Uncertainty.from_score(1 - 0.5 * (final_p + data["stability"]),
                                     f"top-1 probability {final_p:.2f} at layer {layers[-1]}, "
                                     f"adjacent-layer stability {data['stability']:.2f}")
        return ToolResult(self.name, {}, data, summary, unc, str(figure))

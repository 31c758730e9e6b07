"""`logit_lens`: the top next-token predictions read off each layer.

The final norm and the unembedding are applied to the residual stream of each layer; at the last layer
this is exactly the model's own next-token distribution.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from talkscope.tools.base import Arg, Finding, Tool, ToolContext, ToolResult, Uncertainty
from talkscope.tools.engine.sweeps import source_states, stability, with_neighbours
from talkscope.tools.engine.wording import layer_runs

LENS_TOP_K = 5
TEXT = {
    "answer": "Reading the residual stream at \"{token}\" (position {position}) through the final norm and "
              "unembedding: {runs} [{ref}]. {settle}",
    "item": "\"{token}\" ({prob:.2f})",
    "settle": "The top prediction is \"{final}\" (p = {p:.2f}) at the last layer and from layer {first} on [{ref}].",
}


@dataclass
class LogitLensFinding(Finding):
    position: int
    token: str
    layers: list[int]
    top: list[list[dict[str, Any]]]  # per layer the top predictions {token, prob}
    stability: float
    n_layers: int

    def summary(self) -> str:
        step = max(1, len(self.layers) // 6)
        shown = ", ".join(f"{ell}: {t[0]['token']!r} ({t[0]['prob']:.2f})"
                          for ell, t in list(zip(self.layers, self.top))[::step])
        return f"logit lens at {self.token!r} (position {self.position}), layers of {self.n_layers}: {shown}."

    def settles_at(self) -> int:
        """The first layer from which the top prediction stays the final layer's."""
        firsts = [t[0]["token"] for t in self.top]
        first = self.layers[-1]
        for layer, tok in zip(reversed(self.layers), reversed(firsts)):
            if tok != firsts[-1]:
                break
            first = layer
        return first

    def sentences(self, ref: str, cites: Sequence[str] = ()) -> str:
        single = len(self.layers) == 1
        labels = [TEXT["item"].format(token=t[0]["token"], prob=t[0]["prob"]) if single else f"\"{t[0]['token']}\""
                  for t in self.top]
        settle = TEXT["settle"].format(final=self.top[-1][0]["token"], p=self.top[-1][0]["prob"],
                                       first=self.settles_at(), ref=ref)
        return TEXT["answer"].format(token=self.token.strip(), position=self.position, ref=ref, settle=settle,
                                     runs=layer_runs(self.layers, labels, self.n_layers))

    def uncertainty(self) -> Uncertainty:
        final_p = self.top[-1][0]["prob"]
        return Uncertainty.from_score(1 - 0.5 * (final_p + self.stability),
                                      f"top-1 probability {final_p:.2f} at layer {self.layers[-1]}, "
                                      f"adjacent-layer stability {self.stability:.2f}")


class LogitLensTool(Tool):
    name = "logit_lens"
    description = "The top next-token predictions read off each layer (final norm + unembedding)."
    inputs = {
        "prompt": Arg("string", "the text the model reads", required=True),
        "token": Arg("string", "which position (text in the prompt; null: the last token)", nullable=True),
        "layer": Arg(("integer", "array"), "layer(s) (null: every layer 0..L)", nullable=True),
    }
    examples = ('What does the logit lens show for "The capital of France is"?',)
    follow_ups = {"What does the logit lens show?": ("patchscope",)}

    def run(self, ctx: ToolContext, prompt: str, token: str | None, layer: Any) -> ToolResult:
        import torch

        from talkscope.tools.engine.drawing import draw_later

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
        stable = stability({ell: t[0]["token"] for ell, t in zip(swept, every)}, layers)
        finding = LogitLensFinding(position, tok, layers, top, round(stable, 4), model.n_layers)
        figure = draw_later(ctx.figure_path("logit-lens"), "layer_table", layers, [t[0]["token"] for t in top],
                             [t[0]["prob"] for t in top], f"logit lens at {tok!r} in {prompt!r}")
        return self.result(finding, figure)

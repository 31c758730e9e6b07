"""`trace`: where a fact is computed, by causal tracing (Meng et al. 2022) on the model itself.

The subject's embeddings are corrupted (noise, several samples; or a counterfactual prompt), and the clean value
of one site at a time is restored: the indirect effect of a (layer, position) is how much of the answer's
probability that restoration brings back. The sweep is `engine/tracing.py`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from talkscope.tools.base import Arg, Finding, Tool, ToolContext, ToolResult, Uncertainty, words_only
from talkscope.tools.engine.errors import TalkscopeError
from talkscope.tools.engine.tracing import KINDS, Trace

SAMPLES = 5
SITE_WORDS = {"state": "the residual stream", "mlp": "the MLP outputs", "attn": "the attention outputs"}
TEXT = {
    "answer": "Causal tracing of \"{answer}\" after {prompt!r} ({corruption}): the model gives it p = {clean:.3f} "
              "clean and {corrupted:.3f} corrupted [{ref}]. The largest indirect effect is restoring {site} at "
              "{where}: p rises by {effect:.3f} [{lo:.3f}, {hi:.3f}] to {restored:.3f} [{ref}].{also}",
    "also": " At the last subject token the strongest layer is {s_layer} (+{s_eff:.3f}); at the last token, layer "
            "{l_layer} (+{l_eff:.3f}).",
    "weak": " The corruption hardly changes the answer (clean {clean:.3f}, corrupted {corrupted:.3f}), so these "
            "effects say little.",
}


@dataclass
class TraceFinding(Finding):
    kind: str
    answer: str
    clean: float
    corrupted: float
    effects: list[list[float]]  # [layer][position] recovered answer probability, mean over samples
    effects_ci_low: list[list[float]]
    effects_ci_high: list[list[float]]
    layers: list[int]
    tokens: list[str]
    subject_positions: list[int]
    top: list[dict[str, Any]]  # strongest cells {layer, position, token, effect, ci_low, ci_high}
    samples: int
    window: int
    n_layers: int
    counterfactual: str | None = None
    prompt: str = words_only("")

    OMIT_IF_NONE = ("counterfactual",)

    def _corruption(self) -> str:
        if self.counterfactual:
            return f"corrupted by reading {self.counterfactual!r} instead"
        return f"subject embeddings corrupted by Gaussian noise, {self.samples} samples"

    def _where(self, cell: dict[str, Any]) -> str:
        from talkscope.tools.engine.tracing import window_sites

        span = f"layer {cell['layer']}"
        if self.window > 1:
            sites = window_sites(cell["layer"], self.window, self.layers)
            span = f"blocks {sites[0]}-{sites[-1]} (a window of {self.window} around block {cell['layer']})"
        token = cell["token"].strip()
        return f"{span} of {self.n_layers}, position {cell['position']} (\"{token}\", {self.role(cell)})"

    def role(self, cell: dict[str, Any]) -> str:
        p = cell["position"]
        if p == len(self.tokens) - 1:
            return "the last token"
        if self.subject_positions and p == max(self.subject_positions):
            return "the last subject token"
        return "a subject token" if p in self.subject_positions else "after the subject"

    def best_at(self, position: int) -> tuple[int, float]:
        column = [row[position] for row in self.effects]
        i = int(np.argmax(column))
        return self.layers[i], column[i] - self.corrupted

    def summary(self) -> str:
        t = self.top[0]
        return (f"trace ({self.kind}) of {self.answer.strip()!r}: clean {self.clean:.3f}, corrupted "
                f"{self.corrupted:.3f}; strongest restoration layer {t['layer']} at {t['token'].strip()!r} "
                f"(+{t['effect']:.3f}).")

    def sentences(self, ref: str, cites: Sequence[str] = ()) -> str:
        t = self.top[0]
        also = ""
        if self.subject_positions and not self.counterfactual:
            s_layer, s_eff = self.best_at(max(self.subject_positions))
            l_layer, l_eff = self.best_at(len(self.tokens) - 1)
            also = TEXT["also"].format(s_layer=s_layer, s_eff=s_eff, l_layer=l_layer, l_eff=l_eff)
        if self.clean - self.corrupted < 0.02:
            also += TEXT["weak"].format(clean=self.clean, corrupted=self.corrupted)
        return TEXT["answer"].format(
            answer=self.answer.strip(), prompt=self.prompt, corruption=self._corruption(), clean=self.clean,
            corrupted=self.corrupted, ref=ref, site=SITE_WORDS[self.kind], where=self._where(t), effect=t["effect"],
            lo=t["ci_low"], hi=t["ci_high"], restored=t["effect"] + self.corrupted, also=also)

    def uncertainty(self) -> Uncertainty:
        gap = self.clean - self.corrupted
        t = self.top[0]
        if gap < 0.02:
            return Uncertainty.from_score(0.8, f"the corruption moves the answer's probability by only {gap:.3f}")
        half = (t["ci_high"] - t["ci_low"]) / 2
        return Uncertainty.from_score(0.1 + half / max(t["effect"], 1e-6),
                                      f"strongest effect {t['effect']:.3f} ± {half:.3f} over {self.samples} "
                                      f"corruption sample(s); clean-corrupted gap {gap:.3f}")


LEADING = {"the", "a", "an", "in", "on", "at", "this", "that", "when", "where", "what", "who", "which", "my", "our",
           "his", "her", "its", "their", "if", "as", "after", "before", "during", "of", "for"}


def guess_subject(prompt: str) -> str:
    """The prompt's first name: a run of capitalised words (a sentence-initial article or preposition left out),
    e.g. "Eiffel Tower" in "The Eiffel Tower is located in"; refused when there is none."""
    for m in re.finditer(r"(?:\b[A-Z][\w'’-]*)(?:\s+[A-Z][\w'’-]*)*", prompt):
        words = [w for w in m.group().split() if w.lower() not in LEADING or m.start() > 0]
        if m.start() == 0 and m.group().split()[0].lower() in LEADING:
            words = m.group().split()[1:]
        if words:
            return " ".join(words)
    raise TalkscopeError(f"which words of {prompt!r} are the subject to corrupt? Name them, e.g. subject \"France\"")


def finding_of(tr: Trace, prompt: str, counterfactual: str | None, n_layers: int) -> TraceFinding:
    """Means and 95% t-intervals over the corruption samples, and the strongest cells."""
    from scipy import stats

    effect = tr.effects - tr.corrupted[:, None, None]
    mean = tr.effects.mean(0)
    n = len(tr.corrupted)
    half = (stats.t.ppf(0.975, n - 1) * effect.std(0, ddof=1) / np.sqrt(n)) if n > 1 else np.zeros_like(mean)
    gain = effect.mean(0)
    order = np.argsort(-gain, axis=None)[:5]
    top = [{"layer": tr.layers[i], "position": int(p), "token": tr.tokens[p], "effect": round(float(gain[i, p]), 5),
            "ci_low": round(float(gain[i, p] - half[i, p]), 5), "ci_high": round(float(gain[i, p] + half[i, p]), 5)}
           for i, p in (np.unravel_index(k, gain.shape) for k in order)]
    r = lambda a: np.round(a, 5).tolist()  # noqa: E731
    return TraceFinding(tr.kind, tr.answer, round(tr.clean, 5), round(float(tr.corrupted.mean()), 5), r(mean),
                        r(mean - half), r(mean + half), tr.layers, tr.tokens, tr.subject, top, n, tr.window, n_layers,
                        counterfactual, prompt=prompt)


class TraceTool(Tool):
    name = "trace"
    description = ("Causal tracing: corrupt the subject, restore one (layer, position) at a time, and see where "
                   "the answer is computed.")
    inputs = {
        "prompt": Arg("string", "the text the model reads", required=True),
        "subject": Arg("string", "the words of the prompt to corrupt (e.g. 'France'; null: its first name, a run of "
                                 "capitalised words)", nullable=True),
        "answer": Arg("string", "the answer whose probability is traced (null: the model's own next token)",
                      nullable=True),
        "kind": Arg("string", "which sites are restored: the residual stream, MLP or attention outputs",
                    default="state", choices=KINDS,
                    aliases={"hidden state": "state", "hidden states": "state", "residual": "state",
                             "residual stream": "state", "mlp": "mlp", "mlps": "mlp", "feed-forward": "mlp",
                             "feedforward": "mlp", "ffn": "mlp", "attention": "attn", "attn": "attn"}),
        "counterfactual": Arg("string", "a prompt of the same length read as the corruption instead of noise",
                              nullable=True),
    }
    examples = ('Where does the model compute "Paris" in "The capital of France is"? Subject: "France"',
                'Trace "The Eiffel Tower is located in the city of" with subject "Eiffel Tower" through the MLPs')
    follow_ups = {"And the attention outputs?": ("trace",), "Now restore the residual stream instead": ("trace",)}

    def run(self, ctx: ToolContext, prompt: str, subject: str | None, answer: str | None, kind: str,
            counterfactual: str | None) -> ToolResult:
        from talkscope.tools.engine.drawing import draw_later
        from talkscope.tools.engine.tracing import run_trace

        subject = subject or guess_subject(prompt)
        tr = run_trace(ctx.model, prompt, subject, answer, kind, counterfactual, SAMPLES, progress=ctx.progress)
        finding = finding_of(tr, prompt, counterfactual, ctx.model.n_layers)
        figure = draw_later(ctx.figure_path("trace"), "trace_heatmap", finding.to_json(),
                            f"{SITE_WORDS[kind]} restored: p({tr.answer.strip()!r}) after {prompt!r}")
        return self.result(finding, figure)

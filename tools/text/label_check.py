"""`label_check`: are a text collection's labels trustworthy (decodable from the model's states, likely mislabels,
the model's own zero-shot reading)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from talkscope.tools.base import Arg, ToolContext, ToolResult, Uncertainty
from talkscope.tools.engine.errors import TalkscopeError
from talkscope.tools.engine.text import labels as engine
from talkscope.tools.text.common import TextFinding, TextTool, quote, quotes

PARTS = ("all", "decodable", "mislabels", "zero_shot")


@dataclass
class LabelCheckFinding(TextFinding):
    label: str
    n: int
    decodable: dict[str, Any] | None = None  # per layer accuracy, interval, permuted control, best layer, baselines
    suspects: list[dict[str, Any]] | None = None  # {id, given, suggested, score} most suspect first
    flagged: int | None = None  # how many confident learning flags in all
    zero_shot: dict[str, Any] | None = None  # agreement (raw, calibrated), disagreements

    OMIT_IF_NONE = ("decodable", "suspects", "flagged", "zero_shot")

    def summary(self) -> str:
        out = []
        if self.decodable:
            d = self.decodable
            b = d["layers"].index(d["best_layer"])
            verdict = "is linearly decodable" if d["decodable"] else "is not clearly decodable"
            diff, lo, hi = d["vs_lexical"]
            out.append(f"The label '{self.label}' {verdict} from the model's mean hidden state: best at layer "
                       f"{d['best_layer']} of {len(d['layers'])} scanned, held-out accuracy {d['accuracy'][b]:.3f} "
                       f"(95% CI {d['ci_low'][b]:.3f} to {d['ci_high'][b]:.3f}), against {d['permuted']:.3f} on "
                       f"permuted labels and {d['majority']:.3f} for the majority class; against bag-of-words "
                       f"({d['lexical']:.3f}) the probe is {diff:+.3f} (paired 95% CI {lo:+.3f} to {hi:+.3f})")
        if self.suspects is not None:
            shown = "; ".join(f"{s['id']} (given {s['given']}, suggested {s['suggested']}, {s['score']:.2f})"
                              for s in self.suspects[:5])
            out.append(f"Confident learning flags {self.flagged} of {self.n} texts as likely mislabelled"
                       + (f"; most suspect: {shown}" if shown else ""))
        if self.zero_shot:
            z = self.zero_shot
            out.append(f"The model's zero-shot reading agrees with the labels on {z['agreement']:.1%} of texts "
                       f"({z['corrected_agreement']:.1%} after correcting for each label's prior; the majority "
                       f"class alone is {z['majority']:.1%})")
        return ". ".join(out)

    def uncertainty(self) -> Uncertainty:
        basis = [f"{self.n} labelled texts, stratified 5-fold cross-validation"]
        score = 0.15
        if self.decodable:
            d = self.decodable
            basis.append(f"the best of {len(d['layers'])} layers is reported, so its accuracy is optimistic")
            if d["vs_lexical"][1] <= 0:
                basis.append("the probe does not beat bag-of-words on the same texts (paired interval includes 0)")
                score += 0.2
        if self.suspects is not None:
            basis.append("suspects are candidates to review, not verdicts: a probe's confident mistakes")
        return self.base_uncertainty(score, "; ".join(basis))


class LabelCheckTool(TextTool):
    name = "label_check"
    description = "Whether a text dataset's labels hold up: linear decodability from the model's hidden states per " \
                  "layer, likely mislabelled texts (confident learning on probe probabilities), and the model's " \
                  "zero-shot reading of the labels."
    inputs = {"part": Arg("string", "what to check", default="all", choices=PARTS),
              "n": Arg("integer", "how many suspects or disagreements to list", default=10)}
    examples = ("Which examples look mislabelled?", "Is the label linearly decodable from the model?")
    follow_ups = {"Show me 20 suspects": ("label_check",), "What does the model itself think the labels are?":
                  ("label_check",)}

    def run(self, ctx: ToolContext, part: str, n: int) -> ToolResult:
        state = ctx.texts
        data = state.data
        if data.labels is None:
            raise TalkscopeError("the data has no label column: give --label COLUMN (the columns are: "
                                 f"{', '.join(map(str, data.frame.columns))})")
        if n < 1:
            raise TalkscopeError("n must be at least 1")
        labels, texts = data.labels, data.texts
        engine.check_labels(labels)
        finding = LabelCheckFinding(data.label, len(labels), texts=f"all {len(labels)} texts",
                                    reader=ctx.model.name, flags=[], notes=data.notes)
        shown: list[int] = []
        figure = None
        if part in ("all", "decodable", "mislabels"):
            states = state.readings(ctx.model, ctx.progress).states
            dec = state.decodability(ctx.model, ctx.progress)
            if part != "mislabels":
                finding.decodable = _decodable_json(dec)
                figure = self._curve(ctx, finding.decodable)
            if part in ("all", "mislabels"):
                shown += self._suspects(finding, states[dec.best_layer], labels, data.ids, n)
        if part in ("all", "zero_shot"):
            try:
                shown += self._zero_shot(ctx, finding, labels, texts, n)
            except TalkscopeError as err:
                if part != "all":
                    raise
                finding.flags.append(f"no zero-shot reading: {err}")
        finding.quoted = quotes(ctx, list(dict.fromkeys(shown))[:6])
        return self.result(finding, figure)

    @staticmethod
    def _suspects(finding: LabelCheckFinding, states: np.ndarray, labels: list[str], ids: list[int],
                  n: int) -> list[int]:
        probs, classes = engine.probe_probabilities(states, labels)
        flagged = engine.likely_mislabels(probs, labels, classes)
        finding.flagged = len(flagged)
        def other(p: int) -> str:  # the most likely label that is not the given one
            ranked = np.argsort(-probs[p])
            return next(classes[int(i)] for i in ranked if classes[int(i)] != labels[p])

        finding.suspects = [{"id": ids[p], "given": labels[p], "suggested": other(p), "score": round(score, 4)}
                            for p, score in flagged[:n]]
        return [p for p, _ in flagged[:3]]

    @staticmethod
    def _zero_shot(ctx: ToolContext, finding: LabelCheckFinding, labels: list[str], texts: list[str],
                   n: int) -> list[int]:
        state, data = ctx.texts, ctx.texts.data
        classes = data.classes
        logp = engine.zero_shot(ctx.model, texts, classes, state.cache_dir, ctx.progress)
        y = np.array([classes.index(v) for v in labels])
        raw, cal = logp.argmax(1), engine.calibrated(logp).argmax(1)
        wrong = np.flatnonzero(cal != y)
        wrong = wrong[np.argsort(logp[wrong, y[wrong]])]  # the labels the model finds least likely first
        finding.zero_shot = {
            "agreement": round(float((raw == y).mean()), 4), "corrected_agreement": round(float((cal == y).mean()), 4),
            "majority": round(float(np.bincount(y).max() / len(y)), 4), "method": "next-token log-probability of "
            "each label's first token after a prompt; corrected: each label's mean log-probability over the "
            "collection subtracted",
            "disagreements": [{"id": data.ids[p], "given": labels[p], "model": classes[int(cal[p])],
                               "text": quote(texts[p], 100)} for p in wrong[:n]]}
        return wrong[:3].tolist()

    @staticmethod
    def _curve(ctx: ToolContext, decodable: dict[str, Any]) -> Any:
        from talkscope.tools.engine.drawing import draw_later

        return draw_later(ctx.figure_path("labels"), "talkscope.tools.engine.text.figures:label_curve", decodable,
                          "Is the label linearly decodable? Held-out probe accuracy per layer")


def _decodable_json(dec: engine.Decodability) -> dict[str, Any]:
    r = lambda xs: [round(float(x), 4) for x in xs]  # noqa: E731
    return {"layers": dec.layers, "accuracy": r(dec.accuracy), "ci_low": r(dec.low), "ci_high": r(dec.high),
            "permuted": round(dec.permuted, 4), "best_layer": dec.best_layer, "majority": round(dec.majority, 4),
            "lexical": round(dec.lexical, 4), "lexical_low": round(dec.lexical_low, 4),
            "lexical_high": round(dec.lexical_high, 4), "vs_lexical": [round(x, 4) for x in dec.vs_lexical],
            "decodable": dec.decodable}

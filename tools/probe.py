"""`probe`: is a concept linearly decodable from the residual stream, and from which layer on?

The fitting (logistic probes under 5-fold cross-validation, bootstrap intervals, a permuted-label control,
the majority baseline) is `engine/probe_fit.py`; the datasets and the hidden-state cache `engine/probe_data.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from talkscope.tools.base import Arg, Finding, Tool, ToolContext, ToolResult, Uncertainty, words_only
from talkscope.tools.engine.probe_data import BUILT_IN

TEXT = {
    "answer": "A linear probe separates {concept} best at layer {best} of {n} (0 is the embedding output), with "
              "held-out accuracy {acc:.2f} (95% CI {lo:.2f}–{hi:.2f}) against {ctrl:.2f} for the same probe on "
              "permuted labels and {maj:.2f} for always guessing the majority class [{ref}]. Accuracy is already "
              "within the best layer's interval from layer {appears} on [{ref}].",
    "weak": "Even the best layer is not clearly above the control, so this does not show that the model encodes "
            "{concept} linearly [{ref}].",
}


@dataclass
class ProbeFinding(Finding):
    concept: str
    pooling: str
    layers: list[int]
    accuracy: list[float]
    ci_low: list[float]
    ci_high: list[float]
    control_accuracy: list[float]
    selectivity: list[float]
    majority_baseline: float
    best_layer: int
    appears_layer: int
    n_examples: int
    classes: list[str]
    n_layers: int
    clearly_above_control: bool
    dataset: str = words_only("")

    @property
    def best(self) -> int:
        """Index of the best layer in `layers`."""
        return self.layers.index(self.best_layer)

    def summary(self) -> str:
        i = self.best
        return (f"{self.dataset}: best layer {self.best_layer} of {self.n_layers}, accuracy {self.accuracy[i]:.2f} "
                f"(95% CI {self.ci_low[i]:.2f}-{self.ci_high[i]:.2f}), control {self.control_accuracy[i]:.2f}, "
                f"majority {self.majority_baseline:.2f}; within the best interval from layer {self.appears_layer}.")

    def sentences(self, ref: str, cites: Sequence[str] = ()) -> str:
        i = self.best
        text = TEXT["answer"].format(
            concept=self.concept, best=self.best_layer, n=self.n_layers, acc=self.accuracy[i], lo=self.ci_low[i],
            hi=self.ci_high[i], ctrl=self.control_accuracy[i], maj=self.majority_baseline, appears=self.appears_layer,
            ref=ref)
        if not self.clearly_above_control:
            text += " " + TEXT["weak"].format(concept=self.concept, ref=ref)
        return text

    def uncertainty(self) -> Uncertainty:
        i = self.best
        width = self.ci_high[i] - self.ci_low[i]
        sel = self.selectivity[i]
        score = 0.8 if not self.clearly_above_control else min(1.0, width + max(0.0, 0.3 - sel))
        return Uncertainty.from_score(score, f"best-layer 95% CI width {width:.2f}, selectivity {sel:.2f}"
                                      + ("" if self.clearly_above_control else "; not clearly above control"))


class ProbeTool(Tool):
    name = "probe"
    description = "Whether a concept is linearly decodable from each layer (logistic probes, intervals, controls)."
    inputs = {
        "concept": Arg("string", f"built-in ({', '.join(BUILT_IN)}) or a path to a text,label CSV", required=True),
        "layer": Arg(("integer", "array"), "layer(s) to probe (null: every layer 0..L)", nullable=True),
        "pooling": Arg("string", "how a text's tokens become one vector: the last token or the mean", default="last",
                       choices=("last", "mean")),
    }
    examples = ("Which layer best separates true statements from false ones?",
                "Does the model represent sentiment, and where?",
                "Is tense linearly decodable?")
    follow_ups = ("What about grammatical number?",)
    leads_to = ("probe",)

    def run(self, ctx: ToolContext, concept: str, layer: Any, pooling: str) -> ToolResult:
        from talkscope.tools.engine.figures import accuracy_curve
        from talkscope.tools.engine.loading import cache_root
        from talkscope.tools.engine.probe_data import hidden_states, load_dataset
        from talkscope.tools.engine.probe_fit import probe_layers

        model = ctx.model
        layers = model.check_layers(layer)
        data = load_dataset(concept)
        states = hidden_states(model, data, pooling, cache_root())
        d = {"concept": concept, "pooling": pooling, **probe_layers(states, data.labels, layers),
             "n_layers": model.n_layers}
        d = {k: [round(v, 4) for v in x] if isinstance(x, list) and x and isinstance(x[0], float) else x
             for k, x in d.items()}
        i = d["layers"].index(d["best_layer"])
        d["clearly_above_control"] = bool(d["ci_low"][i] > d["control_accuracy"][i]
                                          and d["ci_low"][i] > d["majority_baseline"])
        finding = ProbeFinding(**d, dataset=data.name)
        figure = accuracy_curve(ctx.figure_path("probe"), d, f"probe: {data.name} ({d['n_examples']} examples)")
        return self.result(finding, figure)

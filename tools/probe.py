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

MEMORISING_SELECTIVITY = 0.3  # below this, the control task shows the probe can memorise word types

TEXT = {
    "answer": "A linear probe separates {concept} best at layer {best} of {n} (0 is the embedding output): on "
              "held-out {group_name} its accuracy is {gacc:.2f} (95% CI {glo:.2f}–{ghi:.2f}), against {lex:.2f} for a "
              "bag-of-words classifier on the text alone under the same folds [{ref}].",
    "controls": "With stratified folds the probe reaches {acc:.2f}; a control task that gives each of the {groups} "
                "{group_name} a random label reaches {task:.2f} (selectivity {sel:.2f}), permuted labels {ctrl:.2f}, "
                "and always guessing the majority class {maj:.2f} [{ref}].",
    "memorises": "The control task shows the probe can memorise which {group_name} go with which label, so the "
                 "held-out-{group_name} accuracy, where memorising cannot help, is the figure to trust [{ref}].",
    "appears": "Accuracy on held-out {group_name} is already within the best layer's interval from layer {appears} on "
               "[{ref}].",
    "beyond_words": "The model's states separate held-out {group_name} better than the words alone do [{ref}].",
    "words_enough": "The words alone do as well as the probe here, so this shows no more than lexical information "
                    "[{ref}].",
    "note": "Note: {note} [{ref}].",
    "weak": "Even the best layer is not clearly above the controls, so this does not show that the model encodes "
            "{concept} linearly [{ref}].",
}


@dataclass
class ProbeFinding(Finding):
    concept: str
    pooling: str
    layers: list[int]
    accuracy: list[float]  # stratified folds
    ci_low: list[float]
    ci_high: list[float]
    control_accuracy: list[float]  # permuted labels
    grouped_accuracy: list[float]  # folds holding out whole groups: the headline
    grouped_ci_low: list[float]
    grouped_ci_high: list[float]
    control_task_accuracy: list[float]  # Hewitt & Liang: a random label per group (word type)
    selectivity: list[float]  # accuracy - control_task_accuracy
    permuted_selectivity: list[float]  # accuracy - control_accuracy
    majority_baseline: float
    best_layer: int  # chosen on the grouped accuracy
    appears_layer: int
    n_examples: int
    classes: list[str]
    groups: int | None
    group_note: str | None
    lexical_baseline: float  # bag-of-words + bigrams on the text, under the grouped folds
    lexical_ci_low: float
    lexical_ci_high: float
    lexical_baseline_stratified: float
    n_layers: int
    clearly_above_control: bool
    dataset: str = words_only("")
    group_name: str = words_only("groups")

    @property
    def held_out_groups(self) -> bool:
        """Whether the grouped folds really held out groups (else they are the stratified ones)."""
        return self.groups is not None and self.group_note is None

    @property
    def best(self) -> int:
        """Index of the best layer in `layers`."""
        return self.layers.index(self.best_layer)

    def summary(self) -> str:
        i = self.best
        return (f"{self.dataset}: best layer {self.best_layer} of {self.n_layers}, held-out-{self.group_name} "
                f"accuracy {self.grouped_accuracy[i]:.2f} (95% CI {self.grouped_ci_low[i]:.2f}-"
                f"{self.grouped_ci_high[i]:.2f}), words alone {self.lexical_baseline:.2f}, stratified "
                f"{self.accuracy[i]:.2f}, control task {self.control_task_accuracy[i]:.2f}, permuted "
                f"{self.control_accuracy[i]:.2f}, majority {self.majority_baseline:.2f}; within the best interval "
                f"from layer {self.appears_layer}.")

    def sentences(self, ref: str, cites: Sequence[str] = ()) -> str:
        i, g = self.best, self.group_name
        parts = [TEXT["answer"].format(concept=self.concept, best=self.best_layer, n=self.n_layers, group_name=g,
                                       gacc=self.grouped_accuracy[i], glo=self.grouped_ci_low[i],
                                       ghi=self.grouped_ci_high[i], lex=self.lexical_baseline, ref=ref),
                 TEXT["controls"].format(acc=self.accuracy[i], groups=self.groups or self.n_examples, group_name=g,
                                         task=self.control_task_accuracy[i], sel=self.selectivity[i],
                                         ctrl=self.control_accuracy[i], maj=self.majority_baseline, ref=ref),
                 TEXT["appears"].format(group_name=g, appears=self.appears_layer, ref=ref)]
        if self.held_out_groups and self.selectivity[i] < MEMORISING_SELECTIVITY:
            parts.insert(2, TEXT["memorises"].format(group_name=g, ref=ref))
        if self.grouped_ci_low[i] > self.lexical_ci_high:
            parts.append(TEXT["beyond_words"].format(group_name=g, ref=ref))
        elif self.grouped_ci_high[i] <= self.lexical_ci_high:
            parts.append(TEXT["words_enough"].format(ref=ref))
        if self.group_note:
            parts.append(TEXT["note"].format(note=self.group_note, ref=ref))
        if not self.clearly_above_control:
            parts.append(TEXT["weak"].format(concept=self.concept, ref=ref))
        return " ".join(parts)

    def uncertainty(self) -> Uncertainty:
        i = self.best
        width = self.grouped_ci_high[i] - self.grouped_ci_low[i]
        sel = self.selectivity[i]
        over_words = self.grouped_accuracy[i] - self.lexical_baseline
        # Held-out groups already rule out memorising word types, which is what low selectivity warns of.
        memorising = 0.0 if self.held_out_groups else max(0.0, 0.3 - sel)
        score = 0.8 if not self.clearly_above_control else min(1.0, width + memorising
                                                               + (0.2 if over_words <= 0 else 0.0))
        return Uncertainty.from_score(score, f"held-out-{self.group_name} 95% CI width {width:.2f}, selectivity "
                                      f"{sel:.2f}, {over_words:+.2f} over the words alone"
                                      + ("" if self.clearly_above_control else "; not clearly above the controls"))


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
                "Does the model represent sentiment, and where?")
    follow_ups = {"What about grammatical number?": ("probe",)}

    def run(self, ctx: ToolContext, concept: str, layer: Any, pooling: str) -> ToolResult:
        from talkscope.tools.engine.drawing import draw_later
        from talkscope.tools.engine.loading import cache_root
        from talkscope.tools.engine.probe_data import hidden_states, load_dataset
        from talkscope.tools.engine.probe_fit import probe_layers

        model = ctx.model
        layers = model.check_layers(layer)
        data = load_dataset(concept if concept in BUILT_IN else str(ctx.user_path(concept, "probe dataset")))
        states = hidden_states(model, data, pooling, cache_root())
        with ctx.progress(4 * len(layers), f"fitting probes on {len(layers)} layers") as advance:
            fitted = probe_layers(states, data.labels, layers, data.texts, data.groups, advance)
        d = {"concept": concept, "pooling": pooling, **fitted, "n_layers": model.n_layers}
        d = {k: round(x, 4) if isinstance(x, float) else
             [round(v, 4) for v in x] if isinstance(x, list) and x and isinstance(x[0], float) else x
             for k, x in d.items()}
        i = d["layers"].index(d["best_layer"])
        d["clearly_above_control"] = bool(d["grouped_ci_low"][i] > d["control_accuracy"][i]
                                          and d["grouped_ci_low"][i] > d["majority_baseline"])
        finding = ProbeFinding(**d, dataset=data.name, group_name=data.group_name)
        figure = draw_later(ctx.figure_path("probe"), "accuracy_curve", d,
                            f"probe: {data.name} ({d['n_examples']} examples)")
        return self.result(finding, figure)

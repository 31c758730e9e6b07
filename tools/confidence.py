"""`confidence`: how sure the model is of its answer, as a calibrated probability that the answer is right.

Features (see `uncertainty_features.py`): the greedy answer's length-normalised probability, its first
token's probability and mean entropy, the agreement of 10 samples with it and the semantic entropy of
the samples. The score is a logistic regression over them fitted on a calibration set (`calibration.py`).
Verbalized confidence ("I am 90% sure") is not used: small models say it without meaning it.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from talkscope.tools.base import Arg, Tool, ToolContext, ToolResult, Uncertainty
from talkscope.tools.calibration import load_calibrator
from talkscope.tools.uncertainty_features import SAMPLES, answer_key, measure

CALIBRATED_UNCERTAINTY = 0.15  # the score is a held-out-calibrated probability (see data/confidence_*.json)
FOREIGN_UNCERTAINTY = 0.6  # calibration fitted on another model: the number is a rough guide only


class ConfidenceTool(Tool):
    name = "confidence"
    description = "How sure the model is of its answer: a calibrated probability, answer probability, sample agreement."
    inputs = {"prompt": Arg("str", "the text whose continuation (the model's answer) is judged", required=True)}
    examples = ('How sure is the model that "The capital of Australia is" continues correctly?',
                'How confident is it about "2 + 2 ="?')

    def run(self, ctx: ToolContext, prompt: str) -> ToolResult:
        model = ctx.model
        f = measure(model, [prompt])[0]
        cal, warning = load_calibrator(model.name)
        score = cal.score(f)
        clusters = Counter(answer_key(s) for s in f.samples)
        examples = {answer_key(s): s for s in reversed(f.samples)}
        mine = answer_key(f.answer)
        alternatives = [{"answer": examples[k], "count": n, "same_as_answer": k == mine}
                        for k, n in clusters.most_common()]
        data: dict[str, Any] = {
            "prompt": prompt, "answer": f.answer, "score": round(score, 4), "samples": f.samples,
            "agreement": f.agreement,
            "answer_prob": round(f.answer_prob, 4), "first_token_prob": round(f.first_token_prob, 4),
            "mean_entropy_bits": round(f.mean_entropy, 4), "semantic_entropy_bits": round(f.semantic_entropy, 4),
            "n_samples": SAMPLES, "alternatives": alternatives, "calibration": {
                "fitted_on": cal.fitted_on, "n_train": cal.n_train, "warning": warning}}
        summary = (f"Greedy answer {f.answer!r}: calibrated P(correct) {score:.2f}; length-normalised answer "
                   f"probability {f.answer_prob:.2f}; {f.agreement:.0%} of {SAMPLES} samples agree; "
                   f"semantic entropy {f.semantic_entropy:.2f} bits.")
        basis = (f"logistic calibration fitted on {cal.n_train} prompts on {cal.fitted_on}"
                 + (f"; {warning}" if warning else ""))
        unc = Uncertainty.from_score(FOREIGN_UNCERTAINTY if warning else CALIBRATED_UNCERTAINTY, basis)
        return ToolResult(self.name, {}, data, summary, unc)

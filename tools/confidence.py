"""`confidence`: how sure the model is of its answer, as a calibrated probability that the answer is right.

Features (see `engine/uncertainty_features.py`): the greedy answer's length-normalised probability, its first
token's probability and mean entropy, the agreement of 10 samples with it and the semantic entropy of the
samples; the shipped calibration adds the answer's form (its word count, whether it is a number). The score is
a logistic regression over them (the calibration file says which, and the map after it), fitted on a
calibration set of short factual prompts (`engine/calibration.py`). The prompt's nearest calibration domain
(one centroid per sub-domain, e.g. "geography/capital", by the packaged sentence embedder) is reported with
its similarity; below the calibration's threshold the prompt is out of domain, and the answer says the
probability was never checked on prompts like it. On a model the calibration was not fitted on, the warning
says that instead, and no domain is reported.
Verbalized confidence ("I am 90% sure") is not used: small models say it without meaning it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from talkscope.tools.base import Arg, Finding, Tool, ToolContext, ToolResult, Uncertainty

CALIBRATED_UNCERTAINTY = 0.15  # the score is a held-out-calibrated probability (see data/confidence_*.json)
FOREIGN_UNCERTAINTY = 0.6  # calibration fitted on another model: the number is a rough guide only
OUT_OF_DOMAIN_UNCERTAINTY = 0.5  # a prompt unlike the calibration set: its calibration is untested there
TEXT = {
    "answer": "The model's answer to \"{prompt}\" is \"{answer}\" [{ref}]. The calibrated probability that it is "
              "right is {score:.0%} [{ref}]: it rests on the answer's length-normalised probability "
              "{answer_prob:.2f} and on {agree} of {n} samples agreeing with it (semantic entropy {se:.2f} bits) "
              "[{ref}].",
    "alternatives": "The samples also said: {items} [{ref}].",
    "alternative_item": "\"{answer}\" ({count}×)",
    "calibration_warning": "Caution: {warning} [{ref}].",
    "out_of_domain": "Caution: the prompt is unlike the calibration prompts (nearest domain {domain}, similarity "
                     "{similarity:.2f}, below {threshold:.2f}), so the probability was never checked on prompts like "
                     "it [{ref}].",
}


@dataclass
class ConfidenceFinding(Finding):
    prompt: str
    answer: str
    score: float  # calibrated probability that the answer is right
    samples: list[str]
    agreement: float
    answer_prob: float
    first_token_prob: float
    mean_entropy_bits: float
    semantic_entropy_bits: float
    n_samples: int
    alternatives: list[dict[str, Any]]  # {answer, count, same_as_answer}, most frequent first
    calibration: dict[str, Any]  # {fitted_on, n_train, warning}
    # the nearest calibration domain, the prompt's cosine similarity to it, and whether that reaches the
    # calibration's threshold (None when the calibration ships no domains or the embedder is missing)
    domain: str | None = None
    domain_similarity: float | None = None
    in_domain: bool | None = None

    OMIT_IF_NONE = ("domain", "domain_similarity", "in_domain")

    def summary(self) -> str:
        return (f"Greedy answer {self.answer!r}: calibrated P(correct) {self.score:.2f}; length-normalised answer "
                f"probability {self.answer_prob:.2f}; {self.agreement:.0%} of {self.n_samples} samples agree; "
                f"semantic entropy {self.semantic_entropy_bits:.2f} bits.")

    def sentences(self, ref: str, cites: Sequence[str] = ()) -> str:
        text = TEXT["answer"].format(
            prompt=self.prompt, answer=self.answer, score=self.score, answer_prob=self.answer_prob,
            agree=round(self.agreement * self.n_samples), n=self.n_samples, se=self.semantic_entropy_bits, ref=ref)
        others = [a for a in self.alternatives if a["answer"] and not a["same_as_answer"]][:3]
        if others:
            items = ", ".join(TEXT["alternative_item"].format(answer=a["answer"], count=a["count"]) for a in others)
            text += " " + TEXT["alternatives"].format(items=items, ref=ref)
        if self.calibration["warning"]:
            text += " " + TEXT["calibration_warning"].format(warning=self.calibration["warning"], ref=ref)
        if self.in_domain is False:
            text += " " + TEXT["out_of_domain"].format(domain=self.domain, similarity=self.domain_similarity,
                                                      threshold=self.calibration.get("domain_threshold", 0.0), ref=ref)
        return text

    def domain_note(self) -> str | None:
        if self.in_domain is None:
            return None
        threshold = self.calibration.get("domain_threshold", 0.0)
        if self.in_domain:
            return (f"prompt within the calibration domains (nearest {self.domain}, similarity "
                    f"{self.domain_similarity:.2f})")
        return (f"prompt unlike the calibration domains (nearest {self.domain}, similarity "
                f"{self.domain_similarity:.2f} < {threshold:.2f}): the score is untested on prompts like it")

    def uncertainty(self) -> Uncertainty:
        cal = self.calibration
        note = self.domain_note()
        basis = (f"logistic calibration fitted on {cal['n_train']} prompts on {cal['fitted_on']}"
                 + (f"; {cal['warning']}" if cal["warning"] else "") + (f"; {note}" if note else ""))
        score = CALIBRATED_UNCERTAINTY
        if cal["warning"]:
            score = FOREIGN_UNCERTAINTY
        elif self.in_domain is False:
            score = OUT_OF_DOMAIN_UNCERTAINTY
        return Uncertainty.from_score(score, basis)


class ConfidenceTool(Tool):
    name = "confidence"
    description = "How sure the model is of its answer: a calibrated probability, answer probability, sample agreement."
    inputs = {"prompt": Arg("string", "the text whose continuation (the model's answer) is judged", required=True)}
    examples = ('How sure is the model that "The capital of Australia is" continues correctly?',
                'How confident is it about "2 + 2 ="?')
    follow_ups = {"How sure is it?": ("generate", "attribution")}

    def run(self, ctx: ToolContext, prompt: str) -> ToolResult:
        from talkscope.tools.engine.calibration import load_calibrator
        from talkscope.tools.engine.uncertainty_features import SAMPLES, answer_key, measure

        model = ctx.model
        f = measure(model, [prompt])[0]
        cal, warning = load_calibrator(model.name)
        clusters = Counter(answer_key(s) for s in f.samples)
        examples = {answer_key(s): s for s in reversed(f.samples)}
        mine = answer_key(f.answer)
        alternatives = [{"answer": examples[k], "count": n, "same_as_answer": k == mine}
                        for k, n in clusters.most_common()]
        # On another model the calibration was never checked at all (the warning says so): which domain the
        # prompt is near adds nothing there, and the sentence embedder is not loaded for it.
        near = None if warning else nearest_domain(cal, prompt)
        calibration = {"fitted_on": cal.fitted_on, "n_train": cal.n_train, "warning": warning}
        if near is not None:
            calibration["domain_threshold"] = near["threshold"]
        return self.result(ConfidenceFinding(
            prompt=prompt, answer=f.answer, score=round(cal.score(f), 4), samples=f.samples, agreement=f.agreement,
            answer_prob=round(f.answer_prob, 4), first_token_prob=round(f.first_token_prob, 4),
            mean_entropy_bits=round(f.mean_entropy, 4), semantic_entropy_bits=round(f.semantic_entropy, 4),
            n_samples=SAMPLES, alternatives=alternatives, calibration=calibration,
            domain=near and near["domain"], domain_similarity=near and near["similarity"],
            in_domain=near and near["in_domain"]))


def nearest_domain(cal: Any, prompt: str) -> dict[str, Any] | None:
    """The prompt's nearest calibration domain by the packaged sentence embedder; None when the calibration ships
    no domains or the embedder is not installed."""
    if not cal.domains:
        return None
    from talkscope.retrieval.embed import embed
    from talkscope.tools.engine.errors import TalkscopeError

    try:
        vector = embed([prompt])[0]
    except TalkscopeError:
        return None
    return cal.nearest_domain(vector)

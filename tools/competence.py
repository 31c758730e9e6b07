"""`competence`: does the model know more than it says? Direct log-probabilities against the answer it gives and
against what it says when asked in words (the engine is `engine/competence.py`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from talkscope.tools.base import Arg, Finding, Tool, ToolContext, ToolResult, Uncertainty, words_only
from talkscope.tools.engine.errors import TalkscopeError

VERDICTS = {"knows_and_says": "knows it and says it", "knows_not_says": "knows it but does not say it",
            "says_not_prefers": "says it, yet does not prefer it over the others",
            "neither": "neither knows nor says it"}
TEXT = {
    "answer": "After {prompt!r}, {ranking} [{ref}]. The model greedily continues \"{greedy}\" [{ref}]. {lens} "
              "Asked in words, it prefers \"{meta}\" [{ref}]. Verdict: the model {verdict} [{ref}].",
    "suite": "On {n} minimal pairs ({suites}), the direct comparison of log-probabilities picks the acceptable "
             "sentence {direct:.0%} of the time [{lo:.0%}, {hi:.0%}] and asking the model in words {meta:.0%} "
             "[{mlo:.0%}, {mhi:.0%}] [{ref}]; asked in words, it answers \"1\" to {one:.0%} of the questions whichever "
             "sentence comes first [{ref}]. {claim} Weakest directly: {weakest} [{ref}].",
}


@dataclass
class CompetenceFinding(Finding):
    candidates: list[dict[str, Any]]  # {text, logprob, token_logprobs, rank, lens_layer, meta_logprob}, in order given
    greedy: str
    verdict: str
    direct_choice: str
    meta_choice: str
    margin: float  # log-probability of the first candidate minus the best other (nats)
    n_layers: int
    prompt: str = words_only("")

    def summary(self) -> str:
        lps = ", ".join(f"{c['text']!r} {c['logprob']:.2f}" for c in self.candidates)
        return f"competence after {self.prompt!r}: log-probabilities {lps}; greedy {self.greedy!r}; {self.verdict}."

    def sentences(self, ref: str, cites: Sequence[str] = ()) -> str:
        ranked = sorted(self.candidates, key=lambda c: -c["logprob"])
        ranking = ", ".join(f"\"{c['text']}\" has log-probability {c['logprob']:.2f} (first token ranked {c['rank']:,})"
                            for c in ranked)
        first = self.candidates[0]
        lens = (f"The logit lens reads \"{first['text']}\" as its top token from layer {first['lens_layer']} of "
                f"{self.n_layers} [{ref}]." if first["lens_layer"] is not None
                else f"The logit lens never reads \"{first['text']}\" as its top token [{ref}].")
        from talkscope.tools.engine.generation import first_sentence

        return TEXT["answer"].format(prompt=self.prompt, ranking=ranking, greedy=first_sentence(self.greedy).strip(),
                                     lens=lens,
                                     meta=self.meta_choice, verdict=VERDICTS[self.verdict], ref=ref)

    def uncertainty(self) -> Uncertainty:
        if len(self.candidates) == 1:
            return Uncertainty.from_score(0.5, "one candidate: its rank and the logit lens, nothing to compare with")
        return Uncertainty.from_score(math.exp(-abs(self.margin)),
                                      f"log-probability margin {self.margin:+.2f} nats between the first candidate "
                                      "and the best other")


@dataclass
class SuiteFinding(Finding):
    suites: list[dict[str, Any]]  # {suite, n, direct_accuracy, direct_ci, meta_accuracy, meta_ci}
    n: int
    direct_accuracy: float
    direct_ci: list[float]
    meta_accuracy: float
    meta_ci: list[float]
    direct_beats_meta: bool
    meta_says_one: float  # share of the questions (both orders of every pair) answered "1": position bias

    def summary(self) -> str:
        return (f"competence on {self.n} minimal pairs: direct {self.direct_accuracy:.3f}, meta-linguistic "
                f"{self.meta_accuracy:.3f}.")

    def sentences(self, ref: str, cites: Sequence[str] = ()) -> str:
        weakest = min(self.suites, key=lambda s: s["direct_accuracy"])
        claim = ("Direct measurement beats asking in words, as Hu & Levy (2023) found." if self.direct_beats_meta
                 else "Here asking in words does as well as or better than direct measurement, unlike Hu & Levy's "
                      "finding.")
        return TEXT["suite"].format(
            n=self.n, suites=", ".join(s["suite"] for s in self.suites), direct=self.direct_accuracy,
            lo=self.direct_ci[0], hi=self.direct_ci[1], meta=self.meta_accuracy, mlo=self.meta_ci[0],
            mhi=self.meta_ci[1], claim=claim, ref=ref, one=self.meta_says_one,
            weakest=f"{weakest['suite']} {weakest['direct_accuracy']:.0%} of {weakest['n']}")

    def uncertainty(self) -> Uncertainty:
        half = (self.direct_ci[1] - self.direct_ci[0]) / 2
        return Uncertainty.from_score(2 * half + 0.05, f"{self.n} pairs; 95% Wilson interval ±{half:.3f} on the "
                                                       "direct accuracy")


def verdict_of(cands: list[Any], greedy: str) -> tuple[str, str]:
    """(verdict key, the candidate the direct measurement prefers). The first candidate is *known* when it has the
    highest log-probability of the candidates, or when the logit lens reads it at some layer and the preferred one
    at none (one candidate: when it is the top next token or the lens reads it); *said* when the greedy
    continuation starts with it (docs/json.md)."""
    first = cands[0]
    best = max(cands, key=lambda c: c.logprob)
    says = greedy.strip().lower().startswith(first.text.strip().lower())
    knows = best is first if len(cands) > 1 else (first.rank == 1 or first.lens_layer is not None)
    if len(cands) > 1 and not knows and first.lens_layer is not None and best.lens_layer is None:
        knows = True  # the lens reads it and not the preferred one: represented, if outscored at the end
    key = ("knows_and_says" if says and knows else "says_not_prefers" if says else
           "knows_not_says" if knows else "neither")
    return key, best.text


class CompetenceTool(Tool):
    name = "competence"
    description = ("Does the model know more than it says? Log-probabilities of candidate answers against its own "
                   "answer and against asking it in words; or accuracy on minimal-pair suites.")
    inputs = {
        "prompt": Arg("string", "the text the candidates continue (with candidates)", nullable=True),
        "candidates": Arg("array", "continuations to compare, the one to test first (e.g. [\"Paris\", \"Lyon\"])",
                          nullable=True, items="string"),
        "suite": Arg("string", "a built-in minimal-pair suite, 'all', or a CSV file with columns good,bad",
                     nullable=True),
    }
    examples = ('Does the model know that "The capital of France is" continues with "Paris" rather than "Lyon"?',
                "How does the model do on the subject-verb agreement minimal pairs?")
    follow_ups = {"Run all the minimal-pair suites": ("competence",)}

    def run(self, ctx: ToolContext, prompt: str | None, candidates: list[str] | None,
            suite: str | None) -> ToolResult:
        if suite:
            return self._suite(ctx, suite)
        if not prompt or not prompt.strip() or not candidates:
            raise TalkscopeError("competence needs a prompt and candidates (e.g. prompt \"The capital of France is\", "
                                 "candidates [\"Paris\", \"Lyon\"]), or a suite (one of the built-in minimal-pair "
                                 "suites, 'all', or a CSV with columns good,bad)")
        from talkscope.tools.engine.competence import score_candidates
        from talkscope.tools.engine.drawing import draw_later
        from talkscope.tools.engine.generation import continue_prompts

        model = ctx.model
        cands = score_candidates(model, prompt, candidates)
        greedy = continue_prompts(model, [prompt], max_new_tokens=8, scores=False)[0].text
        key, best = verdict_of(cands, greedy)
        meta = max(cands, key=lambda c: c.meta_logprob).text
        others = [c.logprob for c in cands[1:]]
        margin = round(cands[0].logprob - max(others), 5) if others else 0.0
        finding = CompetenceFinding([asdict(c) for c in cands], greedy, key, best, meta, margin, model.n_layers,
                                    prompt=prompt)
        figure = draw_later(ctx.figure_path("competence"), "competence_bars", finding.candidates,
                            f"direct vs asked in words after {prompt!r}")
        return self.result(finding, figure)

    def _suite(self, ctx: ToolContext, suite: str) -> ToolResult:
        from talkscope.tools.engine.competence import load_pairs, score_pairs, suite_names, wilson
        from talkscope.tools.engine.drawing import draw_later

        if suite == "all":
            named = {name: load_pairs(name) for name in suite_names()}
        elif suite in suite_names():
            named = {suite: load_pairs(suite)}
        else:
            path = ctx.user_path(suite, "minimal-pair CSV")
            named = {path.stem: load_pairs(path)}
        total = sum(len(p) for p in named.values()) * 4  # 2 sentences and 2 orders of the question per pair
        rows, direct_all, meta_all, says_one = [], [], [], 0
        with ctx.progress(total, "scoring minimal pairs") as advance:
            for name, pairs in named.items():
                s = score_pairs(ctx.model, pairs, advance)
                d, m = sum(x > 0 for x in s.direct), sum(x > 0 for x in s.meta)
                rows.append({"suite": name, "n": len(pairs), "direct_accuracy": round(d / len(pairs), 4),
                             "direct_ci": list(wilson(d, len(pairs))), "meta_accuracy": round(m / len(pairs), 4),
                             "meta_ci": list(wilson(m, len(pairs)))})
                direct_all += s.direct
                meta_all += s.meta
                says_one += s.says_one
        n, d, m = len(direct_all), sum(x > 0 for x in direct_all), sum(x > 0 for x in meta_all)
        lo, hi = wilson(d, n)
        finding = SuiteFinding(rows, n, round(d / n, 4), [lo, hi], round(m / n, 4), list(wilson(m, n)), d > m,
                               round(says_one / (2 * n), 4))
        figure = draw_later(ctx.figure_path("competence"), "suite_bars", rows, f"minimal pairs on {ctx.model.name}")
        return self.result(finding, figure)


"""`attribution`: which input tokens drove an output, with several methods and a self-check.

Target: a text the user names (several tokens allowed: score = summed log-probability under teacher
forcing) or, by default, the model's own greedy next token. With `contrast`, the score is
log p(target) - log p(contrast): "why Paris rather than Lyon". The default method is integrated
gradients (32 Gauss-Legendre steps); it is cross-checked by a second, cheap method (occlusion, or
saliency for long prompts) and the rank agreement of the two (`Agreement`, one rule for the words and
the uncertainty) sets the uncertainty. The methods are a registry (`engine/attr_methods.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from talkscope.tools.base import Arg, Finding, Tool, ToolContext, ToolResult, Uncertainty
from talkscope.tools.engine.attr_methods import Attribution, Method, Scorer, get_method, list_methods
from talkscope.tools.engine.errors import TalkscopeError
from talkscope.tools.engine.model import Encoding, ModelAdapter

DEFAULT_METHOD = "integrated_gradients"
OCCLUSION_CHECK_MAX_TOKENS = 256  # above this the cross-check is saliency (one backward)
AGREE_SPEARMAN = 0.5  # two methods "agree" from this rank correlation on, with the same top token

TEXT = {
    "answer": "The score being explained is {what}: log-probability {logprob:.2f} [{ref}]. {method} puts the "
              "largest share of it on {top} [{ref}].",
    "own_target": "the model's own next token \"{target}\"",
    "named_target": "\"{target}\"",
    "contrast": "{target} rather than \"{contrast}\" (the log-probability is the target's, the score is the "
                "difference)",
    "top_item": "\"{token}\" ({share:.0%})",
    "completeness": "The integrated-gradients completeness error is {error:.0%} [{ref}].",
    "agree": "{method} ranks the tokens similarly (Spearman {rho:.2f}, {same} top token), so the two methods "
             "agree [{ref}].",
    "disagree": "{method} ranks them differently (Spearman {rho:.2f}, {same} top token), so treat the ranking "
                "with caution [{ref}].",
    "attention_caveat": "Attention weights are a weaker signal: they show where the model reads, not what "
                        "changes its output.",
}


def target_ids(model: ModelAdapter, prompt: str, text: str, what: str) -> list[int]:
    """Token ids of a continuation. A word given without a leading space after a prompt that ends in
    a non-space ("Paris" after "... is") is read as " Paris", the way the model would write it."""
    if not text.strip():
        raise TalkscopeError(f"the {what} is empty: give the text the model should produce, e.g. \"Paris\"")
    if not text[0].isspace() and not prompt[-1:].isspace():
        text = " " + text
    ids = model.tokenizer(text, add_special_tokens=False)["input_ids"]
    if not ids:
        raise TalkscopeError(f"the {what} {text!r} tokenizes to nothing: give some visible text")
    return list(ids)


def _spearman(a: list[float], b: list[float]) -> float:
    if len(a) < 2 or len(set(a)) < 2 or len(set(b)) < 2:
        return 1.0 if a == b else 0.0
    from scipy.stats import spearmanr

    return float(spearmanr(a, b).statistic)


@dataclass
class Agreement:
    """How a second method ranks the tokens: the one rule for "do the two methods agree"."""

    method: str
    scores: list[float]
    spearman: float
    top_match: bool
    top_token: str

    @property
    def agrees(self) -> bool:
        return self.top_match and self.spearman >= AGREE_SPEARMAN

    @property
    def penalty(self) -> float:
        """What the disagreement adds to the uncertainty score."""
        return 0.5 * (1 - self.spearman) + (0.0 if self.top_match else 0.2)

    def basis(self) -> str:
        return f"{self.method} rank agreement {self.spearman:.2f}{'' if self.top_match else ', different top token'}"

    def to_json(self) -> dict[str, Any]:
        return {"method": self.method, "scores": self.scores, "spearman": self.spearman,
                "top_match": self.top_match, "top_token": self.top_token}


@dataclass
class AttributionFinding(Finding):
    top: list[dict[str, Any]]  # the three largest shares: {token, position, share}
    tokens: list[str]
    scores: list[float]  # one per prompt token
    method: str
    target: str
    contrast: str | None
    target_logprob: float
    target_is_models_own: bool
    target_tokens: list[str]
    special: list[bool]
    shares: list[float]
    n_steps: int | None = None
    score_input: float | None = None
    score_baseline: float | None = None
    completeness_error: float | None = None
    completeness_error_rel: float | None = None
    rollout: list[float] | None = None
    check: Agreement | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # other facts a registered method reports

    OMIT_IF_NONE = ("n_steps", "score_input", "score_baseline", "completeness_error", "completeness_error_rel",
                    "rollout", "check")

    def to_json(self) -> dict[str, Any]:
        out = super().to_json()
        out.update(out.pop("extra"))
        if self.check is not None:
            out["check"] = self.check.to_json()
        return out

    def summary(self) -> str:
        top = ", ".join(f"{t['token']!r} ({t['share']:.0%})" for t in self.top[:2])
        what = f"{self.target!r}" + (f" rather than {self.contrast!r}" if self.contrast else "")
        text = f"{self.method}: the tokens pushing most towards {what} are {top}"
        if self.completeness_error_rel is not None:
            text += f"; completeness error {self.completeness_error_rel:.0%}"
        if self.check is not None:
            c = self.check
            text += (f"; {c.method} rank agreement: Spearman {c.spearman:.2f}, "
                     f"{'same' if c.top_match else 'a different'} top token")
        return text + "."

    def sentences(self, ref: str, cites: Sequence[str] = ()) -> str:
        what = TEXT["own_target" if self.target_is_models_own else "named_target"].format(target=self.target)
        if self.contrast:
            what = TEXT["contrast"].format(target=what, contrast=self.contrast)
        top = " and ".join(TEXT["top_item"].format(token=x["token"], share=x["share"]) for x in self.top[:2])
        parts = [TEXT["answer"].format(what=what, logprob=self.target_logprob, ref=ref,
                                       method=get_method(self.method).title, top=top)]
        if self.completeness_error_rel is not None:
            parts.append(TEXT["completeness"].format(error=self.completeness_error_rel, ref=ref))
        if self.check is not None:
            c = self.check
            parts.append(TEXT["agree" if c.agrees else "disagree"].format(
                method=get_method(c.method).title, rho=c.spearman, same="same" if c.top_match else "a different",
                ref=ref))
        if self.method == "attention":
            parts.append(TEXT["attention_caveat"])
        return " ".join(parts)

    def uncertainty(self) -> Uncertainty:
        if self.method == "attention":
            return Uncertainty.from_score(0.7, "attention weights show where information is read, not its effect")
        score = 0.2 if self.check is None else self.check.penalty
        parts = ["a single method, not cross-checked" if self.check is None else self.check.basis()]
        if self.completeness_error_rel is not None:
            score += min(0.3, self.completeness_error_rel)
            parts.append(f"completeness error {self.completeness_error_rel:.0%}")
        return Uncertainty.from_score(score, "; ".join(parts))


class AttributionTool(Tool):
    name = "attribution"
    description = "Which input tokens drove an output (integrated gradients, occlusion, saliency, ...)."
    inputs = {
        "prompt": Arg("string", "the text the model reads", required=True),
        "target": Arg("string", "the output to explain (null: the model's own next token)", nullable=True),
        "method": Arg("string", "attribution method (null: integrated_gradients, cross-checked)", nullable=True,
                      choices=lambda: tuple(m.name for m in list_methods()),
                      aliases=lambda: {a: m.name for m in list_methods() for a in (m.name, *m.aliases)}),
        "contrast": Arg("string", "explain the target rather than this alternative", nullable=True),
    }
    examples = (
        'Why did the model say "Paris" after "The capital of France is"?',
        'Why "Paris" rather than "Lyon" after "The capital of France is"?',
        'Which words made the model say "Paris" after "The capital of France is"? Use occlusion.',
    )
    follow_ups = {"Why?": ("generate", "logit_lens"), "Now with occlusion": ("attribution",)}

    def run(self, ctx: ToolContext, prompt: str, target: str | None, method: str | None,
            contrast: str | None) -> ToolResult:
        from talkscope.tools.engine.drawing import draw_later

        model = ctx.model
        enc = model.encode(prompt)
        chosen = method or DEFAULT_METHOD
        _refuse_if_too_long(chosen, len(enc))  # before the forward for the target: a refusal costs nothing
        own, own_logp = target is None, None
        if own:
            logits = model.next_token_logits(enc.tensor(model.device))[0]
            tgt = [int(logits.argmax())]
            own_logp = float(logits.log_softmax(-1)[tgt[0]])  # the score, from the same forward
            target = model.tokenizer.decode(tgt)
        else:
            tgt = target_ids(model, prompt, target, "target")
        con = target_ids(model, prompt, contrast, "contrast") if contrast is not None else None
        if con == tgt:
            raise TalkscopeError(f"the contrast {contrast!r} is the target itself, so every score would be 0: "
                                 "give a different alternative, e.g. \"Lyon\" for \"Paris\"")
        scorer = Scorer(model, enc.ids, tgt, con, enc.special)
        main = self._run_method(ctx, scorer, chosen, len(enc))
        check = None
        if method is None:
            second = "occlusion" if len(enc) <= OCCLUSION_CHECK_MAX_TOKENS else "saliency"
            check = self._agreement(enc, main, self._run_method(ctx, scorer, second, len(enc)), second)
        finding = self._finding(model, enc, scorer, chosen, main, target, contrast, own_logp, check)
        figure = draw_later(ctx.figure_path("attr"), "token_heatmap", enc.tokens, main.scores,
                               f"{chosen}: {target!r}" + (f" rather than {contrast!r}" if contrast else ""),
                               exclude=enc.special)
        return self.result(finding, figure)

    @staticmethod
    def _run_method(ctx: ToolContext, scorer: Scorer, method: str, n: int) -> Attribution:
        m = _refuse_if_too_long(method, n)
        with ctx.progress(m.work_rows(n), f"{method.replace('_', ' ')}") as advance:
            return m.attribute(scorer, progress=advance)

    @staticmethod
    def _finding(model: ModelAdapter, enc: Encoding, scorer: Scorer, method: str, attr: Attribution,
                 target: str, contrast: str | None, own_logp: float | None,
                 check: Agreement | None) -> AttributionFinding:
        logp = own_logp if own_logp is not None else _target_logprob(scorer, attr, contrast)
        own = own_logp is not None
        total = sum(abs(s) for s, sp in zip(attr.scores, enc.special) if not sp) or 1.0
        shares = [0.0 if sp else abs(s) / total for s, sp in zip(attr.scores, enc.special)]
        ranked = sorted((i for i, sp in enumerate(enc.special) if not sp), key=lambda i: -attr.scores[i])
        top = [{"token": enc.tokens[i], "position": i, "share": round(shares[i], 4)} for i in ranked[:3]]
        facts: dict[str, Any] = dict(attr.extra)
        if "rollout" in facts:
            facts["rollout"] = [round(v, 6) for v in facts["rollout"]]
        known = {f.name for f in fields(AttributionFinding)} - {"extra", "check"}
        return AttributionFinding(
            top=top, tokens=enc.tokens, scores=[round(s, 6) for s in attr.scores], method=method, target=target,
            contrast=contrast, target_logprob=round(logp, 6), target_is_models_own=own,
            target_tokens=[model.tokenizer.decode([t]) for t in scorer.target_ids], special=enc.special,
            shares=[round(s, 4) for s in shares], check=check,
            extra={k: v for k, v in facts.items() if k not in known}, **{k: v for k, v in facts.items() if k in known})

    @staticmethod
    def _agreement(enc: Encoding, main: Attribution, other: Attribution, method: str) -> Agreement:
        keep = [i for i, sp in enumerate(enc.special) if not sp]
        a = [main.scores[i] for i in keep]
        b = [other.scores[i] for i in keep]
        top_a, top_b = max(keep, key=lambda i: main.scores[i]), max(keep, key=lambda i: other.scores[i])
        return Agreement(method, [round(s, 6) for s in other.scores], round(_spearman(a, b), 4), top_a == top_b,
                         enc.tokens[top_b])


def _target_logprob(scorer: Scorer, attr: Attribution, contrast: str | None) -> float:
    """log p(target | prompt): the method's own unperturbed score when it is exactly that (no contrast), else
    one more forward (a short occlusion is about three forwards, so a fourth would be a third of its time)."""
    import torch

    if contrast is None and "score_input" in attr.extra:
        return float(attr.extra["score_input"])
    with torch.no_grad():
        return float(scorer._logprob(scorer.input_embeds[None], scorer.target_ids)[0])


def _refuse_if_too_long(method: str, n: int) -> type[Method]:
    """The method, unless a prompt of n tokens is over its limit (then a refusal naming the alternatives)."""
    m = get_method(method)
    if m.max_tokens is not None and n > m.max_tokens:
        raise TalkscopeError(f"{method} on {n:,} tokens would take {m.work_rows(n):,} forwards of the whole "
                             f"prompt; talkscope runs it on prompts up to {m.max_tokens:,} tokens: use "
                             "integrated_gradients or saliency for this prompt, or shorten it")
    return m

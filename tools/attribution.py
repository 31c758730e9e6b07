"""`attribution`: which input tokens drove an output, with several methods and a self-check.

Target: a text the user names (several tokens allowed: score = summed log-probability under teacher
forcing) or, by default, the model's own greedy next token. With `contrast`, the score is
log p(target) - log p(contrast): "why Paris rather than Lyon". The default method is integrated
gradients (32 Gauss-Legendre steps); it is cross-checked by a second, cheap method (occlusion, or
saliency for long prompts) and the rank agreement of the two sets the uncertainty.
"""

from __future__ import annotations

from typing import Any

from scipy.stats import spearmanr

from talkscope.tools.attr_methods import METHODS, Attribution, Scorer, work_rows
from talkscope.tools.base import Arg, Tool, ToolContext, ToolResult, Uncertainty
from talkscope.tools.errors import TalkscopeError
from talkscope.tools.figures import token_heatmap
from talkscope.tools.model import Encoding, ModelAdapter

DEFAULT_METHOD = "integrated_gradients"
OCCLUSION_CHECK_MAX_TOKENS = 256  # above this the cross-check is saliency (one backward)


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
    return float(spearmanr(a, b).statistic)


class AttributionTool(Tool):
    name = "attribution"
    description = "Which input tokens drove an output (integrated gradients, occlusion, saliency, ...)."
    inputs = {
        "prompt": Arg("str", "the text the model reads", required=True),
        "target": Arg("str|null", "the output to explain (null: the model's own next token)"),
        "method": Arg("str|null", "attribution method (null: integrated_gradients, cross-checked)",
                      choices=tuple(METHODS)),
        "contrast": Arg("str|null", "explain the target rather than this alternative"),
    }
    examples = (
        'Why did the model say "Paris" after "The capital of France is"?',
        'Why "Paris" rather than "Lyon" after "The capital of France is"?',
        'Which words made the model say "Paris" after "The capital of France is"? Use occlusion.',
    )

    def run(self, ctx: ToolContext, prompt: str, target: str | None, method: str | None,
            contrast: str | None) -> ToolResult:
        model = ctx.model
        enc = model.encode(prompt)
        own = target is None
        if own:
            target_tok = int(model.next_token_logits(enc.tensor(model.device))[0].argmax())
            tgt = [target_tok]
            target = model.tokenizer.decode(tgt)
        else:
            tgt = target_ids(model, prompt, target, "target")
        con = target_ids(model, prompt, contrast, "contrast") if contrast is not None else None
        scorer = Scorer(model, enc.ids, tgt, con, enc.special)
        chosen = method or DEFAULT_METHOD
        main = self._run_method(ctx, scorer, chosen, len(enc))
        data = self._data(model, enc, scorer, chosen, main, target, contrast, own)
        check = None
        if method is None:
            second = "occlusion" if len(enc) <= OCCLUSION_CHECK_MAX_TOKENS else "saliency"
            other = self._run_method(ctx, scorer, second, len(enc))
            check = self._agreement(enc, main, other, second)
            data["check"] = check
        figure = token_heatmap(ctx.figure_path("attr"), enc.tokens, main.scores,
                               f"{chosen}: {target!r}" + (f" rather than {contrast!r}" if contrast else ""),
                               exclude=enc.special)
        return ToolResult(self.name, {}, data, self._summary(data), self._uncertainty(data, check),
                          figure=str(figure))

    def _run_method(self, ctx: ToolContext, scorer: Scorer, method: str, n: int) -> Attribution:
        with ctx.progress(work_rows(method, n), f"{method.replace('_', ' ')}") as advance:
            return METHODS[method](scorer, progress=advance)

    @staticmethod
    def _data(model: ModelAdapter, enc: Encoding, scorer: Scorer, method: str, attr: Attribution,
              target: str, contrast: str | None, own: bool) -> dict[str, Any]:
        import torch

        with torch.no_grad():
            logp = float(scorer._logprob(scorer.input_embeds[None], scorer.target_ids)[0])
        total = sum(abs(s) for s, sp in zip(attr.scores, enc.special) if not sp) or 1.0
        shares = [0.0 if sp else abs(s) / total for s, sp in zip(attr.scores, enc.special)]
        ranked = sorted((i for i, sp in enumerate(enc.special) if not sp), key=lambda i: -attr.scores[i])
        top = [{"token": enc.tokens[i], "position": i, "share": round(shares[i], 4)} for i in ranked[:3]]
        return {
            "top": top,
            "tokens": enc.tokens, "scores": [round(s, 6) for s in attr.scores], "method": method,
            "target": target, "contrast": contrast, "target_logprob": round(logp, 6),
            "target_is_models_own": own, "target_tokens": [model.tokenizer.decode([t]) for t in scorer.target_ids],
            "special": enc.special, "shares": [round(s, 4) for s in shares],
            **{k: v for k, v in attr.extra.items() if k != "rollout"},
            **({"rollout": [round(v, 6) for v in attr.extra["rollout"]]} if "rollout" in attr.extra else {}),
        }

    @staticmethod
    def _agreement(enc: Encoding, main: Attribution, other: Attribution, method: str) -> dict[str, Any]:
        keep = [i for i, sp in enumerate(enc.special) if not sp]
        a = [main.scores[i] for i in keep]
        b = [other.scores[i] for i in keep]
        top_a, top_b = max(keep, key=lambda i: main.scores[i]), max(keep, key=lambda i: other.scores[i])
        return {"method": method, "scores": [round(s, 6) for s in other.scores],
                "spearman": round(_spearman(a, b), 4), "top_match": top_a == top_b,
                "top_token": enc.tokens[top_b]}

    @staticmethod
    def _summary(d: dict[str, Any]) -> str:
        top = ", ".join(f"{t['token']!r} ({t['share']:.0%})" for t in d["top"][:2])
        what = f"{d['target']!r}" + (f" rather than {d['contrast']!r}" if d["contrast"] else "")
        text = f"{d['method']}: the tokens pushing most towards {what} are {top}"
        if "completeness_error_rel" in d:
            text += f"; completeness error {d['completeness_error_rel']:.0%}"
        if "check" in d:
            c = d["check"]
            text += (f"; {c['method']} rank agreement: Spearman {c['spearman']:.2f}, "
                     f"{'same' if c['top_match'] else 'a different'} top token")
        return text + "."

    @staticmethod
    def _uncertainty(d: dict[str, Any], check: dict[str, Any] | None) -> Uncertainty:
        parts, score = [], 0.2
        if d["method"] == "attention":
            return Uncertainty.from_score(0.7, "attention weights show where information is read, not its effect")
        if check is not None:
            score = 0.5 * (1 - check["spearman"]) + (0.0 if check["top_match"] else 0.2)
            parts.append(f"{check['method']} rank agreement {check['spearman']:.2f}"
                         f"{'' if check['top_match'] else ', different top token'}")
        else:
            parts.append("a single method, not cross-checked")
        if "completeness_error_rel" in d:
            score += min(0.3, d["completeness_error_rel"])
            parts.append(f"completeness error {d['completeness_error_rel']:.0%}")
        return Uncertainty.from_score(score, "; ".join(parts))

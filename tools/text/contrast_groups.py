"""`contrast_groups`: how two groups of texts differ (distinguishing words, examples, a checked description)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from talkscope.tools.base import Arg, ToolContext, ToolResult, Uncertainty
from talkscope.tools.engine.errors import TalkscopeError
from talkscope.tools.engine.text import contrast as engine
from talkscope.tools.text.common import TextFinding, TextTool, quotes

GROUP = "a label (\"refund\"), a cluster (\"cluster 2\") or a condition (\"product == 'router'\")"


@dataclass
class ContrastFinding(TextFinding):
    group_a: str
    group_b: str
    n_a: int
    n_b: int
    words_a: list[dict[str, Any]]  # {term, z, count_a, count_b}
    words_b: list[dict[str, Any]]
    examples_a: list[int]
    examples_b: list[int]
    description: str  # written by the local model
    description_by: str
    check: dict[str, Any]  # {auroc, interval, fit_a, fit_b, separates}

    def summary(self) -> str:
        wa = ", ".join(f"{w['term']} (z={w['z']:.1f})" for w in self.words_a[:6]) or "none significant"
        wb = ", ".join(f"{w['term']} (z={w['z']:.1f})" for w in self.words_b[:6]) or "none significant"
        c = self.check
        verdict = "separates the groups" if c["separates"] else "does NOT separate the groups"
        return (f"{self.group_a} ({self.n_a} texts) against {self.group_b} ({self.n_b}): words typical of "
                f"{self.group_a}: {wa}; of {self.group_b}: {wb}. The model ({self.description_by}) describes "
                f"{self.group_a} as: \"{self.description}\" Checked against the data, this description {verdict}: "
                f"{c['fit_a']} of {self.n_a} vs {c['fit_b']} of {self.n_b} texts fit it (AUROC {c['auroc']:.2f}, "
                f"95% CI {c['interval'][0]:.2f} to {c['interval'][1]:.2f})")

    def uncertainty(self) -> Uncertainty:
        strong = sum(1 for w in self.words_a + self.words_b if abs(w["z"]) >= 1.96)
        basis = (f"{strong} terms with |z| >= 1.96 (log-odds, informative Dirichlet prior); the description is "
                 f"model-written and {'holds' if self.check['separates'] else 'fails'} on the data")
        return self.base_uncertainty(0.15 if strong >= 3 else 0.5, basis)


class ContrastGroupsTool(TextTool):
    name = "contrast_groups"
    description = "How two groups of texts differ (two labels, two clusters or two filters): the words that " \
                  "separate them (log-odds with an informative prior, z-scores), examples of each, and a " \
                  "model-written description checked against the data."
    inputs = {"group_a": Arg("string", f"one group: {GROUP}", required=True),
              "group_b": Arg("string", "the other group (empty: every other text)", nullable=True)}
    examples = ("How do refund texts differ from billing ones?", "What sets cluster 2 apart?")
    follow_ups = {"And praise against the rest?": ("contrast_groups",)}

    def run(self, ctx: ToolContext, group_a: str, group_b: str | None) -> ToolResult:
        state = ctx.texts
        data = state.data
        mask_a, name_a = state.mask(group_a)
        if group_b is None or not group_b.strip() or group_b.strip().lower() in ("rest", "the rest", "others", "all"):
            mask_b, name_b = ~mask_a, f"not {name_a}"
        else:
            mask_b, name_b = state.mask(group_b)
            mask_b = mask_b & ~mask_a
        pa, pb = np.flatnonzero(mask_a), np.flatnonzero(mask_b)
        for name, p in ((name_a, pa), (name_b, pb)):
            if len(p) < 2:
                raise TalkscopeError(f"{name} holds {len(p)} texts: a contrast needs at least 2 on each side")
        texts = data.texts
        words_a, words_b = engine.log_odds([texts[i] for i in pa], [texts[i] for i in pb], texts)
        vectors = state.vectors(ctx.progress)
        ex_a, ex_b = _typical(vectors, pa, pb), _typical(vectors, pb, pa)
        description = self._describe(ctx, name_a, name_b, words_a, words_b, [texts[i] for i in ex_a],
                                     [texts[i] for i in ex_b])
        from talkscope.retrieval.embed import load_embedder

        dvec = np.asarray(load_embedder().encode([description]), dtype=np.float32)[0]
        check = engine.check_description(dvec, vectors[pa], vectors[pb])
        as_json = lambda ws: [{"term": w.term, "z": round(w.z, 3), "count_a": w.count_a, "count_b": w.count_b}  # noqa: E731
                              for w in ws]
        flags = [f"{name} has only {len(p)} texts" for name, p in ((name_a, pa), (name_b, pb)) if len(p) < 30]
        finding = ContrastFinding(
            name_a, name_b, len(pa), len(pb), as_json(words_a), as_json(words_b), [data.ids[i] for i in ex_a],
            [data.ids[i] for i in ex_b], description, ctx.model.name,
            {"auroc": round(check.auroc, 4), "interval": [round(check.low, 4), round(check.high, 4)],
             "fit_a": check.fit_a, "fit_b": check.fit_b, "separates": check.separates},
            texts=f"{name_a}: {len(pa)} texts; {name_b}: {len(pb)} texts", reader=ctx.model.name,
            flags=flags + data.notes, quoted=quotes(ctx, ex_a[:2] + ex_b[:2]))
        return self.result(finding, self._figure(ctx, words_a, words_b, name_a, name_b))

    @staticmethod
    def _describe(ctx: ToolContext, name_a: str, name_b: str, words_a: list[engine.Term], words_b: list[engine.Term],
                  ex_a: list[str], ex_b: list[str]) -> str:
        from talkscope.tools.engine.generation import continue_prompts

        prompt = engine.description_prompt(name_a, name_b, [w.term for w in words_a[:8]],
                                           [w.term for w in words_b[:8]], ex_a[:3], ex_b[:3])
        out = continue_prompts(ctx.model, [prompt], max_new_tokens=30, scores=False)[0]
        return f"unlike {name_b}, {name_a} texts are mostly about " + engine.first_sentence(out.text)

    @staticmethod
    def _figure(ctx: ToolContext, words_a: list[engine.Term], words_b: list[engine.Term], name_a: str,
                name_b: str) -> Any:
        from talkscope.tools.engine.drawing import draw_later

        if not words_a and not words_b:
            return None
        return draw_later(ctx.figure_path("contrast"), "talkscope.tools.engine.text.figures:word_bars",
                          [w.term for w in words_a], [w.z for w in words_a], [w.term for w in words_b],
                          [w.z for w in words_b], name_a, name_b, f"What separates {name_a} from {name_b}"[:90])


def _typical(vectors: np.ndarray, inside: np.ndarray, outside: np.ndarray, k: int = 3) -> list[int]:
    """The texts of a group most like their own group and least like the other (difference of mean cosines)."""
    ca, cb = vectors[inside].mean(0), vectors[outside].mean(0)
    score = vectors[inside] @ (ca - cb)
    return inside[np.argsort(-score)[:k]].tolist()

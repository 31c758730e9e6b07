"""`contrast_groups`: how two groups of texts differ (distinguishing words, examples, a checked description)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from talkscope.tools.base import Arg, ToolContext, ToolResult, Uncertainty
from talkscope.tools.engine.errors import TalkscopeError
from talkscope.tools.engine.text import contrast as engine
from talkscope.tools.text.common import TextFinding, TextTool, quotes

REST = re.compile(r"^\s*(?:the\s+)?(?:rest|others?|everything\s+else|every\s*(?:thing|one)\s+else|all(?:\s+the)?"
                  r"(?:\s+(?:rest|others))?|all\s+other\s+\w+)\s*$", re.IGNORECASE)
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
    check: dict[str, Any]  # {auroc, interval, fit_a, fit_b, n_a, n_b, separates} on the held-out halves

    def summary(self) -> str:
        wa = ", ".join(f"{w['term']} (z={w['z']:.1f})" for w in self.words_a[:6]) or "none"
        wb = ", ".join(f"{w['term']} (z={w['z']:.1f})" for w in self.words_b[:6]) or "none"
        c = self.check
        text = (f"{self.group_a} ({self.n_a} texts) against {self.group_b} ({self.n_b}): words typical of "
                f"{self.group_a}: {wa}; of {self.group_b}: {wb}. The model ({self.description_by}), shown half of "
                f"each group, wrote: \"{self.description}\"")
        if c["separates"] is None:
            return text + " (too few texts to check it on the other half)"
        verdict = "separates the groups" if c["separates"] else "does NOT separate the groups"
        return (text + f" Checked on the other half, this description {verdict}: {c['fit_a']} of {c['n_a']} vs "
                f"{c['fit_b']} of {c['n_b']} texts fit it (AUROC {c['auroc']:.2f}, 95% CI {c['interval'][0]:.2f} to "
                f"{c['interval'][1]:.2f})")

    def uncertainty(self) -> Uncertainty:
        strong = sum(1 for w in self.words_a + self.words_b if abs(w["z"]) >= engine.STRONG_Z)
        held = self.check["separates"]
        basis = (f"{strong} terms with |z| >= {engine.STRONG_Z} (log-odds, informative Dirichlet prior; many terms are "
                 f"scored, so a weaker z is not a finding); the model's description "
                 + ("holds on held-out texts" if held else "fails on held-out texts" if held is False else
                    "could not be checked"))
        return self.base_uncertainty((0.1 if strong >= 3 else 0.45) + (0 if held else 0.25), basis)


class ContrastGroupsTool(TextTool):
    name = "contrast_groups"
    description = "How two groups of texts differ (two labels, two clusters or two filters): the words that " \
                  "separate them (log-odds with an informative prior, z-scores), examples of each, and a " \
                  "model-written description checked against the data."
    inputs = {"group_a": Arg("string", f"one group: {GROUP}", required=True),
              "group_b": Arg("string", "the other group (empty: every other text)", nullable=True)}
    examples = ("How do refund texts differ from billing ones?", "What sets cluster 2 apart?")
    follow_ups = {"And praise against the rest?": ("contrast_groups",),
                  "How does cluster 0 differ from cluster 1?": ("topics",)}

    def run(self, ctx: ToolContext, group_a: str, group_b: str | None) -> ToolResult:
        state = ctx.texts
        data = state.data
        mask_a, name_a = state.mask(group_a)
        if group_b is None or not group_b.strip() or REST.match(group_b):
            mask_b, name_b = ~mask_a, f"not {name_a}"
        else:
            mask_b, name_b = state.mask(group_b)
            if name_b == name_a:
                raise TalkscopeError(f"both groups are {name_a}: name two different groups, or one and 'the rest'")
            if (mask_a & mask_b).any():
                name_b = f"{name_b}, less the {int((mask_a & mask_b).sum())} texts also in {name_a}"
            mask_b = mask_b & ~mask_a
        pa, pb = np.flatnonzero(mask_a), np.flatnonzero(mask_b)
        for name, p in ((name_a, pa), (name_b, pb)):
            if len(p) < 2:
                raise TalkscopeError(f"{name} holds {len(p)} texts: a contrast needs at least 2 on each side")
        texts = data.texts
        words_a, words_b = engine.log_odds(texts, mask_a, mask_b)
        vectors = state.vectors(ctx.progress)
        (fit_a, test_a), (fit_b, test_b) = engine.halves(pa), engine.halves(pb)
        ex_a, ex_b = _typical(vectors, fit_a, fit_b), _typical(vectors, fit_b, fit_a)
        half_a, half_b = np.zeros(len(texts), bool), np.zeros(len(texts), bool)
        half_a[fit_a], half_b[fit_b] = True, True
        prompt_a, prompt_b = engine.log_odds(texts, half_a, half_b)
        about = self._describe(ctx, name_a, name_b, prompt_a, prompt_b, [texts[i] for i in ex_a],
                               [texts[i] for i in ex_b])
        check = self._check(about, vectors, test_a, test_b)
        as_json = lambda ws: [{"term": w.term, "z": round(w.z, 3), "count_a": w.count_a, "count_b": w.count_b}  # noqa: E731
                              for w in ws]
        flags = [f"{name} has only {len(p)} texts" for name, p in ((name_a, pa), (name_b, pb)) if len(p) < 30]
        finding = ContrastFinding(
            name_a, name_b, len(pa), len(pb), as_json(words_a), as_json(words_b), [data.ids[i] for i in ex_a],
            [data.ids[i] for i in ex_b], f"unlike {name_b}, {name_a} texts are mostly about {about}",
            ctx.model.name, check, texts=f"{name_a}: {len(pa)} texts; {name_b}: {len(pb)} texts",
            reader=ctx.model.name, flags=flags, notes=data.notes, quoted=quotes(ctx, ex_a[:2] + ex_b[:2]))
        return self.result(finding, self._figure(ctx, words_a, words_b, name_a, name_b))

    @staticmethod
    def _check(about: str, vectors: np.ndarray, test_a: np.ndarray, test_b: np.ndarray) -> dict[str, Any]:
        """The description (the model's words alone) against the held-out halves."""
        if len(test_a) < 2 or len(test_b) < 2:
            return {"auroc": None, "interval": None, "fit_a": None, "fit_b": None, "n_a": len(test_a),
                    "n_b": len(test_b), "separates": None}
        from talkscope.retrieval.embed import load_embedder

        dvec = np.asarray(load_embedder().encode([about]), dtype=np.float32)[0]
        c = engine.check_description(dvec, vectors[test_a], vectors[test_b])
        return {"auroc": round(c.auroc, 4), "interval": [round(c.low, 4), round(c.high, 4)], "fit_a": c.fit_a,
                "fit_b": c.fit_b, "n_a": c.n_a, "n_b": c.n_b, "separates": c.separates}

    @staticmethod
    def _describe(ctx: ToolContext, name_a: str, name_b: str, words_a: list[engine.Term], words_b: list[engine.Term],
                  ex_a: list[str], ex_b: list[str]) -> str:
        from talkscope.tools.engine.generation import continue_prompts

        prompt = engine.description_prompt(name_a, name_b, [w.term for w in words_a[:8]],
                                           [w.term for w in words_b[:8]], ex_a[:3], ex_b[:3])
        out = continue_prompts(ctx.model, [prompt], max_new_tokens=30, scores=False)[0]
        return engine.first_sentence(out.text)

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

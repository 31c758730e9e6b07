"""Table tools that explain the model: `importance` (global), `explain` (one row, cross-checked by SHAP),
`interactions` (the EBM's pair terms) and `counterfactual` (the smallest change that flips a row)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from talkscope.tools.base import Arg, ToolContext, ToolResult, Uncertainty
from talkscope.tools.engine.errors import TalkscopeError
from talkscope.tools.engine.table import analysis
from talkscope.tools.table.common import (
    FILTER,
    ROW,
    TableFinding,
    TableTool,
    column_named,
    headline,
    row_text,
    selection_flags,
)

AGREE = 0.5  # Spearman at or above which SHAP is said to agree with the EBM's own contributions


def _ebm(ctx: ToolContext, what: str) -> Any:
    fitted = ctx.table.fitted(ctx.progress)
    if not fitted.is_ebm:
        raise TalkscopeError(f"{what} reads the EBM's own terms; your model has none: leave out --model-file")
    return fitted


@dataclass
class ImportanceFinding(TableFinding):
    ranked: list[dict[str, Any]]  # {term, score, interval: [low, high]} in ranked order
    n: int

    def summary(self) -> str:
        if not self.ranked:
            return "No rows to measure importance on"
        top = ", ".join(f"{r['term']} ({r['score']:.3g}, 95% CI {r['interval'][0]:.3g}-{r['interval'][1]:.3g})"
                        for r in self.ranked[:3])
        return f"The terms that move the model's predictions most over {self.n} rows: {top}"

    def uncertainty(self) -> Uncertainty:
        if len(self.ranked) < 2:
            return self.base_uncertainty(0.5, "too few terms to rank")
        a, b = self.ranked[0], self.ranked[1]
        overlap = a["interval"][0] <= b["interval"][1]
        return self.base_uncertainty(0.4 if overlap else 0.1, "the top two terms' bootstrap intervals " +
                                     ("overlap" if overlap else "are apart"))


class ImportanceTool(TableTool):
    name = "importance"
    description = "Which features matter most to the model (EBM term importances: mean |contribution| with " \
                  "bootstrap intervals), overall or on a filter."
    inputs = {"filter": FILTER, "top": Arg("integer", "how many terms to list", default=10)}
    examples = ("What are the most important features?", "Which features matter most for them?")

    def run(self, ctx: ToolContext, filter: str | None, top: int) -> ToolResult:  # noqa: A002
        if top < 1:
            raise TalkscopeError("top must be 1 or more: how many terms to list")
        fitted = _ebm(ctx, "importance")
        sel = ctx.table.select(filter)
        ranked: list[dict[str, Any]] = []
        figure = None
        if sel.n:
            terms, contrib, _ = analysis.contributions(fitted, ctx.table.table.frame.loc[sel.ids])
            mean, lo, hi = analysis.bootstrap_mean_abs(contrib)
            order = np.argsort(-mean, kind="stable")[:top]
            ranked = [{"term": terms[i], "score": round(float(mean[i]), 5),
                       "interval": [round(float(lo[i]), 5), round(float(hi[i]), 5)]} for i in order]
            from talkscope.tools.engine.drawing import draw_later

            figure = draw_later(ctx.figure_path("importance"), "importance_bars", [r["term"] for r in ranked],
                                [r["score"] for r in ranked], [r["interval"][0] for r in ranked],
                                [r["interval"][1] for r in ranked], f"EBM term importance · {sel.describe()}")
        return self.result(ImportanceFinding(ranked, sel.n, rows=sel.describe(), model=headline(ctx),
                                             flags=selection_flags(sel)), figure)


@dataclass
class ExplainFinding(TableFinding):
    row: int
    prediction: Any
    score_of: str  # what the contributions add up to
    intercept: float
    contributions: list[dict[str, Any]]  # {term, value} largest |value| first
    shap: dict[str, Any] | None  # {spearman, top_match, top_feature, values: {feature: value}}

    def summary(self) -> str:
        top = ", ".join(f"{c['term']} {c['value']:+.3g}" for c in self.contributions[:3])
        return f"Row {self.row} is predicted {_v(self.prediction)}; the largest contributions to {self.score_of} " \
               f"are {top} (intercept {self.intercept:+.3g})"

    def words(self) -> str:
        text = self.summary()
        if self.shap:
            s = self.shap
            if s["spearman"] >= AGREE and s["top_match"]:
                text += f". SHAP agrees (rank correlation {s['spearman']:.2f} over features, same top feature)"
            elif s["spearman"] >= AGREE:
                text += (f". SHAP ranks the features alike (rank correlation {s['spearman']:.2f}) but puts "
                         f"{s['top_feature']} first")
            else:
                text += (f". SHAP disagrees (rank correlation {s['spearman']:.2f}; its top feature is "
                         f"{s['top_feature']})")
        return text

    def uncertainty(self) -> Uncertainty:
        if not self.shap:
            return self.base_uncertainty(0.2, "the EBM's own additive terms (exact for this model); no SHAP check")
        s = self.shap
        penalty = 0.5 * (1 - s["spearman"]) + (0.0 if s["top_match"] else 0.2)
        return self.base_uncertainty(0.05 + penalty, f"SHAP rank agreement {s['spearman']:.2f}" +
                                     ("" if s["top_match"] else ", different top feature"))


def _v(x: Any) -> str:
    return f"{x:.4g}" if isinstance(x, float) else str(x)


class ExplainTool(TableTool):
    name = "explain"
    description = "Why the model predicted what it did for one row: the EBM's additive contributions, " \
                  "cross-checked with SHAP."
    inputs = {"row": Arg("integer", ROW.description, required=True)}
    examples = ("Why was row 12 predicted that way?", "Explain that prediction")

    def run(self, ctx: ToolContext, row: int) -> ToolResult:
        ctx.table.row(row)
        fitted = _ebm(ctx, "explain")
        t = ctx.table.table
        x = t.frame.iloc[[row]]
        pred = fitted.predict(x)[0]
        cls = fitted.classes.index(str(pred)) if len(fitted.classes) > 2 else None
        terms, contrib, intercept = analysis.contributions(fitted, x, cls if cls is not None else 0)
        values = contrib[0]
        order = np.argsort(-np.abs(values), kind="stable")
        items = [{"term": terms[i], "value": round(float(values[i]), 5)} for i in order]
        score_of = ("the regression output" if fitted.task == "regression" else
                    f"the log-odds of {fitted.classes[1]}" if len(fitted.classes) == 2 else f"the score of {pred}")
        with ctx.progress(1, "Checking with SHAP") as advance:
            background = t.frame.sample(min(100, len(t.frame)), random_state=0)
            shap = analysis.shap_values(fitted, background, x, cls)
            advance(1)
        own = analysis.per_feature(terms, values, fitted.features)
        from scipy.stats import spearmanr

        rho = float(spearmanr(own, shap).statistic) if np.std(own) > 0 and np.std(shap) > 0 else 0.0
        check = {"spearman": round(rho, 4), "top_match": int(np.argmax(np.abs(own))) == int(np.argmax(np.abs(shap))),
                 "top_feature": fitted.features[int(np.argmax(np.abs(shap)))],
                 "values": {f: round(float(v), 5) for f, v in zip(fitted.features, shap)}}
        from talkscope.tools.engine.drawing import draw_later

        shown = items[:12]
        figure = draw_later(ctx.figure_path("explain"), "waterfall", intercept, [c["term"] for c in shown],
                            [c["value"] for c in shown], f"Row {row}: predicted {_v(pred)}", score_of)
        pred_out = str(pred) if fitted.task == "classification" else round(float(pred), 4)
        finding = ExplainFinding(row, pred_out, score_of, round(intercept, 5), items, check, rows=f"row {row}",
                                 model=headline(ctx), quoted=[(row, row_text(ctx, row))])
        return self.result(finding, figure)


@dataclass
class InteractionsFinding(TableFinding):
    pairs: list[dict[str, Any]]  # {pair, score, interval} ranked
    feature: str | None

    def summary(self) -> str:
        if not self.pairs:
            about = f" involving {self.feature}" if self.feature else ""
            return f"The model has no pair terms{about}: it treats those features additively"
        top = ", ".join(f"{p['pair']} ({p['score']:.3g})" for p in self.pairs[:3])
        return f"The model's strongest pair terms{' with ' + self.feature if self.feature else ''}: {top}"

    def uncertainty(self) -> Uncertainty:
        return self.base_uncertainty(0.25, "the EBM keeps only the pairs its interaction detection chose (5 here); "
                                           "a pair it did not keep may still interact in the data")


class InteractionsTool(TableTool):
    name = "interactions"
    description = "Which features interact in the model: the EBM's pair terms, ranked by mean |contribution|."
    inputs = {"filter": FILTER, "feature": Arg("string", "only pairs with this feature", nullable=True)}
    examples = ("Which features interact?", "Does the top feature interact with anything?")

    def run(self, ctx: ToolContext, filter: str | None, feature: str | None) -> ToolResult:  # noqa: A002
        name = column_named(ctx, feature) if feature else None
        fitted = _ebm(ctx, "interactions")
        sel = ctx.table.select(filter)
        pairs: list[dict[str, Any]] = []
        if sel.n:
            terms, contrib, _ = analysis.contributions(fitted, ctx.table.table.frame.loc[sel.ids])
            mean, lo, hi = analysis.bootstrap_mean_abs(contrib)
            for i in np.argsort(-mean, kind="stable"):
                parts = terms[i].split(" & ")
                if len(parts) == 2 and (name is None or name in parts):
                    pairs.append({"pair": terms[i], "score": round(float(mean[i]), 5),
                                  "interval": [round(float(lo[i]), 5), round(float(hi[i]), 5)]})
        return self.result(InteractionsFinding(pairs, name, rows=sel.describe(), model=headline(ctx),
                                               flags=selection_flags(sel)))


@dataclass
class CounterfactualFinding(TableFinding):
    row: int
    original: Any
    found: bool
    changes: list[dict[str, Any]]  # {feature, from, to}
    distance: float | None  # in interquartile ranges (numbers) + 1 per category changed
    new_prediction: Any
    probability: float | None
    immutable: list[str]
    tried: int

    def summary(self) -> str:
        if not self.found:
            return (f"No change of one or two features flips row {self.row} from {self.original} "
                    f"({self.tried} candidates tried" + (f", keeping {', '.join(self.immutable)} fixed)" if
                                                        self.immutable else ")"))
        ch = ", ".join(f"{c['feature']} {_v(c['from'])} -> {_v(c['to'])}" for c in self.changes)
        prob = f" (probability {self.probability:.2f})" if self.probability is not None else ""
        return (f"The smallest change found that flips row {self.row} from {self.original} to "
                f"{self.new_prediction}{prob}: {ch}; distance {self.distance:.3g}")

    def uncertainty(self) -> Uncertainty:
        if not self.found:
            return self.base_uncertainty(0.5, "searched single changes and pairs of the six most sensitive "
                                              "features only")
        return self.base_uncertainty(0.2, "nearest flip among the observed quantiles of each feature and pairs, "
                                          "refined by bisection; a smaller one may exist off that grid")


class CounterfactualTool(TableTool):
    name = "counterfactual"
    description = "The smallest change to a row that flips the model's prediction, keeping named features fixed."
    inputs = {"row": Arg("integer", ROW.description, required=True),
              "immutable": Arg("array", "features that must not change", nullable=True, items="string")}
    examples = ("What is the smallest change that would flip row 12?", "What would flip it if the first feature "
                "stays fixed?")

    def run(self, ctx: ToolContext, row: int, immutable: list[str] | None) -> ToolResult:
        t = ctx.table.table
        if t.schema.task != "classification":
            raise TalkscopeError("a counterfactual flips a class, and this model predicts a number: ask a what-if "
                                 "instead (e.g. 'what if bmi were 25?')")
        ctx.table.row(row)
        fixed = [column_named(ctx, f) for f in immutable or []]
        fitted = ctx.table.fitted(ctx.progress)
        kinds = {f: t.schema.columns[f].kind for f in t.features}
        with ctx.progress(2, f"Searching counterfactuals for row {row}") as advance:
            flip, tried = analysis.counterfactual(fitted, t.X, row, kinds, set(fixed), advance)
        original = str(fitted.predict(t.frame.iloc[[row]])[0])
        changes = [{"feature": f, "from": a, "to": b} for f, (a, b) in (flip.changes.items() if flip else [])]
        finding = CounterfactualFinding(row, original, flip is not None, changes, flip.distance if flip else None,
                                        flip.prediction if flip else None, flip.probability if flip else None, fixed,
                                        tried, rows=f"row {row}", model=headline(ctx),
                                        quoted=[(row, row_text(ctx, row))])
        return self.result(finding)

"""Table tools that judge the model: `score` and `mistakes`. Both read cross-fitted predictions (each row
predicted by an EBM fitted without it), so a score on a filter is a held-out score, not a training score. A user's
own model cannot be refitted: its own predictions are read, and the answer says so."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from talkscope.tools.base import Arg, ToolContext, ToolResult, Uncertainty
from talkscope.tools.engine.errors import TalkscopeError
from talkscope.tools.engine.table.analysis import Slice, slice_search
from talkscope.tools.engine.table.fit import label_metrics, metrics, value_metrics
from talkscope.tools.table.common import FILTER, TableFinding, TableTool, headline, selection_flags

METRICS = ("accuracy", "f1", "auroc", "precision", "recall", "mae", "rmse", "r2")
BOOTSTRAP = 200


def _scored(ctx: ToolContext, filter: str | None) -> tuple[Any, Any, np.ndarray, np.ndarray, Any]:  # noqa: A002
    state = ctx.table
    sel = state.select(filter)
    cross = np.asarray(state.cross_fitted(ctx.progress), dtype=object)[sel.ids]
    truth = state.table.frame.loc[sel.ids, state.table.target].to_numpy()
    return state, sel, truth, cross, state.fitted()


def _bootstrap(fitted: Any, truth: np.ndarray, cross: np.ndarray, wanted: list[str]) -> dict[str, list[float]]:
    """Each metric over BOOTSTRAP resamples of the rows (numpy counts; see `label_metrics`)."""
    rng = np.random.default_rng(0)
    boots: dict[str, list[float]] = {k: [] for k in wanted}
    n = len(truth)
    if fitted.task == "classification":
        codes = {c: i for i, c in enumerate(fitted.classes)}
        t = np.array([codes.get(str(v), 0) for v in truth])
        p = np.array([codes.get(str(v), 0) for v in cross])
    else:
        t, p = truth.astype(float), cross.astype(float)
    for _ in range(BOOTSTRAP if n > 1 else 0):
        i = rng.integers(0, n, n)
        s = label_metrics(t[i], p[i], len(fitted.classes)) if fitted.task == "classification" else \
            value_metrics(t[i], p[i])
        for k in wanted:
            boots[k].append(s[k])
    return boots


@dataclass
class ScoreFinding(TableFinding):
    scores: dict[str, list[float]]  # metric -> [value, low, high] (bootstrap 95% over rows)
    n: int
    baseline: dict[str, float]  # the baseline's score on the model's held-out split

    def summary(self) -> str:
        if not self.scores:
            return "No rows to score"
        parts = [f"{k} {v[0]:.3f} (95% CI {v[1]:.3f}-{v[2]:.3f})" for k, v in self.scores.items()]
        how = "Cross-fitted" if not self.flags or not any("own predictions" in f for f in self.flags) else "Scored"
        return f"{how} over {self.n} rows: " + ", ".join(parts)

    def uncertainty(self) -> Uncertainty:
        widths = [v[2] - v[1] for v in self.scores.values() if v[2] == v[2]]
        width = max(widths) if widths else 1.0
        return self.base_uncertainty(min(1.0, width), f"bootstrap interval width {width:.3f} over {self.n} rows")


class ScoreTool(TableTool):
    name = "score"
    description = "How accurate the model is (on a filter), with bootstrap intervals, from cross-fitted predictions."
    inputs = {"filter": FILTER, "metric": Arg("string", "one metric (empty: all that fit the task)", nullable=True,
                                              choices=METRICS)}
    examples = ("How accurate is the model?", "What is its F1 score on them?")

    def run(self, ctx: ToolContext, filter: str | None, metric: str | None) -> ToolResult:  # noqa: A002
        task = ctx.table.table.schema.task
        fits = ("mae", "rmse", "r2") if task == "regression" else ("accuracy", "f1", "precision", "recall", "auroc")
        if metric is not None and metric not in fits:
            raise TalkscopeError(f"{metric} does not fit this task ({task}): choose one of {', '.join(fits)}")
        state, sel, truth, cross, fitted = _scored(ctx, filter)
        all_scores = metrics(fitted.task, truth, cross, None, fitted.classes) if sel.n else {}
        if metric is not None and metric not in all_scores and sel.n:
            fits = ", ".join(all_scores)
            reason = " (it needs probabilities; cross-fitted scores use labels)" if metric == "auroc" else ""
            raise TalkscopeError(f"{metric} does not fit this task{reason}: choose one of {fits}")
        wanted = [metric] if metric else list(all_scores)
        boots = _bootstrap(fitted, truth, cross, wanted)
        scores = {k: [round(all_scores[k], 4), round(float(np.nanpercentile(boots[k], 2.5)), 4) if boots[k] else
                      float("nan"), round(float(np.nanpercentile(boots[k], 97.5)), 4) if boots[k] else float("nan")]
                  for k in wanted}
        baseline = {k: round(v, 4) for k, v in fitted.baseline.items()}
        return self.result(ScoreFinding(scores, sel.n, baseline, rows=sel.describe(), model=headline(ctx),
                                        flags=selection_flags(sel) + own(fitted)))


@dataclass
class MistakesFinding(TableFinding):
    n: int
    errors: int | None  # classification: wrong predictions
    error: float  # error rate or mean absolute error
    confusions: list[dict[str, Any]] | None  # {true, predicted, count}, most common first
    slices: list[dict[str, Any]]  # the worst subgroups
    examples: list[int]  # ids of wrong (or worst) rows

    def summary(self) -> str:
        if not self.n:
            return "No rows"
        if self.errors is not None:
            head = f"The model is wrong on {self.errors} of {self.n} rows ({self.error:.1%}, cross-fitted)"
            if self.confusions:
                c = self.confusions[0]
                head += f"; most often it calls {c['true']} {c['predicted']} ({c['count']} rows)"
        else:
            head = f"The model's mean absolute error over {self.n} rows is {self.error:.4g} (cross-fitted)"
        if self.slices:
            s = self.slices[0]
            what = "error rate" if self.errors is not None else "mean absolute error"
            head += (f". The worst subgroup is {s['condition']}: {what} {s['error']:.3g} (95% CI "
                     f"{s['interval'][0]:.3g}-{s['interval'][1]:.3g}) over {s['size']} rows")
        return head

    def uncertainty(self) -> Uncertainty:
        if not self.slices:
            return self.base_uncertainty(0.5, "no subgroup large enough to single out")
        s = self.slices[0]
        return self.base_uncertainty(min(1.0, s["interval"][1] - s["interval"][0]),
                                     f"the worst subgroup's interval spans {s['interval'][0]:.3g}-"
                                     f"{s['interval'][1]:.3g}; subgroups were searched, so the top one is "
                                     "optimistic")


class MistakesTool(TableTool):
    name = "mistakes"
    description = "Where and how the model errs: its confusions and the subgroup (one or two conditions) with the " \
                  "highest error."
    inputs = {"filter": FILTER}
    examples = ("Where does the model make mistakes?", "Which group does the model get most wrong?")

    def run(self, ctx: ToolContext, filter: str | None) -> ToolResult:  # noqa: A002
        state, sel, truth, cross, fitted = _scored(ctx, filter)
        t = state.table
        frame = t.frame.loc[sel.ids]
        cls = fitted.task == "classification"
        errors = (truth.astype(str) != cross.astype(str)).astype(float) if cls else \
            np.abs(truth.astype(float) - cross.astype(float))
        confusions = None
        if cls:
            pairs: dict[tuple[str, str], int] = {}
            for a, b in zip(truth.astype(str), cross.astype(str)):
                if a != b:
                    pairs[(a, b)] = pairs.get((a, b), 0) + 1
            confusions = [{"true": a, "predicted": b, "count": c}
                          for (a, b), c in sorted(pairs.items(), key=lambda kv: -kv[1])]
        kinds = {f: t.schema.columns[f].kind for f in t.features}
        slices: list[Slice] = slice_search(frame, t.features, kinds, errors, cls, max(10, sel.n // 50)) \
            if sel.n >= 20 else []
        worst = [sel.ids[i] for i in np.argsort(-errors, kind="stable")[:5] if errors[i] > 0]
        return self.result(MistakesFinding(sel.n, int(errors.sum()) if cls else None,
                                           round(float(errors.mean()), 4) if sel.n else 0.0, confusions,
                                           [s.to_json() for s in slices], worst, rows=sel.describe(),
                                           model=headline(ctx), flags=selection_flags(sel) + own(fitted)))


def own(fitted: Any) -> list[str]:
    """The flag of a score read from a user's model's own predictions (talkscope cannot refit it)."""
    return [] if fitted.is_ebm else ["your model's own predictions: it may have been trained on these rows, so "
                                     "this is not a held-out score"]

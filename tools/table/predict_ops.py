"""Table tools that ask the model: `predict`, `likelihood` (class probabilities) and `what_if`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from talkscope.tools.base import Arg, ToolContext, ToolResult, Uncertainty
from talkscope.tools.engine.errors import TalkscopeError
from talkscope.tools.engine.table import edits
from talkscope.tools.table.common import (
    FILTER,
    MAX_ROWS_JSON,
    ROW,
    TableFinding,
    TableTool,
    headline,
    row_text,
    selection_flags,
)

INSTANCE = Arg("string", "a made-up row: feature = value pairs (\"age = 45, bmi = 30\") or plain words; features "
                         "not given take the data's median or most common value", nullable=True)


def _rows(ctx: ToolContext, filter: str | None, row: int | None, instance: str | None) -> tuple[Any, str, list[str],  # noqa: A002
                                                                                                     list[int] | None]:
    """(the rows to predict, how to describe them, flags, their ids or None for a made-up row)."""
    state = ctx.table
    t = state.table
    if sum(x is not None for x in (row, instance)) > 1:
        raise TalkscopeError("give a row or an instance, not both")
    if row is not None:
        state.row(row)
        return t.frame.iloc[[row]], f"row {row}", [], [row]
    if instance is not None:
        given = edits.parse(instance, t.schema, allow_shift=False)
        base = {f: (t.frame[f].median() if t.schema.columns[f].kind == "numeric" else t.frame[f].mode().iloc[0])
                for f in t.features}
        frame = edits.apply(t.frame.iloc[[0]][t.features].assign(**{k: [v] for k, v in base.items()}), given)
        filled = [f for f in t.features if f not in {e.column for e in given}]
        flags = extrapolation(t, frame)
        note = f"the other {len(filled)} features at the data's median or most common value" if filled else ""
        return frame, f"a made-up row with {edits.text(given)}" + (f" ({note})" if note else ""), flags, None
    sel = state.select(filter)
    return t.frame.loc[sel.ids], sel.describe(), selection_flags(sel), sel.ids


def extrapolation(table: Any, frame: Any) -> list[str]:
    out = []
    for f in table.features:
        col = table.schema.columns[f]
        if col.kind == "numeric" and col.low is not None:
            v = frame[f].astype(float)
            if ((v < col.low) | (v > col.high)).any():
                out.append(f"{f} outside the data's range {col.low:g}-{col.high:g}: the model extrapolates")
    return out


@dataclass
class PredictFinding(TableFinding):
    predictions: list[dict[str, Any]]  # {id, prediction[, probability]}: id None for a made-up row
    n: int
    distribution: dict[str, int] | None  # classification over many rows: count per predicted class
    mean: float | None  # regression over many rows
    truth_agrees: float | None = None  # share where the prediction equals the true label

    def summary(self) -> str:
        if self.n == 0:
            return "No rows to predict"
        if self.n == 1:
            p = self.predictions[0]
            prob = f" (probability {p['probability']:.2f})" if p.get("probability") is not None else ""
            who = f"row {p['id']}" if p["id"] is not None else "this made-up row"
            truth = f"; the true value is {p['true']}" if p.get("true") is not None else ""
            return f"The model predicts {_v(p['prediction'])} for {who}{prob}{truth}"
        if self.distribution:
            parts = ", ".join(f"{k} for {v}" for k, v in self.distribution.items())
            return f"Over {self.n} rows the model predicts {parts}"
        return f"Over {self.n} rows the model predicts a mean of {self.mean:.4g}"

    def uncertainty(self) -> Uncertainty:
        p = self.predictions[0].get("probability") if self.n == 1 and self.predictions else None
        score = 0.15 if p is None else 1.0 - p
        return self.base_uncertainty(score, "the model's own probability" if p is not None else
                                     "a point prediction; see `score` for how accurate the model is")


def _v(x: Any) -> str:
    return f"{x:.4g}" if isinstance(x, float) else str(x)


class PredictTool(TableTool):
    name = "predict"
    description = "The model's prediction for a row, the rows of a filter, or a made-up row."
    inputs = {"filter": FILTER, "row": ROW, "instance": INSTANCE}
    examples = ("What does the model predict for row 12?", "What does it predict for them?")

    def run(self, ctx: ToolContext, filter: str | None, row: int | None, instance: str | None) -> ToolResult:  # noqa: A002
        frame, rows, flags, ids = _rows(ctx, filter, row, instance)
        t = ctx.table.table
        fitted = ctx.table.fitted(ctx.progress)
        pred, proba = fitted.predict(frame), fitted.proba(frame)
        items = []
        for i, p in enumerate(pred[:MAX_ROWS_JSON]):
            item: dict[str, Any] = {"id": ids[i] if ids is not None else None,
                                    "prediction": str(p) if t.schema.task == "classification" else round(float(p), 4)}
            if proba is not None:
                item["probability"] = round(float(proba[i][fitted.classes.index(str(p))]), 4)
            if ids is not None:
                true = t.frame.at[ids[i], t.target]
                item["true"] = true if isinstance(true, str) else round(float(true), 4)
            items.append(item)
        dist = mean = agrees = None
        if len(pred) > 1 and t.schema.task == "classification":
            values, counts = np.unique(pred, return_counts=True)
            dist = {str(v): int(c) for v, c in sorted(zip(values, counts), key=lambda vc: -vc[1])}
        elif len(pred) > 1:
            mean = round(float(np.mean(pred)), 4)
        if ids and t.schema.task == "classification":
            agrees = round(float(np.mean(pred == t.frame.loc[ids, t.target].astype(str).to_numpy())), 4)
        quoted = [(ids[0], row_text(ctx, ids[0]))] if ids is not None and len(ids) == 1 else None
        return self.result(PredictFinding(items, len(pred), dist, mean, agrees, rows=rows, model=headline(ctx),
                                          flags=flags, quoted=quoted))


@dataclass
class LikelihoodFinding(TableFinding):
    probabilities: list[dict[str, Any]]  # {id, probabilities: {class: p}}
    mean: dict[str, float]  # mean probability per class over the rows
    n: int

    def summary(self) -> str:
        if not self.n:
            return "No rows"
        parts = ", ".join(f"{k} {v:.2f}" for k, v in sorted(self.mean.items(), key=lambda kv: -kv[1]))
        if self.n == 1:
            who = self.probabilities[0]["id"]
            name = f"row {who}" if who is not None else "this made-up row"
            return f"The model's probabilities for {name}: {parts}"
        return f"The model's mean probabilities over {self.n} rows: {parts}"

    def uncertainty(self) -> Uncertainty:
        top = max(self.mean.values()) if self.mean else 0.0
        return self.base_uncertainty(1 - top, f"the model's own probabilities (largest {top:.2f}); they are as "
                                              "calibrated as the model is")


class LikelihoodTool(TableTool):
    name = "likelihood"
    description = "The model's class probabilities for a row, the rows of a filter, or a made-up row."
    inputs = {"filter": FILTER, "row": ROW, "instance": INSTANCE}
    examples = ("How sure is the model about row 7?", "What are the class probabilities for those?")

    def run(self, ctx: ToolContext, filter: str | None, row: int | None, instance: str | None) -> ToolResult:  # noqa: A002
        if ctx.table.table.schema.task != "classification":
            raise TalkscopeError("the model predicts a number, not classes: ask what it predicts instead")
        frame, rows, flags, ids = _rows(ctx, filter, row, instance)
        fitted = ctx.table.fitted(ctx.progress)
        proba = fitted.proba(frame)
        if proba is None:
            raise TalkscopeError(f"{fitted.name} has no predict_proba(): it gives no probabilities")
        items = [{"id": ids[i] if ids is not None else None,
                  "probabilities": {c: round(float(p), 4) for c, p in zip(fitted.classes, proba[i])}}
                 for i in range(min(len(proba), MAX_ROWS_JSON))]
        mean = {c: round(float(proba[:, k].mean()), 4) for k, c in enumerate(fitted.classes)} if len(proba) else {}
        quoted = [(ids[0], row_text(ctx, ids[0]))] if ids is not None and len(ids) == 1 else None
        return self.result(LikelihoodFinding(items, mean, len(proba), rows=rows, model=headline(ctx), flags=flags,
                                             quoted=quoted))


@dataclass
class WhatIfFinding(TableFinding):
    change: str
    n: int
    before: list[Any]  # per row (first MAX_ROWS_JSON)
    after: list[Any]
    ids: list[int]
    changed: int  # rows whose prediction changed (classification) ...
    mean_shift: float | None  # ... or the mean change (regression)
    probability_before: float | None = None  # one row: the probability of its original prediction, before/after
    probability_after: float | None = None

    def summary(self) -> str:
        if self.n == 1:
            prob = ""
            if self.probability_before is not None:
                prob = f" (probability of {_v(self.before[0])}: {self.probability_before:.2f} -> " \
                       f"{self.probability_after:.2f})"
            verb = "stays" if self.before[0] == self.after[0] else "changes from"
            tail = f" {_v(self.before[0])}" if verb == "stays" else f" {_v(self.before[0])} to {_v(self.after[0])}"
            return f"With {self.change}, the prediction for row {self.ids[0]} {verb}{tail}{prob}"
        if self.mean_shift is not None:
            return f"With {self.change}, the mean prediction over {self.n} rows moves by {self.mean_shift:+.4g}"
        return f"With {self.change}, the prediction changes for {self.changed} of {self.n} rows"

    def uncertainty(self) -> Uncertainty:
        return self.base_uncertainty(0.15, "the model re-run on the edited rows (what the model does, not what "
                                           "would happen in the world)")


class WhatIfTool(TableTool):
    name = "what_if"
    description = "Change feature values of a row (or of a filter's rows) and show how the prediction changes."
    inputs = {"row": ROW, "filter": FILTER,
              "change": Arg("string", "the edits: \"bmi = 25\", \"age + 10\" (comma-separated), or plain words",
                            required=True)}
    examples = ("What if row 3 had a different value?", "What if they were all on the other side of the median?")

    def run(self, ctx: ToolContext, row: int | None, filter: str | None, change: str) -> ToolResult:  # noqa: A002
        t = ctx.table.table
        planned = edits.parse(change, t.schema)
        frame, rows, flags, ids = _rows(ctx, None if row is not None else filter, row, None)
        fitted = ctx.table.fitted(ctx.progress)
        edited = edits.apply(frame, planned)
        flags = flags + extrapolation(t, edited)
        before, after = fitted.predict(frame), fitted.predict(edited)
        pb = pa = None
        if len(frame) == 1 and fitted.task == "classification" and (p0 := fitted.proba(frame)) is not None:
            k = fitted.classes.index(str(before[0]))
            pb, pa = round(float(p0[0][k]), 4), round(float(fitted.proba(edited)[0][k]), 4)
        cls = fitted.task == "classification"
        conv = (lambda x: str(x)) if cls else (lambda x: round(float(x), 4))
        finding = WhatIfFinding(edits.text(planned), len(frame), [conv(x) for x in before[:MAX_ROWS_JSON]],
                                [conv(x) for x in after[:MAX_ROWS_JSON]], list((ids or [])[:MAX_ROWS_JSON]),
                                int(np.sum(before != after)) if cls else 0,
                                None if cls or not len(frame) else round(float(np.mean(after - before)), 4), pb, pa,
                                rows=rows, model=headline(ctx), flags=flags,
                                quoted=[(ids[0], row_text(ctx, ids[0]))] if ids and len(ids) == 1 else None)
        return self.result(finding)

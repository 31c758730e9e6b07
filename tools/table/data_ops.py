"""Table tools that read the data itself: `describe`, `filter`, `show`, `count`, `labels`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from talkscope.tools.base import Arg, ToolContext, ToolResult, Uncertainty
from talkscope.tools.engine.errors import TalkscopeError
from talkscope.tools.engine.table.analysis import wilson
from talkscope.tools.table.common import (
    FILTER,
    TableFinding,
    TableTool,
    column_named,
    row_text,
    selection_flags,
)

SHOW_MAX = 50


@dataclass
class DescribeFinding(TableFinding):
    feature: str
    kind: str
    n: int
    missing: int
    stats: dict[str, float] | None  # numbers: mean, std, min, quartiles, max, the mean's 95% interval
    counts: dict[str, int] | None  # categories

    def summary(self) -> str:
        if self.stats:
            s = self.stats
            return (f"{self.feature}: mean {s['mean']:.4g} (95% CI {s['mean_low']:.4g} to {s['mean_high']:.4g}), "
                    f"median {s['median']:.4g}, range {s['min']:.4g} to {s['max']:.4g}, sd {s['std']:.3g}, "
                    f"over {self.n} rows" + (f", {self.missing} missing" if self.missing else ""))
        if self.counts:
            shown = ", ".join(f"{k} {v} ({v / max(1, self.n - self.missing):.0%})" for k, v in self.counts.items())
            return f"{self.feature} over {self.n} rows: {shown}" + (f"; {self.missing} missing" if self.missing else "")
        return f"{self.feature}: no values among the {self.n} rows"

    def uncertainty(self) -> Uncertainty:
        return self.base_uncertainty(0.05, "statistics computed directly on the rows")


class DescribeTool(TableTool):
    name = "describe"
    description = "Statistics of one column of the table (or of the target), on all rows or a filter."
    inputs = {"feature": Arg("string", "the column (empty: the target)", nullable=True), "filter": FILTER}
    examples = ("What does this column look like?", "What is the distribution of the target?")
    follow_ups = {"And for the whole dataset?": ("describe",)}

    def run(self, ctx: ToolContext, feature: str | None, filter: str | None) -> ToolResult:  # noqa: A002
        name = column_named(ctx, feature)
        sel = ctx.table.select(filter)
        col = ctx.table.table.frame.loc[sel.ids, name]
        kind = ctx.table.table.schema.columns[name].kind
        stats = counts = None
        values = col.dropna()
        if kind == "numeric" and len(values):
            v = values.astype(float).to_numpy()
            half = float(1.96 * v.std(ddof=1) / np.sqrt(len(v))) if len(v) > 1 else float("nan")
            stats = {k: round(float(x), 6) for k, x in {
                "mean": v.mean(), "std": v.std(ddof=1) if len(v) > 1 else 0.0, "min": v.min(),
                "q25": np.percentile(v, 25), "median": np.median(v), "q75": np.percentile(v, 75), "max": v.max(),
                "mean_low": v.mean() - half, "mean_high": v.mean() + half}.items()}
        elif len(values):
            counts = {str(k): int(c) for k, c in values.astype(str).value_counts().items()}
        finding = DescribeFinding(name, kind, sel.n, int(col.isna().sum()), stats, counts, rows=sel.describe(),
                                  flags=selection_flags(sel))
        figure = None
        fitted = ctx.table.fitted(ctx.progress) if name != ctx.table.table.target else None
        if fitted is not None and fitted.is_ebm and sel.n:
            figure = _shape_figure(ctx, fitted, name, col)
        return self.result(finding, figure)


def _shape_figure(ctx: ToolContext, fitted: Any, name: str, col: Any) -> Any:
    from talkscope.tools.engine.drawing import draw_later

    model = fitted.model
    term = model.term_names_.index(name) if name in model.term_names_ else None
    if term is None:
        return None
    scores = np.asarray(model.term_scores_[term], dtype=float)
    if scores.ndim == 2:
        scores = scores.mean(axis=1)
    numeric = ctx.table.table.schema.columns[name].kind == "numeric"
    bins = model.bins_[model.term_features_[term][0]][0]
    if numeric:
        xs = [float(col.min())] + [float(b) for b in bins]
        ys = scores[1:len(xs) + 1].tolist()
    else:
        xs = list(bins)
        ys = [float(scores[bins[x]]) for x in xs]
    return draw_later(ctx.figure_path("shape"), "shape_function", name, xs, ys, col.dropna().tolist(),
                      f"EBM shape function of {name} (the model's contribution by value)", numeric)


@dataclass
class CountFinding(TableFinding):
    count: int
    total: int
    share: float
    condition: str | None

    def summary(self) -> str:
        where = f"match {self.condition}" if self.condition else "are in the table"
        return f"{self.count} of {self.total} rows ({self.share:.1%}) {where}"

    def uncertainty(self) -> Uncertainty:
        return Uncertainty.from_score(0.0, "an exact count of the rows")


class CountTool(TableTool):
    name = "count"
    description = "How many rows of the table match a filter."
    inputs = {"filter": FILTER}
    examples = ("How many rows are there?", "How many of them are left?")

    def run(self, ctx: ToolContext, filter: str | None) -> ToolResult:  # noqa: A002
        sel = ctx.table.select(filter)
        return self.result(CountFinding(sel.n, sel.total, round(sel.n / sel.total, 6), sel.condition,
                                        rows=sel.describe()))


@dataclass
class FilterFinding(CountFinding):
    target_counts: dict[str, int] | None = None

    def words(self) -> str:
        extra = ""
        if self.target_counts:
            extra = "; their labels: " + ", ".join(f"{k} {v}" for k, v in self.target_counts.items())
        return (f"From now on I look at the {self.count} of {self.total} rows ({self.share:.1%}) where "
                f"{self.condition}{extra}" if self.condition else f"I look at all {self.total} rows again")


class FilterTool(TableTool):
    name = "filter"
    description = "Keep only the rows matching a condition; later questions are about them until changed."
    inputs = {"filter": Arg("string", FILTER.description, nullable=True)}
    examples = ("Only look at the rows where the first column is above its median", "Restrict to a subset")

    def run(self, ctx: ToolContext, filter: str | None) -> ToolResult:  # noqa: A002
        sel = ctx.table.select(filter)
        t = ctx.table.table
        counts = None
        if t.schema.task == "classification" and sel.n:
            counts = {str(k): int(v) for k, v in t.frame.loc[sel.ids, t.target].value_counts().items()}
        return self.result(FilterFinding(sel.n, sel.total, round(sel.n / sel.total, 6), sel.condition, counts,
                                         rows=sel.describe(), flags=selection_flags(sel)))


@dataclass
class ShowFinding(TableFinding):
    ids: list[int]
    records: list[dict[str, Any]]
    matching: int

    def summary(self) -> str:
        more = f" (first {len(self.ids)} of {self.matching})" if self.matching > len(self.ids) else ""
        return f"Rows {', '.join(map(str, self.ids))}{more}" if self.ids else "No rows match"

    def uncertainty(self) -> Uncertainty:
        return Uncertainty.from_score(0.0, "the rows as stored")


class ShowTool(TableTool):
    name = "show"
    description = "Show rows of the table (those matching a filter)."
    inputs = {"filter": FILTER, "n": Arg("integer", f"how many rows at most (up to {SHOW_MAX})", default=10)}
    examples = ("Show the first 5 rows", "Show me some of them")

    def run(self, ctx: ToolContext, filter: str | None, n: int) -> ToolResult:  # noqa: A002
        if not 1 <= n <= SHOW_MAX:
            raise TalkscopeError(f"n must be from 1 to {SHOW_MAX}: ask for fewer rows, or narrow the filter")
        sel = ctx.table.select(filter)
        ids = sel.ids[:n]
        frame = ctx.table.table.frame
        records = [{"id": i, **{c: _plain(frame.at[i, c]) for c in frame.columns}} for i in ids]
        quoted = [(i, row_text(ctx, i)) for i in ids]
        return self.result(ShowFinding(ids, records, sel.n, rows=sel.describe(), quoted=quoted))


def _plain(v: Any) -> Any:
    if isinstance(v, float) and v != v:
        return None
    return v.item() if hasattr(v, "item") else v


@dataclass
class LabelsFinding(TableFinding):
    target: str
    counts: dict[str, int]
    shares: dict[str, list[float]]  # class -> [share, low, high] (Wilson 95%)
    n: int

    def summary(self) -> str:
        if not self.n:
            return f"No rows, so no {self.target} labels"
        parts = [f"{k} {self.counts[k]} ({s[0]:.0%}, 95% CI {s[1]:.0%}-{s[2]:.0%})" for k, s in self.shares.items()]
        return f"The true {self.target} labels over {self.n} rows: " + ", ".join(parts)

    def uncertainty(self) -> Uncertainty:
        return self.base_uncertainty(0.05, "counted from the data; intervals are Wilson 95%")


class LabelsTool(TableTool):
    name = "labels"
    description = "The distribution of the true target labels (on a filter)."
    inputs = {"filter": FILTER}
    examples = ("How are the true classes distributed?", "What are their true labels?")

    def run(self, ctx: ToolContext, filter: str | None) -> ToolResult:  # noqa: A002
        t = ctx.table.table
        if t.schema.task != "classification":
            raise TalkscopeError(f"the target {t.target} is a number, not a label: ask to describe {t.target}")
        sel = ctx.table.select(filter)
        values = t.frame.loc[sel.ids, t.target].astype(str)
        counts = {c: int((values == c).sum()) for c in t.schema.classes}
        shares = {c: [round(k / sel.n, 4) if sel.n else 0.0, *map(lambda x: round(x, 4), wilson(k, sel.n))]
                  for c, k in counts.items()}
        return self.result(LabelsFinding(t.target, counts, shares, sel.n, rows=sel.describe(),
                                         flags=selection_flags(sel)))

"""`surprise`: what surprises the model in a text collection (mean token surprisal per example)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from talkscope.tools.base import Arg, ToolContext, ToolResult, Uncertainty
from talkscope.tools.engine.errors import TalkscopeError
from talkscope.tools.engine.text.reading import MAX_TOKENS, token_surprisals
from talkscope.tools.text.common import FILTER, TextFinding, TextTool, quote, quotes, subset_flags

BOOT = 1000


@dataclass
class SurpriseFinding(TextFinding):
    unit: str  # "nats per token"
    n: int
    mean: float
    interval: list[float]  # bootstrap 95% interval of the mean
    most: list[dict[str, Any]]  # {id, surprisal, text}
    least: list[dict[str, Any]]
    groups: list[dict[str, Any]] | None = None  # by cluster or label: {group, n, mean, interval, most: id}
    example: dict[str, Any] | None = None  # one example: {id, surprisal, tokens: [[token, nats], ...]}

    OMIT_IF_NONE = ("groups", "example")

    def summary(self) -> str:
        if self.example is not None:
            top = sorted(self.example["tokens"], key=lambda t: -t[1])[:5]
            shown = ", ".join(f"{t!r} ({v:.1f})" for t, v in top)
            return (f"Example {self.example['id']} has mean surprisal {self.example['surprisal']:.2f} {self.unit} "
                    f"(the collection's mean is {self.mean:.2f}); its most surprising tokens: {shown}")
        most = ", ".join(f"{r['id']} ({r['surprisal']:.2f})" for r in self.most[:3])
        least = ", ".join(f"{r['id']} ({r['surprisal']:.2f})" for r in self.least[:3])
        text = (f"Mean surprisal over {self.n} texts: {self.mean:.2f} {self.unit} (95% CI {self.interval[0]:.2f} to "
                f"{self.interval[1]:.2f}). Most surprising: {most}; least: {least}")
        if self.groups:
            order = sorted(self.groups, key=lambda g: -g["mean"])
            text += ". By group, most surprising first: " + "; ".join(
                f"{g['group']} {g['mean']:.2f} [{g['interval'][0]:.2f}, {g['interval'][1]:.2f}] (n={g['n']})"
                for g in order)
        return text

    def uncertainty(self) -> Uncertainty:
        if self.example is not None:
            return self.base_uncertainty(0.05, "token surprisals are exact log-probabilities under the model")
        return self.base_uncertainty(0.1, f"bootstrap interval of the mean over {self.n} texts; each text's "
                                          "surprisal is an exact log-probability under the model")


def _boot(values: np.ndarray, seed: int = 0) -> list[float]:
    if len(values) < 2:
        return [float(values.mean()), float(values.mean())]
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, len(values), (BOOT, len(values)))].mean(1)
    return [round(float(x), 4) for x in np.percentile(means, [2.5, 97.5])]


class SurpriseTool(TextTool):
    name = "surprise"
    description = "What surprises the local model in a text dataset: mean token surprisal per text, the most and " \
                  "least surprising texts (by cluster or label), or one text's most surprising tokens."
    inputs = {"example": Arg("integer", "one example's id: its most surprising tokens", nullable=True),
              "by": Arg("string", "group the texts by", nullable=True, choices=("cluster", "label")),
              "filter": FILTER, "n": Arg("integer", "how many texts to list", default=5)}
    examples = ("Which texts surprise the model most?", "Which tokens of example 12 surprise the model?")
    follow_ups = {"Now by label": ("surprise",), "Which tokens of the most surprising one stand out?": ("surprise",)}

    def run(self, ctx: ToolContext, example: int | None, by: str | None, filter: str | None,  # noqa: A002
            n: int) -> ToolResult:
        if n < 1:
            raise TalkscopeError("n must be at least 1")
        state = ctx.texts
        data = state.data
        subset = state.select(filter)
        readings = state.readings(ctx.model, ctx.progress)
        s = readings.surprisal
        pos = np.array(subset.positions)
        vals = s[pos]
        order = pos[np.argsort(-vals)]
        rows = [{"id": data.ids[p], "surprisal": round(float(s[p]), 4), "text": quote(data.texts[p], 100)}
                for p in order]
        flags = subset_flags(subset) + data.notes
        if readings.truncated:
            flags.append(f"{readings.truncated} texts were read up to their first {MAX_TOKENS} tokens")
        common = {"texts": subset.describe(), "reader": ctx.model.name, "flags": flags}
        finding = SurpriseFinding("nats per token", subset.n, round(float(vals.mean()), 4), _boot(vals),
                                  rows[:n], rows[::-1][:n], **common)
        figure = None
        if example is not None:
            p = data.position(example)
            tokens = token_surprisals(ctx.model, data.texts[p])
            finding.example = {"id": example, "surprisal": round(float(s[p]), 4),
                               "tokens": [[t, round(v, 4)] for t, v in tokens]}
            finding.quoted = quotes(ctx, [p])
            figure = self._highlight(ctx, example, tokens)
        else:
            finding.groups = self._groups(ctx, by, pos, s) if by else None
            finding.quoted = quotes(ctx, list(order[:min(n, 3)]))
        return self.result(finding, figure)

    @staticmethod
    def _groups(ctx: ToolContext, by: str, pos: np.ndarray, s: np.ndarray) -> list[dict[str, Any]]:
        data = ctx.texts.data
        if by == "label":
            if data.labels is None:
                raise TalkscopeError("the data has no label column: give --label COLUMN, or group by cluster")
            keys = np.array(data.labels)[pos]
        else:
            _, clustering = ctx.texts.clustering(None, None, ctx.progress)
            keys = np.array([f"cluster {c}" for c in clustering.labels])[pos]
        out = []
        for g in sorted(set(keys.tolist())):
            members = pos[keys == g]
            v = s[members]
            out.append({"group": g, "n": int(len(v)), "mean": round(float(v.mean()), 4), "interval": _boot(v),
                        "most": data.ids[int(members[np.argmax(v)])]})
        return out

    @staticmethod
    def _highlight(ctx: ToolContext, example: int, tokens: list[tuple[str, float]]) -> Any:
        from talkscope.tools.engine.drawing import draw_later

        shown = tokens[:96]
        return draw_later(ctx.figure_path("surprise"), "token_heatmap", [t for t, _ in shown], [v for _, v in shown],
                          f"Surprisal of each token of example {example} (nats; each given the ones before it)")

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
BOOT_MAX_N = 20_000  # above this, the mean's interval is the normal one (a resample matrix would not fit)
SHORT = 8  # tokens


@dataclass
class SurpriseFinding(TextFinding):
    unit: str  # "nats per token"
    n: int
    mean: float | None  # over the texts asked about (one example alone: the collection's, when it has been read)
    interval: list[float] | None  # bootstrap 95% interval of the mean
    most: list[dict[str, Any]]  # {id, surprisal, tokens, text}
    least: list[dict[str, Any]]
    groups: list[dict[str, Any]] | None = None  # by cluster or label: {group, n, mean, interval, most: id}
    example: dict[str, Any] | None = None  # one example: {id, surprisal, tokens: [[token, nats], ...]}

    OMIT_IF_NONE = ("groups", "example")

    def summary(self) -> str:
        if self.example is not None:
            top = sorted(self.example["tokens"], key=lambda t: -t[1])[:5]
            shown = ", ".join(f"{t!r} ({v:.1f})" for t, v in top)
            mean = "" if self.mean is None else f" (the collection's mean is {self.mean:.2f})"
            return (f"Example {self.example['id']} has mean surprisal {self.example['surprisal']:.2f} {self.unit}"
                    f"{mean}; its most surprising tokens: {shown}")
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
            return self.base_uncertainty(0.05, f"each token's log-probability under the model, given the tokens "
                                               f"before it (the first {MAX_TOKENS} tokens)")
        return self.base_uncertainty(0.1, f"bootstrap interval of the mean over {self.n} texts; each text's "
                                          f"surprisal is its tokens' mean log-probability under the model (the first "
                                          f"{MAX_TOKENS} tokens)")


def _boot(values: np.ndarray, seed: int = 0) -> list[float]:
    if len(values) < 2:
        return [float(values.mean()), float(values.mean())]
    if len(values) > BOOT_MAX_N:
        half = 1.96 * float(values.std(ddof=1)) / np.sqrt(len(values))
        return [round(float(values.mean()) - half, 4), round(float(values.mean()) + half, 4)]
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
    follow_ups = {"Now by label": ("surprise",), "Now by cluster": ("surprise",),
                  "What surprises the model in cluster 0?": ("topics",)}

    def run(self, ctx: ToolContext, example: int | None, by: str | None, filter: str | None,  # noqa: A002
            n: int) -> ToolResult:
        if n < 1:
            raise TalkscopeError("n must be at least 1")
        state = ctx.texts
        data = state.data
        if example is not None and not state.has_readings(ctx.model):
            return self._one(ctx, example, None)  # one text: not the whole collection's reading first
        subset = state.select(filter)
        readings = state.readings(ctx.model, ctx.progress)
        if example is not None:
            return self._one(ctx, example, readings)
        s, t = readings.surprisal, readings.tokens
        pos = np.array(subset.positions)
        vals = s[pos]
        order = pos[np.argsort(-vals)]
        row = lambda p: {"id": data.ids[p], "surprisal": round(float(s[p]), 4), "tokens": int(t[p]),  # noqa: E731
                         "text": quote(data.texts[p], 100)}
        most, least = [row(p) for p in order[:n]], [row(p) for p in order[::-1][:n]]
        flags = subset_flags(subset)
        if readings.truncated:
            flags.append(f"{readings.truncated} texts were read up to their first {MAX_TOKENS} tokens")
        short = sum(r["tokens"] < SHORT for r in most)
        if short * 2 > len(most):
            flags.append(f"{short} of the {len(most)} most surprising texts have under {SHORT} tokens: a short text's "
                         "mean is dominated by its first words, which have the least context")
        finding = SurpriseFinding("nats per token", subset.n, round(float(vals.mean()), 4), _boot(vals), most, least,
                                  texts=subset.describe(), reader=ctx.model.name, flags=flags, notes=data.notes,
                                  quoted=quotes(ctx, list(order[:min(n, 3)])))
        finding.groups = self._groups(ctx, by, pos, s) if by else None
        return self.result(finding)

    def _one(self, ctx: ToolContext, example: int, readings: Any) -> ToolResult:
        data = ctx.texts.data
        p = data.position(example)
        tokens = token_surprisals(ctx.model, data.texts[p])
        mean = float(np.mean([v for _, v in tokens])) if tokens else float("nan")
        collection = None if readings is None else round(float(readings.surprisal.mean()), 4)
        finding = SurpriseFinding("nats per token", 1, collection, None, [], [],
                                  texts=f"example {example}", reader=ctx.model.name, notes=data.notes,
                                  quoted=quotes(ctx, [p]))
        finding.example = {"id": example, "surprisal": round(mean, 4), "tokens": [[t, round(v, 4)] for t, v in tokens]}
        return self.result(finding, self._highlight(ctx, example, tokens))

    @staticmethod
    def _groups(ctx: ToolContext, by: str, pos: np.ndarray, s: np.ndarray) -> list[dict[str, Any]]:
        data = ctx.texts.data
        if by == "label":
            if data.labels is None:
                raise TalkscopeError("the data has no label column: give --label COLUMN, or group by cluster")
            keys = np.array(data.labels)[pos]
        else:
            labels, _ = ctx.texts.cluster_labels(ctx.progress)
            keys = np.array([f"cluster {c}" if c >= 0 else "" for c in labels])[pos]
        out = []
        for g in sorted(set(keys.tolist()) - {""}):
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

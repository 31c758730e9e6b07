"""`regions`: which parameters carry a language or a text set (Zhang et al. 2024), found by first-order
importance and checked by zeroing them (the engine is `engine/regions.py`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from talkscope.tools.base import Arg, Finding, Tool, ToolContext, ToolResult, Uncertainty
from talkscope.tools.engine.errors import TalkscopeError

HELDOUT_PASSAGES = 4  # held-out passages per set for each perplexity (the benchmark reads all of them)
TEXT = {
    "answer": "Ranking the {n:,} decoder-block parameters of {model} by |gradient x weight| on {texts} and zeroing "
              "the top {k:g}% ({size:,}) raises {texts}'s held-out perplexity from {base:.1f} to {top:.4g}; the "
              "bottom {k:g}% gives {bottom:.1f}{zeros} and a random {k:g}% {random:.1f} [{ref}]. {others} {where}",
    "others": "Across the {m} sets, zeroing the top region multiplies perplexity by {lo:.3g}x to {hi:.3g}x [{ref}].",
    "where": "The region is densest in {module} (layer {layer}: {share:.1%} of it) [{ref}].",
    "core": " The core region shared by the top {k:g}% of every language has {core:,} parameters [{ref}]. {specific}",
    "specific": "Zeroing {lang}'s own region ({size:,} parameters, its top set less the core) changes {lang}'s "
                "perplexity {base:.1f} -> {own:.1f} and the others' by {lo:+.0%} to {hi:+.0%}",
}


@dataclass
class RegionsFinding(Finding):
    texts: str
    k: float
    n_parameters: int
    region_size: int
    ablation: list[dict[str, Any]]  # {set, base_ppl, top_ppl, bottom_ppl, random_ppl}
    by_module: dict[str, list[float]]  # share of each module type per layer lying in the top region
    importance_by_module: dict[str, list[float]]  # each matrix's share of the total importance
    heldout_passages: int
    n_layers: int
    model: str
    bottom_zero_share: float = 0.0  # share of the bottom region's weights that were already exactly zero
    core_size: int | None = None
    specific: list[dict[str, Any]] = field(default_factory=list)  # {region, size, ppl: {set: ppl}}

    OMIT_IF_NONE = ("core_size",)

    def row(self, name: str) -> dict[str, Any]:
        return next(r for r in self.ablation if r["set"] == name)

    def summary(self) -> str:
        r = self.row(self.texts) if any(r["set"] == self.texts for r in self.ablation) else self.ablation[0]
        return (f"regions of {self.texts} (top {self.k:g}%, {self.region_size:,} parameters): perplexity "
                f"{r['base_ppl']:.1f} -> top {r['top_ppl']:.4g}, bottom {r['bottom_ppl']:.1f}, random "
                f"{r['random_ppl']:.1f}.")

    def sentences(self, ref: str, cites: Sequence[str] = ()) -> str:
        own = self.row(self.texts) if any(r["set"] == self.texts for r in self.ablation) else None
        ratios = [r["top_ppl"] / r["base_ppl"] for r in self.ablation]
        others = TEXT["others"].format(m=len(self.ablation), lo=min(ratios), hi=max(ratios), ref=ref)
        module, layer, share = max(((m, i, s) for m, row in self.by_module.items() for i, s in enumerate(row)
                                    if "norm" not in m), key=lambda t: t[2])
        where = TEXT["where"].format(module=module, layer=layer + 1, share=share, ref=ref)
        r = own or {"base_ppl": 0.0, "top_ppl": 0.0, "bottom_ppl": 0.0, "random_ppl": 0.0}
        text = TEXT["answer"].format(n=self.n_parameters, model=self.model, texts=self.texts, k=self.k,
                                     size=self.region_size, base=r["base_ppl"], top=r["top_ppl"],
                                     bottom=r["bottom_ppl"], random=r["random_ppl"], others=others, where=where,
                                     ref=ref, zeros=f" ({self.bottom_zero_share:.0%} of its weights were already "
                                                    "zero)" if self.bottom_zero_share >= 0.5 else "")
        if self.core_size is not None:
            specific = "; ".join(self._specific(s) for s in self.specific)
            text += TEXT["core"].format(k=self.k, core=self.core_size, specific=specific + f" [{ref}].", ref=ref)
        return text

    def _specific(self, s: dict[str, Any]) -> str:
        base = {r["set"]: r["base_ppl"] for r in self.ablation}
        changes = [s["ppl"][name] / base[name] - 1 for name in s["ppl"] if name != s["region"]]
        return TEXT["specific"].format(lang=s["region"], size=s["size"], base=base[s["region"]],
                                       own=s["ppl"][s["region"]], lo=min(changes), hi=max(changes))

    def uncertainty(self) -> Uncertainty:
        return Uncertainty.from_score(
            0.25 if self.heldout_passages >= HELDOUT_PASSAGES else 0.45,
            f"first-order importance (a linear estimate of zeroing each parameter alone); perplexity on "
            f"{self.heldout_passages} held-out passage(s) per set; one random region")


class RegionsTool(Tool):
    name = "regions"
    description = ("Which parameters carry a language or text set: rank them by |gradient x weight|, zero the top, "
                   "bottom and a random k%, and measure perplexity on held-out text of every language.")
    inputs = {
        "texts": Arg("string", "a shipped language, 'all' (every language, with the core and each language's own "
                               "region), or a text file with one passage per line", default="all"),
        "k": Arg("number", "the percentage of parameters in a region, in (0, 50]", default=1.0),
    }
    examples = ("Which parameters matter most for Russian? Zero the top 1%",
                "Find the core linguistic region shared by all languages")
    follow_ups = {"Now with k = 3%": ("regions",), "And for Ukrainian?": ("regions",)}

    def run(self, ctx: ToolContext, texts: str, k: float) -> ToolResult:
        from talkscope.tools.engine import regions as R
        from talkscope.tools.engine.drawing import draw_later

        if not 0 < k <= 50:
            raise TalkscopeError(f"k = {k:g} is outside (0, 50]: give the percentage of parameters to zero, e.g. 1")
        model = ctx.model
        own = None if texts == "all" or texts in R.languages() else R.file_set(ctx.user_path(texts, "text file"))
        sets = {name: R.shipped_set(name) for name in R.languages()} | ({own.name: own} if own else {})
        ranked = list(sets) if texts == "all" else [own.name if own else texts]
        heldout = {name: s.heldout if own and name == own.name else s.heldout[:HELDOUT_PASSAGES]
                   for name, s in sets.items()}
        steps = sum(len(sets[n].train) for n in ranked) + len(sum(heldout.values(), [])) * (
            4 + (len(ranked) if texts == "all" else 0))
        with ctx.progress(steps, "ranking and ablating parameters") as advance:
            mean, tops = R.rank(model, {name: sets[name].train for name in ranked}, [k], texts == "all", advance)
            run = _ablations(model, mean, tops[k], k, heldout, advance)
        finding = RegionsFinding(texts if not own else own.name, k, run["n"], R.size(run["top"]), run["ablation"],
                                 R.by_module(model, run["top"]), run["importance"], HELDOUT_PASSAGES, model.n_layers,
                                 model.name, run["bottom_zero_share"], run.get("core_size"), run.get("specific", []))
        figure = draw_later(ctx.figure_path("regions"), "region_heatmap", finding.by_module, finding.n_layers,
                            f"top {k:g}% for {finding.texts} on {model.name}: share of each matrix")
        return self.result(finding, figure)


def _ablations(model: Any, mean: dict, tops: dict, k: float, heldout: dict[str, list[str]],
               advance: Any) -> dict[str, Any]:
    """Top, bottom and random regions of the importance, each zeroed in turn; with per-set `tops`, also the core
    (their intersection) and each set's own region (its top less the core)."""
    from talkscope.tools.engine import regions as R

    scores = R.importance(model, mean)
    regions = {"top": R.top_region(scores, k), "bottom": R.top_region(scores, k, bottom=True),
               "random": R.random_region(scores, k)}
    base = R.perplexities(model, heldout, advance)
    ppl = {}
    for name, region in regions.items():
        with R.ablated(model, region):
            ppl[name] = R.perplexities(model, heldout, advance)
    out: dict[str, Any] = {"n": sum(s.numel() for s in scores.values()), "top": regions["top"],
                           "importance": R.importance_by_module(model, scores),
                           "bottom_zero_share": round(R.zero_share(model, regions["bottom"]), 4), "ablation": [
        {"set": s, "base_ppl": base[s], "top_ppl": ppl["top"][s], "bottom_ppl": ppl["bottom"][s],
         "random_ppl": ppl["random"][s]} for s in heldout]}
    if tops:
        shared = R.intersect(list(tops.values()))
        out["core_size"] = R.size(shared)
        out["specific"] = []
        for name, top in tops.items():
            mine = R.minus(top, shared)
            with R.ablated(model, mine):
                out["specific"].append({"region": name, "size": R.size(mine),
                                        "ppl": R.perplexities(model, heldout, advance)})
    return out


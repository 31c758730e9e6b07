"""Linguistic regions on the default model (Zhang et al. 2024, "Unveiling Linguistic Regions in LLMs"): both of the
paper's tables, from the shipped text sets (train splits rank the parameters, held-out splits measure perplexity).

1. Zeroing the top k% of the parameters ranked by |gradient x weight| over every language's text, against the
   bottom and a random k% (the paper, LLaMA-2 at 3%: top raises perplexity from about 5-17 to 4e4-3e5 in every
   language; bottom and random barely move it).
2. Each language's own region (its top k% less the core shared by all) zeroed in turn: the perplexity of every
   language (the paper: removing the Russian region raised Russian 12 -> 29-41 and Ukrainian 9 -> 18-23, the
   others by a few percent).

    .venv/bin/python -m benchmarks.regions [--top 1 3] [--own 1 0.05]

`--top`: the k of the first table; `--own`: the k of the second (each language's top k% less the core).
"""

from __future__ import annotations

import argparse
import time

import torch

from benchmarks.common import machine
from talkscope.tools.engine import regions as R
from talkscope.tools.engine.loading import load_model


def rank(model, sets: dict, ks: list[float]) -> tuple[dict, dict]:
    """The engine's ranking over every language, printing how long each language's gradient pass took."""
    clock = [time.perf_counter()]

    def each(name: str) -> None:
        now = time.perf_counter()
        print(f"<!-- gradient over {name}'s {len(sets[name].train)} train passages: {now - clock[0]:.0f} s -->")
        clock[0] = now

    return R.rank(model, {name: s.train for name, s in sets.items()}, ks, True, each=each)


def table_one(model, mean: dict, k: float, heldout: dict, base: dict) -> None:
    scores = R.importance(model, mean)
    regions = {"top": R.top_region(scores, k), "bottom": R.top_region(scores, k, bottom=True),
               "random": R.random_region(scores, k)}
    ppl = {}
    for name, region in regions.items():
        with R.ablated(model, region):
            ppl[name] = R.perplexities(model, heldout)
    print(f"\n## Top, bottom and random {k:g}% zeroed ({R.size(regions['top']):,} of "
          f"{sum(s.numel() for s in scores.values()):,} parameters; {R.zero_share(model, regions['bottom']):.0%} of "
          "the bottom region's weights are already exactly zero)\n")
    print("| language | base | top | bottom | random |\n|---|---|---|---|---|")
    for lang in heldout:
        print(f"| {lang} | {base[lang]:.1f} | {ppl['top'][lang]:.3g} | {ppl['bottom'][lang]:.1f} | "
              f"{ppl['random'][lang]:.1f} |")


def table_two(model, tops: dict[str, R.Region], k: float, heldout: dict, base: dict) -> None:
    core = R.intersect(list(tops.values()))
    langs = list(heldout)
    print(f"\n## Each language's own region zeroed (its top {k:g}% less the core of {R.size(core):,} parameters "
          "shared by all): perplexity of every language (base in the first row)\n")
    print("| region zeroed | size | " + " | ".join(langs) + " |\n|---|---|" + "---|" * len(langs))
    print("| (none) | 0 | " + " | ".join(f"{base[x]:.1f}" for x in langs) + " |")
    for lang, top in tops.items():
        own = R.minus(top, core)
        with R.ablated(model, own):
            ppl = R.perplexities(model, heldout)
        cells = [f"**{ppl[x]:.3g}**" if x == lang else f"{ppl[x]:.3g}" for x in langs]
        print(f"| {lang} | {R.size(own):,} | " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--top", type=float, nargs="*", default=[1.0, 3.0])
    parser.add_argument("--own", type=float, nargs="*", default=[1.0, 0.05])
    opts = parser.parse_args()
    ks = sorted(set(opts.top) | set(opts.own))
    print(f"# linguistic regions · {machine()}")
    model = load_model("default", device="cpu")
    sets = {name: R.shipped_set(name) for name in R.languages()}
    heldout = {name: s.heldout for name, s in sets.items()}
    before = {n: p.detach().clone() for n, p in R.block_parameters(model).items()}
    mean, tops = rank(model, sets, ks)
    base = R.perplexities(model, heldout)
    for k in opts.top:
        table_one(model, mean, k, heldout, base)
    for k in opts.own:
        table_two(model, tops[k], k, heldout, base)
    same = all(torch.equal(p, before[n]) for n, p in R.block_parameters(model).items())
    print(f"\nWeights bit-identical to the loaded model after every ablation: {same}.")


if __name__ == "__main__":
    main()

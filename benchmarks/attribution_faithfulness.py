"""Faithfulness of each attribution method on the real default model (ERASER, DeYoung et al. 2020).

For each prompt the target is the model's own greedy next token, with probability p. Tokens are
ranked by a method's scores; the top k% (k in 10, 20, 50; at least one token; BOS never) are
*deleted* by occlusion (replaced by the pad-token embedding, the same perturbation the `occlusion`
method uses, so that method is favoured by construction: read its row with that in mind).
  comprehensiveness = p(x) - p(x without the top k%)   (higher is better)
  sufficiency       = p(x) - p(only the top k% kept)   (lower is better)
averaged over k (AOPC style) and prompts; `random` ranks tokens at random (5 draws per prompt).

    .venv/bin/python benchmarks/attribution_faithfulness.py
"""

from __future__ import annotations

import math
import random
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.common import machine  # noqa: E402
from talkscope.tools.engine.attr_methods import Scorer, list_methods  # noqa: E402
from talkscope.tools.engine.loading import load_model  # noqa: E402

BINS = (0.1, 0.2, 0.5)
RANDOM_DRAWS = 5


def prompts() -> list[str]:
    path = Path(__file__).with_name("data") / "faithfulness_prompts.txt"
    return [x for x in path.read_text().splitlines() if x.strip() and not x.startswith("#")]


def erase_scores(scorer: Scorer, order: list[int]) -> tuple[float, float]:
    """(comprehensiveness, sufficiency) for one ranking of the non-special positions."""
    x, b = scorer.input_embeds, scorer.baseline_embeds
    rows = []
    for frac in BINS:
        top = order[: max(1, math.ceil(frac * len(order)))]
        deleted = x.clone()
        deleted[top] = b[top]
        kept = b.clone()
        kept[top] = x[top]
        rows += [deleted, kept]
    with torch.no_grad():
        p = scorer(torch.stack([x, *rows])).exp()
    comp = [float(p[0] - p[1 + 2 * i]) for i in range(len(BINS))]
    suff = [float(p[0] - p[2 + 2 * i]) for i in range(len(BINS))]
    return float(np.mean(comp)), float(np.mean(suff))


def main() -> None:
    model = load_model("default", device="cpu")
    results: dict[str, list[tuple[float, float]]] = {m: [] for m in [*(x.name for x in list_methods()), "random"]}
    rng = random.Random(0)
    texts = prompts()
    for n, prompt in enumerate(texts, 1):
        enc = model.encode(prompt)
        target = int(model.next_token_logits(enc.tensor(model.device))[0].argmax())
        scorer = Scorer(model, enc.ids, [target], None, enc.special)
        positions = [i for i, s in enumerate(enc.special) if not s]
        for method in list_methods():
            scores = method.attribute(scorer).scores
            order = sorted(positions, key=lambda i: -scores[i])  # noqa: B023
            results[method.name].append(erase_scores(scorer, order))
        draws = [erase_scores(scorer, rng.sample(positions, len(positions))) for _ in range(RANDOM_DRAWS)]
        results["random"].append(tuple(np.mean(draws, axis=0)))
        print(f"\r{n}/{len(texts)} prompts", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    print(f"# attribution faithfulness · {len(texts)} prompts · {machine()}")
    print("| method | comprehensiveness (higher better) | sufficiency (lower better) | beats random on both |")
    print("|---|---|---|---|")
    rand = np.mean(results["random"], axis=0)
    for method, rows in results.items():
        comp, suff = np.mean(rows, axis=0)
        ci = 1.96 * np.std(rows, axis=0, ddof=1) / math.sqrt(len(rows))
        beats = "—" if method == "random" else ("yes" if comp > rand[0] and suff < rand[1] else "**no**")
        print(f"| {method} | {comp:.3f} ± {ci[0]:.3f} | {suff:.3f} ± {ci[1]:.3f} | {beats} |")


if __name__ == "__main__":
    main()

"""talkscope vs Captum 0.9 on the same prompts, targets and model, alternating runs.

Occlusion vs `LLMAttribution(FeatureAblation)` with `forward_in_tokens=False` (Captum's fastest honest
configuration: one full forward per perturbation), integrated gradients vs
`LLMGradientAttribution(LayerIntegratedGradients)` with 32 steps. Both sides use the pad-token
baseline and skip BOS; the attributions are checked to agree (Spearman >= 0.99) before speed is compared.

    .venv/bin/python benchmarks/attribution_speed.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scipy.stats import spearmanr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.captum_ref import captum_integrated_gradients, captum_occlusion  # noqa: E402
from benchmarks.common import machine, median, timed  # noqa: E402
from talkscope.tools.attr_methods import METHODS, Scorer  # noqa: E402
from talkscope.tools.attribution import target_ids  # noqa: E402
from talkscope.tools.loading import load_model  # noqa: E402

CASES = [
    ("The capital of France is", "Paris"),
    ("When Mary and John went to the store after a long day at work, John gave a drink to", "Mary."),
]


def ours(model, prompt: str, tgt: list[int], method: str) -> list[float]:
    enc = model.encode(prompt)
    return METHODS[method](Scorer(model, enc.ids, tgt, None, enc.special)).scores[1:]  # BOS dropped


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    model = load_model("default", device="cpu")
    print(f"# attribution speed · {machine()}")
    print("| prompt tokens | target tokens | method | talkscope s | Captum s | speed-up | min Spearman |")
    print("|---|---|---|---|---|---|---|")
    pairs = [("occlusion", captum_occlusion), ("integrated_gradients", captum_integrated_gradients)]
    for prompt, target in CASES:
        tgt = target_ids(model, prompt, target, "target")
        n = len(model.encode(prompt))
        for method, reference in pairs:
            t_ours, t_ref, rhos = [], [], []
            for _ in range(args.repeats):  # alternate the two sides
                t1, a = timed(lambda: ours(model, prompt, tgt, method))  # noqa: B023
                t2, b = timed(lambda: reference(model, prompt, tgt))  # noqa: B023
                t_ours.append(t1)
                t_ref.append(t2)
                rhos.append(float(spearmanr(a, b).statistic))
            if min(rhos) < 0.99:
                raise SystemExit(f"{method} disagrees with Captum on {prompt!r}: Spearman {min(rhos):.3f}")
            print(f"| {n} | {len(tgt)} | {method} | {median(t_ours):.2f} | {median(t_ref):.2f} | "
                  f"{median(t_ref) / median(t_ours):.1f}x | {min(rhos):.4f} |", flush=True)


if __name__ == "__main__":
    main()

"""talkscope vs Captum 0.9 on the same prompts, targets and model, alternating runs.

Occlusion vs `LLMAttribution(FeatureAblation)` in both of its forward modes (Captum's default, the
prompt then one cached step per further target token, and `forward_in_tokens=False`, prompt and target
in one forward), compared with the faster of the two on each prompt; integrated gradients vs
`LLMGradientAttribution(LayerIntegratedGradients)` with 32 steps. Both sides use the pad-token
baseline and skip BOS; the attributions are checked to agree (Spearman >= 0.99) before speed is compared.

The last column is a ceiling, not a method: talkscope timed again with the log-probability over the 262k
unembedding replaced by a dot product with the target's row (`_no_vocabulary`), so it shows the largest
speed-up any faster unembedding could give, the transformer work that both sides do left as it is.

    .venv/bin/python benchmarks/attribution_speed.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import sys
from functools import partial
from pathlib import Path
from unittest import mock

from scipy.stats import spearmanr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.captum_ref import captum_integrated_gradients, captum_occlusion  # noqa: E402
from benchmarks.common import machine, median, timed  # noqa: E402
from talkscope.tools.attribution import target_ids  # noqa: E402
from talkscope.tools.engine.attr_methods import Scorer, get_method  # noqa: E402
from talkscope.tools.engine.loading import load_model  # noqa: E402

CASES = [
    ("The capital of France is", "Paris"),
    ("When Mary and John went to the store after a long day at work, John gave a drink to", "Mary."),
]


def ours(model, prompt: str, tgt: list[int], method: str) -> list[float]:
    enc = model.encode(prompt)
    return get_method(method).attribute(Scorer(model, enc.ids, tgt, None, enc.special)).scores[1:]  # BOS dropped


def _no_vocabulary(h, weight, bias, labels, softcap=None):
    """Stand-in for `label_logprob` that skips the vocabulary walk (for the ceiling column only)."""
    return (h * weight[labels]).sum(-1)


def ours_ceiling(model, prompt: str, tgt: list[int], method: str) -> list[float]:
    with mock.patch("talkscope.tools.engine.model.label_logprob", _no_vocabulary):
        return ours(model, prompt, tgt, method)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    model = load_model("default", device="cpu")
    print(f"# attribution speed · {machine()}")
    print("| prompt tokens | target tokens | method | talkscope s | Captum s (configuration) | speed-up "
          "| min Spearman | ceiling: speed-up without the unembedding |")
    print("|---|---|---|---|---|---|---|---|")
    occlusion_refs = {"default": partial(captum_occlusion, forward_in_tokens=True),
                      "forward_in_tokens=False": partial(captum_occlusion, forward_in_tokens=False)}
    pairs = [("occlusion", occlusion_refs), ("integrated_gradients", {"n_steps=32": captum_integrated_gradients})]
    for prompt, target in CASES:
        tgt = target_ids(model, prompt, target, "target")
        n = len(model.encode(prompt))
        for method, references in pairs:
            t_ours, t_ceil = [], []
            t_ref, rho = {name: [] for name in references}, {name: 1.0 for name in references}
            for _ in range(args.repeats):  # alternate the sides
                t1, a = timed(lambda: ours(model, prompt, tgt, method))  # noqa: B023
                t_ours.append(t1)
                t_ceil.append(timed(lambda: ours_ceiling(model, prompt, tgt, method))[0])  # noqa: B023
                for name, reference in references.items():
                    t2, b = timed(lambda: reference(model, prompt, tgt))  # noqa: B023
                    t_ref[name].append(t2)
                    rho[name] = min(rho[name], float(spearmanr(a, b).statistic))
            theirs = {name: (median(t), rho[name]) for name, t in t_ref.items()}
            print(_row(n, len(tgt), method, median(t_ours), theirs, median(t_ceil)), flush=True)


def _row(n: int, k: int, method: str, ours_s: float, theirs: dict[str, tuple[float, float]],
         ceiling_s: float) -> str:
    """A table row comparing with the fastest Captum configuration whose attributions agree with ours
    (Spearman >= 0.99); one that disagrees is shown, not compared."""
    agree = {name: t for name, (t, r) in theirs.items() if r >= 0.99}
    if not agree:
        raise SystemExit(f"{method} disagrees with every Captum configuration: {theirs}")
    fastest = min(agree, key=agree.get)
    shown = "; ".join(f"{t:.2f} ({name}{'' if r >= 0.99 else f', disagrees: Spearman {r:.3f}'})"
                      for name, (t, r) in theirs.items())
    return (f"| {n} | {k} | {method} | {ours_s:.2f} | {shown} | {agree[fastest] / ours_s:.1f}x vs {fastest} | "
            f"{theirs[fastest][1]:.4f} | {agree[fastest] / ceiling_s:.1f}x ({ceiling_s:.2f} s) |")


if __name__ == "__main__":
    main()

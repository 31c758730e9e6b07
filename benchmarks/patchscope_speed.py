"""The batched all-layer patchscope sweep (one `generate`, one row per layer) against a loop of
per-layer generations, on the default model, same prompts; decodings are checked to be identical.

    .venv/bin/python benchmarks/patchscope_speed.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.common import machine, median, timed  # noqa: E402
from talkscope.tools.engine.loading import load_model  # noqa: E402
from talkscope.tools.engine.patching import run_patchscope  # noqa: E402
from talkscope.tools.engine.sweeps import source_states  # noqa: E402
from talkscope.tools.patchscope import target_setup  # noqa: E402

CASES = [("The capital of France is", "France"), ("Leonardo da Vinci painted the Mona Lisa", "Vinci")]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    model = load_model("default", device="cpu")
    setup = target_setup("identity", None, None)
    print(f"# patchscope speed · identity preset, all {model.n_layers + 1} layers · {machine()}")
    print("| prompt | batched s | per-layer loop s | speed-up |")
    print("|---|---|---|---|")
    for prompt, token in CASES:
        _, _, layers, hidden = source_states(model, prompt, token, None)
        t_b, t_l = [], []
        for _ in range(args.repeats):
            tb, batched = timed(lambda: run_patchscope(model, hidden, layers, **setup))  # noqa: B023
            tl, looped = timed(lambda: [run_patchscope(model, hidden[i:i + 1], [ell], **setup)[0]  # noqa: B023
                                        for i, ell in enumerate(layers)])  # noqa: B023
            if [b.text for b in batched] != [x.text for x in looped]:
                raise SystemExit(f"batched and looped decodings differ on {prompt!r}")
            t_b.append(tb)
            t_l.append(tl)
        print(f"| {prompt!r} @ {token!r} | {median(t_b):.2f} | {median(t_l):.2f} | {median(t_l) / median(t_b):.1f}x |",
              flush=True)


if __name__ == "__main__":
    main()

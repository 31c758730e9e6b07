"""Occlusion end to end: the whole `attribution` tool call (what `talkscope tool attribution --json` does once
the model is loaded: argument checks, tokenizing, the target's score, the method, the answer's numbers and the
figure) against Captum's `LLMAttribution(FeatureAblation)` call, beside the method-only comparison of
`attribution_speed.py`, in one run with alternating sides.

Two talkscope timings: until the JSON can be printed (the figure is drawn in the background, see
tools/engine/drawing.py), and until the figure is on disk as well.

    .venv/bin/python -m benchmarks.attribution_e2e [--repeats 5]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from benchmarks.attribution_speed import CASES, ours
from benchmarks.captum_ref import captum_occlusion
from benchmarks.common import machine, median, timed
from talkscope.tools.attribution import target_ids
from talkscope.tools.base import ToolContext, get_tool
from talkscope.tools.engine.drawing import wait_for_figures
from talkscope.tools.engine.loading import load_model


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    opts = parser.parse_args()
    model = load_model("default", device="cpu")
    ctx = ToolContext(out_dir=Path(tempfile.mkdtemp(prefix="talkscope-e2e-")))
    ctx._model = model
    tool = get_tool("attribution")
    print(f"# occlusion end to end · {machine()}")
    print("| prompt tokens | method only: talkscope / Captum s | speed-up | tool call to JSON s | "
          "with figure drawn s | Captum call s | end-to-end speed-up (JSON / with figure) |")
    print("|---|---|---|---|---|---|---|")
    for prompt, target in CASES:
        tgt = target_ids(model, prompt, target, "target")
        args = {"prompt": prompt, "target": target, "method": "occlusion"}
        t_method, t_json, t_fig, t_ref = [], [], [], []
        for _ in range(opts.repeats + 1):  # the first round warms up both sides and is dropped
            t_method.append(timed(lambda: ours(model, prompt, tgt, "occlusion"))[0])  # noqa: B023
            t_json.append(timed(lambda: tool(ctx, args))[0])  # noqa: B023
            t_fig.append(t_json[-1] + timed(wait_for_figures)[0])
            t_ref.append(timed(lambda: captum_occlusion(model, prompt, tgt))[0])  # noqa: B023
        m, j, f, r = (median(t[1:]) for t in (t_method, t_json, t_fig, t_ref))
        print(f"| {len(model.encode(prompt))} | {m:.2f} / {r:.2f} | {r / m:.1f}x | {j:.2f} | {f:.2f} | {r:.2f} | "
              f"{r / j:.1f}x / {r / f:.1f}x |", flush=True)


if __name__ == "__main__":
    main()

"""Competence against performance on the shipped minimal-pair suites (Hu & Levy 2023): for each phenomenon, the
accuracy of the direct comparison of log-probabilities against asking the model in words which sentence is
better (both orders), on the default model and on SmolLM2-135M; and the issue's example, "The capital of France
is", with "Paris" against "Lyon". Prints markdown tables for benchmarks/README.md.

    .venv/bin/python -m benchmarks.competence [default] [smollm2]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import machine, model_path
from talkscope.tools.base import ToolContext, get_tool
from talkscope.tools.engine.loading import load_model


def run(name: str) -> None:
    ctx = ToolContext(out_dir=Path(tempfile.mkdtemp()))
    ctx._model = load_model(model_path(name), device="cpu")
    start = time.perf_counter()
    suite = get_tool("competence")(ctx, {"suite": "all"}).data
    elapsed = time.perf_counter() - start
    print(f"\n## {ctx.model.name}: {suite['n']} pairs in {elapsed:.0f} s\n")
    print("| phenomenon | pairs | direct (log-probabilities) | asked in words |\n|---|---|---|---|")
    for r in suite["suites"]:
        direct, meta = r["direct_ci"], r["meta_ci"]
        print(f"| {r['suite']} | {r['n']} | {r['direct_accuracy']:.3f} [{direct[0]:.2f}, {direct[1]:.2f}] | "
              f"{r['meta_accuracy']:.3f} [{meta[0]:.2f}, {meta[1]:.2f}] |")
    print(f"| **all** | {suite['n']} | **{suite['direct_accuracy']:.3f}** [{suite['direct_ci'][0]:.2f}, "
          f"{suite['direct_ci'][1]:.2f}] | **{suite['meta_accuracy']:.3f}** [{suite['meta_ci'][0]:.2f}, "
          f"{suite['meta_ci'][1]:.2f}] |")
    holds = "holds" if suite["direct_beats_meta"] else "does not hold"
    print(f"\nDirect beats asking in words: the claim {holds} on {ctx.model.name}. Asked in words, it answers \"1\" "
          f"to {suite['meta_says_one']:.0%} of the questions, whichever sentence comes first.")
    example = get_tool("competence")(ctx, {"prompt": "The capital of France is", "candidates": ["Paris", "Lyon"]})
    print(f"\nExample: {example.sentences('E1').replace(' [E1]', '')}")


def main() -> None:
    print(f"# competence on minimal pairs · {machine()}")
    for name in sys.argv[1:] or ["default", "smollm2"]:
        run(name)


if __name__ == "__main__":
    main()

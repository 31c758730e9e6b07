"""Every tool that takes a prompt, on a 2,000-token prompt: wall time and the process's peak resident memory
(target: each one answers, with progress where it takes more than a couple of seconds, or refuses with its limit).

    .venv/bin/python -m benchmarks.long_prompts [--tokens 2000]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from benchmarks.common import machine
from talkscope.tools.base import ToolContext, get_tool
from talkscope.tools.engine.errors import TalkscopeError

TEXT = ("The river valley has a long history of small towns, stone bridges and weekly markets, and its people "
        "still tell stories about the floods of the old century. ")


def prompt_of(ctx: ToolContext, tokens: int) -> str:
    tok = ctx.model.tokenizer
    ids = tok(TEXT * (tokens // 20 + 1), add_special_tokens=False)["input_ids"][: tokens - 8]
    return tok.decode(ids) + " The capital of France is"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tokens", type=int, default=2000)
    opts = parser.parse_args()
    ctx = ToolContext(out_dir=Path(tempfile.mkdtemp(prefix="talkscope-long-")))
    prompt = prompt_of(ctx, opts.tokens)
    n = len(ctx.model.encode(prompt))
    print(f"# tools on a {n}-token prompt · {machine()}")
    print(f"model loaded: peak RSS {peak_mb():.0f} MB")
    print("| tool (arguments) | outcome | seconds | peak RSS MB after |")
    print("|---|---|---|---|")
    calls = [("generate", {}), ("logit_lens", {}), ("patchscope", {"token": "France", "layer": [4, 8, 12]}),
             ("attribution", {"method": "saliency"}), ("attribution", {"method": "integrated_gradients"}),
             ("attribution", {"method": "occlusion"}), ("attribution", {}), ("confidence", {}), ("sources", {})]
    for name, extra in calls:
        start = time.perf_counter()
        try:
            outcome = "answered" if get_tool(name)(ctx, {"prompt": prompt, **extra}).ok else "failed"
        except TalkscopeError as err:
            outcome = f"refused: {err}"
        label = f"{name} ({', '.join(f'{k}={v}' for k, v in extra.items())})" if extra else name
        print(f"| {label} | {outcome} | {time.perf_counter() - start:.1f} | {peak_mb():.0f} |", flush=True)


if __name__ == "__main__":
    main()

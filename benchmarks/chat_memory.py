"""Resident memory over a long chat: 300 turns of one Agent session on the real default model, RSS measured
every 50 turns (target: flat once the model and the router are loaded; the session keeps only what follow-ups
read, and figures are rotated per kind).

The turns cycle through every tool and through follow-ups, so each tool's caches and figures are exercised;
prompts vary with the turn number so nothing is answered from a memo. Costs about 10 minutes on 2 CPU cores.

Run: .venv/bin/python -m benchmarks.chat_memory [--turns 300] [--every 50]
"""

from __future__ import annotations

import argparse
import gc
import resource
import tempfile
import time
from pathlib import Path

from benchmarks.common import machine
from talkscope.agent.core import Agent
from talkscope.tools.base import ToolContext

SUBJECTS = ["France", "Italy", "Spain", "Japan", "Egypt", "Canada", "Peru", "Kenya", "Norway", "Chile"]


def turn(i: int) -> str:
    country = SUBJECTS[i % len(SUBJECTS)]
    prompt = f"The capital of {country} is"
    cycle = [
        f'What does the model say after "{prompt}"?',
        f'Why did the model say what it said after "{prompt}"? Use saliency.',
        "Same with occlusion",
        f'What does layer {4 + i % 12} encode at "{country}" in "{prompt}"?',
        "what about the ninth layer?",
        f'Show the logit lens for "{prompt}"',
        f"Which documents mention {country}?",
        "What can you do?",
        f'Is "{country}" decodable by a probe for sentiment at layer {3 + i % 10}?',
        f'How sure is the model about "{prompt}"?',
    ]
    return cycle[i % len(cycle)]


def rss_mb() -> float:
    """Current resident set size (from /proc; the peak from getrusage where /proc is absent)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=300)
    parser.add_argument("--every", type=int, default=50)
    opts = parser.parse_args()
    print(machine())
    out = Path(tempfile.mkdtemp(prefix="talkscope-chat-memory-"))
    agent = Agent(ToolContext(out_dir=out))
    _ = agent.ctx.model
    start, failed = time.perf_counter(), 0
    print(f"{'turns':>6}  {'RSS MB':>8}  {'session calls':>13}  {'figures':>7}  {'elapsed s':>9}")
    for i in range(opts.turns + 1):
        if i % opts.every == 0:
            gc.collect()
            print(f"{i:>6}  {rss_mb():>8.0f}  {len(agent.session.calls):>13}  {len(list(out.glob('*.png'))):>7}  "
                  f"{time.perf_counter() - start:>9.0f}", flush=True)
        if i < opts.turns:
            failed += bool(agent.ask(turn(i)).failed_calls)
    print(f"{failed} of {opts.turns} turns had a tool that could not run")


if __name__ == "__main__":
    main()

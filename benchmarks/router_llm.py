"""Does a grammar-constrained parse by a local language model help the router where it is unsure?

For each turn whose intent the classifier reads below its clarify threshold (or as out of scope), the local
model (SmolLM2-135M-Instruct or Gemma 3 270M) chooses the tool, prompted with the tools' one-line
descriptions and the nearest training utterances with their tools (as TalkToModel prompts its parser with the
nearest exemplars). The grammar is the finite set of tool names plus "none": every alternative is scored by
its total log-probability after the prompt, which is exact constrained decoding over that grammar. Arguments
still come from the slot rules. Prints exact match on the blind sets with and without the fallback (aggregates
only) and the fallback's latency.

    .venv/bin/python -m benchmarks.router_llm [smollm2|default]
"""

from __future__ import annotations

import copy
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

from benchmarks.common import machine, model_path
from benchmarks.router_blind import score
from talkscope.agent.intent import OUT_OF_SCOPE, training_set
from talkscope.agent.router import Router
from talkscope.agent.routes import mask_quotes
from talkscope.tools.engine.families import cache_kwargs, output_cache
from talkscope.tools.engine.loading import load_model

SETS = [Path("tests/data/router_blind.jsonl"), Path("tests/data/router_blind_b.jsonl")]
SHOTS = 8


class LLMFallback(Router):
    """The default router, with the local model choosing the tool where the classifier is unsure."""

    def __init__(self, adapter) -> None:
        super().__init__()
        self.adapter = adapter
        rows = training_set(self.specs)
        self.rows = rows
        self.vectors = np.asarray(self._embed([r.text for r in rows]))
        self.catalog = "\n".join(f"- {n}: {s.tool.description}" for n, s in self.specs.items())
        self.latencies: list[float] = []

    def intent(self, turn: str) -> tuple[str, float]:
        tool, confidence = super().intent(turn)
        if tool != OUT_OF_SCOPE and confidence >= self.head.threshold:
            return tool, confidence
        start = time.perf_counter()
        choice = self.parse(turn)
        self.latencies.append((time.perf_counter() - start) * 1000)
        return (OUT_OF_SCOPE, 1.0) if choice == "none" else (choice, self.head.threshold)

    def parse(self, turn: str) -> str:
        masked = mask_quotes(turn)
        near = np.argsort(-(self.vectors @ self._embed([masked])[0]))[:SHOTS]
        shots = "\n".join(f"Q: {self.rows[i].text}\nA: {self._name(self.rows[i].label)}" for i in near[::-1])
        prompt = (f"Choose the tool that answers the question, or none.\nTools:\n{self.catalog}\n- none: not "
                  f"about the model\n\n{shots}\nQ: {masked}\nA:")
        options = [*self.specs, "none"]
        return options[int(np.argmax(self._logprobs(prompt, [f" {o}" for o in options])))]

    @staticmethod
    def _name(label: str) -> str:
        return "none" if label == OUT_OF_SCOPE else label

    @torch.no_grad()
    def _logprobs(self, prompt: str, options: list[str]) -> list[float]:
        """Total log-probability of each option after the prompt: the prompt runs once, the options then
        continue its key-value cache as one batch."""
        tok = self.adapter.tokenizer
        head = tok(prompt, return_tensors="pt").input_ids
        out = self.adapter.model(head, use_cache=True)
        first = torch.log_softmax(out.logits[0, -1].float(), -1)
        scores = []
        for option in options:  # a few tokens each: continue the cached prompt one option at a time
            tail = tok(option, add_special_tokens=False, return_tensors="pt").input_ids[0]
            total, cache = float(first[tail[0]]), copy.deepcopy(output_cache(out))
            if len(tail) > 1:
                logits = self.adapter.model(tail[None, :-1], use_cache=True,
                                            **cache_kwargs(self.adapter.model, cache)).logits[0].float()
                total += float(torch.log_softmax(logits, -1).gather(1, tail[1:, None]).sum())
            scores.append(total)
        return scores


def main() -> None:
    name = sys.argv[1] if len(sys.argv) > 1 else "smollm2"
    plain = Router()
    fallback = LLMFallback(load_model(model_path(name), device="cpu"))
    print(f"# grammar-constrained fallback ({name}) · {machine()}\n")
    print("| set | router | router + LLM fallback | fallback calls | fallback median ms |\n|---|---|---|---|---|")
    for path in SETS:
        fallback.latencies.clear()
        a, _ = score(plain, path)
        b, _ = score(fallback, path)
        lat = statistics.median(fallback.latencies) if fallback.latencies else float("nan")
        print(f"| {path.name} | {a['overall'][0] / a['overall'][1]:.3f} | {b['overall'][0] / b['overall'][1]:.3f} "
              f"| {len(fallback.latencies)} | {lat:.0f} |")


if __name__ == "__main__":
    main()

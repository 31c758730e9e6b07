"""Batched continuation with per-token probabilities, shared by the tools that let the model speak."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

from talkscope.tools.engine.families import cache_kwargs, output_cache
from talkscope.tools.engine.model import ModelAdapter

SHARED_PREFIX_MIN_TOKENS = 64  # shorter prompts keep the plain path: reading them once per row costs little


@dataclass(frozen=True)
class Continuation:
    """One generated continuation: its tokens, each token's probability and the entropy (bits) of the
    distribution it was drawn from (both under the model's raw, temperature-1 distribution)."""

    prompt: str
    ids: list[int]
    tokens: list[str]
    probs: list[float]
    entropies: list[float]
    text: str

    @property
    def logprob(self) -> float:
        return float(sum(math.log(max(p, 1e-45)) for p in self.probs))


@torch.no_grad()
def continue_prompts(
    model: ModelAdapter, prompts: Sequence[str], max_new_tokens: int = 20, *,
    sample: bool = False, temperature: float = 1.0, num_return_sequences: int = 1, scores: bool = True,
    stop_strings: list[str] | None = None,
) -> list[Continuation]:
    """Continue every prompt in one batched `generate` (left padding). With `num_return_sequences`
    > 1 the result holds that many continuations per prompt, prompt by prompt. Without `scores` the
    probabilities and entropies are left empty (keeping a [rows, vocabulary] tensor per step is most of
    the cost of sampling many rows)."""
    tok = model.tokenizer
    ids, mask = model.left_pad([model.encode(p) for p in prompts])
    width, pad = ids.shape[1], tok.pad_token_id
    rows, extra = num_return_sequences, {}
    if len(prompts) == 1 and rows > 1 and width >= SHARED_PREFIX_MIN_TOKENS:
        # Many continuations of one long prompt: read the prompt once and let every row continue its key/value
        # cache, instead of `num_return_sequences` reading it again per row (10 samples of a 2,000-token prompt
        # were 11 reads of it).
        cache = shared_prefix_cache(model, ids[:, :-1], rows, mask[:, :-1])
        ids, mask, rows, extra = ids.expand(rows, -1), mask.expand(rows, -1), 1, cache_kwargs(model.model, cache)
    out = model.model.generate(
        input_ids=ids, attention_mask=mask, max_new_tokens=max_new_tokens, do_sample=sample,
        temperature=temperature if sample else None, top_k=0 if sample else None, top_p=None,
        num_return_sequences=rows, output_logits=scores, return_dict_in_generate=True,
        pad_token_id=pad, eos_token_id=tok.eos_token_id, **extra,
        **({"stop_strings": stop_strings, "tokenizer": tok} if stop_strings else {}),
    )
    new = out.sequences[:, width:]  # [rows, steps]
    chosen = entropy = torch.zeros(new.shape[0], 0)
    if scores:
        logp = torch.stack(out.logits, dim=1).float().log_softmax(-1)  # [rows, steps, V]
        chosen = logp.gather(-1, new.unsqueeze(-1)).squeeze(-1).exp()
        entropy = -(logp.exp() * logp).nan_to_num().sum(-1) / math.log(2)
    results = []
    for row in range(new.shape[0]):
        keep = until_eos(new[row].tolist(), tok.eos_token_id)
        row_ids = new[row, :keep].tolist()
        results.append(Continuation(
            prompt=prompts[row // num_return_sequences], ids=row_ids,
            tokens=[tok.decode([i]) for i in row_ids], probs=chosen[row, :keep].tolist(),
            entropies=entropy[row, :keep].tolist(), text=tok.decode(row_ids, skip_special_tokens=True),
        ))
    return results


def shared_prefix_cache(model: ModelAdapter, prefix: torch.Tensor, rows: int,
                        mask: torch.Tensor | None = None) -> Any:
    """The key/value cache of one prefix ([1, T]) read once, repeated for `rows` rows that all continue it."""
    cache = output_cache(model.model(prefix, attention_mask=mask, use_cache=True))
    cache.batch_repeat_interleave(rows)
    return cache


def until_eos(ids: list[int], eos: int | list[int] | None) -> int:
    """How many generated tokens to keep: up to (excluding) the first end-of-sequence."""
    stops = set(eos if isinstance(eos, list) else [eos]) - {None}
    return next((i for i, t in enumerate(ids) if t in stops), len(ids))


def first_sentence(text: str) -> str:
    """The answer part of a continuation: up to the end of its first sentence or line."""
    import re

    text = text.lstrip("\n")
    line = text.split("\n", 1)[0]
    match = re.search(r"[.!?](?=\s|$)", line)
    return line[: match.end()] if match else line

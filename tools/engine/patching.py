"""The Patchscopes engine (Ghandeharioun et al., ICML 2024): take the hidden state of a source
(prompt, layer l, position i), map it (identity, or an affine map between two models), write it into
a target prompt at (layer l*, position i*), and let the target model continue greedily.

A sweep over source layers is one batched `generate`: row r carries its own (l*, i*, vector). All
rows share the target prompt, so no padding is needed; KV-cache decoding steps are left untouched by
the adapter's patch context.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from talkscope.tools.engine.errors import TalkscopeError
from talkscope.tools.engine.families import cache_kwargs
from talkscope.tools.engine.generation import shared_prefix_cache, until_eos
from talkscope.tools.engine.model import Encoding, ModelAdapter, Patch


@dataclass(frozen=True)
class Decoding:
    source_layer: int
    target_layer: int
    text: str
    tokens: list[str]
    logprob: float        # sum of the generated tokens' log-probabilities
    first_prob: float     # probability of the first generated token


def locate_placeholder(model: ModelAdapter, target_prompt: str, placeholder: str) -> tuple[Encoding, int]:
    """The encoded target prompt and its position to patch: the last token of the placeholder's last
    occurrence."""
    if not target_prompt.strip():
        raise TalkscopeError(
            "the target prompt is empty: give a prompt with the placeholder, e.g. 'The capital of x is'")
    hits = list(re.finditer(rf"(?<!\w){re.escape(placeholder)}(?!\w)", target_prompt))
    at = hits[-1].start() if hits else -1
    if at < 0:
        raise TalkscopeError(
            f"the target prompt {target_prompt!r} has no placeholder {placeholder!r}: write it where the "
            "hidden state should go, e.g. 'The capital of x is'")
    enc = model.encode(target_prompt)
    hits = [i for i, (a, b) in enumerate(enc.offsets) if a < at + len(placeholder) and b > at and not enc.special[i]]
    return enc, hits[-1]


@torch.no_grad()
def run_patchscope(
    target: ModelAdapter, vectors: torch.Tensor, source_layers: Sequence[int], target_prompt: str,
    placeholder: str, max_new_tokens: int, target_layer: Callable[[int], int] = lambda layer: layer,
    answer_after: str | None = None, stop_at: str | None = None,
) -> list[Decoding]:
    """Patch each vector ([R, D], already in the target model's space) into its own row of the target
    prompt at layer target_layer(source_layer) and generate greedily, all rows in one batch.
    `answer_after`: generated tokens up to and including this text (e.g. the identity prompt's "->")
    are format, not answer; `stop_at`: the answer ends before this text (e.g. a newline)."""
    enc, pos = locate_placeholder(target, target_prompt, placeholder)
    rows = len(source_layers)
    ids = enc.tensor(target.device).expand(rows, -1)
    layers = [target.check_layers(target_layer(ell))[0] for ell in source_layers]
    patches = [Patch(layer=lt, position=pos, vector=vectors[r], row=r) for r, lt in enumerate(layers)]
    tok = target.tokenizer
    # The target prompt before the placeholder is the same, unpatched, in every row: run it once and
    # share its KV cache, so each row only computes the placeholder onwards.
    cache = shared_prefix_cache(target, ids[:1, :pos], rows)
    with target.patch(patches, start=pos):
        out = target.model.generate(
            input_ids=ids, attention_mask=torch.ones_like(ids), **cache_kwargs(target.model, cache),
            max_new_tokens=max_new_tokens, do_sample=False, output_logits=True, return_dict_in_generate=True,
            pad_token_id=tok.pad_token_id, temperature=None, top_p=None, top_k=None,
        )
    new = out.sequences[:, ids.shape[1]:]
    logp = torch.stack(out.logits, 1).float().log_softmax(-1).gather(-1, new[..., None])[..., 0]  # [R, steps]
    result = []
    for r, (ls, lt) in enumerate(zip(source_layers, layers)):
        keep = until_eos(new[r].tolist(), tok.eos_token_id)
        pieces = [tok.decode([t]) for t in new[r, :keep].tolist()]
        start, end = _answer_span(pieces, answer_after, stop_at)
        lp = logp[r, start:end].tolist()
        result.append(Decoding(ls, lt, "".join(pieces[start:end]), pieces[start:end], float(sum(lp)),
                               math.exp(lp[0]) if lp else 0.0))
    return result


def _answer_span(pieces: list[str], answer_after: str | None, stop_at: str | None) -> tuple[int, int]:
    """[start, end) of the answer tokens among the generated ones."""
    start = 0
    if answer_after:
        text = ""
        for i, piece in enumerate(pieces):
            text += piece
            if text.strip() == answer_after:
                start = i + 1
                break
            if not answer_after.startswith(text.strip()):
                break
    end = len(pieces)
    if stop_at:
        end = next((i for i in range(start, len(pieces)) if stop_at in pieces[i]), len(pieces))
    return start, end

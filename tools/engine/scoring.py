"""Log-probabilities of continuations and sentences, batched: the direct measurement of what a model represents
(Hu & Levy 2023), against which what it says when asked in words is compared.

Each item is (context ids, continuation ids); one forward per batch of items (left padded), and only the
continuation's positions are unembedded, through the adapter's `token_logprob` (no [rows, vocabulary] logits kept).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from talkscope.tools.engine.errors import TalkscopeError
from talkscope.tools.engine.model import ModelAdapter

ROWS_PER_FORWARD = 32
NO_SPACE_BEFORE = tuple(".,;:!?)]}'\"’”…")


@dataclass(frozen=True)
class Item:
    context: list[int]
    continuation: list[int]


def joined(prompt: str, continuation: str) -> str:
    """The continuation as it follows the prompt: a space between them unless one is already there or the
    continuation starts with punctuation."""
    if prompt[-1:].isspace() or continuation[:1].isspace() or continuation.startswith(NO_SPACE_BEFORE):
        return continuation
    return " " + continuation


def continuation_item(model: ModelAdapter, prompt: str, continuation: str) -> Item:
    ids = model.tokenizer(joined(prompt, continuation), add_special_tokens=False)["input_ids"]
    if not continuation.strip() or not ids:
        raise TalkscopeError(f"the candidate {continuation!r} has no tokens: give the words that would follow the "
                             "prompt, e.g. \"Paris\"")
    return Item(model.encode(prompt).ids, list(ids))


def sentence_item(model: ModelAdapter, sentence: str) -> Item:
    """A whole sentence, scored from its first token after the tokenizer's special prefix (or from its second
    token where the tokenizer adds none: the first has nothing to be predicted from)."""
    enc = model.encode(sentence)
    lead = next((i for i, s in enumerate(enc.special) if not s), len(enc))
    cut = max(1, lead)
    return Item(enc.ids[:cut], enc.ids[cut:])


def token_logprobs(model: ModelAdapter, items: Sequence[Item],
                   advance: Callable[[int], None] = lambda n: None) -> list[list[float]]:
    """Each item's continuation tokens' log-probabilities, in order."""
    order = sorted(range(len(items)), key=lambda i: len(items[i].context) + len(items[i].continuation))
    out: dict[int, list[float]] = {}
    for lo in range(0, len(order), ROWS_PER_FORWARD):
        batch = [items[i] for i in order[lo:lo + ROWS_PER_FORWARD]]
        for i, scores in zip(order[lo:lo + ROWS_PER_FORWARD], _batch_logprobs(model, batch)):
            out[i] = scores
        advance(len(batch))
    return [out[i] for i in range(len(items))]


@torch.no_grad()
def option_logprobs(model: ModelAdapter, contexts: Sequence[list[int]], options: Sequence[list[int]],
                    advance: Callable[[int], None] = lambda n: None) -> list[list[float]]:
    """Per context, the log-probability of each option (token lists that differ only in their last token, e.g. " 1"
    and " 2"): one forward per context, read at one position, instead of one forward per (context, option)."""
    shared, lasts = options[0][:-1], [o[-1] for o in options]
    if any(o[:-1] != shared for o in options):
        raise ValueError("options must differ only in their last token")
    items = [Item(list(c) + shared, []) for c in contexts]
    out: list[list[float]] = []
    for lo in range(0, len(items), ROWS_PER_FORWARD):
        batch = items[lo:lo + ROWS_PER_FORWARD]
        ids, mask = model.left_pad([it.context for it in batch])
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        last = model.model.base_model(input_ids=ids, attention_mask=mask, position_ids=positions,
                                      use_cache=False).last_hidden_state[:, -1:]
        logp = model.head(last)[:, 0].float().log_softmax(-1)[:, lasts]
        out += logp.tolist()
        advance(len(batch))
    return out


@torch.no_grad()
def _batch_logprobs(model: ModelAdapter, batch: list[Item]) -> list[list[float]]:
    lp = continuation_logprobs(model, batch).tolist()
    out, at = [], 0
    for it in batch:
        out.append(lp[at:at + len(it.continuation)])
        at += len(it.continuation)
    return out


def continuation_logprobs(model: ModelAdapter, batch: Sequence[Item]) -> torch.Tensor:
    """The log-probabilities of every item's continuation tokens, item after item ([sum of lengths]), from one
    left-padded forward; differentiable in the model's parameters when gradients are on."""
    ids, mask = model.left_pad([it.context + it.continuation for it in batch])
    width = ids.shape[1]
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    normed = model.model.base_model(input_ids=ids, attention_mask=mask, position_ids=positions,
                                    use_cache=False).last_hidden_state
    rows, cols, labels = [], [], []
    for r, it in enumerate(batch):
        n = len(it.continuation)
        rows += [r] * n
        cols += list(range(width - n - 1, width - 1))  # the position before each continuation token
        labels += it.continuation
    flat = normed[torch.tensor(rows), torch.tensor(cols)]
    return model.token_logprob(flat, torch.tensor(labels, device=model.device))

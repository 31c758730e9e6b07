"""The attribution score and the batched sweeps that evaluate it.

Conventions (shared with Captum so the two can be compared): the score is the summed log-probability
of the target tokens under teacher forcing (minus that of a contrast, if given); the baseline of a
token is the embedding of the pad token; special tokens (BOS) are never perturbed. Every sweep is
batched, chunked only to bound memory, with the unembedding computed at the target positions alone.

Occlusion rows share more: the row that occludes token i equals the unperturbed prompt before i. So
`occlusion_scores` packs the unperturbed prompt and every row's differing suffix into one sequence,
each suffix reading the unperturbed prefix through a custom attention mask: about half the token work
of full rows, and still one pass over the weights (on CPU a short forward costs a weight pass, not
its tokens). Later chunks read that prefix from the first chunk's key/value cache.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from talkscope.tools.engine.model import ModelAdapter

GRAD_TOKENS_PER_CHUNK = 4096     # tokens per backward chunk: ~1 MB of saved activations per token
FORWARD_TOKENS_PER_CHUNK = 16384  # tokens per no-grad chunk
PACK_MAX_PROMPT = 256            # occlusion packs rows for prompts up to this many tokens ...
PACK_TOKENS_PER_CHUNK = 768      # ... this many packed tokens per forward (the dense mask grows as its square)

Progress = Callable[[int], None]  # called with the number of rows just finished


@dataclass
class Scorer:
    """score(prompt_embeds [R, n, D]) -> [R]: log p(target | prompt) - log p(contrast | prompt).
    Rows must keep the special tokens as they are in the prompt."""

    model: ModelAdapter
    prompt_ids: list[int]
    target_ids: list[int]
    contrast_ids: list[int] | None = None
    special: list[bool] = field(default_factory=list)

    def __post_init__(self) -> None:
        dev = self.model.device
        self.input_embeds = self.model.token_embeddings(torch.tensor([self.prompt_ids], device=dev))[0].detach()
        pad = self.model.tokenizer.pad_token_id
        base = self.model.token_embeddings(torch.tensor([[pad] * len(self.prompt_ids)], device=dev))[0].detach()
        keep = torch.tensor(self.special, device=dev)[:, None]
        self.baseline_embeds = torch.where(keep, self.input_embeds, base)  # specials stay as they are
        self._prefix_cache: object = None

    def branches(self) -> list[tuple[list[int], float]]:
        """(token ids, sign) of each scored continuation."""
        return [(self.target_ids, 1.0)] + ([(self.contrast_ids, -1.0)] if self.contrast_ids else [])

    def fixed_prefix(self) -> int:
        """How many leading prompt tokens every row shares (the leading special tokens, never perturbed):
        callers may pass rows from this position on (`start`), and those tokens are computed once and
        read from a key/value cache. 0 where a cache cannot stand in (beyond the sliding window)."""
        if not self.packable():
            return 0
        return next((i for i, sp in enumerate(self.special) if not sp), len(self.special) - 1)

    def _prefix(self, rows: int, start: int) -> object:
        """A key/value cache of the prompt's first `start` tokens for `rows` rows (computed once)."""
        if self._prefix_cache is None:
            cache = self.model.empty_cache()
            with torch.no_grad():
                pos = torch.arange(start, device=self.input_embeds.device)[None]
                self.model.normed_from_embeddings(self.input_embeds[None, :start], pos, None, cache)
            self._prefix_cache = cache
        return self.model.cache_prefix(self._prefix_cache, start, rows)

    def _forward(self, embeds: torch.Tensor, start: int, mask: torch.Tensor | None = None,
                 pos: torch.Tensor | None = None) -> torch.Tensor:
        """Final-normed states of rows [R, T, D] that begin at prompt position `start`; `mask` [T, T] bool
        (None: causal) and `pos` [T] (None: consecutive) describe a packed layout."""
        rows, dev = embeds.shape[0], embeds.device
        if start == 0 and mask is None:
            return self.model.normed_from_embeddings(embeds)
        pos = torch.arange(start, start + embeds.shape[1], device=dev) if pos is None else pos
        additive = None
        if mask is not None:
            seen = torch.ones(mask.shape[0], start, dtype=torch.bool, device=dev)
            additive = _additive(torch.cat([seen, mask], 1), embeds.dtype)[None, None]
        cache = self._prefix(rows, start) if start else None
        return self.model.normed_from_embeddings(embeds, pos[None].expand(rows, -1), additive, cache)

    def _logprob(self, prompt_embeds: torch.Tensor, target: list[int], start: int = 0) -> torch.Tensor:
        rows, k = prompt_embeds.shape[0], len(target)
        ids = torch.tensor(target, device=prompt_embeds.device)
        tail = self.model.token_embeddings(ids[None, :-1]).expand(rows, -1, -1)  # teacher forcing
        normed = self._forward(torch.cat([prompt_embeds, tail], 1), start)
        return self.model.label_logprob(normed[:, -k:], ids)

    def __call__(self, prompt_embeds: torch.Tensor, start: int = 0) -> torch.Tensor:
        """Scores of rows holding the prompt's embeddings from position `start` on (the tokens before it
        are the prompt's own: see `fixed_prefix`)."""
        if self.contrast_ids and self.packable():
            return self._joint(prompt_embeds, start)
        return sum(sign * self._logprob(prompt_embeds, ids, start) for ids, sign in self.branches())

    def packable(self) -> bool:
        """Whether a custom mask can stand for the model's own (it does not encode sliding windows)."""
        window = self.model.sliding_window
        longest = max(len(ids) for ids, _ in self.branches())
        return window is None or len(self.prompt_ids) + longest - 1 < window

    def _joint(self, prompt_embeds: torch.Tensor, start: int) -> torch.Tensor:
        """Target and contrast continue one copy of each prompt row: [prompt, target tail, contrast tail]
        under a mask that hides one tail from the other (half the work of a forward per branch)."""
        rows, dev = prompt_embeds.shape[0], prompt_embeds.device
        lay = _layout(self, torch.tensor([start], device=dev), unperturbed_first=True)
        tails = torch.cat(lay.embeds[1:])[None].expand(rows, -1, -1)
        normed = self._forward(torch.cat([prompt_embeds, tails], 1), start, _own(lay), torch.cat(lay.pos))
        return sum(sign * self.model.label_logprob(normed[:, at[0]], torch.tensor(ids, device=dev))
                   for (ids, sign), at in zip(self.branches(), lay.reads))

    def rows_per_chunk(self, grad: bool) -> int:
        seq = len(self.prompt_ids) + len(self.target_ids) + len(self.contrast_ids or [])
        return max(1, (GRAD_TOKENS_PER_CHUNK if grad else FORWARD_TOKENS_PER_CHUNK) // seq)


def grads(scorer: Scorer, embeds: torch.Tensor, progress: Progress | None,
          start: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """(d score / d embeds [R, n, D], score [R]) for each row (from prompt position `start` on), in
    memory-bounded chunks."""
    out, values = [], []
    step = scorer.rows_per_chunk(grad=True)
    for first in range(0, embeds.shape[0], step):
        chunk = embeds[first:first + step].detach().requires_grad_(True)
        score = scorer(chunk, start)
        (grad,) = torch.autograd.grad(score.sum(), chunk)
        out.append(grad)
        values.append(score.detach())
        if progress:
            progress(chunk.shape[0])
    return torch.cat(out), torch.cat(values)


def occlusion_scores(scorer: Scorer, positions: list[int], progress: Progress | None) -> torch.Tensor:
    """[score(prompt), score(prompt with token i replaced by its baseline) for i in positions]."""
    n = len(scorer.prompt_ids)
    tails = [len(ids) - 1 for ids, _ in scorer.branches()]
    if n > PACK_MAX_PROMPT or not scorer.packable():
        return _occluded_rows_scores(scorer, [None, *positions], progress)
    starts = [0] + positions  # row 0: the whole unperturbed prompt; row r: the prompt from positions[r-1] on
    out, past = [], None
    with torch.no_grad():
        for rows in _chunks([n - s + sum(tails) for s in starts], PACK_TOKENS_PER_CHUNK):
            chunk, cache = _packed(scorer, starts[rows], past)
            out.append(chunk)
            if past is None:  # row 0's prompt keys, read by the later chunks
                past = scorer.model.cache_prefix(cache, n - 1)
            if progress:
                progress(len(chunk))
    return torch.cat(out)


def _occluded_rows_scores(scorer: Scorer, occluded: list[int | None], progress: Progress | None) -> torch.Tensor:
    """Scores of the prompt with each listed position replaced by its baseline (None: none replaced), one
    chunk of rows built at a time: all rows at once would hold n^2 embeddings (10 GB at 2,000 tokens)."""
    x, b = scorer.input_embeds, scorer.baseline_embeds
    out, step = [], scorer.rows_per_chunk(grad=False)
    with torch.no_grad():
        for first in range(0, len(occluded), step):
            part = occluded[first:first + step]
            rows = x[None].repeat(len(part), 1, 1)
            for r, i in enumerate(part):
                if i is not None:
                    rows[r, i] = b[i]
            out.append(scorer(rows))
            if progress:
                progress(len(part))
    return torch.cat(out)


def _chunks(lengths: list[int], budget: int) -> list[slice]:
    """Consecutive runs of rows whose lengths sum to at most `budget` (a longer row runs alone)."""
    runs, first, size = [], 0, 0
    for i, length in enumerate(lengths):
        if i > first and size + length > budget:
            runs.append(slice(first, i))
            first, size = i, 0
        size += length
    return runs + [slice(first, len(lengths))]


@dataclass
class _Layout:
    """Tokens of a packed forward: embeddings and, per token, its row, absolute position and branch
    (0: prompt, j: the teacher-forced tail of continuation j); `reads[j]` holds, per row, the indices
    of the tokens whose next-token distribution scores continuation j."""

    embeds: list[torch.Tensor]
    row: list[torch.Tensor]
    pos: list[torch.Tensor]
    branch: list[torch.Tensor]
    reads: list[torch.Tensor] = field(default_factory=list)


def _layout(scorer: Scorer, start: torch.Tensor, unperturbed_first: bool) -> _Layout:
    """Row r holds the prompt from start[r] on, token start[r] occluded (row 0 of the first chunk is
    the unperturbed prompt), then the teacher-forced tail of each continuation."""
    x, b = scorer.input_embeds, scorer.baseline_embeds
    dev, n, rows = x.device, x.shape[0], len(start)
    length = n - start
    row = torch.repeat_interleave(torch.arange(rows, device=dev), length)  # row r: positions start[r]..n-1
    ends = torch.cumsum(length, 0)
    pos = torch.arange(len(row), device=dev) - (ends - length)[row] + start[row]
    swap = (pos == start[row]) & ~((row == 0) & unperturbed_first)
    lay = _Layout([torch.where(swap[:, None], b[pos], x[pos])], [row], [pos], [torch.zeros_like(pos)])
    offset = len(pos)
    for j, (ids, _) in enumerate(scorer.branches(), start=1):
        t = len(ids) - 1
        tail = scorer.model.token_embeddings(torch.tensor(ids[:-1], dtype=torch.long, device=dev))
        lay.embeds.append(tail.repeat(rows, 1))
        lay.row.append(torch.arange(rows, device=dev).repeat_interleave(t))
        lay.pos.append(torch.arange(n, n + t, device=dev).repeat(rows))
        lay.branch.append(torch.full((rows * t,), j, device=dev))
        tails = offset + torch.arange(rows * t, device=dev).view(rows, t)
        lay.reads.append(torch.cat([(ends - 1)[:, None], tails], 1))
        offset += rows * t
    return lay


def _own(lay: _Layout) -> torch.Tensor:
    """[T, T] bool: token a may read token b of its own row: b not later, and b in the prompt or in a's
    own continuation (a contrast's tail never sees the target's)."""
    row, pos, branch = torch.cat(lay.row), torch.cat(lay.pos), torch.cat(lay.branch)
    return (row[:, None] == row[None]) & (pos[None] <= pos[:, None]) & (
        (branch[None] == 0) | (branch[None] == branch[:, None]))


def _additive(allowed: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    return torch.zeros(allowed.shape, dtype=dtype, device=allowed.device).masked_fill(~allowed, torch.finfo(dtype).min)


def _packed(scorer: Scorer, starts: list[int], past: object) -> tuple[torch.Tensor, object]:
    """Scores of rows that differ from the prompt from `starts[r]` on, in one forward; the first chunk
    (`past` None) has the unperturbed prompt as row 0. A token sees earlier tokens of its own row and
    branch, and the unperturbed prompt before its row's start: row 0's tokens, or their keys in `past`."""
    x, dev, n = scorer.input_embeds, scorer.input_embeds.device, scorer.input_embeds.shape[0]
    start = torch.tensor(starts, device=dev)
    lay = _layout(scorer, start, unperturbed_first=past is None)
    row, pos, branch = torch.cat(lay.row), torch.cat(lay.pos), torch.cat(lay.branch)
    own = _own(lay)
    if past is None:  # row 0 is here: the other rows read its prompt tokens before their start
        allowed = own | ((row[None] == 0) & (branch[None] == 0) & (pos[None] < start[row][:, None]))
    else:
        allowed = torch.cat([torch.arange(n - 1, device=dev)[None] < start[row][:, None], own], 1)
    mask = _additive(allowed, x.dtype)
    cache = scorer.model.empty_cache() if past is None else scorer.model.cache_prefix(past, n - 1)
    normed = scorer.model.normed_from_embeddings(torch.cat(lay.embeds)[None], pos[None], mask[None, None], cache)[0]
    total = torch.zeros(len(starts), device=dev)
    for (ids, sign), at in zip(scorer.branches(), lay.reads):
        total = total + sign * scorer.model.label_logprob(normed[at], torch.tensor(ids, device=dev))
    return total, cache

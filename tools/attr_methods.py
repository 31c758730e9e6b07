"""Attribution algorithms over input-token embeddings, batched.

Conventions (shared with Captum so the two can be compared): the score is the summed log-probability
of the target tokens under teacher forcing (minus that of a contrast, if given); the baseline of a
token is the embedding of the pad token; special tokens (BOS) are never perturbed. Every sweep
(integration steps, occlusions) is one batched forward, chunked only to bound memory, with the
unembedding computed at the target positions alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from talkscope.tools.model import ModelAdapter

GRAD_TOKENS_PER_CHUNK = 4096     # tokens per backward chunk: ~1 MB of saved activations per token
FORWARD_TOKENS_PER_CHUNK = 16384  # tokens per no-grad chunk

Progress = Callable[[int], None]  # called with the number of rows just finished


@dataclass
class Scorer:
    """score(prompt_embeds [R, n, D]) -> [R]: log p(target | prompt) - log p(contrast | prompt)."""

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

    def _logprob(self, prompt_embeds: torch.Tensor, target: list[int]) -> torch.Tensor:
        rows, k = prompt_embeds.shape[0], len(target)
        ids = torch.tensor(target, device=prompt_embeds.device)
        tail = self.model.token_embeddings(ids[None, :-1]).expand(rows, -1, -1)  # teacher forcing
        logits = self.model.logits_from_embeddings(torch.cat([prompt_embeds, tail], 1), keep=k)
        logp = logits.float().log_softmax(-1)  # [R, k, V]
        return logp[:, torch.arange(k), ids].sum(-1)

    def __call__(self, prompt_embeds: torch.Tensor) -> torch.Tensor:
        score = self._logprob(prompt_embeds, self.target_ids)
        if self.contrast_ids:
            score = score - self._logprob(prompt_embeds, self.contrast_ids)
        return score

    def rows_per_chunk(self, grad: bool) -> int:
        seq = len(self.prompt_ids) + len(self.target_ids) + len(self.contrast_ids or [])
        return max(1, (GRAD_TOKENS_PER_CHUNK if grad else FORWARD_TOKENS_PER_CHUNK) // seq)


def _scores(scorer: Scorer, embeds: torch.Tensor, progress: Progress | None) -> torch.Tensor:
    """Scores of many prompt-embedding rows, no gradients, in memory-bounded chunks."""
    out = []
    step = scorer.rows_per_chunk(grad=False)
    with torch.no_grad():
        for start in range(0, embeds.shape[0], step):
            out.append(scorer(embeds[start:start + step]))
            if progress:
                progress(out[-1].shape[0])
    return torch.cat(out)


def _grads(scorer: Scorer, embeds: torch.Tensor, progress: Progress | None) -> torch.Tensor:
    """d score / d embeds for each row ([R, n, D]), in memory-bounded chunks."""
    grads = []
    step = scorer.rows_per_chunk(grad=True)
    for start in range(0, embeds.shape[0], step):
        chunk = embeds[start:start + step].detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(scorer(chunk).sum(), chunk)
        grads.append(grad)
        if progress:
            progress(chunk.shape[0])
    return torch.cat(grads)


@dataclass
class Attribution:
    scores: list[float]            # one per prompt token
    extra: dict[str, object] = field(default_factory=dict)  # method-specific facts (completeness, rollout)


def saliency(scorer: Scorer, progress: Progress | None = None, **_: object) -> Attribution:
    g = _grads(scorer, scorer.input_embeds[None], progress)[0]
    return Attribution(g.norm(dim=-1).tolist())


def input_x_gradient(scorer: Scorer, progress: Progress | None = None, **_: object) -> Attribution:
    g = _grads(scorer, scorer.input_embeds[None], progress)[0]
    return Attribution((g * scorer.input_embeds).sum(-1).tolist())


def integrated_gradients(scorer: Scorer, progress: Progress | None = None, n_steps: int = 32,
                         **_: object) -> Attribution:
    """Gauss-Legendre quadrature over the straight path from the baseline (Captum's default rule)."""
    nodes, weights = np.polynomial.legendre.leggauss(n_steps)
    alphas = torch.tensor((nodes + 1) / 2, dtype=scorer.input_embeds.dtype, device=scorer.input_embeds.device)
    w = torch.tensor(weights / 2, dtype=torch.float32, device=alphas.device)
    x, b = scorer.input_embeds, scorer.baseline_embeds
    path = b[None] + alphas[:, None, None] * (x - b)[None]  # [steps, n, D]
    g = _grads(scorer, path, progress).float()
    attr = ((w[:, None, None] * g).sum(0) * (x - b).float()).sum(-1)
    ends = _scores(scorer, torch.stack([x, b]), None)
    delta = float(ends[0] - ends[1])
    error = abs(float(attr.sum()) - delta)
    return Attribution(attr.tolist(), {"n_steps": n_steps, "score_input": float(ends[0]),
                                       "score_baseline": float(ends[1]), "completeness_error": error,
                                       "completeness_error_rel": error / max(abs(delta), 1e-6)})


def occlusion(scorer: Scorer, progress: Progress | None = None, **_: object) -> Attribution:
    """Score change when one token at a time is replaced by the baseline: score(x) - score(x without i)."""
    x, b = scorer.input_embeds, scorer.baseline_embeds
    n = x.shape[0]
    rows = x[None].repeat(n + 1, 1, 1)
    idx = torch.arange(n, device=x.device)
    rows[idx + 1, idx] = b[idx]  # row i+1 has token i occluded (specials: baseline == input)
    s = _scores(scorer, rows, progress)
    attr = (s[0] - s[1:]).tolist()
    return Attribution([0.0 if sp else a for a, sp in zip(attr, scorer.special)], {"score_input": float(s[0])})


def attention(scorer: Scorer, progress: Progress | None = None, **_: object) -> Attribution:
    """Last-layer attention from the predicting position, averaged over heads, plus attention rollout
    (Abnar & Zuidema 2020). A weaker signal: attention says where information is read, not its effect."""
    ids = torch.tensor([scorer.prompt_ids], device=scorer.input_embeds.device)
    att = scorer.model.attention_weights(ids).mean(1)  # [L, T, T]
    eye = torch.eye(att.shape[-1], device=att.device)
    rollout = eye
    for layer in att:
        a = 0.5 * layer + 0.5 * eye
        rollout = (a / a.sum(-1, keepdim=True)) @ rollout
    if progress:
        progress(1)
    return Attribution(att[-1, -1].tolist(), {"rollout": rollout[-1].tolist()})


METHODS: dict[str, Callable[..., Attribution]] = {
    "integrated_gradients": integrated_gradients,
    "occlusion": occlusion,
    "input_x_gradient": input_x_gradient,
    "saliency": saliency,
    "attention": attention,
}

# Rows of work per method, for the progress bar (n prompt tokens, s integration steps).
def work_rows(method: str, n: int, n_steps: int = 32) -> int:
    return {"integrated_gradients": n_steps, "occlusion": n + 1}.get(method, 1)

"""Attribution algorithms over input-token embeddings, batched, and their registry (`register_method`,
`list_methods`, `get_method`). The score, its conventions and the batched sweeps live in `attr_scoring`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import torch

from talkscope.tools.engine.attr_scoring import (  # noqa: F401  (Scorer and the chunk sizes are part of this API)
    GRAD_TOKENS_PER_CHUNK,
    Progress,
    Scorer,
    grads,
    occlusion_scores,
)
from talkscope.tools.engine.errors import TalkscopeError


@dataclass
class Attribution:
    scores: list[float]            # one per prompt token
    extra: dict[str, object] = field(default_factory=dict)  # method-specific facts (completeness, rollout)


def saliency(scorer: Scorer, progress: Progress | None = None, **_: object) -> Attribution:
    g = grads(scorer, scorer.input_embeds[None], progress)[0][0]
    return Attribution(g.norm(dim=-1).tolist())


def input_x_gradient(scorer: Scorer, progress: Progress | None = None, **_: object) -> Attribution:
    g = grads(scorer, scorer.input_embeds[None], progress)[0][0]
    return Attribution((g * scorer.input_embeds).sum(-1).tolist())


def integrated_gradients(scorer: Scorer, progress: Progress | None = None, n_steps: int = 32,
                         **_: object) -> Attribution:
    """Gauss-Legendre quadrature over the straight path from the baseline (Captum's default rule).
    The input and the baseline ride in the same batch as the path (their scores give the completeness
    check), and the leading special tokens, equal in every row, are computed once (`fixed_prefix`)."""
    nodes, weights = np.polynomial.legendre.leggauss(n_steps)
    p = scorer.fixed_prefix()
    x, b = scorer.input_embeds[p:], scorer.baseline_embeds[p:]
    alphas = torch.tensor((nodes + 1) / 2, dtype=x.dtype, device=x.device)
    w = torch.tensor(weights / 2, dtype=torch.float32, device=alphas.device)
    path = b[None] + alphas[:, None, None] * (x - b)[None]  # [steps, n - p, D]
    g, s = grads(scorer, torch.cat([path, x[None], b[None]]), progress, start=p)
    attr = ((w[:, None, None] * g[:n_steps].float()).sum(0) * (x - b).float()).sum(-1)
    attr = torch.cat([torch.zeros(p, device=attr.device), attr])  # the fixed prefix is never perturbed
    delta = float(s[n_steps] - s[n_steps + 1])
    error = abs(float(attr.sum()) - delta)
    return Attribution(attr.tolist(), {"n_steps": n_steps, "score_input": float(s[n_steps]),
                                       "score_baseline": float(s[n_steps + 1]), "completeness_error": error,
                                       "completeness_error_rel": error / max(abs(delta), 1e-6)})


def occlusion(scorer: Scorer, progress: Progress | None = None, **_: object) -> Attribution:
    """Score change when one token at a time is replaced by the baseline: score(x) - score(x without i).
    Special tokens are never occluded (their rows count as done at once)."""
    positions = [i for i, sp in enumerate(scorer.special) if not sp]
    if progress and len(positions) < len(scorer.special):
        progress(len(scorer.special) - len(positions))
    s = occlusion_scores(scorer, positions, progress)
    attr = [0.0] * len(scorer.special)
    for i, changed in zip(positions, (s[0] - s[1:]).tolist()):
        attr[i] = changed
    return Attribution(attr, {"score_input": float(s[0])})


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


class Method:
    """An attribution method: `name` (the value of the tool's `method` argument), a `title` for answers,
    `aliases` (words a user may say for it; the router reads them), a one-line `description`, the rows of
    work it does for a prompt of n tokens (for progress) and `attribute`. Register a new one with
    `register_method`; everything else (the argument's choices, the router's synonyms, the wording) follows."""

    name: ClassVar[str]
    title: ClassVar[str]
    aliases: ClassVar[tuple[str, ...]] = ()
    description: ClassVar[str]
    algorithm: ClassVar[Callable[..., Attribution]]
    max_tokens: ClassVar[int | None] = None  # longer prompts are refused (work that grows as n^2)

    @classmethod
    def work_rows(cls, n: int) -> int:
        return 1

    @classmethod
    def attribute(cls, scorer: Scorer, progress: Progress | None = None) -> Attribution:
        return cls.algorithm(scorer, progress=progress)


_METHODS: dict[str, type[Method]] = {}


def register_method(cls: type[Method]) -> type[Method]:
    _METHODS[cls.name] = cls
    return cls


def list_methods() -> list[type[Method]]:
    return list(_METHODS.values())


def get_method(name: str) -> type[Method]:
    if name not in _METHODS:
        raise TalkscopeError(f"unknown attribution method '{name}'; choose one of: {', '.join(_METHODS)}")
    return _METHODS[name]


@register_method
class IntegratedGradients(Method):
    name = "integrated_gradients"
    title = "Integrated gradients"
    aliases = ("integrated gradients", "integrated gradient", "integrated grads", "intergrated gradients", "IG")
    description = "32 Gauss-Legendre steps from the pad-token baseline, with a completeness check"
    algorithm = staticmethod(integrated_gradients)
    N_STEPS = 32

    @classmethod
    def work_rows(cls, n: int) -> int:
        return cls.N_STEPS + 2  # the path, the input and the baseline


@register_method
class Occlusion(Method):
    name = "occlusion"
    title = "Occlusion (leave one token out)"
    aliases = ("occlusion", "occlude", "occluding", "occulsion", "leave one out", "ablation", "ablate", "ablating",
               "mask out", "masking out")
    description = "the score change when one token at a time is replaced by the baseline"
    algorithm = staticmethod(occlusion)
    max_tokens = 1024  # n+1 forwards of n tokens: about a million token-forwards at this length

    @classmethod
    def work_rows(cls, n: int) -> int:
        return n + 1


@register_method
class InputXGradient(Method):
    name = "input_x_gradient"
    title = "Input x gradient"
    aliases = ("input x gradient", "input × gradient", "input times gradient", "inputxgradient", "grad times input",
               "gradient x input", "gradient times input", "gradient × input", "grad x input", "grad*input",
               "grad ⊙ input", "grad⊙input", "gradient*input")
    description = "the gradient times the input embedding, summed over dimensions"
    algorithm = staticmethod(input_x_gradient)


@register_method
class Saliency(Method):
    name = "saliency"
    title = "Saliency (gradient norm)"
    aliases = ("saliency", "salency", "gradient norm", "grad norm", "vanilla gradient")
    description = "the norm of the gradient at each token's embedding"
    algorithm = staticmethod(saliency)


@register_method
class AttentionWeights(Method):
    name = "attention"
    title = "Last-layer attention"
    aliases = ("attention", "atention", "attention weights", "attention rollout")
    description = "last-layer attention from the predicting position, with rollout (a weaker signal)"
    algorithm = staticmethod(attention)


def work_rows(method: str, n: int) -> int:
    """Rows of work of a method for a prompt of n tokens (for the progress bar)."""
    return get_method(method).work_rows(n)

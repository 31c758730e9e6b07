"""Reading hidden states over a sweep of layers, shared by the patchscope and the logit lens: the
source states of one position, the neighbouring layers swept for a stability check, and that check."""

from __future__ import annotations

import torch

from talkscope.tools.engine.model import ModelAdapter


def _norm(text: str) -> str:
    return text.strip().lower()


def with_neighbours(layers: list[int], n_layers: int) -> list[int]:
    """The requested layers plus their neighbours l-1 and l+1 (within 0..L), for the stability check."""
    return sorted({x for ell in layers for x in (ell - 1, ell, ell + 1) if 0 <= x <= n_layers})


def stability(by_layer: dict[int, str], layers: list[int]) -> float:
    """How often a requested layer's decoded answer equals its neighbours' (l-1, l+1) answers."""
    checks = [_norm(by_layer[ell]) == _norm(by_layer[n]) for ell in layers for n in (ell - 1, ell + 1)
              if n in by_layer]
    return sum(checks) / len(checks) if checks else 1.0


def source_states(model: ModelAdapter, prompt: str, token: str | int | None,
                  layer: int | list[int] | None) -> tuple[int, str, list[int], torch.Tensor]:
    """(position, its token, the checked layers, their residual states [len(layers), D]) of one prompt."""
    enc = model.encode(prompt)
    position = model.position_of(enc, token)
    layers = model.check_layers(layer)
    hidden = model.residual_stream(enc.tensor(model.device), layers=layers)[:, 0, position]  # [len(layers), D]
    return position, enc.tokens[position], layers, hidden

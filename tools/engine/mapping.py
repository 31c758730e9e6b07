"""Affine maps between two models' residual streams, for cross-model patchscopes.

For a source layer l and a target layer l* (by default the same relative depth), the map
h_target ~ W h_source + b is fitted by ridge-regularised least squares on hidden states of a built-in
text sample. The two tokenizers differ, so only positions where both place a token boundary at the
same character are paired. Fitted maps are cached on disk, keyed by both models and the text (written
atomically under a lock, see `cachefile`).
"""

from __future__ import annotations

import hashlib
import io
from importlib.resources import files
from pathlib import Path

import torch

from talkscope.tools.engine.cachefile import Damaged, load_or_build
from talkscope.tools.engine.model import ModelAdapter

RIDGE = 1e-2  # relative to the mean squared norm of the source states; keeps the fit well-posed


def sample_texts() -> list[str]:
    text = files("talkscope.tools").joinpath("data/mapping_text.txt").read_text()
    return [p for p in text.splitlines() if p.strip()]


def matching_layer(ell: int, source: ModelAdapter, target: ModelAdapter) -> int:
    """The target layer at the same relative depth."""
    return round(ell * target.n_layers / source.n_layers)


def _aligned_states(model: ModelAdapter, text: str, ends: set[int] | None = None) -> tuple[list[int], torch.Tensor]:
    enc = model.encode(text)
    hs = model.residual_stream(enc.tensor(model.device))[:, 0].float().cpu()  # [L+1, T, D]
    keep = [i for i, (s, e) in enumerate(enc.offsets) if not enc.special[i] and e > s and (ends is None or e in ends)]
    return [enc.offsets[i][1] for i in keep], hs[:, keep]


def paired_states(source: ModelAdapter, target: ModelAdapter) -> tuple[torch.Tensor, torch.Tensor]:
    """Source and target hidden states at every layer for positions whose token ends coincide."""
    xs, ys = [], []
    for text in sample_texts():
        s_ends, _ = _aligned_states(source, text)
        t_ends, t_h = _aligned_states(target, text, set(s_ends))
        s_ends2, s_h = _aligned_states(source, text, set(t_ends))
        assert s_ends2 == t_ends
        xs.append(s_h)
        ys.append(t_h)
    return torch.cat(xs, 1), torch.cat(ys, 1)  # [Ls+1, N, Ds], [Lt+1, N, Dt]


def fit_affine(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """W ([Ds+1, Dt], last row the bias) minimising |[x, 1] W - y|^2 + ridge |W|^2."""
    x1 = torch.cat([x, torch.ones(x.shape[0], 1)], 1).double()
    reg = RIDGE * (x1**2).sum(1).mean() * torch.eye(x1.shape[1], dtype=torch.float64)
    return torch.linalg.solve(x1.T @ x1 + reg, x1.T @ y.double()).float()


def cache_path(source: ModelAdapter, target: ModelAdapter, cache: Path) -> Path:
    key = hashlib.sha256("\n".join([source.source, target.source, *sample_texts()]).encode()).hexdigest()[:16]
    return cache / "maps" / f"{key}.pt"


def affine_maps(source: ModelAdapter, target: ModelAdapter, cache: Path) -> dict[int, torch.Tensor]:
    """One fitted map per source layer (to its matching target layer), loaded from the cache if there."""
    shape = (source.hidden_size + 1, target.hidden_size)

    def read(f: io.BytesIO) -> dict[int, torch.Tensor]:
        maps = torch.load(f, weights_only=True)
        if set(maps) != set(range(source.n_layers + 1)) or any(tuple(w.shape) != shape for w in maps.values()):
            raise Damaged(f"expected {source.n_layers + 1} maps of shape {shape}")
        return maps

    def build() -> dict[int, torch.Tensor]:
        xs, ys = paired_states(source, target)
        return {ell: fit_affine(xs[ell], ys[matching_layer(ell, source, target)])
                for ell in range(source.n_layers + 1)}

    def encode(maps: dict[int, torch.Tensor]) -> bytes:
        buf = io.BytesIO()
        torch.save(maps, buf)
        return buf.getvalue()

    return load_or_build(cache_path(source, target, cache), f"the maps from {source.name} to {target.name}",
                         read, build, encode)


def apply_map(w: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
    return h.float() @ w[:-1] + w[-1]

"""Which parameters carry an ability (Zhang et al. 2024, "Unveiling Linguistic Regions in Large Language Models").

Importance of parameter j for a text set is the first-order estimate of the loss change when it is zeroed,
|g_j * theta_j|, with g the gradient of the mean token loss accumulated over the set. The parameters are those of
the decoder blocks: the token embedding (tied to the unembedding in the default model) is left out, since its
rows belong to single tokens rather than to an ability. Regions are the top, bottom or a random k% of them,
ranked over the whole model; the core region of several languages is the intersection of their top sets, and a
language's own region is its top set less the core.

Ablation zeroes a region in place and puts the very same values back afterwards (bit-identical); the values
saved are those of the region only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import torch

from talkscope.tools.engine.errors import TalkscopeError
from talkscope.tools.engine.model import ModelAdapter
from talkscope.tools.engine.scoring import continuation_logprobs, sentence_item, token_logprobs

REGIONS_DIR = "data/regions"
ROWS_PER_STEP = 4
Region = dict[str, torch.Tensor]  # parameter name -> boolean mask


def languages() -> tuple[str, ...]:
    folder = files("talkscope.tools").joinpath(REGIONS_DIR)
    return tuple(sorted(p.name.split(".")[0] for p in folder.iterdir() if p.name.endswith(".train.txt")))


@dataclass(frozen=True)
class TextSet:
    name: str
    train: list[str]
    heldout: list[str]


def shipped_set(name: str) -> TextSet:
    read = lambda split: [ln.strip() for ln in files("talkscope.tools").joinpath(  # noqa: E731
        f"{REGIONS_DIR}/{name}.{split}.txt").read_text(encoding="utf-8").splitlines() if ln.strip()]
    return TextSet(name, read("train"), read("heldout"))


def file_set(path: Path) -> TextSet:
    """A user's text file, one passage per line (or paragraphs): two thirds to rank parameters, a third held out."""
    if not path.is_file():
        raise TalkscopeError(f"{path} is not a file: give a text file with one passage per line, or a language of "
                             f"{', '.join(languages())}")
    lines = [ln.strip() for ln in path.read_text(encoding="utf-8", errors="replace").splitlines() if ln.strip()]
    if len(lines) < 3:
        raise TalkscopeError(f"{path} has {len(lines)} non-empty line(s): give at least 3 passages, one per line, so "
                             "that some can be held out for perplexity")
    cut = max(1, len(lines) * 2 // 3)
    return TextSet(path.stem, lines[:cut], lines[cut:])


def block_parameters(model: ModelAdapter) -> dict[str, torch.nn.Parameter]:
    return {name: p for name, p in model.blocks.named_parameters()}


def gradients(model: ModelAdapter, texts: list[str], advance: Callable[[int], None] = lambda n: None
              ) -> dict[str, torch.Tensor]:
    """The gradient of the mean token loss over `texts` for every block parameter (float32)."""
    params = block_parameters(model)
    items = [sentence_item(model, t) for t in texts]
    n_tokens = sum(len(it.continuation) for it in items)
    for p in params.values():
        p.requires_grad_(True)
        p.grad = None
    try:
        for lo in range(0, len(items), ROWS_PER_STEP):
            batch = items[lo:lo + ROWS_PER_STEP]
            lp = continuation_logprobs(model, batch)
            (-lp.sum() / n_tokens).backward()
            advance(len(batch))
        return {name: p.grad.detach().float() for name, p in params.items()}
    finally:
        for p in params.values():
            p.requires_grad_(False)
            p.grad = None


def rank(model: ModelAdapter, train: dict[str, list[str]], ks: Sequence[float], per_set: bool,
         advance: Callable[[int], None] = lambda n: None, each: Callable[[str], None] = lambda name: None,
         ) -> tuple[dict[str, torch.Tensor], dict[float, dict[str, Region]]]:
    """The gradient over all the sets' texts (each set's own gradient weighted by its number of texts) and, with
    `per_set`, each set's own top region for each k; one set's gradient is held at a time. `each(name)` is called
    when a set is done."""
    total = sum(len(t) for t in train.values())
    mean: dict[str, torch.Tensor] = {}
    tops: dict[float, dict[str, Region]] = {k: {} for k in ks}
    for name, texts in train.items():
        g = gradients(model, texts, advance)
        for key, value in g.items():
            mean[key] = mean[key] + value * (len(texts) / total) if key in mean else value * (len(texts) / total)
        if per_set:
            scores = importance(model, g)
            for k in ks:
                tops[k][name] = top_region(scores, k)
            del scores
        del g
        each(name)
    return mean, tops


def importance(model: ModelAdapter, grads: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    params = block_parameters(model)
    return {name: (g * params[name].detach().float()).abs() for name, g in grads.items()}


def top_region(scores: dict[str, torch.Tensor], k: float, bottom: bool = False) -> Region:
    """The k% of parameters with the highest (or lowest) importance, ranked over all of them at once."""
    flat = torch.cat([s.flatten() for s in scores.values()])
    n = max(1, round(flat.numel() * k / 100))
    sign = 1 if bottom else -1  # rank the lowest first for the bottom region
    threshold = (sign * flat).kthvalue(n).values
    del flat
    region = {name: sign * s < threshold for name, s in scores.items()}
    short = n - size(region)  # ties at the threshold (many parameters score exactly 0): taken in order until n
    for name, s in scores.items():
        if short <= 0:
            break
        ties = (sign * s == threshold).flatten().nonzero()[:short, 0]
        region[name].view(-1)[ties] = True
        short -= len(ties)
    return region


def random_region(scores: dict[str, torch.Tensor], k: float, seed: int = 0) -> Region:
    gen = torch.Generator().manual_seed(seed)
    return {name: torch.rand(s.shape, generator=gen) < k / 100 for name, s in scores.items()}


def intersect(regions: list[Region]) -> Region:
    out = {name: m.clone() for name, m in regions[0].items()}
    for region in regions[1:]:
        for name, m in region.items():
            out[name] &= m
    return out


def minus(region: Region, other: Region) -> Region:
    return {name: m & ~other[name] for name, m in region.items()}


def size(region: Region) -> int:
    return int(sum(int(m.sum()) for m in region.values()))


@contextmanager
def ablated(model: ModelAdapter, region: Region) -> Iterator[None]:
    """The region's parameters zeroed for the duration, then restored to exactly their former values."""
    params = block_parameters(model)
    saved = {}
    with torch.no_grad():
        for name, m in region.items():
            saved[name] = params[name].data[m].clone()
            params[name].data[m] = 0
    try:
        yield
    finally:
        with torch.no_grad():
            for name, m in region.items():
                params[name].data[m] = saved[name]


def perplexities(model: ModelAdapter, sets: dict[str, list[str]],
                 advance: Callable[[int], None] = lambda n: None) -> dict[str, float]:
    """Per text set, exp of the mean token negative log-likelihood over its texts (all sets in one batched pass)."""
    names = [name for name, texts in sets.items() for _ in texts]
    scores = token_logprobs(model, [sentence_item(model, t) for texts in sets.values() for t in texts], advance)
    out = {}
    for name in sets:
        mine = [s for n, s in zip(names, scores) if n == name]
        nll = -sum(sum(s) for s in mine) / sum(len(s) for s in mine)
        out[name] = round(float(torch.tensor(nll, dtype=torch.float64).exp()), 4)
    return out


def zero_share(model: ModelAdapter, region: Region) -> float:
    """The share of a region's weights that are exactly zero already (a quantized model has many)."""
    params = block_parameters(model)
    zeros = sum(int((params[n].data[m] == 0).sum()) for n, m in region.items())
    return zeros / max(1, size(region))


def _layer_and_kind(name: str) -> tuple[int, str]:
    """'3.mlp.down_proj.weight' -> (3, 'mlp.down_proj')."""
    parts = name.split(".")
    return int(parts[0]), ".".join(n for n in parts[1:] if n not in ("weight", "bias"))


def importance_by_module(model: ModelAdapter, scores: dict[str, torch.Tensor]) -> dict[str, list[float]]:
    """Each matrix's share of the total importance: {module type: [share per layer]} (a row sums to the type's
    share, a column to the layer's)."""
    total = float(sum(float(s.sum()) for s in scores.values())) or 1.0
    out: dict[str, list[float]] = {}
    for name, s in scores.items():
        layer, kind = _layer_and_kind(name)
        row = out.setdefault(kind, [0.0] * model.n_layers)
        row[layer] = round(row[layer] + float(s.sum()) / total, 6)
    return out


def by_module(model: ModelAdapter, region: Region) -> dict[str, list[float]]:
    """The share of each (module type, layer) that lies in the region: {module type: [fraction per layer]}."""
    params = block_parameters(model)
    out: dict[str, list[float]] = {}
    for name, m in region.items():
        layer, kind = _layer_and_kind(name)
        row = out.setdefault(kind, [0.0] * model.n_layers)
        row[layer] = round(float(m.sum()) / params[name].numel(), 6)
    return out

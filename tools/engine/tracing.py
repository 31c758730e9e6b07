"""Causal tracing (Meng et al. 2022, "Locating and Editing Factual Associations in GPT"), batched.

Three runs of one prompt: the clean run; a corrupted run, in which Gaussian noise (3x the standard deviation of
the model's token embeddings over a sample of text) is added to the subject's input embeddings, or in which a
counterfactual prompt of the same length is read instead; and, for every (layer, position), a corrupted run in
which the clean value of one site is restored: the residual stream at that layer (`state`), or the MLP or
attention outputs of a window of blocks around it (`mlp`, `attn`, the paper's window of 10 layers scaled to
the model's depth). The restored runs are rows of a few batched forwards, not one forward each; each row reads
the answer's probability at the last position only.

Positions before the subject are never computed: the corruption cannot reach them (attention is causal), so
restoring them is a no-op and their cells are the corrupted probability itself.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

import numpy as np
import torch

from talkscope.tools.engine.errors import TalkscopeError
from talkscope.tools.engine.model import Encoding, ModelAdapter

NOISE_SCALE = 3.0  # the paper's nu = 3 sigma
PAPER_WINDOW, PAPER_DEPTH = 10, 48  # a 10-layer window on GPT-2 XL's 48 layers
ROWS_PER_FORWARD = 192
KINDS = ("state", "mlp", "attn")


@dataclass(frozen=True)
class Trace:
    """One sweep: `effects[s, i, p]` is the answer's probability with site (layers[i], p) restored under
    corruption sample s; `corrupted[s]` the probability with nothing restored; `clean` without corruption."""

    kind: str
    layers: list[int]
    tokens: list[str]
    subject: list[int]  # the corrupted positions
    answer: str
    answer_id: int
    clean: float
    corrupted: np.ndarray  # [S]
    effects: np.ndarray    # [S, len(layers), T]
    window: int


def default_window(n_layers: int) -> int:
    return max(1, round(PAPER_WINDOW * n_layers / PAPER_DEPTH))


def subject_positions(model: ModelAdapter, enc: Encoding, subject: str) -> list[int]:
    """The prompt positions whose tokens overlap the subject's first occurrence."""
    start = enc.text.find(subject) if subject.strip() else -1
    if start < 0:
        raise TalkscopeError(f"the subject {subject!r} is not in the prompt {enc.text!r}: name words that appear "
                             "in it, e.g. 'France' in 'The capital of France is'")
    end = start + len(subject)
    return [i for i, (a, b) in enumerate(enc.offsets) if a < end and b > start and not enc.special[i]]


_SIGMA: dict[int, float] = {}


def embedding_sigma(model: ModelAdapter) -> float:
    """The standard deviation of the model's input embeddings over the tokens of a sample of ordinary text
    (the paper's empirical sigma), computed once per model."""
    key = id(model.model)
    if key not in _SIGMA:
        text = files("talkscope.tools").joinpath("data/mapping_text.txt").read_text()
        ids = torch.tensor([model.tokenizer(text, add_special_tokens=False)["input_ids"][:4096]], device=model.device)
        with torch.no_grad():
            _SIGMA[key] = float(model.token_embeddings(ids).float().std())
    return _SIGMA[key]


def capture(model: ModelAdapter, embeds: torch.Tensor, kind: str, layers: list[int]) -> dict[int, torch.Tensor]:
    """The clean value of each site ([T, D] per layer) and, as key -1, the final-normed last state ([D])."""
    out: dict[int, torch.Tensor] = {}

    def keep(layer: int) -> Callable[[torch.Tensor], torch.Tensor]:
        def record(h: torch.Tensor) -> torch.Tensor:
            out[layer] = h[0].detach().clone()
            return h
        return record

    with torch.no_grad(), model.edit_sites({(kind, ell): keep(ell) for ell in layers}):
        out[-1] = model.normed_from_embeddings(embeds)[0, -1]
    return out


def run_trace(model: ModelAdapter, prompt: str, subject: str, answer: str | None, kind: str,
              counterfactual: str | None = None, samples: int = 5, window: int | None = None,
              progress: Callable[[int, str], AbstractContextManager[Any]] | None = None) -> Trace:
    """The full sweep over (layer, position) for one kind of site; see the module's docstring."""
    if kind not in KINDS:
        raise TalkscopeError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    enc = model.encode(prompt)
    subj = subject_positions(model, enc, subject)
    ids = enc.tensor(model.device)
    with torch.no_grad():
        clean_embeds = model.token_embeddings(ids)
    layers = list(range(model.n_layers + 1)) if kind == "state" else list(range(1, model.n_layers + 1))
    window = 1 if kind == "state" else (window or default_window(model.n_layers))
    sites = sorted({s for ell in layers for s in window_sites(ell, window, layers)})
    clean = capture(model, clean_embeds, kind, sites)
    answer_id, answer_text = _answer_token(model, enc, clean[-1], answer)
    corrupted_embeds = _corruptions(model, enc, clean_embeds, subj, counterfactual, samples)
    if counterfactual is not None:  # the corrupted positions are those whose tokens differ
        subj = _differences(model, enc, counterfactual)
    start = min(subj)
    cells = [(ell, p) for ell in layers for p in range(start, len(enc))]
    rows = [(s, cell) for s in range(len(corrupted_embeds)) for cell in [None, *cells]]
    bar = progress(len(rows), f"tracing {kind} sites") if progress else nullcontext(lambda n: None)
    with bar as advance:
        probs = _restored_probs(model, corrupted_embeds, clean, rows, kind, window, layers, answer_id, advance)
    n_s = len(corrupted_embeds)
    corrupted = np.array([probs[(s, None)] for s in range(n_s)])
    effects = np.repeat(corrupted[:, None, None], len(layers), 1).repeat(len(enc), 2)
    for (s, cell), p in probs.items():
        if cell is not None:
            effects[s, layers.index(cell[0]), cell[1]] = p
    clean_p = float(torch.softmax(model.head(clean[-1][None, None]).float(), -1)[0, 0, answer_id])
    return Trace(kind, layers, enc.tokens, subj, answer_text, answer_id, clean_p, corrupted, effects, window)


def window_sites(layer: int, window: int, layers: list[int]) -> list[int]:
    """The sites restored for a cell at `layer`: the window of `window` layers centred on it, clipped."""
    lo = layer - window // 2
    return [ell for ell in range(lo, lo + window) if ell in layers]


def _answer_token(model: ModelAdapter, enc: Encoding, last: torch.Tensor, answer: str | None) -> tuple[int, str]:
    """The answer's first token: the model's own greedy next token, or the first token of `answer` continuing
    the prompt (a space put between them where the prompt does not end with one)."""
    if answer is None or not answer.strip():
        top = int(model.head(last[None, None])[0, 0].argmax())
        return top, model.tokenizer.decode([top])
    text = answer if enc.text[-1:].isspace() or answer[:1].isspace() else " " + answer
    ids = model.tokenizer(text, add_special_tokens=False)["input_ids"]
    if not ids:
        raise TalkscopeError(f"the answer {answer!r} has no tokens: give the word the model should say next")
    return int(ids[0]), model.tokenizer.decode([ids[0]])


def _corruptions(model: ModelAdapter, enc: Encoding, embeds: torch.Tensor, subj: list[int],
                 counterfactual: str | None, samples: int) -> list[torch.Tensor]:
    """The corrupted input embeddings, one [1, T, D] per sample (one for a counterfactual prompt)."""
    if counterfactual is not None:
        other = model.encode(counterfactual)
        if len(other) != len(enc):
            raise TalkscopeError(f"the counterfactual prompt has {len(other)} tokens and the prompt {len(enc)}: "
                                 "they must align token for token, e.g. 'The capital of Italy is' for 'The capital "
                                 "of France is'")
        with torch.no_grad():
            return [model.token_embeddings(other.tensor(model.device))]
    sigma = NOISE_SCALE * embedding_sigma(model)
    out = []
    for seed in range(samples):
        gen = torch.Generator().manual_seed(seed)
        noise = torch.randn(len(subj), embeds.shape[-1], generator=gen) * sigma
        noisy = embeds.clone()
        noisy[0, subj] += noise.to(embeds.device, embeds.dtype)
        out.append(noisy)
    return out


def _differences(model: ModelAdapter, enc: Encoding, counterfactual: str) -> list[int]:
    other = model.encode(counterfactual)
    diff = [i for i, (a, b) in enumerate(zip(enc.ids, other.ids)) if a != b]
    if not diff:
        raise TalkscopeError("the counterfactual prompt is the prompt itself: change the subject, e.g. 'The capital "
                             "of Italy is' for 'The capital of France is'")
    return diff


def _restored_probs(model: ModelAdapter, corrupted: list[torch.Tensor], clean: dict[int, torch.Tensor],
                    rows: list[tuple[int, Any]], kind: str, window: int, layers: list[int], answer_id: int,
                    advance: Callable[[int], None]) -> dict[tuple[int, Any], float]:
    """The answer's probability for every row (sample, cell or None), ROWS_PER_FORWARD rows per forward."""
    out: dict[tuple[int, Any], float] = {}
    label = torch.tensor([answer_id], device=model.device)
    sites = sorted(k for k in clean if k >= 0)
    for lo in range(0, len(rows), ROWS_PER_FORWARD):
        chunk = rows[lo:lo + ROWS_PER_FORWARD]
        embeds = torch.cat([corrupted[s] for s, _ in chunk])
        masks = {ell: torch.zeros(len(chunk), embeds.shape[1], dtype=torch.bool, device=model.device)
                 for ell in sites}
        for r, (_, cell) in enumerate(chunk):
            if cell is not None:
                for ell in window_sites(cell[0], window, layers):
                    masks[ell][r, cell[1]] = True
        edits = {(kind, ell): _restore(masks[ell], clean[ell]) for ell in sites if masks[ell].any()}
        with torch.no_grad(), model.edit_sites(edits):
            normed = model.normed_from_embeddings(embeds)[:, -1:]
            logp = model.label_logprob(normed, label)
        for (s, cell), lp in zip(chunk, logp.exp().tolist()):
            out[(s, cell)] = lp
        advance(len(chunk))
    return out


def _restore(mask: torch.Tensor, clean: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
    def edit(h: torch.Tensor) -> torch.Tensor:
        return torch.where(mask[..., None], clean[None].to(h.dtype), h)
    return edit

"""Probe extraction and fitting for 1,000 texts at every layer on the default model (CPU): talkscope's
single batched forward per batch of texts (all layers captured at once; texts batched by length) against
a naive baseline that re-runs the model once per layer over batches in dataset order, keeping only that
layer. Both then fit the same per-layer probes; the extracted states are checked to agree up to float
rounding.

    .venv/bin/python benchmarks/probe_speed.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.common import machine, timed
from talkscope.tools.engine.loading import load_model
from talkscope.tools.engine.probe_data import BATCH, BUILT_IN, Dataset, hidden_states, load_dataset
from talkscope.tools.engine.probe_fit import probe_layers

N_TEXTS = 1000


def texts_and_labels() -> Dataset:
    texts, labels = [], []
    for concept in BUILT_IN:
        d = load_dataset(concept)
        texts += d.texts
        labels += [f"{concept}:{y}" for y in d.labels]
    order = np.random.default_rng(0).permutation(len(texts))[:N_TEXTS]
    return Dataset("mixed", [texts[i] for i in order], [labels[i] for i in order])


def naive_layer(model, data: Dataset, layer: int) -> np.ndarray:
    """One full pass over the texts for a single layer (what a per-layer loop does)."""
    out = []
    for start in range(0, len(data.texts), BATCH):
        ids, mask = model.left_pad([model.encode(t) for t in data.texts[start:start + BATCH]])
        out.append(model.residual_stream(ids, attention_mask=mask, layers=[layer])[0, :, -1].float().numpy())
    return np.concatenate(out)


def main() -> None:
    model = load_model("default", device="cpu")
    data = texts_and_labels()
    layers = list(range(model.n_layers + 1))
    with tempfile.TemporaryDirectory() as cache:
        t_extract, states = timed(lambda: hidden_states(model, data, "last", Path(cache)))
    t_naive_extract, naive = timed(lambda: np.stack([naive_layer(model, data, ell) for ell in layers]))
    # the two batch texts differently (talkscope by length), so states differ by float rounding only:
    # at most 1e-5 of each layer's largest value (the residual stream reaches ~4e4 on the default model)
    gap = np.abs(states - naive).max(axis=(1, 2)) / np.abs(naive).max(axis=(1, 2)).clip(min=1e-6)
    if gap.max() > 1e-5:
        raise SystemExit(f"naive and batched extraction disagree: relative gap {gap.max():.2e}")
    t_fit, _ = timed(lambda: probe_layers(states, data.labels, layers))
    ours, theirs = t_extract + t_fit, t_naive_extract + t_fit
    print(f"# probe speed · {N_TEXTS} texts, {len(layers)} layers, {len(set(data.labels))} classes · {machine()}")
    print("| step | talkscope s | naive per-layer s |")
    print("|---|---|---|")
    print(f"| extract hidden states | {t_extract:.1f} | {t_naive_extract:.1f} |")
    print(f"| fit probes + controls + intervals (same code) | {t_fit:.1f} | {t_fit:.1f} |")
    print(f"| total | {ours:.1f} | {theirs:.1f} |")
    print(f"\nExtraction speed-up {t_naive_extract / t_extract:.1f}x; end-to-end speed-up {theirs / ours:.1f}x.")


if __name__ == "__main__":
    main()

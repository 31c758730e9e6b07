"""Are the labels of a text collection trustworthy, read three ways:

- decodability: a linear probe on the model's pooled hidden states at every layer, scored by stratified 5-fold
  held-out accuracy with a bootstrap interval, beside the same probe on permuted labels and a bag-of-words
  baseline (the probe tool's engine: `probe_fit.held_out_correct`, `interval`, `lexical_correct`);
- likely mislabels: cross-validated probe probabilities at the best layer, ranked by confident learning
  (cleanlab's `find_label_issues`, Northcutt et al. 2021); each suspect with its given and suggested label;
- the model's own zero-shot reading: the log-probability of each label word as the next token after a prompt
  (the direct-probability method, rather than asking the model and parsing words), its agreement with the
  labels, and the same after contextual calibration (each label's mean log-probability over the collection is
  subtracted, Zhao et al. 2021).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from talkscope.tools.engine.errors import TalkscopeError
from talkscope.tools.engine.model import ModelAdapter
from talkscope.tools.engine.text.reading import bar

MIN_PER_LABEL = 5
ZERO_SHOT_BATCH_TOKENS = 4096
ZS_VERSION = 1


@dataclass
class Decodability:
    layers: list[int]
    accuracy: list[float]
    low: list[float]
    high: list[float]
    permuted: list[float]
    best_layer: int
    majority: float
    lexical: float
    lexical_low: float
    lexical_high: float


def check_labels(labels: list[str]) -> np.ndarray:
    y = np.array(labels)
    values, counts = np.unique(y, return_counts=True)
    if len(values) < 2:
        raise TalkscopeError("the label has a single value: a label check needs two or more")
    rare = [f"{v} ({c})" for v, c in zip(values, counts) if c < MIN_PER_LABEL]
    if rare:
        raise TalkscopeError(f"some labels have fewer than {MIN_PER_LABEL} examples ({', '.join(rare)}): a "
                             "cross-validated probe needs more; filter them out or merge them")
    return y


def decodability(states: np.ndarray, labels: list[str], texts: list[str], progress: Any = None) -> Decodability:
    """Held-out probe accuracy per layer (states [L+1, N, D])."""
    from talkscope.tools.engine.probe_fit import SEED, held_out_correct, interval, lexical_correct, stratified

    y = check_labels(labels)
    layers = list(range(states.shape[0]))
    permuted = np.random.default_rng(SEED).permutation(y)
    x = states.astype(np.float32)
    with bar(progress, 2 * len(layers), "Probing every layer for the label") as advance:
        correct = held_out_correct(x, {"label": y, "permuted": permuted}, layers, advance)
    acc = [float(c.mean()) for c in correct["label"]]
    lo, hi = zip(*(interval(c) for c in correct["label"]))
    best = int(np.argmax(acc))
    lex = lexical_correct(texts, y, stratified(y))
    llo, lhi = interval(lex)
    counts = np.unique(y, return_counts=True)[1]
    return Decodability(layers, acc, list(lo), list(hi), [float(c.mean()) for c in correct["permuted"]],
                        layers[best], float(counts.max() / len(y)), float(lex.mean()), llo, lhi)


def probe_probabilities(states: np.ndarray, labels: list[str]) -> tuple[np.ndarray, list[str]]:
    """Cross-validated class probabilities [N, C] of a probe at one layer's states [N, D], and the classes."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from talkscope.tools.engine.probe_fit import SEED, stratified

    y = check_labels(labels)
    probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, C=0.1, random_state=SEED))
    folds = stratified(y)
    probs = cross_val_predict(probe, states.astype(np.float32), y, cv=folds, method="predict_proba")
    return probs, sorted(set(labels))


def likely_mislabels(probs: np.ndarray, labels: list[str], classes: list[str]) -> list[tuple[int, float]]:
    """(position, probability that the given label is wrong) of the examples confident learning flags, most
    suspect first."""
    try:
        from cleanlab.filter import find_label_issues
    except ImportError as err:
        raise TalkscopeError("finding mislabelled examples needs cleanlab: pip install 'talkscope[texts]'") from err
    index = {c: i for i, c in enumerate(classes)}
    y = np.array([index[v] for v in labels])
    ranked = find_label_issues(y, probs, return_indices_ranked_by="self_confidence")
    return [(int(i), float(1 - probs[i, y[i]])) for i in ranked]


def zero_shot_prompt(text: str, classes: list[str]) -> str:
    return (f"Message: {text.strip()[:1500]}\n\nWhich of these is the message about: {', '.join(classes)}?\n"
            "Answer:")


def label_tokens(model: ModelAdapter, classes: list[str]) -> list[int]:
    """The first token of each label word (after a space); an error when two labels share it."""
    firsts = [model.tokenizer(" " + c.replace("_", " "), add_special_tokens=False)["input_ids"][0] for c in classes]
    if len(set(firsts)) < len(firsts):
        same = [c for c, t in zip(classes, firsts) if firsts.count(t) > 1]
        raise TalkscopeError(f"the labels {', '.join(same)} begin with the same token for {model.name}, so the "
                             "model's zero-shot reading cannot tell them apart; the probe-based checks still apply")
    return firsts


def zero_shot(model: ModelAdapter, texts: list[str], classes: list[str], cache: Path | None,
              progress: Any = None) -> np.ndarray:
    """[N, C] log-probabilities of each label's first token after the prompt, normalised over the labels."""
    from talkscope.tools.engine.cachefile import load_or_build

    tokens = label_tokens(model, classes)
    key = hashlib.sha256(f"{model.source}|{model.name}|{ZS_VERSION}|{'|'.join(classes)}|".encode()
                         + "\x00".join(texts).encode()).hexdigest()[:20]

    def build() -> np.ndarray:
        return _zero_shot(model, texts, tokens, classes, progress)

    if cache is None:
        return build()

    def read(f: io.BytesIO) -> np.ndarray:
        return np.load(f, allow_pickle=False)

    def encode(a: np.ndarray) -> bytes:
        buf = io.BytesIO()
        np.save(buf, a)
        return buf.getvalue()

    return load_or_build(cache / "zero-shot" / f"{key}.npy", "the zero-shot readings", read, build, encode)


@torch.no_grad()
def _zero_shot(model: ModelAdapter, texts: list[str], tokens: list[int], classes: list[str],
               progress: Any) -> np.ndarray:
    from talkscope.tools.engine.text.reading import batches

    ids = model.tokenizer([zero_shot_prompt(t, classes) for t in texts], add_special_tokens=True)["input_ids"]
    out = np.zeros((len(texts), len(tokens)), dtype=np.float32)
    pick = torch.tensor(tokens)
    with bar(progress, len(texts), "The model reads each text for its label") as advance:
        for rows in batches([len(s) for s in ids], ZERO_SHOT_BATCH_TOKENS):
            batch, mask = model.left_pad([ids[i] for i in rows])
            positions = (mask.cumsum(-1) - 1).clamp(min=0)
            last = model.model.base_model(input_ids=batch, attention_mask=mask, position_ids=positions,
                                          use_cache=False).last_hidden_state[:, -1:]
            logp = model.head(last)[:, -1].float().log_softmax(-1)[:, pick.to(last.device)]
            out[rows] = (logp - logp.logsumexp(-1, keepdim=True)).cpu().numpy()
            advance(len(rows))
    return out


def calibrated(logp: np.ndarray) -> np.ndarray:
    """Contextual calibration: each label's mean log-probability over the collection subtracted."""
    return logp - logp.mean(0, keepdims=True)


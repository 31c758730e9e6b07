"""Are the labels of a text collection trustworthy, read three ways:

- decodability: a linear probe on the model's pooled hidden states at every layer, scored by stratified 5-fold
  held-out accuracy with a bootstrap interval, beside the same probe on permuted labels (at the best layer) and a
  bag-of-words
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from talkscope.tools.engine.errors import TalkscopeError
from talkscope.tools.engine.model import ModelAdapter
from talkscope.tools.engine.text.reading import bar, cached_array

MIN_PER_LABEL = 5
ZERO_SHOT_BATCH_TOKENS = 4096
ZS_VERSION = 1


@dataclass
class Decodability:
    layers: list[int]
    accuracy: list[float]
    low: list[float]
    high: list[float]
    permuted: float  # the same probe on permuted labels, at the best layer
    best_layer: int
    majority: float
    lexical: float
    lexical_low: float
    lexical_high: float
    vs_lexical: tuple[float, float, float]  # best layer's accuracy minus bag-of-words', paired bootstrap 95%

    @property
    def decodable(self) -> bool:
        """The best layer's interval lies above the majority class and the permuted-label probe."""
        b = self.layers.index(self.best_layer)
        return self.low[b] > max(self.majority, self.permuted)


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
    with bar(progress, len(layers) + 1, "Probing every layer for the label") as advance:
        correct = held_out_correct(x, {"label": y}, layers, advance)["label"]
        best = int(np.argmax(correct.mean(1)))
        control = held_out_correct(x, {"permuted": permuted}, [layers[best]], advance)["permuted"][0]
    acc = [float(c.mean()) for c in correct]
    lo, hi = zip(*(interval(c) for c in correct))
    lex = lexical_correct(texts, y, stratified(y))
    llo, lhi = interval(lex)
    counts = np.unique(y, return_counts=True)[1]
    return Decodability(layers, acc, list(lo), list(hi), float(control.mean()), layers[best],
                        float(counts.max() / len(y)), float(lex.mean()), llo, lhi,
                        paired_difference(correct[best], lex))


def paired_difference(a: np.ndarray, b: np.ndarray, seed: int = 0) -> tuple[float, float, float]:
    """Mean of a - b (per-example correctness of two classifiers on the same examples) with a paired bootstrap 95%
    interval: the same resampled examples for both."""
    d = a.astype(float) - b.astype(float)
    rng = np.random.default_rng(seed)
    means = [d[rng.integers(0, len(d), len(d))].mean() for _ in range(2000)]
    low, high = np.percentile(means, [2.5, 97.5])
    return float(d.mean()), float(low), float(high)


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
    """(position, 1 - the probe's cross-validated probability of the given label: a score, not a calibrated
    probability) of the examples confident learning flags, most suspect first."""
    try:
        from cleanlab.filter import find_label_issues
    except ImportError as err:
        raise TalkscopeError("finding mislabelled examples needs cleanlab: pip install 'talkscope[texts]'") from err
    index = {c: i for i, c in enumerate(classes)}
    y = np.array([index[v] for v in labels])
    ranked = find_label_issues(y, probs, return_indices_ranked_by="self_confidence")
    return [(int(i), float(1 - probs[i, y[i]])) for i in ranked]


def spoken(label: str) -> str:
    """How a label is written in the prompt and scored: 'mobile_plan' -> 'mobile plan'."""
    return label.replace("_", " ").strip()


def zero_shot_prompt(text: str, classes: list[str]) -> str:
    return (f"Message: {text.strip()[:1500]}\n\nWhich of these is the message about: "
            f"{', '.join(spoken(c) for c in classes)}?\nAnswer:")


def label_tokens(model: ModelAdapter, classes: list[str]) -> list[int]:
    """The first token of each label word (after a space); an error when two labels share it, or when labels are
    not words (codes such as 0/1 mean nothing to the model)."""
    if not all(any(ch.isalpha() for ch in c) for c in classes):
        raise TalkscopeError("the labels are not words (" + ", ".join(classes[:5]) + "), so the model's zero-shot "
                             "reading would not mean anything; the probe-based checks still apply")
    firsts = [model.tokenizer(" " + spoken(c), add_special_tokens=False)["input_ids"][0] for c in classes]
    if len(set(firsts)) < len(firsts):
        same = [c for c, t in zip(classes, firsts) if firsts.count(t) > 1]
        raise TalkscopeError(f"the labels {', '.join(same)} begin with the same token for {model.name}, so the "
                             "model's zero-shot reading cannot tell them apart; the probe-based checks still apply")
    return firsts


def zero_shot(model: ModelAdapter, texts: list[str], classes: list[str], cache: Path | None,
              progress: Any = None) -> np.ndarray:
    """[N, C] log-probabilities of each label's first token after the prompt, normalised over the labels."""
    tokens = label_tokens(model, classes)
    key = hashlib.sha256(f"{model.source}|{model.name}|{ZS_VERSION}|{'|'.join(classes)}|".encode()
                         + "\x00".join(texts).encode()).hexdigest()[:20]

    return cached_array(cache and cache / "zero-shot" / f"{key}.npy", "the zero-shot readings",
                        lambda: _zero_shot(model, texts, tokens, classes, progress))


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
    """Prior-corrected: each label's mean log-probability over the collection subtracted (a label the prompt favours
    for every text loses that advantage; in the spirit of Zhao et al. 2021, who estimate the bias from a
    content-free input instead)."""
    return logp - logp.mean(0, keepdims=True)


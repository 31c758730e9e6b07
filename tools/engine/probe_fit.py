"""Fitting linear probes, with the controls a reviewer asks for.

Per layer, a logistic-regression probe (standardised features, fixed seed) is scored by held-out accuracy
with a 95% bootstrap interval under two kinds of folds:
- stratified 5-fold cross-validation (`accuracy`), and
- folds that hold out whole groups (`grouped_accuracy`): the word or item that carries the concept (the
  adjective, the verb, the relation), so a probe cannot succeed by recognising words it was trained on.
  The headline and the best layer come from these.
Beside them: the same probe on labels permuted across examples (`control_accuracy`); a control task in the
sense of Hewitt & Liang (2019), labels assigned at random per group (word type) and fitted under the
stratified folds, where a probe can only succeed by memorising word types (`control_task_accuracy`;
`selectivity` = accuracy - control-task accuracy); a lexical baseline, bag-of-words and word-bigram logistic
regression on the text itself under the grouped folds (`lexical_baseline`); and the majority class.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from joblib import Parallel, delayed
from scipy.stats import bootstrap
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, StratifiedKFold
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

SEED = 0
FOLDS = 5
SOLVER = "newton-cg"
Splits = list[tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class LabelSet:
    """Labels to fit and the folds to score them under."""

    y: np.ndarray
    splits: Splits


def stratified(y: np.ndarray) -> Splits:
    return list(StratifiedKFold(FOLDS, shuffle=True, random_state=SEED).split(np.zeros(len(y)), y))


def grouped(y: np.ndarray, groups: list[str] | None) -> tuple[Splits | None, str | None]:
    """Folds that hold out whole groups, or (None, why not) when they cannot be made."""
    if groups is None:
        return None, "the data has no group column, so held-out-group folds are the stratified ones"
    n = len(set(groups))
    if n < 2:
        return None, "the group column has one value only, so no group can be held out; stratified folds used"
    splits = list(GroupKFold(min(FOLDS, n)).split(np.zeros(len(y)), y, np.array(groups)))
    if any(len(set(y[train])) < 2 for train, _ in splits):
        return None, (f"with {n} groups a fold would train on one class only; stratified folds used "
                      "(give more groups, each with examples of every class)")
    return splits, None


def _folds(x: np.ndarray, y: np.ndarray, splits: Splits) -> np.ndarray:
    """[N] bool: whether each example's cross-validated prediction (by a probe not trained on it) is right.
    Each fold's fit starts from the previous fold's solution (`warm_start`; the folds share three quarters
    of their rows), with scikit-learn's Newton-CG solver: with the warm start it needed 35-60 iterations
    where lbfgs needed 250-600, and both land within one held-out prediction in 1,000 of the optimum
    solved to 1e-10 (`tests/test_probe.py` checks this against plain scikit-learn)."""
    out = np.zeros(len(y), dtype=bool)
    probe = LogisticRegression(max_iter=2000, C=0.1, solver=SOLVER, random_state=SEED, warm_start=True)
    for train, test in splits:
        scaler = StandardScaler().fit(x[train])
        probe.fit(scaler.transform(x[train]), y[train])
        out[test] = probe.predict(scaler.transform(x[test])) == y[test]
    return out


def held_out_correct(states: np.ndarray, labels: dict[str, np.ndarray | LabelSet], layers: list[int],
                     progress: Callable[[int], None] | None = None) -> dict[str, np.ndarray]:
    """Per label set: [len(layers), N] held-out correctness (a bare label array is scored under stratified
    folds). Every (label set, layer) is one job; jobs run in threads (the solver's arithmetic releases the
    GIL; threads start at once, where worker processes took seconds), one BLAS thread each: on a small
    machine the solver's own threads only contend with each other."""
    sets = {k: v if isinstance(v, LabelSet) else LabelSet(v, stratified(v)) for k, v in labels.items()}
    jobs = [(name, layer) for name in sets for layer in layers]
    done = []
    with threadpool_limits(1):
        for result in Parallel(n_jobs=min(os.cpu_count() or 1, len(jobs)), prefer="threads", return_as="generator")(
                delayed(_folds)(states[layer], sets[name].y, sets[name].splits) for name, layer in jobs):
            done.append(result)
            if progress:
                progress(1)
    return {name: np.stack([d for (n, _), d in zip(jobs, done) if n == name]) for name in sets}


def lexical_correct(texts: list[str], y: np.ndarray, splits: Splits) -> np.ndarray:
    """[N] bool: held-out correctness of a bag-of-words and word-bigram logistic regression on the text."""
    out = np.zeros(len(y), dtype=bool)
    for train, test in splits:
        vec = CountVectorizer(ngram_range=(1, 2), lowercase=True)
        clf = LogisticRegression(max_iter=2000, C=1.0, random_state=SEED)
        clf.fit(vec.fit_transform([texts[i] for i in train]), y[train])
        out[test] = clf.predict(vec.transform([texts[i] for i in test])) == y[test]
    return out


def interval(correct: np.ndarray) -> tuple[float, float]:
    res = bootstrap((correct.astype(float),), np.mean, confidence_level=0.95, n_resamples=2000,
                    random_state=SEED, method="percentile")
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


def control_task(y: np.ndarray, groups: list[str] | None) -> np.ndarray:
    """Hewitt & Liang's control task: each group (word type) gets one label at random, the classes dealt out
    in turn over the shuffled groups so every class occurs; with fewer than two groups (or none), each
    example is its own group (the same as permuting the labels)."""
    rng = np.random.default_rng(SEED + 1)
    classes = np.unique(y)
    keys = groups if groups is not None and len(set(groups)) >= len(classes) else [str(i) for i in range(len(y))]
    names = list(rng.permutation(sorted(set(keys))))
    drawn = dict(zip(names, np.resize(rng.permutation(classes), len(names))))
    return np.array([drawn[k] for k in keys])


def probe_layers(states: np.ndarray, labels: list[str], layers: list[int], texts: list[str] | None = None,
                 groups: list[str] | None = None, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Every score of the module docstring, per layer; `progress` is called once per fitted (labels, layer)."""
    y = np.array(labels)
    strat = stratified(y)
    by_group, note = grouped(y, groups)
    permuted = np.random.default_rng(SEED).permutation(y)
    task = control_task(y, groups)
    sets = {"concept": LabelSet(y, strat), "control": LabelSet(permuted, stratified(permuted)),
            "task": LabelSet(task, stratified(task))}
    if by_group is not None:
        sets["grouped"] = LabelSet(y, by_group)
    correct = held_out_correct(states, sets, layers, progress)
    if by_group is None:
        correct["grouped"] = correct["concept"]  # the stratified folds stand in (see `group_note`)
        if progress:
            progress(len(layers))
    acc = [float(c.mean()) for c in correct["concept"]]
    lo, hi = zip(*(interval(c) for c in correct["concept"]))
    gacc = [float(c.mean()) for c in correct["grouped"]]
    glo, ghi = zip(*(interval(c) for c in correct["grouped"]))
    ctrl = [float(c.mean()) for c in correct["control"]]
    task_acc = [float(c.mean()) for c in correct["task"]]
    best = int(np.argmax(gacc))
    appears = next(i for i in range(len(layers)) if ghi[i] >= glo[best])
    counts = np.unique(y, return_counts=True)[1]
    out = {"layers": layers, "accuracy": acc, "ci_low": list(lo), "ci_high": list(hi), "control_accuracy": ctrl,
           "grouped_accuracy": gacc, "grouped_ci_low": list(glo), "grouped_ci_high": list(ghi),
           "control_task_accuracy": task_acc, "selectivity": [a - c for a, c in zip(acc, task_acc)],
           "permuted_selectivity": [a - c for a, c in zip(acc, ctrl)],
           "majority_baseline": float(counts.max() / len(y)), "best_layer": layers[best],
           "appears_layer": layers[appears], "n_examples": len(y), "classes": sorted(set(labels)),
           "groups": len(set(groups)) if groups is not None else None, "group_note": note}
    if texts is not None:
        lex_strat = lexical_correct(texts, y, strat)
        lex = lex_strat if by_group is None else lexical_correct(texts, y, by_group)
        out["lexical_baseline"] = float(lex.mean())
        out["lexical_ci_low"], out["lexical_ci_high"] = interval(lex)
        out["lexical_baseline_stratified"] = float(lex_strat.mean())
    return out

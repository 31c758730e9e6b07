"""What the table tools compute from a fitted model: the EBM's additive contributions, bootstrap intervals of
importances, a SHAP cross-check of one row's explanation, the slice search behind `mistakes`, and the
counterfactual search.

The counterfactual search is our own rather than DiCE's: dice-ml 0.12 pins old pandas and numpy releases that
this project's other libraries have left behind, and for one row and a few dozen features a batched search over
each feature's observed quantiles (then pairs), with the smallest change refined by bisection, finds the
nearest flip in well under a second on the demo tables (benchmarks/dataset_tabular.py).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from talkscope.tools.engine.table.conditions import Atom, Cond
from talkscope.tools.engine.table.fit import Fitted

if TYPE_CHECKING:
    import pandas as pd

BOOTSTRAP = 200
QUANTILES = np.linspace(0.05, 0.95, 19)


def contributions(fitted: Fitted, X: pd.DataFrame, cls: int | None = None) -> tuple[list[str], np.ndarray, float]:  # noqa: N803
    """(term names, per-row additive contributions [rows, terms], intercept) of an EBM. Multiclass: of class
    `cls`, or the mean absolute contribution over classes when None (for importances)."""
    model = fitted.model
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores = np.asarray(model.eval_terms(X[fitted.features]), dtype=float)
    intercept = np.asarray(model.intercept_, dtype=float)
    if scores.ndim == 3:
        if cls is None:
            return list(model.term_names_), np.abs(scores).mean(axis=2), float(np.abs(intercept).mean())
        return list(model.term_names_), scores[:, :, cls], float(intercept[cls])
    return list(model.term_names_), scores, float(np.ravel(intercept)[0])


def bootstrap_mean_abs(values: np.ndarray, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean |value| per column with a 95% percentile bootstrap interval over rows. Each resample is a vector of
    row counts, so the 200 resampled means are one matrix product: multinomial counts (the exact bootstrap) up to
    20,000 rows, Poisson(1) counts above (the Poisson bootstrap; drawing multinomials took 1.7 s at 100,000)."""
    a = np.abs(values)
    rng = np.random.default_rng(seed)
    n = len(a)
    if n <= 20_000:
        counts = np.stack([np.bincount(rng.integers(0, n, n), minlength=n) for _ in range(BOOTSTRAP)]).astype(float)
    else:
        counts = rng.poisson(1.0, size=(BOOTSTRAP, n)).astype(float)
    boots = counts @ a / counts.sum(axis=1, keepdims=True)
    return a.mean(axis=0), np.percentile(boots, 2.5, axis=0), np.percentile(boots, 97.5, axis=0)


def per_feature(terms: list[str], values: np.ndarray, features: list[str]) -> np.ndarray:
    """Term contributions folded onto features: a pair term's value split equally between its two features."""
    out = np.zeros(len(features))
    for t, v in zip(terms, values):
        parts = [f for f in t.split(" & ")]
        for p in parts:
            out[features.index(p)] += v / len(parts)
    return out


def shap_values(fitted: Fitted, X_background: pd.DataFrame, row: pd.DataFrame, cls: int | None) -> np.ndarray:  # noqa: N803
    """SHAP values of one row (permutation explainer, the shap library) on the score the EBM explains: the
    predicted class's log-odds (binary: the positive class's), or the regression output. Categories are handed
    to shap as integer codes (its maskers need numbers) and decoded before the model reads them."""
    import pandas as pd
    import shap

    feats = fitted.features
    codes = {f: sorted(set(X_background[f].dropna().astype(str)) | set(row[f].dropna().astype(str)))
             for f in feats if not pd.api.types.is_numeric_dtype(X_background[f])}

    def encode(frame: pd.DataFrame) -> np.ndarray:
        out = frame[feats].copy()
        for f, cats in codes.items():
            out[f] = [cats.index(str(v)) if pd.notna(v) else np.nan for v in out[f]]
        return out.astype(float).to_numpy()

    def score(a: np.ndarray) -> np.ndarray:
        frame = pd.DataFrame(a, columns=feats)
        for f, cats in codes.items():
            frame[f] = [cats[int(v)] if v == v else np.nan for v in frame[f]]
        if fitted.task == "regression":
            return fitted.predict(frame)
        p = np.clip(fitted.proba(frame), 1e-9, 1 - 1e-9)
        k = 1 if cls is None else cls
        return np.log(p[:, k] / (1 - p[:, k]))

    masker = shap.maskers.Independent(encode(X_background), max_samples=100)
    explainer = shap.explainers.Permutation(score, masker, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        values = explainer(encode(row), max_evals=max(2 * len(feats) + 1, 200), silent=True)
    return np.asarray(values.values[0], dtype=float)


@dataclass(frozen=True)
class Slice:
    condition: str
    size: int
    error: float  # error rate (classification) or mean absolute error
    low: float
    high: float

    def to_json(self) -> dict[str, Any]:
        return {"condition": self.condition, "size": self.size, "error": round(self.error, 4),
                "interval": [round(self.low, 4), round(self.high, 4)]}


def wilson(k: float, n: int, z: float = 1.96) -> tuple[float, float]:
    if n == 0:
        return 0.0, 1.0
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return float(max(0.0, c - h)), float(min(1.0, c + h))


def _interval(errors: np.ndarray, binary: bool) -> tuple[float, float, float]:
    if binary:
        lo, hi = wilson(float(errors.sum()), len(errors))
        return float(errors.mean()), lo, hi
    from scipy import stats

    m = float(errors.mean())
    half = float(stats.t.ppf(0.975, len(errors) - 1) * errors.std(ddof=1) / np.sqrt(len(errors))) if len(errors) > 1 \
        else float("inf")
    return m, m - half, m + half


def candidate_slices(frame: pd.DataFrame, features: list[str], kinds: dict[str, str]) -> list[Cond]:
    """One-feature conditions: each category; quartile tails and halves of each number."""
    out: list[Cond] = []
    for f in features:
        col = frame[f]
        if kinds[f] == "numeric":
            qs = np.unique(np.nanpercentile(col.astype(float), [25, 50, 75]))
            for q in qs:
                q = float(np.round(q, 4))
                out += [Cond("and", (Atom(f, "<=", q),)), Cond("and", (Atom(f, ">", q),))]
        else:
            out += [Cond("and", (Atom(f, "==", str(v)),)) for v in col.dropna().astype(str).unique()]
    return out


def slice_search(frame: pd.DataFrame, features: list[str], kinds: dict[str, str], errors: np.ndarray,
                 binary: bool, min_size: int, top: int = 5) -> list[Slice]:
    """Subgroups of one or two feature conditions where the error is highest, ranked by the lower end of the
    error's 95% interval (so a tiny group with two errors does not win)."""
    singles = candidate_slices(frame, features, kinds)
    masks = {c: c.mask(frame).to_numpy() for c in singles}
    scored: list[tuple[float, Slice]] = []

    def consider(cond: Cond, mask: np.ndarray) -> None:
        n = int(mask.sum())
        if n < min_size or n == len(mask):
            return
        m, lo, hi = _interval(errors[mask], binary)
        scored.append((lo, Slice(cond.text(), n, m, lo, hi)))

    for c, m in masks.items():
        consider(c, m)
    best = [c for _, c in sorted(((s[0], s[1].condition) for s in scored), reverse=True)][:20]
    lookup = {c.text(): c for c in singles}
    for i, a in enumerate(best):
        for b in best[i + 1:]:
            ca, cb = lookup[a], lookup[b]
            if ca.atoms()[0].column != cb.atoms()[0].column:
                consider(Cond("and", (*ca.parts, *cb.parts)), masks[ca] & masks[cb])
    scored.sort(key=lambda s: -s[0])
    out: list[Slice] = []
    for _, s in scored:
        if all(s.condition != o.condition for o in out):
            out.append(s)
        if len(out) == top:
            break
    return out


@dataclass(frozen=True)
class Flip:
    changes: dict[str, tuple[Any, Any]]  # feature -> (from, to)
    distance: float
    prediction: str
    probability: float | None


def _scales(X: pd.DataFrame, kinds: dict[str, str]) -> dict[str, float]:  # noqa: N803
    out = {}
    for f in X.columns:
        if kinds[f] == "numeric":
            v = X[f].astype(float)
            iqr = float(np.nanpercentile(v, 75) - np.nanpercentile(v, 25))
            out[f] = iqr if iqr > 0 else float(np.nanstd(v)) or 1.0
    return out


def counterfactual(fitted: Fitted, X: pd.DataFrame, row: int, kinds: dict[str, str],  # noqa: N803
                   immutable: set[str], advance: Any = None) -> tuple[Flip | None, int]:
    """The nearest change of one feature, else of two, that changes the row's predicted class; distance in
    interquartile ranges for numbers, 1 per changed category. (flip or None, candidates tried)."""
    import pandas as pd

    base = X.iloc[[row]]
    original = fitted.predict(base)[0]
    scales = _scales(X, kinds)
    mutable = [f for f in fitted.features if f not in immutable]
    options: dict[str, list[Any]] = {}
    for f in mutable:
        if kinds[f] == "numeric":
            options[f] = sorted(set(np.round(np.nanquantile(X[f].astype(float), QUANTILES), 4).tolist()) -
                                {base[f].iloc[0]})
        else:
            options[f] = [v for v in X[f].dropna().unique().tolist() if v != base[f].iloc[0]]

    def dist(changes: dict[str, Any]) -> float:
        return sum(abs(float(v) - float(base[f].iloc[0])) / scales[f] if kinds[f] == "numeric" and
                   pd.notna(base[f].iloc[0]) else 1.0 for f, v in changes.items())

    def evaluate(candidates: list[dict[str, Any]]) -> list[tuple[float, dict[str, Any]]]:
        if not candidates:
            return []
        batch = pd.concat([base] * len(candidates), ignore_index=True)
        for i, ch in enumerate(candidates):
            for f, v in ch.items():
                batch.at[i, f] = v
        pred = fitted.predict(batch)
        return [(dist(ch), ch) for ch, p in zip(candidates, pred) if p != original]

    singles = [{f: v} for f in mutable for v in options[f]]
    flips = evaluate(singles)
    tried = len(singles)
    if advance:
        advance(1)
    if not flips:
        pairs = _pair_candidates(fitted, base, options, original)
        flips = evaluate(pairs)
        tried += len(pairs)
    if advance:
        advance(1)
    if not flips:
        return None, tried
    d, changes = min(flips, key=lambda t: t[0])
    changes = _bisect(fitted, base, changes, original, kinds, evaluate)
    batch = base.copy()
    for f, v in changes.items():
        batch[f] = v
    proba = fitted.proba(batch)
    pred = fitted.predict(batch)[0]
    p = None if proba is None else float(proba[0][fitted.classes.index(pred)])
    return Flip({f: (_plain(base[f].iloc[0]), _plain(v)) for f, v in changes.items()}, round(dist(changes), 4),
                str(pred), p), tried


def _plain(v: Any) -> Any:
    return v.item() if hasattr(v, "item") else v


def _pair_candidates(fitted: Fitted, base: pd.DataFrame, options: dict[str, list[Any]], original: str) -> list[dict]:
    """Pairs of values of the six features whose single changes lower the original class's probability most."""
    import pandas as pd

    k = fitted.classes.index(original)
    drops = {}
    for f, values in options.items():
        if not values:
            continue
        batch = pd.concat([base] * len(values), ignore_index=True)
        batch[f] = values
        p = fitted.proba(batch)
        drops[f] = float(p[:, k].min()) if p is not None else 0.0
    top = sorted(drops, key=drops.get)[:6]
    return [{a: va, b: vb} for i, a in enumerate(top) for b in top[i + 1:] for va in options[a] for vb in options[b]]


def _bisect(fitted: Fitted, base: pd.DataFrame, changes: dict[str, Any], original: str, kinds: dict[str, str],
            evaluate: Any, steps: int = 12) -> dict[str, Any]:
    """Move each numeric change back towards the row's own value while the prediction stays flipped."""
    changes = dict(changes)
    for f, target in list(changes.items()):
        if kinds[f] != "numeric" or base[f].isna().iloc[0]:
            continue
        lo, hi = float(base[f].iloc[0]), float(target)
        for _ in range(steps):
            mid = (lo + hi) / 2
            if evaluate([{**changes, f: mid}]):
                hi = mid
            else:
                lo = mid
        changes[f] = round(hi, 4)
    return changes
